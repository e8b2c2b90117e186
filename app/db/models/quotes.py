"""Quotes, their priced lines, acceptances, and the counters behind human numbers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, IdMixin, MetadataMixin, TimestampMixin, utc_now
from app.db.types import Amount, ExactDecimal, UnitPrice, UtcDateTime


class RenewalTermsColumns:
    """Renewal and mid-term settings, set on the quote and carried to the contract."""

    billing_frequency: Mapped[str] = mapped_column(String(16))
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=False)
    renewal_pricing: Mapped[str] = mapped_column(String(16), default="same")
    uplift_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(9, 6))
    renewal_term_months: Mapped[int | None] = mapped_column(Integer)
    renewal_lead_days: Mapped[int] = mapped_column(Integer, default=60)
    notice_days: Mapped[int] = mapped_column(Integer, default=30)
    mid_term_decrease: Mapped[str] = mapped_column(String(16), default="at_renewal")
    proration_method: Mapped[str] = mapped_column(String(16), default="daily")


_LIVE_RENEWAL = "renewal_term IS NOT NULL AND status NOT IN ('declined', 'cancelled', 'expired')"


class Quote(IdMixin, TimestampMixin, MetadataMixin, RenewalTermsColumns, Base):
    __tablename__ = "quotes"
    __table_args__ = (
        Index("ix_quotes_account_status", "account_id", "status"),
        # One live renewal quote per contract term: a second run (or a second worker) cannot make another.
        Index("uq_quotes_live_renewal", "contract_id", "renewal_term", unique=True,
              postgresql_where=text(_LIVE_RENEWAL), sqlite_where=text(_LIVE_RENEWAL)),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(16), default="new")
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: Optimistic lock and ETag: bumped on every change.
    version: Mapped[int] = mapped_column(Integer, default=1)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    contract_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contracts.id", use_alter=True))
    currency: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[date] = mapped_column(Date)
    term_months: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[date | None] = mapped_column(Date)
    mrr: Mapped[Decimal] = mapped_column(Amount())
    arr: Mapped[Decimal] = mapped_column(Amount())
    one_time: Mapped[Decimal] = mapped_column(Amount())
    total_contract_value: Mapped[Decimal] = mapped_column(Amount())
    first_invoice: Mapped[Decimal] = mapped_column(Amount())
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"))
    approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finalized_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    document_path: Mapped[str | None] = mapped_column(String(500))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    template_version: Mapped[str | None] = mapped_column(String(32))
    #: How many documents the quote issued, the current one included: the version its customer reads.
    document_revision: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(500))
    # Amendments: the contract version they are built on, when they take effect, what was asked, the proration.
    base_version: Mapped[int | None] = mapped_column(Integer)
    effective_date: Mapped[date | None] = mapped_column(Date)
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    amount_due_now: Mapped[Decimal | None] = mapped_column(Amount())
    remaining_term_value: Mapped[Decimal | None] = mapped_column(Amount())
    mrr_delta: Mapped[Decimal | None] = mapped_column(Amount())
    #: amount_due_now = proration_due + catch_up_due (the periods a back-dated amendment catches up).
    proration_due: Mapped[Decimal | None] = mapped_column(Amount())
    catch_up_due: Mapped[Decimal | None] = mapped_column(Amount())
    #: The date the amounts were computed for: accepting later must not invoice other catch-up periods.
    priced_on: Mapped[date | None] = mapped_column(Date)
    #: Where an amendment's lines co-terminate (the contract's current term end), or a renewal's term ends.
    end_date: Mapped[date | None] = mapped_column(Date)
    #: Renewal quotes: the number of the term accepting it makes.
    renewal_term: Mapped[int | None] = mapped_column(Integer)

    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", lazy="raise", order_by="QuoteLine.position", cascade="all, delete-orphan"
    )


class QuoteLine(IdMixin, Base):
    __tablename__ = "quote_lines"
    #: Its server defaults only serve rows written before their columns existed; the Python defaults are sent,
    #: so nothing is fetched back (which would turn a batch's flush into one huge INSERT … RETURNING).
    __mapper_args__ = MappingProxyType({"eager_defaults": False})

    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    recurring: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[int] = mapped_column(Integer)
    discount_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(9, 6))
    discount_amount: Mapped[Decimal | None] = mapped_column(UnitPrice())
    list_unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    regular_unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    contracted_unit_price: Mapped[Decimal | None] = mapped_column(UnitPrice())
    net_unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    mrr: Mapped[Decimal] = mapped_column(Amount())
    total: Mapped[Decimal] = mapped_column(Amount())
    # Amendment lines: which change, its classification and side, and the prorated amounts.
    change_index: Mapped[int | None] = mapped_column(Integer)
    change: Mapped[str | None] = mapped_column(String(16))
    side: Mapped[str | None] = mapped_column(String(8))
    quantity_before: Mapped[int | None] = mapped_column(Integer)
    quantity_after: Mapped[int | None] = mapped_column(Integer)
    proration_fraction: Mapped[Decimal | None] = mapped_column(ExactDecimal(12, 9))
    amount_due_now: Mapped[Decimal | None] = mapped_column(Amount())
    remaining_term_value: Mapped[Decimal | None] = mapped_column(Amount())
    mrr_delta: Mapped[Decimal | None] = mapped_column(Amount())
    proration_due: Mapped[Decimal | None] = mapped_column(Amount())
    catch_up_due: Mapped[Decimal | None] = mapped_column(Amount())
    scheduled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Renewal lines: the net unit price held at the end of the term, and how the new one was set.
    previous_net_unit_price: Mapped[Decimal | None] = mapped_column(UnitPrice())
    pricing_method: Mapped[str | None] = mapped_column(String(8))
    price_capped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    quote: Mapped[Quote] = relationship(back_populates="lines", lazy="raise")


class QuoteAcceptance(IdMixin, Base):
    """The acceptance trail: who signed what, when, from where and with which key. Append-only: no code updates
    or deletes a row, and on PostgreSQL a trigger (migration 0007) refuses it."""

    __tablename__ = "quote_acceptances"

    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id"), unique=True)
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_email: Mapped[str] = mapped_column(String(320))
    document_sha256: Mapped[str] = mapped_column(String(64))
    #: The client IP (app.api.client); null when the request had no peer address.
    client_address: Mapped[str | None] = mapped_column(String(64))
    #: Null on rows accepted before migration 0007, or when the request sent none.
    user_agent: Mapped[str | None] = mapped_column(String(500))
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"))
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class NumberSequence(Base):
    """Last number issued per series and year (`Q` 2026 → Q-2026-000042)."""

    __tablename__ = "number_sequences"

    series: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)
