"""Pricing: the four pricing models, the waterfall list → regular → contracted → net, totals and approval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest

from app.domain.catalog import (
    DiscountBand,
    DiscountSchedule,
    MissingPrice,
    PriceEntry,
    PriceTier,
    Product,
    ProductRuleViolation,
)
from app.domain.errors import InvalidInput
from app.domain.money import UnknownCurrency
from app.domain.pricing import (
    ContractedPrice,
    LineRequest,
    PricedLine,
    PricedQuote,
    PriceList,
    QuoteTerms,
    list_amount,
    list_unit_price,
    needs_approval,
    price_line,
    price_quote,
    validate_request,
)

START = date(2026, 1, 15)
THRESHOLD = Decimal(20)

GRADUATED_TIERS = (
    PriceTier(up_to=9, unit_price=Decimal("90.00")),
    PriceTier(up_to=19, unit_price=Decimal("80.00")),
    PriceTier(up_to=None, unit_price=Decimal("70.00")),
)
VOLUME_TIERS = (
    PriceTier(up_to=10, unit_price=Decimal("30.00")),
    PriceTier(up_to=50, unit_price=Decimal("25.00")),
    PriceTier(up_to=None, unit_price=Decimal("20.00")),
)

PRODUCTS = {
    product.sku: product
    for product in (
        Product(sku="TIX-PRO", name="Ticketing Pro", family="ticketing", kind="plan", tier_rank=1,
                excludes=("TIX-ENT",)),
        Product(sku="TIX-ENT", name="Ticketing Enterprise", family="ticketing", kind="plan", tier_rank=2,
                excludes=("TIX-PRO",)),
        Product(sku="MKT-CONTACTS", name="Marketing contacts", family="marketing", kind="addon", unit="contact",
                requires=("TIX-PRO", "TIX-ENT")),
        Product(sku="API-CALLS", name="API calls", family="platform", kind="addon", unit="pack"),
        Product(sku="SITE", name="Site licence", family="platform", kind="service", unit="site"),
        Product(sku="ONBOARDING", name="Onboarding package", family="services", kind="one_time", unit="package"),
        Product(sku="TRAINING", name="Training day", family="services", kind="one_time", unit="day"),
        Product(sku="TIX-LEGACY", name="Ticketing Legacy", family="ticketing", kind="plan", active=False),
    )
}


def entry(
    *,
    sku: str,
    pricing_model: str = "per_unit",
    unit_price: str | None = None,
    tiers: tuple[PriceTier, ...] = (),
    currency: str = "EUR",
    effective_from: date = date(2026, 1, 1),
    effective_to: date | None = None,
) -> PriceEntry:
    return PriceEntry(
        sku=sku,
        currency=currency,
        pricing_model=pricing_model,
        effective_from=effective_from,
        effective_to=effective_to,
        unit_price=None if unit_price is None else Decimal(unit_price),
        tiers=tiers,
    )


ENTRIES = (
    entry(sku="TIX-PRO", unit_price="25.00", effective_to=date(2026, 7, 1)),
    entry(sku="TIX-PRO", unit_price="27.00", effective_from=date(2026, 7, 1)),
    entry(sku="TIX-PRO", unit_price="2500", currency="JPY"),
    entry(sku="TIX-ENT", unit_price="40.00"),
    entry(sku="MKT-CONTACTS", pricing_model="graduated", tiers=GRADUATED_TIERS),
    entry(sku="API-CALLS", pricing_model="volume", tiers=VOLUME_TIERS),
    entry(sku="SITE", pricing_model="flat", unit_price="100.00"),
    entry(sku="ONBOARDING", pricing_model="flat", unit_price="1500.00"),
    entry(sku="TRAINING", unit_price="200.00"),
    entry(sku="TIX-LEGACY", unit_price="15.00"),
)

TIX_PRO_SCHEDULES = (
    DiscountSchedule(sku="TIX-PRO", type="volume", bands=(
        DiscountBand(start=1, discount_percent=Decimal(0)),
        DiscountBand(start=10, discount_percent=Decimal(5)),
    )),
    DiscountSchedule(sku="TIX-PRO", type="term", bands=(
        DiscountBand(start=12, discount_percent=Decimal(10)),
        DiscountBand(start=24, discount_percent=Decimal(15)),
    )),
)


def terms(
    *,
    currency: str = "EUR",
    start_date: date = START,
    term_months: int | None = 12,
    billing_frequency: str = "monthly",
) -> QuoteTerms:
    return QuoteTerms(
        currency=currency, start_date=start_date, term_months=term_months, billing_frequency=billing_frequency
    )


def price_list(
    *,
    schedules: Sequence[DiscountSchedule] = (),
    contracted_prices: Sequence[ContractedPrice] = (),
) -> PriceList:
    return PriceList(products=PRODUCTS, entries=ENTRIES, schedules=schedules, contracted_prices=contracted_prices)


def line(
    *,
    sku: str = "TIX-PRO",
    quantity: int = 20,
    discount_percent: str | None = None,
    discount_amount: str | None = None,
) -> LineRequest:
    return LineRequest(
        sku=sku,
        quantity=quantity,
        discount_percent=None if discount_percent is None else Decimal(discount_percent),
        discount_amount=None if discount_amount is None else Decimal(discount_amount),
    )


def contracted(
    *,
    sku: str = "TIX-PRO",
    unit_price: str | None = None,
    discount_percent: str | None = None,
    effective_from: date = date(2026, 1, 1),
    effective_to: date | None = None,
) -> ContractedPrice:
    return ContractedPrice(
        sku=sku,
        effective_from=effective_from,
        effective_to=effective_to,
        unit_price=None if unit_price is None else Decimal(unit_price),
        discount_percent=None if discount_percent is None else Decimal(discount_percent),
    )


def priced(
    request: LineRequest,
    *,
    quote_terms: QuoteTerms | None = None,
    schedules: Sequence[DiscountSchedule] = (),
    contracted_prices: Sequence[ContractedPrice] = (),
) -> PricedLine:
    return price_line(
        request,
        quote_terms or terms(),
        price_list(schedules=schedules, contracted_prices=contracted_prices),
    )


def quote(
    *requests: LineRequest,
    quote_terms: QuoteTerms | None = None,
    schedules: Sequence[DiscountSchedule] = (),
    contracted_prices: Sequence[ContractedPrice] = (),
) -> PricedQuote:
    return price_quote(
        requests,
        quote_terms or terms(),
        price_list(schedules=schedules, contracted_prices=contracted_prices),
    )


def refusal_locs(error: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str | int, ...]]:
    return [violation.loc for violation in error.value.violations]


GRADUATED = entry(sku="MKT-CONTACTS", pricing_model="graduated", tiers=GRADUATED_TIERS)
VOLUME = entry(sku="API-CALLS", pricing_model="volume", tiers=VOLUME_TIERS)
PER_UNIT = entry(sku="TIX-PRO", unit_price="25.00")
FLAT = entry(sku="SITE", pricing_model="flat", unit_price="100.00")


class TestListAmount:
    def test_per_unit_prices_every_unit_at_the_unit_price(self) -> None:
        assert list_amount(PER_UNIT, 20) == Decimal("500.00")

    @pytest.mark.parametrize("quantity", [1, 3, 1000])
    def test_flat_is_one_price_whatever_the_quantity(self, quantity: int) -> None:
        assert list_amount(FLAT, quantity) == Decimal("100.00")

    @pytest.mark.parametrize(
        ("quantity", "expected"),
        [
            (1, "30.00"),
            (10, "300.00"),  # exactly at up_to: still the first tier
            (11, "275.00"),  # up_to + 1: every unit at the second tier
            (50, "1250.00"),
            (51, "1020.00"),
        ],
    )
    def test_volume_prices_the_whole_quantity_at_the_tier_it_reaches(self, quantity: int, expected: str) -> None:
        assert list_amount(VOLUME, quantity) == Decimal(expected)

    @pytest.mark.parametrize(
        ("quantity", "expected"),
        [
            (1, "90.00"),
            (9, "810.00"),
            (10, "890.00"),
            (19, "1610.00"),
            (20, "1680.00"),
            (30, "2380.00"),
        ],
    )
    def test_graduated_prices_each_tier_separately(self, quantity: int, expected: str) -> None:
        assert list_amount(GRADUATED, quantity) == Decimal(expected)


class TestListUnitPrice:
    def test_per_unit_is_the_unit_price(self) -> None:
        assert list_unit_price(PER_UNIT, 20) == Decimal("25.000000")

    def test_flat_spreads_the_price_over_the_quantity(self) -> None:
        assert list_unit_price(FLAT, 4) == Decimal("25.000000")

    def test_flat_is_kept_to_six_places(self) -> None:
        assert list_unit_price(FLAT, 3) == Decimal("33.333333")

    @pytest.mark.parametrize(("quantity", "expected"), [(10, "30.000000"), (11, "25.000000"), (51, "20.000000")])
    def test_volume_is_the_price_of_the_tier_reached(self, quantity: int, expected: str) -> None:
        assert list_unit_price(VOLUME, quantity) == Decimal(expected)

    def test_graduated_for_30_units_is_the_domain_example(self) -> None:
        assert str(list_unit_price(GRADUATED, 30)) == "79.333333"

    @pytest.mark.parametrize(
        ("quantity", "expected"),
        [(9, "90.000000"), (10, "89.000000"), (19, "84.736842"), (20, "84.000000")],
    )
    def test_graduated_is_the_list_amount_over_the_quantity(self, quantity: int, expected: str) -> None:
        assert list_unit_price(GRADUATED, quantity) == Decimal(expected)


class TestPriceLineListPrice:
    def test_takes_the_entry_in_effect_on_the_line_start_date(self) -> None:
        assert priced(line(), quote_terms=terms(start_date=date(2026, 7, 1))).list_unit_price == Decimal("27.000000")

    def test_takes_the_earlier_entry_the_day_before_a_price_change(self) -> None:
        assert priced(line(), quote_terms=terms(start_date=date(2026, 6, 30))).list_unit_price == Decimal("25.000000")

    def test_raises_missing_price_without_an_entry_in_the_currency(self) -> None:
        with pytest.raises(MissingPrice):
            priced(line(), quote_terms=terms(currency="PLN"))

    def test_raises_missing_price_before_the_first_entry(self) -> None:
        with pytest.raises(MissingPrice):
            priced(line(), quote_terms=terms(start_date=date(2025, 12, 31)))

    def test_prices_a_graduated_line_at_its_effective_unit_price(self) -> None:
        priced_line = priced(line(sku="MKT-CONTACTS", quantity=30))
        assert priced_line.list_unit_price == Decimal("79.333333")
        assert priced_line.net_unit_price == Decimal("79.333333")


class TestRegularUnitPrice:
    def test_equals_list_without_schedules(self) -> None:
        priced_line = priced(line())
        assert priced_line.regular_unit_price == Decimal("25.000000")
        assert priced_line.net_unit_price == Decimal("25.000000")

    def test_takes_the_volume_band_then_the_term_band_compounded(self) -> None:
        priced_line = priced(line(quantity=20), schedules=TIX_PRO_SCHEDULES)
        # 25 × 0.95 × 0.90
        assert priced_line.regular_unit_price == Decimal("21.375000")
        assert str(priced_line.regular_unit_price) == "21.375000"
        assert priced_line.net_unit_price == Decimal("21.375000")

    def test_takes_only_the_term_band_below_the_first_volume_discount(self) -> None:
        assert priced(line(quantity=5), schedules=TIX_PRO_SCHEDULES).regular_unit_price == Decimal("22.500000")

    def test_takes_the_band_of_a_longer_term(self) -> None:
        priced_line = priced(line(quantity=20), quote_terms=terms(term_months=24), schedules=TIX_PRO_SCHEDULES)
        # 25 × 0.95 × 0.85
        assert priced_line.regular_unit_price == Decimal("20.187500")

    def test_ignores_schedules_of_other_products(self) -> None:
        priced_line = priced(line(sku="TIX-ENT", quantity=20), schedules=TIX_PRO_SCHEDULES)
        assert priced_line.regular_unit_price == Decimal("40.000000")

    def test_keeps_the_list_price_visible(self) -> None:
        assert priced(line(quantity=20), schedules=TIX_PRO_SCHEDULES).list_unit_price == Decimal("25.000000")


class TestContractedUnitPrice:
    def test_is_none_without_a_contracted_price(self) -> None:
        assert priced(line()).contracted_unit_price is None

    def test_a_fixed_unit_price_replaces_the_regular_price(self) -> None:
        priced_line = priced(line(), contracted_prices=[contracted(unit_price="21.00")])
        assert priced_line.contracted_unit_price == Decimal("21.000000")
        assert priced_line.net_unit_price == Decimal("21.000000")

    def test_a_fixed_unit_price_wins_over_discount_schedules(self) -> None:
        priced_line = priced(
            line(quantity=20), schedules=TIX_PRO_SCHEDULES, contracted_prices=[contracted(unit_price="21.50")]
        )
        assert priced_line.regular_unit_price == Decimal("21.375000")
        assert priced_line.contracted_unit_price == Decimal("21.500000")
        assert priced_line.net_unit_price == Decimal("21.500000")

    def test_a_contracted_discount_is_taken_off_list_not_off_regular(self) -> None:
        priced_line = priced(
            line(quantity=20), schedules=TIX_PRO_SCHEDULES, contracted_prices=[contracted(discount_percent="20")]
        )
        # 25 × 0.80, not 21.375 × 0.80 = 17.100000
        assert priced_line.contracted_unit_price == Decimal("20.000000")
        assert priced_line.net_unit_price == Decimal("20.000000")

    def test_does_not_apply_before_its_effective_from(self) -> None:
        price = contracted(unit_price="21.00", effective_from=date(2026, 1, 16))
        priced_line = priced(line(), contracted_prices=[price])
        assert priced_line.contracted_unit_price is None
        assert priced_line.net_unit_price == Decimal("25.000000")

    def test_does_not_apply_on_its_exclusive_effective_to(self) -> None:
        price = contracted(unit_price="21.00", effective_from=date(2025, 1, 1), effective_to=START)
        assert priced(line(), contracted_prices=[price]).contracted_unit_price is None

    def test_applies_on_its_effective_from(self) -> None:
        price = contracted(unit_price="21.00", effective_from=START, effective_to=date(2026, 1, 16))
        assert priced(line(), contracted_prices=[price]).contracted_unit_price == Decimal("21.000000")

    def test_does_not_apply_to_another_sku(self) -> None:
        priced_line = priced(line(sku="TIX-ENT"), contracted_prices=[contracted(unit_price="21.00")])
        assert priced_line.contracted_unit_price is None
        assert priced_line.net_unit_price == Decimal("40.000000")

    def test_picks_the_contracted_price_valid_on_the_line_start_date(self) -> None:
        prices = [
            contracted(unit_price="21.00", effective_from=date(2025, 1, 1), effective_to=date(2026, 1, 1)),
            contracted(unit_price="22.00", effective_from=date(2026, 1, 1)),
        ]
        assert priced(line(), contracted_prices=prices).contracted_unit_price == Decimal("22.000000")


class TestNetUnitPrice:
    def test_takes_the_rep_discount_percent_off_the_contracted_price(self) -> None:
        priced_line = priced(line(discount_percent="10"), contracted_prices=[contracted(unit_price="21.00")])
        assert priced_line.net_unit_price == Decimal("18.900000")
        assert priced_line.discount_percent == Decimal(10)

    def test_takes_the_rep_discount_amount_off_the_contracted_price(self) -> None:
        priced_line = priced(line(discount_amount="1.50"), contracted_prices=[contracted(unit_price="21.00")])
        assert priced_line.net_unit_price == Decimal("19.500000")
        assert priced_line.discount_amount == Decimal("1.50")

    def test_takes_the_rep_discount_percent_last_after_the_schedules(self) -> None:
        priced_line = priced(line(quantity=20, discount_percent="10"), schedules=TIX_PRO_SCHEDULES)
        # 21.375 × 0.90
        assert priced_line.net_unit_price == Decimal("19.237500")

    def test_records_a_zero_discount_percent_without_a_rep_discount(self) -> None:
        priced_line = priced(line())
        assert priced_line.discount_percent == Decimal(0)
        assert priced_line.discount_amount is None

    def test_keeps_six_places_and_never_rounds_to_cents(self) -> None:
        assert str(priced(line(discount_percent="0.1")).net_unit_price) == "24.975000"


class TestLineMrrAndTotal:
    def test_mrr_is_net_times_quantity(self) -> None:
        priced_line = priced(line(quantity=20), contracted_prices=[contracted(unit_price="21.00")])
        assert priced_line.mrr == Decimal("420.00")
        assert str(priced_line.mrr) == "420.00"

    def test_mrr_is_rounded_half_up_to_cents(self) -> None:
        # 24.975 × 1 = 24.975 → 24.98
        assert priced(line(quantity=1, discount_percent="0.1")).mrr == Decimal("24.98")

    def test_mrr_of_a_graduated_line_rounds_the_six_place_unit_price_back_to_the_amount(self) -> None:
        # 79.333333 × 30 = 2379.99999 → 2380.00
        assert priced(line(sku="MKT-CONTACTS", quantity=30)).mrr == Decimal("2380.00")

    def test_mrr_of_a_flat_line_is_its_one_price(self) -> None:
        # 100 / 3 = 33.333333 per unit; 33.333333 × 3 = 99.999999 → 100.00
        priced_line = priced(line(sku="SITE", quantity=3))
        assert priced_line.list_unit_price == Decimal("33.333333")
        assert priced_line.mrr == Decimal("100.00")
        assert priced_line.total == Decimal("1200.00")

    def test_total_of_a_recurring_line_is_mrr_times_term_months(self) -> None:
        priced_line = priced(line(quantity=20), contracted_prices=[contracted(unit_price="21.00")])
        # TIX-PRO 20 × 21.00 × 12
        assert priced_line.total == Decimal("5040.00")
        assert str(priced_line.total) == "5040.00"

    def test_total_of_a_recurring_line_is_rounded_once_from_full_precision(self) -> None:
        # docs/domain.md: amounts are computed at full precision and rounded once per line:
        # 24.975 × 1 × 12 = 299.70 (rounding the MRR first would give 24.98 × 12 = 299.76)
        assert priced(line(quantity=1, discount_percent="0.1")).total == Decimal("299.70")

    def test_total_of_an_evergreen_line_counts_its_first_12_months(self) -> None:
        priced_line = priced(
            line(quantity=20), quote_terms=terms(term_months=None), contracted_prices=[contracted(unit_price="21.00")]
        )
        assert priced_line.total == Decimal("5040.00")
        assert priced_line.end_date is None

    def test_total_counts_every_month_of_a_longer_term(self) -> None:
        priced_line = priced(
            line(quantity=20), quote_terms=terms(term_months=36), contracted_prices=[contracted(unit_price="21.00")]
        )
        assert priced_line.total == Decimal("15120.00")

    def test_a_one_time_line_has_no_mrr(self) -> None:
        priced_line = priced(line(sku="ONBOARDING", quantity=1))
        assert priced_line.recurring is False
        assert priced_line.mrr == Decimal("0.00")
        assert str(priced_line.mrr) == "0.00"

    def test_total_of_a_one_time_line_is_net_times_quantity(self) -> None:
        assert priced(line(sku="TRAINING", quantity=3)).total == Decimal("600.00")

    def test_total_of_a_flat_one_time_line_is_its_price(self) -> None:
        assert priced(line(sku="ONBOARDING", quantity=1)).total == Decimal("1500.00")

    def test_a_one_time_line_has_no_end_date(self) -> None:
        assert priced(line(sku="ONBOARDING", quantity=1)).end_date is None

    def test_a_recurring_line_runs_from_the_start_date_to_the_term_end(self) -> None:
        priced_line = priced(line())
        assert priced_line.start_date == date(2026, 1, 15)
        assert priced_line.end_date == date(2027, 1, 15)


class TestJapaneseYen:
    JPY_TERMS = terms(currency="JPY")

    def test_keeps_the_unit_price_to_six_places(self) -> None:
        # 2500 × (100 − 12.34) % = 2191.5
        priced_line = priced(line(quantity=3, discount_percent="12.34"), quote_terms=self.JPY_TERMS)
        assert str(priced_line.net_unit_price) == "2191.500000"

    def test_rounds_mrr_half_up_to_whole_yen(self) -> None:
        # 2191.5 × 3 = 6574.5 → 6575 (half-even would give 6574)
        priced_line = priced(line(quantity=3, discount_percent="12.34"), quote_terms=self.JPY_TERMS)
        assert priced_line.mrr == Decimal(6575)
        assert str(priced_line.mrr) == "6575"

    def test_rounds_the_line_total_to_whole_yen(self) -> None:
        priced_line = priced(line(quantity=3, discount_percent="12.34"), quote_terms=self.JPY_TERMS)
        assert priced_line.total.as_tuple().exponent == 0

    def test_totals_carry_no_decimals(self) -> None:
        priced_quote = quote(line(quantity=3, discount_percent="12.34"), quote_terms=self.JPY_TERMS)
        assert str(priced_quote.totals.mrr) == "6575"
        assert str(priced_quote.totals.arr) == "78900"
        assert str(priced_quote.totals.one_time) == "0"
        assert str(priced_quote.totals.first_invoice) == "6575"


class TestQuoteTotals:
    CONTRACTED_21 = (contracted(unit_price="21.00"),)

    def priced_quote(self, *, billing_frequency: str = "monthly", term_months: int | None = 12) -> PricedQuote:
        return quote(
            line(sku="TIX-PRO", quantity=20),
            line(sku="ONBOARDING", quantity=1),
            quote_terms=terms(billing_frequency=billing_frequency, term_months=term_months),
            contracted_prices=self.CONTRACTED_21,
        )

    def test_mrr_sums_the_recurring_lines(self) -> None:
        totals = quote(
            line(sku="TIX-PRO", quantity=20),
            line(sku="MKT-CONTACTS", quantity=30),
            line(sku="ONBOARDING", quantity=1),
            contracted_prices=self.CONTRACTED_21,
        ).totals
        assert totals.mrr == Decimal("2800.00")

    def test_arr_is_twelve_times_mrr(self) -> None:
        assert self.priced_quote().totals.arr == Decimal("5040.00")

    def test_one_time_sums_the_one_time_lines(self) -> None:
        totals = quote(
            line(sku="TIX-PRO", quantity=20), line(sku="ONBOARDING", quantity=1), line(sku="TRAINING", quantity=2)
        ).totals
        assert totals.one_time == Decimal("1900.00")

    def test_total_contract_value_sums_the_line_totals(self) -> None:
        assert self.priced_quote().totals.total_contract_value == Decimal("6540.00")

    def test_total_contract_value_is_a_sum_of_rounded_lines(self) -> None:
        # two lines of 24.975 × 1 × 12 = 299.70 each
        totals = quote(
            line(sku="TIX-PRO", quantity=1, discount_percent="0.1"),
            line(sku="API-CALLS", quantity=1, discount_percent="16.75"),  # 30 × 0.8325 = 24.975
            quote_terms=terms(),
        ).totals
        assert totals.mrr == Decimal("49.96")  # 24.98 + 24.98, not round(49.95)
        assert totals.total_contract_value == Decimal("599.40")

    def test_first_invoice_of_a_monthly_quote_is_one_time_plus_one_month(self) -> None:
        assert self.priced_quote(billing_frequency="monthly").totals.first_invoice == Decimal("1920.00")

    def test_first_invoice_of_a_quarterly_quote_is_one_time_plus_three_months(self) -> None:
        assert self.priced_quote(billing_frequency="quarterly").totals.first_invoice == Decimal("2760.00")

    def test_first_invoice_of_a_semiannual_quote_is_one_time_plus_six_months(self) -> None:
        assert self.priced_quote(billing_frequency="semiannual").totals.first_invoice == Decimal("4020.00")

    def test_first_invoice_of_an_annual_quote_is_one_time_plus_twelve_months(self) -> None:
        assert self.priced_quote(billing_frequency="annual").totals.first_invoice == Decimal("6540.00")

    def test_first_invoice_is_capped_by_a_shorter_term(self) -> None:
        totals = self.priced_quote(billing_frequency="annual", term_months=6).totals
        assert totals.first_invoice == Decimal("4020.00")
        assert totals.total_contract_value == Decimal("4020.00")

    def test_first_invoice_of_an_evergreen_annual_quote_is_a_full_year(self) -> None:
        totals = self.priced_quote(billing_frequency="annual", term_months=None).totals
        assert totals.first_invoice == Decimal("6540.00")
        assert totals.total_contract_value == Decimal("6540.00")

    def test_totals_serialize_with_two_places_in_euro(self) -> None:
        totals = self.priced_quote(billing_frequency="quarterly").totals
        assert [str(value) for value in (totals.mrr, totals.arr, totals.one_time, totals.total_contract_value,
                                         totals.first_invoice)] == ["420.00", "5040.00", "1500.00", "6540.00",
                                                                    "2760.00"]

    def test_a_quote_keeps_its_lines_in_order(self) -> None:
        priced_quote = self.priced_quote()
        assert [priced_line.sku for priced_line in priced_quote.lines] == ["TIX-PRO", "ONBOARDING"]


class TestNeedsApproval:
    CONTRACTED_21 = (contracted(unit_price="21.00"),)

    def approval(self, *requests: LineRequest, schedules: Sequence[DiscountSchedule] = (),
                 contracted_prices: Sequence[ContractedPrice] = (), threshold: Decimal = THRESHOLD) -> bool:
        priced_quote = quote(*requests, schedules=schedules, contracted_prices=contracted_prices)
        return needs_approval(priced_quote.lines, threshold)

    def test_is_false_without_a_rep_discount(self) -> None:
        assert self.approval(line()) is False

    def test_is_false_for_a_discount_equal_to_the_threshold(self) -> None:
        assert self.approval(line(discount_percent="20"), contracted_prices=self.CONTRACTED_21) is False

    def test_is_true_for_a_discount_above_the_threshold(self) -> None:
        assert self.approval(line(discount_percent="20.5"), contracted_prices=self.CONTRACTED_21) is True

    def test_is_true_when_any_line_is_above_the_threshold(self) -> None:
        assert self.approval(line(sku="TIX-PRO"), line(sku="ONBOARDING", quantity=1, discount_percent="25")) is True

    def test_uses_the_given_threshold(self) -> None:
        assert self.approval(line(discount_percent="10"), threshold=Decimal(5)) is True
        assert self.approval(line(discount_percent="10"), threshold=Decimal(10)) is False

    def test_measures_the_discount_against_the_regular_price_not_list(self) -> None:
        # regular 21.375, net 17.100000: 20 % off regular, 31.6 % off list
        assert self.approval(line(quantity=20, discount_percent="20"), schedules=TIX_PRO_SCHEDULES) is False

    def test_ignores_the_contracted_price_difference_from_list(self) -> None:
        # contracted 20 % off list, then no rep discount: nothing for an approver
        assert self.approval(line(), contracted_prices=[contracted(discount_percent="30")]) is False

    def test_measures_a_discount_amount_against_the_price_before_it(self) -> None:
        # 21.375 − 4.275 = 17.100000: exactly 20 %
        assert self.approval(line(quantity=20, discount_amount="4.275"), schedules=TIX_PRO_SCHEDULES) is False

    def test_is_true_for_a_discount_amount_above_the_threshold(self) -> None:
        # 21.375 − 4.28 = 17.095000: 20.02 %
        assert self.approval(line(quantity=20, discount_amount="4.28"), schedules=TIX_PRO_SCHEDULES) is True

    def test_measures_a_discount_amount_against_the_contracted_price(self) -> None:
        assert self.approval(line(discount_amount="4.20"), contracted_prices=self.CONTRACTED_21) is False
        assert self.approval(line(discount_amount="4.41"), contracted_prices=self.CONTRACTED_21) is True

    def test_is_false_on_a_free_line(self) -> None:
        priced_line = priced(line(sku="SITE", quantity=1), contracted_prices=[contracted(sku="SITE", unit_price="0")])
        assert needs_approval([priced_line], THRESHOLD) is False


class TestValidateRequest:
    def refusal(self, *requests: LineRequest, quote_terms: QuoteTerms | None = None) -> list[tuple[str | int, ...]]:
        with pytest.raises(InvalidInput) as raised:
            validate_request(requests, quote_terms or terms(), PRODUCTS)
        return refusal_locs(raised)

    def test_accepts_a_well_formed_request(self) -> None:
        validate_request([line(), line(sku="ONBOARDING", quantity=1)], terms(), PRODUCTS)

    def test_accepts_a_discount_of_exactly_100_percent(self) -> None:
        validate_request([line(discount_percent="100")], terms(), PRODUCTS)

    def test_accepts_an_evergreen_term(self) -> None:
        validate_request([line()], terms(term_months=None), PRODUCTS)

    def test_refuses_a_quantity_of_zero(self) -> None:
        assert self.refusal(line(quantity=0)) == [("lines", 0, "quantity")]

    def test_refuses_a_negative_quantity(self) -> None:
        assert self.refusal(line(), line(quantity=-1)) == [("lines", 1, "quantity")]

    def test_refuses_an_unknown_sku(self) -> None:
        assert self.refusal(line(sku="NOPE")) == [("lines", 0, "sku")]

    def test_refuses_an_inactive_product(self) -> None:
        assert self.refusal(line(sku="TIX-LEGACY")) == [("lines", 0, "sku")]

    def test_refuses_both_a_discount_percent_and_a_discount_amount(self) -> None:
        assert self.refusal(line(discount_percent="5", discount_amount="1.00")) == [("lines", 0)]

    def test_refuses_a_discount_over_100_percent(self) -> None:
        assert self.refusal(line(discount_percent="100.01")) == [("lines", 0, "discount_percent")]

    def test_refuses_a_negative_discount_percent(self) -> None:
        assert self.refusal(line(discount_percent="-1")) == [("lines", 0, "discount_percent")]

    def test_refuses_a_negative_discount_amount(self) -> None:
        assert self.refusal(line(discount_amount="-0.01")) == [("lines", 0, "discount_amount")]

    def test_refuses_a_quote_without_lines(self) -> None:
        assert self.refusal() == [("lines",)]

    def test_refuses_a_term_of_zero_months(self) -> None:
        assert self.refusal(line(), quote_terms=terms(term_months=0)) == [("term_months",)]

    def test_names_every_bad_input_at_once(self) -> None:
        locs = self.refusal(line(quantity=0), line(sku="NOPE"), quote_terms=terms(term_months=0))
        assert locs == [("term_months",), ("lines", 0, "quantity"), ("lines", 1, "sku")]

    def test_names_the_line_in_words(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_request([line(), line(quantity=0)], terms(), PRODUCTS)
        assert "line 2" in raised.value.violations[0].msg

    def test_refuses_an_unknown_currency(self) -> None:
        with pytest.raises(UnknownCurrency):
            validate_request([line()], terms(currency="XYZ"), PRODUCTS)

    def test_refuses_an_unknown_billing_frequency(self) -> None:
        with pytest.raises(InvalidInput):
            validate_request([line()], terms(billing_frequency="weekly"), PRODUCTS)

    def test_refuses_an_addon_without_its_base_plan(self) -> None:
        with pytest.raises(ProductRuleViolation) as raised:
            validate_request([line(sku="MKT-CONTACTS", quantity=30)], terms(), PRODUCTS)
        assert refusal_locs(raised) == [("lines", 0, "sku")]

    def test_refuses_an_excluded_pair(self) -> None:
        with pytest.raises(ProductRuleViolation) as raised:
            validate_request([line(sku="TIX-PRO"), line(sku="TIX-ENT")], terms(), PRODUCTS)
        assert refusal_locs(raised) == [("lines", 0, "sku"), ("lines", 1, "sku")]


class TestPriceQuote:
    def test_validates_the_request_first(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            quote(line(quantity=0))
        assert refusal_locs(raised) == [("lines", 0, "quantity")]

    def test_refuses_a_discount_amount_above_the_unit_price(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            quote(line(), line(sku="ONBOARDING", quantity=1, discount_amount="1500.01"))
        assert refusal_locs(raised) == [("lines", 1, "discount_amount")]
        assert "exceeds the unit price" in raised.value.detail

    def test_refuses_a_discount_amount_above_the_contracted_price(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            quote(line(discount_amount="21.01"), contracted_prices=[contracted(unit_price="21.00")])
        assert refusal_locs(raised) == [("lines", 0, "discount_amount")]

    def test_accepts_a_discount_amount_equal_to_the_unit_price(self) -> None:
        priced_quote = quote(line(discount_amount="25.00"))
        assert priced_quote.lines[0].net_unit_price == Decimal("0.000000")
        assert priced_quote.totals.mrr == Decimal("0.00")

    def test_prices_the_domain_example_quote(self) -> None:
        priced_quote = quote(
            line(sku="TIX-PRO", quantity=20),
            line(sku="MKT-CONTACTS", quantity=30),
            line(sku="ONBOARDING", quantity=1),
            contracted_prices=[contracted(unit_price="21.00")],
        )
        assert [(pl.sku, pl.net_unit_price, pl.mrr, pl.total) for pl in priced_quote.lines] == [
            ("TIX-PRO", Decimal("21.000000"), Decimal("420.00"), Decimal("5040.00")),
            ("MKT-CONTACTS", Decimal("79.333333"), Decimal("2380.00"), Decimal("28560.00")),
            ("ONBOARDING", Decimal("1500.000000"), Decimal("0.00"), Decimal("1500.00")),
        ]
        assert priced_quote.totals.total_contract_value == Decimal("35100.00")
        assert priced_quote.totals.first_invoice == Decimal("4300.00")
