"""The renewal run over many due contracts on PostgreSQL: contracts/s, peak memory, and a COPY floor.

Data: two contracts signed through the services (3 segments each, 12 months from 2026-01-15, auto-renew at
the same price and with a 5 % uplift), copied row for row with COPY (tests/db/copies.py) to N contracts.
Timed: `run_renewals(workers=2)` as of the term end, 2027-01-15, so each contract gets a renewal quote and
is renewed. Floor: the rows that run wrote (renewal quotes, their lines, segments, terms, versions, events,
audit), written again with one COPY per table into empty copies of the tables, indexes included. A smaller
identical pair of databases compares workers=1 with workers=2: near 2× means nothing serializes the workers.

`python -m bench.bench_renewal_run --contracts 10000` (default 10 000 and 100 000, or CPQ_BENCH_RENEWALS).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
from datetime import date
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path

from bench.common import (
    Result,
    header,
    libpq_url,
    migrate,
    postgres_database,
    postgres_skipped,
    print_table,
    proc_status_kb,
)

AS_OF = date(2027, 1, 15)
SIZES = tuple(int(n) for n in os.environ.get("CPQ_BENCH_RENEWALS", "10000,100000").split(","))
#: Contracts for the workers=1 against workers=2 comparison (bounded: one worker is the slow case).
COMPARE = int(os.environ.get("CPQ_BENCH_RENEWALS_COMPARE", "2000"))
TARGET = 1000.0  # contracts per second
#: What the run writes, per table: the rows to count and to copy again for the floor.
WRITTEN = {
    "quotes": "type = 'renewal'",
    "quote_lines": "quote_id IN (SELECT id FROM quotes WHERE type = 'renewal')",
    "subscription_segments": "origin = 'renewal'",
    "contract_terms": "number > 1",
    "contract_versions": "kind = 'renewal'",
    "events": "type <> 'contract.created'",
    "audit_entries": "created_at > (SELECT min(started_at) FROM renewal_runs)",
}


def _load(url: str, contracts: int, documents: Path) -> None:
    from app.domain.pricing import LineRequest
    from app.domain.terms import RenewalSettings
    from bench.common import session_for
    from tests.db.copies import Template, copy_contracts, sign_templates

    lines = (LineRequest("TIX-PRO", 20), LineRequest("MKT-SMS", 2), LineRequest("CRM-MOD", 10))
    templates = [Template("same", 12, RenewalSettings(auto_renew=True, pricing="same"), lines),
                 Template("uplift", 12, RenewalSettings(auto_renew=True, pricing="uplift",
                                                        uplift_percent=Decimal(5)), lines)]
    migrate(url)
    engine, factory = session_for(url)
    try:
        with factory() as session:
            ids = sign_templates(session, documents, templates)
    finally:
        engine.dispose()
    copy_contracts(url, ids, contracts // len(templates) - 1)


def _run(url: str, workers: int) -> tuple[float, int, int]:
    """Seconds, contracts processed, errors."""
    from app.services.auth import OPERATOR
    from app.services.renewal_runs import run_renewals
    from bench.common import session_for

    engine, factory = session_for(url)
    try:
        began = time.perf_counter()
        report = run_renewals(factory, caller=OPERATOR, as_of=AS_OF, today=AS_OF, workers=workers,
                              threshold=Decimal(20))
        return time.perf_counter() - began, report.contracts_processed, len(report.errors)
    finally:
        engine.dispose()


def _floor(url: str) -> tuple[float, dict[str, int]]:
    """Seconds to COPY the rows the run wrote into empty, indexed twins of their tables; rows per table."""
    import psycopg

    counts: dict[str, int] = {}
    seconds = 0.0
    with psycopg.connect(libpq_url(url)) as connection, connection.cursor() as cursor:
        for table, where in WRITTEN.items():
            data = bytearray()
            with cursor.copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT") as out:
                for block in out:
                    data += block
            counts[table] = data.count(b"\n")
            cursor.execute(f"CREATE TEMP TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
            began = time.perf_counter()
            with cursor.copy(f"COPY floor_{table} FROM STDIN") as copy:
                copy.write(bytes(data))
            connection.commit()
            seconds += time.perf_counter() - began
    return seconds, counts


def _clone(url: str, twin: str) -> None:
    import psycopg

    from bench.common import PG_ADMIN_URL

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{twin.rsplit("/", 1)[1]}" TEMPLATE "{url.rsplit("/", 1)[1]}"')


def _measured(url: str, workers: int, answer: Connection) -> None:
    """`_run` in a process of its own, with its peak RSS and its workers' (MB). The process's own peak is its
    memory's high-water mark (VmHWM): Linux carries `ru_maxrss` over a fork and an exec, so under `make bench`
    that figure was the peak of the process that spawned this one (909 MB, the earlier benchmarks')."""
    seconds, processed, errors = _run(url, workers)
    own_kb = proc_status_kb(os.getpid(), "VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    answer.send((seconds, processed, errors, own_kb / 1024,
                 resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))


