"""Queries on API keys, idempotency records and the audit log."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db.models import ApiKey, IdempotencyRecord
from app.db.repositories.pagination import Page, fetch_page
from app.domain.listing import EVERYTHING, Narrowing


def key(session: Session, key_id: uuid.UUID) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def list_keys(session: Session, *, limit: int, cursor: str | None, by: Narrowing = EVERYTHING) -> Page[ApiKey]:
    return fetch_page(session, select(ApiKey), ApiKey.id, limit=limit, cursor=cursor, by=by)


def idempotency_record(session: Session, *, caller: str, key: str) -> IdempotencyRecord | None:
    statement = select(IdempotencyRecord).where(IdempotencyRecord.caller == caller, IdempotencyRecord.key == key)
    return session.scalars(statement).first()


def forget_idempotency_record(session: Session, record_id: uuid.UUID) -> None:
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


def insert_idempotency_record(session: Session, values: dict[str, Any]) -> bool:
    """Insert unless (caller, key) is taken (`ON CONFLICT DO NOTHING`, which waits for a concurrent inserter);
    whether this call inserted it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(IdempotencyRecord).values(**values).on_conflict_do_nothing(
        index_elements=[IdempotencyRecord.caller, IdempotencyRecord.key]).returning(IdempotencyRecord.id)
    return session.execute(statement).first() is not None  # RETURNING: psycopg's rowcount is -1 here


def attach_idempotency_response(session: Session, values: dict[str, Any]) -> bool:
    """Store the response on the record of `values["id"]` if it has none yet; whether one was updated."""
    statement = update(IdempotencyRecord).where(
        IdempotencyRecord.id == values["id"], IdempotencyRecord.status_code.is_(None),
    ).values(status_code=values["status_code"], headers=values["headers"], body=values["body"])
    return session.execute(statement.returning(IdempotencyRecord.id)).first() is not None
