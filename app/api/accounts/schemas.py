"""Account and contracted-price payloads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_serializer

from app.api.schemas import (
    EMAIL_PATTERN,
    CalendarDate,
    Currency,
    MoneyOut,
    Out,
    Patch,
    PercentIn,
    Schema,
    Sku,
    UnitPriceIn,
)
from app.domain import money

Name = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)]
Locale = Literal["en", "fr", "de", "pl"]


class AccountIn(Schema):
    name: Name
    currency: Currency
    locale: Locale = "en"
    billing_email: Email


class AccountPatch(Patch):
    name: Name | None = None
    locale: Locale | None = None
    billing_email: Email | None = None


class AccountOut(Out):
    id: uuid.UUID
    name: str
    currency: str
    locale: str
    billing_email: str
    created_at: datetime
    updated_at: datetime


class ContractedPriceIn(Schema):
    sku: Sku
    unit_price: UnitPriceIn | None = None
    discount_percent: PercentIn | None = None
    effective_from: CalendarDate
    effective_to: CalendarDate | None = None


class ContractedPriceOut(Out):
    id: uuid.UUID
    account_id: uuid.UUID
    sku: str
    unit_price: MoneyOut | None
    discount_percent: MoneyOut | None
    effective_from: date
    effective_to: date | None
    created_at: datetime

    @field_serializer("unit_price")
    def _unit_price(self, value: Decimal | None) -> str | None:
        # Shown with at least two decimals; the account's currency is applied when it prices a line.
        return None if value is None else str(money.display_unit_price(value, "EUR"))

    @field_serializer("discount_percent")
    def _percent(self, value: Decimal | None) -> str | None:
        return None if value is None else format(value.normalize(), "f")
