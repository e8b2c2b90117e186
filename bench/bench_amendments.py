"""Amendment preview, `POST /v1/contracts/{id}/amendments` with three changes, on a 50-segment contract.

Target: ≤ 30 ms p50. For each database (a temp SQLite file; a uniquely named PostgreSQL database, dropped at
the end): 51 add-ons with a EUR price, each in its own family and without requires/excludes, one account and
one admin key; then, through a live `uvicorn app.main:create_app --factory --workers 1` on 127.0.0.1
(CPQ_PDF_WORKERS=0), ONE new-business quote with 50 lines (mid_term_decrease "credit") is created, finalized
(which renders its PDF), and accepted with its SHA-256: a contract with 50 segments in force. The same
amendment is then POSTed ≥ 30 times, one request at a time (httpx, keep-alive):

  * add_quantity   +5 of the first sku        (seat expansion, prorated charge)
  * remove_quantity −2 of the second sku      (priced as a credit, the contract's policy being "credit")
  * add_product     3 of the 51st sku         (not on the contract)

Each POST makes a new draft amendment quote (the preview); nothing is accepted, so the contract stays at
version 1 and every preview is priced on the same 50 segments.

Floor measured in the same run: the same JSON body POSTed to a FastAPI hello-world (`bench/hello_app.py`
POST /echo: parse the JSON, answer a count) served the same way. If PostgreSQL is not reachable at
127.0.0.1:5432 the PostgreSQL pass is skipped with one line.

    python -m bench.bench_amendments              # the benchmark
    python -m bench.bench_amendments --profile    # plus a cProfile of in-process previews (SQLite)
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
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

SEGMENTS = 50
TARGET_MS = 30.0
WARMUP = 5
RUNS = 40
MAX_SECONDS = 20.0  # per database: stop early (after ≥ 30 runs) if the app is very slow
SKUS = [f"AMD-{i:03d}" for i in range(SEGMENTS + 1)]  # the last one is added by the amendment
ON_CONTRACT, NEW_SKU = SKUS[:SEGMENTS], SKUS[SEGMENTS]
START, EFFECTIVE = "2026-01-15", "2026-04-01"  # monthly periods run 15th → 15th: mid-period


def quote_body(account_id: str) -> dict[str, Any]:
    return {
        "account_id": account_id, "start_date": START, "term_months": 12, "billing_frequency": "monthly",
        "mid_term_decrease": "credit",
        "lines": [{"sku": sku, "quantity": 10 + i % 20} for i, sku in enumerate(ON_CONTRACT)],
    }


def amendment_body() -> dict[str, Any]:
    return {
        "effective_date": EFFECTIVE,
        "changes": [
            {"action": "add_quantity", "sku": ON_CONTRACT[0], "quantity": 5},
            {"action": "remove_quantity", "sku": ON_CONTRACT[1], "quantity": 2},
            {"action": "add_product", "sku": NEW_SKU, "quantity": 3},
        ],
    }


def _ok(response: httpx.Response, status: int, what: str) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"{what} answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


def signed_contract(client: httpx.Client, account_id: str) -> dict[str, Any]:
    """Create, finalize (renders the PDF) and accept the 50-line quote with the hash of its document."""
    quote = _ok(client.post("/v1/quotes", json=quote_body(account_id)), 201, "POST /v1/quotes")
    finalized = _ok(client.post(f"/v1/quotes/{quote['id']}/finalize"), 200, "POST /v1/quotes/{id}/finalize")
    accepted = _ok(client.post(f"/v1/quotes/{quote['id']}/accept", json={
        "signer_name": "Bench Signer", "signer_email": "signer@example.org",
        "document_sha256": finalized["document_sha256"],
    }), 200, "POST /v1/quotes/{id}/accept")
    contract: dict[str, Any] = accepted["contract"]
    return contract


def check_amendment(response: httpx.Response) -> None:
    quote = _ok(response, 201, "POST /v1/contracts/{id}/amendments")
    changes = [(line["sku"], line["side"]) for line in quote["lines"]]
    expected = [(ON_CONTRACT[0], "charge"), (ON_CONTRACT[1], "credit"), (NEW_SKU, "charge")]
    if quote["type"] != "amendment" or quote["base_version"] != 1 or changes != expected:
        raise RuntimeError(f"unexpected amendment: type {quote['type']}, version {quote['base_version']}, "
                           f"lines {changes}")


def check_echo(response: httpx.Response) -> None:
    if response.status_code != 201:
        raise RuntimeError(f"POST /echo answered {response.status_code}: {response.text[:200]}")


def timed_posts(client: httpx.Client, path: str, body: dict[str, Any], *, runs: int, warmup: int,
                check: Callable[[httpx.Response], None]) -> list[float]:
    for _ in range(warmup):
        check(client.post(path, json=body))
    samples: list[float] = []
    deadline = time.perf_counter() + MAX_SECONDS
    while len(samples) < runs and (len(samples) < 30 or time.perf_counter() < deadline):
        started = time.perf_counter()
        response = client.post(path, json=body)
        samples.append(time.perf_counter() - started)
        check(response)
    return samples


def bench_backend(label: str, url: str, documents_dir: Path, echo_p50: float) -> list[Result]:
    started = time.perf_counter()
    migrate(url)
    token = admin_token(url)
    seed_catalog(url, SKUS)
    account_id = create_account(url)
    print(f"   [{label}] schema, {len(SKUS)} products with prices, an account and a key in "
          f"{time.perf_counter() - started:.1f} s")
    env = {"CPQ_DATABASE_URL": url, "CPQ_DOCUMENTS_DIR": str(documents_dir), "CPQ_PDF_WORKERS": "0"}
    with UvicornServer("app.main:create_app", env=env) as server, httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        began = time.perf_counter()
        contract = signed_contract(client, account_id)
        in_force = _ok(client.get(f"/v1/contracts/{contract['id']}", params={"as_of": EFFECTIVE}), 200,
                       "GET /v1/contracts/{id}")
        print(f"   [{label}] contract {contract['number']}: {len(in_force['segments'])} segments in force on "
              f"{EFFECTIVE}, mid_term_decrease {in_force['mid_term_decrease']} (quote created, finalized with "
              f"its PDF and accepted in {time.perf_counter() - began:.1f} s)")
        path = f"/v1/contracts/{contract['id']}/amendments"
        body = amendment_body()
        sample = _ok(client.post(path, json=body), 201, "POST /v1/contracts/{id}/amendments")
        lines = ", ".join(f"{ln['sku']} {ln['change']}/{ln['side']} {ln['amount_due_now']}" for ln in sample["lines"])
        print(f"   [{label}] one preview: {len(sample['lines'])} lines ({lines}); amount_due_now "
              f"{sample['totals']['amount_due_now']} EUR, mrr_delta {sample['totals']['mrr_delta']}")
        samples = timed_posts(client, path, body, runs=RUNS, warmup=WARMUP - 1, check=check_amendment)
    s = summary_ms(samples)
    met = s["p50"] <= TARGET_MS
    print(f"   [{label}] POST /v1/contracts/{{id}}/amendments (3 changes, {SEGMENTS} segments)  {fmt_summary(s)}")
    print(f"   [{label}] => p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms; target ≤ {TARGET_MS:g} ms p50: "
          f"{verdict(met)}; {s['p50'] / echo_p50:.1f}× the HTTP echo floor ({echo_p50:.2f} ms)")
    return [
        Result("amendments", f"preview 3 changes/{SEGMENTS} seg {label} p50", f"{s['p50']:.1f} ms",
               f"≤ {TARGET_MS:g} ms p50", f"{s['p50'] / echo_p50:.1f}× echo {echo_p50:.2f} ms", verdict(met)),
        Result("amendments", f"preview 3 changes/{SEGMENTS} seg {label} p95", f"{s['p95']:.1f} ms"),
    ]


def run() -> list[Result]:
    header(f"bench_amendments: amendment preview (3 changes) on a {SEGMENTS}-segment contract, live uvicorn, "
           f"1 worker (target ≤ {TARGET_MS:g} ms p50)")
    print("   client (httpx, one request at a time) and server share the machine's cores")
    results: list[Result] = []
    body = amendment_body()
    with UvicornServer("bench.hello_app:create_app") as hello, httpx.Client(base_url=hello.base_url,
                                                                           timeout=60) as client:
        echo = summary_ms(timed_posts(client, "/echo", body, runs=RUNS, warmup=WARMUP, check=check_echo))
    print(f"   floor: POST /echo of the same body to a FastAPI hello-world  {fmt_summary(echo)}")
    results.append(Result("amendments", "floor: POST /echo same body p50", f"{echo['p50']:.2f} ms"))

    with tempfile.TemporaryDirectory(prefix="cpq-bench-amend-") as tmp:
        directory = Path(tmp)
        results += on_both_databases("amendments", "preview postgresql", "amend", directory, lambda backend, url:
                                     bench_backend(backend, url, directory / f"documents-{backend}", echo["p50"]))
    return results


# -------------------------------------------------------------------------------------- --profile


def profile(top: int = 30) -> None:
    """cProfile of previews handled in-process (httpx ASGITransport, no network), on a temp SQLite file.

    The contract is made through the services (finalize renders its PDF in-process). FastAPI runs sync
    endpoints in worker threads, which cProfile does not follow; for the profile only,
    `anyio.to_thread.run_sync` is replaced by an inline call so the whole request is seen.
    """
    import asyncio
    import cProfile
    import pstats

    import anyio.to_thread

    from app.config import Settings
    from app.main import create_app

    async def inline(func: Callable[..., Any], *args: Any, **_kwargs: Any) -> Any:
        return func(*args)

    with tempfile.TemporaryDirectory(prefix="cpq-bench-amend-profile-") as tmp:
        url = sqlite_url(Path(tmp))
        migrate(url)
        token = admin_token(url)
        seed_catalog(url, SKUS)
        account_id = create_account(url)
        app = create_app(Settings(database_url=url, documents_dir=Path(tmp) / "documents", pdf_workers=0))
        body = amendment_body()
        contract_id: list[str] = []

        async def previews(count: int) -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=60,
                                         headers={"Authorization": f"Bearer {token}"}) as client:
                if not contract_id:
                    quote = _ok(await client.post("/v1/quotes", json=quote_body(account_id)), 201, "POST quote")
                    final = _ok(await client.post(f"/v1/quotes/{quote['id']}/finalize"), 200, "finalize")
                    accepted = _ok(await client.post(f"/v1/quotes/{quote['id']}/accept", json={
                        "signer_name": "Bench", "signer_email": "b@example.org",
                        "document_sha256": final["document_sha256"]}), 200, "accept")
                    contract_id.append(accepted["contract"]["id"])
                for _ in range(count):
                    check_amendment(await client.post(f"/v1/contracts/{contract_id[0]}/amendments", json=body))

        original = anyio.to_thread.run_sync
        anyio.to_thread.run_sync = inline  # type: ignore[assignment]
        try:
            asyncio.run(previews(5))  # contract + warm-up
            profiler = cProfile.Profile()
            profiler.enable()
            began = time.perf_counter()
            asyncio.run(previews(50))
            elapsed = time.perf_counter() - began
            profiler.disable()
        finally:
            anyio.to_thread.run_sync = original
        print(f"\n   cProfile of 50 in-process previews (SQLite): {elapsed / 50 * 1000:.1f} ms each under the "
              f"profiler; top {top} by cumulative time in the app and the ORM:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            r"/app/|orm/session.py:\d+\(_?flush\)|orm/session.py:\d+\(execute\)|serialize_response|"
            r"type_adapter.py.*validate_python", top)
        print(f"   ... and top {top} by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    results = run()
    print()
    print_table(results)
    if "--profile" in sys.argv[1:]:
        profile()


if __name__ == "__main__":
    main()
