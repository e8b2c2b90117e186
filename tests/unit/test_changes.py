"""What finance counts each change as (`app.domain.changes`), and a renewal's split into units and price."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from app.domain import acceptance, changes
from app.domain.acceptance import QuotedLine
from app.domain.changes import Holdings, Scope
from app.domain.contracts import Segment, Term

STARTER, PRO, ENT = (Scope(sku, "ticketing", "plan", rank) for sku, rank in
                     (("TIX-STARTER", 1), ("TIX-PRO", 2), ("TIX-ENT", 3)))
SMS, CRM = Scope("MKT-SMS", "marketing", "addon"), Scope("CRM-MOD", "crm", "addon")
EVENTS = Scope("EVT-SUITE", "events", "plan", 1)


@pytest.mark.parametrize(("held", "added", "change"), [
    ((), PRO, "new_business"),
    ((PRO,), PRO, "seat_expansion"),
    ((PRO,), SMS, "cross_sell"),
    ((PRO, SMS), SMS, "seat_expansion"),
    ((PRO,), EVENTS, "cross_sell"),
    ((PRO,), ENT, "upsell"),
    ((PRO,), STARTER, "seat_expansion"),
    ((PRO, CRM), Scope("CRM-PLUS", "crm", "plan", 1), "seat_expansion"),  # a family held through an add-on
])
def test_a_product_new_to_a_contract_against_what_the_account_holds(
    held: tuple[Scope, ...], added: Scope, change: str
) -> None:
    assert Holdings(held).added(added) == change


@pytest.mark.parametrize(("before", "after", "change"), [
    ((20, "21.00"), (25, "21.00"), "seat_expansion"), ((20, "21.00"), (15, "22.05"), "decrease"),
    ((20, "21.00"), (20, "22.05"), "price_increase"), ((20, "21.00"), (20, "20.00"), "price_decrease"),
    ((20, "21.00"), (20, "21.00"), "renewal"),
])
def test_a_renewal_compares_each_product_with_the_end_of_the_term(
    before: tuple[int, str], after: tuple[int, str], change: str
) -> None:
    assert changes.transition(before[0], D(before[1]), after[0], D(after[1])) == change


def test_fewer_seats_at_an_uplifted_price_count_both_parts() -> None:
    """20 × 21.00 → 15 × 22.05: −105.00 of units (a decrease) and +15.75 of price; a product dropped is removed."""
    ending = [Segment("TIX-PRO", 20, D("21.00"), date(2026, 1, 15), date(2027, 1, 15)),
              Segment("CRM-MOD", 5, D("9.00"), date(2026, 1, 15), date(2027, 1, 15))]
    line = QuotedLine(0, "TIX-PRO", True, 15, D("25.00"), D("22.05"), D("3969.00"), date(2027, 1, 15),
                      date(2028, 1, 15))
    change = acceptance.renewal([line], term=Term(2, date(2027, 1, 15), date(2028, 1, 15)), ending=ending,
                                holdings=Holdings((PRO, CRM)), scopes={"TIX-PRO": PRO}, currency="EUR")
    (opened,) = change.opened
    assert (opened.change, opened.replaces, opened.price_change) == ("decrease", "TIX-PRO", D("15.75"))
    assert {(e.sku, e.change) for e in change.ended} == {("TIX-PRO", "decrease"), ("CRM-MOD", "removal")}
    units = D(15) * D("21.00") - D(20) * D("21.00")
    assert units + opened.price_change == D(15) * D("22.05") - D(20) * D("21.00")


def test_a_swap_that_lowers_mrr_is_a_downgrade_whatever_the_tiers() -> None:
    assert (changes.swap(D("-0.01")), changes.swap(D(0)), changes.swap(D("150.00"))) == (
        "downgrade", "upsell", "upsell")
