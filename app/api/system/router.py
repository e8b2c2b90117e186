"""Operational endpoints: health (a database round trip and a document storage probe), and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app.api.deps import SessionDep, StorageDep
from app.api.schemas import Out
from app.services.documents import storage_status

router = APIRouter(tags=["system"])


class HealthOut(Out):
    status: str
    database: str
    storage: str


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut, "description": "unhealthy"}})
def get_health(session: SessionDep, storage: StorageDep, response: Response) -> object:
    """503 unless the database answers and a document can be stored: finalize needs both."""
    try:
        with session.begin():
            session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure to reach the database is "unhealthy"
        database = "unreachable"
    stored = "ok" if storage_status(storage) else "unavailable"
    healthy = database == "ok" and stored == "ok"
    response.status_code = 200 if healthy else 503
    return {"status": "ok" if healthy else "unhealthy", "database": database, "storage": stored}


@router.get("/metrics", response_class=Response, responses={200: {
    "description": "the Prometheus text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}})
def get_metrics() -> Response:
    """Prometheus metrics in the text exposition format; no key needed."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
