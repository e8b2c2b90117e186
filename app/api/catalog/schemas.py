"""Catalog payloads: products, price book entries, discount schedules."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_serializer

from app.api.schemas import (
    CalendarDate,
    Currency,
    MoneyOut,
    Out,
    Patch,
    PercentIn,
    Schema,
    Sku,
    StrictBool,
    StrictInt,
    UnitPriceIn,
)
from app.domain import money

Name = Annotated[str, Field(min_length=1, max_length=200)]
Word = Annotated[str, Field(min_length=1, max_length=64)]
#: What a quantity counts (seat, contact…): the column holds 32 characters.
UnitName = Annotated[str, Field(min_length=1, max_length=32)]
Rank = Annotated[StrictInt, Field(ge=0, le=1000)]
Count = Annotated[StrictInt, Field(ge=0, le=1_000_000_000)]
SkuList = Annotated[list[Sku], Field(max_length=100)]
ProductKind = Literal["plan", "addon", "service", "one_time"]


class ProductIn(Schema):
    sku: Sku
    name: Name
    family: Word
    kind: ProductKind
    tier_rank: Rank | None = None
    unit: UnitName = "seat"
    included_quantity: Count | None = None
    requires: SkuList = Field(default_factory=list)
    excludes: SkuList = Field(default_factory=list)
    active: StrictBool = True


class ProductPatch(Patch):
    nullable = frozenset({"tier_rank", "included_quantity"})
    name: Name | None = None
    family: Word | None = None
    tier_rank: Rank | None = None
    unit: UnitName | None = None
    included_quantity: Count | None = None
    requires: SkuList | None = None
    excludes: SkuList | None = None
    active: StrictBool | None = None


class ProductOut(Out):
    id: uuid.UUID
    sku: str
    name: str
    family: str
    kind: str
    tier_rank: int | None
    unit: str
    included_quantity: int | None
    requires: list[str]
    excludes: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class TierIn(Schema):
    up_to: Count | None
    unit_price: UnitPriceIn


class PriceBookEntryIn(Schema):
    sku: Sku
    currency: Currency
    pricing_model: Literal["per_unit", "volume", "graduated", "flat"]
    unit_price: UnitPriceIn | None = None
    tiers: Annotated[list[TierIn], Field(max_length=100)] = Field(default_factory=list)
    effective_from: CalendarDate
    effective_to: CalendarDate | None = None


class TierOut(Out):
    up_to: int | None
    unit_price: MoneyOut


class PriceBookEntryOut(Out):
    id: uuid.UUID
    sku: str
    currency: str
    pricing_model: str
    unit_price: MoneyOut | None
    tiers: list[TierOut]
    effective_from: date
    effective_to: date | None
    created_at: datetime

    @field_serializer("unit_price")
    def _unit_price(self, value: Decimal | None) -> str | None:
        return None if value is None else str(money.display_unit_price(value, self.currency))


class BandIn(Schema):
    start: Annotated[StrictInt, Field(alias="from", ge=0, le=1_000_000_000)]
    discount_percent: PercentIn


class DiscountScheduleIn(Schema):
    sku: Sku
    type: Literal["volume", "term"]
    bands: Annotated[list[BandIn], Field(min_length=1, max_length=100)]


class BandOut(Out):
    start: int = Field(validation_alias="from", serialization_alias="from")
    discount_percent: MoneyOut


class DiscountScheduleOut(Out):
    id: uuid.UUID
    sku: str
    type: str
    bands: list[BandOut]
    created_at: datetime
