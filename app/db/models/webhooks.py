"""Webhook endpoints and the deliveries of events to them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, IdMixin, TimestampMixin, utc_now
from app.db.models.audit import Event
from app.db.types import UtcDateTime


class WebhookEndpoint(IdMixin, TimestampMixin, Base):
    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(200))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    #: `whsec_` and base64: kept, not hashed, because every delivery is signed with it.
    secret: Mapped[str] = mapped_column(String(64))
    #: Events up to this sequence have their deliveries made; the worker fans out what came after.
    after_sequence: Mapped[int] = mapped_column(BigInteger)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebhookDelivery(IdMixin, Base):
    """One event to one endpoint, tried until it is delivered or its retry window closes."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_sequence", name="uq_webhook_deliveries_endpoint_event"),
        # What a worker claims: pending and due.
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # The ordering rule: nothing is sent while an earlier event of the same contract, or quote, is pending.
        Index("ix_webhook_deliveries_contract_order", "endpoint_id", "contract_id", "event_sequence"),
        Index("ix_webhook_deliveries_quote_order", "endpoint_id", "quote_id", "event_sequence"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_sequence: Mapped[int] = mapped_column(BigInteger, ForeignKey("events.sequence"))
    #: The event's contract and quote (either may be null), copied here for the ordering rule.
    contract_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    quote_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: pending, delivered, failed (its retry window closed) or cancelled (its endpoint was deleted).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When a worker may take it: the next retry, or the end of the lease of the worker sending it now.
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: Past this, a failed attempt is the last one.
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    #: Loaded with every delivery read: listings show the event's id and type.
    event: Mapped[Event] = relationship(lazy="joined", innerjoin=True, viewonly=True)
