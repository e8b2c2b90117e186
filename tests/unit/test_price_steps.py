"""The waterfall steps a document names, derived from the prices the quote stored."""

from __future__ import annotations

from decimal import Decimal as D

from app.domain.catalog import DiscountBand, DiscountSchedule
from app.domain.price_steps import LinePrices, PriceStep, price_steps, rep_steps

SCHEDULES = (DiscountSchedule("TIX-PRO", "volume", (DiscountBand(50, D(5)), DiscountBand(100, D(10)))),
             DiscountSchedule("TIX-PRO", "term", (DiscountBand(12, D(5)),)))


def _line(regular: str, *, contracted: str | None = None, percent: str = "0", amount: str | None = None,
          quantity: int = 100) -> LinePrices:
    return LinePrices("TIX-PRO", quantity, D("25.00"), D(regular), D(contracted) if contracted else None, D(percent),
                      D(amount) if amount else None)


def test_each_band_is_named_when_the_schedules_reproduce_the_stored_price() -> None:
    assert price_steps(_line("21.375", percent="3"), SCHEDULES, 12) == (
        PriceStep("volume", D(10)), PriceStep("term", D(5)), PriceStep("rep_percent", D(3)))


def test_schedules_changed_since_pricing_are_named_together_from_the_stored_prices() -> None:
    """The quote was priced at 20 % off; the bands now say 10 % and 5 %: the document keeps the quote's 20 %."""
    assert price_steps(_line("20.00"), SCHEDULES, 12) == (PriceStep("volume_and_term", D(20)),)


def test_a_negotiated_price_replaces_the_bands_and_the_reps_discount_follows_it() -> None:
    line = _line("21.375", contracted="19.00", amount="0.50")
    assert price_steps(line, SCHEDULES, 12) == (PriceStep("contracted", D("19.00")), PriceStep("rep_amount", D("0.50")))
    assert rep_steps(line) == (PriceStep("rep_amount", D("0.50")),)


def test_a_line_at_list_price_has_no_step() -> None:
    assert price_steps(_line("25.00", quantity=10), SCHEDULES, 6) == ()
