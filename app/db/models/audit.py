"""Append-only records: the audit log of every write and the events feed (contract and quote events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, new_id, utc_now, written_after
from app.db.models.quotes import Quote
from app.db.types import UtcDateTime


class AuditEntry(IdMixin, Base):
    __tablename__ = "audit_entries"

    api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class Event(Base):
    """A contract or quote event; `sequence` orders the feed that finance and provisioning poll."""

    __tablename__ = "events"

    sequence: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=new_id)
    type: Mapped[str] = mapped_column(String(32))
    #: Null for the events of a new-business quote before it is accepted: no contract exists yet.
    contract_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    contract_version: Mapped[int | None] = mapped_column(Integer)
    quote_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quotes.id"))
    quote: Mapped[Quote | None] = written_after("Quote", "Event.quote_id")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
