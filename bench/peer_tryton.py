"""Recurring invoice generation in Tryton 8.2 beside cpq's `GET /v1/invoice-lines`: same workload, same run.

Workload: N customers (default 1 000), each with one subscription of 3 monthly lines (3 services, quantity 10,
EUR 49 / 15 / 29) starting on 2026-06-01; June 2026 is billed: 3·N invoice lines, both halves on the same
database kind (`--db postgresql`, the default: 127.0.0.1:5432 as postgres, a fresh database per half, dropped
after; or `--db sqlite`).

Tryton half: Tryton 8.2 from PyPI (`trytond==8.2.*`, `trytond_sale_subscription==8.2.*`, which pulls account,
account_invoice, account_product, company, currency, party, product, sale, stock…; plus `psycopg[binary,pool]` for
--db postgresql) in its own virtualenv `var/peer-tryton/venv`, made with `python3.11 -m venv` and pip on the first
run and reused after. The CHILD script below (written to `var/peer-tryton/child.py`) runs in that venv with
Tryton's Python API in process (Pool / Transaction, not proteus):
  * `trytond-admin -d … --all -u sale_subscription --activate-dependencies` (admin password from TRYTONPASSFILE);
    on SQLite the freshly activated file is kept as `var/peer-tryton/peer-admin-<version>.sqlite` and copied on
    later runs (activation takes about a minute);
  * setup, not compared: a company (EUR), the minimal chart of accounts (`account.account_template_root_en`
    through the create-chart wizard, as Tryton's tests do), a 2026 fiscal year with monthly periods, a monthly
    recurrence rule set, 3 service products with a revenue account, N parties, N subscriptions quoted and run;
  * timed, each in its own committed transaction: (a) `sale.subscription.line.generate_consumption(2026-06-30)`
    (the "create consumptions" step), (b) `sale.subscription.generate_invoice(2026-06-30)`; then the counts of
    consumptions, invoices and invoice lines and the lines' amount sum are read back.
  On SQLite, Tryton 8.2's `generate_invoice` fails above a few hundred subscriptions ("Expression tree is too
  large (maximum depth 1000)": the domain validation of the invoices it saves in one go); use --db postgresql.

cpq half: a freshly migrated database; `bench.bench_invoice_lines`' products and accounts (through the services)
and its row builders for N contracts × 3 monthly segments, loaded by its COPY loader on PostgreSQL or inserted
with SQLAlchemy Core on SQLite; then `GET /v1/invoice-lines?from=2026-06-01&to=2026-07-01`, `Accept: text/csv`,
against `uvicorn --workers 1` (that bench's `stream_http`): one warm-up, the median of 3 timed requests.

    .venv/bin/python -m bench.peer_tryton                                    # 1 000 subscriptions, PostgreSQL
    .venv/bin/python -m bench.peer_tryton --db sqlite --subscriptions 200    # SQLite
    .venv/bin/python -m bench.peer_tryton --skip-cpq             # the Tryton half only (or --skip-tryton)

Prints a table (Tryton consumptions s, Tryton invoices s, Tryton lines, cpq s, cpq lines, ratio). Each half's
failure is reported in one line; the exit status is nonzero only when a half could not run. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PEER_DIR = ROOT / "var" / "peer-tryton"
VENV = PEER_DIR / "venv"
REQUIREMENTS = ("trytond==8.2.*", "trytond_sale_subscription==8.2.*")
PG_REQUIREMENTS = ("psycopg[binary,pool]",)  # trytond's PostgreSQL backend needs psycopg 3
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/"
START = date(2026, 6, 1)
QUANTITY = 10
PRICES_CENTS = (4900, 1500, 2900)  # the three services' unit prices, in both halves

CHILD = r'''
"""Run in the Tryton venv by bench/peer_tryton.py: python child.py '{json args}' -> PARTIAL: and RESULT: lines."""
import datetime as dt, json, os, shutil, subprocess, sys, time, warnings  # noqa: E401
from decimal import Decimal

warnings.simplefilter("ignore", DeprecationWarning)
args = json.loads(sys.argv[1])
workdir, count, cache, dbname = args["workdir"], args["count"], args["cache"], args["dbname"]
os.environ["TRYTOND_DATABASE__URI"] = args["uri"]
os.environ["TRYTOND_DATABASE__PATH"] = workdir
passfile = os.path.join(workdir, "admin.pass")
with open(passfile, "w") as handle:
    handle.write("admin\n")
os.environ["TRYTONPASSFILE"] = passfile
database = os.path.join(workdir, dbname + ".sqlite")
START, UNTIL = dt.date(2026, 6, 1), dt.date(2026, 6, 30)
PRICES = [Decimal(c) / 100 for c in args["prices_cents"]]
QUANTITY = args["quantity"]
BATCH = 100

stamp = time.perf_counter()
if cache and os.path.isfile(cache):
    shutil.copyfile(cache, database)
    admin_s = 0.0
else:
    if args["uri"].startswith("sqlite"):
        open(database, "w").close()
    admin = os.path.join(os.path.dirname(sys.executable), "trytond-admin")
    done = subprocess.run([admin, "-d", dbname, "--all", "-u", "sale_subscription", "--activate-dependencies",
                           "--email", "admin@example.org"], capture_output=True, text=True)
    if done.returncode:
        sys.exit("trytond-admin failed: " + (done.stderr.strip().splitlines() or ["?"])[-1])
    admin_s = time.perf_counter() - stamp
    if cache:
        shutil.copyfile(database, cache)

from trytond import config
config.update_etc()
from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError
Pool.start()
pool = Pool(dbname)
pool.init()
from trytond.modules.account.tests.test_module import create_chart, get_fiscalyear
from trytond.modules.company.tests.test_module import create_company, set_company


def setup():
    get = pool.get
    Currency, Account, Category = get("currency.currency"), get("account.account"), get("product.category")
    Template, Uom, RuleSet = get("product.template"), get("product.uom"), get("sale.subscription.recurrence.rule.set")
    Service, Subscription, Party = get("sale.subscription.service"), get("sale.subscription"), get("party.party")
    eur, = Currency.create([{"name": "Euro", "symbol": "€", "code": "EUR", "rates": [("create", [{"rate": 1}])]}])
    company = create_company(name="Peer GmbH", currency=eur)
    with set_company(company), Transaction().set_context(company=company.id, companies=[company.id]):
        create_chart(company)  # account's minimal chart of accounts
        fiscalyear = get_fiscalyear(company, today=START)
        fiscalyear.save()
        get("account.fiscalyear").create_period([fiscalyear])
        revenue, = Account.search([("type.revenue", "=", True), ("closed", "!=", True),
                                   ("company", "=", company.id)], limit=1)
        category = Category(name="Services", accounting=True, account_revenue=revenue)
        category.save()
        unit, = Uom.search([("name", "=", "Unit")])
        monthly = RuleSet(name="Monthly", rules=[{"freq": "monthly", "interval": 1}])
        monthly.save()
        services = []
        for index, price in enumerate(PRICES):
            template = Template(name=f"Service {index}", default_uom=unit, type="service", list_price=price,
                                account_category=category, products=[{}])
            template.save()
            service = Service(product=template.products[0], consumption_recurrence=monthly)
            service.save()
            services.append((service, price))
        parties = Party.create([{"name": f"Customer {i}", "addresses": [("create", [{}])]} for i in range(count)])
        for first in range(0, count, BATCH):  # batches: one save of 1 000 overflows SQLite's expression depth
            subscriptions = [Subscription(
                company=company, party=party, invoice_address=party.addresses[0], currency=eur, start_date=START,
                invoice_start_date=START, invoice_recurrence=monthly,
                lines=[{"service": s, "quantity": QUANTITY, "unit": unit, "unit_price": p, "start_date": START,
                        "consumption_recurrence": monthly} for s, p in services])
                for party in parties[first:first + BATCH]]
            Subscription.save(subscriptions)
            Subscription.quote(subscriptions)
            Subscription.run(subscriptions)
        return company.id


def in_transaction(func, context):
    """func() in a committed transaction, retried with the tables Tryton asks to lock (as its own tests do);
    its result and the seconds of the attempt that committed."""
    extras = {}
    for _attempt in range(5):
        try:
            with Transaction().start(dbname, 0, context=context, **extras) as transaction:
                stamp = time.perf_counter()
                result = func()
                transaction.commit()
                return result, time.perf_counter() - stamp
        except TransactionError as error:
            error.fix(extras)
    raise RuntimeError("the transaction kept asking for more table locks")


def counts():
    InvoiceLine = pool.get("account.invoice.line")
    return {"consumptions": pool.get("sale.subscription.line.consumption").search_count([]),
            "invoices": pool.get("account.invoice").search_count([]),
            "lines": InvoiceLine.search_count([]),
            "amount": str(sum((line.amount for line in InvoiceLine.search([])), Decimal(0)))}


result = {"admin_s": admin_s}
company_id, result["setup_s"] = in_transaction(setup, {})
context = {"company": company_id, "companies": [company_id]}
_, result["consumptions_s"] = in_transaction(
    lambda: pool.get("sale.subscription.line").generate_consumption(date=UNTIL), context)
print("PARTIAL:" + json.dumps(result), flush=True)
_, result["invoices_s"] = in_transaction(lambda: pool.get("sale.subscription").generate_invoice(date=UNTIL), context)
found, _ = in_transaction(counts, context)
result.update(found)
print("RESULT:" + json.dumps(result))
'''


class HalfFailed(Exception):
    """One half could not run: its message is the one line printed; `partial` holds what it measured before."""

    def __init__(self, message: str, partial: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.partial = partial


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    first = text[0][:400] if text else ""
    return first if isinstance(error, HalfFailed) else f"{type(error).__name__}: {first}"


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"


# ------------------------------------------------------------------------------------------- Tryton


def ensure_venv(requirements: tuple[str, ...]) -> Path:
    """The Tryton venv's python, made and pip-installed (by package name) the first time it is needed."""
    python = VENV / "bin" / "python"
    marker = VENV / ".peer-tryton-installed"
    installed = set(marker.read_text().split()) if marker.exists() else set()
    if python.exists() and set(requirements) <= installed:
        return python
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    print(f"   making {VENV.relative_to(ROOT)}, pip install {' '.join(requirements)} (once)…", flush=True)
    steps = [["python3.11", "-m", "venv", str(VENV)],
             [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements]]
    for command in steps:
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        if done.returncode:
            raise HalfFailed(f"`{' '.join(command[:4])} …` failed ({done.returncode}): {last_line(done.stderr)}")
    marker.write_text("\n".join(sorted(installed | set(requirements))) + "\n")
    return python


