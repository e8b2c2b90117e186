"""Recurring invoice lines: billed in advance, one per segment and billing period, dated the period's first day."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.contracts import Segment
from app.domain.invoicing import BillingSchedule, RecurringLine, catch_up_charges, line_id, recurring_lines
from app.domain.money import round_amount
from app.domain.periods import FREQUENCY_MONTHS, add_months, term_end
from app.domain.proration import prorate, prorated_amounts

START = date(2026, 1, 15)
END = date(2027, 1, 15)
AMENDED = date(2026, 4, 1)


def schedule(
    *, anchor: date = START, months: int = 1, term_months: int | None = 12, currency: str = "EUR"
) -> BillingSchedule:
    return BillingSchedule(anchor=anchor, months=months, end=term_end(anchor, term_months), currency=currency)


def segment(
    *,
    sku: str = "TIX-PRO",
    quantity: int = 20,
    net_unit_price: str = "21.00",
    start_date: date = START,
    end_date: date | None = END,
) -> Segment:
    return Segment(sku=sku, quantity=quantity, net_unit_price=Decimal(net_unit_price), start_date=start_date,
                   end_date=end_date)


def lines(
    *,
    billed: Segment | None = None,
    billing: BillingSchedule | None = None,
    start: date = date(2026, 1, 1),
    end: date = date(2028, 1, 1),
) -> list[RecurringLine]:
    return list(recurring_lines(billed or segment(), billing or schedule(), start, end))


class TestMonthlyBilling:
    def test_bills_twelve_months_of_a_twelve_month_term(self) -> None:
        billed = lines()
        assert len(billed) == 12
        assert {line.amount for line in billed} == {Decimal("420.00")}

    def test_dates_each_line_on_the_anchor_day(self) -> None:
        billed = lines()
        assert [line.invoice_date for line in billed] == [add_months(START, n) for n in range(12)]
        assert billed[0].invoice_date == date(2026, 1, 15)
        assert billed[-1].invoice_date == date(2026, 12, 15)

    def test_dates_each_line_on_its_period_start(self) -> None:
        first = lines()[0]
        assert (first.invoice_date, first.period_start, first.period_end) == (
            date(2026, 1, 15), date(2026, 1, 15), date(2026, 2, 15))

    def test_carries_the_quantity_and_unit_price(self) -> None:
        first = lines()[0]
        assert (first.sku, first.quantity, first.unit_price) == ("TIX-PRO", 20, Decimal("21.00"))

    def test_gives_the_one_line_whose_invoice_date_is_in_the_range(self) -> None:
        billed = lines(start=date(2026, 3, 1), end=date(2026, 4, 1))
        assert [(line.invoice_date, line.amount) for line in billed] == [(date(2026, 3, 15), Decimal("420.00"))]

    def test_includes_a_line_dated_on_the_range_start(self) -> None:
        assert [line.invoice_date for line in lines(start=date(2026, 3, 15), end=date(2026, 3, 16))] == [
            date(2026, 3, 15)]

    def test_excludes_a_line_dated_on_the_range_end(self) -> None:
        assert lines(start=date(2026, 3, 1), end=date(2026, 3, 15)) == []

    def test_gives_nothing_before_the_contract_starts(self) -> None:
        assert lines(start=date(2025, 1, 1), end=date(2026, 1, 15)) == []

    def test_gives_nothing_after_the_term_ends(self) -> None:
        assert lines(start=END, end=date(2028, 1, 1)) == []

    def test_clamps_an_end_of_month_anchor(self) -> None:
        anchor = date(2026, 1, 31)
        billed = lines(billed=segment(start_date=anchor, end_date=None), billing=schedule(anchor=anchor),
                       end=date(2026, 5, 1))
        assert [line.invoice_date for line in billed] == [
            date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
        ]

    def test_rounds_each_line_once(self) -> None:
        billed = lines(billed=segment(quantity=3, net_unit_price="79.333333"), start=START, end=date(2026, 2, 1))
        assert [line.amount for line in billed] == [Decimal("238.00")]  # 237.999999


class TestLongerBillingPeriods:
    def test_bills_a_quarterly_term_in_four_lines(self) -> None:
        billed = lines(billing=schedule(months=3))
        assert [(line.invoice_date, line.amount) for line in billed] == [
            (date(2026, 1, 15), Decimal("1260.00")), (date(2026, 4, 15), Decimal("1260.00")),
            (date(2026, 7, 15), Decimal("1260.00")), (date(2026, 10, 15), Decimal("1260.00")),
        ]

    def test_bills_a_semiannual_term_in_two_lines(self) -> None:
        assert [line.amount for line in lines(billing=schedule(months=6))] == [Decimal("2520.00")] * 2

    def test_bills_an_annual_term_in_one_line(self) -> None:
        billed = lines(billing=schedule(months=12))
        assert [(line.invoice_date, line.period_end, line.amount) for line in billed] == [
            (date(2026, 1, 15), date(2027, 1, 15), Decimal("5040.00")),
        ]

    def test_bills_the_last_period_cut_by_the_term_end_for_its_months(self) -> None:
        ten_months = date(2026, 11, 15)
        billed = lines(billed=segment(end_date=ten_months), billing=schedule(months=3, term_months=10))
        assert [(line.period_start, line.period_end, line.amount) for line in billed] == [
            (date(2026, 1, 15), date(2026, 4, 15), Decimal("1260.00")),
            (date(2026, 4, 15), date(2026, 7, 15), Decimal("1260.00")),
            (date(2026, 7, 15), date(2026, 10, 15), Decimal("1260.00")),
            (date(2026, 10, 15), date(2026, 11, 15), Decimal("420.00")),
        ]


class TestAmendedSegments:
    def test_a_segment_opened_mid_period_bills_from_the_next_period(self) -> None:
        billed = lines(billed=segment(quantity=25, start_date=AMENDED))
        assert billed[0].invoice_date == date(2026, 4, 15)
        assert [line.invoice_date for line in billed] == [add_months(START, n) for n in range(3, 12)]
        assert {line.amount for line in billed} == {Decimal("525.00")}

    def test_a_segment_closed_mid_period_bills_the_periods_it_started(self) -> None:
        billed = lines(billed=segment(end_date=AMENDED))
        assert [line.invoice_date for line in billed] == [date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)]

    def test_a_segment_opened_on_a_period_start_bills_that_period(self) -> None:
        billed = lines(billed=segment(start_date=date(2026, 4, 15)))
        assert billed[0].invoice_date == date(2026, 4, 15)
        assert len(billed) == 9

    def test_a_segment_closed_on_a_period_start_does_not_bill_that_period(self) -> None:
        billed = lines(billed=segment(end_date=date(2026, 4, 15)))
        assert billed[-1].invoice_date == date(2026, 3, 15)

    def test_reconcile_with_the_seat_example_amendment(self) -> None:
        # docs/domain.md: +5 TIX-PRO on 2026-04-01: 47.42 due now, remaining term value 992.42
        old = lines(billed=segment(end_date=AMENDED))
        new = lines(billed=segment(quantity=25, start_date=AMENDED))
        recurring = sum((line.amount for line in old + new), Decimal(0))
        assert recurring == Decimal("5985.00")
        proration = prorate(method="daily", anchor=START, billing_months=1, term_end=END, effective_date=AMENDED)
        change = prorated_amounts(Decimal("21.00") * 5, proration, "EUR")
        assert (change.amount_due_now, change.remaining_term_value) == (Decimal("47.42"), Decimal("992.42"))
        assert recurring + change.amount_due_now == Decimal("5040.00") + change.remaining_term_value


class TestEvergreenBilling:
    def test_continues_past_a_year_up_to_the_range_end(self) -> None:
        billed = lines(billed=segment(end_date=None), billing=schedule(term_months=None), end=date(2027, 6, 1))
        assert len(billed) == 17
        assert billed[-1].invoice_date == date(2027, 5, 15)
        assert billed[-1].period_end == date(2027, 6, 15)
        assert {line.amount for line in billed} == {Decimal("420.00")}

    def test_bills_a_full_period_every_time(self) -> None:
        billed = lines(billed=segment(end_date=None), billing=schedule(months=12, term_months=None),
                       end=date(2030, 1, 1))
        assert [(line.invoice_date, line.amount) for line in billed] == [
            (date(2026, 1, 15), Decimal("5040.00")), (date(2027, 1, 15), Decimal("5040.00")),
            (date(2028, 1, 15), Decimal("5040.00")), (date(2029, 1, 15), Decimal("5040.00")),
        ]

    def test_stops_at_a_cancelled_segment_end(self) -> None:
        billed = lines(billed=segment(end_date=date(2026, 8, 15)), billing=schedule(term_months=None))
        assert billed[-1].invoice_date == date(2026, 7, 15)
        assert len(billed) == 7

    def test_bills_in_yen_to_whole_units(self) -> None:
        billed = lines(billed=segment(net_unit_price="2500", end_date=None),
                       billing=schedule(term_months=None, currency="JPY"), end=date(2026, 2, 1))
        assert [str(line.amount) for line in billed] == ["50000"]


class TestRecurringLineProperties:
    @settings(database=None, deadline=None, max_examples=200)
    @given(
        anchor=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
        months=st.sampled_from(sorted(FREQUENCY_MONTHS.values())),
        term_months=st.integers(min_value=1, max_value=36),
        quantity=st.integers(min_value=1, max_value=500),
        # a unit price of up to six places, built from integers
        micros=st.integers(min_value=1, max_value=999_999_999),
    )
    def test_lines_of_a_whole_term_segment_tile_the_term_and_sum_to_its_value(
        self, anchor: date, months: int, term_months: int, quantity: int, micros: int
    ) -> None:
        end = term_end(anchor, term_months)
        assert end is not None
        net = Decimal(micros).scaleb(-6)
        billed = lines(
            billed=Segment(sku="TIX-PRO", quantity=quantity, net_unit_price=net, start_date=anchor, end_date=end),
            billing=schedule(anchor=anchor, months=months, term_months=term_months),
            start=anchor, end=end,
        )
        assert billed[0].period_start == anchor
        assert billed[-1].period_end == end
        for previous, following in pairwise(billed):
            assert following.period_start == previous.period_end
        assert all(line.invoice_date == line.period_start < line.period_end for line in billed)
        assert len(billed) == -(-term_months // months)
        for index, line in enumerate(billed):
            first, last = index * months, min((index + 1) * months, term_months)
            assert (line.period_start, line.period_end) == (add_months(anchor, first), add_months(anchor, last))
            assert line.amount == round_amount(net * quantity * (last - first), "EUR")
        total = sum((line.amount for line in billed), Decimal(0))
        assert abs(total - net * quantity * term_months) <= Decimal("0.01") * len(billed)


class TestCatchUpCharges:
    def test_charges_each_whole_period_started_before_the_acceptance(self) -> None:
        schedule = BillingSchedule(date(2026, 1, 15), 1, date(2027, 1, 15), "EUR")
        charges = catch_up_charges(schedule, monthly_delta=Decimal("105.00"), after=date(2026, 4, 15),
                                   before=date(2026, 6, 20))
        assert [(c.period_start, c.period_end, c.amount) for c in charges] == [
            (date(2026, 4, 15), date(2026, 5, 15), Decimal("105.00")),
            (date(2026, 5, 15), date(2026, 6, 15), Decimal("105.00")),
            (date(2026, 6, 15), date(2026, 7, 15), Decimal("105.00")),
        ]

    def test_an_acceptance_before_the_period_end_charges_nothing_more(self) -> None:
        schedule = BillingSchedule(date(2026, 1, 15), 3, date(2027, 1, 15), "EUR")
        assert catch_up_charges(schedule, monthly_delta=Decimal("-63.00"), after=date(2026, 7, 15),
                                before=date(2026, 7, 15)) == []


class TestLineIds:
    CONTRACT = uuid.UUID("01a23efa-0000-7000-8000-000000000001")
    SOURCE = uuid.UUID("01a23efa-0000-7000-8000-000000000002")

    def test_the_id_is_the_md5_of_the_canonical_text_as_sql_writes_it(self) -> None:
        text = f"{self.CONTRACT}|{self.SOURCE}|recurring|2026-04-15|2026-04-15|2026-05-15"
        assert line_id(self.CONTRACT, self.SOURCE, "recurring", date(2026, 4, 15), date(2026, 4, 15),
                       date(2026, 5, 15)) == uuid.UUID(hashlib.md5(text.encode()).hexdigest())

    def test_a_line_without_a_period_has_empty_fields_for_it(self) -> None:
        text = f"{self.CONTRACT}|{self.SOURCE}|one_time|2026-01-15||"
        assert line_id(self.CONTRACT, self.SOURCE, "one_time", date(2026, 1, 15), None, None) == uuid.UUID(
            hashlib.md5(text.encode()).hexdigest())

    def test_each_part_of_the_key_tells_lines_apart(self) -> None:
        day, other = date(2026, 4, 15), date(2026, 5, 15)
        ids = {line_id(self.CONTRACT, self.SOURCE, "proration", day, day, other),
               line_id(self.SOURCE, self.SOURCE, "proration", day, day, other),
               line_id(self.CONTRACT, self.CONTRACT, "proration", day, day, other),
               line_id(self.CONTRACT, self.SOURCE, "credit", day, day, other),
               line_id(self.CONTRACT, self.SOURCE, "proration", other, day, other),
               line_id(self.CONTRACT, self.SOURCE, "proration", day, other, other),
               line_id(self.CONTRACT, self.SOURCE, "proration", day, day, day)}
        assert len(ids) == 7
