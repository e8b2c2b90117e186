"""Reads straight on the database driver, for the endpoints clients call most: no session, no ORM statement
building, no hop to a thread.

A `Prepared` read is a SQLAlchemy Core statement compiled once for a dialect; its parameters and columns go
through the type processors SQLAlchemy's own execution uses (for SQLite's dates, UUIDs, instants and decimals,
faster equivalents: `text_values`), so a value reads the same here as through the ORM. The reader
`open_reader(url)` gives runs them: on PostgreSQL on psycopg's async connections in autocommit, one statement a
read; on SQLite on one connection called inline in the event loop, where an indexed read in WAL mode takes tens
of microseconds and never waits for a writer (less than the hop to a thread would cost).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import orjson
import psycopg
from psycopg.types.json import set_json_loads
from sqlalchemy import Dialect, Select, func
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import make_url

from app.db.repositories import billing_sql
from app.db.text_values import binder, converter

Processor = Callable[[Any], Any] | None
#: A connection's one cursor: made once, not for each read, and its statements prepared on the first run.
Cursor = psycopg.AsyncCursor[Any]
T = TypeVar("T")
#: Set once on each PostgreSQL connection: what the invoice-line statements need (instants in UTC for every read).
_SETTINGS = billing_sql.set_config(billing_sql.SETTINGS, local=False)


def _as_fetched(rows: list[Any], _cursor: Cursor) -> list[Any]:
    return rows


def dialect_of(url: str) -> Dialect:
    """The dialect a read is compiled for: named parameters on SQLite, which `sqlite3` takes as a mapping."""
    dialect: Dialect = (sqlite.dialect(paramstyle="named") if make_url(url).get_backend_name() == "sqlite"
                        else pg_psycopg.dialect())  # type: ignore[no-untyped-call]
    dialect._json_deserializer = orjson.loads
    return dialect


class Prepared:
    """A statement compiled once, with the converters of its parameters and (after its first run) its columns."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        #: On SQLite a row comes as one JSON array of its values: one string handed from SQLite to Python and
        #: parsed in one call costs a read less than forty values handed one by one. JSON holds them as the driver
        #: would (text, integers, nulls), so the same converters apply; a child table's array nests (`read_rows`).
        self.json_row = dialect.name == "sqlite"
        compiled = (statement.with_only_columns(func.json_array(*statement.selected_columns)) if self.json_row
                    else statement).compile(dialect=dialect)
        self.dialect = dialect
        self.sql = compiled.string
        self.keys = [str(column.key) for column in statement.selected_columns]
        self.types = [column.type for column in statement.selected_columns]
        self.binds: dict[str, Processor] = {name: binder(bind.type, dialect) for name, bind in compiled.binds.items()}
        #: (key, converter) of the columns whose values the driver does not give as Python's.
        self.columns: list[tuple[str, Callable[[Any], Any]]] | None = None
        #: The values the statement binds itself (a literal SQLAlchemy made a parameter of).
        self.fixed = self._converted({name: bind.value for name, bind in compiled.binds.items()
                                      if not bind.required and bind.value is not None})

    def parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.fixed, **self._converted(values)} if self.fixed else self._converted(values)

    def _converted(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: value if (convert := self.binds[name]) is None or value is None else convert(value)
                for name, value in values.items()}

    def decode(self, rows: Sequence[Sequence[Any]], cursor: Any) -> list[dict[str, Any]]:
        """The rows as {column key: Python value}; the converters are those of the type codes the driver reports
        (its cursor's description, read once: psycopg builds it anew on each access), see `text_values.converter`."""
        if self.json_row:
            rows = [orjson.loads(row[0]) for row in rows]
        if self.columns is None and rows:
            codes = [None] * len(self.keys) if self.json_row else [column[1] for column in cursor.description]
            processors = [converter(kind, self.dialect, code) for kind, code in zip(self.types, codes, strict=True)]
            self.columns = [(key, convert) for key, convert in zip(self.keys, processors, strict=True) if convert]
        keys, columns = self.keys, self.columns or []
        decoded = [dict(zip(keys, row, strict=True)) for row in rows]
        for values in decoded:  # a dict made whole, then only the columns with a converter: most have none
            for key, convert in columns:
                if (value := values[key]) is not None:  # a null is None in every type read here
                    values[key] = convert(value)
        return decoded