@contextlib.contextmanager
def tryton_database(db: str, work: str, version: str) -> Iterator[dict[str, str]]:
    """Where the child makes its database: a SQLite file under `work` (activation cached per version), or a
    fresh, uniquely named PostgreSQL database on 127.0.0.1:5432, dropped on exit."""
    if db == "sqlite":
        yield {"uri": "sqlite://", "dbname": "peer", "cache": str(PEER_DIR / f"peer-admin-{version}.sqlite")}
        return
    import psycopg

    from bench.common import PG_ADMIN_URL

    name = f"peer_tryton_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    try:
        yield {"uri": PG_SERVER, "dbname": name, "cache": ""}
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_tryton(subscriptions: int, db: str) -> dict[str, Any]:
    python = ensure_venv(REQUIREMENTS + (PG_REQUIREMENTS if db == "postgresql" else ()))
    version = subprocess.run([str(python), "-c", "import trytond; print(trytond.__version__)"],
                             check=False, capture_output=True, text=True).stdout.strip()
    child = PEER_DIR / "child.py"
    child.write_text(CHILD)
    with tempfile.TemporaryDirectory(prefix="peer-tryton-") as work, tryton_database(db, work, version) as where:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TRYTON", "PYTHON"))}
        args = {"workdir": work, "count": subscriptions, "prices_cents": PRICES_CENTS, "quantity": QUANTITY, **where}
        command = [str(python), str(child), json.dumps(args)]
        done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, cwd=work)
    results = [line for line in done.stdout.splitlines() if line.startswith("RESULT:")]
    partials = [line for line in done.stdout.splitlines() if line.startswith("PARTIAL:")]
    if done.returncode or not results:
        reason = last_line(done.stderr or done.stdout)
        if "Expression tree is too large" in reason:  # SQLite's compile-time SQLITE_MAX_EXPR_DEPTH (1000)
            reason += ("; Tryton's own domain validation of the invoices it saves in one go builds a deeper "
                       "SQL expression than SQLite allows: use --db postgresql, or fewer --subscriptions")
        partial = json.loads(partials[-1].removeprefix("PARTIAL:")) if partials else None
        raise HalfFailed(f"the Tryton child failed ({done.returncode}): {reason}", partial)
    found: dict[str, Any] = json.loads(results[-1].removeprefix("RESULT:"))
    found["version"] = version
    return found


