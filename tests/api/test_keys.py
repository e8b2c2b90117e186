"""API keys: a secret is shown once and never stored or replayed; a revoked key is refused at once, everywhere."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session, sessionmaker

from app.api.deps import get_today
from app.config import Settings
from app.db.models import ApiKey, AuditEntry, IdempotencyRecord
from app.main import create_app
from tests.builders import Keys
from tests.conftest import TODAY


def _rows(session: Session, statement: Select[Any]) -> list[Row[Any]]:
    """Plain rows, read without holding the test session's (SQLite write) transaction open."""
    session.rollback()
    rows = list(session.execute(statement).all())
    session.rollback()
    return rows


def _revocations(session: Session) -> list[Row[Any]]:
    return _rows(session, select(AuditEntry.object_id, AuditEntry.details).where(
        AuditEntry.action == "api_key.revoked"))


class TestSecretShownOnce:
    def test_an_idempotent_retry_of_key_creation_answers_the_key_without_its_secret(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        headers = keys.headers("admin", **{"Idempotency-Key": "new-key"})
        first = client.post("/v1/api-keys", headers=headers, json={"role": "finance"})
        again = client.post("/v1/api-keys", headers=headers, json={"role": "finance"})
        secret = first.json()["key"]
        assert first.status_code == again.status_code == 201 and secret.startswith("cpq_")
        assert again.json() == {**first.json(), "key": None}
        assert again.headers["idempotent-replayed"] == "true" and again.headers["idempotent-withheld"] == "key"
        [(stored,)] = _rows(session, select(IdempotencyRecord.body))
        assert stored and secret.encode() not in stored and b'"key":null' in stored
        assert len(_rows(session, select(ApiKey.id).where(ApiKey.role == "finance"))) == 2
        assert client.get("/v1/products", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


class TestRevocation:
    def test_a_revoked_key_is_refused_from_its_very_next_request_and_the_revocation_is_audited(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        created = client.post("/v1/api-keys", headers=keys.headers("admin"), json={"role": "sales"}).json()
        mine = {"Authorization": f"Bearer {created['key']}"}
        assert client.get("/v1/products", headers=mine).status_code == 200
        assert client.delete(f"/v1/api-keys/{created['id']}", headers=keys.headers("admin")).status_code == 204
        refused = client.get("/v1/products", headers=mine)
        assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
        assert refused.headers["content-type"] == "application/problem+json"
        listed = {k["id"]: k for k in client.get("/v1/api-keys", headers=keys.headers("admin")).json()["data"]}
        assert listed[created["id"]]["revoked_at"] is not None
        [entry] = _revocations(session)
        assert entry.object_id == created["id"] and entry.details == {"role": "sales"}

    def test_revoking_twice_is_204_both_times_and_audited_once(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        created = client.post("/v1/api-keys", headers=keys.headers("admin"), json={"role": "sales"}).json()
        for _ in range(2):
            assert client.delete(f"/v1/api-keys/{created['id']}", headers=keys.headers("admin")).status_code == 204
        assert len(_revocations(session)) == 1

    def test_revoking_an_unknown_key_is_404_and_changes_nothing(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        before = _rows(session, select(ApiKey.id, ApiKey.revoked_at))
        response = client.delete(f"/v1/api-keys/{uuid.uuid4()}", headers=keys.headers("admin"))
        body = response.json()
        assert response.status_code == 404 and body["status"] == 404 and body["type"] == "/problems/not_found"
        assert body["title"] == "Not found" and "does not exist" in body["detail"]
        assert _rows(session, select(ApiKey.id, ApiKey.revoked_at)) == before
        assert _revocations(session) == []

    def test_a_revocation_on_one_worker_applies_at_once_on_another(
        self, client: TestClient, second_worker: TestClient, keys: Keys
    ) -> None:
        created = client.post("/v1/api-keys", headers=keys.headers("admin"), json={"role": "sales"}).json()
        mine = {"Authorization": f"Bearer {created['key']}"}
        assert second_worker.get("/v1/products", headers=mine).status_code == 200  # known to the second worker
        assert client.delete(f"/v1/api-keys/{created['id']}", headers=keys.headers("admin")).status_code == 204
        assert second_worker.get("/v1/products", headers=mine).status_code == 401


@pytest.fixture
def second_worker(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """Another `create_app` on the same database: what a second uvicorn worker process would hold."""
    other: FastAPI = create_app(settings)
    other.state.session_factory = session_factory
    other.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(other, raise_server_exceptions=False) as client:
        yield client
