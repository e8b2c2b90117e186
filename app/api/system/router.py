"""Operational endpoints: liveness with a database round trip, and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app.api.deps import SessionDep
from app.api.schemas import Out

router = APIRouter(tags=["system"])


class HealthOut(Out):
    status: str
    database: str


@router.get("/health", response_model=HealthOut)
def health(session: SessionDep, response: Response) -> object:
    try:
        with session.begin():
            session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to reach the database is "unhealthy"
        response.status_code = 503
        return {"status": "unhealthy", "database": "unreachable"}
    return {"status": "ok", "database": "ok"}


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
