"""Invoice lines for one month over 100 000 contracts on PostgreSQL, streamed as CSV: target ≤ 5 s, flat memory.

Data: a freshly migrated, uniquely named PostgreSQL database (dropped at the end). A few accounts and six
products with EUR prices go through the services; the contracts are bulk-loaded with COPY (not the ORM, not
the API), each as the app would have written it when accepting a new-business quote:

  * quotes            type new, status accepted, finalized (contract_id set once the contracts are in)
  * quote_lines       one per segment (1–3 per contract, distinct skus)
  * contracts         monthly / quarterly / annual billing, 12 or 24 months or evergreen, start dates over
                      2025–2026, status active, version 1
  * contract_versions version 1
  * subscription_segments  one per quote line, over the contract's term, quote_line_id → its quote_lines row

Then, for invoice dates in [2026-06-01, 2026-07-01):

  (a) `cpq invoice-lines --from … --to … --csv > /dev/null`, a subprocess with CPQ_DATABASE_URL set: wall
      time and peak RSS (`/usr/bin/time -v`, else getrusage of the children);
  (b) `GET /v1/invoice-lines?from=…&to=…` with `Accept: text/csv` from a live
      `uvicorn app.main:create_app --factory --workers 1`, streamed by httpx: time to the response head and to
      the first body bytes, total time, bytes, lines, the server's RSS before / during / after.

Floors measured in the same run, on the same database:
  * raw `COPY (SELECT … FROM subscription_segments JOIN contracts JOIN quote_lines …) TO STDOUT` of the
    segment rows the month needs (what the app reads);
  * the month's invoice lines computed by one SQL statement (generate_series over billing periods) and
    COPied out: a set-based reference for the same output.
Then the app's own SQL path (`app.db.repositories.billing_sql`, what `lines_in` uses on PostgreSQL), in
process: the month's lines built as `InvoiceLineView`s, and built and written as CSV rows, each timed beside the
raw COPY floor with the ratio (target ≤ 3× the floor); `--python-path` times the Python expansion (the
reference, what SQLite uses) the same way.
The line count and amount sum of the CSV are printed next to an independent recomputation in Python from
the generated data (and next to the SQL one); they are printed, not asserted.

    python -m bench.bench_invoice_lines                      # 100 000 contracts
    python -m bench.bench_invoice_lines --contracts 5000     # a quick run
    python -m bench.bench_invoice_lines --profile            # plus a cProfile of the in-process stream
    python -m bench.bench_invoice_lines --python-path        # plus the Python expansion, for comparison
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench import invoice_pages
from bench.common import (
    ROOT,
    Result,
    UvicornServer,
    admin_token,
    cpu_seconds,
    header,
    libpq_url,
    migrate,
    postgres_database,
    postgres_skipped,
    print_table,
    proc_status_kb,
    session_for,
    verdict,
)

TARGET_S = 5.0
#: The SQL path's target: at most this many times the raw COPY of the segment rows.
SQL_PATH_FLOOR_RATIO = 3.0
DEFAULT_CONTRACTS = 100_000
FROM, TO = date(2026, 6, 1), date(2026, 7, 1)
ACCOUNTS = 5
#: sku → list unit price in cents (all multiples of 100, so every discounted price below is whole cents)
PRODUCTS = {"INV-CORE": 4900, "INV-SEATS": 1500, "INV-ANALYTICS": 2900, "INV-SMS": 1200, "INV-API": 9900,
            "INV-SUPPORT": 19900}
FREQUENCIES = (("monthly", 1), ("quarterly", 3), ("annual", 12))
FREQUENCY_WEIGHTS = (5, 3, 2)
DISCOUNTS = (0, 0, 5, 10, 20)  # percent
EVERGREEN_SHARE = 0.15
COPY_CHUNK = 20_000  # rows per write to the COPY stream
NOW = "2026-11-23 04:00:00+00"


@dataclass(frozen=True)
class Seg:
    line_id: str
    segment_id: str
    sku: str
    quantity: int
    list_cents: int
    discount: int
    net_cents: int


@dataclass(frozen=True)
class Spec:
    contract_id: str
    quote_id: str
    version_id: str
    index: int
    account_id: str
    start: date
    term_months: int | None
    end: date | None
    frequency: str
    months: int
    auto_renew: bool
    segments: tuple[Seg, ...]

    @property
    def mrr_cents(self) -> int:
        return sum(s.net_cents * s.quantity for s in self.segments)


def add_months(day: date, months: int) -> date:
    """The calendar date `months` after `day`, clamped to the month's last day (independent of the app's)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def new_id() -> str:
    from app.db.base import new_id as app_new_id  # the app's time-ordered UUIDv7, as the ORM would use

    return str(app_new_id())