# ---------------------------------------------------------------------------------------------- cpq


def column_value(column: Any, raw: str) -> Any:
    """A bulk-load TSV field (`\\N`, `t`/`f`, ISO dates…) as the Python value SQLAlchemy binds for `column`."""
    if raw == "\\N":
        return None
    try:
        kind = getattr(column.type, "impl_instance", column.type).python_type
    except NotImplementedError:
        return raw
    if kind is datetime:
        return datetime.fromisoformat(raw + ":00" if raw[-3] in "+-" else raw)
    parse = {bool: lambda v: v == "t", uuid.UUID: uuid.UUID, date: date.fromisoformat, int: int, Decimal: Decimal}
    return parse.get(kind, str)(raw)


def load_contracts(url: str, count: int) -> int:
    """N contracts × 3 monthly segments from START, 12 months, rows as bench_invoice_lines' loader makes them:
    its COPY loader on PostgreSQL, SQLAlchemy Core inserts of the same rows on SQLite."""
    from sqlalchemy import text

    from app.db.base import Base
    from bench import bench_invoice_lines as bil

    accounts = bil.seed_reference_data(url)
    skus = list(bil.PRODUCTS)[:3]
    specs = []
    for index in range(count):
        segments = tuple(bil.Seg(bil.new_id(), bil.new_id(), sku, QUANTITY, cents, 0, cents)
                         for sku, cents in zip(skus, PRICES_CENTS, strict=True))
        specs.append(bil.Spec(
            contract_id=bil.new_id(), quote_id=bil.new_id(), version_id=bil.new_id(), index=index,
            account_id=accounts[index % len(accounts)], start=START, term_months=12,
            end=bil.add_months(START, 12), frequency="monthly", months=1, auto_renew=False, segments=segments))
    if url.startswith("postgresql"):
        bil.bulk_load(url, specs)
        return count * len(skus)
    engine, _factory = bil.session_for(url)
    try:
        with engine.begin() as connection:
            for name, columns, rows in bil.TABLES:
                table = Base.metadata.tables[name]
                names = [c.strip() for c in columns.split(",")]
                values = [{n: column_value(table.c[n], raw) for n, raw in zip(names, row.split("\t"), strict=True)}
                          for spec in specs for row in rows(spec)]
                connection.execute(table.insert(), values)
            connection.execute(text("UPDATE quotes SET contract_id = (SELECT c.id FROM contracts c "
                                    "WHERE c.source_quote_id = quotes.id)"))
    finally:
        engine.dispose()
    return count * len(skus)


