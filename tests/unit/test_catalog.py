"""Catalog: price book entries in effect on a date, discount bands and product rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.domain.catalog import (
    DiscountBand,
    MissingPrice,
    OverlappingPriceEntry,
    PriceEntry,
    PriceTier,
    Product,
    ProductRuleViolation,
    band_discount,
    check_product_rules,
    entry_in_effect,
    entry_to_close,
    validate_price_entry,
    validate_product_rules,
)
from app.domain.errors import Conflict, InvalidInput


def price_entry(
    *,
    sku: str = "TIX-PRO",
    currency: str = "EUR",
    pricing_model: str = "per_unit",
    effective_from: date = date(2026, 1, 1),
    effective_to: date | None = None,
    unit_price: Decimal | None = Decimal("25.00"),
    tiers: tuple[PriceTier, ...] = (),
) -> PriceEntry:
    return PriceEntry(
        sku=sku,
        currency=currency,
        pricing_model=pricing_model,
        effective_from=effective_from,
        effective_to=effective_to,
        unit_price=unit_price,
        tiers=tiers,
    )


GRADUATED_TIERS = (
    PriceTier(up_to=9, unit_price=Decimal("90.00")),
    PriceTier(up_to=19, unit_price=Decimal("80.00")),
    PriceTier(up_to=None, unit_price=Decimal("70.00")),
)


def tiered_entry(*, pricing_model: str = "graduated", tiers: tuple[PriceTier, ...] = GRADUATED_TIERS) -> PriceEntry:
    return price_entry(pricing_model=pricing_model, unit_price=None, tiers=tiers)


def violation_locs(error: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str | int, ...]]:
    return [violation.loc for violation in error.value.violations]


class TestValidatePriceEntry:
    def test_accepts_a_per_unit_entry_with_a_unit_price(self) -> None:
        validate_price_entry(price_entry())

    def test_accepts_a_flat_entry_with_a_unit_price(self) -> None:
        validate_price_entry(price_entry(pricing_model="flat", unit_price=Decimal("1500.00")))

    @pytest.mark.parametrize("model", ["graduated", "volume"])
    def test_accepts_increasing_tiers_with_an_open_last_tier(self, model: str) -> None:
        validate_price_entry(tiered_entry(pricing_model=model))

    def test_accepts_a_bounded_entry_that_ends_after_it_starts(self) -> None:
        validate_price_entry(price_entry(effective_from=date(2026, 1, 1), effective_to=date(2026, 1, 2)))

    def test_refuses_per_unit_without_a_unit_price(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(price_entry(unit_price=None))
        assert violation_locs(raised) == [("unit_price",)]

    def test_refuses_flat_without_a_unit_price(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(price_entry(pricing_model="flat", unit_price=None))
        assert violation_locs(raised) == [("unit_price",)]

    def test_refuses_a_negative_unit_price(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(price_entry(unit_price=Decimal("-0.01")))
        assert violation_locs(raised) == [("unit_price",)]

    def test_refuses_tiers_on_a_per_unit_entry(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(price_entry(tiers=GRADUATED_TIERS))
        assert violation_locs(raised) == [("tiers",)]

    @pytest.mark.parametrize("model", ["graduated", "volume"])
    def test_refuses_a_tiered_entry_without_tiers(self, model: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(tiered_entry(pricing_model=model, tiers=()))
        assert violation_locs(raised) == [("tiers",)]

    def test_refuses_a_unit_price_on_a_tiered_entry(self) -> None:
        entry = price_entry(pricing_model="volume", unit_price=Decimal("25.00"), tiers=GRADUATED_TIERS)
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(entry)
        assert violation_locs(raised) == [("unit_price",)]

    def test_refuses_tier_bounds_that_do_not_increase(self) -> None:
        tiers = (
            PriceTier(up_to=10, unit_price=Decimal("90.00")),
            PriceTier(up_to=10, unit_price=Decimal("80.00")),
            PriceTier(up_to=None, unit_price=Decimal("70.00")),
        )
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(tiered_entry(tiers=tiers))
        assert violation_locs(raised) == [("tiers", 1, "up_to")]

    def test_refuses_tier_bounds_that_decrease(self) -> None:
        tiers = (
            PriceTier(up_to=19, unit_price=Decimal("90.00")),
            PriceTier(up_to=9, unit_price=Decimal("80.00")),
            PriceTier(up_to=None, unit_price=Decimal("70.00")),
        )
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(tiered_entry(tiers=tiers))
        assert violation_locs(raised) == [("tiers", 1, "up_to")]

    def test_refuses_a_first_tier_bound_of_zero(self) -> None:
        tiers = (PriceTier(up_to=0, unit_price=Decimal("90.00")), PriceTier(up_to=None, unit_price=Decimal("70.00")))
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(tiered_entry(tiers=tiers))
        assert violation_locs(raised) == [("tiers", 0, "up_to")]

    def test_refuses_a_last_tier_that_is_not_open(self) -> None:
        tiers = (PriceTier(up_to=9, unit_price=Decimal("90.00")), PriceTier(up_to=19, unit_price=Decimal("80.00")))
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(tiered_entry(tiers=tiers))
        assert violation_locs(raised) == [("tiers", 1, "up_to")]

    def test_refuses_an_open_tier_before_the_last(self) -> None:
        tiers = (PriceTier(up_to=None, unit_price=Decimal("90.00")), PriceTier(up_to=None, unit_price=Decimal("80.00")))
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(tiered_entry(tiers=tiers))
        assert violation_locs(raised) == [("tiers", 0, "up_to")]

    def test_refuses_a_negative_tier_price(self) -> None:
        tiers = (PriceTier(up_to=9, unit_price=Decimal(-1)), PriceTier(up_to=None, unit_price=Decimal("70.00")))
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(tiered_entry(tiers=tiers))
        assert violation_locs(raised) == [("tiers", 0, "unit_price")]

    def test_refuses_an_effective_to_equal_to_effective_from(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(price_entry(effective_from=date(2026, 6, 1), effective_to=date(2026, 6, 1)))
        assert violation_locs(raised) == [("effective_to",)]

    def test_refuses_an_effective_to_before_effective_from(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(price_entry(effective_from=date(2026, 6, 1), effective_to=date(2026, 5, 31)))
        assert violation_locs(raised) == [("effective_to",)]

    def test_refuses_an_unknown_pricing_model(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(price_entry(pricing_model="stairstep"))
        assert violation_locs(raised) == [("pricing_model",)]

    def test_names_every_problem_at_once(self) -> None:
        entry = price_entry(unit_price=None, effective_from=date(2026, 6, 1), effective_to=date(2026, 1, 1))
        with pytest.raises(InvalidInput) as raised:
            validate_price_entry(entry)
        assert sorted(violation_locs(raised)) == [("effective_to",), ("unit_price",)]


class TestEntryInEffect:
    JANUARY = price_entry(effective_from=date(2026, 1, 1), effective_to=date(2026, 7, 1), unit_price=Decimal("25.00"))
    JULY = price_entry(effective_from=date(2026, 7, 1), unit_price=Decimal("27.00"))
    USD = price_entry(currency="USD", effective_from=date(2026, 1, 1), unit_price=Decimal("29.00"))
    ENT = price_entry(sku="TIX-ENT", effective_from=date(2026, 1, 1), unit_price=Decimal("40.00"))
    ENTRIES = (ENT, USD, JULY, JANUARY)

    def test_picks_the_entry_on_its_first_day(self) -> None:
        assert entry_in_effect(self.ENTRIES, "TIX-PRO", "EUR", date(2026, 1, 1)) == self.JANUARY

    def test_picks_the_entry_on_its_last_day(self) -> None:
        assert entry_in_effect(self.ENTRIES, "TIX-PRO", "EUR", date(2026, 6, 30)) == self.JANUARY

    def test_picks_the_next_entry_on_the_exclusive_end_of_the_previous(self) -> None:
        assert entry_in_effect(self.ENTRIES, "TIX-PRO", "EUR", date(2026, 7, 1)) == self.JULY

    def test_picks_an_open_ended_entry_far_in_the_future(self) -> None:
        assert entry_in_effect(self.ENTRIES, "TIX-PRO", "EUR", date(2099, 12, 31)) == self.JULY

    def test_picks_the_entry_of_the_requested_currency(self) -> None:
        assert entry_in_effect(self.ENTRIES, "TIX-PRO", "USD", date(2026, 3, 1)) == self.USD

    def test_picks_the_entry_of_the_requested_sku(self) -> None:
        assert entry_in_effect(self.ENTRIES, "TIX-ENT", "EUR", date(2026, 3, 1)) == self.ENT

    def test_raises_missing_price_before_the_first_entry(self) -> None:
        with pytest.raises(MissingPrice) as raised:
            entry_in_effect(self.ENTRIES, "TIX-PRO", "EUR", date(2025, 12, 31))
        assert "TIX-PRO" in raised.value.detail
        assert "2025-12-31" in raised.value.detail

    def test_raises_missing_price_for_a_currency_without_an_entry(self) -> None:
        with pytest.raises(MissingPrice):
            entry_in_effect(self.ENTRIES, "TIX-PRO", "PLN", date(2026, 3, 1))

    def test_raises_missing_price_after_a_closed_entry(self) -> None:
        entries = (price_entry(effective_from=date(2026, 1, 1), effective_to=date(2026, 7, 1)),)
        with pytest.raises(MissingPrice):
            entry_in_effect(entries, "TIX-PRO", "EUR", date(2026, 7, 1))

    def test_missing_price_is_invalid_input(self) -> None:
        assert issubclass(MissingPrice, InvalidInput)


class TestEntryToClose:
    OPEN = price_entry(effective_from=date(2026, 1, 1))

    def test_returns_the_open_ended_entry_a_later_one_starts_inside(self) -> None:
        new = price_entry(effective_from=date(2026, 7, 1), unit_price=Decimal("27.00"))
        assert entry_to_close([self.OPEN], new) == self.OPEN

    def test_returns_the_open_ended_entry_a_later_bounded_one_starts_inside(self) -> None:
        new = price_entry(effective_from=date(2026, 7, 1), effective_to=date(2026, 12, 1))
        assert entry_to_close([self.OPEN], new) == self.OPEN

    def test_returns_none_when_nothing_overlaps(self) -> None:
        old = price_entry(effective_from=date(2026, 1, 1), effective_to=date(2026, 7, 1))
        new = price_entry(effective_from=date(2026, 7, 1))
        assert entry_to_close([old], new) is None

    def test_returns_none_for_a_bounded_entry_ending_where_an_open_one_starts(self) -> None:
        new = price_entry(effective_from=date(2025, 1, 1), effective_to=date(2026, 1, 1))
        assert entry_to_close([self.OPEN], new) is None

    def test_returns_none_when_there_is_no_entry_yet(self) -> None:
        assert entry_to_close([], price_entry()) is None

    def test_ignores_entries_of_other_skus_and_currencies(self) -> None:
        others = [price_entry(sku="TIX-ENT"), price_entry(currency="USD")]
        assert entry_to_close(others, price_entry(effective_from=date(2026, 7, 1))) is None

    def test_closes_the_open_entry_after_earlier_bounded_ones(self) -> None:
        bounded = price_entry(effective_from=date(2025, 1, 1), effective_to=date(2026, 1, 1))
        new = price_entry(effective_from=date(2026, 7, 1))
        assert entry_to_close([bounded, self.OPEN], new) == self.OPEN

    def test_refuses_a_new_entry_starting_before_an_open_ended_one(self) -> None:
        new = price_entry(effective_from=date(2025, 7, 1))
        with pytest.raises(OverlappingPriceEntry):
            entry_to_close([self.OPEN], new)

    def test_refuses_a_new_entry_starting_the_same_day_as_an_open_ended_one(self) -> None:
        new = price_entry(effective_from=date(2026, 1, 1), unit_price=Decimal("27.00"))
        with pytest.raises(OverlappingPriceEntry):
            entry_to_close([self.OPEN], new)

    def test_refuses_two_bounded_overlapping_entries(self) -> None:
        old = price_entry(effective_from=date(2026, 1, 1), effective_to=date(2026, 7, 1))
        new = price_entry(effective_from=date(2026, 6, 1), effective_to=date(2026, 9, 1))
        with pytest.raises(OverlappingPriceEntry) as raised:
            entry_to_close([old], new)
        assert "2026-01-01" in raised.value.detail
        assert "2026-06-01" in raised.value.detail

    def test_refuses_a_new_open_entry_starting_inside_a_bounded_one(self) -> None:
        old = price_entry(effective_from=date(2026, 1, 1), effective_to=date(2026, 7, 1))
        new = price_entry(effective_from=date(2026, 3, 1))
        with pytest.raises(OverlappingPriceEntry):
            entry_to_close([old], new)

    def test_refuses_a_bounded_entry_ending_inside_a_later_one(self) -> None:
        later = price_entry(effective_from=date(2026, 7, 1), effective_to=date(2026, 12, 1))
        new = price_entry(effective_from=date(2026, 1, 1), effective_to=date(2026, 8, 1))
        with pytest.raises(OverlappingPriceEntry):
            entry_to_close([later], new)

    def test_refuses_an_entry_that_would_close_an_open_one_but_overlaps_a_bounded_one(self) -> None:
        bounded = price_entry(effective_from=date(2026, 9, 1), effective_to=date(2026, 12, 1))
        new = price_entry(effective_from=date(2026, 10, 1))
        with pytest.raises(OverlappingPriceEntry):
            entry_to_close([self.OPEN, bounded], new)

    def test_an_overlap_is_a_conflict(self) -> None:
        assert issubclass(OverlappingPriceEntry, Conflict)


class TestBandDiscount:
    BANDS = (
        DiscountBand(start=10, discount_percent=Decimal(5)),
        DiscountBand(start=1, discount_percent=Decimal(0)),
        DiscountBand(start=50, discount_percent=Decimal("12.5")),
    )

    def test_picks_the_band_with_the_largest_from_at_or_below_the_value(self) -> None:
        assert band_discount(self.BANDS, 49) == Decimal(5)

    def test_picks_a_band_from_its_exact_from(self) -> None:
        assert band_discount(self.BANDS, 50) == Decimal("12.5")
        assert band_discount(self.BANDS, 10) == Decimal(5)

    def test_keeps_the_top_band_above_it(self) -> None:
        assert band_discount(self.BANDS, 10_000) == Decimal("12.5")

    def test_gives_zero_below_every_band(self) -> None:
        assert band_discount(self.BANDS, 0) == Decimal(0)

    def test_gives_zero_without_bands(self) -> None:
        assert band_discount((), 25) == Decimal(0)


CATALOG = {
    "TIX-PRO": Product(sku="TIX-PRO", name="Ticketing Pro", family="ticketing", kind="plan", tier_rank=1,
                       excludes=("TIX-ENT",)),
    "TIX-ENT": Product(sku="TIX-ENT", name="Ticketing Enterprise", family="ticketing", kind="plan", tier_rank=2,
                       excludes=("TIX-PRO",)),
    "MKT-SMS": Product(sku="MKT-SMS", name="Marketing SMS", family="marketing", kind="addon",
                       requires=("TIX-PRO", "TIX-ENT")),
    "ONBOARDING": Product(sku="ONBOARDING", name="Onboarding", family="services", kind="one_time"),
}


class TestCheckProductRules:
    def test_accepts_an_addon_with_its_base_plan(self) -> None:
        check_product_rules(["TIX-PRO", "MKT-SMS"], CATALOG)

    def test_accepts_a_requirement_met_by_any_one_of_the_listed_skus(self) -> None:
        check_product_rules(["MKT-SMS", "TIX-ENT"], CATALOG)

    def test_refuses_an_addon_without_any_of_its_required_skus(self) -> None:
        with pytest.raises(ProductRuleViolation) as raised:
            check_product_rules(["ONBOARDING", "MKT-SMS"], CATALOG)
        assert violation_locs(raised) == [("lines", 1, "sku")]
        assert "TIX-PRO or TIX-ENT" in raised.value.violations[0].msg

    def test_refuses_an_excluded_pair_naming_each_line(self) -> None:
        with pytest.raises(ProductRuleViolation) as raised:
            check_product_rules(["TIX-PRO", "ONBOARDING", "TIX-ENT"], CATALOG)
        assert violation_locs(raised) == [("lines", 0, "sku"), ("lines", 2, "sku")]

    def test_refuses_an_exclusion_declared_on_one_side_only(self) -> None:
        catalog = {
            "A": Product(sku="A", name="A", family="f", kind="plan"),
            "B": Product(sku="B", name="B", family="f", kind="plan", excludes=("A",)),
        }
        with pytest.raises(ProductRuleViolation) as raised:
            check_product_rules(["A", "B"], catalog)
        assert violation_locs(raised) == [("lines", 1, "sku")]

    def test_refuses_a_duplicate_sku_on_its_second_line(self) -> None:
        with pytest.raises(ProductRuleViolation) as raised:
            check_product_rules(["TIX-PRO", "ONBOARDING", "TIX-PRO"], CATALOG)
        assert violation_locs(raised) == [("lines", 2, "sku")]
        assert "more than once" in raised.value.violations[0].msg

    def test_a_rule_violation_is_invalid_input(self) -> None:
        assert issubclass(ProductRuleViolation, InvalidInput)


class TestValidateProductRules:
    def test_accepts_requirements_on_known_products_and_exclusions_of_products_not_created_yet(self) -> None:
        validate_product_rules("MKT-SMS", ["TIX-PRO", "TIX-ENT"], ["LATER"], known={"TIX-PRO", "TIX-ENT"})

    def test_refuses_a_requirement_on_an_unknown_sku(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_product_rules("MKT-SMS", ["TIX-PRO", "NOPE"], [], known={"TIX-PRO"})
        assert violation_locs(raised) == [("requires", 1)] and "'NOPE'" in raised.value.violations[0].msg

    def test_refuses_a_product_requiring_or_excluding_itself(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_product_rules("TIX-PRO", ["TIX-PRO"], [], known={"TIX-PRO"})
        assert violation_locs(raised) == [("requires", 0)]
        with pytest.raises(InvalidInput) as raised:
            validate_product_rules("TIX-PRO", [], ["TIX-ENT", "TIX-PRO"], known=set())
        assert violation_locs(raised) == [("excludes", 1)] and "itself" in raised.value.violations[0].msg

    def test_refuses_a_sku_both_required_and_excluded(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_product_rules("MKT-SMS", ["TIX-PRO"], ["TIX-PRO"], known={"TIX-PRO"})
        assert violation_locs(raised) == [("requires", 0)] and "both" in raised.value.violations[0].msg
