"""Customer accounts and the prices negotiated with them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, MetadataMixin, TimestampMixin
from app.db.types import ExactDecimal, UnitPrice
from app.domain.addresses import Address


class Account(IdMixin, TimestampMixin, MetadataMixin, Base):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(8))
    billing_email: Mapped[str] = mapped_column(String(320))
    # The customer on its documents; null until known (accounts made before migration 0008 have none).
    legal_name: Mapped[str | None] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(32))
    # The billing address: all four set or none (postal code may be null: not every country has one).
    billing_street: Mapped[str | None] = mapped_column(String(200))
    billing_postal_code: Mapped[str | None] = mapped_column(String(16))
    billing_city: Mapped[str | None] = mapped_column(String(100))
    #: ISO 3166-1 alpha-2.
    billing_country: Mapped[str | None] = mapped_column(String(2))
    #: The caller's own id for it: optional, unique.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True, index=True)

    @property
    def billing_address(self) -> Address | None:
        if self.billing_street is None or self.billing_city is None or self.billing_country is None:
            return None
        return Address(self.billing_street, self.billing_postal_code, self.billing_city, self.billing_country)

    @billing_address.setter
    def billing_address(self, address: Address | None) -> None:
        self.billing_street, self.billing_postal_code, self.billing_city, self.billing_country = (
            (None, None, None, None) if address is None else
            (address.street, address.postal_code, address.city, address.country))


class ContractedPriceRow(IdMixin, TimestampMixin, Base):
    __tablename__ = "contracted_prices"
    __table_args__ = (Index("ix_contracted_prices_account_sku", "account_id", "sku"),)

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    unit_price: Mapped[Decimal | None] = mapped_column(UnitPrice())
    discount_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(9, 6))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
