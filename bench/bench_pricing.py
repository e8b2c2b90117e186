"""Price a 500-line quote in the domain (no database, no HTTP). Target: ≤ 10 ms.

The quote mixes per-unit, graduated and volume list prices, closed historical price entries, volume and
term discount schedules, contracted prices (fixed and % off list), rep discounts (% and amount), one-time
lines, and add-ons that require a base plan. Prints min / p50 / p95 over ≥ 50 runs, the share taken by
validation, and how the time grows with the number of lines (a hint of quadratic work if it does).

    python -m bench.bench_pricing
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal as D

from app.domain.catalog import DiscountBand, DiscountSchedule, PriceEntry, PriceTier, Product
from app.domain.pricing import (
    ContractedPrice,
    LineRequest,
    PriceList,
    QuoteTerms,
    price_line,
    price_quote,
    quote_totals,
    validate_request,
)
from bench.common import Result, fmt_summary, header, print_table, summary_ms, verdict

LINES = 500
TARGET_MS = 10.0
MIN_RUNS, MAX_RUNS, MAX_SECONDS = 50, 300, 4.0
START = date(2026, 1, 15)
TERMS = QuoteTerms(currency="EUR", start_date=START, term_months=12, billing_frequency="monthly")


def sku(index: int) -> str:
    return f"SKU-{index:05d}"


def build(lines: int) -> tuple[list[LineRequest], PriceList]:
    """A catalog as the quote service would load it for these lines (EUR entries of these skus only)."""
    products: dict[str, Product] = {}
    entries: list[PriceEntry] = []
    schedules: list[DiscountSchedule] = []
    contracted: list[ContractedPrice] = []
    requests: list[LineRequest] = []
    base = sku(0)
    for i in range(lines):
        s = sku(i)
        requires: tuple[str, ...]
        if i == 0:
            kind, requires = "plan", ()
        elif i % 10 == 0:
            kind, requires = "one_time", ()
        else:
            kind, requires = "addon", ((base,) if i % 7 == 0 else ())
        products[s] = Product(sku=s, name=f"Product {i}", family=f"fam{i}", kind=kind, tier_rank=None,
                              unit="seat", requires=requires)
        if i % 5 == 0:  # an older price, closed when the current one started
            entries.append(PriceEntry(s, "EUR", "per_unit", date(2025, 1, 1), date(2026, 1, 1), D("19.000000")))
        model = ("per_unit", "graduated", "volume")[i % 3]
        if model == "per_unit":
            entries.append(PriceEntry(s, "EUR", "per_unit", date(2026, 1, 1), None, D(f"{10 + i % 40}.500000")))
        else:
            tiers = (PriceTier(10, D("30.000000")), PriceTier(100, D("25.000000")), PriceTier(None, D("20.000000")))
            entries.append(PriceEntry(s, "EUR", model, date(2026, 1, 1), None, None, tiers))
        if i % 4 == 0:
            schedules.append(DiscountSchedule(s, "volume", (DiscountBand(10, D(5)), DiscountBand(50, D(10)))))
        if i % 6 == 0:
            schedules.append(DiscountSchedule(s, "term", (DiscountBand(12, D(3)), DiscountBand(24, D(5)))))
        if i % 10 == 3:
            contracted.append(ContractedPrice(s, date(2026, 1, 1), unit_price=D("18.000000")))
        elif i % 10 == 7:
            contracted.append(ContractedPrice(s, date(2026, 1, 1), discount_percent=D("12.5")))
        quantity = (i * 37) % 200 + 1
        if i % 8 == 1:
            requests.append(LineRequest(s, quantity, discount_percent=D(5)))
        elif i % 16 == 2:
            requests.append(LineRequest(s, quantity, discount_amount=D("0.50")))
        else:
            requests.append(LineRequest(s, quantity))
    return requests, PriceList(products=products, entries=entries, schedules=schedules, contracted_prices=contracted)


def timed(call: Callable[[], object], *, min_runs: int, max_runs: int, max_seconds: float,
          warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        call()
    samples: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(samples) < max_runs and (len(samples) < min_runs or time.perf_counter() < deadline):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def run() -> list[Result]:
    header(f"bench_pricing: price a {LINES}-line quote in the domain (target ≤ {TARGET_MS:g} ms)")
    requests, price_list = build(LINES)
    print(f"   {len(requests)} lines, {len(price_list.entries)} price entries, {len(price_list.schedules)} "
          f"schedules, {len(price_list.contracted_prices)} contracted prices")
    priced = price_quote(requests, TERMS, price_list)  # sanity: the data prices without error
    print(f"   sanity: TCV {priced.totals.total_contract_value} EUR, MRR {priced.totals.mrr} EUR")

    samples = timed(lambda: price_quote(requests, TERMS, price_list),
                    min_runs=MIN_RUNS, max_runs=MAX_RUNS, max_seconds=MAX_SECONDS)
    s = summary_ms(samples)
    print(f"   price_quote          {fmt_summary(s)}")
    print(f"   per line             {s['p50'] * 1000 / LINES:.1f} µs (p50 / {LINES})")

    # Where the time goes: the three steps of price_quote, each timed alone.
    validate = summary_ms(timed(lambda: validate_request(requests, TERMS, price_list.products),
                                min_runs=30, max_runs=60, max_seconds=2.0))
    lines = tuple(price_line(r, TERMS, price_list) for r in requests)
    price_lines = summary_ms(timed(lambda: [price_line(r, TERMS, price_list) for r in requests],
                                   min_runs=30, max_runs=60, max_seconds=3.0))
    totals = summary_ms(timed(lambda: quote_totals(lines, TERMS), min_runs=30, max_runs=60, max_seconds=1.0))
    print(f"   of which validate    p50 {validate['p50']:.2f} ms  (validate_request + check_product_rules)")
    print(f"            price_line  p50 {price_lines['p50']:.2f} ms  (the waterfall, {LINES} lines)")
    print(f"            totals      p50 {totals['p50']:.2f} ms")

    # Growth with the number of lines: linear work keeps µs/line flat; a linear scan per line does not.
    growth = []
    for n in (100, 250, 1000):
        reqs, plist = build(n)
        g = summary_ms(timed(functools.partial(price_quote, reqs, TERMS, plist),
                             min_runs=10, max_runs=30, max_seconds=2.0, warmup=2))
        growth.append(f"{n} lines {g['p50']:.2f} ms ({g['p50'] * 1000 / n:.1f} µs/line)")
    growth.insert(2, f"{LINES} lines {s['p50']:.2f} ms ({s['p50'] * 1000 / LINES:.1f} µs/line)")
    print("   scaling (p50):      " + "; ".join(growth))

    print(f"   => p50 {s['p50']:.2f} ms, p95 {s['p95']:.2f} ms; target ≤ {TARGET_MS:g} ms: "
          f"{verdict(s['p50'] <= TARGET_MS)} (p50 {s['p50'] / TARGET_MS:.0%} of the budget)")
    return [
        Result("pricing", f"price_quote {LINES} lines p50", f"{s['p50']:.2f} ms", f"≤ {TARGET_MS:g} ms",
               f"{s['p50'] / TARGET_MS:.0%} of target", verdict(s["p50"] <= TARGET_MS)),
        Result("pricing", f"price_quote {LINES} lines p95", f"{s['p95']:.2f} ms", f"≤ {TARGET_MS:g} ms",
               "", verdict(s["p95"] <= TARGET_MS)),
    ]


def main() -> None:
    results = run()
    print()
    print_table(results)


if __name__ == "__main__":
    main()
