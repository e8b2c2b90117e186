"""Engine and session factory from Settings, with the SQLite and PostgreSQL specifics in one place."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Sized for the threadpool that runs sync endpoints: connections that overflow a small pool are
        # closed on return and reopened (with their pragmas) on the next request.
        # JSON keeps non-ASCII text as is: SQLite's JSON paths compare a key with its stored text unescaped,
        # so a metadata key "é" stored as "\u00e9" could never be filtered on.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20,
                               max_overflow=40, json_serializer=partial(json.dumps, ensure_ascii=False))
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself, so writers take the lock up front (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # persistent: set once per database file
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """SQLite's deferred BEGIN lets two writers read then deadlock on upgrade; take the write lock first.

    A transaction opened by `reading()` is read-only and begins deferred, so readers never queue on writers.
    """
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


READ_ONLY = "cpq_read_only"


@contextmanager
def reading(session: Session, *, snapshot: bool = False) -> Iterator[None]:
    """A transaction that only reads: deferred on SQLite (no write lock), a plain transaction elsewhere.

    `snapshot`: every query sees the database as the first one did, as a SQLite read transaction always
    does; on PostgreSQL that takes REPEATABLE READ (READ COMMITTED gives each statement its own snapshot).
    """
    options: dict[str, Any] = {READ_ONLY: True}
    if snapshot and session.get_bind().dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with session.begin():
        session.connection(execution_options=options)
        yield


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autobegin=True)


#: PostgreSQL's deadlock_detected and serialization_failure: the server chose this transaction to undo, and
#: running it again from the start is expected to succeed.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient(error: BaseException) -> bool:
    """Whether `error` is a deadlock or serialization failure, which a fresh attempt of the transaction fixes."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return sqlstate in TRANSIENT_SQLSTATES
