"""Subscription segments: what a contract holds over time, and what is in force on a date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain import money
from app.domain.periods import MONTHS_PER_YEAR, months_between

#: What opened a segment. Only an amendment's proration covers the period a segment starts in; the others
#: (the sale, a renewal, an evergreen uplift) start on a billing-period boundary and bill it in advance.
ORIGINS = ("sale", "amendment", "renewal", "uplift")


@dataclass(frozen=True)
class Term:
    """A contract term `[start, end)`, numbered from 1; `end` is None for an evergreen contract.

    Every term boundary is a whole number of months from the billing anchor (the first term's start).
    """

    number: int
    start: date
    end: date | None

    def months(self, anchor: date) -> int | None:
        if self.end is None:
            return None
        return months_between(anchor, self.end) - months_between(anchor, self.start)

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Segment:
    """`quantity` units of `sku` at `net_unit_price` per unit per month from `start_date`.

    `end_date` is the planned end (the term end, or None while evergreen) and never changes; an amendment
    that ends the segment early records `closed_on`. The `*_recorded_on` dates say when each fact became
    known (the amendment's acceptance), which matters to billing: periods invoiced before then were billed
    on what was known at the time.
    """

    sku: str
    quantity: int
    net_unit_price: Decimal
    start_date: date
    end_date: date | None
    #: The list price when the units were sold, shown beside the net price.
    list_unit_price: Decimal | None = None
    closed_on: date | None = None
    #: Acceptance date of the amendment that opened the segment; None for the original sale.
    recorded_on: date | None = None
    #: Acceptance date of the amendment that closed it.
    closure_recorded_on: date | None = None
    origin: str = "sale"
    #: The origin of the change that closed it early: an amendment (its credit covers the rest of the period),
    #: or an uplift or a cancellation (on a period boundary: the segment bills up to that day).
    closed_by: str | None = None

    @property
    def list_price(self) -> Decimal:
        return self.net_unit_price if self.list_unit_price is None else self.list_unit_price

    @property
    def effective_end(self) -> date | None:
        """The earlier of the planned end and the closure, if any (asked of every segment a read or a bill shows)."""
        end, closed = self.end_date, self.closed_on
        return end if closed is None or (end is not None and end <= closed) else closed

    def in_force(self, day: date) -> bool:
        end = self.effective_end
        return self.start_date <= day and (end is None or day < end)

    def bills_period_starting(self, day: date) -> bool:
        """Whether the recurring invoice of the period starting on `day` bills this segment.

        Billing is in advance, on what was known on `day`. A segment opened by an amendment starts billing
        with the period after its start (the amendment's proration covers the period it starts in); a
        segment closed by one is billed up to and including the period its closure falls in (the credit
        covers the rest). Any other segment starts and stops on period boundaries and bills the periods
        starting inside it.
        """
        if self.end_date is not None and day >= self.end_date:
            return False
        if self.closed_on is not None:
            if self.closed_by != "amendment" and day >= self.closed_on:
                return False
            closure_known = self.closure_recorded_on is None or self.closure_recorded_on <= day
            if self.closed_by == "amendment" and day > self.closed_on and closure_known:
                return False
        if self.origin != "amendment":
            return day >= self.start_date
        return day > self.start_date and (self.recorded_on is None or day >= self.recorded_on)


def segment_mrr(segment: Segment, currency: str) -> Decimal:
    """MRR of a segment = net unit price × quantity (monthly), rounded once."""
    return money.round_amount(segment.net_unit_price * segment.quantity, currency)


def contract_mrr(segments: Iterable[Segment], currency: str, day: date) -> Decimal:
    """MRR of the segments in force on `day`: a sum of rounded segment MRRs."""
    return money.total((segment_mrr(s, currency) for s in segments if s.in_force(day)), currency)


def annual(mrr: Decimal) -> Decimal:
    """ARR = 12 × MRR."""
    return mrr * MONTHS_PER_YEAR