def _run_apart(url: str, workers: int) -> tuple[float, int, int, float, float]:
    """`_run` in a new process (spawned, as the run's workers are): seconds, contracts, errors, the peak RSS of
    the process that ran it and of its largest worker. Apart, so the peaks are the run's alone and not those of
    whatever this process (or `make bench`'s earlier benchmarks) did before."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(target=_measured, args=(url, workers, sender))
    process.start()
    sender.close()
    try:
        answer: tuple[float, int, int, float, float] | None = receiver.recv()
    except EOFError:
        answer = None
    process.join()
    if answer is None:
        raise RuntimeError(f"the renewal run's process ended (exit code {process.exitcode}) before it answered")
    return answer


def _one_size(contracts: int, tmp: Path) -> list[Result]:
    with postgres_database("renewals") as url:
        began = time.perf_counter()
        _load(url, contracts, tmp)
        print(f"   data: {contracts:,} contracts × 3 segments (2 signed, the rest copied with COPY) in "
              f"{time.perf_counter() - began:.1f} s")
        seconds, processed, errors, own_mb, worker_mb = _run_apart(url, workers=2)
        rate = processed / seconds
        print(f"   run_renewals(workers=2) as of {AS_OF}: {processed:,} contracts in {seconds:.1f} s = "
              f"{rate:,.0f} contracts/s, {errors} errors; peak RSS of the process running it {own_mb:.0f} MB, of "
              f"its largest worker {worker_mb:.0f} MB")
        floor_s, counts = _floor(url)
        rows = sum(counts.values())
        print(f"   floor: COPY of the {rows:,} rows the run wrote (" + ", ".join(f"{t} {n:,}" for t, n in counts.items())
              + f") in {floor_s:.2f} s; the run took {seconds / floor_s:,.0f}× that")
    met = rate >= TARGET
    return [Result("renewal_run", f"run workers=2 {contracts // 1000}k", f"{rate:,.0f} contracts/s",
                   f"≥ {TARGET:,.0f}/s", f"{seconds / floor_s:,.0f}× COPY {floor_s:.2f} s",
                   "met" if met else "MISSED")]


def _compare(contracts: int, tmp: Path) -> list[Result]:
    with postgres_database("renewals1") as url, postgres_database("renewals2") as twin:
        _load(url, contracts, tmp)
        import psycopg

        from bench.common import PG_ADMIN_URL

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:  # the twin is made again as a copy
            admin.execute(f'DROP DATABASE "{twin.rsplit("/", 1)[1]}"')
        _clone(url, twin)
        rates = {}
        for workers, target in ((1, url), (2, twin)):
            seconds, processed, _errors = _run(target, workers)
            rates[workers] = processed / seconds
            print(f"   workers={workers}: {processed:,} contracts in {seconds:.1f} s = {rates[workers]:,.0f} contracts/s")
        print(f"   workers=2 / workers=1 = {rates[2] / rates[1]:.2f} (2.0: the workers never wait for each other)")
    return [Result("renewal_run", f"workers 2 vs 1 ({contracts:,})", f"{rates[2] / rates[1]:.2f}×",
                   "", f"{rates[1]:,.0f} vs {rates[2]:,.0f}/s")]


def run(sizes: tuple[int, ...] = SIZES) -> list[Result]:
    header(f"bench_renewal_run: renewal run over {', '.join(f'{n:,}' for n in sizes)} due contracts on PostgreSQL")
    configured = os.environ.get("CPQ_DATABASE_URL", "")
    if configured and not configured.startswith("postgresql"):
        print("   note: CPQ_DATABASE_URL is not PostgreSQL; this benchmark uses its own PostgreSQL databases")
    skipped = postgres_skipped("renewal_run", "renewal run postgresql")
    if skipped is not None:
        return skipped
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="cpq-bench-renewals-") as tmp:
        results += _compare(min(COMPARE, min(sizes)), Path(tmp))
        for contracts in sizes:
            results += _one_size(contracts, Path(tmp))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contracts", type=int, action="append", help="contracts (repeat for several sizes)")
    args = parser.parse_args(argv)
    print()
    print_table(run(tuple(args.contracts or SIZES)))


if __name__ == "__main__":
    main()
