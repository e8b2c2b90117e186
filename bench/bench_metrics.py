"""MRR and MRR movements over 1 000 000 segments of 100 000 accounts on PostgreSQL: target ≤ 2 s each.

Data: a freshly migrated, uniquely named PostgreSQL database (dropped at the end), bulk-loaded with COPY as in
`bench_invoice_lines` (same contracts, quotes, lines and versions), with one account per contract and, for each
product a contract holds, a chain of five segments, each closed by an amendment 60 days after it opened and
followed by the next with more or fewer seats (recorded as seat expansions and decreases): 100 000 contracts
× 1–3 products × 5 ≈ 1 000 000 segments, so any window holds openings, ends, new accounts and churn.

Timed (p50 of 5, of 2 with detail; in process, through the service the API calls): `GET /v1/metrics/mrr?as_of=`,
`GET /v1/metrics/movements?from=&to=` (totals) and with `detail=true` (per account, reported); beside them, in
the same run on the same rows, the floor: a bare `SELECT sum(mrr_minor) FROM subscription_segments`, and the
ratio. The MRR figure is checked against a recomputation from the generated data.

    python -m bench.bench_metrics                     # 100 000 accounts
    python -m bench.bench_metrics --contracts 5000    # a quick run
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, TypeVar

from bench.bench_invoice_lines import (
    NOW,
    TABLES,
    Spec,
    bulk_load,
    make_specs,
    money,
    new_id,
    seed_reference_data,
)
from bench.common import (
    Result,
    fmt_summary,
    header,
    libpq_url,
    migrate,
    postgres_database,
    postgres_skipped,
    session_for,
    summary_ms,
    verdict,
)

TARGET_S = 2.0
DEFAULT_CONTRACTS = 100_000
CHAIN, STEP_DAYS = 5, 60
AS_OF, FROM, TO = date(2026, 6, 15), date(2026, 1, 1), date(2026, 12, 31)
RUNS = 5
T = TypeVar("T")

ACCOUNT_COLUMNS = "id, created_at, updated_at, name, currency, locale, billing_email"
SEGMENT_COLUMNS = ("id, created_at, updated_at, contract_id, contract_version, quote_line_id, sku, quantity, "
                   "list_unit_price, net_unit_price, start_date, end_date, origin, recorded_on, replaces_id, "
                   "closed_on, closed_by, closure_recorded_on, closed_in_version, opening_change, closing_change, "
                   "mrr_minor")


def account_rows(spec: Spec) -> Iterator[str]:
    yield f"{spec.account_id}\t{NOW}\t{NOW}\tBench account {spec.index}\tEUR\ten\tbilling{spec.index}@example.org"


def _n(value: object) -> str:
    return "\\N" if value is None else str(value)


def chain(spec: Spec, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Per product: five segments, each closed by an amendment (a new contract version) where the next opens."""
    for seg in spec.segments:
        quantity, previous = seg.quantity, None
        opening: str | None = "new_business"
        closing: str | None = None
        for step in range(CHAIN):
            start = spec.start + timedelta(days=STEP_DAYS * step)
            last = step == CHAIN - 1 or (spec.end is not None and start + timedelta(days=STEP_DAYS) >= spec.end)
            closed = None if last else start + timedelta(days=STEP_DAYS)
            after = max(1, quantity + rng.choice((-3, -1, 2, 5)))
            closing = None if last else ("seat_expansion" if after > quantity else "decrease")
            segment_id = seg.segment_id if step == 0 else new_id()
            yield (segment_id, step + 1, seg, quantity, start, previous, closed, opening, closing)
            if last:
                break
            previous, opening, quantity = segment_id, closing, after


def segment_rows_of(rng: random.Random) -> Callable[[Spec], Iterator[str]]:
    def rows(spec: Spec) -> Iterator[str]:
        for segment_id, version, seg, quantity, start, previous, closed, opening, closing in chain(spec, rng):
            origin = "sale" if version == 1 else "amendment"
            recorded = None if version == 1 else start
            yield (f"{segment_id}\t{NOW}\t{NOW}\t{spec.contract_id}\t{version}\t{seg.line_id}\t{seg.sku}\t{quantity}\t"
                   f"{money(seg.list_cents)}\t{money(seg.net_cents)}\t{start}\t{_n(spec.end)}\t{origin}\t"
                   f"{_n(recorded)}\t{_n(previous)}\t{_n(closed)}\t{'amendment' if closed else chr(92) + 'N'}\t"
                   f"{_n(closed)}\t{_n(version + 1 if closed else None)}\t{opening}\t{_n(closing)}\t"
                   f"{seg.net_cents * quantity}")
    return rows


