"""Large quotes (issue 11 item 3): a 5 000-line quote created, priced with every rule kind, re-priced, finalized.

Salesforce CPQ stops applying quote-scoped rules past its large-quote threshold; this service must not. Target:
≤ 2 s to create and price 5 000 lines; rendering the PDF is reported separately (no target). For each
database (a temp SQLite file; a uniquely named PostgreSQL database, dropped at the end; skipped with one line if
PostgreSQL does not answer at 127.0.0.1:5432) the app is served by `uvicorn app.main:create_app --factory
--workers 1` with one PDF worker process (CPQ_PDF_WORKERS=1, as bench_documents), and each step is timed:

  1. catalog set-up (not a target): 5 000 distinct SKUs (a quote holds one line per SKU) covering every rule
     kind: per-unit, graduated and volume tiers, volume and term discount schedules, contracted prices and
     contracted discounts, add-ons that require a plan (on the quote), rep discounts (percent and amount), one
     above the approval threshold, so the quote needs approval;
  2. POST /v1/quotes with the 5 000 lines; the answer is checked line by line and in its totals against the
     domain's own pricing (app.domain.pricing.price_quote) recomputed here, so every rule was applied to all;
     a refusal is printed and reported as the figure (the benchmark reports, never crashes);
  3. the same pricing in the domain alone (no HTTP, no database): the floor of "price";
  4. a PATCH of one line's quantity (the whole line list is sent: `lines` replaces every line), re-priced;
  5. POST /approve, then POST /finalize (renders the 5 000-line PDF; 600 s timeout): time, pages, bytes.
  6. floors in the same run: the 5 000-line body POSTed to the FastAPI hello-world echo, and a raw INSERT (and
     COPY on PostgreSQL) of the quote's 5 000 quote_lines rows (bench_quotes_api.db_floor).

    python -m bench.bench_large_quote
"""

from __future__ import annotations

import io
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from app.domain.catalog import DiscountBand, DiscountSchedule, PriceEntry, PriceTier, Product
from app.domain.pricing import ContractedPrice, LineRequest, PricedQuote, PriceList, QuoteTerms, price_quote
from bench.bench_quotes_api import db_floor, hello_server
from bench.common import (
    Result,
    UvicornServer,
    admin_token,
    create_account,
    fmt_summary,
    header,
    migrate,
    postgres_database,
    postgres_reachable,
    print_table,
    seed_catalog,
    session_for,
    sqlite_url,
    summary_ms,
    verdict,
)

BENCH = "large_quote"
LINES = 5000
TARGET_S = 2.0
RUNS = 3
RENDER_TIMEOUT_S = 600.0
START = date(2026, 1, 15)
FROM = date(2026, 1, 1)
TERM = 12
PLAN = "LQ-PLAN"
SKUS = [PLAN] + [f"LQ-{i:05d}" for i in range(1, LINES)]
# Which SKUs carry which rule (index ranges into SKUS; the rest are plain per-unit add-ons at 25.00).
REQUIRES, GRADUATED, VOLUME_TIERS = range(1, 101), range(101, 201), range(201, 301)
VOLUME_SCHEDULE, TERM_SCHEDULE = range(301, 401), range(401, 501)
CONTRACTED_PRICE, CONTRACTED_DISCOUNT = range(501, 601), range(601, 701)
TIERS = (PriceTier(10, Decimal("30.00")), PriceTier(100, Decimal("25.00")), PriceTier(None, Decimal("20.00")))
VOLUME_BANDS = (DiscountBand(0, Decimal(0)), DiscountBand(50, Decimal(5)), DiscountBand(150, Decimal(10)))
TERM_BANDS = (DiscountBand(12, Decimal(8)), DiscountBand(24, Decimal(12)))
APPROVAL_LINE = LINES - 1  # 30 % off, above the default 20 % threshold


def quantity(i: int) -> int:
    return (i * 37) % 200 + 1


def line_requests(bump: int | None = None) -> list[LineRequest]:
    """The 5 000 lines; every 7th has a 5 % rep discount, every 13th plain one 1.00 off, the last 30 % off."""
    lines = []
    for i, sku in enumerate(SKUS):
        pct = Decimal(30) if i == APPROVAL_LINE else Decimal(5) if i % 7 == 0 else None
        amount = Decimal("1.00") if pct is None and i % 13 == 0 and i >= 701 else None
        lines.append(LineRequest(sku, quantity(i) + (1 if i == bump else 0), pct, amount))
    return lines


def body_lines(requests: list[LineRequest]) -> list[dict[str, Any]]:
    return [{"sku": r.sku, "quantity": r.quantity}
            | ({"discount_percent": str(r.discount_percent)} if r.discount_percent is not None else {})
            | ({"discount_amount": str(r.discount_amount)} if r.discount_amount is not None else {})
            for r in requests]


