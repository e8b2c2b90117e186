"""The `cpq` command as an operator runs it: migrate, load the demo, create a key that the API accepts."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def _cpq(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_migrate_demo_and_a_new_key_give_a_working_service(tmp_path: Path) -> None:
    env = {"CPQ_DATABASE_URL": f"sqlite:///{tmp_path / 'cpq.db'}", "CPQ_DOCUMENTS_DIR": str(tmp_path / "docs"),
           "CPQ_PDF_WORKERS": "0"}
    assert _cpq("migrate", env=env).returncode == 0
    demo = _cpq("demo", "--today", "2026-01-10", env=env)
    assert demo.returncode == 0 and "demo data loaded" in demo.stdout
    assert "not loaded" in _cpq("demo", env=env).stdout  # a database with data is left alone
    created = _cpq("keys", "create", "--role", "finance", env=env)
    key = created.stdout.strip().splitlines()[-1]
    assert created.returncode == 0 and key.startswith("cpq_")
    assert _cpq("keys", "create", "--role", "portal", env=env).returncode != 0  # a portal key needs an account
    settings = Settings(database_url=env["CPQ_DATABASE_URL"], documents_dir=tmp_path / "docs", pdf_workers=0)
    with TestClient(create_app(settings)) as client:
        contracts = client.get("/v1/contracts?as_of=2026-06-01", headers={"Authorization": f"Bearer {key}"}).json()
    # EUR 20 × 21.00 twice; PLN 10 × 52 + graduated contacts (1000 × 0.20 + 4000 × 0.12); USD 15 × 44 + 15 × 9 × 0.9
    assert sorted(c["mrr"] for c in contracts["data"]) == ["1200.00", "420.00", "420.00", "781.50"]


def test_keys_revoke_refuses_the_key_at_once_and_names_an_unknown_id(tmp_path: Path) -> None:
    env = {"CPQ_DATABASE_URL": f"sqlite:///{tmp_path / 'cpq.db'}", "CPQ_DOCUMENTS_DIR": str(tmp_path / "docs"),
           "CPQ_PDF_WORKERS": "0"}
    assert _cpq("migrate", env=env).returncode == 0
    created = _cpq("keys", "create", "--role", "sales", env=env)
    key, key_id = created.stdout.strip().splitlines()[-1], created.stderr.rsplit("(id ", 1)[1].rstrip(")\n")
    settings = Settings(database_url=env["CPQ_DATABASE_URL"], documents_dir=tmp_path / "docs", pdf_workers=0)
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/products", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        revoked = _cpq("keys", "revoke", key_id, env=env)
        assert revoked.returncode == 0 and revoked.stdout.splitlines() == [f"revoked sales key {key[:10]}… (id {key_id})"]
        assert client.get("/v1/products", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    unknown = _cpq("keys", "revoke", "01a234a9-0000-7000-8000-000000000000", env=env)
    assert unknown.returncode == 2 and "does not exist" in unknown.stderr


def test_a_setting_given_wrongly_stops_the_command_with_one_line(tmp_path: Path) -> None:
    env = {"CPQ_DATABASE_URL": f"sqlite:///{tmp_path / 'cpq.db'}", "CPQ_SELLER_LOGO": str(tmp_path / "logo.png")}
    result = _cpq("migrate", env=env)
    assert result.returncode == 2
    reason = f"CPQ_SELLER_LOGO {tmp_path / 'logo.png'}: cannot be read (No such file or directory)"
    assert result.stderr.strip().splitlines() == [f"error: settings: Value error, {reason}"]
    assert not (tmp_path / "cpq.db").exists()


def test_metrics_print_the_demo_s_mrr_and_movements_as_tables_and_csv(tmp_path: Path) -> None:
    """After a renewal run over the demo's first renewals: Théâtre's 5 % uplift (420.00 → 441.00), Riverside's
    3 % on its CRM module (121.50 → 125.15), Filharmonia's expiry (churn); the same figures the API answers."""
    env = {"CPQ_DATABASE_URL": f"sqlite:///{tmp_path / 'cpq.db'}", "CPQ_DOCUMENTS_DIR": str(tmp_path / "docs"),
           "CPQ_PDF_WORKERS": "0"}
    assert _cpq("migrate", env=env).returncode == 0
    assert _cpq("demo", "--today", "2026-01-10", env=env).returncode == 0
    assert _cpq("renewals", "run", "--as-of", "2027-03-01", env=env).returncode == 0
    table = _cpq("metrics", "mrr", "--as-of", "2026-06-01", "--group-by", "family", env=env)
    assert table.returncode == 0 and "MRR as of 2026-06-01" in table.stdout and "ticketing" in table.stdout
    moved = _cpq("metrics", "movements", "--from", "2026-06-01", "--to", "2027-06-01", "--csv", env=env)
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.splitlines() == [
        ("from,to,currency,account_id,account_name,mrr_from,new,reactivation,seat_expansion,upsell,cross_sell,"
        "price_increase,contraction,churn,mrr_to,nrr,grr,arpa,invoiced_to_date,remaining_committed,lifetime_value"),
        "2026-06-01,2027-06-01,EUR,,,840.00,0.00,0.00,0.00,0.00,0.00,21.00,0.00,0.00,861.00,102.50,100.00,430.50,,,",
        "2026-06-01,2027-06-01,PLN,,,1200.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,-1200.00,0.00,0.00,0.00,,,,",
        "2026-06-01,2027-06-01,USD,,,781.50,0.00,0.00,0.00,0.00,0.00,3.65,0.00,0.00,785.15,100.47,100.00,785.15,,,"]
    detail = _cpq("metrics", "movements", "--from", "2026-06-01", "--to", "2027-06-01", "--detail", env=env)
    assert "Théâtre du Rhône" in detail.stdout and "price increase" in detail.stdout
    reversed_window = _cpq("metrics", "movements", "--from", "2027-06-01", "--to", "2026-06-01", env=env)
    assert (reversed_window.returncode, reversed_window.stderr.strip()) == (
        2, "error: from (2027-06-01) must be before to (2026-06-01)")


