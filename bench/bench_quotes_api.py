"""`POST /v1/quotes` with 500 lines, end to end through a live uvicorn, on SQLite and on PostgreSQL.

Target: ≤ 250 ms p50. For each database: a fresh schema (a temp SQLite file; a uniquely named PostgreSQL
database, dropped at the end), 500 add-ons with a EUR price, one account, one admin key; then the app is
served by `uvicorn app.main:create_app --factory --workers 1` on 127.0.0.1 and sent the same 500-line
quote ≥ 30 times, one request at a time (httpx, keep-alive).

Floors measured in the same run, so the ratios say what the app adds on top of them:
  * HTTP: the same JSON body POSTed to a FastAPI hello-world (`bench/hello_app.py` POST /echo: parse the
    JSON, answer a count) served the same way;
  * database: a raw DBAPI INSERT of the same 500 quote_lines rows in one transaction (and, on PostgreSQL,
    a COPY of them).
If PostgreSQL is not reachable at 127.0.0.1:5432 the PostgreSQL pass is skipped with one line.

    python -m bench.bench_quotes_api              # the benchmark
    python -m bench.bench_quotes_api --profile    # plus a cProfile top-25 of one in-process POST (SQLite)
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    Result,
    UvicornServer,
    admin_token,
    create_account,
    fmt_summary,
    header,
    migrate,
    on_both_databases,
    print_table,
    seed_catalog,
    sqlite_url,
    summary_ms,
    verdict,
)

LINES = 500
TARGET_MS = 250.0
WARMUP = 3
RUNS = 30
MAX_SECONDS = 45.0  # per database: stop early (after ≥ 10 runs) if the app is very slow
FLOOR_RUNS = 30
SKUS = [f"BENCH-{i:04d}" for i in range(LINES)]


def quote_body(account_id: str) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "start_date": "2026-01-15",
        "term_months": 12,
        "billing_frequency": "monthly",
        "lines": [{"sku": sku, "quantity": (i * 37) % 200 + 1} for i, sku in enumerate(SKUS)],
    }


def timed_posts(client: httpx.Client, path: str, body: dict[str, Any], *, runs: int, warmup: int,
                check: Callable[[httpx.Response], None]) -> list[float]:
    for _ in range(warmup):
        check(client.post(path, json=body))
    samples: list[float] = []
    deadline = time.perf_counter() + MAX_SECONDS
    while len(samples) < runs and (len(samples) < 10 or time.perf_counter() < deadline):
        started = time.perf_counter()
        response = client.post(path, json=body)
        samples.append(time.perf_counter() - started)
        check(response)
    return samples


def check_quote(response: httpx.Response) -> None:
    if response.status_code != 201:
        raise RuntimeError(f"POST /v1/quotes answered {response.status_code}: {response.text[:500]}")
    lines = len(response.json()["lines"])
    if lines != LINES:
        raise RuntimeError(f"POST /v1/quotes returned {lines} lines, not {LINES}")


def check_echo(response: httpx.Response) -> None:
    if response.status_code != 201 or response.json() != {"lines": LINES}:
        raise RuntimeError(f"POST /echo answered {response.status_code}: {response.text[:200]}")


# ------------------------------------------------------------------------------------ database floor


def _fresh_id(example: object) -> object:
    if isinstance(example, uuid.UUID):
        return uuid.uuid4()
    if isinstance(example, str) and len(example) == 32:
        return uuid.uuid4().hex
    return str(uuid.uuid4())


def db_floor(url: str, quote_id: str) -> dict[str, list[float]]:
    """Raw INSERT (and COPY on PostgreSQL) of the 500 quote_lines rows the app stored for one quote."""
    samples: dict[str, list[float]] = {}
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            cursor = connection.execute("SELECT * FROM quote_lines WHERE quote_id = ? ORDER BY position",
                                        (uuid.UUID(quote_id).hex,))
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            insert = (f"INSERT INTO quote_lines ({', '.join(columns)}) "
                      f"VALUES ({', '.join('?' for _ in columns)})")
            samples["INSERT"] = _insert_runs(connection, insert, columns, rows, copy=False)
        finally:
            connection.close()
        return samples

    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as pg:
        pg_cursor = pg.execute("SELECT * FROM quote_lines WHERE quote_id = %s ORDER BY position",
                               (uuid.UUID(quote_id),))
        pg_columns = [d.name for d in pg_cursor.description or ()]
        pg_rows = pg_cursor.fetchall()
        pg.commit()
        pg_insert = (f"INSERT INTO quote_lines ({', '.join(pg_columns)}) "
                     f"VALUES ({', '.join('%s' for _ in pg_columns)})")
        samples["INSERT"] = _insert_runs(pg, pg_insert, pg_columns, pg_rows, copy=False)
        copy = f"COPY quote_lines ({', '.join(pg_columns)}) FROM STDIN"
        samples["COPY"] = _insert_runs(pg, copy, pg_columns, pg_rows, copy=True)
    return samples


def _insert_runs(connection: Any, statement: str, columns: list[str], rows: list[Any], *, copy: bool) -> list[float]:
    id_index = columns.index("id")
    samples: list[float] = []
    for run in range(FLOOR_RUNS + 2):
        fresh = [tuple(_fresh_id(v) if i == id_index else v for i, v in enumerate(row)) for row in rows]
        started = time.perf_counter()
        cursor = connection.cursor()
        if copy:
            with cursor.copy(statement) as writer:
                for row in fresh:
                    writer.write_row(row)
        else:
            cursor.executemany(statement, fresh)
        connection.commit()
        elapsed = time.perf_counter() - started
        if run >= 2:  # two warm-up runs
            samples.append(elapsed)
    return samples


# ---------------------------------------------------------------------------------------- one backend


def bench_backend(label: str, url: str, documents_dir: Path, echo_p50: float) -> list[Result]:
    started = time.perf_counter()
    migrate(url)
    token = admin_token(url)
    seed_catalog(url, SKUS)
    account_id = create_account(url)
    print(f"   [{label}] schema, {LINES} products with prices, an account and a key in "
          f"{time.perf_counter() - started:.1f} s")
    env = {"CPQ_DATABASE_URL": url, "CPQ_DOCUMENTS_DIR": str(documents_dir), "CPQ_PDF_WORKERS": "0"}
    body = quote_body(account_id)
    with UvicornServer("app.main:create_app", env=env) as server, httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        first = client.post("/v1/quotes", json=body)
        check_quote(first)
        samples = timed_posts(client, "/v1/quotes", body, runs=RUNS, warmup=WARMUP - 1, check=check_quote)
        quote_id = first.json()["id"]
    s = summary_ms(samples)
    print(f"   [{label}] POST /v1/quotes ({LINES} lines)  {fmt_summary(s)}")
    floors = db_floor(url, quote_id)
    floor_text = []
    for kind, values in floors.items():
        f = summary_ms(values)
        floor_text.append(f"{kind} p50 {f['p50']:.2f} ms")
        print(f"   [{label}] floor: raw {kind} of the same {LINES} quote_lines rows  {fmt_summary(f)}")
    insert_p50 = summary_ms(floors["INSERT"])["p50"]
    floor_sum = echo_p50 + insert_p50
    print(f"   [{label}] => p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms; target ≤ {TARGET_MS:g} ms p50: "
          f"{verdict(s['p50'] <= TARGET_MS)}; {s['p50'] / echo_p50:.1f}× the HTTP echo floor, "
          f"{s['p50'] / insert_p50:.1f}× the raw INSERT floor, {s['p50'] / floor_sum:.1f}× their sum "
          f"({floor_sum:.1f} ms)")
    return [
        Result("quotes_api", f"POST 500 lines {label} p50", f"{s['p50']:.1f} ms", f"≤ {TARGET_MS:g} ms p50",
               f"{s['p50'] / floor_sum:.1f}× floor {floor_sum:.1f} ms (echo+INSERT)", verdict(s["p50"] <= TARGET_MS)),
        Result("quotes_api", f"POST 500 lines {label} p95", f"{s['p95']:.1f} ms", "", "; ".join(floor_text)),
    ]


@contextlib.contextmanager
def hello_server() -> Iterator[UvicornServer]:
    with UvicornServer("bench.hello_app:create_app") as server:
        yield server


def run() -> list[Result]:
    header(f"bench_quotes_api: POST /v1/quotes with {LINES} lines, live uvicorn, 1 worker "
           f"(target ≤ {TARGET_MS:g} ms p50)")
    print("   client (httpx, one request at a time) and server share the machine's cores")
    results: list[Result] = []
    body = quote_body(str(uuid.uuid4()))
    with hello_server() as hello, httpx.Client(base_url=hello.base_url, timeout=60) as client:
        echo = summary_ms(timed_posts(client, "/echo", body, runs=FLOOR_RUNS, warmup=WARMUP, check=check_echo))
    print(f"   floor: POST /echo of the same body to a FastAPI hello-world  {fmt_summary(echo)}")
    results.append(Result("quotes_api", "floor: POST /echo same body p50", f"{echo['p50']:.1f} ms"))

    with tempfile.TemporaryDirectory(prefix="cpq-bench-") as tmp:
        directory = Path(tmp)
        results += on_both_databases("quotes_api", "POST 500 lines postgresql", "quotes", directory, lambda backend, url:
                                     bench_backend(backend, url, directory / f"documents-{backend}", echo["p50"]))
    return results


# -------------------------------------------------------------------------------------- --profile


def profile(top: int = 25) -> None:
    """cProfile of POSTs handled in-process (httpx ASGITransport, no network), on a temp SQLite file.

    FastAPI runs sync endpoints and dependencies in worker threads, which cProfile does not follow; for the
    profile only, `anyio.to_thread.run_sync` is replaced by an inline call so the whole request is seen.
    """
    import asyncio
    import cProfile
    import pstats

    import anyio.to_thread

    from app.config import Settings
    from app.main import create_app

    async def inline(func: Callable[..., Any], *args: Any, **_kwargs: Any) -> Any:
        return func(*args)

    with tempfile.TemporaryDirectory(prefix="cpq-bench-profile-") as tmp:
        url = sqlite_url(Path(tmp))
        migrate(url)
        token = admin_token(url)
        seed_catalog(url, SKUS)
        body = quote_body(create_account(url))
        app = create_app(Settings(database_url=url, documents_dir=Path(tmp) / "documents", pdf_workers=0))

        async def posts(count: int) -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1",
                                         headers={"Authorization": f"Bearer {token}"}) as client:
                for _ in range(count):
                    check_quote(await client.post("/v1/quotes", json=body, timeout=60))

        original = anyio.to_thread.run_sync
        anyio.to_thread.run_sync = inline  # type: ignore[assignment]
        try:
            asyncio.run(posts(2))  # warm-up
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(posts(5))
            profiler.disable()
        finally:
            anyio.to_thread.run_sync = original
        print(f"\n   cProfile of 5 in-process POST /v1/quotes ({LINES} lines, SQLite), top {top} by own time")
        print("   (a big own time on one allocation-heavy frame is often a full GC pass charged to it):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(top)
        print("   ... and the app's own functions, the ORM flush and response serialization, by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            r"/app/|orm/session.py:\d+\(_?flush\)|serialize_response|type_adapter.py.*validate_python", top)


def main() -> None:
    results = run()
    print()
    print_table(results)
    if "--profile" in sys.argv[1:]:
        profile()


if __name__ == "__main__":
    main()
