"""Subscription segments: what a contract holds over time, and what is in force on a date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain import money


@dataclass(frozen=True)
class Segment:
    """`quantity` units of `sku` at `net_unit_price` per unit per month over `[start_date, end_date)`."""

    sku: str
    quantity: int
    net_unit_price: Decimal
    start_date: date
    end_date: date | None
    #: The list price when the units were sold, shown beside the net price.
    list_unit_price: Decimal | None = None

    @property
    def list_price(self) -> Decimal:
        return self.net_unit_price if self.list_unit_price is None else self.list_unit_price

    def in_force(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day < self.end_date)


def segment_mrr(segment: Segment, currency: str) -> Decimal:
    """MRR of a segment = net unit price × quantity (monthly), rounded once."""
    return money.round_amount(segment.net_unit_price * segment.quantity, currency)


def contract_mrr(segments: Iterable[Segment], currency: str, day: date) -> Decimal:
    """MRR of the segments in force on `day`: a sum of rounded segment MRRs."""
    zero = money.round_amount(Decimal(0), currency)
    return sum((segment_mrr(s, currency) for s in segments if s.in_force(day)), zero)
