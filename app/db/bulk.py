"""Writing a session's new rows with COPY: how the renewal run stores a whole batch at the database's speed.

The unit of work inserts rows with one statement per row (pipelined, but each one planned and executed);
PostgreSQL's COPY loads the same rows as one stream, several times faster for the server and the client.
`copy_new_rows` writes every pending new object that way, table by table in foreign-key order, with the
values the unit of work would have sent (Python defaults applied, each column's type conversion), then
takes them out of the session (they stay readable; the next flush must not insert them again). Changes to
loaded rows are left to the next flush. On other databases, or when rows are also being deleted (their order
then matters), it is a plain flush.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import Column, Table
from sqlalchemy.orm import MANYTOONE, Session, make_transient

from app.db.base import Base


def copy_new_rows(session: Session) -> None:
    connection = session.connection()
    if connection.dialect.name != "postgresql" or session.deleted:
        session.flush()
        return
    new: dict[Table, list[Any]] = defaultdict(list)
    for item in session.new:
        new[item.__table__].append(item)
    if not new:
        return
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for table in Base.metadata.sorted_tables:
        if table in new:
            _copy(cursor, table, sorted(new[table], key=_insert_order), connection.dialect)
    for rows in new.values():
        for item in rows:
            make_transient(item)  # out of the session, written: like expunge, without walking the cascades


def insert_rows(session: Session, model: type[Base], items: list[Any]) -> None:
    """Insert objects of `model` that are not in the session (events, which the database numbers) in one go."""
    table = cast(Table, model.__table__)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection.connection.driver_connection.cursor(), table, items, connection.dialect)  # type: ignore[union-attr]
    else:
        plan = _plan(table)
        connection.execute(table.insert(), [dict(zip(plan.keys, plan.values(item), strict=True)) for item in items])


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
        """An object's values as the unit of work would insert them: Python defaults applied, and the
        foreign keys a many-to-one relationship sets at flush (a quote's lines know their quote, not its id)."""
        state = item.__dict__
        row = [state.get(key) for key in self.keys]
        for key, pairs in self.parents:
            if (parent := state.get(key)) is not None:
                for index, remote in pairs:
                    row[index] = getattr(parent, remote)
        for index, default in self.defaults:
            if row[index] is None:
                row[index] = default.arg(None) if default.is_callable else default.arg
        return row


@cache
def _plan(table: Table) -> _Plan:
    columns = _sent_columns(table)
    keys = tuple(str(column.key) for column in columns)
    names = ", ".join(f'"{column.name}"' for column in columns)
    mapper = next(mapper for mapper in Base.registry.mappers if mapper.local_table is table)
    return _Plan(
        statement=f'COPY "{table.name}" ({names}) FROM STDIN', keys=keys,
        defaults=tuple((index, column.default) for index, column in enumerate(columns) if column.default is not None),
        parents=tuple((r.key, tuple((keys.index(str(local.key)), str(remote.key))
                                    for local, remote in r.local_remote_pairs))
                      for r in mapper.relationships if r.direction is MANYTOONE),
    )


@cache
def _conversions(table: Table, dialect: Any) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """(position, conversion) of the sent columns whose values the driver takes converted (a JSON column's text)."""
    processors = (column.type._cached_bind_processor(dialect) for column in _sent_columns(table))
    return tuple((index, convert) for index, convert in enumerate(processors) if convert is not None)