def quote_body(account_id: str) -> dict[str, Any]:
    return {"account_id": account_id, "start_date": START.isoformat(), "term_months": TERM,
            "billing_frequency": "monthly", "lines": body_lines(line_requests())}


def expected_price_list() -> PriceList:
    """What the bench put in the catalog, as the domain sees it: the recomputation's input."""
    products, entries = {}, []
    for i, sku in enumerate(SKUS):
        products[sku] = Product(sku, sku, f"fam{i}", "plan" if i == 0 else "addon",
                                requires=(PLAN,) if i in REQUIRES else ())
        model = "graduated" if i in GRADUATED else "volume" if i in VOLUME_TIERS else "per_unit"
        price = Decimal("100.00") if i == 0 else None if model != "per_unit" else Decimal("25.00")
        entries.append(PriceEntry(sku, "EUR", model, FROM, None, price, TIERS if price is None else ()))
    schedules = ([DiscountSchedule(SKUS[i], "volume", VOLUME_BANDS) for i in VOLUME_SCHEDULE]
                 + [DiscountSchedule(SKUS[i], "term", TERM_BANDS) for i in TERM_SCHEDULE])
    contracted = ([ContractedPrice(SKUS[i], FROM, unit_price=Decimal("19.50")) for i in CONTRACTED_PRICE]
                  + [ContractedPrice(SKUS[i], FROM, discount_percent=Decimal(15)) for i in CONTRACTED_DISCOUNT])
    return PriceList(products, entries, schedules, contracted)


def domain_price(price_list: PriceList, requests: list[LineRequest]) -> PricedQuote:
    return price_quote(requests, QuoteTerms("EUR", START, TERM, "monthly"), price_list)


# -------------------------------------------------------------------------------------------- set-up


def seed_rules(url: str) -> None:
    """The plan, the add-ons that require it and the tiered SKUs, through the catalog use cases."""
    from app.services.auth import OPERATOR
    from app.services.catalog import create_price_entry, create_product

    engine, factory = session_for(url)
    try:
        with factory() as session:
            for i in [0, *REQUIRES, *GRADUATED, *VOLUME_TIERS]:
                create_product(session, caller=OPERATOR, sku=SKUS[i], kind="plan" if i == 0 else "addon",
                               name=f"Large-quote product {i}", family=f"lq{i}", unit="seat",
                               requires=[PLAN] if i in REQUIRES else [])
                tiered = i in GRADUATED or i in VOLUME_TIERS
                create_price_entry(session, caller=OPERATOR, sku=SKUS[i], currency="EUR",
                                   pricing_model="graduated" if i in GRADUATED else "volume" if tiered else "per_unit",
                                   effective_from=FROM, effective_to=None,
                                   unit_price=None if tiered else Decimal("100.00" if i == 0 else "25.00"),
                                   tiers=list(TIERS) if tiered else [])
    finally:
        engine.dispose()


def post_rules(client: httpx.Client, account_id: str) -> None:
    """Discount schedules and contracted prices over HTTP (POST /v1/discount-schedules, …/contracted-prices)."""
    def bands(values: tuple[DiscountBand, ...]) -> list[dict[str, Any]]:
        return [{"from": b.start, "discount_percent": str(b.discount_percent)} for b in values]

    for kind, indexes, values in (("volume", VOLUME_SCHEDULE, VOLUME_BANDS), ("term", TERM_SCHEDULE, TERM_BANDS)):
        for i in indexes:
            ok(client.post("/v1/discount-schedules", json={"sku": SKUS[i], "type": kind, "bands": bands(values)}),
               201, "POST /v1/discount-schedules")
    for indexes, field, value in ((CONTRACTED_PRICE, "unit_price", "19.50"),
                                  (CONTRACTED_DISCOUNT, "discount_percent", "15")):
        for i in indexes:
            ok(client.post(f"/v1/accounts/{account_id}/contracted-prices",
                           json={"sku": SKUS[i], field: value, "effective_from": FROM.isoformat()}),
               201, "POST contracted-prices")


def ok(response: httpx.Response, status: int, what: str) -> httpx.Response:
    if response.status_code != status:
        raise RuntimeError(f"{what} answered {response.status_code}: {response.text[:300]}")
    return response


# ------------------------------------------------------------------------------------------- checking


