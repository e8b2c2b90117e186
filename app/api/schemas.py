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
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue

from app.domain.catalog import MAX_QUANTITY
from app.domain.money import MINOR_UNITS

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
#: The ISO 4217 codes the service knows the minor units of; the schema lists them so clients need not guess.
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", json_schema_extra={"enum": sorted(MINOR_UNITS)})]
#: Text without NUL characters, which PostgreSQL cannot store.
NO_NUL = r"^[^\x00]*$"
#: A free-text query filter (family, kind, status…).
Filter = Annotated[str | None, Query(max_length=64, pattern=NO_NUL)]


def _calendar(day: date) -> date:
    if not date(1900, 1, 1) <= day <= date(2999, 12, 31):
        raise ValueError("date must be between 1900-01-01 and 2999-12-31")
    return day


#: The bounds in the schema too, as a pattern (JSON Schema has no date minimum), so clients see them.
CalendarDate = Annotated[date, AfterValidator(_calendar), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$"})]


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

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """Say in the schema that text has no NUL, as `_no_nul` enforces."""
        schema = handler(core_schema)
        for field in handler.resolve_ref_schema(schema).get("properties", {}).values():
            for option in field.get("anyOf", [field]):
                if option.get("type") == "string" and "pattern" not in option and "format" not in option:
                    option["pattern"] = NO_NUL
        return schema

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

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """Document null only where it means something (clearing a field), as `_refuse_nulls` enforces."""
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        target = handler.resolve_ref_schema(schema)
        for name, field in target.get("properties", {}).items():
            if name not in cls.nullable and "anyOf" in field:
                kept = [option for option in field["anyOf"] if option.get("type") != "null"]
                field.pop("anyOf")
                field.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
                if field.get("default", "") is None:
                    field.pop("default")
        return schema

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
    400: _problem("the request cannot be read: a body that is not JSON, or a malformed header"),
    401: _problem("no valid API key"),
    403: _problem("the key's role may not do this"),
    404: _problem("not found, or not visible to this key"),
    409: _problem("the object's state does not allow this"),
    412: _problem("If-Match names a stale version"),
    422: _problem("invalid input, with the reasons"),
}
