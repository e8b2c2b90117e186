"""The HTTP floor: a FastAPI hello-world, served by uvicorn exactly like the cpq app.

`uvicorn bench.hello_app:create_app --factory --workers 1`. `/hello` is the floor of GET throughput;
`POST /echo` parses a JSON body (no validation, no database) and is the transport floor of a big POST.
"""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="hello")

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/echo", status_code=201)
    async def echo(body: dict[str, Any] = Body(...)) -> dict[str, int]:  # noqa: B008 - FastAPI idiom
        return {"lines": len(body.get("lines", []))}

    return app


app = create_app()
