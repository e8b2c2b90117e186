"""What the direct reads select and how their rows come back: a contract with the segments in force, the
scheduled changes and the terms a read of it shows, a quote with its lines.

A row's children come in the same statement as a JSON array of arrays (one snapshot, one round trip), each
value converted back by its column's Python type; the rows handed on carry the ORM classes' attributes, so the
views read them exactly as they read loaded rows.
"""

from __future__ import annotations

import typing
import uuid
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    JSON,
    BindParameter,
    Column,
    ColumnElement,
    Dialect,
    FromClause,
    Select,
    Text,
    TypeDecorator,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import class_mapper
from sqlalchemy.types import NullType

from app.db.models import ApiKey, Contract, ContractTerm, Quote, QuoteLine, ScheduledChange, SubscriptionSegment
from app.db.repositories.contracts import in_force_on
from app.db.text_values import moment_of, uuid_of

T = TypeVar("T")

#: How a value inside a JSON array becomes its column's Python value again (JSON has strings and numbers).
_FROM_JSON: dict[type, Callable[[Any], Any]] = {
    uuid.UUID: uuid_of, Decimal: Decimal, date: date.fromisoformat, datetime: moment_of, bool: bool}


def _python_type(column: Column[Any]) -> type:
    kind = column.type
    return (kind.impl_instance if isinstance(kind, TypeDecorator) else kind).python_type


#: A child row's id and recording times, which no view shows.
_BOOKKEEPING = frozenset({"id", "created_at", "updated_at"})
#: Per model, the columns its reads leave out because no view or check uses them: renewal and billing bookkeeping,
#: who made or approved a quote, where its PDF lies, why it closed, its requested changes; a child's bookkeeping,
#: its parent's key and lineage, and the versions and figures kept for history and finance. Decoding their UUIDs
#: and timestamps would cost more than everything the views print.
_UNREAD: dict[type[Any], frozenset[str]] = {
    Contract: frozenset({"billing_anchor", "term_number", "term_start", "last_uplift_on"}),
    Quote: frozenset({"created_by", "approved_by", "document_path", "closed_at", "close_reason", "changes",
                      "priced_on"}),
    SubscriptionSegment: _BOOKKEEPING | {"contract_id", "quote_line_id", "replaces_id", "contract_version",
                                         "closed_in_version", "opening_change", "closing_change", "mrr_minor",
                                         "price_change_minor"},
    ScheduledChange: _BOOKKEEPING | {"contract_id", "contract_version"},
    ContractTerm: _BOOKKEEPING | {"contract_id"},
    QuoteLine: _BOOKKEEPING | {"quote_id", "change_index"},
}


def _read_columns(model: type[Any]) -> list[Column[Any]]:
    """The columns of `model` its reads select (all but `_UNREAD`'s)."""
    return [column for column in model.__table__.columns if column.key not in _UNREAD[model]]


@dataclass(frozen=True)
class _Children:
    """The rows of a child table (its `_read_columns`), as one JSON array in the parent's statement, in the
    order of `order`."""

    model: type[Any]
    label: str
    order: tuple[str, ...]

    @cached_property
    def columns(self) -> list[Column[Any]]:
        return _read_columns(self.model)

    @cached_property
    def attributes(self) -> list[str]:
        """The attribute of each column, in the order of the array."""
        return [_ATTRIBUTES[self.model][column.key] for column in self.columns]

    def column(self, dialect: Dialect, where: list[ColumnElement[bool]]) -> Any:
        """The scalar subquery: `[[value, …], …]`; numbers as text, so no digit is lost to a float."""
        order = [self.model.__table__.c[key] for key in self.order]
        rows: ColumnElement[Any]
        if dialect.name == "postgresql":
            values = [cast(column, Text) if _python_type(column) is Decimal else column for column in self.columns]
            rows = func.coalesce(func.json_agg(aggregate_order_by(func.json_build_array(*values), *order)),
                                 literal_column("'[]'::json"))
            return type_coerce(select(rows).where(*where).scalar_subquery(), JSON).label(self.label)
        # SQLite (before 3.44) orders no aggregate: `rows` sorts them, as its BINARY collation would. Its reads
        # come as JSON rows (`direct.Prepared`): the array nests in the row, or comes as text where SQLite drops
        # the JSON subtype at the subquery's edge (`rows` parses it then).
        rows = func.json_group_array(func.json_array(*self.columns))
        return type_coerce(select(rows).where(*where).scalar_subquery(), NullType()).label(self.label)

    @cached_property
    def record(self) -> Any:
        """The class of a child row: a named tuple of its attributes, which the views read as the ORM's."""
        return namedtuple(f"{self.model.__name__}Row", self.attributes)

    @cached_property
    def positions(self) -> tuple[list[tuple[int, Callable[[Any], Any]]], Callable[[list[Any]], Any]]:
        """(index, converter from JSON) of the columns JSON cannot hold as they are (decimals, dates, UUIDs), and
        the sort key of a row as JSON gives it (the order's columns are numbers, codes and ISO dates, which sort
        as text as their values do)."""
        converters = [(position, convert) for position, column in enumerate(self.columns)
                      if (convert := _FROM_JSON.get(_python_type(column))) is not None]
        index = {attribute: position for position, attribute in enumerate(self.attributes)}
        return converters, itemgetter(*(index[_ATTRIBUTES[self.model][name]] for name in self.order))

    def rows(self, array: list[list[Any]] | str, dialect: Dialect) -> list[Any]:
        values: list[list[Any]] = orjson.loads(array) if isinstance(array, str) else array
        converters, key = self.positions
        if dialect.name != "postgresql":
            values.sort(key=key)
        for row in values:
            for position, convert in converters:
                if (value := row[position]) is not None:
                    row[position] = convert(value)
        return list(map(self.record._make, values))