def expected_mrr_cents(specs: list[Spec], day: date, seed: int) -> int:
    """MRR on `day` recomputed from the generated chains (the same random draws), without SQL."""
    rng, total = random.Random(seed), 0
    for spec in specs:
        for _id, _v, seg, quantity, start, _p, closed, _o, _c in chain(spec, rng):
            ends = [d for d in (spec.end, closed) if d is not None]
            if start <= day and (not ends or day < min(ends)):
                total += seg.net_cents * quantity
    return total


def _timed(call: Callable[[], T], runs: int = RUNS) -> tuple[list[float], T]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - began)
    return samples, result


def run(contracts: int = DEFAULT_CONTRACTS) -> list[Result]:
    header(f"bench_metrics: MRR and movements over ≈{contracts * 10:,} segments of {contracts:,} accounts on "
           f"PostgreSQL (target ≤ {TARGET_S:g} s each)")
    skipped = postgres_skipped("metrics", "MRR / movements postgresql")
    if skipped is not None:
        return skipped
    import psycopg

    from app.services.metrics import movements_report, mrr_report

    seed = 20261203
    with postgres_database("metrics") as url:
        began = time.perf_counter()
        migrate(url)
        seed_reference_data(url)
        specs = [replace(spec, account_id=new_id()) for spec in make_specs(contracts, ["-"])]
        tables = (("accounts", ACCOUNT_COLUMNS, account_rows), *TABLES[:-1],
                  ("subscription_segments", SEGMENT_COLUMNS, segment_rows_of(random.Random(seed))))
        counts = bulk_load(url, specs, tables)
        print(f"   data: {counts['accounts']:,} accounts, {counts['contracts']:,} contracts, "
              f"{counts['subscription_segments']:,} segments, loaded in {time.perf_counter() - began:.1f} s")
        expected = expected_mrr_cents(specs, AS_OF, seed)
        del specs
        with psycopg.connect(libpq_url(url)) as connection:
            floor, _ = _timed(lambda: connection.execute("SELECT sum(mrr_minor) FROM subscription_segments")
                              .fetchone())
        engine, factory = session_for(url)
        try:
            with factory() as session:
                mrr_s, report = _timed(lambda: mrr_report(session, as_of=AS_OF))
                moves_s, moves = _timed(lambda: movements_report(session, start=FROM, end=TO))
                detail_s, detailed = _timed(lambda: movements_report(session, start=FROM, end=TO, detail=True), 2)
        finally:
            engine.dispose()
    (eur,) = report.currencies
    (figures,) = moves.currencies
    accounts = len(detailed.accounts or [])
    floor_p50 = summary_ms(floor)["p50"] / 1000
    print(f"   floor, SELECT sum(mrr_minor) over every segment: {fmt_summary(summary_ms(floor))}")
    print(f"   MRR as of {AS_OF}: {fmt_summary(summary_ms(mrr_s))}; {eur.mrr} EUR over {eur.accounts:,} accounts "
          f"(recomputed from the generated data: {money(expected)})")
    print(f"   movements {FROM} → {TO}: {fmt_summary(summary_ms(moves_s))}; " + ", ".join(
        f"{name} {amount}" for name, amount in figures.amounts.items()) + f"; NRR {figures.nrr}, GRR {figures.grr}")
    print(f"   movements with detail=true ({accounts:,} accounts, each with its contract versions): "
          f"{fmt_summary(summary_ms(detail_s))}")
    results = []
    for what, samples in (("MRR as of a day p50", mrr_s), ("movements p50", moves_s)):
        p50 = summary_ms(samples)["p50"] / 1000
        results.append(Result("metrics", what, f"{p50:.2f} s", f"≤ {TARGET_S:g} s",
                              f"{p50 / floor_p50:.1f}× the floor ({floor_p50:.2f} s)", verdict(p50 <= TARGET_S)))
    detail_p50 = summary_ms(detail_s)["p50"] / 1000
    results.append(Result("metrics", "movements detail=true p50", f"{detail_p50:.2f} s", "", "", ""))
    return results


def main(argv: list[str] | None = None) -> None:
    from bench.common import print_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=DEFAULT_CONTRACTS)
    print_table(run(parser.parse_args(argv).contracts))


if __name__ == "__main__":
    main()
