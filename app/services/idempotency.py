"""Idempotency-Key: the first response to (API key id, Idempotency-Key) is stored and replayed; another body is refused.

The record is written by the work's own transaction (`insert_with_work`, a `before_commit` hook), never before it:
a request killed before its commit leaves no record, so a retry runs again; one killed after it leaves a record, so
a retry cannot run the work twice. The response is attached to the record right after the work.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.db.base import new_id
from app.db.repositories import auth as repo
from app.db.session import READ_ONLY, reading
from app.domain.errors import Conflict, InvalidInput

MAX_KEY_LENGTH = 255
#: Where a request's session carries its `Pending` key, for the commit hook.
PENDING = "cpq_idempotency"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"
    title = "Idempotency key reused"


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    title = "Request in progress"


class IdempotencyResponseLost(Conflict):
    """The work committed but the server stopped before storing its answer: running it again would do it twice."""

    code = "idempotency_response_lost"
    title = "Response lost"


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Pending:
    """A key seen for the first time: recorded by the first commit of the request's work, or after its response."""

    caller: str
    key: str
    request_hash: str
    created_at: datetime
    record_id: uuid.UUID = field(default_factory=new_id)
    #: Set once a transaction of this request that inserted the record has committed (only that one inserts).
    inserted: bool = False
    #: The record is in the transaction now being committed: `inserted` once it commits, dropped if it rolls back
    #: (a transaction retried after a deadlock must insert the record again).
    inserting: bool = False

    def values(self, response: StoredResponse | None = None) -> dict[str, Any]:
        values: dict[str, Any] = {"id": self.record_id, "caller": self.caller, "key": self.key,
                                  "request_hash": self.request_hash, "created_at": self.created_at}
        if response is not None:
            values.update(status_code=response.status_code, headers=json.dumps(response.headers), body=response.body)
        return values


def begin(
    session: Session, *, caller: str, key: str, request_hash: str, now: datetime, ttl: timedelta, lease: timedelta
) -> StoredResponse | Pending:
    """The stored response to replay, or a `Pending` key for a request that must run.

    A record without a response belongs to work that committed and whose answer is being stored: within `lease`
    that is a request still finishing (409, retry soon); past it, the server stopped in between (409, never rerun).
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    with reading(session):
        record = repo.idempotency_record(session, caller=caller, key=key)
    if record is not None and record.created_at < now - ttl:
        with session.begin():
            repo.forget_idempotency_record(session, record.id)
        record = None
    if record is None:
        return Pending(caller=caller, key=key, request_hash=request_hash, created_at=now)
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with another request; use a new key for a new request"
        )
    if record.status_code is None:
        if record.created_at >= now - lease:
            raise IdempotencyInProgress("a request with this Idempotency-Key is still being processed")
        raise IdempotencyResponseLost(
            "the request with this Idempotency-Key was carried out, but the server stopped before storing its "
            "response; look the result up instead of retrying"
        )
    return StoredResponse(record.status_code, json.loads(record.headers or "[]"), record.body or b"")


def insert_with_work(session: Session) -> None:
    """`before_commit`: the first writing commit of a request with a pending key inserts its record, atomically.

    A concurrent request that inserted the same key first makes this one a 409, and its work rolls back.
    """
    pending: Pending | None = session.info.get(PENDING)
    if pending is None or pending.inserted or session.connection().get_execution_options().get(READ_ONLY):
        return
    if not repo.insert_idempotency_record(session, pending.values()):
        raise IdempotencyInProgress("a request with this Idempotency-Key is being processed")
    pending.inserting = True


def _committed(session: Session) -> None:
    pending: Pending | None = session.info.get(PENDING)
    if pending is not None and pending.inserting:
        pending.inserted, pending.inserting = True, False


def _rolled_back(session: Session) -> None:
    pending: Pending | None = session.info.get(PENDING)
    if pending is not None:
        pending.inserting = False


_HOOKS = (("before_commit", insert_with_work), ("after_commit", _committed), ("after_rollback", _rolled_back))


def install() -> None:
    """Hook the record into every session's commits (the hooks do nothing for a session without a pending key)."""
    for name, hook in _HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


def complete(session: Session, *, pending: Pending, response: StoredResponse) -> None:
    """Attach the response to the record the work inserted, or record both when the request committed nothing."""
    with session.begin():
        if not repo.attach_idempotency_response(session, pending.values(response)):
            repo.insert_idempotency_record(session, pending.values(response))
