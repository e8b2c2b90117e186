"""Renewal runs: one row per run with its counts, and the contracts it could not process."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, utc_now
from app.db.types import UtcDateTime


class RenewalRun(IdMixin, Base):
    __tablename__ = "renewal_runs"

    as_of: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    workers: Mapped[int] = mapped_column(Integer, default=1)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"))
    renewal_quotes_created: Mapped[int] = mapped_column(Integer, default=0)
    contracts_renewed: Mapped[int] = mapped_column(Integer, default=0)
    contracts_expired: Mapped[int] = mapped_column(Integer, default=0)
    evergreen_uplifts: Mapped[int] = mapped_column(Integer, default=0)
    cancellations_effective: Mapped[int] = mapped_column(Integer, default=0)
    #: Open quotes the run expired, their `valid_until` being past its date.
    quotes_expired: Mapped[int] = mapped_column(Integer, default=0)
    contracts_processed: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)


class RenewalRunError(IdMixin, Base):
    """A contract the run could not process: it is left as it was and reported with a code and reason."""

    __tablename__ = "renewal_run_errors"
    __table_args__ = (UniqueConstraint("run_id", "contract_id", name="uq_renewal_run_errors_run_contract"),)

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("renewal_runs.id"), index=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    code: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
