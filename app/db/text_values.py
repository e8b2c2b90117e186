"""UUIDs, instants and decimals read back from the text SQLite keeps them as, and dates written as that text,
at a fraction of the cost of the general converters: a read of a contract or a quote converts dozens of them,
and SQLAlchemy's (a validating `uuid.UUID(...)`, a regular expression for a timestamp, a type decorator's two
calls for a decimal, a format string for a date) cost more than everything its view prints.

Each gives exactly what SQLAlchemy's gives for the text it writes (32 hexadecimal digits for a UUID, ISO 8601
for an instant stored in UTC, a decimal's digits, a date's ISO text); anything else goes to the general parser,
which refuses what it must.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Dialect, Uuid
from sqlalchemy.types import TypeEngine

from app.db.types import ExactDecimal, UtcDateTime

_new = object.__new__
_set = object.__setattr__
_UNKNOWN = uuid.SafeUUID.unknown


def uuid_of(text: str) -> uuid.UUID:
    """The UUID of 32 hexadecimal digits (as SQLite stores one), else as `uuid.UUID(text)` reads it.

    Made as `uuid.UUID(int=...)` would make it (its two slots set), without re-validating a value the database
    gave back as it was written."""
    if len(text) != 32 or not text.isalnum():
        return uuid.UUID(text)
    value = _new(uuid.UUID)
    _set(value, "int", int(text, 16))  # a non-hexadecimal letter is a ValueError, as in uuid.UUID
    _set(value, "is_safe", _UNKNOWN)
    return value


def moment_of(text: str) -> datetime:
    """An instant stored as ISO text, in UTC when the text names no offset (SQLite stores them naive)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def binder(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a parameter of `kind` is handed to the driver (None: as it is): SQLAlchemy's own converter, except a
    date on SQLite, whose ISO text is what SQLAlchemy's writes, at a third of its cost."""
    if dialect.name == "sqlite" and type(kind) is Date:
        return date.isoformat
    return kind.dialect_impl(dialect).bind_processor(dialect)


def converter(kind: TypeEngine[Any], dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
    """How a column of `kind` becomes its Python value (None: as the driver gives it): SQLAlchemy's own
    converter, except on SQLite for UUIDs, UTC instants and exact decimals. Called with values that are not None."""
    if dialect.name == "sqlite":
        if isinstance(kind, Uuid) and kind.as_uuid:
            return uuid_of
        if isinstance(kind, UtcDateTime):
            return moment_of
        if isinstance(kind, ExactDecimal):  # text on SQLite, see `ExactDecimal`
            return Decimal
    return kind.dialect_impl(dialect).result_processor(dialect, coltype)
