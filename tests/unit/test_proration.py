"""Proration: the billing period a change falls in, the fraction of it left, and the prorated amounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.money import round_fraction
from app.domain.periods import FREQUENCY_MONTHS, Period, add_months, term_end
from app.domain.proration import Proration, prorate, prorated_amounts
from tests.vectors import seat_addition_vectors

SEAT_EXAMPLE_START = date(2026, 1, 15)
ANNUAL_START = date(2026, 1, 1)

anchors = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
billing_months = st.sampled_from(sorted(FREQUENCY_MONTHS.values()))
term_lengths = st.integers(min_value=1, max_value=60)
prorating_methods = st.sampled_from(("daily", "monthly_daily"))
all_methods = st.sampled_from(("daily", "monthly_daily", "none"))
#: A monthly delta with two decimal places, built from whole cents (never from a float).
monthly_deltas = st.integers(min_value=-99_999_999, max_value=99_999_999).map(lambda cents: Decimal(cents) / 100)
properties = settings(database=None, deadline=None, max_examples=200)


def proration(
    *,
    method: str = "daily",
    anchor: date = SEAT_EXAMPLE_START,
    billing_months: int = 1,
    term_months: int | None = 12,
    effective_date: date = date(2026, 4, 1),
) -> Proration:
    return prorate(
        method=method, anchor=anchor, billing_months=billing_months, term_end=term_end(anchor, term_months),
        effective_date=effective_date,
    )


def places(value: Fraction, digits: int) -> str:
    """An exact ratio written to `digits` decimal places, half-up away from zero (no float, no context)."""
    scaled = abs(value) * 10**digits
    units = scaled.numerator // scaled.denominator
    if (scaled - units) * 2 >= 1:
        units += 1
    sign = "-" if value < 0 and units else ""
    return f"{sign}{Decimal(units).scaleb(-digits):.{digits}f}"


class TestRoundFraction:
    def test_rounds_a_half_cent_up(self) -> None:
        assert round_fraction(Fraction(1, 200), "EUR") == Decimal("0.01")

    def test_rounds_a_negative_half_cent_away_from_zero(self) -> None:
        assert round_fraction(Fraction(-1, 200), "EUR") == Decimal("-0.01")

    def test_rounds_a_third_down_to_the_cent(self) -> None:
        assert round_fraction(Fraction(1, 3), "EUR") == Decimal("0.33")

    def test_rounds_two_thirds_up_to_the_cent(self) -> None:
        assert round_fraction(Fraction(2, 3), "EUR") == Decimal("0.67")

    def test_rounds_just_below_a_half_cent_down(self) -> None:
        assert round_fraction(Fraction(4999, 1_000_000), "EUR") == Decimal("0.00")

    def test_rounds_yen_to_whole_units(self) -> None:
        assert round_fraction(Fraction(5, 2), "JPY") == Decimal(3)

    def test_rounds_negative_yen_away_from_zero_at_the_tie(self) -> None:
        assert round_fraction(Fraction(-5, 2), "JPY") == Decimal(-3)

    def test_keeps_the_currency_digits(self) -> None:
        assert str(round_fraction(Fraction(21), "EUR")) == "21.00"
        assert str(round_fraction(Fraction(2500), "JPY")) == "2500"

    def test_does_not_round_twice(self) -> None:
        # 0.0049999… then 0.005 would round up if rounded in two steps
        assert round_fraction(Fraction(49_999, 10_000_000), "EUR") == Decimal("0.00")


class TestProrateDaily:
    """`prorate` with the `daily` method (actual days)."""

    def test_finds_the_billing_period_of_the_seat_example(self) -> None:
        assert proration().period == Period(date(2026, 3, 15), date(2026, 4, 15))

    def test_leaves_14_of_31_days_in_the_seat_example(self) -> None:
        assert proration().fraction == Fraction(14, 31)

    def test_counts_nine_whole_months_after_the_seat_example_period(self) -> None:
        result = proration()
        assert result.months_after == 9
        assert result.period_months == 1

    def test_keeps_the_effective_date(self) -> None:
        assert proration().effective_date == date(2026, 4, 1)

    def test_leaves_289_of_365_days_of_an_annual_period(self) -> None:
        result = proration(billing_months=12)
        assert result.period == Period(date(2026, 1, 15), date(2027, 1, 15))
        assert result.fraction == Fraction(289, 365)
        assert result.period_months == 12
        assert result.months_after == 0

    def test_counts_a_leap_february(self) -> None:
        result = proration(anchor=date(2028, 1, 15), effective_date=date(2028, 3, 1))
        assert result.period == Period(date(2028, 2, 15), date(2028, 3, 15))
        assert result.fraction == Fraction(14, 29)

    def test_uses_clamped_periods_of_an_end_of_month_anchor(self) -> None:
        result = proration(anchor=date(2026, 1, 31), effective_date=date(2026, 3, 1))
        assert result.period == Period(date(2026, 2, 28), date(2026, 3, 31))
        assert result.fraction == Fraction(30, 31)

    def test_charges_the_whole_period_on_its_first_day(self) -> None:
        assert proration(effective_date=date(2026, 3, 15)).fraction == 1

    def test_charges_one_day_on_the_last_day_of_a_period(self) -> None:
        assert proration(effective_date=date(2026, 4, 14)).fraction == Fraction(1, 31)

    def test_charges_the_whole_first_period_on_the_contract_start(self) -> None:
        result = proration(effective_date=SEAT_EXAMPLE_START)
        assert result.period == Period(date(2026, 1, 15), date(2026, 2, 15))
        assert result.fraction == 1
        assert result.months_after == 11


class TestProrateMonthlyDaily:
    """`prorate` with `monthly_daily`: whole months back from the period end, then days."""

    def annual(self, effective_date: date) -> Proration:
        return proration(method="monthly_daily", anchor=ANNUAL_START, billing_months=12,
                         effective_date=effective_date)

    def test_counts_six_months_left_of_an_annual_period_as_one_half(self) -> None:
        assert self.annual(date(2026, 7, 1)).fraction == Fraction(1, 2)

    def test_counts_whole_months_then_days_over_the_month(self) -> None:
        # [2026-07-16, 2026-08-01) is 16 of the 31 days of [2026-07-01, 2026-08-01), then 5 whole months
        assert self.annual(date(2026, 7, 16)).fraction == (5 + Fraction(16, 31)) / 12

    def test_is_one_on_the_anchor_day(self) -> None:
        assert self.annual(ANNUAL_START).fraction == 1

    def test_counts_twelve_days_over_the_month_they_fall_in(self) -> None:
        # 2026-12-20: no whole month left; [12-20, 2027-01-01) is 12 of the 31 days of December
        assert self.annual(date(2026, 12, 20)).fraction == Fraction(12, 31) / 12

    def test_measures_days_over_a_clamped_month(self) -> None:
        # quarterly from 01-31: period [01-31, 04-30); 2026-02-10 → 2 whole months ([02-28, 04-30)),
        # then [02-10, 02-28) = 18 days over [01-31, 02-28) = 28 days
        result = proration(method="monthly_daily", anchor=date(2026, 1, 31), billing_months=3,
                           effective_date=date(2026, 2, 10))
        assert result.period == Period(date(2026, 1, 31), date(2026, 4, 30))
        assert result.fraction == (2 + Fraction(18, 28)) / 3

    def test_on_the_seat_example_counts_the_days_of_the_month_long_period(self) -> None:
        assert proration(method="monthly_daily").fraction == Fraction(14, 31)


class TestProrateNone:
    def test_charges_the_whole_period(self) -> None:
        assert proration(method="none").fraction == 1

    def test_still_finds_the_period(self) -> None:
        result = proration(method="none", billing_months=3)
        assert result.period == Period(date(2026, 1, 15), date(2026, 4, 15))
        assert result.period_months == 3
        assert result.months_after == 9


class TestProrate:
    def test_counts_no_months_after_for_an_evergreen_contract(self) -> None:
        result = proration(term_months=None, effective_date=date(2027, 6, 1))
        assert result.period == Period(date(2027, 5, 15), date(2027, 6, 15))
        assert result.months_after == 0
        assert result.fraction == Fraction(14, 31)

    def test_cuts_the_last_billing_period_at_the_term_end(self) -> None:
        # 10-month term billed quarterly: periods [0, 3), [3, 6), [6, 9), [9, 10) months
        result = proration(billing_months=3, term_months=10, effective_date=date(2026, 10, 20))
        assert result.period == Period(date(2026, 10, 15), date(2026, 11, 15))
        assert result.period_months == 1
        assert result.months_after == 0
        assert result.fraction == Fraction(26, 31)

    def test_counts_the_cut_period_in_the_months_after(self) -> None:
        result = proration(billing_months=3, term_months=10, effective_date=date(2026, 8, 1))
        assert result.period == Period(date(2026, 7, 15), date(2026, 10, 15))
        assert result.period_months == 3
        assert result.months_after == 1

    def test_cuts_a_monthly_daily_period_at_the_term_end(self) -> None:
        result = proration(method="monthly_daily", billing_months=3, term_months=10,
                           effective_date=date(2026, 10, 15))
        assert result.period_months == 1
        assert result.fraction == 1

    def test_refuses_a_date_on_the_term_end(self) -> None:
        with pytest.raises(InvalidInput):
            proration(effective_date=date(2027, 1, 15))

    def test_refuses_a_date_after_the_term_end(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            proration(effective_date=date(2027, 3, 1))
        assert "2027-03-01" in raised.value.detail

    def test_refuses_a_date_before_the_anchor(self) -> None:
        with pytest.raises(InvalidInput):
            proration(effective_date=date(2026, 1, 14))

    def test_refuses_an_unknown_method(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            proration(method="weekly")
        assert "daily" in raised.value.detail


class TestProratedAmounts:
    def test_prices_the_seat_example(self) -> None:
        amounts = prorated_amounts(Decimal("21.00") * 5, proration(), "EUR")
        assert amounts.amount_due_now == Decimal("47.42")
        assert amounts.remaining_term_value == Decimal("992.42")
        assert amounts.mrr_delta == Decimal("105.00")

    def test_prices_six_months_of_an_annual_period(self) -> None:
        result = proration(method="monthly_daily", anchor=ANNUAL_START, billing_months=12,
                           effective_date=date(2026, 7, 1))
        amounts = prorated_amounts(Decimal("10.00") * 2, result, "EUR")
        assert amounts.amount_due_now == Decimal("120.00")
        assert amounts.remaining_term_value == Decimal("120.00")
        assert amounts.mrr_delta == Decimal("20.00")

    def test_prices_months_and_days_of_an_annual_period(self) -> None:
        result = proration(method="monthly_daily", anchor=ANNUAL_START, billing_months=12,
                           effective_date=date(2026, 7, 16))
        assert prorated_amounts(Decimal("10.00") * 2, result, "EUR").amount_due_now == Decimal("110.32")

    def test_prices_the_credit_of_the_annual_upgrade_example(self) -> None:
        amounts = prorated_amounts(Decimal("21.00") * -20, proration(billing_months=12), "EUR")
        assert amounts.amount_due_now == Decimal("-3990.58")
        assert amounts.remaining_term_value == Decimal("-3990.58")
        assert amounts.mrr_delta == Decimal("-420.00")

    def test_prices_the_charge_of_the_annual_upgrade_example(self) -> None:
        amounts = prorated_amounts(Decimal("40.00") * 20, proration(billing_months=12), "EUR")
        assert amounts.amount_due_now == Decimal("7601.10")

    def test_charges_the_whole_period_under_none(self) -> None:
        amounts = prorated_amounts(Decimal("105.00"), proration(method="none", billing_months=3), "EUR")
        assert amounts.amount_due_now == Decimal("315.00")
        assert amounts.remaining_term_value == Decimal("1260.00")

    def test_rounds_a_six_place_unit_price_once(self) -> None:
        # 79.333333 × 3 = 237.999999 a month; 14/31 of it is 107.48…
        amounts = prorated_amounts(Decimal("79.333333") * 3, proration(), "EUR")
        assert amounts.amount_due_now == Decimal("107.48")
        assert amounts.mrr_delta == Decimal("238.00")

    def test_rounds_yen_to_whole_units(self) -> None:
        amounts = prorated_amounts(Decimal(2500) * 5, proration(), "JPY")
        assert amounts.amount_due_now == Decimal(5645)  # 12500 × 14/31 = 5645.16…
        assert amounts.remaining_term_value == Decimal(118145)

    def test_gives_equal_due_now_and_remaining_value_on_an_evergreen_contract(self) -> None:
        amounts = prorated_amounts(Decimal("105.00"), proration(term_months=None), "EUR")
        assert amounts.amount_due_now == Decimal("47.42")
        assert amounts.remaining_term_value == Decimal("47.42")


def _vector_id(vector: dict[str, Any]) -> str:
    return f"{vector['contract_start']}+{vector['effective_date']}-{vector['proration_method']}"


SEAT_ADDITIONS = seat_addition_vectors()


class TestSeatAdditionVectors:
    """Every vector of tests/data/seat-additions.json, through `prorate` and `prorated_amounts`."""

    def test_there_are_sixty_vectors(self) -> None:
        assert len(SEAT_ADDITIONS) == 60

    @pytest.mark.parametrize("vector", SEAT_ADDITIONS, ids=_vector_id)
    def test_matches_the_vector(self, vector: dict[str, Any]) -> None:
        result = proration(
            method=vector["proration_method"],
            anchor=date.fromisoformat(vector["contract_start"]),
            billing_months=vector["billing_period_months"],
            term_months=vector["term_months"],
            effective_date=date.fromisoformat(vector["effective_date"]),
        )
        delta = Decimal(vector["net_unit_price"]) * vector["added_quantity"]
        amounts = prorated_amounts(delta, result, "EUR")
        start, end = vector["billing_period"]
        assert result.period == Period(date.fromisoformat(start), date.fromisoformat(end))
        assert places(result.fraction, 9) == vector["proration_fraction"]
        assert str(amounts.amount_due_now) == vector["amount_due_now"]
        assert str(amounts.remaining_term_value) == vector["remaining_term_value"]
        assert str(amounts.mrr_delta) == vector["mrr_delta"]

    def test_an_exact_half_cent_tie_rounds_up(self) -> None:
        """2026-10-30 + 29 × 957.09 on 2027-03-05, quarterly, monthly_daily: 50 885.285 exactly."""
        exact = Fraction(Decimal("957.09")) * 29 * 3 * Fraction(55, 90)
        assert exact == Fraction(Decimal("50885.285"))
        assert round_fraction(exact, "EUR") == Decimal("50885.29")


class TestProrationProperties:
    @properties
    @given(
        anchor=anchors, months=billing_months, term_months=term_lengths, method=prorating_methods,
        data=st.data(),
    )
    def test_the_fraction_left_is_more_than_zero_and_at_most_one(
        self, anchor: date, months: int, term_months: int, method: str, data: st.DataObject
    ) -> None:
        end = term_end(anchor, term_months)
        assert end is not None
        offset = data.draw(st.integers(min_value=0, max_value=(end - anchor).days - 1), label="offset_days")
        day = anchor + timedelta(days=offset)
        result = proration(method=method, anchor=anchor, billing_months=months, term_months=term_months,
                           effective_date=day)
        assert 0 < result.fraction <= 1
        assert result.period.contains(day)
        assert result.period.end <= end
        assert result.months_after == term_months - (result.period_months + _months_before(anchor, result))

    @properties
    @given(
        anchor=anchors, months=billing_months, term_months=term_lengths, method=all_methods, delta=monthly_deltas,
        data=st.data(),
    )
    def test_a_change_on_a_period_boundary_is_worth_its_mrr_delta_times_the_months_left(
        self, anchor: date, months: int, term_months: int, method: str, delta: Decimal, data: st.DataObject
    ) -> None:
        periods = -(-term_months // months)
        index = data.draw(st.integers(min_value=0, max_value=periods - 1), label="period_index")
        boundary = add_months(anchor, index * months)
        result = proration(method=method, anchor=anchor, billing_months=months, term_months=term_months,
                           effective_date=boundary)
        amounts = prorated_amounts(delta, result, "EUR")
        assert result.fraction == 1
        assert result.period.start == boundary
        assert amounts.mrr_delta == delta
        assert amounts.remaining_term_value == amounts.mrr_delta * (term_months - index * months)


def _months_before(anchor: date, result: Proration) -> int:
    """Whole months from the anchor to the start of the result's period (periods start on anchor months)."""
    months = 0
    while add_months(anchor, months) < result.period.start:
        months += 1
    assert add_months(anchor, months) == result.period.start
    return months
