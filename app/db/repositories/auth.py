"""Queries on API keys, idempotency records and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.models import ApiKey, IdempotencyRecord
from app.db.repositories.pagination import Page, fetch_page


def key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))).first()


def list_keys(session: Session, *, limit: int, cursor: str | None) -> Page[ApiKey]:
    return fetch_page(session, select(ApiKey), ApiKey.id, limit=limit, cursor=cursor)


def idempotency_record(session: Session, *, caller: str, key: str) -> IdempotencyRecord | None:
    statement = select(IdempotencyRecord).where(IdempotencyRecord.caller == caller, IdempotencyRecord.key == key)
    return session.scalars(statement).first()


def forget_idempotency_record(session: Session, record_id: uuid.UUID) -> None:
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


def forget_expired_idempotency_record(session: Session, *, caller: str, key: str, cutoff: datetime) -> None:
    session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.caller == caller, IdempotencyRecord.key == key, IdempotencyRecord.created_at < cutoff
    ))
