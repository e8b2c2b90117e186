"""What accepting a quote writes to its contract, decided here and only stored by the service.

Each quote type has its own function: a sale opens the first term's segments, an amendment closes and
opens segments on its effective date and charges the proration (and the catch-up of periods already
invoiced without it), a renewal opens the next term. The result says which segment each new one
replaces and what opened it, so billing reads the origin instead of guessing it from dates, and what each
opening and end is to finance (`app.domain.changes`), so MRR movements are sums of what was recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from app.domain import changes, money
from app.domain.changes import Holdings, Scope
from app.domain.contracts import Segment, Term
from app.domain.invoicing import BillingSchedule, Charge, catch_up_charges
from app.domain.renewals import uplifted_price

ZERO = Decimal(0)


@dataclass(frozen=True)
class QuotedLine:
    """A quote line as acceptance reads it (`position` names it back to the service)."""

    position: int
    sku: str
    recurring: bool
    quantity: int
    list_unit_price: Decimal
    net_unit_price: Decimal
    total: Decimal
    start_date: date
    end_date: date | None
    # Amendment lines only.
    change: str | None = None
    quantity_before: int = 0
    quantity_after: int = 0
    scheduled: bool = False
    proration_due: Decimal = ZERO
    amount_due_now: Decimal = ZERO
    change_index: int | None = None
    mrr_delta: Decimal = ZERO


@dataclass(frozen=True)
class OpenedSegment:
    #: The quote line it comes from (its position), or None for a change no quote made (an uplift).
    line: int | None
    sku: str
    quantity: int
    list_unit_price: Decimal
    net_unit_price: Decimal
    start_date: date
    end_date: date | None
    origin: str
    #: What it is to finance (`app.domain.changes`); the segment it replaces ends with the same change.
    change: str
    #: The SKU whose segment in force (or ending) it follows, if the contract holds one.
    replaces: str | None = None
    #: The part of its MRR its new price made, against the segment it replaces (renewals and anniversaries).
    price_change: Decimal = ZERO

    def mrr(self, currency: str) -> Decimal:
        """Net unit price × quantity, rounded once (DOMAIN, Finance)."""
        return money.round_amount(self.net_unit_price * self.quantity, currency)


@dataclass(frozen=True)
class ClosedSegment:
    """The segment of `sku` in force on `on` ends early, that day, because of a change of origin `by`."""

    sku: str
    on: date
    by: str
    change: str


@dataclass(frozen=True)
class EndedSegment:
    """The segment of `sku` ending with the term reaches its end; `change` is what follows it."""

    sku: str
    change: str


@dataclass(frozen=True)
class ChargeLine:
    line: int
    sku: str
    kind: str
    invoice_date: date
    period_start: date
    period_end: date
    quantity: int
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class OneTimeLine:
    line: int
    sku: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    charge_date: date


@dataclass(frozen=True)
class ScheduledDecrease:
    sku: str
    change: str
    quantity_after: int
    effective_on: date


@dataclass(frozen=True)
class ContractChange:
    """Everything one change writes; `term` is a term it adds (a sale's first, a renewal's next)."""

    origin: str
    opened: tuple[OpenedSegment, ...] = ()
    closed: tuple[ClosedSegment, ...] = ()
    charges: tuple[ChargeLine, ...] = ()
    one_time: tuple[OneTimeLine, ...] = ()
    scheduled: tuple[ScheduledDecrease, ...] = ()
    term: Term | None = None
    ended: tuple[EndedSegment, ...] = ()


def sale(lines: Sequence[QuotedLine], *, term: Term, holdings: Holdings,
         scopes: Mapping[str, Scope]) -> ContractChange:
    """A new contract: one segment per recurring line over the first term, one-time lines charged at its start.

    Each line is new business, or, for an account already buying, what it adds to what the account holds.
    """
    return ContractChange(
        origin="sale", term=term,
        opened=tuple(_opened(line, line.quantity, line.start_date, line.end_date, "sale",
                             holdings.added(scopes[line.sku]))
                     for line in lines if line.recurring),
        one_time=tuple(OneTimeLine(line.position, line.sku, line.quantity, line.net_unit_price, line.total, term.start)
                       for line in lines if not line.recurring),
    )


def renewal(lines: Sequence[QuotedLine], *, term: Term, ending: Sequence[Segment], holdings: Holdings,
            scopes: Mapping[str, Scope], currency: str) -> ContractChange:
    """The next term: a segment per line from its start to its end; the current ones end with their term.

    Each follows the segment of its SKU `ending` with the current term, if the contract held one, and is to
    finance what changed from it; a product the renewal drops ends as a removal.
    """
    held = {segment.sku: segment for segment in ending}
    opened: list[OpenedSegment] = []
    for line in lines:
        before = held.get(line.sku)
        if before is None:
            opened.append(_opened(line, line.quantity, term.start, term.end, "renewal",
                                  holdings.added(scopes[line.sku])))
            continue
        change = changes.transition(before.quantity, before.net_unit_price, line.quantity, line.net_unit_price)
        price_change = changes.price_change(line.quantity, before.net_unit_price, line.net_unit_price, currency)
        opened.append(replace(_opened(line, line.quantity, term.start, term.end, "renewal", change,
                                      replaces=line.sku), price_change=price_change))
    following = {segment.sku: segment.change for segment in opened if segment.replaces}
    return ContractChange(
        origin="renewal", term=term, opened=tuple(opened),
        ended=tuple(EndedSegment(sku, following.get(sku, changes.REMOVAL)) for sku in held),
    )


def amendment(
    lines: Sequence[QuotedLine], *, effective: date, term_end: date | None, schedule: BillingSchedule,
    period_end: date, today: date, holdings: Holdings, scopes: Mapping[str, Scope],
) -> ContractChange:
    """Close what changes on the effective date and open what is held from then on; charge the proration.

    Charges are invoiced on the effective date, or `today` when that is later; a back-dated amendment also
    charges (or credits) the whole periods that started between its effective date and today, which were
    invoiced in advance without it. A decrease under `at_renewal` is only recorded, for the renewal quote.
    """
    invoice_date = max(effective, today)
    swaps: dict[int | None, Decimal] = {}
    for line in lines:
        swaps[line.change_index] = swaps.get(line.change_index, ZERO) + line.mrr_delta
    opened: list[OpenedSegment] = []
    closed: list[ClosedSegment] = []
    charges: list[ChargeLine] = []
    one_time: list[OneTimeLine] = []
    scheduled: list[ScheduledDecrease] = []
    for line in lines:
        if line.scheduled:
            scheduled.append(ScheduledDecrease(line.sku, line.change or "decrease", line.quantity_after,
                                               line.start_date))
            continue
        if not line.recurring:
            one_time.append(OneTimeLine(line.position, line.sku, line.quantity, line.net_unit_price,
                                        line.amount_due_now, invoice_date))
            continue
        change = (changes.AMENDMENT_CHANGES.get(line.change or "")
                  or (holdings.added(scopes[line.sku]) if line.change == changes.CROSS_SELL
                      else changes.swap(swaps[line.change_index])))
        if line.quantity_before > 0:
            closed.append(ClosedSegment(line.sku, effective, "amendment", change))
        if line.quantity_after:  # what is held from the effective date (a credited decrease keeps the rest)
            opened.append(_opened(line, line.quantity_after, effective, term_end, "amendment", change,
                                  replaces=line.sku if line.quantity_before > 0 else None))
        due = [Charge(effective, period_end, line.proration_due), *catch_up_charges(
            schedule, monthly_delta=line.net_unit_price * line.quantity, after=period_end, before=today)]
        charges.extend(
            ChargeLine(line.position, line.sku, "proration" if charge.amount > 0 else "credit", invoice_date,
                       charge.period_start, charge.period_end, line.quantity, line.net_unit_price, charge.amount)
            for charge in due if charge.amount
        )
    return ContractChange("amendment", tuple(opened), tuple(closed), tuple(charges), tuple(one_time),
                          tuple(scheduled))


def anniversary(held: Sequence[Segment], *, percent: Decimal | None, list_prices: Mapping[str, Decimal],
                will_hold: Mapping[str, int], on: date, currency: str) -> ContractChange:
    """An evergreen anniversary: the decreases agreed `at_renewal` apply, then each price rises by `percent`
    (if any), capped at the day's list price.

    A price already at (or above) its list price stays; the anniversary is recorded all the same. A segment
    whose units fall changes origin to `renewal` (what a termed contract's renewal would have done).
    """
    opened: list[OpenedSegment] = []
    closed: list[ClosedSegment] = []
    for segment in held:
        quantity = min(segment.quantity, will_hold.get(segment.sku, segment.quantity))
        price = segment.net_unit_price
        if percent is not None and quantity:
            price = max(price, uplifted_price(segment.net_unit_price, percent, list_prices[segment.sku])[0])
        if (quantity, price) == (segment.quantity, segment.net_unit_price):
            continue
        origin = "uplift" if quantity == segment.quantity else "renewal"
        change = changes.transition(segment.quantity, segment.net_unit_price, quantity, price)
        closed.append(ClosedSegment(segment.sku, on, origin, change if quantity else changes.REMOVAL))
        if quantity:
            opened.append(OpenedSegment(
                None, segment.sku, quantity, segment.list_price, price, on, segment.end_date, origin, change,
                replaces=segment.sku,
                price_change=changes.price_change(quantity, segment.net_unit_price, price, currency)))
    return ContractChange("uplift", tuple(opened), tuple(closed))


def cancellation(held: Sequence[Segment], *, on: date) -> ContractChange:
    """A cancellation taking effect on a period boundary: what is in force stops that day."""
    return ContractChange("cancellation", closed=tuple(ClosedSegment(s.sku, on, "cancellation", changes.CANCELLATION)
                                                       for s in held))


def _opened(line: QuotedLine, quantity: int, start: date, end: date | None, origin: str, change: str,
            replaces: str | None = None) -> OpenedSegment:
    return OpenedSegment(line.position, line.sku, quantity, line.list_unit_price, line.net_unit_price, start, end,
                         origin, change, replaces)
