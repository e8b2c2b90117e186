"""Idempotency-Key against a hostile client: authentication and the role check come first, records are scoped to
the key id and written by the work's own transaction, and bodies are capped before they are read."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message

from app.db.models import Account, ApiKey, IdempotencyRecord
from app.db.repositories import auth as auth_repo
from app.domain.errors import Conflict
from app.services import accounts, idempotency
from app.services.auth import OPERATOR, create_key
from tests.builders import Keys

ACCOUNT = {"name": "Konzerthaus Nord", "currency": "EUR", "locale": "de", "billing_email": "b@example.org"}
PRODUCT = {"sku": "NEW-1", "kind": "addon", "name": "New", "family": "new", "unit": "seat"}
NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def _count(session: Session, model: type[object]) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _assert_problem(response: Response, status: int, code: str) -> None:
    body = response.json()
    assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
    assert body["status"] == status and body["code"] == code and body["type"] == f"/problems/{code}"
    assert body["title"] and body["detail"]


def _key_id(session: Session, role: str) -> uuid.UUID:
    """The id of the fixture key of `role`, read without holding the test session's transaction open."""
    key_id = session.scalars(select(ApiKey.id).where(ApiKey.role == role)).one()
    session.rollback()
    return key_id


def _records(session: Session) -> list[IdempotencyRecord]:
    session.rollback()
    return list(session.scalars(select(IdempotencyRecord)))


