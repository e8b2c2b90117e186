"""Customer accounts and the prices negotiated with them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TimestampMixin
from app.db.types import ExactDecimal, UnitPrice


class Account(IdMixin, TimestampMixin, Base):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(8))
    billing_email: Mapped[str] = mapped_column(String(320))


class ContractedPriceRow(IdMixin, TimestampMixin, Base):
    __tablename__ = "contracted_prices"
    __table_args__ = (Index("ix_contracted_prices_account_sku", "account_id", "sku"),)

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    unit_price: Mapped[Decimal | None] = mapped_column(UnitPrice())
    discount_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(9, 6))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
