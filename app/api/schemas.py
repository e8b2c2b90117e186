"""Schema bases and the shared field types: money as strings, bounded dates, quantities and pages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    AliasChoices,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    Strict,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue

from app.domain import metadata
from app.domain.catalog import MAX_QUANTITY
from app.domain.money import MINOR_UNITS
from app.domain.periods import MAX_DATE, MIN_DATE

T = TypeVar("T")

# Strictness: FastAPI validates the parsed JSON in pydantic's Python mode, where lax coercion takes `true` for 1,
# "5" for 5, 0 for false and a Unix timestamp for a date, and where strict mode would also refuse the strings
# JSON carries dates, UUIDs and decimals in. So each field type says what it takes: integers and booleans are
# strict, decimals and dates must be strings of one shape. Query parameters are strings by nature: theirs are
# checked as text (`limit=5`, never `5.0` or `true`).

_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]{1,19}")
#: Money and percentages are strings in JSON (a float would lose digits): `format: decimal` tells generated clients.
_MONEY_SCHEMA = WithJsonSchema({"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$",
                                "examples": ["21.00"]})
_AS_STRING = PlainSerializer(str, return_type=str, when_used="json")


def _decimal_text(value: object) -> object:
    """A JSON number may already have lost digits as a float: money and percentages come as strings."""
    if isinstance(value, Decimal) or (isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value)):
        return value
    raise ValueError('must be a decimal string such as "21.00" (not a JSON number)')


def _date_text(value: object) -> object:
    if type(value) is date or (isinstance(value, str) and _DATE_TEXT.fullmatch(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _json_integer(value: object) -> object:
    """JSON Schema counts 5.0 as an integer (a JavaScript client cannot tell 5 from 5.0): take it as 5."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _query_integer(value: object) -> object:
    if (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and _DIGITS.fullmatch(value)):
        return value
    raise ValueError("must be a whole number written with digits, such as 50")


def _query_boolean(value: object) -> object:
    if isinstance(value, bool) or value in ("true", "false"):
        return value
    raise ValueError("must be true or false")


def _calendar(day: date) -> date:
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(f"date must be between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}")
    return day


_DecimalIn = Annotated[Decimal, BeforeValidator(_decimal_text), _MONEY_SCHEMA]
#: A decimal given by the client, as a string ("21.00"), parsed exactly; a JSON number is refused.
UnitPriceIn = Annotated[_DecimalIn, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False)]
PercentIn = Annotated[_DecimalIn, Field(ge=0, le=100, max_digits=9, decimal_places=6, allow_inf_nan=False)]
#: A decimal the API answers with, always as a JSON string ("47.42", "79.333333").
MoneyOut = Annotated[Decimal, _AS_STRING, _MONEY_SCHEMA]
#: A JSON integer: `true`, `5.0` and `"5"` are refused.
StrictInt = Annotated[int, BeforeValidator(_json_integer), Strict()]
#: A JSON boolean: `0`, `1` and `"true"` are refused.
StrictBool = Annotated[bool, Strict()]
# Bounds come before the validators: after them, pydantic writes `ge`/`le` into the JSON Schema instead of
# `minimum`/`maximum`, and clients (and Schemathesis) would not see the bounds at all.
Quantity = Annotated[int, Field(le=MAX_QUANTITY, description="units (seats, contacts…), at least 1"),
                     BeforeValidator(_json_integer), Strict()]
Months = Annotated[int, Field(ge=1, le=600), BeforeValidator(_json_integer), Strict()]
Days = Annotated[int, Field(ge=0, le=3650), BeforeValidator(_json_integer), Strict()]
Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
#: The ISO 4217 codes the service knows the minor units of; the schema lists them so clients need not guess.
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", json_schema_extra={"enum": sorted(MINOR_UNITS)})]
#: A date `YYYY-MM-DD` within the dates the service handles, in a body or a query.
#: The bounds are in the schema too, as a pattern (JSON Schema has no date minimum), so clients see them; months
#: and days are spelled out so that generators (Schemathesis) draw few strings that are no date at all.
CalendarDate = Annotated[date, BeforeValidator(_date_text), AfterValidator(_calendar), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"})]
_TIMESTAMP_PATTERN = (r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]"
                      r":[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")


def _timestamp_text(value: object) -> object:
    """Lax parsing would take a Unix time or a date alone; an instant must say its offset."""
    if isinstance(value, str) and re.match(_TIMESTAMP_PATTERN, value):
        return value
    raise ValueError("must be an RFC 3339 timestamp with its offset, such as 2026-12-04T09:30:00Z (+ is %2B in a URL)")


