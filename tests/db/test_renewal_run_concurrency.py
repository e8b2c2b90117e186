"""The renewal run on PostgreSQL under pressure: four runs at once, and a run killed mid-way then run again.

Runs share the work through `FOR UPDATE SKIP LOCKED` and each contract's `next_due_on` moving past the date,
so however the runs overlap or die, every contract ends with exactly what one uninterrupted run gives it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.db.session import make_engine, make_session_factory
from app.domain.terms import RenewalSettings
from app.services.auth import OPERATOR
from app.services.renewal_runs import RunReport, run_renewals
from tests.db.copies import THRESHOLD, Template, copy_contracts, libpq, sign_templates

ROOT = Path(__file__).resolve().parents[2]
#: Past the 24-month terms' end (2028-01-15) and the evergreens' second anniversaries.
AS_OF = date(2028, 2, 1)
AUTO = Template("auto", 24, RenewalSettings(auto_renew=True, pricing="uplift", uplift_percent=Decimal(5)))
MANUAL = Template("manual", 24, RenewalSettings(auto_renew=False))
EVERGREEN = Template("evergreen", None, RenewalSettings(pricing="uplift", uplift_percent=Decimal(3)))
#: A month-end anchor: its anniversaries are 2027-01-31 and 2028-01-31.
EVERGREEN_MONTH_END = Template("evergreen-31", None, RenewalSettings(pricing="uplift", uplift_percent=Decimal(3)),
                               start=date(2026, 1, 31))
TEMPLATES = (AUTO, MANUAL, EVERGREEN, EVERGREEN_MONTH_END)
#: Long enough for any step here on a loaded machine; a test that waits this long has failed.
PATIENCE = 300.0


@pytest.fixture
def pg_url(session_factory: sessionmaker[Session], database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED and several writers at once need PostgreSQL; SQLite runs one worker")
    return database_url


def _contracts(factory: sessionmaker[Session], url: str, tmp_path: Path, copies: int) -> dict[str, str]:
    """Each template signed once and copied `copies` times: contract number -> template name."""
    with factory() as session:
        ids = sign_templates(session, tmp_path, TEMPLATES)
    copy_contracts(url, ids, copies)
    with factory() as session:
        numbers = {row.id: str(row.number) for row in session.execute(text("SELECT id, number FROM contracts"))}
    kinds = {numbers[i]: template.name for i, template in zip(ids, TEMPLATES, strict=True)}
    return {number: kinds[number.split("-c")[0]] for number in numbers.values()}


def _per_contract(factory: sessionmaker[Session], sql: str) -> dict[str, list[tuple[object, ...]]]:
    """Rows of `sql` (first column: the contract number), grouped by contract and sorted."""
    grouped: dict[str, list[tuple[object, ...]]] = {}
    with factory() as session:
        for number, *rest in session.execute(text(sql)):
            grouped.setdefault(number, []).append(tuple(rest))
    return {number: sorted(rows, key=repr) for number, rows in grouped.items()}


TERMS = "SELECT c.number, t.number, t.start_date, t.end_date FROM contract_terms t JOIN contracts c ON c.id = t.contract_id"
RENEWAL_QUOTES = ("SELECT c.number, q.renewal_term, q.status, q.start_date, q.term_months, l.sku, l.quantity, "
                  "l.net_unit_price FROM quotes q JOIN contracts c ON c.id = q.contract_id "
                  "JOIN quote_lines l ON l.quote_id = q.id WHERE q.type = 'renewal'")
SEGMENTS = ("SELECT c.number, s.sku, s.quantity, s.net_unit_price, s.start_date, s.end_date, s.origin, s.closed_on "
            "FROM subscription_segments s JOIN contracts c ON c.id = s.contract_id")
VERSIONS = ("SELECT c.number, v.version, v.kind, v.effective_on FROM contract_versions v "
            "JOIN contracts c ON c.id = v.contract_id")
CONTRACTS = ("SELECT number, status, version, term_months, end_date, next_due_on, last_uplift_on, "
             "renewal_quote_id IS NOT NULL FROM contracts")


def _state(factory: sessionmaker[Session]) -> dict[str, dict[str, list[tuple[object, ...]]]]:
    return {name: _per_contract(factory, sql) for name, sql in (
        ("terms", TERMS), ("renewal quotes", RENEWAL_QUOTES), ("segments", SEGMENTS), ("versions", VERSIONS),
        ("contracts", CONTRACTS))}


def _count(factory: sessionmaker[Session], sql: str) -> dict[str, int]:
    with factory() as session:
        return {number: int(n) for number, n in session.execute(text(sql))}


def test_four_runs_at_once_share_the_contracts_without_doing_any_twice(
    session_factory: sessionmaker[Session], pg_url: str, tmp_path: Path
) -> None:
    kinds = _contracts(session_factory, pg_url, tmp_path, copies=9)  # 40 contracts, 10 of each kind
    assert len(kinds) == 40
    start_together = threading.Barrier(4)
    reports: list[RunReport] = []
    failures: list[BaseException] = []

    def run() -> None:
        engine = make_engine(pg_url)
        try:
            start_together.wait(PATIENCE)
            reports.append(run_renewals(make_session_factory(engine), caller=OPERATOR, as_of=AS_OF, today=AS_OF, workers=2,
                                        threshold=THRESHOLD))
        except BaseException as error:  # noqa: BLE001 - asserted below, on the test's thread
            failures.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)

    assert failures == [] and len(reports) == 4
    assert [error for report in reports for error in report.errors] == []
    of = {kind: [n for n, k in kinds.items() if k == kind] for kind in {t.name for t in TEMPLATES}}
    terms = _count(session_factory, "SELECT c.number, count(t.id) FROM contracts c "
                                    "LEFT JOIN contract_terms t ON t.contract_id = c.id GROUP BY c.number")
    renewal_quotes = _count(session_factory, "SELECT c.number, count(q.id) FROM contracts c LEFT JOIN quotes q "
                                             "ON q.contract_id = c.id AND q.type = 'renewal' GROUP BY c.number")
    uplifts = _per_contract(session_factory, "SELECT c.number, v.effective_on FROM contracts c JOIN contract_versions v"
                                             " ON v.contract_id = c.id WHERE v.kind = 'uplift'")
    status = {n: rows[0][0] for n, rows in _per_contract(session_factory, "SELECT number, status FROM contracts").items()}
    for number in of["auto"]:
        assert (terms[number], renewal_quotes[number], status[number]) == (2, 1, "active"), number
    for number in of["manual"]:
        assert (terms[number], renewal_quotes[number], status[number]) == (1, 1, "expired"), number
    for number in of["evergreen"]:
        assert uplifts[number] == [(date(2027, 1, 15),), (date(2028, 1, 15),)], number
    for number in of["evergreen-31"]:
        assert uplifts[number] == [(date(2027, 1, 31),), (date(2028, 1, 31),)], number
    assert sum(r.contracts_processed for r in reports) == 40
    assert sum(r.renewal_quotes_created for r in reports) == 20
    assert sum(r.contracts_renewed for r in reports) == 10
    assert sum(r.contracts_expired for r in reports) == 10
    assert sum(r.evergreen_uplifts for r in reports) == 40
    assert sum(r.cancellations_effective for r in reports) == 0


@pytest.fixture
def twin_url(pg_url: str, engine: Engine) -> Iterator[str]:
    """The name of a second database, to be made a copy of the test database; dropped afterwards."""
    name = f"{pg_url.rsplit('/', 1)[1]}_twin_{uuid.uuid4().hex[:6]}"
    yield f"{pg_url.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(_admin(pg_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(url: str) -> str:
    return libpq(url).rsplit("/", 1)[0] + "/postgres"


def _done(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(text("SELECT count(*) FROM contracts WHERE status <> 'active' "
                                       "OR next_due_on IS NULL OR next_due_on > :d"), {"d": AS_OF}) or 0)


def _cli(url: str, output: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "renewals", "run", "--as-of", AS_OF.isoformat(), "--workers", "2"],
        cwd=ROOT, env={**os.environ, "CPQ_DATABASE_URL": url}, stdout=output, stderr=subprocess.STDOUT)


def test_a_run_killed_mid_way_then_run_again_ends_as_one_uninterrupted_run(
    session_factory: sessionmaker[Session], engine: Engine, pg_url: str, twin_url: str, tmp_path: Path
) -> None:
    kinds = _contracts(session_factory, pg_url, tmp_path, copies=149)  # 600: more than both first batches
    engine.dispose()  # CREATE DATABASE … TEMPLATE needs the template database to have no connections
    with psycopg.connect(_admin(pg_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{twin_url.rsplit("/", 1)[1]}" TEMPLATE "{pg_url.rsplit("/", 1)[1]}"')

    killed = _cli(pg_url, subprocess.DEVNULL)
    deadline = time.monotonic() + PATIENCE
    while _done(session_factory) == 0 and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert killed.poll() is None, "the run ended before a first batch was seen committed: nothing was killed"
    killed.send_signal(signal.SIGKILL)
    killed.wait(PATIENCE)
    done_when_killed = _done(session_factory)
    assert 0 < done_when_killed < len(kinds)

    again = _cli(pg_url, subprocess.PIPE)
    out, _err = again.communicate(timeout=PATIENCE)
    assert again.returncode == 0, out.decode()
    twin_engine = make_engine(twin_url)
    try:
        twin = make_session_factory(twin_engine)
        report = run_renewals(twin, caller=OPERATOR, as_of=AS_OF, today=AS_OF, workers=2, threshold=THRESHOLD)
        assert report.errors == [] and report.contracts_processed == len(kinds)
        expected = _state(twin)
    finally:
        twin_engine.dispose()
    assert _done(session_factory) == len(kinds)
    actual = _state(session_factory)
    for part in expected:
        assert actual[part] == expected[part], part


def test_a_batch_the_database_refuses_is_done_again_contract_by_contract(
    session_factory: sessionmaker[Session], pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure only the database sees (a duplicate quote number, refused during COPY) fails the fast batch
    as a whole; done again contract by contract, only the contract it belongs to is left out and reported."""
    kinds = _contracts(session_factory, pg_url, tmp_path, copies=4)  # 20 contracts, 5 of each kind
    blocked = sorted(number for number, kind in kinds.items() if kind == "auto")[2]
    with session_factory() as session, session.begin():
        columns = [name for (name,) in session.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'quotes' "
            "AND column_name NOT IN ('id', 'number')"))]
        listed = ", ".join(columns)
        session.execute(text(f"INSERT INTO quotes (id, number, {listed}) SELECT gen_random_uuid(), :number, {listed} "
                             "FROM quotes WHERE type = 'new' LIMIT 1"), {"number": f"{blocked}-R2"})
    with caplog.at_level(logging.INFO, logger="cpq.renewals"):
        report = run_renewals(session_factory, caller=OPERATOR, as_of=AS_OF, today=AS_OF, workers=1,
                              threshold=THRESHOLD)

    assert any("failed as a whole" in record.message for record in caplog.records)  # the fast path was refused
    assert [(error.code, error.detail.split(":")[0]) for error in report.errors] == [
        ("internal_error", f"contract {blocked}")]
    assert report.contracts_processed == len(kinds)
    terms = _count(session_factory, "SELECT c.number, count(t.id) FROM contracts c "
                                    "LEFT JOIN contract_terms t ON t.contract_id = c.id GROUP BY c.number")
    renewed = {number for number, kind in kinds.items() if kind == "auto" and number != blocked}
    assert {number: terms[number] for number in renewed} == dict.fromkeys(renewed, 2)
    assert terms[blocked] == 1
    with session_factory() as session:
        stored = session.execute(text("SELECT e.code FROM renewal_run_errors e JOIN contracts c "
                                      "ON c.id = e.contract_id WHERE c.number = :n"), {"n": blocked}).scalars().all()
        assert stored == ["internal_error"]
        assert session.execute(text("SELECT status, next_due_on <= :d FROM contracts WHERE number = :n"),
                               {"n": blocked, "d": AS_OF}).one() == ("active", True)  # still due: the next run retries