def make_specs(count: int, account_ids: list[str], seed: int = 20260601) -> list[Spec]:
    rng = random.Random(seed)
    skus = list(PRODUCTS)
    first_day = date(2025, 1, 1)
    specs: list[Spec] = []
    for index in range(count):
        frequency, months = rng.choices(FREQUENCIES, FREQUENCY_WEIGHTS)[0]
        start = first_day + timedelta(days=rng.randrange(730))
        term: int | None = None if rng.random() < EVERGREEN_SHARE else rng.choice((12, 24))
        segments = []
        for sku in rng.sample(skus, rng.randint(1, 3)):
            discount = rng.choice(DISCOUNTS)
            list_cents = PRODUCTS[sku]
            segments.append(Seg(new_id(), new_id(), sku, rng.randint(1, 50), list_cents, discount,
                                list_cents * (100 - discount) // 100))
        specs.append(Spec(
            contract_id=new_id(), quote_id=new_id(), version_id=new_id(), index=index,
            account_id=account_ids[index % len(account_ids)], start=start, term_months=term,
            end=None if term is None else add_months(start, term), frequency=frequency, months=months,
            auto_renew=term is not None and rng.random() < 0.5, segments=tuple(segments),
        ))
    return specs


# ------------------------------------------------------------------------------------------ bulk load


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _null(value: object) -> str:
    return "\\N" if value is None else str(value)


def _renewal(spec: Spec) -> str:
    """billing_frequency, auto_renew, renewal_pricing, uplift_percent, renewal_term_months, renewal_lead_days,
    notice_days, mid_term_decrease, proration_method (RenewalTermsColumns)."""
    renewal_term = _null(spec.term_months if spec.auto_renew else None)
    return (f"{spec.frequency}\t{'t' if spec.auto_renew else 'f'}\tsame\t\\N\t{renewal_term}\t60\t30\t"
            f"at_renewal\tdaily")


RENEWAL_COLUMNS = ("billing_frequency, auto_renew, renewal_pricing, uplift_percent, renewal_term_months, "
                   "renewal_lead_days, notice_days, mid_term_decrease, proration_method")

QUOTE_COLUMNS = (f"id, created_at, updated_at, {RENEWAL_COLUMNS}, number, type, status, version, account_id, "
                 "contract_id, currency, start_date, term_months, valid_until, mrr, arr, one_time, "
                 "total_contract_value, first_invoice, finalized_at, document_path, document_sha256, "
                 "template_version")


def quote_rows(spec: Spec) -> Iterator[str]:
    mrr = spec.mrr_cents
    value_months = spec.term_months or 12  # an evergreen quote's total counts its first 12 months
    first_months = min(spec.months, spec.term_months or spec.months)
    number = f"Q-BENCH-{spec.index:07d}"
    yield (f"{spec.quote_id}\t{NOW}\t{NOW}\t{_renewal(spec)}\t{number}\tnew\taccepted\t3\t{spec.account_id}\t"
           f"\\N\tEUR\t{spec.start}\t{_null(spec.term_months)}\t{spec.start}\t{money(mrr)}\t{money(mrr * 12)}\t"
           f"0.00\t{money(mrr * value_months)}\t{money(mrr * first_months)}\t{NOW}\t{number}-v2.pdf\t"
           f"{uuid.UUID(spec.quote_id).hex * 2}\tbench")


LINE_COLUMNS = ("id, quote_id, position, sku, recurring, quantity, discount_percent, list_unit_price, "
                "regular_unit_price, contracted_unit_price, net_unit_price, start_date, end_date, mrr, total, "
                "scheduled")


def line_rows(spec: Spec) -> Iterator[str]:
    value_months = spec.term_months or 12
    for position, s in enumerate(spec.segments):
        mrr = s.net_cents * s.quantity
        yield (f"{s.line_id}\t{spec.quote_id}\t{position}\t{s.sku}\tt\t{s.quantity}\t"
               f"{_null(s.discount or None)}\t{money(s.list_cents)}\t{money(s.list_cents)}\t\\N\t"
               f"{money(s.net_cents)}\t{spec.start}\t{_null(spec.end)}\t{money(mrr)}\t{money(mrr * value_months)}\tf")


CONTRACT_COLUMNS = (f"id, created_at, updated_at, {RENEWAL_COLUMNS}, number, account_id, currency, status, "
                    "start_date, term_months, end_date, version, source_quote_id, billing_anchor, term_start")


def contract_rows(spec: Spec) -> Iterator[str]:
    yield (f"{spec.contract_id}\t{NOW}\t{NOW}\t{_renewal(spec)}\tC-BENCH-{spec.index:07d}\t{spec.account_id}\t"
           f"EUR\tactive\t{spec.start}\t{_null(spec.term_months)}\t{_null(spec.end)}\t1\t{spec.quote_id}\t"
           f"{spec.start}\t{spec.start}")


VERSION_COLUMNS = "id, created_at, updated_at, contract_id, version, quote_id, api_key_id, signer_name, accepted_on"


def version_rows(spec: Spec) -> Iterator[str]:  # accepted a week before the start
    yield (f"{spec.version_id}\t{NOW}\t{NOW}\t{spec.contract_id}\t1\t{spec.quote_id}\t\\N\tBench Signer\t"
           f"{spec.start - timedelta(days=7)}")


SEGMENT_COLUMNS = ("id, created_at, updated_at, contract_id, contract_version, quote_line_id, sku, quantity, "
                   "list_unit_price, net_unit_price, start_date, end_date, closed_in_version, opening_change, "
                   "mrr_minor")


def segment_rows(spec: Spec) -> Iterator[str]:
    for s in spec.segments:
        yield (f"{s.segment_id}\t{NOW}\t{NOW}\t{spec.contract_id}\t1\t{s.line_id}\t{s.sku}\t{s.quantity}\t"
               f"{money(s.list_cents)}\t{money(s.net_cents)}\t{spec.start}\t{_null(spec.end)}\t\\N\t"
               f"new_business\t{s.net_cents * s.quantity}")


Table = tuple[str, str, Callable[[Spec], Iterator[str]]]
TABLES: tuple[Table, ...] = (  # in foreign-key order; quotes.contract_id is set afterwards (the two tables refer to each other)
    ("quotes", QUOTE_COLUMNS, quote_rows),
    ("quote_lines", LINE_COLUMNS, line_rows),
    ("contracts", CONTRACT_COLUMNS, contract_rows),
    ("contract_versions", VERSION_COLUMNS, version_rows),
    ("subscription_segments", SEGMENT_COLUMNS, segment_rows),
)


def seed_reference_data(url: str) -> list[str]:
    """Accounts and the six products with their EUR prices, through the services (a handful of rows)."""
    from app.services.accounts import create_account
    from app.services.auth import OPERATOR
    from app.services.catalog import create_price_entry, create_product

    engine, factory = session_for(url)
    try:
        with factory() as session:
            for sku, cents in PRODUCTS.items():
                create_product(session, caller=OPERATOR, sku=sku, kind="addon", name=sku.title(), family=sku,
                               unit="seat")
                create_price_entry(session, caller=OPERATOR, sku=sku, currency="EUR", pricing_model="per_unit",
                                   effective_from=date(2024, 1, 1), effective_to=None,
                                   unit_price=Decimal(money(cents)), tiers=[])
            return [str(create_account(session, caller=OPERATOR, name=f"Bench customer {i}", currency="EUR",
                                       locale="en", billing_email=f"billing{i}@example.org").id)
                    for i in range(ACCOUNTS)]
    finally:
        engine.dispose()


def check_columns(cursor: Any, tables: Sequence[Table]) -> None:
    """Fail clearly if the schema gained a NOT NULL column (without default) that these rows do not fill."""
    cursor.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                   "AND is_nullable = 'NO' AND column_default IS NULL AND table_name = ANY(%s)",
                   ([table for table, _c, _r in tables],))
    filled = {table: {c.strip() for c in columns.split(",")} for table, columns, _r in tables}
    missing = sorted(f"{table}.{column}" for table, column in cursor.fetchall() if column not in filled[table])
    if missing:
        raise RuntimeError(f"the schema has NOT NULL columns the bulk load does not fill: {', '.join(missing)}; "
                           "update the bench's rows")


def bulk_load(url: str, specs: list[Spec], tables: Sequence[Table] = ()) -> dict[str, int]:
    """COPY the rows of `tables` (default: TABLES) made from each spec, in order."""
    import psycopg

    tables = tables or TABLES
    counts: dict[str, int] = {}
    with psycopg.connect(libpq_url(url)) as connection:
        with connection.cursor() as cursor:
            check_columns(cursor, tables)
            for table, columns, rows in tables:
                count = 0
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    chunk: list[str] = []
                    for spec in specs:
                        chunk.extend(rows(spec))
                        if len(chunk) >= COPY_CHUNK:
                            copy.write("\n".join(chunk) + "\n")
                            count += len(chunk)
                            chunk.clear()
                    if chunk:
                        copy.write("\n".join(chunk) + "\n")
                        count += len(chunk)
                counts[table] = count
            cursor.execute("UPDATE quotes q SET contract_id = c.id FROM contracts c WHERE c.source_quote_id = q.id")
            counts["quotes.contract_id updated"] = cursor.rowcount
        connection.commit()
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return counts


# ---------------------------------------------------------------------------------- expected answer


def expected_lines(specs: list[Spec], start: date, end: date) -> tuple[int, Decimal]:
    """Recurring lines billed in advance, dated on each period's first day in [start, end): count and sum.

    Every segment here spans its contract's term, so a period starting at anchor + k·months in
    [max(segment start, start), min(segment end, end)) bills quantity × net price × the period's months.
    """
    lines, cents = 0, 0
    for spec in specs:
        low = max(spec.start, start)
        high = min(d for d in (spec.end, end) if d is not None)
        if low >= high:
            continue
        months_to_low = (low.year - spec.start.year) * 12 + low.month - spec.start.month
        k = max(0, (months_to_low - 1) // spec.months)
        while True:
            first = add_months(spec.start, k * spec.months)
            if first >= high:
                break
            if first >= low:
                last = k * spec.months + spec.months
                period = (min(last, spec.term_months) if spec.term_months else last) - k * spec.months
                lines += len(spec.segments)
                cents += spec.mrr_cents * period
            k += 1
    return lines, Decimal(cents).scaleb(-2)


# ----------------------------------------------------------------------------------------------- floors

SEGMENTS_SQL = """
SELECT s.contract_id, c.number, c.account_id, s.sku, s.quantity, s.net_unit_price, s.start_date, s.end_date,
       c.start_date AS anchor, c.billing_frequency, c.term_months, c.currency, ql.quote_id
FROM subscription_segments s
JOIN contracts c ON c.id = s.contract_id
JOIN quote_lines ql ON ql.id = s.quote_line_id
WHERE s.start_date < DATE '{to}' AND (s.end_date IS NULL OR s.end_date > DATE '{start}')
ORDER BY s.contract_id
"""

LINES_SQL = """
WITH seg AS (
    SELECT s.contract_id, c.number, c.account_id, s.sku, s.quantity, s.net_unit_price, c.currency, ql.quote_id,
           c.start_date AS anchor, c.term_months,
           CASE c.billing_frequency WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6
                ELSE 12 END AS m,
           greatest(s.start_date, c.start_date, DATE '{start}') AS low,
           least(coalesce(s.end_date, 'infinity'::date), coalesce(c.end_date, 'infinity'::date),
                 DATE '{to}') AS high
    FROM subscription_segments s
    JOIN contracts c ON c.id = s.contract_id
    JOIN quote_lines ql ON ql.id = s.quote_line_id
    WHERE s.start_date < DATE '{to}' AND (s.end_date IS NULL OR s.end_date > DATE '{start}')
), periods AS (
    SELECT seg.*, k, (anchor + make_interval(months => k * m))::date AS period_start
    FROM seg CROSS JOIN LATERAL generate_series(
        greatest(0, ((extract(year FROM low)::int - extract(year FROM anchor)::int) * 12
                     + extract(month FROM low)::int - extract(month FROM anchor)::int - 1) / m),
        ((extract(year FROM high)::int - extract(year FROM anchor)::int) * 12
         + extract(month FROM high)::int - extract(month FROM anchor)::int + 1) / m + 1) AS k
    WHERE low < high
)
SELECT contract_id, number, account_id, sku, 'recurring', period_start, period_start,
       (anchor + make_interval(months => least(k * m + m, coalesce(term_months, k * m + m))))::date,
       quantity, net_unit_price,
       round(net_unit_price * quantity * (least(k * m + m, coalesce(term_months, k * m + m)) - k * m), 2),
       currency, quote_id
FROM periods
WHERE period_start >= low AND period_start < high
ORDER BY contract_id, period_start, sku
"""


def copy_out(url: str, sql: str) -> tuple[float, bytes]:
    """Time a `COPY (sql) TO STDOUT`, reading every byte; the bytes for the caller to check afterwards."""
    import psycopg

    with psycopg.connect(libpq_url(url)) as connection, connection.cursor() as cursor:
        chunks: list[bytes] = []
        started = time.perf_counter()
        with cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
            for data in copy:
                chunks.append(bytes(data))
        return time.perf_counter() - started, b"".join(chunks)


def sum_column(raw: bytes, column: int, delimiter: str) -> tuple[int, Decimal]:
    total, rows = Decimal(0), 0
    for row in csv.reader(io.StringIO(raw.decode()), delimiter=delimiter):
        total += Decimal(row[column])
        rows += 1
    return rows, total


# --------------------------------------------------------------------------------------- measurements


@dataclass(frozen=True)
class CliRun:
    seconds: float
    peak_rss_kb: int | None
    how: str
    returncode: int
    stderr: str


def run_cli(url: str, args: list[str]) -> CliRun:
    env = {**os.environ, "CPQ_DATABASE_URL": url, "CPQ_PDF_WORKERS": "0"}
    cpq = str(Path(sys.executable).with_name("cpq"))
    command = [cpq, *args] if Path(cpq).exists() else [sys.executable, "-m", "app.cli", *args]
    gnu_time = shutil.which("time", path="/usr/bin")
    if gnu_time:
        command = [gnu_time, "-v", *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, timeout=600, check=False)
    seconds = time.perf_counter() - started
    peak: int | None = None
    how = ""
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr)
    if match:
        peak, how = int(match.group(1)), "/usr/bin/time -v"
    else:
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        peak, how = (after, "getrusage(RUSAGE_CHILDREN)") if after > before else (None, "")
    own_stderr = completed.stderr.split("\tCommand being timed:")[0] if gnu_time else completed.stderr
    return CliRun(seconds, peak, how, completed.returncode, own_stderr)


@dataclass
class HttpRun:
    status: int
    head_s: float
    first_byte_s: float
    total_s: float
    bytes: int
    newlines: int
    rss_before_kb: int | None
    rss_max_during_kb: int
    rss_after_kb: int | None
    hwm_before_kb: int | None
    hwm_after_kb: int | None
    server_cpu_s: float | None
    body_path: Path


def stream_http(server: UvicornServer, token: str, body_path: Path) -> HttpRun:
    pid = server.pid
    rss_before, hwm_before = proc_status_kb(pid, "VmRSS"), proc_status_kb(pid, "VmHWM")
    cpu_before = cpu_seconds(pid)
    rss_max = rss_before or 0
    stop = threading.Event()

    def sample() -> None:  # RSS every 50 ms while the stream runs
        nonlocal rss_max
        while not stop.wait(0.05):
            rss_max = max(rss_max, proc_status_kb(pid, "VmRSS") or 0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    first_byte = 0.0
    size = newlines = 0
    params = {"from": FROM.isoformat(), "to": TO.isoformat()}
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/csv"}
    try:
        with body_path.open("wb") as sink, httpx.Client(base_url=server.base_url, timeout=600) as client:
            started = time.perf_counter()
            with client.stream("GET", "/v1/invoice-lines", params=params, headers=headers) as response:
                head = time.perf_counter() - started
                for data in response.iter_bytes():
                    if not first_byte and data:
                        first_byte = time.perf_counter() - started
                    size += len(data)
                    newlines += data.count(b"\n")
                    sink.write(data)
                status = response.status_code
            total = time.perf_counter() - started
    finally:
        stop.set()
        sampler.join()
    cpu_after = cpu_seconds(pid)
    return HttpRun(
        status=status, head_s=head, first_byte_s=first_byte, total_s=total, bytes=size, newlines=newlines,
        rss_before_kb=rss_before, rss_max_during_kb=rss_max, rss_after_kb=proc_status_kb(pid, "VmRSS"),
        hwm_before_kb=hwm_before, hwm_after_kb=proc_status_kb(pid, "VmHWM"),
        server_cpu_s=None if cpu_before is None or cpu_after is None else cpu_after - cpu_before, body_path=body_path,
    )


def csv_totals(path: Path) -> tuple[int, Decimal, dict[str, int]]:
    rows, total, kinds = 0, Decimal(0), dict[str, int]()
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            rows += 1
            total += Decimal(row["amount"])
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return rows, total, kinds


def mb(kb: int | None) -> str:
    return "?" if kb is None else f"{kb / 1024:.0f} MB"


# ---------------------------------------------------------------------------------------------- run


def run(contracts: int = DEFAULT_CONTRACTS, profile: bool = False, python_path: bool = False) -> list[Result]:
    header(f"bench_invoice_lines: invoice lines for {FROM:%B %Y} over {contracts:,} contracts on PostgreSQL, "
           f"CSV (target ≤ {TARGET_S:g} s, streamed, flat memory)")
    skipped = postgres_skipped("invoice_lines", "invoice lines postgresql")
    if skipped is not None:
        return skipped
    results: list[Result] = []
    with postgres_database("invoices") as url, tempfile.TemporaryDirectory(prefix="cpq-bench-inv-") as tmp:
        # ------------------------------------------------------------------------------------ data
        began = time.perf_counter()
        migrate(url)
        account_ids = seed_reference_data(url)
        token = admin_token(url)
        prepared = time.perf_counter()
        specs = make_specs(contracts, account_ids)
        generated = time.perf_counter()
        counts = bulk_load(url, specs)
        loaded = time.perf_counter()
        total_rows = sum(v for k, v in counts.items() if "." not in k)
        print(f"   data: schema + {ACCOUNTS} accounts + {len(PRODUCTS)} products with prices + a key in "
              f"{prepared - began:.1f} s; {contracts:,} contracts specified in {generated - prepared:.1f} s; "
              f"bulk COPY of {total_rows:,} rows + UPDATE + VACUUM ANALYZE in {loaded - generated:.1f} s")
        print("   rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        frequencies = {f: sum(1 for s in specs if s.frequency == f) for f, _m in FREQUENCIES}
        evergreen = sum(1 for s in specs if s.term_months is None)
        print("   mix: " + ", ".join(f"{f} {n:,}" for f, n in frequencies.items())
              + f"; evergreen {evergreen:,}; segments per contract 1–3 (mean "
              f"{counts['subscription_segments'] / contracts:.2f})")
        expected_count, expected_sum = expected_lines(specs, FROM, TO)
        print(f"   expected (recomputed in Python from the generated data, no SQL): {expected_count:,} recurring "
              f"lines dated in [{FROM}, {TO}), amount sum {expected_sum} EUR")
        del specs

        # ---------------------------------------------------------------------------------- floors
        segments_s, segments_raw = copy_out(url, SEGMENTS_SQL.format(start=FROM, to=TO))
        segment_rows_out = segments_raw.count(b"\n")
        print(f"   floor 1: raw COPY (SELECT … FROM subscription_segments JOIN contracts JOIN quote_lines …) TO "
              f"STDOUT of the {segment_rows_out:,} segment rows the month reads: {segments_s:.2f} s, "
              f"{len(segments_raw) / 1e6:.1f} MB")
        del segments_raw
        sql_s, sql_raw = copy_out(url, LINES_SQL.format(start=FROM, to=TO))
        sql_count, sql_sum = sum_column(sql_raw, 10, "\t")
        print(f"   floor 2: the month's invoice lines computed in one SQL statement and COPied out: {sql_s:.2f} s, "
              f"{sql_count:,} lines, amount sum {sql_sum} EUR")
        del sql_raw
        results.append(Result("invoice_lines", f"floor: COPY segments {contracts // 1000}k", f"{segments_s:.2f} s",
                              "", f"{segment_rows_out:,} rows"))
        results.append(Result("invoice_lines", f"floor: lines in SQL {contracts // 1000}k", f"{sql_s:.2f} s",
                              "", f"{sql_count:,} lines"))

        # ------------------------------------------------------------------- the app's SQL path, in process
        paths = [("sql", "SQL path"), *([("python", "Python path")] if python_path else [])]
        for path, label in paths:
            for with_csv in (False, True):
                run_s, run_count, run_sum = time_lines(url, path, with_csv)
                what = "lines + CSV rows" if with_csv else "lines"
                ratio = run_s / segments_s
                met_floor = ratio <= SQL_PATH_FLOOR_RATIO if path == "sql" else None
                agrees = "agrees" if (run_count, run_sum) == (sql_count, sql_sum) else "DIFFERS"
                print(f"   {label} in process (lines_in, {what}): {run_s:.2f} s, {run_count:,} lines, amount sum "
                      f"{run_sum} EUR ({agrees} with floor 2); COPY floor {segments_s:.2f} s, ratio {ratio:.2f}×"
                      + (f" => target ≤ {SQL_PATH_FLOOR_RATIO:g}× the floor: {verdict(met_floor)}"
                         if met_floor is not None else ""))
                results.append(Result("invoice_lines", f"{label} {what} {contracts // 1000}k", f"{run_s:.2f} s",
                                      f"≤ {SQL_PATH_FLOOR_RATIO:g}× COPY" if path == "sql" else "",
                                      f"{ratio:.2f}× COPY {segments_s:.2f} s", verdict(met_floor)))

        # --------------------------------------------------------------------------------- (a) CLI
        startup = run_cli(url, ["invoice-lines", "--help"])
        cli = run_cli(url, ["invoice-lines", "--from", FROM.isoformat(), "--to", TO.isoformat(), "--csv"])
        if cli.returncode != 0:
            errors = [ln for ln in cli.stderr.splitlines() if re.match(r"^[\w.]+(Error|Exception)\b|^error:", ln)]
            raise RuntimeError(f"cpq invoice-lines exited with {cli.returncode}: "
                               f"{(errors[-1] if errors else cli.stderr[-400:])[:400]}")
        met = cli.seconds <= TARGET_S
        print(f"   (a) cpq invoice-lines --from {FROM} --to {TO} --csv > /dev/null: {cli.seconds:.2f} s wall, peak RSS "
              f"{mb(cli.peak_rss_kb)} ({cli.how}); process start alone (`cpq invoice-lines --help`) "
              f"{startup.seconds:.2f} s, {mb(startup.peak_rss_kb)}")
        print(f"       => target ≤ {TARGET_S:g} s: {verdict(met)}; {cli.seconds / segments_s:.1f}× the raw COPY floor, "
              f"{cli.seconds / sql_s:.1f}× the SQL-computed lines")
        results.append(Result("invoice_lines", f"CLI --csv {contracts // 1000}k contracts", f"{cli.seconds:.2f} s",
                              f"≤ {TARGET_S:g} s", f"{cli.seconds / segments_s:.1f}× COPY {segments_s:.2f} s",
                              verdict(met)))
        results.append(Result("invoice_lines", f"CLI peak RSS {contracts // 1000}k", mb(cli.peak_rss_kb)))

        # -------------------------------------------------------------------------------- (b) HTTP
        env = {"CPQ_DATABASE_URL": url, "CPQ_PDF_WORKERS": "0", "CPQ_DOCUMENTS_DIR": str(Path(tmp) / "documents")}
        with UvicornServer("app.main:create_app", env=env) as server:
            # one small JSON page first, so the app's imports and the connection pool are warm
            warm = httpx.get(f"{server.base_url}/v1/invoice-lines", params={"from": "2026-06-01", "to": "2026-06-02",
                                                                            "limit": 1},
                             headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}, timeout=600)
            warm_note = f"warm-up JSON page answered {warm.status_code}"
            http = stream_http(server, token, Path(tmp) / "invoice-lines.csv")
            pages, pages_said = invoice_pages.measure(server, token, url, FROM, TO, f"{contracts // 1000}k")
        if http.status != 200:
            raise RuntimeError(f"GET /v1/invoice-lines answered {http.status}: "
                               f"{http.body_path.read_text(errors='replace')[:500]}")
        rows, amount, kinds = csv_totals(http.body_path)
        met_http = http.total_s <= TARGET_S
        cpu = "?" if http.server_cpu_s is None else f"{http.server_cpu_s:.2f} s"
        print(f"   (b) GET /v1/invoice-lines?from={FROM}&to={TO}, Accept: text/csv, live uvicorn 1 worker "
              f"({warm_note}):")
        print(f"       head after {http.head_s * 1000:.0f} ms, first body bytes after {http.first_byte_s * 1000:.0f} ms, "
              f"complete after {http.total_s:.2f} s; {http.bytes / 1e6:.1f} MB, {http.newlines:,} text lines "
              f"({rows:,} CSV rows + header); server CPU {cpu}")
        print(f"       server RSS: {mb(http.rss_before_kb)} before, max {mb(http.rss_max_during_kb)} sampled during, "
              f"{mb(http.rss_after_kb)} after; VmHWM {mb(http.hwm_before_kb)} → {mb(http.hwm_after_kb)}")
        print(f"       CSV: {rows:,} lines ({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))}), amount sum "
              f"{amount} EUR; Python recomputation {expected_count:,} lines, {expected_sum} EUR; SQL "
              f"{sql_count:,} lines, {sql_sum} EUR"
              + ("  (all agree)" if rows == expected_count == sql_count and amount == expected_sum == sql_sum
                 else "  (THEY DIFFER: see above)"))
        print(f"       => target ≤ {TARGET_S:g} s: {verdict(met_http)}; {http.total_s / segments_s:.1f}× the raw COPY "
              f"floor, {http.total_s / sql_s:.1f}× the SQL-computed lines")
        print(pages_said)
        results += pages
        growth = (None if http.rss_after_kb is None or http.rss_before_kb is None
                  else http.rss_max_during_kb - http.rss_before_kb)
        results.append(Result("invoice_lines", f"GET CSV {contracts // 1000}k contracts total",
                              f"{http.total_s:.2f} s", f"≤ {TARGET_S:g} s",
                              f"{http.total_s / segments_s:.1f}× COPY {segments_s:.2f} s", verdict(met_http)))
        results.append(Result("invoice_lines", f"GET CSV {contracts // 1000}k first byte",
                              f"{http.first_byte_s * 1000:.0f} ms", "", f"{rows:,} lines, {http.bytes / 1e6:.1f} MB"))
        results.append(Result("invoice_lines", f"GET CSV {contracts // 1000}k server RSS growth",
                              "?" if growth is None else f"+{growth / 1024:.0f} MB",
                              "", f"{mb(http.rss_before_kb)} → max {mb(http.rss_max_during_kb)}"))
        if profile:
            profile_stream(url)
    return results


def time_lines(url: str, path: str, with_csv: bool) -> tuple[float, int, Decimal]:
    """The month's lines by one path of `app.services.billing` (`sql` or `python`), in process and in one read
    transaction as the app runs it: seconds, line count, amount sum. `with_csv`: the lines as the CLI and the
    API print them, by a csv.writer into a buffer emptied every MB (the SQL path's `stream_csv_rows` prints
    the database's text as it comes; the Python path prints each line's `csv_row`)."""
    from sqlalchemy import text

    from app.db.repositories.billing import Scope
    from app.db.session import reading
    from app.services.billing import CSV_COLUMNS, csv_row, python_lines_in, sql_lines_in, stream_csv_rows

    def python_csv(session: Any) -> Iterator[list[str]]:
        with reading(session):
            yield from map(csv_row, python_lines_in(session, Scope(FROM, TO)))

    engine, factory = session_for(url)
    sink = io.StringIO()
    writer = csv.writer(sink, lineterminator="\n")
    amount = CSV_COLUMNS.index("amount")
    count, total = 0, Decimal(0)
    try:
        with factory() as session:
            session.execute(text("SELECT 1"))  # connected before the clock starts, as the COPY floors are
            session.rollback()
            started = time.perf_counter()
            if with_csv:
                rows = stream_csv_rows(session, start=FROM, end=TO) if path == "sql" else python_csv(session)
                for fields in rows:
                    count += 1
                    total += Decimal(fields[amount])
                    writer.writerow(fields)
                    if sink.tell() > 1 << 20:
                        sink.seek(0)
                        sink.truncate()
            else:
                with reading(session):
                    for line in (sql_lines_in if path == "sql" else python_lines_in)(session, Scope(FROM, TO)):
                        count += 1
                        total += line.amount
            return time.perf_counter() - started, count, total
    finally:
        engine.dispose()


def profile_stream(url: str, top: int = 30) -> None:
    """cProfile of the CLI's loop in-process: stream_csv_rows into a csv.writer, as `cpq invoice-lines --csv`."""
    import cProfile
    import pstats

    from app.services.billing import stream_csv_rows

    engine, factory = session_for(url)
    sink = io.StringIO()
    writer = csv.writer(sink, lineterminator="\n")
    profiler = cProfile.Profile()
    try:
        with factory() as session:
            started = time.perf_counter()
            profiler.enable()
            for fields in stream_csv_rows(session, start=FROM, end=TO):
                writer.writerow(fields)
                if sink.tell() > 1 << 20:
                    sink.seek(0)
                    sink.truncate()
            profiler.disable()
            elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    print(f"\n   cProfile of the in-process stream + CSV writing: {elapsed:.2f} s under the profiler; "
          f"top {top} by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
    print(f"   ... top {top} by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contracts", type=int, default=DEFAULT_CONTRACTS, help="contracts to generate")
    parser.add_argument("--profile", action="store_true", help="also cProfile the in-process stream")
    parser.add_argument("--python-path", action="store_true",
                        help="also time the Python expansion of the lines (the reference), in process")
    args = parser.parse_args(argv)
    if args.contracts < 1:
        parser.error("--contracts must be at least 1")
    results = run(args.contracts, profile=args.profile, python_path=args.python_path)
    print()
    print_table(results)


if __name__ == "__main__":
    main()
