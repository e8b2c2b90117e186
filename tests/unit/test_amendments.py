"""Amendments: changes to a live contract, classified, priced, prorated and co-terminated with the term."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.amendments import (
    Amendment,
    AmendmentLine,
    AmendmentRefused,
    Change,
    ContractSnapshot,
    price_amendment,
)
from app.domain.catalog import PriceEntry, Product
from app.domain.contracts import Segment, Term
from app.domain.errors import InvalidInput
from app.domain.periods import term_end
from app.domain.pricing import ContractedPrice, PriceList
from app.domain.proration import prorated_amounts

START = date(2026, 1, 15)
END = date(2027, 1, 15)
EFFECTIVE = date(2026, 4, 1)
PLANS = ("TIX-STARTER", "TIX-PRO", "TIX-ENT")


def _plan(sku: str, name: str, rank: int) -> Product:
    return Product(sku=sku, name=name, family="ticketing", kind="plan", tier_rank=rank,
                   excludes=tuple(other for other in PLANS if other != sku))


PRODUCTS = {
    product.sku: product
    for product in (
        _plan("TIX-STARTER", "Ticketing Starter", 1),
        _plan("TIX-PRO", "Ticketing Pro", 2),
        _plan("TIX-ENT", "Ticketing Enterprise", 3),
        Product(sku="MKT-SMS", name="Marketing SMS", family="marketing", kind="addon", unit="contact",
                requires=PLANS),
        Product(sku="CRM-MOD", name="CRM module", family="crm", kind="addon"),
        Product(sku="CRM-LEGACY", name="CRM legacy module", family="crm", kind="addon", active=False),
        Product(sku="ONBOARDING", name="Onboarding package", family="services", kind="one_time", unit="package"),
    )
}


def entry(*, sku: str, unit_price: str, pricing_model: str = "per_unit") -> PriceEntry:
    return PriceEntry(sku=sku, currency="EUR", pricing_model=pricing_model, effective_from=date(2026, 1, 1),
                      unit_price=Decimal(unit_price))


ENTRIES = (
    entry(sku="TIX-STARTER", unit_price="12.00"),
    entry(sku="TIX-PRO", unit_price="25.00"),
    entry(sku="TIX-ENT", unit_price="40.00"),
    entry(sku="MKT-SMS", unit_price="49.00"),
    entry(sku="CRM-MOD", unit_price="8.00"),
    entry(sku="CRM-LEGACY", unit_price="6.00"),
    entry(sku="ONBOARDING", unit_price="1500.00", pricing_model="flat"),
)


def price_list(*, contracted_prices: Sequence[ContractedPrice] = ()) -> PriceList:
    return PriceList(products=PRODUCTS, entries=ENTRIES, contracted_prices=contracted_prices)


def contracted(*, sku: str, unit_price: str) -> ContractedPrice:
    return ContractedPrice(sku=sku, effective_from=date(2026, 1, 1), unit_price=Decimal(unit_price))


def segment(
    *,
    sku: str = "TIX-PRO",
    quantity: int = 20,
    net_unit_price: str = "21.00",
    list_unit_price: str | None = "25.00",
    start_date: date = START,
    end_date: date | None = END,
) -> Segment:
    return Segment(sku=sku, quantity=quantity, net_unit_price=Decimal(net_unit_price), start_date=start_date,
                   end_date=end_date, list_unit_price=None if list_unit_price is None else Decimal(list_unit_price))


def contract(
    *,
    term_months: int | None = 12,
    billing_frequency: str = "monthly",
    proration_method: str = "daily",
    mid_term_decrease: str = "at_renewal",
    segments: Sequence[Segment] | None = None,
    last_change_date: date = START,
    scheduled: Mapping[str, int] | None = None,
) -> ContractSnapshot:
    return ContractSnapshot(
        currency="EUR", anchor=START, term=Term(1, START, term_end(START, term_months)),
        billing_frequency=billing_frequency,
        proration_method=proration_method, mid_term_decrease=mid_term_decrease,
        segments=tuple(segments if segments is not None else [segment()]), last_change_date=last_change_date,
        scheduled=scheduled or {},
    )


def change(
    *,
    action: str,
    sku: str | None = None,
    quantity: int | None = None,
    from_sku: str | None = None,
    to_sku: str | None = None,
    discount_percent: str | None = None,
) -> Change:
    return Change(action=action, sku=sku, quantity=quantity, from_sku=from_sku, to_sku=to_sku,
                  discount_percent=None if discount_percent is None else Decimal(discount_percent))


def amend(
    *changes: Change,
    on: ContractSnapshot | None = None,
    effective_date: date = EFFECTIVE,
    contracted_prices: Sequence[ContractedPrice] = (),
    today: date | None = None,
) -> Amendment:
    """Priced on its effective date unless `today` says otherwise (a later day catches up whole periods)."""
    return price_amendment(on or contract(), changes, effective_date,
                           price_list(contracted_prices=contracted_prices), today=today or effective_date)


def refusal(
    *changes: Change, on: ContractSnapshot | None = None, effective_date: date = EFFECTIVE
) -> AmendmentRefused:
    with pytest.raises(AmendmentRefused) as raised:
        amend(*changes, on=on, effective_date=effective_date)
    return raised.value


def locs(error: AmendmentRefused) -> list[tuple[str | int, ...]]:
    return [violation.loc for violation in error.violations]


def amounts(line: AmendmentLine) -> tuple[Decimal, Decimal, Decimal]:
    return line.amount_due_now, line.remaining_term_value, line.mrr_delta


ADD_FIVE_SEATS = change(action="add_quantity", sku="TIX-PRO", quantity=5)
REMOVE_FIVE_SEATS = change(action="remove_quantity", sku="TIX-PRO", quantity=5)
TO_ENTERPRISE = change(action="swap", from_sku="TIX-PRO", to_sku="TIX-ENT")
TO_STARTER = change(action="swap", from_sku="TIX-PRO", to_sku="TIX-STARTER")
WITH_CRM = (segment(), segment(sku="CRM-MOD", quantity=20, net_unit_price="8.00", list_unit_price="8.00"))
WITH_SMS = (segment(), segment(sku="MKT-SMS", quantity=10, net_unit_price="49.00", list_unit_price="49.00"))


class TestSeatExpansion:
    """docs/domain.md worked example: +5 TIX-PRO on 2026-04-01, monthly billing, daily proration."""

    def amendment(self) -> Amendment:
        return amend(ADD_FIVE_SEATS)

    def test_has_one_seat_expansion_line(self) -> None:
        (line,) = self.amendment().lines
        assert (line.sku, line.change, line.side, line.quantity) == ("TIX-PRO", "seat_expansion", "charge", 5)

    def test_keeps_the_net_price_the_seats_were_sold_at(self) -> None:
        (line,) = self.amendment().lines
        assert line.net_unit_price == Decimal("21.00")
        assert line.list_unit_price == Decimal("25.00")

    def test_prices_the_rest_of_the_billing_period_and_the_term(self) -> None:
        (line,) = self.amendment().lines
        assert amounts(line) == (Decimal("47.42"), Decimal("992.42"), Decimal("105.00"))
        assert line.proration_fraction == Fraction(14, 31)

    def test_totals_equal_the_single_line(self) -> None:
        totals = self.amendment().totals
        assert (totals.amount_due_now, totals.remaining_term_value, totals.mrr_delta) == (
            Decimal("47.42"), Decimal("992.42"), Decimal("105.00"))

    def test_co_terminates_the_line_with_the_contract(self) -> None:
        (line,) = self.amendment().lines
        assert (line.start_date, line.end_date) == (EFFECTIVE, END)
        assert (line.quantity_before, line.quantity_after) == (20, 25)
        assert line.scheduled is False

    def test_opens_a_segment_of_25_seats_for_the_rest_of_the_term(self) -> None:
        assert self.amendment().opened == (
            Segment("TIX-PRO", 25, Decimal("21.00"), EFFECTIVE, END, Decimal("25.00")),
        )

    def test_closes_the_20_seat_segment(self) -> None:
        assert self.amendment().closed == ("TIX-PRO",)

    def test_reports_the_billing_period_it_falls_in(self) -> None:
        period = self.amendment().proration.period
        assert (period.start, period.end) == (date(2026, 3, 15), date(2026, 4, 15))


class TestUpgradeSwap:
    """docs/domain.md worked example: 20 seats swapped TIX-PRO → TIX-ENT on 2026-04-01, annual billing."""

    def amendment(self) -> Amendment:
        return amend(TO_ENTERPRISE, on=contract(billing_frequency="annual"))

    def test_credits_the_old_product_for_289_of_365_days(self) -> None:
        credit = self.amendment().lines[0]
        assert (credit.sku, credit.side, credit.change, credit.quantity) == ("TIX-PRO", "credit", "upsell", -20)
        assert credit.amount_due_now == Decimal("-3990.58")
        assert credit.net_unit_price == Decimal("21.00")
        assert credit.proration_fraction == Fraction(289, 365)

    def test_charges_the_new_product_at_its_list_price(self) -> None:
        charge = self.amendment().lines[1]
        assert (charge.sku, charge.side, charge.change, charge.quantity) == ("TIX-ENT", "charge", "upsell", 20)
        assert charge.net_unit_price == Decimal("40.00")
        assert charge.amount_due_now == Decimal("7601.10")

    def test_has_exactly_the_two_lines(self) -> None:
        assert len(self.amendment().lines) == 2

    def test_nets_the_two_lines_in_the_total_due_now(self) -> None:
        totals = self.amendment().totals
        assert totals.amount_due_now == Decimal("3610.52")
        assert totals.remaining_term_value == Decimal("3610.52")  # annual: no whole period after this one
        assert totals.mrr_delta == Decimal("380.00")

    def test_replaces_the_old_segment_with_the_new_product(self) -> None:
        amendment = self.amendment()
        assert amendment.closed == ("TIX-PRO",)
        assert amendment.opened == (Segment("TIX-ENT", 20, Decimal("40.00"), EFFECTIVE, END, Decimal("40.00")),)

    def test_uses_the_contracted_price_of_the_new_product(self) -> None:
        amendment = amend(TO_ENTERPRISE, on=contract(billing_frequency="annual"),
                          contracted_prices=[contracted(sku="TIX-ENT", unit_price="35.00")])
        charge = amendment.lines[1]
        assert charge.net_unit_price == Decimal("35.00")
        assert charge.contracted_unit_price == Decimal("35.00")
        assert charge.list_unit_price == Decimal("40.00")
        assert charge.amount_due_now == Decimal("6650.96")  # 20 × 35.00 × 12 × 289/365 = 6650.958…

    def test_refuses_to_swap_more_units_than_are_held(self) -> None:
        error = refusal(change(action="swap", from_sku="TIX-PRO", to_sku="TIX-ENT", quantity=25))
        assert locs(error) == [("changes", 0, "quantity")]


class TestClassification:
    def test_calls_more_units_of_a_held_product_a_seat_expansion(self) -> None:
        assert [line.change for line in amend(ADD_FIVE_SEATS).lines] == ["seat_expansion"]

    def test_calls_a_swap_to_a_higher_tier_an_upsell(self) -> None:
        assert [line.change for line in amend(TO_ENTERPRISE).lines] == ["upsell", "upsell"]

    def test_calls_a_marketing_add_on_a_cross_sell(self) -> None:
        (line,) = amend(change(action="add_product", sku="MKT-SMS", quantity=10)).lines
        assert (line.sku, line.change, line.side) == ("MKT-SMS", "cross_sell", "charge")

    def test_calls_a_crm_module_a_cross_sell(self) -> None:
        (line,) = amend(change(action="add_product", sku="CRM-MOD", quantity=20)).lines
        assert line.change == "cross_sell"

    def test_calls_a_swap_to_a_lower_tier_a_downgrade(self) -> None:
        lines = amend(TO_STARTER, on=contract(mid_term_decrease="credit")).lines
        assert [(line.sku, line.change) for line in lines] == [("TIX-PRO", "downgrade"), ("TIX-STARTER", "downgrade")]

    def test_calls_fewer_units_a_decrease(self) -> None:
        (line,) = amend(REMOVE_FIVE_SEATS, on=contract(mid_term_decrease="credit")).lines
        assert line.change == "decrease"

    def test_calls_taking_a_product_away_a_removal(self) -> None:
        (line,) = amend(change(action="remove_product", sku="CRM-MOD"),
                        on=contract(segments=WITH_CRM, mid_term_decrease="credit")).lines
        assert (line.sku, line.change, line.quantity) == ("CRM-MOD", "removal", -20)


class TestDecreaseUnderCredit:
    def credit(self, *changes: Change) -> Amendment:
        return amend(*changes, on=contract(mid_term_decrease="credit"))

    def test_credits_the_rest_of_the_period_now(self) -> None:
        (line,) = self.credit(REMOVE_FIVE_SEATS).lines
        assert (line.side, line.quantity, line.scheduled) == ("credit", -5, False)
        assert amounts(line) == (Decimal("-47.42"), Decimal("-992.42"), Decimal("-105.00"))
        assert (line.quantity_before, line.quantity_after) == (20, 15)

    def test_keeps_the_remaining_units_on_the_contract(self) -> None:
        amendment = self.credit(REMOVE_FIVE_SEATS)
        assert amendment.closed == ("TIX-PRO",)
        assert amendment.opened == (Segment("TIX-PRO", 15, Decimal("21.00"), EFFECTIVE, END, Decimal("25.00")),)

    def test_closes_a_removed_product_without_opening_anything(self) -> None:
        amendment = amend(change(action="remove_product", sku="CRM-MOD"),
                          on=contract(segments=WITH_CRM, mid_term_decrease="credit"))
        assert amendment.closed == ("CRM-MOD",)
        assert amendment.opened == ()
        assert amendment.totals.amount_due_now == Decimal("-72.26")  # 20 × 8.00 × 14/31 = 72.258…

    def test_credits_and_charges_a_downgrade_swap_now(self) -> None:
        amendment = self.credit(TO_STARTER)
        credit, charge = amendment.lines
        assert credit.amount_due_now == Decimal("-189.68")  # 20 × 21.00 × 14/31 = 189.677…
        assert charge.amount_due_now == Decimal("108.39")  # 20 × 12.00 × 14/31 = 108.387…
        assert amendment.totals.mrr_delta == Decimal("-180.00")
        assert amendment.closed == ("TIX-PRO",)
        assert amendment.opened == (Segment("TIX-STARTER", 20, Decimal("12.00"), EFFECTIVE, END, Decimal("12.00")),)


class TestDecreaseAtRenewal:
    def at_renewal(self, *changes: Change) -> Amendment:
        return amend(*changes, on=contract(mid_term_decrease="at_renewal"))

    def test_is_the_default_policy_of_the_builder(self) -> None:
        assert contract().mid_term_decrease == "at_renewal"

    def test_schedules_the_decrease_for_the_term_end(self) -> None:
        (line,) = self.at_renewal(REMOVE_FIVE_SEATS).lines
        assert line.scheduled is True
        assert line.start_date == END
        assert (line.quantity, line.quantity_after) == (-5, 15)

    def test_charges_and_credits_nothing_now(self) -> None:
        amendment = self.at_renewal(REMOVE_FIVE_SEATS)
        assert amounts(amendment.lines[0]) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
        assert amendment.totals.amount_due_now == Decimal("0.00")
        assert amendment.totals.remaining_term_value == Decimal("0.00")
        assert amendment.totals.mrr_delta == Decimal("0.00")

    def test_opens_and_closes_nothing(self) -> None:
        amendment = self.at_renewal(REMOVE_FIVE_SEATS)
        assert (amendment.opened, amendment.closed) == ((), ())

    def test_schedules_both_lines_of_a_downgrade_swap(self) -> None:
        amendment = self.at_renewal(TO_STARTER)
        assert [(line.sku, line.change, line.scheduled, line.start_date) for line in amendment.lines] == [
            ("TIX-PRO", "downgrade", True, END), ("TIX-STARTER", "downgrade", True, END),
        ]
        assert amendment.totals.amount_due_now == Decimal("0.00")
        assert (amendment.opened, amendment.closed) == ((), ())

    def test_schedules_a_removal(self) -> None:
        amendment = amend(change(action="remove_product", sku="CRM-MOD"), on=contract(segments=WITH_CRM))
        (line,) = amendment.lines
        assert (line.change, line.scheduled, line.quantity_after) == ("removal", True, 0)
        assert (amendment.opened, amendment.closed) == ((), ())

    def test_applies_an_increase_in_the_same_amendment_now(self) -> None:
        amendment = amend(change(action="remove_product", sku="CRM-MOD"), ADD_FIVE_SEATS,
                          on=contract(segments=WITH_CRM))
        assert [line.scheduled for line in amendment.lines] == [True, False]
        assert amendment.totals.amount_due_now == Decimal("47.42")
        assert amendment.closed == ("TIX-PRO",)


class TestDecreaseForbidden:
    def test_refuses_fewer_units(self) -> None:
        error = refusal(REMOVE_FIVE_SEATS, on=contract(mid_term_decrease="forbid"))
        assert locs(error) == [("changes", 0)]
        assert "forbid" in error.detail

    def test_refuses_a_downgrade_swap(self) -> None:
        error = refusal(change(action="add_product", sku="CRM-MOD", quantity=5), TO_STARTER,
                        on=contract(mid_term_decrease="forbid"))
        assert locs(error) == [("changes", 1)]

    def test_refuses_a_removal(self) -> None:
        error = refusal(change(action="remove_product", sku="CRM-MOD"),
                        on=contract(segments=WITH_CRM, mid_term_decrease="forbid"))
        assert locs(error) == [("changes", 0)]

    def test_allows_an_upgrade_swap(self) -> None:
        amendment = amend(TO_ENTERPRISE, on=contract(mid_term_decrease="forbid"))
        assert [line.change for line in amendment.lines] == ["upsell", "upsell"]


class TestPrices:
    def test_keeps_the_sold_net_price_of_a_held_product_below_list(self) -> None:
        (line,) = amend(ADD_FIVE_SEATS, contracted_prices=[contracted(sku="TIX-PRO", unit_price="23.00")]).lines
        assert line.net_unit_price == Decimal("21.00")

    def test_prices_a_new_product_with_its_contracted_price(self) -> None:
        (line,) = amend(change(action="add_product", sku="CRM-MOD", quantity=10),
                        contracted_prices=[contracted(sku="CRM-MOD", unit_price="6.50")]).lines
        assert line.net_unit_price == Decimal("6.50")
        assert line.mrr_delta == Decimal("65.00")

    def test_prices_a_new_product_at_list_without_a_contracted_price(self) -> None:
        (line,) = amend(change(action="add_product", sku="MKT-SMS", quantity=10)).lines
        assert (line.list_unit_price, line.net_unit_price, line.contracted_unit_price) == (
            Decimal("49.00"), Decimal("49.00"), None)
        assert amounts(line) == (Decimal("221.29"), Decimal("4631.29"), Decimal("490.00"))  # 490 × 14/31

    def test_applies_the_rep_discount_to_a_new_product(self) -> None:
        (line,) = amend(change(action="add_product", sku="CRM-MOD", quantity=10, discount_percent="25")).lines
        assert line.net_unit_price == Decimal("6.00")
        assert line.discount_percent == Decimal(25)


class TestRefusals:
    def test_is_invalid_input(self) -> None:
        assert issubclass(AmendmentRefused, InvalidInput)
        assert AmendmentRefused.code == "amendment_refused"

    def test_refuses_a_date_before_the_contract_start(self) -> None:
        error = refusal(ADD_FIVE_SEATS, effective_date=date(2026, 1, 14))
        assert locs(error) == [("effective_date",)]

    def test_refuses_a_date_on_the_term_end(self) -> None:
        assert locs(refusal(ADD_FIVE_SEATS, effective_date=END)) == [("effective_date",)]

    def test_refuses_a_date_after_the_term_end(self) -> None:
        error = refusal(ADD_FIVE_SEATS, effective_date=date(2027, 3, 1))
        assert locs(error) == [("effective_date",)]
        assert "2027-03-01" in error.detail

    def test_accepts_the_last_day_of_the_term(self) -> None:
        (line,) = amend(ADD_FIVE_SEATS, effective_date=date(2027, 1, 14)).lines
        assert line.amount_due_now == Decimal("3.39")  # 105 × 1/31 = 3.387…
        assert line.remaining_term_value == Decimal("3.39")

    def test_refuses_a_date_before_the_latest_change(self) -> None:
        error = refusal(ADD_FIVE_SEATS, on=contract(last_change_date=date(2026, 5, 1)))
        assert locs(error) == [("effective_date",)]
        assert "2026-05-01" in error.detail

    def test_accepts_a_date_on_the_latest_change(self) -> None:
        assert amend(ADD_FIVE_SEATS, on=contract(last_change_date=EFFECTIVE)).totals.amount_due_now == Decimal(
            "47.42")

    def test_refuses_an_unknown_sku(self) -> None:
        error = refusal(change(action="add_product", sku="NOPE", quantity=1))
        assert locs(error) == [("changes", 0)]
        assert "NOPE" in error.detail

    def test_refuses_an_inactive_product(self) -> None:
        error = refusal(change(action="add_product", sku="CRM-LEGACY", quantity=1))
        assert locs(error) == [("changes", 0)]
        assert "inactive" in error.detail

    def test_refuses_to_add_a_product_already_on_the_contract(self) -> None:
        assert locs(refusal(change(action="add_product", sku="TIX-PRO", quantity=5))) == [("changes", 0)]

    @pytest.mark.parametrize(
        "not_held",
        [
            change(action="add_quantity", sku="CRM-MOD", quantity=5),
            change(action="remove_quantity", sku="CRM-MOD", quantity=5),
            change(action="remove_product", sku="CRM-MOD"),
            change(action="swap", from_sku="TIX-ENT", to_sku="TIX-STARTER"),
        ],
        ids=["add_quantity", "remove_quantity", "remove_product", "swap"],
    )
    def test_refuses_to_change_a_product_not_on_the_contract(self, not_held: Change) -> None:
        error = refusal(ADD_FIVE_SEATS, not_held, on=contract(mid_term_decrease="credit"))
        assert locs(error) == [("changes", 1)]
        assert "not on the contract" in error.detail

    def test_refuses_a_swap_across_families(self) -> None:
        error = refusal(change(action="swap", from_sku="TIX-PRO", to_sku="CRM-MOD"))
        assert locs(error) == [("changes", 0)]
        assert "family" in error.detail

    def test_refuses_removing_the_plan_an_add_on_requires(self) -> None:
        error = refusal(change(action="remove_product", sku="TIX-PRO"),
                        on=contract(segments=WITH_SMS, mid_term_decrease="credit"))
        assert "product rules" in error.detail
        assert "MKT-SMS requires" in error.detail

    def test_refuses_a_scheduled_removal_of_the_plan_an_add_on_requires(self) -> None:
        error = refusal(change(action="remove_product", sku="TIX-PRO"), on=contract(segments=WITH_SMS))
        assert "product rules" in error.detail

    def test_accepts_removing_a_plan_with_its_add_on(self) -> None:
        amendment = amend(change(action="remove_product", sku="TIX-PRO"),
                          change(action="remove_product", sku="MKT-SMS"),
                          on=contract(segments=WITH_SMS, mid_term_decrease="credit"))
        assert set(amendment.closed) == {"TIX-PRO", "MKT-SMS"}

    def test_refuses_an_add_on_without_any_plan(self) -> None:
        error = refusal(change(action="add_product", sku="MKT-SMS", quantity=10),
                        on=contract(segments=[segment(sku="CRM-MOD", net_unit_price="8.00")]))
        assert "product rules" in error.detail

    def test_refuses_an_excluded_pair(self) -> None:
        error = refusal(change(action="add_product", sku="TIX-ENT", quantity=5))
        assert "product rules" in error.detail
        assert "cannot be combined" in error.detail

    def test_points_a_product_rule_refusal_at_the_change(self) -> None:
        # docs/api.md: validation errors carry `errors: [{loc, msg}]`; a refusal must say which change broke the rule
        error = refusal(change(action="add_product", sku="TIX-ENT", quantity=5))
        assert locs(error) == [("changes", 0)]

    def test_points_a_required_plan_refusal_at_the_change(self) -> None:
        error = refusal(change(action="remove_product", sku="TIX-PRO"),
                        on=contract(segments=WITH_SMS, mid_term_decrease="credit"))
        assert locs(error) == [("changes", 0)]

    def test_refuses_the_same_sku_changed_twice(self) -> None:
        error = refusal(ADD_FIVE_SEATS, change(action="remove_quantity", sku="TIX-PRO", quantity=2))
        assert locs(error) == [("changes", 1)]
        assert "twice" in error.detail

    def test_refuses_a_swap_touching_a_sku_changed_elsewhere(self) -> None:
        assert locs(refusal(ADD_FIVE_SEATS, TO_ENTERPRISE)) == [("changes", 1)]

    def test_refuses_a_quantity_of_zero(self) -> None:
        error = refusal(change(action="add_quantity", sku="TIX-PRO", quantity=0))
        assert locs(error) == [("changes", 0, "quantity")]

    def test_refuses_a_negative_quantity(self) -> None:
        error = refusal(change(action="add_product", sku="CRM-MOD", quantity=-1))
        assert locs(error) == [("changes", 0, "quantity")]

    def test_refuses_a_swap_to_a_quantity_of_zero(self) -> None:
        # quantity ≤ 0 is refused; a swap must not read 0 as "keep the quantity"
        error = refusal(change(action="swap", from_sku="TIX-PRO", to_sku="TIX-ENT", quantity=0))
        assert locs(error) == [("changes", 0, "quantity")]

    def test_refuses_a_swap_to_a_negative_quantity(self) -> None:
        error = refusal(change(action="swap", from_sku="TIX-PRO", to_sku="TIX-ENT", quantity=-5))
        assert locs(error) == [("changes", 0, "quantity")]

    def test_refuses_a_missing_quantity(self) -> None:
        assert locs(refusal(change(action="add_product", sku="CRM-MOD"))) == [("changes", 0, "quantity")]

    def test_refuses_an_amendment_without_changes(self) -> None:
        assert locs(refusal()) == [("changes",)]

    def test_refuses_an_unknown_action(self) -> None:
        assert locs(refusal(change(action="rename", sku="TIX-PRO"))) == [("changes", 0, "action")]

    def test_names_every_bad_change_at_once(self) -> None:
        error = refusal(change(action="add_quantity", sku="TIX-PRO", quantity=0),
                        change(action="add_product", sku="NOPE", quantity=1))
        assert locs(error) == [("changes", 0, "quantity"), ("changes", 1)]


class TestSeveralChanges:
    def amendment(self) -> Amendment:
        return amend(ADD_FIVE_SEATS, change(action="add_product", sku="CRM-MOD", quantity=25))

    def test_has_one_line_per_change_in_order(self) -> None:
        lines = self.amendment().lines
        assert [(line.change_index, line.sku, line.change) for line in lines] == [
            (0, "TIX-PRO", "seat_expansion"), (1, "CRM-MOD", "cross_sell"),
        ]

    def test_prices_each_line(self) -> None:
        seats, crm = self.amendment().lines
        assert amounts(seats) == (Decimal("47.42"), Decimal("992.42"), Decimal("105.00"))
        assert amounts(crm) == (Decimal("90.32"), Decimal("1890.32"), Decimal("200.00"))  # 200 × 14/31

    def test_totals_are_the_sums_of_the_lines(self) -> None:
        amendment = self.amendment()
        totals = amendment.totals
        assert totals.amount_due_now == sum(line.amount_due_now for line in amendment.lines) == Decimal("137.74")
        assert totals.remaining_term_value == sum(line.remaining_term_value for line in amendment.lines) == Decimal(
            "2882.74")
        assert totals.mrr_delta == sum(line.mrr_delta for line in amendment.lines) == Decimal("305.00")

    def test_opens_a_segment_per_recurring_charge(self) -> None:
        amendment = self.amendment()
        assert [(s.sku, s.quantity, s.net_unit_price) for s in amendment.opened] == [
            ("TIX-PRO", 25, Decimal("21.00")), ("CRM-MOD", 25, Decimal("8.00")),
        ]
        assert amendment.closed == ("TIX-PRO",)


class TestEvergreenContract:
    def amendment(self) -> Amendment:
        evergreen = contract(term_months=None, segments=[segment(end_date=None)])
        return amend(ADD_FIVE_SEATS, on=evergreen, effective_date=date(2027, 6, 1))

    def test_ends_the_line_at_the_current_billing_period_end(self) -> None:
        (line,) = self.amendment().lines
        assert (line.start_date, line.end_date) == (date(2027, 6, 1), date(2027, 6, 15))

    def test_values_the_rest_of_the_period_only(self) -> None:
        (line,) = self.amendment().lines
        assert amounts(line) == (Decimal("47.42"), Decimal("47.42"), Decimal("105.00"))  # 14 of 31 days

    def test_opens_an_open_ended_segment(self) -> None:
        assert self.amendment().opened == (
            Segment("TIX-PRO", 25, Decimal("21.00"), date(2027, 6, 1), None, Decimal("25.00")),
        )

    def test_schedules_a_decrease_for_the_next_anniversary(self) -> None:
        evergreen = contract(term_months=None, segments=[segment(end_date=None)])
        (line,) = amend(REMOVE_FIVE_SEATS, on=evergreen, effective_date=date(2027, 6, 1)).lines
        assert (line.scheduled, line.start_date) == (True, date(2028, 1, 15))


class TestOneTimeProduct:
    def amendment(self) -> Amendment:
        return amend(change(action="add_product", sku="ONBOARDING", quantity=1))

    def test_charges_the_whole_price_now(self) -> None:
        (line,) = self.amendment().lines
        assert amounts(line) == (Decimal("1500.00"), Decimal("1500.00"), Decimal("0.00"))
        assert line.recurring is False
        assert line.end_date is None

    def test_opens_no_segment(self) -> None:
        amendment = self.amendment()
        assert (amendment.opened, amendment.closed) == ((), ())


class TestSwapProperties:
    @settings(database=None, deadline=None, max_examples=200)
    @given(
        offset_days=st.integers(min_value=0, max_value=(END - START).days - 1),
        billing_frequency=st.sampled_from(("monthly", "quarterly", "semiannual", "annual")),
        proration_method=st.sampled_from(("daily", "monthly_daily")),
        quantity=st.integers(min_value=1, max_value=500),
        old_cents=st.integers(min_value=1, max_value=99_999),
        new_cents=st.integers(min_value=1, max_value=99_999),
    )
    def test_charge_plus_credit_equals_the_prorated_price_difference(
        self, offset_days: int, billing_frequency: str, proration_method: str, quantity: int, old_cents: int,
        new_cents: int,
    ) -> None:
        old_net, new_net = Decimal(old_cents) / 100, Decimal(new_cents) / 100
        on = contract(billing_frequency=billing_frequency, proration_method=proration_method,
                      segments=[segment(quantity=quantity, net_unit_price=str(old_net))])
        amendment = amend(TO_ENTERPRISE, on=on, effective_date=START + timedelta(days=offset_days),
                          contracted_prices=[contracted(sku="TIX-ENT", unit_price=str(new_net))])
        credit, charge = amendment.lines
        difference = prorated_amounts(new_net * quantity - old_net * quantity, amendment.proration, "EUR")
        assert abs(charge.amount_due_now + credit.amount_due_now - difference.amount_due_now) <= Decimal("0.02")
        assert abs(amendment.totals.remaining_term_value - difference.remaining_term_value) <= Decimal("0.02")
        assert amendment.totals.mrr_delta == difference.mrr_delta
        assert (credit.side, charge.side) == ("credit", "charge")
