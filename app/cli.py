"""The `cpq` command: parse arguments, call one service, print. Settings come from CPQ_* like the server's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from app import __version__
from app.cli_metrics import metrics_app
from app.cli_webhooks import webhooks_app
from app.config import get_settings

app = typer.Typer(help="cpq: configure-price-quote and contracts", no_args_is_help=True,
                  pretty_exceptions_enable=False)
keys_app = typer.Typer(help="API keys", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
renewals_app = typer.Typer(help="renewal runs", no_args_is_help=True)
app.add_typer(renewals_app, name="renewals")
app.add_typer(metrics_app, name="metrics")
app.add_typer(webhooks_app, name="webhooks")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"cpq {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="print the version and exit")] = False,
) -> None:
    """cpq: configure-price-quote and contracts"""


class LogLevel(str, Enum):
    """uvicorn's levels, spelled out so a typo is refused by the option instead of by uvicorn's traceback."""

    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"
    trace = "trace"


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on (default: CPQ_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default: CPQ_PORT, 8000)")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
    webhooks: Annotated[bool | None, typer.Option(
        "--webhooks/--no-webhooks", help="run a webhook worker beside the API (default: CPQ_WEBHOOKS_WORKER, on)")] = None,
    log_level: Annotated[LogLevel, typer.Option(help="uvicorn's log level")] = LogLevel.info,
    proxy_headers: Annotated[bool, typer.Option(
        "--proxy-headers/--no-proxy-headers",
        help="take the client address and scheme from X-Forwarded-For/-Proto of --forwarded-allow-ips")] = False,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        help="comma-separated proxies trusted with --proxy-headers (uvicorn's default: 127.0.0.1)")] = None,
    root_path: Annotated[str, typer.Option(help="the path prefix a proxy mounts the API under, e.g. /cpq")] = "",
) -> None:
    """Serve the REST API with uvicorn, and a webhook worker in a process of its own unless disabled. Refuses to
    start on a database that is unreachable or behind the latest migration, rather than failing every request."""
    import signal
    import sys

    import uvicorn

    from app.cli_errors import not_migrated
    from app.cli_webhooks import start_worker, stop_worker
    from app.db.migrate import schema_revisions

    settings = get_settings()
    current, heads = schema_revisions(settings.database_url)
    if set(current) != set(heads):
        detail = f" to the latest schema (at {', '.join(current)}, latest {', '.join(heads)})" if current else ""
        typer.echo(f"error: {not_migrated(settings.database_url, detail)}", err=True)
        raise SystemExit(2)
    worker = start_worker() if (settings.webhooks_worker if webhooks is None else webhooks) else None
    # uvicorn handles SIGTERM, shuts down, then raises the signal again for the handler it found: make that an
    # exit, so the worker is stopped below instead of being left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run("app.main:create_app", factory=True, host=host or settings.host,
                    port=settings.port if port is None else port,
                    workers=workers, log_level=log_level.value, proxy_headers=proxy_headers,
                    forwarded_allow_ips=forwarded_allow_ips, root_path=root_path)
    finally:
        if worker is not None:
            stop_worker(worker)


@app.command()
def migrate() -> None:
    """Apply every Alembic migration to the configured database."""
    from app.db.migrate import upgrade

    upgrade(get_settings().database_url)
    typer.echo("database is at the latest schema")


@keys_app.command("create")
def create_key(
    role: Annotated[str, typer.Option(help="admin, sales, approver, finance, scheduler or portal")],
    account: Annotated[str | None, typer.Option(help="the account a portal key is bound to")] = None,
    name: Annotated[str | None, typer.Option(help="a label for the key")] = None,
) -> None:
    """Create an API key; the key is printed alone on the last line and cannot be shown again."""
    from app.services.auth import OPERATOR
    from app.services.auth import create_key as create

    account_id = _uuid(account) if account else None
    with _session() as session:
        key, token = create(session, caller=OPERATOR, role=role, account_id=account_id, name=name)
    typer.echo(f"created {key.role} key {key.prefix}… (id {key.id})", err=True)
    typer.echo(token)


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(metavar="ID", help="the id of the key")]) -> None:
    """Revoke an API key; every worker refuses it from its next request."""
    from app.db.base import utc_now
    from app.services.auth import OPERATOR
    from app.services.auth import revoke_key as revoke

    with _session() as session:
        key = revoke(session, caller=OPERATOR, key_id=_uuid(key_id), now=utc_now())
    typer.echo(f"revoked {key.role} key {key.prefix}… (id {key.id})")


@keys_app.command("list")
def list_keys() -> None:
    """Every API key, revoked ones included, as a table; secrets are never stored, so never shown."""
    from rich.console import Console
    from rich.table import Table

    from app.services.auth import list_keys as page_of_keys

    table = Table(title="API keys (times in UTC)")
    for column in ("id", "prefix", "role", "account", "name", "created", "revoked"):
        table.add_column(column, no_wrap=column in ("id", "prefix"))
    cursor: str | None = None
    with _session() as session:
        while True:
            page = page_of_keys(session, limit=200, cursor=cursor)
            for key in page.data:
                table.add_row(str(key.id), f"{key.prefix}…", key.role, str(key.account_id or ""), key.name or "",
                              _moment(key.created_at), _moment(key.revoked_at))
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    Console().print(table)


@app.command()
def demo(
    today: Annotated[str | None, typer.Option(help="the date the demo quotes are accepted on (YYYY-MM-DD)")] = None,
    history: Annotated[bool, typer.Option(
        "--history", help="then play a scripted year (2026-07 → 2027-04) of sales, amendments, renewals and a churn")
    ] = False,
) -> None:
    """Load the demo catalog, accounts and contracts into an empty database (and, with --history, their year)."""
    from app.api.quotes.schemas import quote_json
    from app.db.session import make_engine, make_session_factory
    from app.services.demo import load_demo
    from app.services.demo_history import play_history

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        loaded = load_demo(session, settings=settings, today=_date(today) if today else date.today(),
                           quote_json=quote_json)
    if not loaded:
        typer.echo("the database already has data; demo not loaded")
    elif history:
        summary = play_history(factory, settings=settings, quote_json=quote_json)
        typer.echo(f"demo data loaded, then its history: {summary}")
    else:
        typer.echo("demo data loaded")


@app.command("invoice-lines")
def invoice_lines(
    start: Annotated[str, typer.Option("--from", help="first invoice date included (YYYY-MM-DD)")],
    end: Annotated[str, typer.Option("--to", help="first invoice date excluded (YYYY-MM-DD)")],
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV instead of JSON lines")] = False,
    contract: Annotated[str | None, typer.Option(help="only this contract")] = None,
    account: Annotated[str | None, typer.Option(help="only this account")] = None,
    updated_after: Annotated[str | None, typer.Option(
        "--updated-after", help="only lines recorded after this instant (RFC 3339, as a line's updated_at)")] = None,
) -> None:
    """Print the invoice lines dated in [from, to): one JSON object per line, or CSV with a header."""
    import csv
    import json
    import sys

    from app.services.billing import CSV_COLUMNS, csv_row, stream_csv_rows, stream_invoice_lines

    contract_id, account_id = _uuid(contract) if contract else None, _uuid(account) if account else None
    after = _instant(updated_after) if updated_after else None
    with _session() as session:
        if as_csv:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            writer.writerows(stream_csv_rows(session, start=_date(start), end=_date(end), contract_id=contract_id,
                                             account_id=account_id, updated_after=after))
            return
        for line in stream_invoice_lines(session, start=_date(start), end=_date(end), contract_id=contract_id,
                                         account_id=account_id, updated_after=after):
            typer.echo(json.dumps(dict(zip(CSV_COLUMNS, csv_row(line), strict=True))))


@renewals_app.command("run")
def run_renewals(
    as_of: Annotated[str, typer.Option("--as-of", help="run as of this date (YYYY-MM-DD), e.g. $(date +%F)")],
    workers: Annotated[int, typer.Option(min=1, max=64, help="parallel workers (PostgreSQL; SQLite uses one)")] = 1,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report what would happen; write nothing")] = False,
) -> None:
    """Renewal quotes, renewals, expiries, evergreen uplifts and cancellations due as of the date."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from app.db.session import make_engine, make_session_factory
    from app.services.auth import OPERATOR
    from app.services.renewal_runs import COUNTERS, due_count, run_renewals, tune_collector

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    day = _date(as_of)
    tune_collector()  # this process runs renewals and nothing else (one worker runs in it)
    console = Console(stderr=True)
    if workers > 1 and factory.kw["bind"].dialect.name != "postgresql":
        console.print("SQLite serializes writers: running with one worker")
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("renewals", total=due_count(factory, day))
        report = run_renewals(factory, caller=OPERATOR, as_of=day, today=date.today(), workers=workers,
                              dry_run=dry_run,
                              threshold=settings.approval_threshold_percent,
                              progress=lambda n: progress.advance(task, n))
    table = Table(title=f"Renewal run as of {day.isoformat()}" + (" (dry run: nothing written)" if dry_run else ""))
    table.add_column("what")
    table.add_column("contracts", justify="right")
    table.add_row("processed", str(report.contracts_processed))
    for name in COUNTERS.values():
        table.add_row(name.replace("_", " "), str(getattr(report, name)))
    table.add_row("quotes expired", str(report.quotes_expired))
    table.add_row("errors", str(len(report.errors)))
    Console().print(table)
    for error in report.errors:
        console.print(f"{error.contract_id} {error.code}: {error.detail}")
    if not dry_run:
        typer.echo(f"run {report.id}")
    if report.errors:
        raise SystemExit(1)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _instant(value: str) -> datetime:
    """An RFC 3339 instant; one without an offset is refused, as the API refuses it (which zone would it be?)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise typer.BadParameter(f"{value!r} is not an RFC 3339 instant with an offset (2026-12-04T09:30:00Z)")
    return moment


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an id") from None


def _moment(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


@contextmanager
def _session() -> Iterator[Session]:
    """A session on an engine of its own, disposed afterwards: its pooled connection is closed now, not left for
    the garbage collector to find open."""
    from app.db.session import make_engine, make_session_factory

    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def main() -> None:
    """The console script: business errors, settings the environment gives wrongly (CPQ_SELLER_LOGO,
    CPQ_TRUSTED_PROXIES…) and a database not migrated or unreachable end with their message and exit code 2,
    not a traceback."""
    from pydantic import ValidationError
    from sqlalchemy.exc import DBAPIError

    from app.domain.errors import DomainError

    try:
        app()
    except DomainError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise SystemExit(2) from None
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "settings"
            typer.echo(f"error: {where}: {problem['msg']}", err=True)
        raise SystemExit(2) from None
    except DBAPIError as error:  # OperationalError, ProgrammingError: classified, anything else stays a bug
        from app.cli_errors import database_problem

        message = database_problem(error, get_settings().database_url)
        if message is None:
            raise
        typer.echo(f"error: {message}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
