"""Declarative base with a constraint naming convention, time-ordered UUID ids and timestamps."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, MetaData, Uuid, inspect, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.db.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so keyset pagination on `id` alone lists in creation order."""
    millis = time.time_ns() // 1_000_000
    value = (millis & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init__(self, **fields: Any) -> None:
        """Build a new row, its column values written straight into the instance.

        SQLAlchemy's default constructor sets each value through the attribute's events, which record a change
        history a row not yet in any session has no use for (its insert reads the values themselves): about a
        third of the renewal run's time went there. Relationships still go through their events, which set the
        other side and cascade the row into its parent's session.
        """
        columns = _column_keys(type(self))
        values = self.__dict__
        for key, value in fields.items():
            if key in columns:
                values[key] = value
            elif hasattr(type(self), key):
                setattr(self, key, value)
            else:
                raise TypeError(f"{key!r} is an invalid keyword argument for {type(self).__name__}")


@cache
def _column_keys(model: type[Base]) -> frozenset[str]:
    return frozenset(attribute.key for attribute in inspect(model).column_attrs)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)

    def __init__(self, **fields: Any) -> None:
        """The id is known from construction, before any flush: rows made in one batch refer to each other, and a
        flush of rows whose keys are all known is one prepared statement run many times, with no RETURNING."""
        if "id" not in fields:
            fields["id"] = new_id()
        super().__init__(**fields)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, onupdate=utc_now)


class MetadataMixin:
    """The caller's own string key-value pairs (Stripe's `metadata`); the attribute cannot be called `metadata`,
    which declarative classes keep for their `MetaData`."""

    metadata_: Mapped[dict[str, str]] = mapped_column(
        "metadata", JSON, default=dict, server_default=text("'{}'"))


def written_after(target: str, column: str) -> Any:
    """A many-to-one that is never read, declared so that one flush writes a row after the row it refers to.

    The unit of work orders the tables of one flush only along relationships; the renewal run writes a whole
    batch of contracts (renewal quotes, their lines, segments, terms, versions) in a single flush.
    """
    return relationship(target, foreign_keys=column, lazy="raise")
