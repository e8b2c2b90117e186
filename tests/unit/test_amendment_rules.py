"""Amendment defects found against docs/domain.md: partial swaps, approval of held prices, scheduled decreases, catch-up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.amendments import Amendment, AmendmentRefused, Change, ContractSnapshot, needs_approval, price_amendment
from app.domain.catalog import Product
from app.domain.invoicing import BillingSchedule, periods_starting_in
from app.domain.periods import add_months, period_months
from app.domain.pricing import PriceList
from app.domain.proration import prorated_amounts
from tests.unit.test_amendments import (
    ADD_FIVE_SEATS,
    END,
    ENTRIES,
    PRODUCTS,
    START,
    amend,
    change,
    contract,
    entry,
    locs,
    refusal,
    segment,
)

THRESHOLD = Decimal(20)

# Two support tiers of one family that may be held side by side (plans exclude each other, these do not).
SUPPORT = {
    "SUP-STD": Product(sku="SUP-STD", name="Standard support", family="support", kind="addon", tier_rank=1),
    "SUP-PRM": Product(sku="SUP-PRM", name="Premium support", family="support", kind="addon", tier_rank=2),
}
SUPPORT_PRICES = PriceList(products={**PRODUCTS, **SUPPORT}, entries=(
    *ENTRIES, entry(sku="SUP-STD", unit_price="10.00"), entry(sku="SUP-PRM", unit_price="20.00")))
#: The period [2026-04-15, 2026-05-15) has 30 days; on 04-30, 15 are left: halfway.
HALFWAY = date(2026, 4, 30)


def support_contract(*, quantity: int = 20, mid_term_decrease: str = "credit", unit_price: str = "10.00",
                     billing_frequency: str = "monthly", proration_method: str = "daily") -> ContractSnapshot:
    return contract(mid_term_decrease=mid_term_decrease, billing_frequency=billing_frequency,
                    proration_method=proration_method,
                    segments=[segment(), segment(sku="SUP-STD", quantity=quantity, net_unit_price=unit_price,
                                                 list_unit_price="10.00")])


def move(quantity: int | None, *, from_sku: str = "SUP-STD", to_sku: str = "SUP-PRM") -> Change:
    return change(action="swap", from_sku=from_sku, to_sku=to_sku, quantity=quantity)


def swap(on: ContractSnapshot, *changes: Change, day: date = HALFWAY) -> Amendment:
    return price_amendment(on, changes, day, SUPPORT_PRICES, today=day)


def swap_refusal(on: ContractSnapshot, *changes: Change) -> AmendmentRefused:
    with pytest.raises(AmendmentRefused) as raised:
        swap(on, *changes)
    return raised.value


class TestPartialSwap:
    """Issue A: 20 × A at 10.00, 5 moved to B at 20.00 halfway through a 30-day period."""

    def amendment(self) -> Amendment:
        return swap(support_contract(), move(5))

    def test_credits_only_the_units_moved(self) -> None:
        credit, charge = self.amendment().lines
        assert (credit.sku, credit.quantity, credit.amount_due_now) == ("SUP-STD", -5, Decimal("-25.00"))
        assert (charge.sku, charge.quantity, charge.amount_due_now) == ("SUP-PRM", 5, Decimal("50.00"))
        assert self.amendment().totals.amount_due_now == Decimal("25.00")

    def test_keeps_the_rest_on_the_old_product(self) -> None:
        amendment = self.amendment()
        credit, _ = amendment.lines
        assert (credit.quantity_before, credit.quantity_after) == (20, 15)
        assert [(s.sku, s.quantity, s.net_unit_price) for s in amendment.opened] == [
            ("SUP-STD", 15, Decimal("10.00")), ("SUP-PRM", 5, Decimal("20.00"))]
        assert amendment.closed == ("SUP-STD",)

    def test_moves_every_unit_without_a_quantity(self) -> None:
        amendment = swap(support_contract(), move(None))
        credit, charge = amendment.lines
        assert (credit.quantity, credit.quantity_after, charge.quantity) == (-20, 0, 20)
        assert [(s.sku, s.quantity) for s in amendment.opened] == [("SUP-PRM", 20)]

    def test_is_an_upsell_for_the_units_moved_up(self) -> None:
        assert [line.change for line in self.amendment().lines] == ["upsell", "upsell"]

    def test_a_partial_downgrade_follows_the_decrease_policy(self) -> None:
        segments = [segment(), segment(sku="SUP-PRM", quantity=20, net_unit_price="20.00", list_unit_price="20.00")]
        down = move(5, from_sku="SUP-PRM", to_sku="SUP-STD")
        assert locs(swap_refusal(contract(mid_term_decrease="forbid", segments=segments), down)) == [("changes", 0)]
        credit, charge = swap(contract(mid_term_decrease="credit", segments=segments), down).lines
        assert (credit.change, credit.amount_due_now, charge.amount_due_now) == (
            "downgrade", Decimal("-50.00"), Decimal("25.00"))
        assert all(line.scheduled for line in swap(contract(mid_term_decrease="at_renewal", segments=segments),
                                                   down).lines)

    def test_refuses_more_units_than_are_held(self) -> None:
        assert locs(swap_refusal(support_contract(), move(21))) == [("changes", 0, "quantity")]

    @settings(database=None, deadline=None, max_examples=200)
    @given(
        offset_days=st.integers(min_value=0, max_value=(END - START).days - 1),
        billing_frequency=st.sampled_from(("monthly", "quarterly", "annual")),
        proration_method=st.sampled_from(("daily", "monthly_daily")),
        held=st.integers(min_value=1, max_value=500),
        data=st.data(),
        old_cents=st.integers(min_value=1, max_value=99_999),
    )
    def test_credit_and_charge_price_the_units_moved_and_units_are_conserved(
        self, offset_days: int, billing_frequency: str, proration_method: str, held: int, data: st.DataObject,
        old_cents: int,
    ) -> None:
        moved = data.draw(st.integers(min_value=1, max_value=held))
        old_net = Decimal(old_cents) / 100
        on = support_contract(quantity=held, unit_price=str(old_net), billing_frequency=billing_frequency,
                              proration_method=proration_method)
        day = START + timedelta(days=offset_days)
        amendment = swap(on, move(moved), day=day)
        credit, charge = amendment.lines
        difference = prorated_amounts((Decimal("20.00") - old_net) * moved, amendment.proration, "EUR")
        assert abs(credit.amount_due_now + charge.amount_due_now - difference.amount_due_now) <= Decimal("0.01")
        assert credit.quantity_before == held == credit.quantity_after + charge.quantity_after
        assert (credit.quantity, charge.quantity) == (-moved, moved)


class TestApprovalOfHeldPrices:
    """Issue B: more seats at a contracted 15.00 against a 25.00 list is no rep discount."""

    def test_more_seats_at_the_contracted_price_need_no_approval(self) -> None:
        on = contract(segments=[segment(net_unit_price="15.00", list_unit_price="25.00")])
        assert not needs_approval(amend(ADD_FIVE_SEATS, on=on).lines, THRESHOLD)

    def test_a_rep_discount_above_the_threshold_on_a_new_product_still_needs_it(self) -> None:
        lines = amend(change(action="add_product", sku="CRM-MOD", quantity=5, discount_percent="25")).lines
        assert needs_approval(lines, THRESHOLD)


class TestScheduledDecreases:
    """Issue C: the contract as it will be includes the decreases already scheduled for the renewal."""

    def test_refuses_to_remove_more_than_will_remain(self) -> None:
        on = contract(mid_term_decrease="at_renewal", scheduled={"TIX-PRO": 5})
        error = refusal(change(action="remove_quantity", sku="TIX-PRO", quantity=15), on=on)
        assert locs(error) == [("changes", 0, "quantity")]
        assert "only 5 TIX-PRO will remain" in error.detail

    def test_schedules_a_further_decrease_from_what_will_remain(self) -> None:
        on = contract(scheduled={"TIX-PRO": 5})
        (line,) = amend(change(action="remove_quantity", sku="TIX-PRO", quantity=3), on=on).lines
        assert (line.scheduled, line.quantity_before, line.quantity_after) == (True, 5, 2)

    def test_checks_product_rules_on_the_contract_as_it_will_be(self) -> None:
        on = contract(scheduled={"TIX-PRO": 0})
        error = refusal(change(action="add_product", sku="MKT-SMS", quantity=1), on=on)
        assert locs(error) == [("changes", 0)] and "MKT-SMS requires" in error.detail


class TestCatchUp:
    """Issue D: +5 seats effective 2026-04-01 quoted on 2026-12-01 catch up the 8 periods 04-15 … 11-15."""

    def test_amount_due_now_adds_the_periods_already_invoiced(self) -> None:
        amendment = amend(ADD_FIVE_SEATS, today=date(2026, 12, 1))
        (line,) = amendment.lines
        assert (line.proration_due, line.catch_up_due, line.amount_due_now) == (
            Decimal("47.42"), Decimal("840.00"), Decimal("887.42"))
        assert line.remaining_term_value == Decimal("992.42")  # the contract's value changes by as much as before
        totals = amendment.totals
        assert (totals.proration_due, totals.catch_up_due, totals.amount_due_now) == (
            Decimal("47.42"), Decimal("840.00"), Decimal("887.42"))

    def test_a_period_starting_on_the_quote_date_is_not_caught_up(self) -> None:
        (line,) = amend(ADD_FIVE_SEATS, today=date(2026, 12, 15)).lines  # the 12-15 invoice bills the new seats
        assert line.catch_up_due == Decimal("840.00")
        (line,) = amend(ADD_FIVE_SEATS, today=date(2026, 12, 16)).lines  # … but not once it has gone out
        assert line.catch_up_due == Decimal("945.00")

    def test_a_credited_decrease_gives_back_the_periods_already_invoiced(self) -> None:
        on = contract(mid_term_decrease="credit")
        (line,) = amend(change(action="remove_quantity", sku="TIX-PRO", quantity=5), on=on,
                        today=date(2026, 6, 1)).lines
        assert (line.proration_due, line.catch_up_due, line.amount_due_now) == (
            Decimal("-47.42"), Decimal("-210.00"), Decimal("-257.42"))

    def test_a_scheduled_decrease_and_a_one_time_fee_catch_nothing_up(self) -> None:
        lines = amend(change(action="remove_quantity", sku="TIX-PRO", quantity=5),
                      change(action="add_product", sku="ONBOARDING", quantity=1), today=date(2026, 12, 1)).lines
        assert [line.catch_up_due for line in lines] == [Decimal("0.00"), Decimal("0.00")]


class TestCatchUpProperty:
    @settings(database=None, deadline=None, max_examples=200)
    @given(
        effective_days=st.integers(min_value=0, max_value=(END - START).days - 1),
        late_days=st.integers(min_value=0, max_value=400),
        billing_frequency=st.sampled_from(("monthly", "quarterly", "semiannual", "annual")),
        quantity=st.integers(min_value=1, max_value=500),
    )
    def test_due_now_is_the_proration_plus_every_whole_period_started_before_the_quote_date(
        self, effective_days: int, late_days: int, billing_frequency: str, quantity: int
    ) -> None:
        effective = START + timedelta(days=effective_days)
        today = effective + timedelta(days=late_days)
        on = contract(billing_frequency=billing_frequency)
        amendment = amend(change(action="add_quantity", sku="TIX-PRO", quantity=quantity), on=on,
                          effective_date=effective, today=today)
        (line,) = amendment.lines
        schedule = BillingSchedule(START, period_months(billing_frequency), add_months(START, 12), "EUR")
        periods = list(periods_starting_in(schedule, amendment.proration.period.end, today))
        assert line.catch_up_due == sum((Decimal("21.00") * quantity * p.months for p in periods), Decimal(0))
        assert line.amount_due_now == line.proration_due + line.catch_up_due
        assert line.proration_due == prorated_amounts(Decimal("21.00") * quantity, amendment.proration,
                                                      "EUR").amount_due_now
        assert line.remaining_term_value - line.proration_due >= line.catch_up_due  # caught up, never beyond the term
