"""Test fixtures: one migrated database per run (SQLite file, or PostgreSQL from CPQ_TEST_DATABASE_URL),
emptied after every test; an app whose 'today' is fixed; an API key per role."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.api.deps import get_today
from app.config import Settings
from app.db.base import Base
from app.db.migrate import upgrade
from app.db.session import make_engine, make_session_factory
from tests.builders import Keys, make_keys

#: The date every test runs on, unless it says otherwise.
TODAY = date(2026, 1, 10)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("CPQ_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'cpq.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield make_session_factory(engine)
    _empty_tables(engine)


def _empty_tables(engine: Engine) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("PRAGMA defer_foreign_keys = ON"))  # quotes and contracts refer to each other
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, documents_dir=tmp_path / "documents", pdf_workers=0)


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[FastAPI]:
    from app.main import create_app

    app = create_app(settings)
    app.state.session_factory = session_factory
    app.dependency_overrides[get_today] = lambda: TODAY
    yield app
    # A test that drives the app without its lifespan (Schemathesis' ASGI calls, an ASGI transport) leaves the
    # direct reads' connections open: close them, or they hold the test database until garbage collection.
    asyncio.run(app.state.reads.close())


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def keys(session: Session) -> Keys:
    return make_keys(session)
