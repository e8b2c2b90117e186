"""`GET /v1/quotes/{id}` and `/v1/contracts/{id}` throughput against a FastAPI hello-world floor, on SQLite
and PostgreSQL, with one uvicorn worker and then two.

Targets with one worker: ≥ 40 % of the hello-world floor on SQLite, ≥ 20 % on PostgreSQL; two workers are
reported beside a two-worker hello-world. Both apps are served the same way
(`uvicorn <factory> --factory --workers N --log-level warning`, the cpq app on a temp SQLite file or a fresh
PostgreSQL database, with CPQ_PDF_WORKERS=0) and loaded by the same client: a small closed-loop HTTP/1.1 keep-alive client on raw
asyncio streams (uvloop), CONCURRENCY connections, each sending its next request as soon as the previous
answer arrives. `wrk` is used instead when it is installed.

The read is a quote of 5 lines. When a quote can be finalized and accepted here (PDF rendering works),
`GET /v1/contracts/{id}` (the endpoint the throughput target names) is measured too.

Segments run in an A B C C B A order, twice (each after a warm-up), so a drift in background load on a shared
machine weighs on every app alike. The load generator shares the machine's cores with the server under
test: the floor is "what this client can drive through a hello-world here", not uvicorn's maximum.

    python -m bench.bench_get_throughput
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import (
    CPU_COUNT,
    LoadResult,
    Result,
    UvicornServer,
    admin_token,
    create_account,
    header,
    migrate,
    on_both_databases,
    percentile,
    print_table,
    run_load,
    seed_catalog,
    verdict,
)

#: With one worker: SQLite is read inline on the event loop, PostgreSQL over a socket to another process.
TARGET_RATIO = {"sqlite": 0.40, "postgresql": 0.20}
CONCURRENCY = 16
WARMUP_S = 1.0
SEGMENT_S = 2.0  # four segments per app, A B C C B A twice: 8 s of measurement each, drift averaged finer
ROUNDS = 2
SKUS = [f"GET-{i}" for i in range(5)]


@dataclass
class Target:
    label: str
    server: UvicornServer
    path: str
    headers: dict[str, str]
    runs: list[LoadResult]
    #: Whether the server's CPU is one process's (one worker), which the figures then show.
    one_process: bool = True

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.runs)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency_ms(self, p: float) -> float:
        return percentile([x for r in self.runs for x in r.latencies_s], p) * 1000

    def cpu_share(self) -> tuple[float | None, float]:
        server = [r.server_cpu_s for r in self.runs]
        server_cpu = None if any(s is None for s in server) else sum(s for s in server if s is not None)
        client_cpu = sum(r.client_cpu_s for r in self.runs)
        return (None if server_cpu is None else server_cpu / self.seconds), client_cpu / self.seconds


def _wrk_seconds(duration_s: float) -> int:
    """wrk 4.1 takes whole seconds only: given `-d1.5s` it prints its usage and measures nothing."""
    return max(1, math.ceil(duration_s))


def wrk_load(target: Target, duration_s: float) -> LoadResult | None:
    """One wrk segment (when wrk is installed): same connections, the duration rounded up to whole seconds;
    None when wrk's output has no request count (it failed), so the caller measures with the Python client."""
    url = target.server.base_url + target.path
    header_args = [arg for k, v in target.headers.items() for arg in ("-H", f"{k}: {v}")]
    subprocess.run(["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{_wrk_seconds(WARMUP_S)}s", *header_args, url],
                   capture_output=True, timeout=60, check=False)
    seconds = _wrk_seconds(duration_s)
    run = subprocess.run(["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{seconds}s", *header_args, url],
                         capture_output=True, text=True, timeout=120, check=False)
    requests = re.search(r"(\d+) requests in", run.stdout)
    if requests is None:
        print(f"   wrk gave no figure (exit {run.returncode}: {(run.stderr or run.stdout).strip()[:200]!r}); "
              "this segment uses the Python client")
        return None
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", run.stdout)
    errors = int(non2xx.group(1)) if non2xx else 0
    return LoadResult(int(requests.group(1)) - errors, errors, float(seconds), [], None, 0.0)