def run_cpq(count: int, db: str, repeats: int = 3) -> dict[str, Any]:
    from bench import bench_invoice_lines as bil
    from bench.common import UvicornServer, admin_token, migrate, postgres_database, sqlite_url

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="peer-cpq-"))
        url = sqlite_url(Path(tmp)) if db == "sqlite" else stack.enter_context(postgres_database("peer"))
        migrate(url)
        segments = load_contracts(url, count)
        token = admin_token(url)
        env = {"CPQ_DATABASE_URL": url, "CPQ_PDF_WORKERS": "0", "CPQ_DOCUMENTS_DIR": str(Path(tmp) / "documents")}
        body = Path(tmp) / "lines.csv"
        with UvicornServer("app.main:create_app", env=env) as server:
            runs = [bil.stream_http(server, token, body) for _ in range(repeats + 1)]  # the first one warms up
        bad = [r.status for r in runs if r.status != 200]
        if bad:
            raise HalfFailed(f"GET /v1/invoice-lines answered {bad[0]}: {body.read_text()[:200]}")
        lines, amount, _kinds = bil.csv_totals(body)
        timed = [r.total_s for r in runs[1:]]
    return {"segments": segments, "seconds": statistics.median(timed), "min_s": min(timed), "lines": lines,
            "amount": str(amount), "bytes": runs[-1].bytes}