#: Per model read here, column key → the attribute that maps it (`metadata` → `metadata_`).
_ATTRIBUTES: dict[type[Any], dict[str, str]] = {
    model: {column.key: attribute.key for attribute in class_mapper(model).column_attrs for column in attribute.columns}
    | ({"lines": "lines"} if model is Quote else {})
    for model in (Contract, ContractTerm, Quote, QuoteLine, ScheduledChange, SubscriptionSegment)}


def _record(model: type[T], row: dict[str, Any]) -> T:
    """The row read as `model`'s instances are, by attribute: the views read nothing else, and building the ORM's
    instance (its state, its relationship events) would cost more than the read itself."""
    attributes = _ATTRIBUTES[model]
    return typing.cast(T, SimpleNamespace(**{attributes[key]: value for key, value in row.items()}))


_SEGMENTS = _Children(SubscriptionSegment, "segments", ("sku", "start_date"))
_SCHEDULED = _Children(ScheduledChange, "scheduled_changes", ("effective_on", "sku"))
_TERMS = _Children(ContractTerm, "terms", ("number",))
_LINES = _Children(QuoteLine, "lines", ("position",))


def contract_select(dialect: Dialect, as_of: BindParameter[date]) -> Select[Any]:
    """Contracts with what a read on `as_of` shows; the caller adds which."""
    table = Contract.__table__
    segments, scheduled, terms = SubscriptionSegment.__table__.c, ScheduledChange.__table__.c, ContractTerm.__table__.c
    return select(
        *_read_columns(Contract),
        _SEGMENTS.column(dialect, [segments.contract_id == table.c.id, *in_force_on(as_of)]),
        _SCHEDULED.column(dialect, [scheduled.contract_id == table.c.id, scheduled.effective_on > as_of]),
        _TERMS.column(dialect, [terms.contract_id == table.c.id]),
    )


def quote_select(dialect: Dialect) -> Select[Any]:
    """Quotes with their lines; the caller adds which."""
    table = Quote.__table__
    lines = QuoteLine.__table__.c
    return select(*_read_columns(Quote), _LINES.column(dialect, [lines.quote_id == table.c.id]))


#: The live key's columns beside a keyed read's row.
KEY_COLUMNS = ("key_id", "key_role", "key_account_id")


def keyed(statement: Select[Any], table: FromClause, by: ColumnElement[bool]) -> Select[Any]:
    """`statement`'s row of `table` where `by`, beside the live API key of `:key_hash`: always one row, whether
    or not either exists (their columns null when not), so a read checks its caller in the same round trip."""
    keys = ApiKey.__table__
    one = select(literal_column("1").label("one")).subquery("one")
    joined = one.outerjoin(keys, and_(keys.c.key_hash == bindparam("key_hash"), keys.c.revoked_at.is_(None)))
    return select(*(column.label(label) for column, label in zip(
        (keys.c.id, keys.c.role, keys.c.account_id), KEY_COLUMNS, strict=True)),
        *statement.selected_columns).select_from(joined.outerjoin(table, by))


def live_key(row: dict[str, Any]) -> dict[str, Any] | None:
    """The key columns of a keyed read's row, taken out of it: id, role, account_id; None for no live key."""
    key = {name.removeprefix("key_"): row.pop(name) for name in KEY_COLUMNS}
    return None if key["id"] is None else key


@dataclass(frozen=True)
class ContractRead:
    contract: Contract
    segments: list[SubscriptionSegment]
    scheduled: list[ScheduledChange]
    terms: list[ContractTerm]


def contract_read(row: dict[str, Any], dialect: Dialect) -> ContractRead:
    segments, scheduled, terms = (row.pop(children.label) for children in (_SEGMENTS, _SCHEDULED, _TERMS))
    return ContractRead(_record(Contract, row), _SEGMENTS.rows(segments, dialect), _SCHEDULED.rows(scheduled, dialect),
                        _TERMS.rows(terms, dialect))


def quote_record(row: dict[str, Any], dialect: Dialect) -> Quote:
    return _record(Quote, {**row, "lines": _LINES.rows(row.pop(_LINES.label), dialect)})
