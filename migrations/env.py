"""Alembic environment: the URL comes from Settings (or a connection handed in by the caller)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.config import get_settings
from app.db import models  # noqa: F401 - registers every table on the metadata
from app.db.base import Base
from app.db.session import make_engine

target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # Batch migrations rebuild tables; with foreign keys on, dropping a referenced table deletes rows.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = context.config.attributes.get("database_url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        run_migrations(connection)
    engine.dispose()


run_online()
