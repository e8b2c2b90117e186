"""Database failures an operator fixes in one step, told in one line instead of a traceback: a database that is
not migrated (`cpq migrate`), or one that cannot be reached (its URL, or the server, is wrong)."""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

#: PostgreSQL's undefined_table: a query on a table no migration has created yet.
UNDEFINED_TABLE = "42P01"


def shown(database_url: str) -> str:
    """The URL without its password, safe to print on a terminal or in a log."""
    return make_url(database_url)._replace(password=None).render_as_string(hide_password=False)


def not_migrated(database_url: str, detail: str = "") -> str:
    return f"the database at {shown(database_url)} is not migrated{detail}: run `cpq migrate`"


def database_problem(error: DBAPIError, database_url: str) -> str | None:
    """The one-line message for a database that is not migrated or unreachable; None for any other failure,
    which stays a traceback (a bug to report, not a step the operator missed)."""
    orig = error.orig
    if isinstance(orig, psycopg.Error):
        if orig.sqlstate == UNDEFINED_TABLE:
            return not_migrated(database_url)
        # libpq's connection failures carry no SQLSTATE; a server that drops the connection gives class 08.
        if isinstance(orig, psycopg.OperationalError) and (orig.sqlstate is None or orig.sqlstate.startswith("08")):
            return f"cannot reach the database at {shown(database_url)}: {_reason(str(orig))}"
    elif isinstance(orig, sqlite3.OperationalError):
        message = str(orig)
        if message.startswith("no such table"):
            return not_migrated(database_url)
        if message == "unable to open database file":
            return f"cannot reach the database at {shown(database_url)}: {message}"
    return None


def _reason(message: str) -> str:
    """libpq's first line without the address it repeats: 'connection failed: connection to server at "…",
    port 1 failed: Connection refused' → 'Connection refused'."""
    first = message.strip().splitlines()[0] if message.strip() else "connection failed"
    return first.rsplit("failed: ", 1)[-1].removeprefix("FATAL:").strip()
