"""`GET /v1/quotes/{id}` throughput with ONE uvicorn worker, against a FastAPI hello-world floor.

Target: ≥ 40 % of the hello-world floor. Both apps are served the same way
(`uvicorn <factory> --factory --workers 1 --log-level warning`, the cpq app on a temp SQLite file with
CPQ_PDF_WORKERS=0) and loaded by the same client: a small closed-loop HTTP/1.1 keep-alive client on raw
asyncio streams (uvloop), CONCURRENCY connections, each sending its next request as soon as the previous
answer arrives. `wrk` is used instead when it is installed.

The read is a quote of 5 lines. When a quote can be finalized and accepted here (PDF rendering works),
`GET /v1/contracts/{id}` (the endpoint the throughput target names) is measured too.

Segments run in an A B C C B A order (each after a warm-up), so a drift in background load on a shared
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
    percentile,
    print_table,
    run_load,
    seed_catalog,
    sqlite_url,
    verdict,
)

TARGET_RATIO = 0.40
CONCURRENCY = 16
WARMUP_S = 1.5
SEGMENT_S = 4.0  # two segments per app: 8 s of measurement each
SKUS = [f"GET-{i}" for i in range(5)]


@dataclass
class Target:
    label: str
    server: UvicornServer
    path: str
    headers: dict[str, str]
    runs: list[LoadResult]

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
                                            server_pid=target.server.pid))


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


def run() -> list[Result]:
    use_wrk = shutil.which("wrk") is not None
    client_name = "wrk -t1" if use_wrk else "asyncio keep-alive client (uvloop, raw streams)"
    header(f"bench_get_throughput: GET /v1/quotes/{{id}} with 1 uvicorn worker vs a hello-world floor "
           f"(target ≥ {TARGET_RATIO:.0%})")
    print(f"   client: {client_name}, {CONCURRENCY} connections, {WARMUP_S:g} s warm-up + {SEGMENT_S:g} s per "
          f"segment, 2 segments per app")
    print(f"   NOTE: the load generator runs on the same {CPU_COUNT}-core machine as the server under test "
          f"and competes with it for CPU")

    with tempfile.TemporaryDirectory(prefix="cpq-bench-get-") as tmp:
        url = sqlite_url(Path(tmp))
        migrate(url)
        token = admin_token(url)
        seed_catalog(url, SKUS)
        account_id = create_account(url)
        auth = {"Authorization": f"Bearer {token}"}
        env = {"CPQ_DATABASE_URL": url, "CPQ_PDF_WORKERS": "0", "CPQ_DOCUMENTS_DIR": str(Path(tmp) / "documents")}

        with UvicornServer("bench.hello_app:create_app") as hello_server, \
                UvicornServer("app.main:create_app", env=env) as cpq_server:
            with httpx.Client(base_url=cpq_server.base_url, headers=auth, timeout=60) as client:
                created = client.post("/v1/quotes", json={
                    "account_id": account_id, "start_date": "2026-01-15", "term_months": 12,
                    "billing_frequency": "monthly",
                    "lines": [{"sku": s, "quantity": 5 + i} for i, s in enumerate(SKUS)],
                })
                if created.status_code != 201:
                    raise RuntimeError(f"POST /v1/quotes answered {created.status_code}: {created.text[:300]}")
                quote_id = created.json()["id"]
                contract_quote = client.post("/v1/quotes", json={
                    "account_id": account_id, "start_date": "2026-01-15", "term_months": 12,
                    "billing_frequency": "monthly",
                    "lines": [{"sku": s, "quantity": 5 + i} for i, s in enumerate(SKUS)],
                })
                contract_id = make_contract(client, contract_quote.json()["id"]) \
                    if contract_quote.status_code == 201 else None
                # The same GETs as the load, checked once with a real HTTP client.
                for path in [f"/v1/quotes/{quote_id}"] + ([f"/v1/contracts/{contract_id}"] if contract_id else []):
                    response = client.get(path)
                    if response.status_code != 200:
                        raise RuntimeError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
                    print(f"   GET {path.rsplit('/', 1)[0]}/{{id}}: 200, {len(response.content)} bytes")
            hello = Target("hello-world GET /hello", hello_server, "/hello", {}, [])
            quote = Target("GET /v1/quotes/{id} (5 lines)", cpq_server, f"/v1/quotes/{quote_id}", auth, [])
            targets = [hello, quote]
            if contract_id:
                targets.append(Target("GET /v1/contracts/{id}", cpq_server, f"/v1/contracts/{contract_id}",
                                      auth, []))
            for target in targets + targets[::-1]:  # A B C C B A
                segment(target, use_wrk)

    print()
    print(f"   {'endpoint':32} {'req/s':>8} {'requests':>9} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'server CPU':>10} {'client CPU':>10} {'vs floor':>9}")
    for target in targets:
        server_cpu, client_cpu = target.cpu_share()
        ratio = target.rps / hello.rps if hello.rps else 0.0
        latency = (f"{target.latency_ms(50):7.2f} {target.latency_ms(99):7.2f}" if not use_wrk else f"{'-':>7} {'-':>7}")
        print(f"   {target.label:32} {target.rps:8.0f} {target.requests:9d} {target.errors:6d} {latency} "
              f"{'-' if server_cpu is None else f'{server_cpu:.0%}':>10} {client_cpu:>10.0%} {ratio:>9.1%}")
    print("   (CPU: share of one core used by the server process / by the load generator over the segments)")
    results = [Result("get_throughput", "floor: hello-world GET req/s", f"{hello.rps:.0f} req/s")]
    for target in targets[1:]:
        ratio = target.rps / hello.rps if hello.rps else 0.0
        print(f"   => {target.label}: {target.rps:.0f} req/s = {ratio:.1%} of the hello-world floor "
              f"({hello.rps:.0f} req/s); target ≥ {TARGET_RATIO:.0%}: {verdict(ratio >= TARGET_RATIO)}")
        results.append(Result("get_throughput", f"{target.label} req/s", f"{target.rps:.0f} req/s",
                              f"≥ {TARGET_RATIO:.0%} of floor", f"{ratio:.1%} of hello-world",
                              verdict(ratio >= TARGET_RATIO)))
        if target.errors:
            print(f"   !! {target.errors} non-200 answers from {target.label}")
    load = os.getloadavg()
    print(f"   load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return results


def main() -> None:
    results = run()
    print()
    print_table(results)


if __name__ == "__main__":
    main()
