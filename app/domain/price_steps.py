"""The steps of a priced line's waterfall, as a customer's document names them: why net differs from list.

Derived from the prices the quote stored, so a document never contradicts its quote: a volume or term band
is named on its own only when the catalog's schedules still reproduce the stored regular price; otherwise
the two are named together, from the stored prices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from app.domain import money
from app.domain.catalog import DiscountSchedule, PriceEntry, band_discount
from app.domain.pricing import regular_unit_price

StepKind = Literal["volume", "term", "volume_and_term", "contracted", "rep_percent", "rep_amount"]


@dataclass(frozen=True)
class PriceStep:
    """One step: a discount in percent, a rep's discount per unit, or the negotiated unit price."""

    kind: StepKind
    value: Decimal


@dataclass(frozen=True)
class LinePrices:
    sku: str
    quantity: int
    list_unit_price: Decimal
    regular_unit_price: Decimal
    contracted_unit_price: Decimal | None
    discount_percent: Decimal
    discount_amount: Decimal | None


def rep_steps(line: LinePrices) -> tuple[PriceStep, ...]:
    """The rep's own discount on the line, off the price before it."""
    if line.discount_amount:
        return (PriceStep("rep_amount", line.discount_amount),)
    return (PriceStep("rep_percent", line.discount_percent),) if line.discount_percent else ()


def price_steps(line: LinePrices, schedules: Iterable[DiscountSchedule], term_months: int | None,
                ) -> tuple[PriceStep, ...]:
    """From list to net: the schedules' bands (or the negotiated price that replaces them), then the rep's."""
    if line.contracted_unit_price is not None:
        return (PriceStep("contracted", line.contracted_unit_price), *rep_steps(line))
    return (*_schedule_steps(line, tuple(schedules), term_months), *rep_steps(line))


def _schedule_steps(line: LinePrices, schedules: tuple[DiscountSchedule, ...],
                    term_months: int | None) -> tuple[PriceStep, ...]:
    listed, regular = line.list_unit_price, line.regular_unit_price
    if regular == listed or listed == 0:
        return ()
    if regular_unit_price(listed, schedules, line.sku, line.quantity, term_months) != regular:
        return (PriceStep("volume_and_term", (listed - regular) / listed * money.HUNDRED),)
    volume = _band(schedules, line.sku, "volume", line.quantity)
    term = _band(schedules, line.sku, "term", term_months or 0)
    return (*((PriceStep("volume", volume),) if volume else ()), *((PriceStep("term", term),) if term else ()))


def _band(schedules: tuple[DiscountSchedule, ...], sku: str, kind: str, value: int) -> Decimal:
    return band_discount([band for s in schedules if s.sku == sku and s.type == kind for band in s.bands], value)


@dataclass(frozen=True)
class TierUse:
    """Units `first`..`last` of a graduated line, each at `unit_price`: what its average list price is made of."""

    first: int
    last: int
    unit_price: Decimal


def graduated_uses(entry: PriceEntry, quantity: int) -> tuple[TierUse, ...]:
    """The tiers a graduated entry prices `quantity` with (none for other models, whose unit price is exact)."""
    if entry.pricing_model != "graduated":
        return ()
    uses, below = [], 0
    for tier in entry.tiers:
        top = quantity if tier.up_to is None else min(quantity, tier.up_to)
        if top > below:
            uses.append(TierUse(below + 1, top, tier.unit_price))
        below = max(below, top)
        if below >= quantity:
            break
    return tuple(uses)