def segment(target: Target, use_wrk: bool) -> None:
    measured = wrk_load(target, SEGMENT_S) if use_wrk else None
    target.runs.append(measured or run_load(target.server.port, target.path, headers=target.headers,
                                            concurrency=CONCURRENCY, warmup_s=WARMUP_S, duration_s=SEGMENT_S,
                                            server_pid=target.server.pid if target.one_process else None))


def make_contract(client: httpx.Client, quote_id: str) -> str | None:
    """Finalize and accept the quote; None (and why, printed) when this machine cannot render the PDF."""
    finalized = client.post(f"/v1/quotes/{quote_id}/finalize")
    if finalized.status_code != 200:
        print(f"   GET /v1/contracts/{{id}} skipped: finalize answered {finalized.status_code} "
              f"({finalized.text[:160]})")
        return None
    accepted = client.post(f"/v1/quotes/{quote_id}/accept", json={
        "signer_name": "Bench Signer", "signer_email": "signer@example.org",
        "document_sha256": finalized.json()["document_sha256"],
    })
    if accepted.status_code != 200:
        print(f"   GET /v1/contracts/{{id}} skipped: accept answered {accepted.status_code} ({accepted.text[:160]})")
        return None
    return str(accepted.json()["contract"]["id"])


def _objects(client: httpx.Client, account_id: str) -> list[tuple[str, str]]:
    """A 5-line quote and, when PDFs render here, the contract accepting another makes: (label, path)."""
    body = {"account_id": account_id, "start_date": "2026-01-15", "term_months": 12, "billing_frequency": "monthly",
            "lines": [{"sku": s, "quantity": 5 + i} for i, s in enumerate(SKUS)]}
    created = client.post("/v1/quotes", json=body)
    if created.status_code != 201:
        raise RuntimeError(f"POST /v1/quotes answered {created.status_code}: {created.text[:300]}")
    objects = [("GET /v1/quotes/{id} (5 lines)", f"/v1/quotes/{created.json()['id']}")]
    contract_quote = client.post("/v1/quotes", json=body)
    contract_id = make_contract(client, contract_quote.json()["id"]) if contract_quote.status_code == 201 else None
    if contract_id:
        objects.append(("GET /v1/contracts/{id}", f"/v1/contracts/{contract_id}"))
    for _, path in objects:  # the same GETs as the load, checked once with a real HTTP client
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
        print(f"   GET {path.rsplit('/', 1)[0]}/{{id}}: 200, {len(response.content)} bytes")
    return objects


def _measure(backend: str, workers: int, env: dict[str, str], auth: dict[str, str],
             objects: list[tuple[str, str]] | None, account_id: str, use_wrk: bool) -> tuple[list[Target], list[tuple[str, str]]]:
    """hello-world and cpq with `workers` uvicorn workers each, every read in A B C C B A segments, `ROUNDS` times."""
    with UvicornServer("bench.hello_app:create_app", workers=workers) as hello_server, \
            UvicornServer("app.main:create_app", env=env, workers=workers) as cpq_server:
        if objects is None:
            with httpx.Client(base_url=cpq_server.base_url, headers=auth, timeout=60) as client:
                objects = _objects(client, account_id)
        one = workers == 1  # the CPU of several workers is not one process's: not shown
        hello = Target(f"hello-world GET /hello ×{workers}", hello_server, "/hello", {}, [], one)
        targets = [hello] + [Target(f"{label} ×{workers}", cpq_server, path, auth, [], one) for label, path in objects]
        for target in (targets + targets[::-1]) * ROUNDS:  # A B C C B A A B C C B A
            segment(target, use_wrk)
    _print(backend, workers, targets, use_wrk)
    return targets, objects