#: An RFC 3339 instant (`2026-12-04T09:30:00Z`, `…T10:30:00+01:00`) in a query; the pattern is in the schema too.
Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp_text), WithJsonSchema(
    {"type": "string", "format": "date-time", "pattern": _TIMESTAMP_PATTERN})]
#: Every character Python's or JavaScript's `\s` counts as a space, spelled out: a pattern must mean the same
#: to the server (Python) and to clients and schema tools (ECMAScript), whose `\s` differ.
SPACES = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
#: An e-mail address as far as a pattern can tell: something, an @, something, no spaces.
EMAIL_PATTERN = rf"^[^@{SPACES}]+@[^@{SPACES}]+$"
#: Text without NUL characters, which PostgreSQL cannot store.
NO_NUL = r"^[^\x00]*$"
#: A free-text query filter (family, sku…).
Filter = Annotated[str | None, Query(max_length=64, pattern=NO_NUL)]
#: A quote's or contract's human number, as its documents print it (Q-2026-000042, C-2026-000001).
Number = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$",
                             examples=["C-2026-000001"])]
#: Marks an integer query parameter as digits only; put it after `Query(...)`, whose bounds then stay in OpenAPI.
DIGITS_ONLY = BeforeValidator(_query_integer)
#: A boolean query parameter: `true` or `false` only (not 1, yes or on).
QueryBool = Annotated[bool | None, BeforeValidator(_query_boolean), Query()]
#: Enum query filters: a value outside the list is a 422, not an empty page.
QuoteStatus = Literal["draft", "needs_approval", "approved", "open", "accepted", "declined", "expired", "cancelled",
                      "stale"]
ContractStatus = Literal["active", "expired", "cancelled"]
QuoteType = Literal["new", "amendment", "renewal"]


def _key_count(pairs: dict[str, Any]) -> dict[str, Any]:
    if len(pairs) > metadata.MAX_KEYS:
        raise ValueError(f"at most {metadata.MAX_KEYS} keys; {list(pairs)[metadata.MAX_KEYS]!r} is one too many")
    return pairs


_MetadataKey = Annotated[str, Field(min_length=1, max_length=metadata.MAX_KEY_LENGTH, pattern=metadata.KEY_PATTERN)]
_MetadataValue = Annotated[str, Field(max_length=metadata.MAX_VALUE_LENGTH)]


def _metadata_schema(description: str, *, removable: bool) -> WithJsonSchema:
    """Spelled out: pydantic would put the key pattern in `patternProperties`, which constrains no key."""
    value: dict[str, Any] = {"type": "string", "maxLength": metadata.MAX_VALUE_LENGTH}
    return WithJsonSchema({
        "type": "object", "maxProperties": metadata.MAX_KEYS, "description": description,
        "propertyNames": {"minLength": 1, "maxLength": metadata.MAX_KEY_LENGTH, "pattern": metadata.KEY_PATTERN},
        "additionalProperties": {"anyOf": [value, {"type": "null"}]} if removable else value,
    })


#: Stripe's metadata: up to 50 pairs, keys 1–40 characters (no square brackets), values up to 500.
Metadata = Annotated[dict[_MetadataKey, _MetadataValue], AfterValidator(_key_count), _metadata_schema(
    'your own key-value pairs; a key given as "" is not kept', removable=False)]
#: A PATCH of metadata: the keys given are merged in; a key given as "" or null is removed.
MetadataPatch = Annotated[dict[_MetadataKey, _MetadataValue | None], AfterValidator(_key_count), _metadata_schema(
    'merged in: a key given as "" or null is removed, the others stay', removable=True)]
#: Read from a row's `metadata_` (declarative classes keep `metadata`) or a view's `metadata`.
MetadataOut = Annotated[dict[str, str], Field(validation_alias=AliasChoices("metadata_", "metadata"))]
#: The caller's own id for an object (a CRM's, an ERP's): printable ASCII without spaces, unique per kind.
ExternalId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[!-~]+$", examples=["crm-00042"])]


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

    @field_validator("*")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        """Runs on the fields sent only, so the refusal of an explicit null points at its field."""
        if value is None and info.field_name not in cls.nullable:
            raise ValueError(f"{info.field_name} cannot be null")
        return value

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
    request_id: str | None = Field(
        None, description="The Request-Id of this answer (also in its header): quote it to support.")
