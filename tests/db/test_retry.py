"""A transaction PostgreSQL undoes to break a deadlock (or a serialization conflict) runs again, a bounded number of
times; any other error, and a domain refusal above all, is raised at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.db.repositories import quotes as quote_repo
from app.domain.errors import Conflict
from app.services.retry import ATTEMPTS, retry_transient
from tests.builders import Keys, create_account, create_quote, seed_catalog


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _failing(errors: list[Exception], calls: list[int]) -> Callable[[Session], str]:
    @retry_transient
    def use_case(_session: Session) -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "done"
    return use_case


def _db_error(sqlstate: str) -> OperationalError:
    return OperationalError("UPDATE quotes …", {}, _PgError(sqlstate))


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_serialization_failure_is_retried(session: Session, sqlstate: str) -> None:
    calls: list[int] = []
    assert _failing([_db_error(sqlstate), _db_error(sqlstate)], calls)(session) == "done"
    assert len(calls) == 3


def test_retries_are_bounded(session: Session) -> None:
    calls: list[int] = []
    with pytest.raises(OperationalError):
        _failing([_db_error("40P01") for _ in range(ATTEMPTS + 1)], calls)(session)
    assert len(calls) == ATTEMPTS


@pytest.mark.parametrize("error", [
    Conflict("a business refusal"),
    IntegrityError("INSERT …", {}, _PgError("23505")),
    OperationalError("SELECT 1", {}, Exception("connection refused")),
])
def test_other_errors_are_not_retried(session: Session, error: Exception) -> None:
    calls: list[int] = []
    with pytest.raises(type(error)):
        _failing([error], calls)(session)
    assert len(calls) == 1


def test_a_real_deadlock_between_two_sessions_is_resolved_by_the_retry(
    session_factory: sessionmaker[Session], session: Session, client: TestClient, keys: Keys, engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers with BEGIN IMMEDIATE: two writers cannot deadlock")
    seed_catalog(session)
    account_id = create_account(client, keys)["id"]
    first, second = (uuid.UUID(create_quote(client, keys, account_id=account_id)["id"]) for _ in range(2))
    both_hold_one = threading.Barrier(2, timeout=30)
    attempts: dict[str, int] = {"forward": 0, "backward": 0}
    errors: list[BaseException] = []

    @retry_transient
    def lock_in_order(own: Session, name: str, ids: tuple[uuid.UUID, uuid.UUID]) -> None:
        attempts[name] += 1
        with own.begin():
            quote_repo.quote(own, ids[0], for_update=True)
            if attempts[name] == 1:
                both_hold_one.wait()  # each holds one row and wants the other's: PostgreSQL undoes one of them
            quote_repo.quote(own, ids[1], for_update=True)

    def run(name: str, ids: tuple[uuid.UUID, uuid.UUID]) -> None:
        try:
            with session_factory() as own:
                lock_in_order(own, name, ids)
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=("forward", (first, second))),
               threading.Thread(target=run, args=("backward", (second, first)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sorted(attempts.values()) == [1, 2]
