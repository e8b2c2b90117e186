"""Run every benchmark in sequence and print one summary table (`python -m bench.run_all`).

Benchmarks print figures and ratios; nothing here fails on a slow figure. A benchmark that cannot run
(an exception) is reported in the table and the others still run; the exit status is 1 only then.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable

from bench import (
    bench_amendments,
    bench_documents,
    bench_get_throughput,
    bench_invoice_lines,
    bench_large_quote,
    bench_metrics,
    bench_pricing,
    bench_quotes_api,
    bench_renewal_run,
    bench_webhooks,
)
from bench.common import CPU_COUNT, Result, print_table

BENCHMARKS: list[tuple[str, Callable[[], list[Result]]]] = [
    ("pricing", bench_pricing.run),
    ("quotes_api", bench_quotes_api.run),
    ("large_quote", bench_large_quote.run),  # 5 000-line quote, its PDF rendered
    ("get_throughput", bench_get_throughput.run),
    ("amendments", bench_amendments.run),
    ("documents", bench_documents.run),
    ("invoice_lines", bench_invoice_lines.run),  # 100 000 contracts on PostgreSQL: about a minute
    ("metrics", bench_metrics.run),  # 1 000 000 segments on PostgreSQL: a few minutes
    ("webhooks", bench_webhooks.run),  # 2 × 5 000 deliveries to a local receiver: about a minute
    # 10 000 and 100 000 contracts; at the present ~30 contracts/s the larger takes about an hour:
    # CPQ_BENCH_RENEWALS=10000 for a shorter run.
    ("renewal_run", bench_renewal_run.run),
]


def main() -> int:
    started = time.perf_counter()
    load = os.getloadavg()
    print(f"cpq benchmarks: {CPU_COUNT} core(s), load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    results: list[Result] = []
    failed = False
    for name, run in BENCHMARKS:
        began = time.perf_counter()
        try:
            results += run()
        except Exception as error:  # noqa: BLE001 - report and go on with the next benchmark
            failed = True
            traceback.print_exc()
            results.append(Result(name, "could not run", f"{type(error).__name__}", "", str(error)[:60], "ERROR"))
        print(f"   ({name}: {time.perf_counter() - began:.1f} s)")
    load = os.getloadavg()
    print()
    print(f"== summary ({time.perf_counter() - started:.0f} s in all; load average at the end "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}) " + "=" * 20)
    print_table(results)
    print("Figures are printed, never asserted. 'MISSED' marks a target (README, Performance) not reached in this run.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
