"""Idempotency-Key: the first response to (caller, key) is stored and replayed; another body is refused."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import IdempotencyRecord
from app.db.repositories import auth as repo
from app.domain.errors import Conflict, InvalidInput

MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"
    title = "Idempotency key reused"


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    title = "Request in progress"


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


def begin(
    session: Session, *, caller: str, key: str, request_hash: str, now: datetime, ttl: timedelta
) -> StoredResponse | uuid.UUID:
    """The stored response to replay, or the id of a new in-progress record that the caller must complete."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    try:
        with session.begin():
            repo.forget_expired_idempotency_record(session, caller=caller, key=key, cutoff=now - ttl)
            record = repo.idempotency_record(session, caller=caller, key=key)
            if record is None:
                record = IdempotencyRecord(caller=caller, key=key, request_hash=request_hash, created_at=now)
                session.add(record)
                session.flush()
                return record.id
            if record.request_hash != request_hash:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was already used with another request; use a new key for a new request"
                )
            if record.status_code is None:
                raise IdempotencyInProgress("a request with this Idempotency-Key is still being processed")
            return StoredResponse(record.status_code, json.loads(record.headers or "[]"), record.body or b"")
    except IntegrityError:
        raise IdempotencyInProgress("a request with this Idempotency-Key is still being processed") from None


def complete(session: Session, *, record_id: uuid.UUID, response: StoredResponse) -> None:
    with session.begin():
        record = session.get(IdempotencyRecord, record_id)
        if record is not None:
            record.status_code, record.body = response.status_code, response.body
            record.headers = json.dumps(response.headers)


def abandon(session: Session, *, record_id: uuid.UUID) -> None:
    """Forget a key whose request failed on our side, so the client may retry it."""
    with session.begin():
        repo.forget_idempotency_record(session, record_id)
