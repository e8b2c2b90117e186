"""The waterfall steps and tiers a document names, derived from the prices the quote stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

from app.domain.catalog import DiscountBand, DiscountSchedule, PriceEntry, PriceTier, TierUse
from app.domain.price_steps import PriceBook, PriceStep, rep_steps

SCHEDULES = (DiscountSchedule("TIX-PRO", "volume", (DiscountBand(50, D(5)), DiscountBand(100, D(10)))),
             DiscountSchedule("TIX-PRO", "term", (DiscountBand(12, D(5)),)))
GRADUATED = PriceEntry("MKT-CONTACTS", "EUR", "graduated", date(2026, 1, 1), tiers=(
    PriceTier(1000, D("0.05")), PriceTier(10000, D("0.03")), PriceTier(None, D("0.01"))))
BOOK = PriceBook(SCHEDULES, (GRADUATED,), "EUR", 12)


@dataclass(frozen=True)
class Line:
    """A priced line as the quote stored it (the API's line view has the same fields)."""

    regular_unit_price: D
    sku: str = "TIX-PRO"
    quantity: int = 100
    start_date: date = date(2026, 1, 15)
    list_unit_price: D = D("25.00")
    contracted_unit_price: D | None = None
    discount_percent: D = D(0)
    discount_amount: D | None = None


def test_each_band_is_named_when_the_schedules_reproduce_the_stored_price() -> None:
    assert BOOK.steps(Line(D("21.375"), discount_percent=D(3))) == (
        PriceStep("volume", D(10)), PriceStep("term", D(5)), PriceStep("rep_percent", D(3)))


def test_schedules_changed_since_pricing_are_named_together_from_the_stored_prices() -> None:
    """The quote was priced at 20 % off; the bands now say 10 % and 5 %: the document keeps the quote's 20 %."""
    assert BOOK.steps(Line(D("20.00"))) == (PriceStep("volume_and_term", D(20)),)


def test_a_negotiated_price_replaces_the_bands_and_the_reps_discount_follows_it() -> None:
    line = Line(D("21.375"), contracted_unit_price=D("19.00"), discount_amount=D("0.50"))
    assert BOOK.steps(line) == (PriceStep("contracted", D("19.00")), PriceStep("rep_amount", D("0.50")))
    assert rep_steps(line) == (PriceStep("rep_amount", D("0.50")),)


def test_a_line_at_list_price_has_no_step() -> None:
    assert PriceBook(SCHEDULES, (), "EUR", 6).steps(Line(D("25.00"), quantity=10)) == ()


def test_a_graduated_line_shows_the_tiers_its_stored_average_is_made_of() -> None:
    line = Line(D("0.034"), sku="MKT-CONTACTS", quantity=5000, list_unit_price=D("0.034"))
    assert BOOK.tiers(line) == (TierUse(1, 1000, D("0.05")), TierUse(1001, 5000, D("0.03")))


def test_tiers_that_no_longer_give_the_stored_price_or_a_missing_entry_show_none() -> None:
    """Repriced in the catalog since (or priced in another currency): the average stands alone, never a 422."""
    changed = Line(D("0.04"), sku="MKT-CONTACTS", quantity=5000, list_unit_price=D("0.04"))
    assert BOOK.tiers(changed) == ()
    assert PriceBook(SCHEDULES, (GRADUATED,), "PLN", 12).tiers(changed) == ()
    assert BOOK.tiers(Line(D("25.00"))) == ()  # per-unit TIX-PRO has no entry here, and no tiers anyway