class TestAuthenticationComesFirst:
    def test_a_junk_bearer_with_an_idempotency_key_is_401_and_writes_no_row(
        self, client: TestClient, session: Session
    ) -> None:
        headers = {"Authorization": "Bearer junk", "Idempotency-Key": "k-1"}
        response = client.post("/v1/accounts", headers=headers, json=ACCOUNT)
        _assert_problem(response, 401, "unauthenticated")
        assert _records(session) == [] and _count(session, Account) == 0

    def test_a_replay_by_another_key_runs_as_its_own_request(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        _, other = create_key(session, caller=OPERATOR, role="sales", account_id=None)
        first = client.post("/v1/accounts", headers=keys.headers("sales", **{"Idempotency-Key": "k"}), json=ACCOUNT)
        second = client.post("/v1/accounts", headers={"Authorization": f"Bearer {other}", "Idempotency-Key": "k"},
                             json=ACCOUNT)
        assert first.status_code == second.status_code == 201 and "idempotent-replayed" not in second.headers
        assert second.json()["id"] != first.json()["id"] and _count(session, Account) == 2

    def test_records_are_scoped_to_the_key_id_not_to_the_header_text(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        first = client.post("/v1/accounts", headers=keys.headers("sales", **{"Idempotency-Key": "k"}), json=ACCOUNT)
        spelled = {"Authorization": f"bearer  {keys.tokens['sales']}", "Idempotency-Key": "k"}
        again = client.post("/v1/accounts", headers=spelled, json=ACCOUNT)
        assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
        assert [r.caller for r in _records(session)] == [str(_key_id(session, "sales"))]

    def test_a_revoked_key_gets_401_not_its_stored_answer(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        headers = keys.headers("sales", **{"Idempotency-Key": "k"})
        assert client.post("/v1/accounts", headers=headers, json=ACCOUNT).status_code == 201
        assert client.delete(f"/v1/api-keys/{_key_id(session, 'sales')}", headers=keys.headers("admin")).status_code == 204
        _assert_problem(client.post("/v1/accounts", headers=headers, json=ACCOUNT), 401, "unauthenticated")
        assert _count(session, Account) == 1

    def test_a_lower_role_reusing_a_key_gets_403_not_a_replay_or_a_reuse_error(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        assert client.post("/v1/accounts", headers=keys.headers("sales", **{"Idempotency-Key": "k"}),
                           json=ACCOUNT).status_code == 201
        assert client.post("/v1/products", headers=keys.headers("admin", **{"Idempotency-Key": "p"}),
                           json=PRODUCT).status_code == 201
        for key in ("k", "p"):  # its own key on a route it may not use; an admin's key on the admin's route
            refused = client.post("/v1/products", headers=keys.headers("sales", **{"Idempotency-Key": key}),
                                  json=PRODUCT)
            _assert_problem(refused, 403, "forbidden")
        assert len(_records(session)) == 2


class TestBodyCap:
    def test_a_declared_20_mb_body_is_413_before_authentication(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        for headers in (keys.headers("sales"), {"Authorization": "Bearer junk"}):
            response = client.post("/v1/accounts", headers={**headers, "Content-Type": "application/json"},
                                   content=b" " * (20 * 1024 * 1024))
            _assert_problem(response, 413, "http_413")
        assert _count(session, Account) == 0

    def test_a_streamed_body_is_cut_off_at_the_cap_without_reading_the_rest(
        self, app: FastAPI, keys: Keys, session: Session
    ) -> None:
        status, body, pulled = _stream_post(app, "/v1/accounts", keys.headers("sales", **{"Idempotency-Key": "big"}))
        assert status == 413 and json.loads(body)["code"] == "http_413"
        assert pulled == 3 and _count(session, Account) == 0 and _records(session) == []  # 3 MiB > 2 MiB

    def test_a_bad_key_is_401_before_a_streamed_body_is_read(self, app: FastAPI) -> None:
        status, body, pulled = _stream_post(app, "/v1/accounts", {"Authorization": "Bearer junk"})
        assert status == 401 and json.loads(body)["code"] == "unauthenticated" and pulled == 0

    def test_a_500_line_quote_fits_under_the_default_cap(self, client: TestClient, keys: Keys) -> None:
        line = {"sku": "TIX-PRO", "quantity": 20, "discount_percent": "12.50", "description": "x" * 40}
        body = {"account_id": str(uuid.uuid4()), "start_date": "2026-01-15", "term_months": 12,
                "billing_frequency": "monthly", "lines": [line] * 500}
        response = client.post("/v1/quotes", headers=keys.headers("sales"), json=body)
        assert response.status_code != 413


def _stream_post(app: FastAPI, path: str, headers: dict[str, str]) -> tuple[int, bytes, int]:
    """POST a chunked 20 MB body straight to the ASGI app (the TestClient reads a body whole before sending it):
    the status, the body, and how many 1 MiB chunks the app pulled."""
    pulled, sent = 0, []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b" " * (1024 * 1024), "more_body": pulled < 20}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "scheme": "http",
             "server": ("testserver", 80), "client": ("127.0.0.1", 1), "state": {},
             "headers": [(k.lower().encode(), v.encode()) for k, v in
                         {**headers, "content-type": "application/json", "transfer-encoding": "chunked"}.items()]}
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body, pulled


class TestRecordedWithTheWork:
    def test_the_record_is_committed_with_the_work_and_holds_the_response(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        first = client.post("/v1/accounts", headers=keys.headers("sales", **{"Idempotency-Key": "k"}), json=ACCOUNT)
        [record] = _records(session)
        assert record.status_code == 201 and record.body == first.content

    def test_a_key_inserted_by_a_concurrent_request_rolls_this_work_back(
        self, session_factory: sessionmaker[Session]
    ) -> None:
        with session_factory() as other, other.begin():
            auth_repo.insert_idempotency_record(other, _pending().values())
        with session_factory() as session:
            session.info[idempotency.PENDING] = _pending()
            with pytest.raises(idempotency.IdempotencyInProgress):
                accounts.create_account(session, caller=OPERATOR, **ACCOUNT)
            assert _count(session, Account) == 0

    def test_only_the_first_commit_of_a_request_inserts_its_record(
        self, session_factory: sessionmaker[Session]
    ) -> None:
        with session_factory() as session:
            pending = session.info[idempotency.PENDING] = _pending()
            accounts.create_account(session, caller=OPERATOR, **ACCOUNT)
            accounts.create_account(session, caller=OPERATOR, **{**ACCOUNT, "name": "Second"})
            assert pending.inserted and _count(session, Account) == 2
            assert [r.id for r in _records(session)] == [pending.record_id]

    def test_a_transaction_rolled_back_and_run_again_still_records_the_key(
        self, session_factory: sessionmaker[Session]
    ) -> None:
        """A deadlock retry runs the work again: the record its first attempt held was rolled back with it."""
        with session_factory() as session:
            pending = session.info[idempotency.PENDING] = _pending()
            with pytest.raises(RuntimeError), session.begin():
                idempotency.insert_with_work(session)
                raise RuntimeError("deadlock detected")
            accounts.create_account(session, caller=OPERATOR, **ACCOUNT)
            assert pending.inserted and [r.id for r in _records(session)] == [pending.record_id]

    def test_a_server_error_after_the_work_committed_never_lets_a_retry_run_it_again(
        self, client: TestClient, keys: Keys, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        create = accounts.create_account

        def committed_then_failed(*args: object, **kwargs: object) -> object:
            create(*args, **kwargs)  # type: ignore[arg-type]
            raise RuntimeError("the answer could not be built")

        monkeypatch.setattr(accounts, "create_account", committed_then_failed)
        headers = keys.headers("sales", **{"Idempotency-Key": "once"})
        assert client.post("/v1/accounts", headers=headers, json=ACCOUNT).status_code == 500
        monkeypatch.setattr(accounts, "create_account", create)
        retry = client.post("/v1/accounts", headers=headers, json=ACCOUNT)
        _assert_problem(retry, 409, "idempotency_in_progress")
        assert _count(session, Account) == 1

    @pytest.mark.parametrize(("age", "code"), [(timedelta(seconds=5), "idempotency_in_progress"),
                                               (timedelta(minutes=5), "idempotency_response_lost")])
    def test_a_record_without_its_response_is_in_progress_for_the_lease_then_never_rerun(
        self, session_factory: sessionmaker[Session], age: timedelta, code: str
    ) -> None:
        with session_factory() as session:
            with session.begin():
                auth_repo.insert_idempotency_record(session, _pending(created_at=NOW - age).values())
            with pytest.raises(Conflict) as raised:
                idempotency.begin(session, caller="caller", key="k", request_hash="hash", now=NOW,
                                  ttl=timedelta(hours=24), lease=timedelta(seconds=60))
            assert raised.value.code == code


def _pending(created_at: datetime = NOW) -> idempotency.Pending:
    return idempotency.Pending(caller="caller", key="k", request_hash="hash", created_at=created_at)
