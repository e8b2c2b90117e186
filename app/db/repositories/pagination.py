"""Keyset pagination on time-ordered UUID ids: stable under inserts, an index seek on any table size."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db.repositories.filters import narrowed
from app.domain.errors import InvalidInput, Violation
from app.domain.listing import EVERYTHING, Narrowing

T = TypeVar("T")
_MAX_BIGINT = 2**63 - 1
_MAX_INTEGER = 2**31 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    data: Sequence[T]
    next_cursor: str | None


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        reason = "cursor is not one this API issued"
        raise InvalidInput(reason, [Violation(("query", "cursor"), reason)]) from None


def fetch_page(
    session: Session, statement: Select[Any], id_column: InstrumentedAttribute[uuid.UUID] | InstrumentedAttribute[int],
    *, limit: int, cursor: str | None, by: Narrowing = EVERYTHING,
) -> Page[Any]:
    """Rows after the cursor in the order of a unique column (an id, or a sequence number, carried in the cursor
    as the integer of a UUID so every cursor looks alike); one extra row tells whether a next page exists.
    `by` narrows the rows of the column's table here, so every list takes it the same way."""
    numeric = id_column.type.python_type is int
    statement = narrowed(statement, id_column.class_, by)
    if cursor is not None:
        position = decode_cursor(cursor)
        # A cursor this API did not issue may hold more than the column's integer type: past every row, as any
        # such cursor is (a contract's version is an INTEGER, the events' sequence a BIGINT).
        top = _MAX_BIGINT if isinstance(id_column.type, BigInteger) else _MAX_INTEGER
        statement = statement.where(id_column > (min(position.int, top) if numeric else position))
    rows = list(session.scalars(statement.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if not (more and rows):
        return Page(rows, None)
    last = getattr(rows[-1], id_column.key)
    return Page(rows, encode_cursor(uuid.UUID(int=last) if numeric else last))
