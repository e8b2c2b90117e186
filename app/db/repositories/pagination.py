"""Keyset pagination on time-ordered UUID ids: stable under inserts, an index seek on any table size."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.domain.errors import InvalidInput, Violation

T = TypeVar("T")


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
    session: Session, statement: Select[Any], id_column: InstrumentedAttribute[uuid.UUID], *,
    limit: int, cursor: str | None,
) -> Page[Any]:
    """Rows after the cursor in id order; one extra row tells whether a next page exists."""
    if cursor is not None:
        statement = statement.where(id_column > decode_cursor(cursor))
    rows = list(session.scalars(statement.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].id) if more and rows else None)
