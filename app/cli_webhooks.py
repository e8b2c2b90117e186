"""`cpq webhooks deliver`: the worker that sends events to webhook endpoints; `cpq serve` runs one beside it."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from typing import Annotated, Any

import typer

webhooks_app = typer.Typer(help="webhook delivery", no_args_is_help=True)


@webhooks_app.command("deliver")
def deliver(
    once: Annotated[bool, typer.Option("--once", help="deliver what is due now, then exit")] = False,
    poll: Annotated[float, typer.Option(min=0.05, help="seconds between looks when nothing is due")] = 1.0,
) -> None:
    """Send each committed event to the endpoints that want it, retrying failures for 24 h; run as many as you
    like, on as many hosts (PostgreSQL shares the work among them). Stops cleanly on SIGTERM or Ctrl-C."""
    from app.config import get_settings
    from app.db.base import utc_now
    from app.db.session import make_engine, make_session_factory
    from app.services.webhook_delivery import WorkerSettings, deliver_until_idle, run_worker

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    worker = WorkerSettings.from_settings(settings)
    if once:
        report = deliver_until_idle(factory, worker, clock=utc_now)
        typer.echo(f"{report.delivered} delivered, {report.retrying} to retry, {report.failed} failed")
        return
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    typer.echo("delivering webhooks (Ctrl-C stops)", err=True)
    run_worker(factory, worker, clock=utc_now, stop=stop, poll_seconds=poll)


def start_worker() -> subprocess.Popen[Any]:
    """The worker in a process of its own, so that its sending never competes with the API for the GIL."""
    return subprocess.Popen([sys.executable, "-m", "app.cli", "webhooks", "deliver"])


def stop_worker(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
