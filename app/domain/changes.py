"""What finance counts each change as: the change a segment records when it opens and when it ends.

A segment opens and ends through changes: a sale, an amendment, a renewal, an anniversary, a cancellation, an
expiry. Each records what it is to finance, decided when it is written, from what the account held then, so
that MRR movements are an aggregation of stored facts rather than a guess made from dates afterwards:

- a product an account did not hold (a sale line, an amendment's new product, a renewal's new line) is
  **new business** when the account held nothing, **seat expansion** when it held that product, **cross-sell**
  when it is an add-on or of a family the account did not hold, **upsell** when it is a plan ranked above every
  one the account held in its family, and seat expansion otherwise (another product of a scope it already
  holds, not above it: more units of what it buys, not a new scope and not a higher tier);
- a change to units held is a **seat expansion** or a **decrease**, a product given up a **removal**, a swap an
  **upsell** when it raises MRR and a **downgrade** when it lowers it;
- a renewal or anniversary compares each product with what it held at the end of the term: more units (seat
  expansion), fewer (decrease), else a **price increase**, a **price decrease** or a plain **renewal**; a change
  of price is also kept apart as the segment's `price_change`, so fewer seats at an uplifted price count both.

The end of a segment records the same change as the segment that follows it, so the two parts of one change
(the units given up, the units held after) land in one movement and add up to its MRR delta.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.domain import money

NEW_BUSINESS = "new_business"
SEAT_EXPANSION = "seat_expansion"
UPSELL = "upsell"
CROSS_SELL = "cross_sell"
PRICE_INCREASE = "price_increase"
PRICE_DECREASE = "price_decrease"
DECREASE = "decrease"
DOWNGRADE = "downgrade"
REMOVAL = "removal"
RENEWAL = "renewal"
CANCELLATION = "cancellation"
EXPIRY = "expiry"

CHANGES = (NEW_BUSINESS, SEAT_EXPANSION, UPSELL, CROSS_SELL, PRICE_INCREASE, PRICE_DECREASE, DECREASE, DOWNGRADE,
           REMOVAL, RENEWAL, CANCELLATION, EXPIRY)

#: The movement each change counts in, for an account with MRR on both days compared (DOMAIN's definitions):
#: anything that lowers MRR is a contraction; a product bought afresh by an account that had stopped buying
#: within the window is a reactivation. A renewal's two parts cancel out (its price change counts apart).
MOVEMENT_OF: Mapping[str, str] = {
    NEW_BUSINESS: "reactivation", SEAT_EXPANSION: "seat_expansion", UPSELL: "upsell", CROSS_SELL: "cross_sell",
    PRICE_INCREASE: "price_increase", RENEWAL: "price_increase",
    PRICE_DECREASE: "contraction", DECREASE: "contraction", DOWNGRADE: "contraction", REMOVAL: "contraction",
    CANCELLATION: "contraction", EXPIRY: "contraction",
}

#: An amendment line's own word for what the rep did, as the change finance counts (swaps and new products
#: are decided by `Holdings.added` and `swap`).
AMENDMENT_CHANGES: Mapping[str, str] = {SEAT_EXPANSION: SEAT_EXPANSION, DECREASE: DECREASE, REMOVAL: REMOVAL}


@dataclass(frozen=True)
class Scope:
    """What classifying a product reads of it."""

    sku: str
    family: str
    kind: str
    tier_rank: int | None = None


@dataclass(frozen=True)
class Holdings:
    """The products an account held when a change was made, over all its contracts."""

    held: tuple[Scope, ...] = ()

    def added(self, product: Scope) -> str:
        """The change a product new to the contract is, given what the account held."""
        if not self.held:
            return NEW_BUSINESS
        if any(scope.sku == product.sku for scope in self.held):
            return SEAT_EXPANSION
        family = [scope for scope in self.held if scope.family == product.family]
        if product.kind == "addon" or not family:
            return CROSS_SELL
        ranks = [scope.tier_rank or 0 for scope in family if scope.kind != "addon"]
        if ranks and (product.tier_rank or 0) > max(ranks):
            return UPSELL
        return SEAT_EXPANSION


def holdings(scopes: Iterable[Scope]) -> Holdings:
    return Holdings(tuple({scope.sku: scope for scope in scopes}.values()))


def swap(mrr_delta: Decimal) -> str:
    """A swap is an upsell unless it lowers MRR (a higher tier sold below the old price is not growth)."""
    return DOWNGRADE if mrr_delta < 0 else UPSELL


def transition(quantity_before: int, price_before: Decimal, quantity: int, price: Decimal) -> str:
    """A product held at the end of a term (or before an anniversary) and what is held after it."""
    if quantity > quantity_before:
        return SEAT_EXPANSION
    if quantity < quantity_before:
        return DECREASE
    if price > price_before:
        return PRICE_INCREASE
    if price < price_before:
        return PRICE_DECREASE
    return RENEWAL


def price_change(quantity: int, price_before: Decimal, price: Decimal, currency: str) -> Decimal:
    """The part of a segment's MRR that its new price made: its MRR less what its units cost at the old price.

    Both are rounded as MRR is, so the price part and the units part add up to the exact MRR delta.
    """
    return (money.round_amount(price * quantity, currency)
            - money.round_amount(price_before * quantity, currency))
