"""Periods: half-open `[start, end)` intervals, computed from the anchor with end-of-month clamping."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.periods import (
    FREQUENCY_MONTHS,
    Period,
    add_months,
    billing_period,
    billing_period_containing,
    billing_period_index,
    billing_periods,
    period_months,
    term_end,
)

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
frequencies = st.sampled_from(sorted(FREQUENCY_MONTHS))
term_lengths = st.integers(min_value=1, max_value=60)
properties = settings(database=None, deadline=None, max_examples=200)


class TestPeriod:
    def test_counts_its_days_with_the_end_excluded(self) -> None:
        assert Period(date(2026, 3, 15), date(2026, 4, 15)).days == 31

    def test_contains_its_start(self) -> None:
        assert Period(date(2026, 3, 15), date(2026, 4, 15)).contains(date(2026, 3, 15))

    def test_contains_its_last_day(self) -> None:
        assert Period(date(2026, 3, 15), date(2026, 4, 15)).contains(date(2026, 4, 14))

    def test_does_not_contain_its_end(self) -> None:
        assert not Period(date(2026, 3, 15), date(2026, 4, 15)).contains(date(2026, 4, 15))

    def test_does_not_contain_the_day_before_its_start(self) -> None:
        assert not Period(date(2026, 3, 15), date(2026, 4, 15)).contains(date(2026, 3, 14))

    def test_counts_a_leap_february(self) -> None:
        assert Period(date(2028, 2, 15), date(2028, 3, 15)).days == 29

    def test_counts_a_common_february(self) -> None:
        assert Period(date(2026, 2, 15), date(2026, 3, 15)).days == 28


class TestAddMonths:
    def test_keeps_the_day_of_month_when_it_exists(self) -> None:
        assert add_months(date(2026, 1, 15), 1) == date(2026, 2, 15)

    def test_clamps_to_the_last_day_of_a_short_month(self) -> None:
        assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)

    def test_clamps_to_february_29_in_a_leap_year(self) -> None:
        assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)

    def test_is_computed_from_the_anchor_not_chained(self) -> None:
        anchor = date(2026, 1, 31)
        assert add_months(anchor, 2) == date(2026, 3, 31)
        assert add_months(anchor, 3) == date(2026, 4, 30)
        # chaining through February would have lost the 31st for good
        assert add_months(add_months(anchor, 1), 1) == date(2026, 3, 28)

    def test_crosses_the_year_end(self) -> None:
        assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)

    def test_adding_zero_months_returns_the_anchor(self) -> None:
        assert add_months(date(2026, 1, 31), 0) == date(2026, 1, 31)


class TestPeriodMonths:
    @pytest.mark.parametrize(
        ("frequency", "months"), [("monthly", 1), ("quarterly", 3), ("semiannual", 6), ("annual", 12)]
    )
    def test_gives_the_months_of_each_billing_frequency(self, frequency: str, months: int) -> None:
        assert period_months(frequency) == months

    def test_refuses_an_unknown_billing_frequency(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            period_months("weekly")
        assert "weekly" in raised.value.detail


class TestTermEnd:
    def test_a_12_month_term_from_january_15_ends_a_year_later(self) -> None:
        assert term_end(date(2026, 1, 15), 12) == date(2027, 1, 15)

    def test_an_evergreen_contract_has_no_end(self) -> None:
        assert term_end(date(2026, 1, 15), None) is None

    def test_clamps_at_the_end_of_a_short_month(self) -> None:
        assert term_end(date(2026, 8, 31), 6) == date(2027, 2, 28)

    def test_a_term_from_february_29_ends_on_february_28_of_a_common_year(self) -> None:
        assert term_end(date(2028, 2, 29), 12) == date(2029, 2, 28)


class TestBillingPeriod:
    def test_the_first_period_starts_on_the_anchor(self) -> None:
        assert billing_period(date(2026, 1, 15), 3, 0) == Period(date(2026, 1, 15), date(2026, 4, 15))

    def test_the_nth_period_is_counted_from_the_anchor(self) -> None:
        assert billing_period(date(2026, 1, 31), 1, 3) == Period(date(2026, 4, 30), date(2026, 5, 31))


class TestBillingPeriodContaining:
    def test_finds_the_worked_example_monthly_period(self) -> None:
        period = billing_period_containing(date(2026, 1, 15), 1, date(2026, 4, 1))
        assert period == Period(date(2026, 3, 15), date(2026, 4, 15))
        assert period.days == 31

    def test_finds_the_quarterly_period(self) -> None:
        period = billing_period_containing(date(2026, 1, 15), 3, date(2026, 4, 1))
        assert period == Period(date(2026, 1, 15), date(2026, 4, 15))

    def test_finds_the_semiannual_period(self) -> None:
        period = billing_period_containing(date(2026, 1, 15), 6, date(2026, 9, 30))
        assert period == Period(date(2026, 7, 15), date(2027, 1, 15))

    def test_finds_the_annual_period_of_the_worked_upgrade(self) -> None:
        period = billing_period_containing(date(2026, 1, 15), 12, date(2026, 4, 1))
        assert period == Period(date(2026, 1, 15), date(2027, 1, 15))
        assert period.days == 365
        assert (period.end - date(2026, 4, 1)).days == 289

    def test_a_period_end_day_belongs_to_the_next_period(self) -> None:
        period = billing_period_containing(date(2026, 1, 15), 1, date(2026, 4, 15))
        assert period == Period(date(2026, 4, 15), date(2026, 5, 15))

    def test_the_anchor_day_belongs_to_the_first_period(self) -> None:
        period = billing_period_containing(date(2026, 1, 15), 1, date(2026, 1, 15))
        assert period == Period(date(2026, 1, 15), date(2026, 2, 15))

    def test_counts_29_days_in_a_leap_february_period(self) -> None:
        period = billing_period_containing(date(2028, 1, 15), 1, date(2028, 2, 20))
        assert period == Period(date(2028, 2, 15), date(2028, 3, 15))
        assert period.days == 29

    def test_uses_clamped_period_starts_for_an_end_of_month_anchor(self) -> None:
        anchor = date(2026, 1, 31)
        assert billing_period_containing(anchor, 1, date(2026, 3, 30)) == Period(date(2026, 2, 28), date(2026, 3, 31))
        assert billing_period_containing(anchor, 1, date(2026, 3, 31)) == Period(date(2026, 3, 31), date(2026, 4, 30))
        assert billing_period_containing(anchor, 1, date(2026, 5, 30)) == Period(date(2026, 4, 30), date(2026, 5, 31))


class TestBillingPeriodIndex:
    def test_is_zero_on_the_anchor(self) -> None:
        assert billing_period_index(date(2026, 1, 15), 1, date(2026, 1, 15)) == 0

    def test_counts_whole_periods_since_the_anchor(self) -> None:
        assert billing_period_index(date(2026, 1, 15), 1, date(2026, 4, 1)) == 2

    def test_counts_quarters_since_the_anchor(self) -> None:
        assert billing_period_index(date(2026, 1, 15), 3, date(2027, 1, 14)) == 3

    def test_refuses_a_day_before_the_anchor(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            billing_period_index(date(2026, 1, 15), 1, date(2026, 1, 14))
        assert "2026-01-14" in raised.value.detail


class TestBillingPeriods:
    def test_start_on_the_clamped_month_ends_for_an_end_of_month_anchor(self) -> None:
        period_starts = [p.start for p in billing_periods(date(2026, 1, 31), 1, date(2026, 6, 30))]
        assert period_starts == [
            date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31),
        ]

    def test_cut_the_last_period_at_until(self) -> None:
        periods = list(billing_periods(date(2026, 1, 31), 1, date(2026, 6, 15)))
        assert periods[-1] == Period(date(2026, 5, 31), date(2026, 6, 15))
        assert len(periods) == 5

    def test_tile_a_12_month_term_billed_quarterly_into_four_quarters(self) -> None:
        assert list(billing_periods(date(2026, 1, 15), 3, date(2027, 1, 15))) == [
            Period(date(2026, 1, 15), date(2026, 4, 15)),
            Period(date(2026, 4, 15), date(2026, 7, 15)),
            Period(date(2026, 7, 15), date(2026, 10, 15)),
            Period(date(2026, 10, 15), date(2027, 1, 15)),
        ]

    def test_cut_an_annual_period_at_a_shorter_term_end(self) -> None:
        assert list(billing_periods(date(2026, 1, 15), 12, date(2026, 7, 15))) == [
            Period(date(2026, 1, 15), date(2026, 7, 15)),
        ]

    def test_are_empty_when_until_is_the_anchor(self) -> None:
        assert list(billing_periods(date(2026, 1, 15), 1, date(2026, 1, 15))) == []


class TestBillingPeriodProperties:
    @properties
    @given(start=starts, frequency=frequencies, term_months=term_lengths)
    def test_billing_periods_tile_the_term_with_no_gap_and_no_overlap(
        self, start: date, frequency: str, term_months: int
    ) -> None:
        end = term_end(start, term_months)
        assert end is not None
        periods = list(billing_periods(start, period_months(frequency), end))
        assert periods, "a term of at least one month has at least one period"
        assert periods[0].start == start
        assert periods[-1].end == end
        for previous, following in pairwise(periods):
            assert following.start == previous.end
        assert all(p.start < p.end for p in periods)
        assert sum(p.days for p in periods) == (end - start).days

    @properties
    @given(start=starts, frequency=frequencies, term_months=term_lengths)
    def test_billing_periods_start_on_dates_computed_from_the_anchor(
        self, start: date, frequency: str, term_months: int
    ) -> None:
        months = period_months(frequency)
        end = term_end(start, term_months)
        assert end is not None
        for index, period in enumerate(billing_periods(start, months, end)):
            assert period.start == add_months(start, index * months)

    @properties
    @given(
        anchor=starts,
        frequency=frequencies,
        offset_days=st.integers(min_value=0, max_value=8000),
    )
    def test_billing_period_containing_a_day_contains_it(self, anchor: date, frequency: str, offset_days: int) -> None:
        day = anchor + timedelta(days=offset_days)
        months = period_months(frequency)
        period = billing_period_containing(anchor, months, day)
        assert period.contains(day)
        index = billing_period_index(anchor, months, day)
        assert period == Period(add_months(anchor, index * months), add_months(anchor, (index + 1) * months))