def test_demo_with_history_plays_the_scripted_year_once(tmp_path: Path) -> None:
    """The year of tests/api/test_demo_history.py; a database with data is left alone, history or not."""
    env = {"CPQ_DATABASE_URL": f"sqlite:///{tmp_path / 'cpq.db'}", "CPQ_DOCUMENTS_DIR": str(tmp_path / "docs"),
           "CPQ_PDF_WORKERS": "0"}
    assert _cpq("migrate", env=env).returncode == 0
    demo = _cpq("demo", "--today", "2026-01-10", "--history", env=env)
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.splitlines() == [
        ("demo data loaded, then its history: 11 steps from 2026-07-15 to 2027-04-06 (3 amendments, 2 sales, "
         "4 renewal runs, 1 cancellation, 1 renewal edit)")]
    again = _cpq("demo", "--history", env=env)
    assert (again.returncode, again.stdout.strip()) == (0, "the database already has data; demo not loaded")
    moved = _cpq("metrics", "movements", "--from", "2026-06-01", "--to", "2027-06-01", "--csv", env=env)
    assert moved.returncode == 0, moved.stderr
    totals = {row["currency"]: row for row in csv.DictReader(io.StringIO(moved.stdout))}
    assert sorted(totals) == ["EUR", "PLN", "USD"]
    assert [totals["EUR"][name] for name in ("mrr_from", "seat_expansion", "upsell", "cross_sell", "price_increase",
                                             "contraction", "mrr_to", "nrr", "grr")] == [
        "840.00", "105.00", "380.00", "83.30", "30.42", "-160.00", "1278.72", "152.23", "80.95"]


