"""Schema bases and the shared field types: money as strings, bounded dates, quantities and pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from fastapi import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from app.domain.catalog import MAX_QUANTITY

T = TypeVar("T")

_MONEY_SCHEMA = WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["21.00"]})
_AS_STRING = PlainSerializer(str, return_type=str, when_used="json")

#: A decimal given by the client: a string (preferred) or a JSON number, parsed exactly, never as a float.
UnitPriceIn = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False)]
PercentIn = Annotated[Decimal, Field(ge=0, le=100, max_digits=9, decimal_places=6, allow_inf_nan=False)]
#: A decimal the API answers with, always as a JSON string ("47.42", "79.333333").
MoneyOut = Annotated[Decimal, _AS_STRING, _MONEY_SCHEMA]
Quantity = Annotated[int, Field(le=MAX_QUANTITY, description="units (seats, contacts…), at least 1")]
Months = Annotated[int, Field(ge=1, le=600)]
Days = Annotated[int, Field(ge=0, le=3650)]
Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
#: A free-text query filter (family, kind, status…).
Filter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]


def _calendar(day: date) -> date:
    if not date(1900, 1, 1) <= day <= date(2999, 12, 31):
        raise ValueError("date must be between 1900-01-01 and 2999-12-31")
    return day


CalendarDate = Annotated[date, AfterValidator(_calendar)]


def _refuse_nul(value: Any) -> None:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)


class Schema(BaseModel):
    """A request body: unknown fields are refused so a typo never passes silently.

    NUL characters are refused everywhere: PostgreSQL cannot store them in text.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _refuse_nul(data)
        return data


class Patch(Schema):
    """A PATCH body: absent fields stay as they are; `nullable` lists the fields that may be set to null."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Patch:
        for name in self.model_fields_set - self.nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def updates(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class Out(BaseModel):
    """A response body, read from a service's view or row."""

    model_config = ConfigDict(from_attributes=True)


class PageOut(Out, Generic[T]):
    data: list[T]
    next_cursor: str | None


class ProblemError(Out):
    loc: list[str | int]
    msg: str


class Problem(Out):
    """RFC 9457 problem details, the body of every error."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemError] | None = None


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {"application/problem+json": {}}}


#: Error answers documented on every endpoint, so clients (and Schemathesis) know their shape.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("a malformed header (If-Match)"),
    401: _problem("no valid API key"),
    403: _problem("the key's role may not do this"),
    404: _problem("not found, or not visible to this key"),
    409: _problem("the object's state does not allow this"),
    412: _problem("If-Match names a stale version"),
    422: _problem("invalid input, with the reasons"),
}