class Reader(Protocol):
    async def all(self, read: Prepared, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The rows of `read`, decoded."""

    async def close(self) -> None: ...


async def one(reader: Reader, read: Prepared, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first row of a read that finds at most one, or None."""
    rows = await reader.all(read, parameters)
    return rows[0] if rows else None


def open_reader(url: str) -> Reader:
    """The reader for this database; it connects on its first read."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("the direct reads need a SQLite file, not an in-memory database")
        return SqliteReader(parsed.database)
    return PostgresReader(parsed.set(drivername="postgresql").render_as_string(hide_password=False))


class SqliteReader:
    """One connection, in autocommit (each statement its own read transaction), used from the event loop only."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = None

    async def all(self, read: Prepared, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        if self.connection is None:
            self.connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.connection.execute("PRAGMA query_only=ON")
            self.connection.execute("PRAGMA busy_timeout=5000")
        cursor = self.connection.execute(read.sql, read.parameters(parameters))
        return read.decode(cursor.fetchall(), cursor)

    async def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class PostgresReader:
    """At most `size` async psycopg connections in autocommit, opened as reads need them and then kept, each with
    one cursor whose statements are prepared on the server on their first run there: a read
    that finds them all busy waits for one (opening and closing connections would cost the server a process
    each time). A connection found broken is dropped and the read tried once more on a new one (the server
    restarted, a proxy closed it).

    Not psycopg_pool: its background tasks belong to the event loop that opened it, and a test client or a
    schema fuzzer may drive the app from a new loop for each request; here a connection waits on whichever loop
    runs the read, and a waiting read on a future of its own loop."""

    def __init__(self, conninfo: str, size: int = 10) -> None:
        self.conninfo = conninfo
        self.size = size
        self.opened = 0
        #: Each idle connection as the cursor its reads run on, kept with it.
        self.idle: list[Cursor] = []
        #: Reads waiting for a connection: each is handed one, or None for the right to open one.
        self.waiters: deque[asyncio.Future[Cursor | None]] = deque()

    async def all(self, read: Prepared, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        return await self._run(read.sql, read.parameters(parameters), read.decode)

    async def rows(self, sql: str, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of a statement written for psycopg (`%(name)s` parameters), as psycopg loads them."""
        return await self._run(sql, parameters, _as_fetched)

    async def _run(self, sql: str, values: Mapping[str, Any], decode: Callable[[list[Any], Cursor], T]) -> T:
        for attempt in (1, 2):
            cursor = await self._acquire()
            try:
                await cursor.execute(sql, values, prepare=True)
                rows = await cursor.fetchall()
            except psycopg.OperationalError:
                await self._drop(cursor)
                if attempt == 2 or not cursor.connection.broken:
                    raise
                continue
            except BaseException:
                await self._drop(cursor)  # a cancelled read may leave the connection mid-answer
                raise
            self._pass_on(cursor)
            return decode(rows, cursor)  # before any await: the cursor's description is still this read's
        raise AssertionError("unreachable")

    async def _acquire(self) -> Cursor:
        if self.idle:
            return self.idle.pop()
        if self.opened >= self.size:
            waiter: asyncio.Future[Cursor | None] = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            try:
                handed = await waiter
            except BaseException:  # cancelled: pass on what it was handed, if it was
                if waiter.done() and not waiter.cancelled():
                    self._pass_on(waiter.result())
                else:
                    self.waiters.remove(waiter)
                raise
            if handed is not None:
                return handed
        self.opened += 1
        try:
            connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        except BaseException:
            self.opened -= 1
            self._pass_on(None)
            raise
        set_json_loads(orjson.loads, connection)
        await connection.execute(_SETTINGS)
        return connection.cursor()

    def _pass_on(self, cursor: Cursor | None) -> None:
        """A connection (or, None, a free place for one) to the first read waiting, else kept idle."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(cursor)
                return
        if cursor is not None:
            self.idle.append(cursor)

    async def _drop(self, cursor: Cursor) -> None:
        self.opened -= 1
        self._pass_on(None)
        await cursor.connection.close()

    async def close(self) -> None:
        idle, self.idle = self.idle, []
        self.opened -= len(idle)
        for cursor in idle:
            await cursor.connection.close()
