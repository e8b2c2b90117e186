"""Writing a session's new rows with COPY: how the renewal run stores a whole batch at the database's speed.

The unit of work inserts rows with one statement per row (pipelined, but each one planned and executed);
PostgreSQL's COPY loads the same rows as one stream, several times faster for the server and the client.
`copy_new_rows` writes every pending new object that way, table by table in foreign-key order, with the
values the unit of work would have sent (Python defaults applied, each column's type conversion), then
expunges them: the caller reads none of them again before it commits. Changes to loaded rows are left to
the next flush. On other databases, or when rows are also being deleted (their order then matters), it is
a plain flush.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

from sqlalchemy import Column, Table, inspect
from sqlalchemy.orm import MANYTOONE, Session

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
            if item in session:  # expunging a quote expunges its lines with it
                session.expunge(item)


def insert_rows(session: Session, model: type[Base], items: list[Any]) -> None:
    """Insert objects of `model` that are not in the session (events, which the database numbers) in one go."""
    table = cast(Table, model.__table__)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection.connection.driver_connection.cursor(), table, items, connection.dialect)  # type: ignore[union-attr]
    else:
        columns = sent_columns(table)
        connection.execute(table.insert(), [row_values(item, columns) for item in items])


def _insert_order(item: Any) -> int:
    """The order objects were added in, as the unit of work inserts them (a segment after the one it replaces)."""
    return int(item._sa_instance_state.insert_order or 0)


def _copy(cursor: Any, table: Table, rows: list[Any], dialect: Any) -> None:
    columns = sent_columns(table)
    converters = [column.type._cached_bind_processor(dialect) for column in columns]
    names = ", ".join(f'"{column.name}"' for column in columns)
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for item in rows:
            values = row_values(item, columns)
            copy.write_row([value if convert is None or value is None else convert(value)
                            for value, convert in zip(values.values(), converters, strict=True)])


def sent_columns(table: Table) -> list[Column[Any]]:
    """The columns an insert sends: all but those the database fills (a serial key, a server default)."""
    return [column for column in table.columns if column.default is not None or (
        column.server_default is None and column is not table.autoincrement_column)]


def row_values(item: Any, columns: list[Column[Any]]) -> dict[str, Any]:
    """An object's values for `columns` as the unit of work would insert them: Python defaults applied, and
    the foreign keys a many-to-one relationship sets at flush (a quote's lines know their quote, not its id)."""
    values = dict(item.__dict__)
    for relationship in inspect(item).mapper.relationships:
        parent = values.get(relationship.key)
        if relationship.direction is MANYTOONE and parent is not None:
            for local, remote in relationship.local_remote_pairs:
                values[local.key] = getattr(parent, remote.key)
    return {column.key: _with_default(column, values.get(column.key)) for column in columns}


def _with_default(column: Column[Any], value: Any) -> Any:
    default = column.default
    if value is not None or default is None:
        return value
    return default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
