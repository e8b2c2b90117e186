"""Writing a transaction's new rows with COPY: how the renewal run stores a whole batch at the database's speed.

The unit of work inserts rows with one statement per row (pipelined, but each one planned and executed);
PostgreSQL's COPY loads the same rows as one stream, several times faster for the server and the client.
Services add new rows with `add`: to the session, or, once a transaction `collect`s, to a list kept aside,
which spares the session's bookkeeping (cascades, pending sets) for rows it will never flush.
`copy_new_rows` writes those rows, with the children they hold (a quote's lines), and any still pending in
the session, table by table in foreign-key order, with the values the unit of work would have sent (Python
defaults applied, each column's type conversion). Written rows stay readable; none is in the session, so the
next flush, which writes the changes to loaded rows, does not insert them again. On other databases, or when
rows are also being deleted (their order then matters), it is a plain flush."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import JSON, Column, Table, inspect, null
from sqlalchemy.orm import MANYTOONE, ONETOMANY, Session, make_transient

from app.db.base import Base

_COLLECTED = "cpq.collected_rows"


def collect(session: Session) -> None:
    """From now on `add` keeps the session's new rows aside for `copy_new_rows` (on PostgreSQL; elsewhere they
    go to the session as usual): no unit-of-work bookkeeping for rows that COPY writes."""
    if session.get_bind().dialect.name == "postgresql":
        session.info[_COLLECTED] = []


def add(session: Session, row: Base) -> None:
    """A new row for the session's transaction to write: kept aside while `collect`ing, else added to the session."""
    collected: list[Base] | None = session.info.get(_COLLECTED)
    if collected is None:
        session.add(row)
    else:
        collected.append(row)


def copy_new_rows(session: Session) -> None:
    collected: list[Base] = session.info.pop(_COLLECTED, None) or []
    connection = session.connection()
    if connection.dialect.name != "postgresql" or session.deleted:
        session.add_all(collected)
        session.flush()
        return
    new: dict[Table, list[Any]] = defaultdict(list)
    for item in _with_children(collected):
        new[item.__table__].append(item)
    pending = sorted(session.new, key=_insert_order)
    for item in pending:
        new[item.__table__].append(item)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for table in Base.metadata.sorted_tables:
        if table in new:
            _copy(cursor, table, new[table], connection.dialect)
    for item in pending:
        make_transient(item)  # out of the session, written: like expunge, without walking the cascades


def _with_children(rows: list[Base]) -> Iterator[Any]:
    """The rows and what they hold in one-to-many relationships that cascade (a quote's lines), in order."""
    for row in rows:
        yield row
        for key in _child_keys(type(row)):
            yield from row.__dict__.get(key, ())


@cache
def _child_keys(model: type[Base]) -> tuple[str, ...]:
    return tuple(r.key for r in inspect(model).relationships if r.direction is ONETOMANY and r.cascade.save_update)


def insert_rows(session: Session, model: type[Base], items: list[Any]) -> None:
    """Insert objects of `model` that are not in the session (events, which the database numbers) in one go."""
    _insert(session.connection(), cast(Table, model.__table__), items)


def write_new(session: Session, rows: list[Base]) -> None:
    """Insert new rows and the children they hold (a quote and its lines) now, outside the unit of work: COPY on
    PostgreSQL, one prepared statement per table elsewhere. The rows stay readable and out of the session."""
    new: dict[Table, list[Any]] = defaultdict(list)
    for item in _with_children(rows):
        new[item.__table__].append(item)
    connection = session.connection()
    for table in Base.metadata.sorted_tables:
        if table in new:
            _insert(connection, table, new[table])


def _insert(connection: Any, table: Table, items: list[Any]) -> None:
    if connection.dialect.name == "postgresql":
        _copy(connection.connection.driver_connection.cursor(), table, items, connection.dialect)
    else:
        plan, names, json = _plan(table), _column_names(table), _json_positions(table)
        rows = [plan.values(item) for item in items]
        for row in rows:
            for index in json:  # an unset JSON value is SQL NULL, as the unit of work leaves it, not JSON 'null'
                if row[index] is None:
                    row[index] = null()
        connection.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])


@cache
def _column_names(table: Table) -> tuple[str, ...]:
    return tuple(column.key for column in _sent_columns(table))


@cache
def _json_positions(table: Table) -> tuple[int, ...]:
    return tuple(index for index, column in enumerate(_sent_columns(table)) if isinstance(column.type, JSON))


def _insert_order(item: Any) -> int:
    """The order objects were added in, as the unit of work inserts them (a segment after the one it replaces)."""
    return int(item._sa_instance_state.insert_order or 0)


def _copy(cursor: Any, table: Table, rows: list[Any], dialect: Any) -> None:
    plan = _plan(table)
    conversions = _conversions(table, dialect)
    with cursor.copy(plan.statement) as copy:
        for item in rows:
            row = plan.values(item)
            for index, convert in conversions:
                if row[index] is not None:
                    row[index] = convert(row[index])
            copy.write_row(row)


def _sent_columns(table: Table) -> list[Column[Any]]:
    """The columns an insert sends: all but those the database fills (a serial key, a server default)."""
    return [column for column in table.columns if column.default is not None or (
        column.server_default is None and column is not table.autoincrement_column)]


@dataclass(frozen=True)
class _Plan:
    """How a table's objects become rows, worked out once per table rather than once per row."""

    statement: str
    #: The sent columns' attributes, in the statement's order.
    keys: tuple[str, ...]
    #: (position, Python default) of the sent columns that have one.
    defaults: tuple[tuple[int, Any], ...]
    #: Per many-to-one relationship: its attribute and its (foreign key position, parent attribute) pairs.
    parents: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]

    def values(self, item: Any) -> list[Any]:
        """An object's values as the unit of work would insert them: Python defaults applied (and set on the
        object), and the foreign keys a many-to-one relationship sets at flush (a quote's lines know their
        quote, not its id)."""
        state = item.__dict__
        row = [state.get(key) for key in self.keys]
        for key, pairs in self.parents:
            if (parent := state.get(key)) is not None:
                for index, remote in pairs:
                    row[index] = getattr(parent, remote)
        for index, default in self.defaults:
            if row[index] is None:  # kept on the object too: a written row is read back as the database has it
                row[index] = state[self.keys[index]] = default.arg(None) if default.is_callable else default.arg
        return row


@cache
def _plan(table: Table) -> _Plan:
    columns = _sent_columns(table)
    mapper = next(mapper for mapper in Base.registry.mappers if mapper.local_table is table)
    # The attribute, not the column's key: `metadata_` holds the `metadata` column.
    keys = tuple(mapper.get_property_by_column(column).key for column in columns)
    names = ", ".join(f'"{column.name}"' for column in columns)
    return _Plan(
        statement=f'COPY "{table.name}" ({names}) FROM STDIN', keys=keys,
        defaults=tuple((index, column.default) for index, column in enumerate(columns) if column.default is not None),
        parents=tuple((r.key, tuple((keys.index(mapper.get_property_by_column(local).key),
                                     r.mapper.get_property_by_column(remote).key)
                                    for local, remote in r.local_remote_pairs))
                      for r in mapper.relationships if r.direction is MANYTOONE),
    )


@cache
def _conversions(table: Table, dialect: Any) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """(position, conversion) of the sent columns whose values the driver takes converted (a JSON column's text)."""
    processors = (column.type._cached_bind_processor(dialect) for column in _sent_columns(table))
    return tuple((index, convert) for index, convert in enumerate(processors) if convert is not None)
