"""FastAPI's OpenTelemetry is the operator's choice (`CPQ_OPENTELEMETRY`): off, no request asks whether a
provider is configured (that question alone cost a hot read 6 % of its time); on, every request does."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings


@pytest.mark.parametrize("on", [False, True])
def test_requests_ask_for_a_tracer_provider_only_when_opentelemetry_is_on(
    on: bool, settings: Settings, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.main import create_app

    asked: list[int] = []
    provider = trace.get_tracer_provider

    def counted() -> trace.TracerProvider:
        asked.append(1)
        return provider()

    monkeypatch.setattr(trace, "get_tracer_provider", counted)
    app = create_app(settings.model_copy(update={"opentelemetry": on}))
    app.state.session_factory = session_factory
    with TestClient(app) as client:
        before = len(asked)
        assert client.get("/health").status_code == 200
        assert client.get("/openapi.json").status_code == 200
        assert (len(asked) - before >= 2) if on else (len(asked) == before)
    asyncio.run(app.state.reads.close())