def test_cpq_serve_runs_a_webhook_worker_and_cpq_webhooks_deliver_sends_what_is_due(tmp_path: Path) -> None:
    """The README's receiver gets the renewal run's events from the worker `cpq serve` starts; once it is
    stopped, `cpq webhooks deliver --once` sends what came after."""
    import time

    from sqlalchemy import func, select

    from app.db.models import Event
    from app.db.session import make_engine, make_session_factory
    from app.services.auth import OPERATOR
    from app.services.webhooks import create_endpoint
    from examples.webhook_receiver import Receiver

    env = {"CPQ_DATABASE_URL": f"sqlite:///{tmp_path / 'cpq.db'}", "CPQ_DOCUMENTS_DIR": str(tmp_path / "docs"),
           "CPQ_PDF_WORKERS": "0", "CPQ_WEBHOOK_ALLOW_PRIVATE_URLS": "true"}
    assert _cpq("migrate", env=env).returncode == 0
    assert _cpq("demo", "--today", "2026-01-10", env=env).returncode == 0
    engine = make_engine(env["CPQ_DATABASE_URL"])
    factory = make_session_factory(engine)

    def events() -> int:
        with factory() as session:
            return session.scalar(select(func.count()).select_from(Event)) or 0

    demo_events = events()  # made before the endpoint: not sent to it
    receiver = Receiver()
    with factory() as session:
        receiver.trust(create_endpoint(session, caller=OPERATOR, url=receiver.url, event_types=["*"],
                                       description=None, allow_private=True).secret)
    receiver.start()
    assert _cpq("renewals", "run", "--as-of", "2026-12-01", env=env).returncode == 0  # renewal quotes
    port = receiver.server_address[1] + 1
    server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                              env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (len(receiver.applied) == events() - demo_events and _up(port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _up(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    served = len(receiver.applied)
    assert served == events() - demo_events > 0
    assert _cpq("renewals", "run", "--as-of", "2027-02-01", env=env).returncode == 0  # renewals and an expiry
    delivered = _cpq("webhooks", "deliver", "--once", env=env)
    receiver.stop()
    engine.dispose()
    assert delivered.returncode == 0, delivered.stderr
    assert delivered.stdout.startswith(f"{events() - demo_events - served} delivered, 0 to retry, 0 failed")
    assert len(receiver.applied) == len(receiver.requests) == events() - demo_events and receiver.rejected == 0
    assert {e["type"] for _, e in receiver.requests} >= {"renewal_quote.created", "contract.renewed"}


def _up(port: int) -> bool:
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_version_prints_the_package_version() -> None:
    from app import __version__

    result = _cpq("--version", env={})
    assert (result.returncode, result.stdout) == (0, f"cpq {__version__}\n")


def test_keys_list_shows_every_key_without_its_secret(tmp_path: Path) -> None:
    env = {"CPQ_DATABASE_URL": f"sqlite:///{tmp_path / 'cpq.db'}", "COLUMNS": "200"}
    assert _cpq("migrate", env=env).returncode == 0
    first = _cpq("keys", "create", "--role", "sales", "--name", "crm sync", env=env).stdout.strip().splitlines()[-1]
    created = _cpq("keys", "create", "--role", "finance", env=env)
    second_id = created.stderr.rsplit("(id ", 1)[1].rstrip(")\n")
    assert _cpq("keys", "revoke", second_id, env=env).returncode == 0
    listed = _cpq("keys", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    rows = [line for line in listed.stdout.splitlines() if "cpq_" in line]
    assert len(rows) == 2 and f"{first[:10]}…" in rows[0] and "sales" in rows[0] and "crm sync" in rows[0]
    assert second_id in rows[1] and rows[1].rstrip("│ ").endswith(tuple("0123456789"))  # its revocation time
    assert first not in listed.stdout and first[10:20] not in listed.stdout


def test_a_database_not_migrated_is_named_with_the_command_that_fixes_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cpq.db'}"
    env = {"CPQ_DATABASE_URL": url, "CPQ_DOCUMENTS_DIR": str(tmp_path / "docs"), "CPQ_PDF_WORKERS": "0"}
    for command in (("keys", "create", "--role", "admin"), ("demo",), ("keys", "list"), ("serve", "--no-webhooks")):
        result = _cpq(*command, env=env)
        assert (result.returncode, result.stderr) == (
            2, f"error: the database at {url} is not migrated: run `cpq migrate`\n"), command


def test_cpq_serve_refuses_a_database_behind_the_latest_migration(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from app.db.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'cpq.db'}"
    script = ScriptDirectory.from_config(alembic_config(url))
    first = script.get_base()
    assert first is not None
    upgrade(url, first)
    result = _cpq("serve", "--no-webhooks", env={"CPQ_DATABASE_URL": url})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (f"error: the database at {url} is not migrated to the latest schema (at {first}, "
                             f"latest {script.get_current_head()}): run `cpq migrate`\n")


def test_an_unreachable_postgresql_is_named_without_its_password() -> None:
    env = {"CPQ_DATABASE_URL": "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/none"}
    for command in (("keys", "create", "--role", "admin"), ("migrate",), ("serve", "--no-webhooks")):
        result = _cpq(*command, env=env)
        assert result.returncode == 2, command
        assert result.stderr.startswith("error: cannot reach the database at postgresql+psycopg://postgres@127.0.0.1:1/none: ")
        assert len(result.stderr.splitlines()) == 1 and "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_a_missing_table_is_told_apart_from_other_failures_on_either_database(database_url: str) -> None:
    """On the suite's database (SQLite, or PostgreSQL's UndefinedTable under scripts/with_postgres.py)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from app.cli_errors import database_problem
    from app.db.session import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            with pytest.raises(DBAPIError) as missing:
                connection.execute(text("SELECT 1 FROM no_such_table_here"))
            connection.rollback()
            with pytest.raises(DBAPIError) as syntax:
                connection.execute(text("SELEC 1"))
    finally:
        engine.dispose()
    assert database_problem(missing.value, database_url) == (
        f"the database at {_shown(database_url)} is not migrated: run `cpq migrate`")
    assert database_problem(syntax.value, database_url) is None  # a bug, left to its traceback


def _shown(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url)._replace(password=None).render_as_string(hide_password=False)


def test_cpq_serve_listens_on_cpq_host_and_cpq_port_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """The options' defaults come from the settings, read when the command runs, and reach uvicorn with the
    proxy and logging options."""
    import signal

    from typer.testing import CliRunner

    import app.cli
    import app.db.migrate

    calls: list[dict[str, object]] = []
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cpq.db'}", host="0.0.0.0", port=8123)
    monkeypatch.setattr(app.cli, "get_settings", lambda: settings)
    monkeypatch.setattr(app.db.migrate, "schema_revisions", lambda _url: (("head",), ("head",)))
    monkeypatch.setattr(signal, "signal", lambda *_: None)
    monkeypatch.setattr("uvicorn.run", lambda *_, **kwargs: calls.append(kwargs))
    runner = CliRunner()
    assert runner.invoke(app.cli.app, ["serve", "--no-webhooks"]).exit_code == 0
    assert runner.invoke(app.cli.app, [
        "serve", "--no-webhooks", "--port", "9000", "--host", "127.0.0.1", "--log-level", "warning",
        "--proxy-headers", "--forwarded-allow-ips", "10.0.0.1", "--root-path", "/cpq"]).exit_code == 0
    assert [(c["host"], c["port"], c["log_level"], c["proxy_headers"], c["forwarded_allow_ips"], c["root_path"])
            for c in calls] == [("0.0.0.0", 8123, "info", False, None, ""),
                                ("127.0.0.1", 9000, "warning", True, "10.0.0.1", "/cpq")]
    assert runner.invoke(app.cli.app, ["serve", "--log-level", "loud"]).exit_code == 2
