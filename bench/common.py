"""Shared benchmark helpers: statistics, printing, databases, a live uvicorn server and a load generator.

Everything talks to 127.0.0.1 only, every loop is bounded (by a count or a deadline), and nothing here
asserts a timing: benchmarks print figures and ratios, people read them.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CPU_COUNT = os.cpu_count() or 1


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    """One line of the summary table printed by run_all."""

    bench: str
    what: str
    figure: str
    target: str = ""
    ratio: str = ""
    verdict: str = ""  # "met", "missed" or "" (no target); printed, never asserted


def verdict(met: bool | None) -> str:
    return "" if met is None else ("met" if met else "MISSED")


def print_table(results: Sequence[Result]) -> None:
    headers = ("benchmark", "what", "figure", "target", "ratio / floor", "target?")
    rows = [(r.bench, r.what, r.figure, r.target, r.ratio, r.verdict) for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def header(title: str) -> None:
    print()
    print(f"== {title} " + "=" * max(0, 76 - len(title)))
    load = os.getloadavg()
    print(f"   machine: {CPU_COUNT} CPU core(s), Python {sys.version.split()[0]}, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
          + ("  (busy: other work shares the cores; figures are noisy)" if load[0] > 0.5 * CPU_COUNT else ""))


# ------------------------------------------------------------------------------------------ statistics


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    if low == high:
        return ordered[int(k)]
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "min": min(ms),
        "p50": statistics.median(ms),
        "p95": percentile(ms, 95),
        "max": max(ms),
        "mean": statistics.fmean(ms),
    }


def fmt_summary(s: dict[str, float]) -> str:
    return (f"n={int(s['n'])}  min {s['min']:.2f}  p50 {s['p50']:.2f}  p95 {s['p95']:.2f}  "
            f"max {s['max']:.2f}  mean {s['mean']:.2f}  (ms)")


# ------------------------------------------------------------------------------------------- databases


def sqlite_url(directory: Path, name: str = "bench.db") -> str:
    return f"sqlite:///{directory / name}"


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers at 127.0.0.1:5432, else the reason in a few words."""
    try:
        import psycopg
    except ImportError as error:  # pragma: no cover - psycopg is a project dependency
        return f"psycopg is not importable ({error})"
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "skip the PostgreSQL pass"
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None


def postgres_skipped(bench: str, what: str) -> list[Result] | None:
    """The result row of a PostgreSQL-only benchmark skipped because PostgreSQL does not answer, else None."""
    reason = postgres_reachable()
    if reason is None:
        return None
    print(f"   skipped: PostgreSQL not reachable at 127.0.0.1:5432 ({reason})")
    return [Result(bench, what, "skipped", "", "unreachable")]


def on_both_databases(bench: str, skipped: str, label: str, directory: Path,
                      run: Callable[[str, str], list[Result]]) -> list[Result]:
    """`run(backend, url)` on a SQLite file in `directory`, then on a fresh PostgreSQL database; when PostgreSQL
    does not answer, a row `skipped` says so."""
    results = run("sqlite", sqlite_url(directory))
    reason = postgres_reachable()
    if reason is not None:
        print(f"   [postgresql] skipped: PostgreSQL not reachable at 127.0.0.1:5432 ({reason})")
        return [*results, Result(bench, skipped, "skipped", "", "unreachable")]
    with postgres_database(label) as url:
        return results + run("postgresql", url)