def _print(backend: str, workers: int, targets: list[Target], use_wrk: bool) -> None:
    hello = targets[0]
    print(f"   [{backend}, {workers} worker{'s' if workers > 1 else ''}]")
    print(f"   {'endpoint':36} {'req/s':>8} {'requests':>9} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'server CPU':>10} {'client CPU':>10} {'vs floor':>9}")
    for target in targets:
        server_cpu, client_cpu = target.cpu_share()
        ratio = target.rps / hello.rps if hello.rps else 0.0
        latency = (f"{target.latency_ms(50):7.2f} {target.latency_ms(99):7.2f}" if not use_wrk else f"{'-':>7} {'-':>7}")
        print(f"   {target.label:36} {target.rps:8.0f} {target.requests:9d} {target.errors:6d} {latency} "
              f"{'-' if server_cpu is None else f'{server_cpu:.0%}':>10} {client_cpu:>10.0%} {ratio:>9.1%}")
        if target.errors:
            print(f"   !! {target.errors} non-200 answers from {target.label}")


def _results(backend: str, targets: list[Target], workers: int) -> list[Result]:
    hello = targets[0]
    target_ratio = TARGET_RATIO[backend] if workers == 1 else None
    results = [Result("get_throughput", f"floor: hello-world req/s, {workers} worker(s)", f"{hello.rps:.0f} req/s")]
    for target in targets[1:]:
        ratio = target.rps / hello.rps if hello.rps else 0.0
        met = None if target_ratio is None else ratio >= target_ratio
        print(f"   => {backend}: {target.label}: {target.rps:.0f} req/s = {ratio:.1%} of the hello-world floor "
              f"({hello.rps:.0f} req/s)" + ("" if target_ratio is None else
                                             f"; target ≥ {target_ratio:.0%}: {verdict(met)}"))
        results.append(Result("get_throughput", f"{target.label} {backend}", f"{target.rps:.0f} req/s",
                              "" if target_ratio is None else f"≥ {target_ratio:.0%} of floor",
                              f"{ratio:.1%} of hello-world", verdict(met)))
    return results


def _backend(backend: str, url: str, tmp: Path, use_wrk: bool) -> list[Result]:
    migrate(url)
    token = admin_token(url)
    seed_catalog(url, SKUS)
    account_id = create_account(url)
    auth = {"Authorization": f"Bearer {token}"}
    env = {"CPQ_DATABASE_URL": url, "CPQ_PDF_WORKERS": "0", "CPQ_DOCUMENTS_DIR": str(tmp / f"documents-{backend}")}
    results: list[Result] = []
    objects = None
    for workers in (1, 2):
        targets, objects = _measure(backend, workers, env, auth, objects, account_id, use_wrk)
        results += _results(backend, targets, workers)
    return results


def run() -> list[Result]:
    use_wrk = shutil.which("wrk") is not None
    client_name = "wrk -t1" if use_wrk else "asyncio keep-alive client (uvloop, raw streams)"
    header("bench_get_throughput: GET /v1/quotes/{id} and /v1/contracts/{id} vs a hello-world floor, 1 and 2 "
           "uvicorn workers (target with 1: ≥ 40 % SQLite, ≥ 20 % PostgreSQL)")
    print(f"   client: {client_name}, {CONCURRENCY} connections, {WARMUP_S:g} s warm-up + {SEGMENT_S:g} s per "
          f"segment, {2 * ROUNDS} segments per app")
    print(f"   NOTE: the load generator runs on the same {CPU_COUNT}-core machine as the server under test "
          f"and competes with it for CPU")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="cpq-bench-get-") as tmp:
        results += on_both_databases("get_throughput", "GET postgresql", "get", Path(tmp),
                                     lambda backend, url: _backend(backend, url, Path(tmp), use_wrk))
    load = os.getloadavg()
    print(f"   load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return results


def main() -> None:
    results = run()
    print()
    print_table(results)


if __name__ == "__main__":
    main()