def rules_applied(quote: dict[str, Any], expected: PricedQuote) -> tuple[bool, str]:
    """Every line and every total as the domain prices them, and each rule kind visibly at work."""
    lines = quote["lines"]
    if len(lines) != LINES:
        return False, f"{len(lines)} lines, not {LINES}"
    waterfall = ("list_unit_price", "regular_unit_price", "contracted_unit_price", "net_unit_price", "mrr", "total")
    bad = [i for i, (got, want) in enumerate(zip(lines, expected.lines, strict=True))
           if any(k not in got for k in waterfall) or got["sku"] != want.sku
           or Decimal(got["total"]) != want.total or Decimal(got["mrr"]) != want.mrr
           or Decimal(got["net_unit_price"]) != want.net_unit_price
           or (got["contracted_unit_price"] is None) != (want.contracted_unit_price is None)]
    totals = expected.totals
    bad_totals = [k for k in ("mrr", "arr", "one_time", "total_contract_value", "first_invoice")
                  if Decimal(quote["totals"][k]) != getattr(totals, k)]
    d = expected.lines
    kinds = {
        "graduated": all(d[i].list_unit_price != Decimal("30.00") for i in GRADUATED if quantity(i) > 10),
        "volume tiers": all(d[i].list_unit_price == Decimal("20.00") for i in VOLUME_TIERS if quantity(i) > 100),
        "volume schedule": all(d[i].regular_unit_price < d[i].list_unit_price for i in VOLUME_SCHEDULE
                               if quantity(i) >= 50),
        "term schedule": all(d[i].regular_unit_price < d[i].list_unit_price for i in TERM_SCHEDULE),
        "contracted": all(d[i].contracted_unit_price is not None for i in (*CONTRACTED_PRICE, *CONTRACTED_DISCOUNT)),
        "approval": quote["status"] == "needs_approval",
    }
    missing = [k for k, seen in kinds.items() if not seen]
    good = not bad and not bad_totals and not missing
    return good, (f"{LINES - len(bad)}/{LINES} lines match the domain, totals "
                  f"{'match' if not bad_totals else 'differ: ' + ', '.join(bad_totals)}"
                  + (f"; rule kinds not seen: {', '.join(missing)}" if missing else ""))


# ---------------------------------------------------------------------------------------- one backend


def bench_backend(label: str, url: str, documents_dir: Path, echo_ms: float, domain_ms: float) -> list[Result]:
    started = time.perf_counter()
    migrate(url)
    token = admin_token(url)
    seed_rules(url)
    seed_catalog(url, [SKUS[i] for i in range(301, LINES)])
    account_id = create_account(url)
    env = {"CPQ_DATABASE_URL": url, "CPQ_DOCUMENTS_DIR": str(documents_dir), "CPQ_PDF_WORKERS": "1"}
    expected = domain_price(expected_price_list(), line_requests())
    results: list[Result] = []
    with UvicornServer("app.main:create_app", env=env) as server, httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=RENDER_TIMEOUT_S
    ) as client:
        post_rules(client, account_id)
        print(f"   [{label}] 1. catalog: {LINES} products and EUR prices, 200 schedules, 200 contracted prices, "
              f"account, key in {time.perf_counter() - started:.1f} s (not a target)")
        body = quote_body(account_id)
        samples, first = [], None
        for _ in range(RUNS):
            began = time.perf_counter()
            response = client.post("/v1/quotes", json=body)
            samples.append(time.perf_counter() - began)
            if response.status_code != 201:
                print(f"   [{label}] 2. POST /v1/quotes ({LINES} lines) REFUSED: {response.status_code}: "
                      f"{response.text[:160]}")
                return [Result(BENCH, f"create+price {LINES} lines {label}", f"refused {response.status_code}",
                               f"≤ {TARGET_S:g} s", response.text[:60], verdict(False))]
            first = first or response
        assert first is not None
        post = summary_ms(samples)
        quote_id = first.json()["id"]
        create_ms = post["p50"]
        print(f"   [{label}] 2. POST /v1/quotes ({LINES} lines)  {fmt_summary(post)}")
        quote = ok(client.get(f"/v1/quotes/{quote_id}"), 200, "GET /v1/quotes/{id}").json()
        good, detail = rules_applied(quote, expected)
        print(f"   [{label}]    all rules applied to {LINES:_} lines: {'yes' if good else 'NO'} ({detail})"
              .replace("_", " ", 1))
        print(f"   [{label}] 3. domain price_quote alone: p50 {domain_ms:.0f} ms")

        patch_body = {"lines": body_lines(line_requests(bump=2500))}
        began = time.perf_counter()
        patched = client.patch(f"/v1/quotes/{quote_id}", json=patch_body)
        patch_s = time.perf_counter() - began
        patch_text = (f"{patch_s * 1000:.0f} ms" if patched.status_code == 200
                      else f"{patched.status_code}: {patched.text[:80]}")
        print(f"   [{label}] 4. re-price after one quantity change: {patch_text}")

        approved = ok(client.post(f"/v1/quotes/{quote_id}/approve"), 200, "POST approve").json()["status"]
        began = time.perf_counter()
        finalized = client.post(f"/v1/quotes/{quote_id}/finalize", timeout=RENDER_TIMEOUT_S)
        render_s = time.perf_counter() - began
        if finalized.status_code == 200:
            pdf = ok(client.get(f"/v1/quotes/{quote_id}/document"), 200, "GET document").content
            from pypdf import PdfReader

            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            render_text = f"{render_s:.1f} s, {pages} pages, {len(pdf) / 1024:.0f} KiB"
        else:
            render_text = f"{finalized.status_code} after {render_s:.1f} s: {finalized.text[:80]}"
        print(f"   [{label}] 5. {approved} → POST /finalize (PDF of {LINES} lines): {render_text}")

    floors = db_floor(url, quote_id)
    insert_ms = summary_ms(floors["INSERT"])["p50"]
    floor_text = "; ".join(f"raw {k} p50 {summary_ms(v)['p50']:.0f} ms" for k, v in floors.items())
    print(f"   [{label}] 6. floors: echo p50 {echo_ms:.0f} ms; {floor_text} ({LINES} quote_lines rows)")
    floor_ms = echo_ms + insert_ms
    met = create_ms <= TARGET_S * 1000
    print(f"   [{label}] => create+price {create_ms:.0f} ms; target ≤ {TARGET_S:g} s: {verdict(met)}; "
          f"{create_ms / floor_ms:.1f}× the floor ({floor_ms:.0f} ms), {create_ms / domain_ms:.1f}× domain pricing")
    results += [
        Result(BENCH, f"create+price {LINES} lines {label} p50", f"{create_ms:.0f} ms", f"≤ {TARGET_S:g} s",
               f"{create_ms / floor_ms:.1f}× floor {floor_ms:.0f} ms (echo+INSERT)", verdict(met)),
        Result(BENCH, f"floors {label}", "", "", floor_text),
        Result(BENCH, f"all rules applied {label}", "yes" if good else "NO", "", detail[:60]),
        Result(BENCH, f"re-price 1 quantity {label}", patch_text, "", ""),
        Result(BENCH, f"finalize (PDF) {label}", render_text, "reported", ""),
    ]
    return results