# --------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1000, help="customers / contracts (default 1000)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql",
                        help="both halves' database: 127.0.0.1:5432 as postgres (default) or SQLite files "
                             "(where Tryton's invoicing fails past a few hundred subscriptions)")
    parser.add_argument("--skip-cpq", action="store_true", help="run the Tryton half only")
    parser.add_argument("--skip-tryton", action="store_true", help="run the cpq half only")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped
    from bench.common import header

    n = args.subscriptions
    header(f"peer_tryton: a month of invoice lines, {n:,} subscriptions × 3 monthly lines, Tryton 8.2 vs cpq, "
           f"both on {'SQLite' if args.db == 'sqlite' else 'PostgreSQL'}")
    tryton: dict[str, Any] | None = None
    cpq: dict[str, Any] | None = None
    failed = False
    if not args.skip_tryton:
        started = time.perf_counter()
        try:
            tryton = run_tryton(n, args.db)
            print(f"   Tryton {tryton['version']}: activation {tryton['admin_s']:.1f} s "
                  f"({'cached database' if not tryton['admin_s'] else 'trytond-admin'}), setup "
                  f"{tryton['setup_s']:.1f} s; {tryton['consumptions']:,} consumptions, {tryton['invoices']:,} "
                  f"invoices, {tryton['lines']:,} lines, amount {tryton['amount']} "
                  f"(wall {time.perf_counter() - started:.0f} s)")
        except Exception as error:  # noqa: BLE001 - report the half's failure in one line, run the other
            failed = True
            tryton = error.partial if isinstance(error, HalfFailed) else None
            print(f"   Tryton half failed: {one_line(error)}")
    if not args.skip_cpq:
        try:
            cpq = run_cpq(n, args.db)
            print(f"   cpq: {cpq['segments']:,} segments; GET /v1/invoice-lines CSV median of 3 "
                  f"{cpq['seconds']:.3f} s (min {cpq['min_s']:.3f}), {cpq['lines']:,} lines, "
                  f"amount {cpq['amount']}, {cpq['bytes']:,} bytes")
        except Exception as error:  # noqa: BLE001 - report the half's failure in one line
            failed = True
            print(f"   cpq half failed: {one_line(error)}")

    def fmt(source: dict[str, Any] | None, key: str, pattern: str) -> str:
        return "n/a" if source is None else "failed" if key not in source else format(source[key], pattern)

    ratio = "n/a"
    if tryton is not None and "invoices_s" in tryton and cpq is not None and cpq["seconds"] > 0:
        ratio = f"{(tryton['consumptions_s'] + tryton['invoices_s']) / cpq['seconds']:.0f}×"
        ratio += f" (invoices only {tryton['invoices_s'] / cpq['seconds']:.0f}×)"
    rows = [("Tryton consumptions s", fmt(tryton, "consumptions_s", ".2f")),
            ("Tryton invoices s", fmt(tryton, "invoices_s", ".2f")),
            ("Tryton invoice lines", fmt(tryton, "lines", ",")),
            ("cpq s (HTTP CSV)", fmt(cpq, "seconds", ".3f")),
            ("cpq lines", fmt(cpq, "lines", ",")),
            ("ratio Tryton/cpq", ratio)]
    print()
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"   {name.ljust(width)}  {value}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
