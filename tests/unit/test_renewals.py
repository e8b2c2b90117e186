"""Renewals: pricing by method, anchor-based term ends, anniversaries, cancellation with notice, the planner."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.catalog import DiscountBand, DiscountSchedule, PriceEntry, PriceTier, Product, ProductRuleViolation
from app.domain.errors import InvalidInput
from app.domain.periods import billing_period
from app.domain.pricing import ContractedPrice, PriceList
from app.domain.renewals import (
    Action,
    Lifecycle,
    RenewalQuote,
    RenewalRequest,
    anniversaries,
    cancellation_effective_on,
    needs_approval,
    next_action,
    next_term_end,
    price_renewal,
    renewal_due_on,
    uplifted_price,
)
from app.domain.terms import RenewalSettings

D = Decimal
START, END = date(2027, 1, 15), date(2028, 1, 15)

PRODUCTS = {
    product.sku: product
    for product in (
        Product(sku="TIX-PRO", name="Ticketing Pro", family="ticketing", kind="plan", excludes=("TIX-ENT",)),
        Product(sku="TIX-ENT", name="Ticketing Enterprise", family="ticketing", kind="plan", excludes=("TIX-PRO",)),
        Product(sku="MKT-CONTACTS", name="Marketing contacts", family="marketing", kind="addon"),
        Product(sku="API-CALLS", name="API calls", family="platform", kind="addon"),
        Product(sku="ONBOARDING", name="Onboarding", family="services", kind="one_time"),
        Product(sku="TIX-LEGACY", name="Ticketing Legacy", family="ticketing", kind="plan", active=False),
    )
}
GRADUATED = (PriceTier(9, D("90.00")), PriceTier(19, D("80.00")), PriceTier(None, D("70.00")))
VOLUME = (PriceTier(10, D("30.00")), PriceTier(50, D("25.00")), PriceTier(None, D("20.00")))


def entry(sku: str, *, unit_price: str | None = None, model: str = "per_unit", tiers: tuple[PriceTier, ...] = (),
          effective_from: date = date(2026, 1, 1), effective_to: date | None = None) -> PriceEntry:
    return PriceEntry(sku=sku, currency="EUR", pricing_model=model, effective_from=effective_from,
                      effective_to=effective_to, unit_price=None if unit_price is None else D(unit_price), tiers=tiers)


ENTRIES = (
    entry("TIX-PRO", unit_price="25.00"),
    entry("TIX-ENT", unit_price="110.00"),
    entry("MKT-CONTACTS", model="graduated", tiers=GRADUATED),
    entry("API-CALLS", model="volume", tiers=VOLUME),
    entry("ONBOARDING", unit_price="1500.00", model="flat"),
    entry("TIX-LEGACY", unit_price="15.00"),
)
CONTRACTED_21 = ContractedPrice(sku="TIX-PRO", effective_from=date(2026, 1, 1), unit_price=D("21.00"))
TERM_SCHEDULE = DiscountSchedule(sku="TIX-PRO", type="term", bands=(DiscountBand(12, D(10)),))
UPLIFT_5 = RenewalSettings(auto_renew=True, pricing="uplift", uplift_percent=D(5))


def renewal(*requests: RenewalRequest, pricing: str = "uplift", uplift: str | None = "5",
            entries: tuple[PriceEntry, ...] = ENTRIES, contracted: tuple[ContractedPrice, ...] = (),
            schedules: tuple[DiscountSchedule, ...] = (), start: date = START, end: date | None = END) -> RenewalQuote:
    return price_renewal(
        requests, settings=RenewalSettings(pricing=pricing, uplift_percent=None if uplift is None else D(uplift)),
        price_list=PriceList(products=PRODUCTS, entries=entries, schedules=schedules, contracted_prices=contracted),
        currency="EUR", start=start, end=end, billing_frequency="monthly",
    )


def held(sku: str = "TIX-PRO", quantity: int = 20, previous: str | None = "21.00",
         discount: str | None = None) -> RenewalRequest:
    return RenewalRequest(sku=sku, quantity=quantity, previous_net_unit_price=None if previous is None else D(previous),
                          discount_percent=None if discount is None else D(discount))


class TestUpliftedPrice:
    def test_worked_example_under_the_cap(self) -> None:
        assert uplifted_price(D("21.00"), D(5), D("25.00")) == (D("22.05"), False)

    def test_worked_example_capped_at_list(self) -> None:
        assert uplifted_price(D("90.00"), D(30), D("110.00")) == (D("110.00"), True)

    def test_reaching_list_exactly_is_not_capped(self) -> None:
        assert uplifted_price(D("100.00"), D(10), D("110.00")) == (D("110.000000"), False)

    def test_rounds_to_six_places_half_up(self) -> None:
        # 10.000015 × 1.10 = 11.0000165: half-up gives …017 (half-even would give …016)
        assert uplifted_price(D("10.000015"), D(10), D(20)) == (D("11.000017"), False)

    def test_zero_uplift_keeps_the_price(self) -> None:
        assert uplifted_price(D("21.00"), D(0), D("25.00")) == (D("21.000000"), False)

    def test_a_net_above_a_lowered_list_comes_down_to_list(self) -> None:
        assert uplifted_price(D("30.00"), D(5), D("25.00")) == (D("25.00"), True)

    @settings(database=None, deadline=None, max_examples=300)
    @given(
        net=st.decimals(min_value=0, max_value=100_000, places=6),
        percent=st.decimals(min_value=0, max_value=100, places=2),
        list_price=st.decimals(min_value=0, max_value=100_000, places=6),
    )
    def test_never_exceeds_list_and_never_falls_below_net_under_the_cap(
        self, net: Decimal, percent: Decimal, list_price: Decimal
    ) -> None:
        price, capped = uplifted_price(net, percent, list_price)
        assert price <= list_price
        if capped:
            assert price == list_price
        else:
            assert price >= net


class TestPriceRenewalMethods:
    def test_uplift_worked_example_with_totals(self) -> None:
        quote = renewal(held(previous="21.00"))
        (line,) = quote.lines
        assert (line.method, line.capped, line.previous_net_unit_price) == ("uplift", False, D("21.00"))
        assert line.priced.net_unit_price == D("22.05")
        assert line.priced.list_unit_price == D("25.00")
        assert (line.priced.mrr, line.priced.total) == (D("441.00"), D("5292.00"))
        assert (quote.totals.mrr, quote.totals.total_contract_value, quote.totals.first_invoice) == (
            D("441.00"), D("5292.00"), D("441.00"))

    def test_uplift_worked_example_capped(self) -> None:
        (line,) = renewal(held(sku="TIX-ENT", quantity=2, previous="90.00"), uplift="30").lines
        assert (line.priced.net_unit_price, line.capped) == (D("110.00"), True)

    def test_uplift_is_capped_at_list_not_at_the_contracted_price(self) -> None:
        (line,) = renewal(held(previous="24.50"), contracted=(CONTRACTED_21,)).lines
        assert line.priced.contracted_unit_price == D("21.00")
        assert (line.priced.net_unit_price, line.capped) == (D("25.00"), True)

    def test_same_keeps_the_previous_net_though_list_rose(self) -> None:
        risen = (entry("TIX-PRO", unit_price="25.00", effective_to=START), entry("TIX-PRO", unit_price="27.00",
                                                                              effective_from=START))
        (line,) = renewal(held(previous="19.00"), pricing="same", uplift=None, entries=risen,
                          contracted=(CONTRACTED_21,)).lines
        assert line.method == "same"
        assert line.priced.list_unit_price == D("27.00")
        assert line.priced.net_unit_price == D("19.00")

    def test_list_reapplies_the_contracted_price_and_drops_the_reps_discount(self) -> None:
        (line,) = renewal(held(previous="18.90"), pricing="list", uplift=None, contracted=(CONTRACTED_21,)).lines
        assert line.method == "list"
        assert line.priced.net_unit_price == D("21.00")
        assert line.priced.discount_percent == D(0)

    def test_list_reapplies_the_term_schedule_of_the_renewal_term(self) -> None:
        (line,) = renewal(held(previous="20.00"), pricing="list", uplift=None, schedules=(TERM_SCHEDULE,)).lines
        assert (line.priced.regular_unit_price, line.priced.net_unit_price) == (D("22.50"), D("22.50"))

    def test_a_new_product_is_priced_by_the_waterfall_whatever_the_method(self) -> None:
        (line,) = renewal(held(previous=None), contracted=(CONTRACTED_21,)).lines
        assert (line.method, line.capped, line.previous_net_unit_price) == ("list", False, None)
        assert line.priced.net_unit_price == D("21.00")

    def test_a_reps_discount_comes_on_top_of_the_uplift(self) -> None:
        (line,) = renewal(held(previous="21.00", discount="10")).lines
        assert line.priced.net_unit_price == D("19.845")  # 22.05 × 0.90
        assert line.priced.discount_percent == D(10)
        assert line.priced.mrr == D("396.90")

    def test_lines_run_over_the_renewal_term(self) -> None:
        (line,) = renewal(held()).lines
        assert (line.priced.start_date, line.priced.end_date) == (START, END)

    def test_an_evergreen_renewal_counts_a_year_of_value(self) -> None:
        (line,) = renewal(held(), end=None).lines
        assert (line.priced.end_date, line.priced.total) == (None, D("5292.00"))


class TestPriceRenewalTiers:
    def test_graduated_under_the_cap(self) -> None:
        (line,) = renewal(held(sku="MKT-CONTACTS", quantity=30, previous="75.00")).lines
        assert line.priced.list_unit_price == D("79.333333")
        assert (line.priced.net_unit_price, line.capped) == (D("78.75"), False)

    def test_graduated_capped_at_the_list_unit_price_of_the_whole_quantity(self) -> None:
        (line,) = renewal(held(sku="MKT-CONTACTS", quantity=30, previous="77.00")).lines
        assert (line.priced.net_unit_price, line.capped) == (D("79.333333"), True)

    def test_volume_under_the_cap(self) -> None:
        (line,) = renewal(held(sku="API-CALLS", quantity=51, previous="19.00")).lines
        assert (line.priced.net_unit_price, line.capped) == (D("19.95"), False)

    def test_volume_cap_follows_the_tier_the_quantity_reaches(self) -> None:
        (line,) = renewal(held(sku="API-CALLS", quantity=51, previous="24.00")).lines
        assert (line.priced.net_unit_price, line.capped) == (D("20.00"), True)


class TestPriceRenewalValidation:
    @pytest.mark.parametrize("quantity", [0, -1])
    def test_refuses_a_quantity_below_one(self, quantity: int) -> None:
        with pytest.raises(InvalidInput) as error:
            renewal(held(quantity=quantity))
        assert [v.loc for v in error.value.violations] == [("lines", 0, "quantity")]

    def test_refuses_unknown_and_inactive_skus_and_bad_discounts_at_once(self) -> None:
        with pytest.raises(InvalidInput) as error:
            renewal(held(sku="NOPE"), held(sku="TIX-LEGACY"), held(sku="API-CALLS", discount="100.01"))
        assert [v.loc for v in error.value.violations] == [
            ("lines", 0, "sku"), ("lines", 1, "sku"), ("lines", 2, "discount_percent")]

    def test_refuses_a_one_time_product(self) -> None:
        with pytest.raises(InvalidInput, match="ONBOARDING is a one-time product and is not renewed"):
            renewal(held(), held(sku="ONBOARDING", quantity=1, previous="1500.00"))

    def test_refuses_a_negative_previous_price(self) -> None:
        with pytest.raises(InvalidInput, match="previous_net_unit_price"):
            renewal(held(previous="-1"))

    def test_refuses_an_end_not_after_the_start(self) -> None:
        with pytest.raises(InvalidInput, match="must end after"):
            renewal(held(), end=START)

    def test_refuses_uplift_without_a_percent(self) -> None:
        with pytest.raises(InvalidInput, match="uplift_percent"):
            renewal(held(), uplift=None)

    def test_applies_product_rules(self) -> None:
        with pytest.raises(ProductRuleViolation):
            renewal(held(), held(sku="TIX-ENT", previous="90.00"))


class TestNeedsApproval:
    def test_a_same_price_below_list_is_not_a_discount_given_now(self) -> None:
        lines = renewal(held(previous="10.00"), pricing="same", uplift=None).lines
        assert not needs_approval(lines, D(20))

    def test_a_reps_discount_above_the_threshold_needs_approval(self) -> None:
        assert needs_approval(renewal(held(discount="20.01")).lines, D(20))

    def test_a_reps_discount_at_the_threshold_does_not(self) -> None:
        assert not needs_approval(renewal(held(discount="20")).lines, D(20))


class TestTermEnds:
    def test_leap_day_anchor_terms_keep_to_the_anchor(self) -> None:
        anchor = date(2028, 2, 29)
        assert next_term_end(anchor, date(2029, 2, 28), 12) == date(2030, 2, 28)
        assert next_term_end(anchor, date(2031, 2, 28), 12) == date(2032, 2, 29)

    def test_leap_day_anchor_monthly_periods_of_term_two(self) -> None:
        starts = [billing_period(date(2028, 2, 29), 1, index).start for index in (12, 13, 14)]
        assert starts == [date(2029, 2, 28), date(2029, 3, 29), date(2029, 4, 29)]

    def test_month_end_anchor_returns_to_the_31st(self) -> None:
        anchor = date(2025, 12, 31)
        assert next_term_end(anchor, date(2026, 1, 31), 1) == date(2026, 2, 28)
        assert next_term_end(anchor, date(2026, 2, 28), 1) == date(2026, 3, 31)

    def test_a_renewal_term_shorter_than_a_calendar_month_from_its_start_is_still_one_month(self) -> None:
        (line,) = renewal(held(), start=date(2026, 2, 28), end=date(2026, 3, 31)).lines
        assert (line.priced.end_date, line.priced.total) == (date(2026, 3, 31), D("441.00"))

    def test_the_renewal_is_due_lead_days_before_the_end(self) -> None:
        assert renewal_due_on(date(2027, 1, 15), 60) == date(2026, 11, 16)
        assert renewal_due_on(date(2027, 1, 15), 0) == date(2027, 1, 15)


class TestAnniversaries:
    def test_leap_day_anchor(self) -> None:
        assert anniversaries(date(2028, 2, 29), date(2028, 2, 29), date(2032, 2, 29)) == [
            date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28), date(2032, 2, 29)]

    def test_excludes_after_and_includes_through(self) -> None:
        anchor = date(2026, 1, 31)
        assert anniversaries(anchor, date(2027, 1, 31), date(2028, 1, 31)) == [date(2028, 1, 31)]
        assert anniversaries(anchor, date(2027, 1, 30), date(2028, 1, 30)) == [date(2027, 1, 31)]

    def test_never_counts_the_anchor_itself(self) -> None:
        assert anniversaries(date(2026, 1, 1), date(2025, 1, 1), date(2026, 12, 31)) == []


class TestCancellation:
    def test_evergreen_worked_example(self) -> None:
        assert cancellation_effective_on(anchor=date(2026, 1, 1), billing_frequency="monthly",
                                         requested_on=date(2026, 6, 20), notice_days=30, term_end=None) == date(
            2026, 8, 1)

    def test_notice_ending_on_a_boundary_takes_that_boundary(self) -> None:
        assert cancellation_effective_on(anchor=date(2026, 1, 1), billing_frequency="monthly",
                                         requested_on=date(2026, 6, 1), notice_days=30, term_end=None) == date(
            2026, 7, 1)

    def test_never_ends_on_the_anchor(self) -> None:
        assert cancellation_effective_on(anchor=date(2026, 1, 1), billing_frequency="quarterly",
                                         requested_on=date(2026, 1, 1), notice_days=0, term_end=None) == date(
            2026, 4, 1)

    def test_month_end_anchor_boundaries(self) -> None:
        assert cancellation_effective_on(anchor=date(2026, 1, 31), billing_frequency="monthly",
                                         requested_on=date(2026, 2, 1), notice_days=30, term_end=None) == date(
            2026, 3, 31)

    def test_a_termed_contract_runs_to_its_term_end(self) -> None:
        assert cancellation_effective_on(anchor=date(2026, 1, 15), billing_frequency="monthly",
                                         requested_on=date(2026, 12, 20), notice_days=30,
                                         term_end=date(2027, 1, 15)) == date(2027, 1, 15)

    @pytest.mark.parametrize("requested_on", [date(2027, 1, 15), date(2027, 2, 1), date(2026, 1, 14)])
    def test_refuses_a_request_on_or_after_the_term_end_or_before_the_anchor(self, requested_on: date) -> None:
        with pytest.raises(InvalidInput, match="cancellation"):
            cancellation_effective_on(anchor=date(2026, 1, 15), billing_frequency="monthly",
                                      requested_on=requested_on, notice_days=30, term_end=date(2027, 1, 15))


E = date(2027, 1, 15)  # the termed contract's first term end; the renewal quote is due on 2026-11-16
TERMED = Lifecycle(status="active", anchor=date(2026, 1, 15), term_number=1, term_start=date(2026, 1, 15),
                   term_end=E, settings=UPLIFT_5, renewal_quote_status=None, cancellation_effective_on=None,
                   last_uplift_on=None)
EVERGREEN = replace(TERMED, anchor=date(2026, 1, 1), term_start=date(2026, 1, 1), term_end=None,
                    settings=RenewalSettings(pricing="uplift", uplift_percent=D(3)))


class TestNextActionTermed:
    @pytest.mark.parametrize("status", ["expired", "cancelled"])
    def test_nothing_for_a_contract_no_longer_active(self, status: str) -> None:
        assert next_action(replace(TERMED, status=status), date(2030, 1, 1)) is None

    def test_nothing_before_the_lead_window(self) -> None:
        assert next_action(TERMED, date(2026, 11, 15)) is None

    def test_a_renewal_quote_on_the_first_day_of_the_lead_window(self) -> None:
        assert next_action(TERMED, date(2026, 11, 16)) == Action("renewal_quote", date(2026, 11, 16))

    def test_a_late_run_still_makes_the_renewal_quote_first(self) -> None:
        assert next_action(TERMED, date(2027, 3, 1)) == Action("renewal_quote", date(2026, 11, 16))

    def test_nothing_between_the_quote_and_the_end(self) -> None:
        assert next_action(replace(TERMED, renewal_quote_status="open"), date(2027, 1, 14)) is None

    # Neither accepted nor declined: one that lapsed past its validity unanswered renews the contract too.
    @pytest.mark.parametrize("status", ["draft", "needs_approval", "approved", "open", "stale", "expired"])
    def test_auto_renews_on_the_end_date_with_a_quote_nobody_answered(self, status: str) -> None:
        assert next_action(replace(TERMED, renewal_quote_status=status), E) == Action("renew", E)

    @pytest.mark.parametrize("status", ["declined", "cancelled"])
    def test_expires_when_the_quote_was_turned_down(self, status: str) -> None:
        assert next_action(replace(TERMED, renewal_quote_status=status), E) == Action("expire", E)

    def test_expires_without_auto_renew_even_with_an_open_quote(self) -> None:
        state = replace(TERMED, settings=replace(UPLIFT_5, auto_renew=False), renewal_quote_status="open")
        assert next_action(state, date(2027, 6, 1)) == Action("expire", E)

    def test_a_pending_cancellation_makes_no_renewal_quote(self) -> None:
        assert next_action(replace(TERMED, cancellation_effective_on=E), date(2026, 12, 1)) is None

    def test_a_cancellation_takes_effect_on_its_date_instead_of_renewing(self) -> None:
        state = replace(TERMED, cancellation_effective_on=E, renewal_quote_status="open")
        assert next_action(state, E) == Action("cancel", E)

    def test_a_late_run_catches_up_terms_in_date_order(self) -> None:
        actions, state, as_of = [], TERMED, date(2029, 3, 1)
        while (action := next_action(state, as_of)) is not None:
            actions.append(action)
            state = _apply_termed(state, action)
        assert actions == [
            Action("renewal_quote", date(2026, 11, 16)), Action("renew", date(2027, 1, 15)),
            Action("renewal_quote", date(2027, 11, 16)), Action("renew", date(2028, 1, 15)),
            Action("renewal_quote", date(2028, 11, 16)), Action("renew", date(2029, 1, 15)),
        ]
        assert (state.term_number, state.term_end) == (4, date(2030, 1, 15))


def _apply_termed(state: Lifecycle, action: Action) -> Lifecycle:
    """What the service does with each action, enough to ask the planner again."""
    if action.kind == "renewal_quote":
        return replace(state, renewal_quote_status="draft")
    assert action.kind == "renew" and state.term_end is not None
    return replace(state, term_number=state.term_number + 1, term_start=state.term_end, renewal_quote_status=None,
                   term_end=next_term_end(state.anchor, state.term_end, 12))


class TestNextActionEvergreen:
    def test_nothing_before_the_first_anniversary(self) -> None:
        assert next_action(EVERGREEN, date(2026, 12, 31)) is None

    def test_uplift_on_the_first_anniversary(self) -> None:
        assert next_action(EVERGREEN, date(2027, 1, 1)) == Action("uplift", date(2027, 1, 1))

    def test_each_anniversary_is_uplifted_once(self) -> None:
        state = replace(EVERGREEN, last_uplift_on=date(2027, 1, 1))
        assert next_action(state, date(2027, 12, 31)) is None
        assert next_action(state, date(2028, 1, 1)) == Action("uplift", date(2028, 1, 1))

    @pytest.mark.parametrize("renewal", [RenewalSettings(pricing="same"),
                                         RenewalSettings(pricing="uplift", uplift_percent=D(0))])
    def test_no_uplift_without_a_positive_uplift(self, renewal: RenewalSettings) -> None:
        assert next_action(replace(EVERGREEN, settings=renewal), date(2030, 1, 1)) is None

    def test_a_cancellation_on_an_anniversary_wins_and_the_uplift_never_applies(self) -> None:
        state = replace(EVERGREEN, last_uplift_on=date(2027, 1, 1), cancellation_effective_on=date(2028, 1, 1))
        assert next_action(state, date(2028, 1, 1)) == Action("cancel", date(2028, 1, 1))

    def test_a_future_cancellation_leaves_earlier_anniversaries_due(self) -> None:
        state = replace(EVERGREEN, cancellation_effective_on=date(2027, 2, 1))
        assert next_action(state, date(2027, 1, 1)) == Action("uplift", date(2027, 1, 1))
        assert next_action(state, date(2026, 12, 31)) is None

    def test_a_late_run_uplifts_each_anniversary_then_cancels(self) -> None:
        actions, state, as_of = [], replace(EVERGREEN, cancellation_effective_on=date(2029, 3, 1)), date(2030, 6, 1)
        while (action := next_action(state, as_of)) is not None:
            actions.append(action)
            if action.kind == "cancel":
                state = replace(state, status="cancelled")
            else:
                state = replace(state, last_uplift_on=action.on)
        assert actions == [Action("uplift", date(2027, 1, 1)), Action("uplift", date(2028, 1, 1)),
                           Action("uplift", date(2029, 1, 1)), Action("cancel", date(2029, 3, 1))]

    def test_leap_day_anchor_anniversaries_are_counted_from_the_anchor(self) -> None:
        state = replace(EVERGREEN, anchor=date(2028, 2, 29), last_uplift_on=date(2031, 2, 28))
        assert next_action(state, date(2032, 3, 1)) == Action("uplift", date(2032, 2, 29))
