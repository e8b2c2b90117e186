"""Webhook delivery throughput to a local receiver, and the API's p50 while deliveries run (PostgreSQL).

Data: a freshly migrated PostgreSQL database with CONTRACTS contracts bulk-loaded as in `bench_invoice_lines`,
one endpoint registered through the service (every event type), then EVENTS_PER_CONTRACT events per contract
inserted in one statement. Three processes besides this one: the example receiver
(`examples/webhook_receiver.py --quiet`, which verifies every signature with the Standard Webhooks library),
one `cpq webhooks deliver` worker, and the API under uvicorn with one worker.

Measured, for a worker sending 1 and then 8 deliveries at once (every delivery made due again in between):
deliveries per second, from the first delivery's `delivered_at` to the last's (the worker's start-up excluded),
and `GET /v1/contracts/{id}` p50 while it delivers, beside the same p50 with no worker (the floor) and the ratio.
The check: every delivery delivered, each verified by the receiver.

    python -m bench.bench_webhooks                    # 1 000 contracts × 5 events
    python -m bench.bench_webhooks --contracts 200    # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time

import psycopg

from bench.bench_invoice_lines import bulk_load, make_specs, seed_reference_data
from bench.common import (
    ROOT,
    Result,
    UvicornServer,
    admin_token,
    free_port,
    header,
    libpq_url,
    migrate,
    percentile,
    postgres_database,
    postgres_skipped,
    run_load,
    session_for,
)

DEFAULT_CONTRACTS = 1_000
#: Deliveries one worker sends at once (CPQ_WEBHOOK_CONCURRENCY; the default is 8): a receiver on this machine,
#: in Python, answers fastest one at a time; one across a network is waited on, and sending several pays.
EVENTS_PER_CONTRACT = 5
CONCURRENCY = (1, 8)
LOAD_S = 4.0
TIMEOUT_S = 600


def run(contracts: int = DEFAULT_CONTRACTS) -> list[Result]:
    events = contracts * EVENTS_PER_CONTRACT
    header(f"bench_webhooks: {events:,} events of {contracts:,} contracts to a local receiver, on PostgreSQL")
    skipped = postgres_skipped("webhooks", "webhook deliveries postgresql")
    if skipped is not None:
        return skipped
    with postgres_database("webhooks") as url:
        migrate(url)
        bulk_load(url, make_specs(contracts, seed_reference_data(url)))
        port = free_port()
        secret = _register(url, f"http://127.0.0.1:{port}/cpq-events")
        with psycopg.connect(libpq_url(url), autocommit=True) as connection:
            connection.execute(
                "INSERT INTO events (id, type, contract_id, contract_version, payload, created_at) "
                "SELECT gen_random_uuid(), 'contract.amended', c.id, v, json_build_object('n', v), now() "
                "FROM contracts c, generate_series(1, %s) v ORDER BY v, c.id", (EVENTS_PER_CONTRACT,))
            contract_id = connection.execute("SELECT id FROM contracts LIMIT 1").fetchone()[0]  # type: ignore[index]
            env = {"CPQ_DATABASE_URL": url, "CPQ_WEBHOOK_ALLOW_PRIVATE_URLS": "true", "CPQ_PDF_WORKERS": "0"}
            receiver = subprocess.Popen([sys.executable, "examples/webhook_receiver.py", "--port", str(port),
                                         "--secret", secret, "--quiet"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
            try:
                with UvicornServer("app.main:create_app", env=env) as api:
                    get = (api.port, f"/v1/contracts/{contract_id}")
                    headers = {"Authorization": f"Bearer {admin_token(url)}"}
                    idle = run_load(*get, headers=headers, concurrency=4, warmup_s=1, duration_s=LOAD_S)
                    runs = []
                    for concurrency in CONCURRENCY:
                        _make_due_again(connection)
                        worker = subprocess.Popen(
                            [sys.executable, "-m", "app.cli", "webhooks", "deliver", "--poll", "0.2"], cwd=ROOT,
                            env={**os.environ, **env, "CPQ_WEBHOOK_CONCURRENCY": str(concurrency)},
                            stderr=subprocess.DEVNULL)
                        try:
                            busy = run_load(*get, headers=headers, concurrency=4, warmup_s=1, duration_s=LOAD_S)
                            runs.append((concurrency, busy, *_wait_delivered(connection, events)))
                        finally:
                            worker.terminate()
                            worker.wait(timeout=30)
            finally:
                receiver.send_signal(signal.SIGINT)  # it prints its counts as it stops
                counts = json.loads(receiver.communicate(timeout=30)[0].strip().splitlines()[-1])
    idle_p50 = percentile(idle.latencies_s, 50) * 1000
    print(f"   GET /v1/contracts/{{id}} p50 with no worker: {idle_p50:.2f} ms ({idle.rps:,.0f} requests/s)")
    print(f"   the receiver verified {counts['received']:,} requests ({counts['applied']:,} distinct event ids, "
          f"{counts['rejected']} refused) for {len(runs)} × {events:,} deliveries")
    results = []
    for concurrency, busy, delivered, seconds in runs:
        rate = delivered / seconds if seconds else 0.0
        busy_p50 = percentile(busy.latencies_s, 50) * 1000
        print(f"   {concurrency} at once: {delivered:,} of {events:,} delivered in {seconds:.1f} s, {rate:,.0f}/s; "
              f"GET p50 meanwhile {busy_p50:.2f} ms ({busy.rps:,.0f} requests/s, {busy.errors} errors)")
        results += [
            Result("webhooks", f"deliveries/s, {concurrency} at once", f"{rate:,.0f}/s", "reported",
                   f"{delivered:,}/{events:,} delivered"),
            Result("webhooks", f"GET contract p50 meanwhile ({concurrency})", f"{busy_p50:.2f} ms", "reported",
                   f"{busy_p50 / idle_p50:.2f}× without ({idle_p50:.2f} ms)" if idle_p50 else ""),
        ]
    return results


def _make_due_again(connection: psycopg.Connection[tuple[object, ...]]) -> None:
    """Every delivery pending and due, as a replay of all would make them: the next worker starts from zero."""
    connection.execute("UPDATE webhook_deliveries SET status = 'pending', attempts = 0, delivered_at = NULL, "
                       "next_attempt_at = now() - interval '1 second', deadline_at = now() + interval '1 day'")


def _register(url: str, receiver_url: str) -> str:
    from app.services.auth import OPERATOR
    from app.services.webhooks import create_endpoint

    engine, factory = session_for(url)
    try:
        with factory() as session:
            return create_endpoint(session, caller=OPERATOR, url=receiver_url, event_types=["*"], description="bench",
                                   allow_private=True).secret
    finally:
        engine.dispose()


def _wait_delivered(connection: psycopg.Connection[tuple[object, ...]], events: int) -> tuple[int, float]:
    """(deliveries delivered, seconds from the first to the last) once all are, or at TIMEOUT_S."""
    deadline = time.monotonic() + TIMEOUT_S
    query = ("SELECT count(*), extract(epoch FROM max(delivered_at) - min(delivered_at)) FROM webhook_deliveries "
             "WHERE status = 'delivered'")
    while True:
        count, seconds = connection.execute(query).fetchone()  # type: ignore[misc]
        if count >= events or time.monotonic() > deadline:
            return int(count), float(seconds or 0)
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=DEFAULT_CONTRACTS)
    from bench.common import print_table

    print_table(run(parser.parse_args(argv).contracts))


if __name__ == "__main__":
    main()
