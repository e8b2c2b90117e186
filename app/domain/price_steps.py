"""The steps of a priced line's waterfall, as a customer's document names them: why net differs from list.

Derived from the prices the quote stored, so a document never contradicts its quote: a volume or term band
is named on its own, and a graduated price's tiers shown, only while the catalog still gives the prices the
quote stored; otherwise the bands are named together from the stored prices, and the tiers left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

from app.domain.catalog import DiscountSchedule, MissingPrice, PriceEntry, TierUse, entry_in_effect, graduated_uses
from app.domain.pricing import compounded, list_unit_price, percent_below, schedule_discounts

StepKind = Literal["volume", "term", "volume_and_term", "contracted", "rep_percent", "rep_amount"]


@dataclass(frozen=True)
class PriceStep:
    """One step: a discount in percent, a rep's discount per unit, or the negotiated unit price."""

    kind: StepKind
    value: Decimal


class PricedLine(Protocol):
    """What a priced quote line (the API's line view) tells of its waterfall."""

    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def start_date(self) -> date: ...
    @property
    def list_unit_price(self) -> Decimal: ...
    @property
    def regular_unit_price(self) -> Decimal: ...
    @property
    def contracted_unit_price(self) -> Decimal | None: ...
    @property
    def discount_percent(self) -> Decimal: ...
    @property
    def discount_amount(self) -> Decimal | None: ...


def rep_steps(line: PricedLine) -> tuple[PriceStep, ...]:
    """The rep's own discount on the line, off the price before it."""
    if line.discount_amount:
        return (PriceStep("rep_amount", line.discount_amount),)
    return (PriceStep("rep_percent", line.discount_percent),) if line.discount_percent else ()


@dataclass(frozen=True)
class PriceBook:
    """The catalog a new-business quote was priced from: its SKUs' schedules and price book entries."""

    schedules: tuple[DiscountSchedule, ...]
    entries: tuple[PriceEntry, ...]
    currency: str
    term_months: int | None

    def steps(self, line: PricedLine) -> tuple[PriceStep, ...]:
        """From list to net: the schedules' bands (or the negotiated price that replaces them), then the rep's."""
        if line.contracted_unit_price is not None:
            return (PriceStep("contracted", line.contracted_unit_price), *rep_steps(line))
        return (*self._bands(line), *rep_steps(line))

    def _bands(self, line: PricedLine) -> tuple[PriceStep, ...]:
        listed, regular = line.list_unit_price, line.regular_unit_price
        if regular == listed:
            return ()
        bands = schedule_discounts(self.schedules, line.sku, line.quantity, self.term_months)
        if compounded(listed, (percent for _, percent in bands)) != regular:
            return (PriceStep("volume_and_term", percent_below(listed, regular)),)
        return tuple(PriceStep(kind, percent) for kind, percent in bands if percent)

    def tiers(self, line: PricedLine) -> tuple[TierUse, ...]:
        """A graduated line's tiers, which its average list unit price is made of."""
        try:
            entry = entry_in_effect(self.entries, line.sku, self.currency, line.start_date)
        except MissingPrice:
            return ()
        if entry.pricing_model != "graduated" or list_unit_price(entry, line.quantity) != line.list_unit_price:
            return ()
        return graduated_uses(entry.tiers, line.quantity)
