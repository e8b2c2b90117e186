"""Alembic migrations: upgrade to head and back to base on an empty database, and no drift from the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.api.quotes.schemas import quote_json
from app.db import models  # noqa: F401 - registers the tables
from app.db.base import Base
from app.db.migrate import downgrade, upgrade
from app.db.session import make_engine, make_session_factory
from app.documents.parties import Party
from app.documents.storage import FileStorage
from app.domain.amendments import Change
from app.domain.terms import RenewalSettings
from app.services import amendments, contracts, documents
from app.services.auth import OPERATOR
from app.services.documents import DocumentSettings
from tests.db.copies import THRESHOLD, Template, sign_templates


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the suite's: a new SQLite file, or a new PostgreSQL database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"cpq_scratch_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_to_head_then_downgrade_to_base_leaves_nothing_behind(scratch_url: str) -> None:
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
    downgrade(scratch_url)
    engine = make_engine(scratch_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(scratch_url)


def test_the_migrations_match_the_models(scratch_url: str) -> None:
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_migration_0004_gives_existing_contracts_their_term_and_segments_their_origin(
    scratch_url: str, tmp_path: Path
) -> None:
    """Data written before renewals existed (a sale and an amendment), downgraded to 0003 and upgraded again:
    the data migration derives the same terms, anchors, origins and links as the service writes."""
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    factory = make_session_factory(engine)
    with factory() as session:
        (contract_id,) = sign_templates(session, tmp_path, [Template("sale", 12, RenewalSettings())])
        amendment = amendments.create_amendment(
            session, caller=OPERATOR, contract_id=contract_id, effective_date=date(2026, 4, 1), today=date(2026, 1, 10),
            changes=[Change("add_quantity", sku="TIX-PRO", quantity=5)], threshold=THRESHOLD)
        storage = FileStorage(tmp_path)
        amendment = documents.finalize_quote(session, caller=OPERATOR, quote_id=amendment.id, if_match=None,
                                             today=date(2026, 1, 10), settings=DocumentSettings(storage, 30, Party("S"), quote_json))
        contracts.accept_quote(session, caller=OPERATOR, quote_id=amendment.id, if_match=None, today=date(2026, 1, 10),
                               signer_name="S", signer_email="s@example.org",
                               document_sha256=amendment.document_sha256 or "", client_address=None, storage=storage,
                               threshold=THRESHOLD)
    written = _derived(engine)
    engine.dispose()
    downgrade(scratch_url, "0003")
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    assert _derived(engine) == written
    assert written["terms"] == [(1, "2026-01-15", "2027-01-15", None)]
    assert written["contract"] == [("2026-01-15", 1, "2026-01-15")]
    assert written["segments"] == [(20, "sale", "amendment", False), (25, "amendment", None, True)]
    assert written["versions"] == [(1, "sale", "2026-01-15"), (2, "amendment", "2026-04-01")]
    engine.dispose()


def _derived(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    queries = {
        "terms": "SELECT number, start_date, end_date, outcome FROM contract_terms",
        "contract": "SELECT billing_anchor, term_number, term_start FROM contracts",
        "segments": "SELECT quantity, origin, closed_by, replaces_id IS NOT NULL FROM subscription_segments "
                    "ORDER BY start_date",
        "versions": "SELECT version, kind, effective_on FROM contract_versions ORDER BY version",
    }
    with engine.connect() as connection:
        return {name: [tuple(v.isoformat() if isinstance(v, date) else v for v in row)
                       for row in connection.execute(text(sql))] for name, sql in queries.items()}


def test_migration_0009_counts_the_document_a_finalized_quote_issued(scratch_url: str, tmp_path: Path) -> None:
    """A quote finalized before 0009 issued one document (version 1 on its next one); a draft issued none."""
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    with make_session_factory(engine)() as session:
        (contract_id,) = sign_templates(session, tmp_path, [Template("sale", 12, RenewalSettings())])
        amendments.create_amendment(
            session, caller=OPERATOR, contract_id=contract_id, effective_date=date(2026, 4, 1),
            today=date(2026, 1, 10), changes=[Change("add_quantity", sku="TIX-PRO", quantity=5)], threshold=THRESHOLD)
    engine.dispose()
    downgrade(scratch_url, "0008")
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT type, status, document_revision FROM quotes ORDER BY type")).all()
        products = connection.execute(text("SELECT translations FROM products")).scalars().all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("amendment", "draft", 0), ("new", "accepted", 1)]
    assert products and all(value in ("{}", {}) for value in products)  # JSON text on SQLite, decoded on PostgreSQL
