"""Catalog payloads: products, price book entries, discount schedules."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, SerializerFunctionWrapHandler, field_serializer, model_serializer, model_validator

from app.api.accounts.schemas import Locale
from app.api.schemas import (
    CalendarDate,
    Currency,
    Metadata,
    MetadataOut,
    MetadataPatch,
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


class ProductTranslation(Schema):
    """The product's name and unit as a document in one locale prints them; what is not given stays the default."""

    name: Name | None = None
    unit: UnitName | None = None

    @model_validator(mode="after")
    def _something(self) -> ProductTranslation:
        if self.name is None and self.unit is None:
            raise ValueError("a translation gives a name, a unit or both")
        return self

    @model_serializer(mode="wrap")
    def _given(self, handler: SerializerFunctionWrapHandler) -> dict[str, str]:
        """Stored without nulls, so a document falls back to the default for what was not translated."""
        return {key: value for key, value in handler(self).items() if value is not None}


#: Document locale → the product's wording in it; a document in a locale without one prints the default name
#: and unit (en-US falls back to en first).
Translations = Annotated[dict[Locale, ProductTranslation], Field(max_length=20)]


class ProductIn(Schema):
    sku: Sku
    name: Name
    family: Word
    kind: ProductKind
    tier_rank: Rank | None = None
    unit: UnitName = "seat"
    translations: Translations = Field(default_factory=dict)
    included_quantity: Count | None = None
    requires: SkuList = Field(default_factory=list)
    excludes: SkuList = Field(default_factory=list)
    active: StrictBool = True
    metadata: Metadata = Field(default_factory=dict)


class ProductPatch(Patch):
    nullable = frozenset({"tier_rank", "included_quantity"})
    name: Name | None = None
    family: Word | None = None
    tier_rank: Rank | None = None
    unit: UnitName | None = None
    translations: Translations | None = Field(None, description="replaces the product's translations as a whole")
    included_quantity: Count | None = None
    requires: SkuList | None = None
    excludes: SkuList | None = None
    active: StrictBool | None = None
    metadata: MetadataPatch | None = None


class ProductOut(Out):
    id: uuid.UUID
    sku: str
    name: str
    family: str
    kind: str
    tier_rank: int | None
    unit: str
    translations: dict[str, dict[str, str]]
    included_quantity: int | None
    requires: list[str]
    excludes: list[str]
    active: bool
    metadata: MetadataOut
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