def run() -> list[Result]:
    header(f"bench_large_quote: a {LINES}-line quote, every rule kind, live uvicorn, 1 worker "
           f"(target ≤ {TARGET_S:g} s create+price)")
    price_list = expected_price_list()
    domain_price(price_list, line_requests())  # warm-up (builds the per-SKU indexes)
    domain_samples = []
    for _ in range(5):
        began = time.perf_counter()
        domain_price(price_list, line_requests())
        domain_samples.append(time.perf_counter() - began)
    domain = summary_ms(domain_samples)
    print(f"   3. domain price_quote of {LINES} lines in-process (no HTTP, no DB)  {fmt_summary(domain)}")
    body = quote_body(str(uuid.uuid4()))
    echo_samples = []
    with hello_server() as hello, httpx.Client(base_url=hello.base_url, timeout=60) as client:
        for run_index in range(RUNS + 2):
            began = time.perf_counter()
            ok(client.post("/echo", json=body), 201, "POST /echo")
            if run_index >= 2:
                echo_samples.append(time.perf_counter() - began)
    echo = summary_ms(echo_samples)
    print(f"   6. floor: POST /echo of the {LINES}-line body to a FastAPI hello-world  {fmt_summary(echo)}")
    results = [Result(BENCH, f"domain price_quote {LINES} lines p50", f"{domain['p50']:.0f} ms"),
               Result(BENCH, f"floor: POST /echo {LINES}-line body p50", f"{echo['p50']:.0f} ms")]
    with tempfile.TemporaryDirectory(prefix="cpq-bench-large-") as tmp:
        directory = Path(tmp)
        results += bench_backend("sqlite", sqlite_url(directory), directory / "documents", echo["p50"], domain["p50"])
        reason = postgres_reachable()
        if reason is not None:
            print(f"   [postgresql] skipped: PostgreSQL not reachable at 127.0.0.1:5432 ({reason})")
            results.append(Result(BENCH, f"create+price {LINES} lines postgresql", "skipped", "", "unreachable"))
        else:
            with postgres_database("large") as url:
                results += bench_backend("postgresql", url, directory / "documents-pg", echo["p50"], domain["p50"])
    return results


def main() -> None:
    results = run()
    print()
    print_table(results)


if __name__ == "__main__":
    main()
