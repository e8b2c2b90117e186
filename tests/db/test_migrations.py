"""Alembic migrations: upgrade to head and back to base on an empty database, and no drift from the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.api.quotes.schemas import quote_json
from app.db import models  # noqa: F401 - registers the tables
from app.db.base import Base
from app.db.migrate import downgrade, upgrade
from app.db.session import make_engine, make_session_factory
from app.documents.parties import Party
from app.documents.storage import FileStorage
from app.domain.amendments import Change
from app.domain.pricing import LineRequest
from app.domain.terms import ContractTerms, RenewalSettings
from app.services import accounts, amendments, catalog, contract_changes, contracts, documents, quotes
from app.services.auth import OPERATOR
from app.services.demo import load_catalog
from app.services.documents import DocumentSettings
from app.services.quotes import QuoteDraft
from app.services.renewal_runs import run_renewals
from app.services.views import ContractView
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


#: What 0010 adds to each segment, keyed stably (contract number, SKU, start, version) on both databases.
SEGMENT_CHANGES = (
    "SELECT c.number, s.sku, s.start_date, s.contract_version, s.quantity, s.origin, s.opening_change, "
    "s.closing_change, s.closed_in_version, s.mrr_minor, s.price_change_minor "
    "FROM subscription_segments s JOIN contracts c ON c.id = s.contract_id "
    "ORDER BY c.number, s.sku, s.start_date, s.contract_version"
)


def _segment_changes(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(v.isoformat() if isinstance(v, date) else v for v in row)
                for row in connection.execute(text(SEGMENT_CHANGES))]


def _signed(session: Session, tmp_path: Path, account_id: uuid.UUID, lines: Sequence[LineRequest], *,
            term_months: int | None, renewal: RenewalSettings, mid_term_decrease: str) -> uuid.UUID:
    """A new-business quote quoted, finalized and accepted on 2026-01-10, starting 2026-01-15."""
    terms = ContractTerms(term_months, "monthly", renewal, mid_term_decrease, "daily")
    today = date(2026, 1, 10)
    quote = quotes.create_quote(session, caller=OPERATOR, today=today, threshold=THRESHOLD,
                                draft=QuoteDraft(account_id, date(2026, 1, 15), terms, list(lines)))
    return _accepted(session, tmp_path, quote.id, today).id


def _accepted(session: Session, tmp_path: Path, quote_id: uuid.UUID, today: date) -> ContractView:
    storage = FileStorage(tmp_path)
    quote = documents.finalize_quote(session, caller=OPERATOR, quote_id=quote_id, if_match=None, today=today,
                                     settings=DocumentSettings(storage, 30, Party("S"), quote_json))
    _quote, contract = contracts.accept_quote(
        session, caller=OPERATOR, quote_id=quote.id, if_match=None, today=today, signer_name="S",
        signer_email="s@example.org", document_sha256=quote.document_sha256 or "", client_address=None,
        storage=storage, threshold=THRESHOLD)
    return contract


def _amended(session: Session, tmp_path: Path, contract_id: uuid.UUID, on: date, *changes: Change) -> None:
    """An amendment effective `on`, quoted and accepted that day."""
    amendment = amendments.create_amendment(session, caller=OPERATOR, contract_id=contract_id, effective_date=on,
                                            today=on, changes=list(changes), threshold=THRESHOLD)
    _accepted(session, tmp_path, amendment.id, on)


def test_migration_0010_classifies_existing_segments_as_the_service_does(scratch_url: str, tmp_path: Path) -> None:
    """A history touching every rule of 0010, written by the services on the head schema, then downgraded to
    0009 and upgraded again: the data migration derives every segment's opening and closing change, closing
    version, MRR and price change exactly as the service recorded them.

    Account A: C1 (TIX-PRO 20 at 10 % off + SUP-BASIC 10, 12 months, auto-renew at a 5 % uplift, decreases
    credited) is new business; C2 (TIX-PRO 5 + MKT-SMS 1, manual renewal) a seat expansion and a cross-sell.
    C1: +5 TIX-PRO, 4 of its 10 SUP-BASIC swapped to the higher SUP-PLUS (the old plan keeps 6), -5 TIX-PRO
    credited, CRM-MOD added. C2: MKT-SMS removed, all of TIX-PRO swapped to TIX-STARTER, MKT-SMS added again.
    Account B: C3 (TIX-STARTER 10 at 10 % off + CRM-MOD 2, evergreen, 3 % uplift) with -2 TIX-STARTER and
    CRM-MOD's removal agreed for its anniversary; C4 (evergreen) and C5 (12 months) cancelled on notice.
    The renewal run to 2027-01-20 renews C1, expires C2, uplifts C3 and ends C4 and C5.
    """
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    factory = make_session_factory(engine)
    with factory() as session:
        load_catalog(session)
        for rank, sku in enumerate(("SUP-BASIC", "SUP-PLUS"), start=1):  # plans of one family that mix
            catalog.create_product(session, caller=OPERATOR, sku=sku, kind="plan", name=sku, family="support",
                                   tier_rank=rank, unit="seat")
            catalog.create_price_entry(session, caller=OPERATOR, sku=sku, currency="EUR", pricing_model="per_unit",
                                       effective_from=date(2026, 1, 1), effective_to=None,
                                       unit_price=Decimal(10 * rank), tiers=[])
        a, b = (accounts.create_account(session, caller=OPERATOR, name=name, currency="EUR", locale="en",
                                        billing_email=f"{name.lower()}@example.org").id for name in ("A", "B"))
        c1 = _signed(session, tmp_path, a, [LineRequest("TIX-PRO", 20, Decimal(10)), LineRequest("SUP-BASIC", 10)],
                     term_months=12,
                     renewal=RenewalSettings(auto_renew=True, pricing="uplift", uplift_percent=Decimal(5)),
                     mid_term_decrease="credit")
        c2 = _signed(session, tmp_path, a, [LineRequest("TIX-PRO", 5), LineRequest("MKT-SMS", 1)], term_months=12,
                     renewal=RenewalSettings(), mid_term_decrease="credit")
        c3 = _signed(session, tmp_path, b, [LineRequest("TIX-STARTER", 10, Decimal(10)), LineRequest("CRM-MOD", 2)],
                     term_months=None, renewal=RenewalSettings(pricing="uplift", uplift_percent=Decimal(3)),
                     mid_term_decrease="at_renewal")
        c4 = _signed(session, tmp_path, b, [LineRequest("CRM-MOD", 3)], term_months=None, renewal=RenewalSettings(),
                     mid_term_decrease="at_renewal")
        c5 = _signed(session, tmp_path, b, [LineRequest("TIX-STARTER", 2)], term_months=12,
                     renewal=RenewalSettings(auto_renew=True), mid_term_decrease="at_renewal")
        _amended(session, tmp_path, c1, date(2026, 3, 1), Change("add_quantity", sku="TIX-PRO", quantity=5))
        _amended(session, tmp_path, c1, date(2026, 4, 1),
                 Change("swap", from_sku="SUP-BASIC", to_sku="SUP-PLUS", quantity=4))
        _amended(session, tmp_path, c1, date(2026, 5, 1), Change("remove_quantity", sku="TIX-PRO", quantity=5))
        _amended(session, tmp_path, c1, date(2026, 6, 1), Change("add_product", sku="CRM-MOD", quantity=10))
        _amended(session, tmp_path, c2, date(2026, 7, 1), Change("remove_product", sku="MKT-SMS"))
        _amended(session, tmp_path, c2, date(2026, 8, 1), Change("swap", from_sku="TIX-PRO", to_sku="TIX-STARTER"))
        _amended(session, tmp_path, c2, date(2026, 9, 1), Change("add_product", sku="MKT-SMS", quantity=1))
        _amended(session, tmp_path, c3, date(2026, 6, 1), Change("remove_quantity", sku="TIX-STARTER", quantity=2),
                 Change("remove_product", sku="CRM-MOD"))  # both scheduled for the anniversary
        for contract_id in (c4, c5):
            contract_changes.request_cancellation(session, caller=OPERATOR, contract_id=contract_id, if_match=None,
                                                  requested_on=date(2026, 6, 10), reason=None, today=date(2026, 6, 10))
    report = run_renewals(factory, caller=OPERATOR, as_of=date(2027, 1, 20), today=date(2027, 1, 20),
                          threshold=THRESHOLD)
    assert (report.contracts_renewed, report.contracts_expired, report.evergreen_uplifts, report.errors) == (
        1, 1, 1, [])
    written = _segment_changes(engine)
    engine.dispose()
    downgrade(scratch_url, "0009")
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    derived = _segment_changes(engine)
    engine.dispose()
    assert derived == written
    # The service wrote what each step is meant to be (so the comparison above is not of empty columns).
    ends = {(number, sku, start): (opening, closing, closed_in, mrr, price_change)
            for number, sku, start, _v, _q, _o, opening, closing, closed_in, mrr, price_change in written}
    n1, n2, n3, n4, n5 = (f"C-2026-00000{i}" for i in range(1, 6))
    assert ends[n1, "TIX-PRO", "2026-01-15"] == ("new_business", "seat_expansion", 2, 45000, 0)
    assert ends[n1, "TIX-PRO", "2026-03-01"] == ("seat_expansion", "decrease", 4, 56250, 0)
    assert ends[n1, "TIX-PRO", "2026-05-01"] == ("decrease", "price_increase", 6, 45000, 0)
    assert ends[n1, "TIX-PRO", "2027-01-15"] == ("price_increase", None, None, 47250, 2250)
    assert ends[n1, "SUP-BASIC", "2026-01-15"][:2] == ("new_business", "upsell")
    assert ends[n1, "SUP-BASIC", "2026-04-01"][:2] == ends[n1, "SUP-PLUS", "2026-04-01"][:2] == ("upsell", "renewal")
    assert ends[n1, "CRM-MOD", "2026-06-01"][:2] == ("cross_sell", "renewal")
    assert ends[n2, "TIX-PRO", "2026-01-15"][:2] == ("seat_expansion", "downgrade")
    assert ends[n2, "MKT-SMS", "2026-01-15"][:2] == ("cross_sell", "removal")
    assert ends[n2, "TIX-STARTER", "2026-08-01"][:3] == ("downgrade", "expiry", 4)
    assert ends[n2, "MKT-SMS", "2026-09-01"][:3] == ("cross_sell", "expiry", 4)
    assert ends[n3, "CRM-MOD", "2026-01-15"][:2] == ("new_business", "removal")
    assert ends[n3, "TIX-STARTER", "2027-01-15"] == ("decrease", None, None, 8899, 259)
    assert ends[n4, "CRM-MOD", "2026-01-15"][:2] == ("seat_expansion", "cancellation")
    assert ends[n5, "TIX-STARTER", "2026-01-15"][:2] == ("seat_expansion", "cancellation")
    assert {row[6] for row in written} >= {"new_business", "seat_expansion", "upsell", "cross_sell", "decrease",
                                            "downgrade", "price_increase", "renewal"}
