"""Schema bases and the shared field types: money as strings, bounded dates, quantities and pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

T = TypeVar("T")

_MONEY_SCHEMA = WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["21.00"]})
_AS_STRING = PlainSerializer(str, return_type=str, when_used="json")

#: A decimal given by the client: a string (preferred) or a JSON number, parsed exactly, never as a float.
UnitPriceIn = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False)]
PercentIn = Annotated[Decimal, Field(ge=0, le=100, max_digits=9, decimal_places=6, allow_inf_nan=False)]
#: A decimal the API answers with, always as a JSON string ("47.42", "79.333333").
MoneyOut = Annotated[Decimal, _AS_STRING, _MONEY_SCHEMA]
Quantity = Annotated[int, Field(le=1_000_000_000, description="units (seats, contacts…), at least 1")]
Months = Annotated[int, Field(ge=1, le=600)]
Days = Annotated[int, Field(ge=0, le=3650)]
Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


def _calendar(day: date) -> date:
    if not date(1900, 1, 1) <= day <= date(2999, 12, 31):
        raise ValueError("date must be between 1900-01-01 and 2999-12-31")
    return day


CalendarDate = Annotated[date, AfterValidator(_calendar)]


class Schema(BaseModel):
    """A request body: unknown fields are refused so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Patch(Schema):
    """A PATCH body: absent fields stay as they are; `nullable` lists the fields that may be set to null."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Patch:
        for name in self.model_fields_set - self.nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class Out(BaseModel):
    """A response body, read from a service's view or row."""

    model_config = ConfigDict(from_attributes=True)


class PageOut(Out, Generic[T]):
    data: list[T]
    next_cursor: str | None
