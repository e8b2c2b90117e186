"""Contracts, their append-only versions, subscription segments and one-time charges."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, MetadataMixin, TimestampMixin, written_after
from app.db.models.quotes import Quote, QuoteLine, RenewalTermsColumns
from app.db.types import Amount, UnitPrice


class Contract(IdMixin, TimestampMixin, MetadataMixin, RenewalTermsColumns, Base):
    __tablename__ = "contracts"
    __table_args__ = (
        Index("ix_contracts_account_status", "account_id", "status"),
        Index("ix_contracts_due", "next_due_on", "id", postgresql_where=text("status = 'active'")),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="active")
    #: The first term's start.
    start_date: Mapped[date] = mapped_column(Date)
    #: Billing periods and term ends count from it, whatever terms follow (the first term's start).
    billing_anchor: Mapped[date] = mapped_column(Date)
    #: The current term: its number, start and length (null for an evergreen contract); `end_date` is its end.
    #: `contract_terms` keeps every term; these copy the last one so the renewal run reads it without a query.
    term_number: Mapped[int] = mapped_column(Integer, default=1)
    term_start: Mapped[date] = mapped_column(Date)
    term_months: Mapped[int | None] = mapped_column(Integer)
    #: The last term's end, or the day a cancellation took effect; billing stops there.
    end_date: Mapped[date | None] = mapped_column(Date, index=True)
    #: The current version; amendments are built on it and must still match when accepted.
    version: Mapped[int] = mapped_column(Integer, default=1)
    source_quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id"))
    #: The live renewal quote of the current term, if one was made.
    renewal_quote_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quotes.id", use_alter=True))
    renewal_quote: Mapped[Quote | None] = written_after("Quote", "Contract.renewal_quote_id")
    cancellation_requested_on: Mapped[date | None] = mapped_column(Date)
    cancellation_effective_on: Mapped[date | None] = mapped_column(Date)
    cancellation_reason: Mapped[str | None] = mapped_column(String(500))
    #: The latest evergreen anniversary whose uplift was applied.
    last_uplift_on: Mapped[date | None] = mapped_column(Date)
    #: When the renewal run next has something to do for it (null: nothing ever); what the run claims on.
    next_due_on: Mapped[date | None] = mapped_column(Date)
    #: The caller's own id for it: optional, unique.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True, index=True)


class ContractTerm(IdMixin, TimestampMixin, Base):
    """A numbered term `[start, end)`; a renewal adds the next one to the same contract."""

    __tablename__ = "contract_terms"
    __table_args__ = (UniqueConstraint("contract_id", "number", name="uq_contract_terms_contract_number"),)

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    #: The quote that made it: the sale's, or the renewal quote accepted or auto-renewed.
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id"))
    quote: Mapped[Quote] = written_after("Quote", "ContractTerm.quote_id")
    #: How it ended: renewed, expired, cancelled (null while current).
    outcome: Mapped[str | None] = mapped_column(String(16))


class ContractVersion(IdMixin, TimestampMixin, Base):
    __tablename__ = "contract_versions"
    __table_args__ = (
        UniqueConstraint("contract_id", "version", name="uq_contract_versions_contract_version"),
        # One uplift per anniversary, however many runs claim the contract.
        Index("uq_contract_versions_uplift", "contract_id", "effective_on", unique=True,
              postgresql_where=text("kind = 'uplift'"), sqlite_where=text("kind = 'uplift'")),
    )

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    version: Mapped[int] = mapped_column(Integer)
    #: What made it: sale, amendment, renewal, uplift, cancellation, expiry.
    kind: Mapped[str] = mapped_column(String(16), default="sale")
    effective_on: Mapped[date | None] = mapped_column(Date)
    #: The quote behind it; null for a change the renewal run makes alone (an uplift, an expiry).
    quote_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quotes.id"))
    quote: Mapped[Quote | None] = written_after("Quote", "ContractVersion.quote_id")
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"))
    signer_name: Mapped[str | None] = mapped_column(String(200))
    #: The calendar date the quote was accepted: from then on, billing knows of this version.
    accepted_on: Mapped[date | None] = mapped_column(Date)


class SubscriptionSegment(IdMixin, TimestampMixin, Base):
    """A product held over `[start_date, end_date)` at a net unit price; never edited once written."""

    __tablename__ = "subscription_segments"
    __table_args__ = (Index("ix_subscription_segments_contract", "contract_id", "start_date"),)

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    contract_version: Mapped[int] = mapped_column(Integer)
    quote_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quote_lines.id"))
    quote_line: Mapped[QuoteLine] = written_after("QuoteLine", "SubscriptionSegment.quote_line_id")
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    quantity: Mapped[int] = mapped_column(Integer)
    list_unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    net_unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    start_date: Mapped[date] = mapped_column(Date)
    #: The planned end (the term end; null while an evergreen contract runs). Never changes.
    end_date: Mapped[date | None] = mapped_column(Date)
    #: The date the change that opened it was recorded (an amendment's acceptance); null for the original sale.
    recorded_on: Mapped[date | None] = mapped_column(Date)
    #: What opened it: sale, amendment, renewal, uplift.
    origin: Mapped[str] = mapped_column(String(16), default="sale")
    #: The segment it follows (same SKU, closed or ended where this one starts).
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subscription_segments.id"))
    #: When a change ended it early: from which date, by which kind of change, recorded on which date.
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(16))
    closure_recorded_on: Mapped[date | None] = mapped_column(Date)
    #: The version that ended it: early (with `closed_on`), or at its planned end by the renewal that follows it,
    #: the expiry or the cancellation.
    closed_in_version: Mapped[int | None] = mapped_column(Integer)
    #: What opened it and what ended it, to finance (`app.domain.changes`); null `closing_change` while it runs.
    opening_change: Mapped[str] = mapped_column(String(16))
    closing_change: Mapped[str | None] = mapped_column(String(16))
    #: Its MRR (net unit price × quantity, rounded once) in the currency's minor unit, and the part of it its
    #: new price made against the segment it replaces: integers, so SQL sums them exactly on SQLite too.
    mrr_minor: Mapped[int] = mapped_column(BigInteger)
    price_change_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class OneTimeCharge(IdMixin, TimestampMixin, Base):
    __tablename__ = "one_time_charges"

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"), index=True)
    quote_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quote_lines.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    amount: Mapped[Decimal] = mapped_column(Amount())
    charge_date: Mapped[date] = mapped_column(Date, index=True)


class ScheduledChange(IdMixin, TimestampMixin, Base):
    """A decrease agreed mid-term under `at_renewal`: shown on the contract, applied by the renewal quote."""

    __tablename__ = "scheduled_changes"

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"), index=True)
    contract_version: Mapped[int] = mapped_column(Integer)
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    change: Mapped[str] = mapped_column(String(16))
    quantity_after: Mapped[int] = mapped_column(Integer)
    effective_on: Mapped[date] = mapped_column(Date)


class ProratedCharge(IdMixin, TimestampMixin, Base):
    """A proration or credit line of an accepted amendment, invoiced on its effective or acceptance date."""

    __tablename__ = "prorated_charges"
    __table_args__ = (Index("ix_prorated_charges_invoice_date", "invoice_date"),)

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"), index=True)
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    kind: Mapped[str] = mapped_column(String(16))
    invoice_date: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    amount: Mapped[Decimal] = mapped_column(Amount())