@contextlib.contextmanager
def postgres_database(label: str) -> Iterator[str]:
    """A freshly created, uniquely named PostgreSQL database (SQLAlchemy URL), dropped on exit."""
    import psycopg

    name = f"cpq_bench_{label}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def libpq_url(url: str) -> str:
    """The libpq / psycopg form of a SQLAlchemy PostgreSQL URL (`postgresql+psycopg://…` → `postgresql://…`)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def migrate(url: str) -> None:
    import logging

    from app.db.migrate import upgrade

    upgrade(url)
    # alembic.ini's logging config may turn on INFO logs for the rest of the process; quiet them.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def session_for(url: str):  # type: ignore[no-untyped-def]
    from app.db.session import make_engine, make_session_factory

    engine = make_engine(url)
    return engine, make_session_factory(engine)


def admin_token(url: str) -> str:
    from app.services.auth import OPERATOR, create_key

    engine, factory = session_for(url)
    try:
        with factory() as session:
            _key, token = create_key(session, caller=OPERATOR, role="admin", account_id=None, name="bench")
        return token
    finally:
        engine.dispose()


def seed_catalog(url: str, skus: Sequence[str], *, unit_price: str = "25.00") -> None:
    """One add-on product per sku with a per-unit EUR price, through the catalog use cases."""
    from datetime import date

    from app.services.auth import OPERATOR
    from app.services.catalog import create_price_entry, create_product

    engine, factory = session_for(url)
    try:
        with factory() as session:
            for index, sku in enumerate(skus):
                create_product(session, caller=OPERATOR, sku=sku, kind="addon", name=f"Bench add-on {index}",
                               family=f"fam{index}", unit="seat")
                create_price_entry(session, caller=OPERATOR, sku=sku, currency="EUR", pricing_model="per_unit",
                                   effective_from=date(2026, 1, 1), effective_to=None,
                                   unit_price=Decimal(unit_price), tiers=[])
    finally:
        engine.dispose()


def create_account(url: str, name: str = "Bench GmbH") -> str:
    from app.services.accounts import create_account as create
    from app.services.auth import OPERATOR

    engine, factory = session_for(url)
    try:
        with factory() as session:
            row = create(session, caller=OPERATOR, name=name, currency="EUR", locale="en",
                         billing_email="bench@example.org")
        return str(row.id)
    finally:
        engine.dispose()


# -------------------------------------------------------------------------------------- live uvicorn


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class UvicornServer:
    """`python -m uvicorn <factory> --factory --workers N` (1 by default) in a child process on 127.0.0.1:<free port>."""

    def __init__(self, factory: str, *, env: dict[str, str] | None = None, ready_path: str = "/health",
                 startup_timeout: float = 30.0, workers: int = 1) -> None:
        self.factory = factory
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.ready_path = ready_path
        self.startup_timeout = startup_timeout
        self.env = {**os.environ, **(env or {})}
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server; closed in __exit__

    def __enter__(self) -> Self:
        command = [
            sys.executable, "-m", "uvicorn", self.factory, "--factory", "--host", HOST, "--port", str(self.port),
            "--workers", str(self.workers), "--log-level", "warning", "--no-access-log",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import httpx

        deadline = time.monotonic() + self.startup_timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn {self.factory} exited with {self.process.returncode}:\n{self.log()}")
            try:
                response = httpx.get(self.base_url + self.ready_path, timeout=2)
                if response.status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"uvicorn {self.factory} not ready after {self.startup_timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by a process (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def proc_status_kb(pid: int, field: str) -> int | None:
    """A kB figure from /proc/<pid>/status (e.g. VmRSS: resident now, VmHWM: peak resident), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return None


# ------------------------------------------------------------------------------------- load generator


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_s: list[float]
    server_cpu_s: float | None
    client_cpu_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    chunked = False
    for raw in head.split(b"\r\n")[1:]:
        name, _, value = raw.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value.strip())
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        return status, bytes(body)
    return status, await reader.readexactly(length or 0)


async def _load(port: int, path: str, headers: dict[str, str], concurrency: int, warmup_s: float,
                duration_s: float, server_pid: int | None) -> LoadResult:
    """Closed-loop load: `concurrency` keep-alive HTTP/1.1 connections, each sending the next GET when the
    previous answer has arrived. A minimal client on raw asyncio streams, so the client costs as little CPU
    as possible on a machine it shares with the server."""
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
               + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    loop = asyncio.get_running_loop()
    measuring = False
    stop_at = loop.time() + warmup_s + duration_s
    counts = {"ok": 0, "errors": 0}
    latencies: list[float] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while loop.time() < stop_at:
                started = time.perf_counter()  # loop.time() is millisecond-grained under uvloop
                writer.write(request)
                status, _body = await _read_response(reader)
                if measuring:
                    latencies.append(time.perf_counter() - started)
                    counts["ok" if status == 200 else "errors"] += 1
        finally:
            writer.close()

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    await asyncio.sleep(warmup_s)
    measuring = True
    begun, cpu0 = time.perf_counter(), time.process_time()
    server_cpu0 = cpu_seconds(server_pid) if server_pid else None
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - begun
    client_cpu = time.process_time() - cpu0
    server_cpu1 = cpu_seconds(server_pid) if server_pid else None
    server_cpu = None if server_cpu0 is None or server_cpu1 is None else server_cpu1 - server_cpu0
    return LoadResult(counts["ok"], counts["errors"], seconds, latencies, server_cpu, client_cpu)


def run_load(port: int, path: str, *, headers: dict[str, str] | None = None, concurrency: int = 16,
             warmup_s: float = 2.0, duration_s: float = 8.0, server_pid: int | None = None) -> LoadResult:
    coroutine = _load(port, path, headers or {}, concurrency, warmup_s, duration_s, server_pid)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
