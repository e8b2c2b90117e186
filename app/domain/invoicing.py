"""Recurring invoice lines: billed in advance, one per segment and billing period, on the period's first day.

A segment bills the periods whose first day it covers; a change inside a period is billed by the
amendment's proration (or credit) line instead, so the two together never bill a day twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain import money
from app.domain.contracts import Segment
from app.domain.periods import add_months, billing_period_index


@dataclass(frozen=True)
class BillingSchedule:
    """How a contract bills: from its anchor, every `months`, until the term ends (never, if evergreen)."""

    anchor: date
    months: int
    term_months: int | None
    currency: str


@dataclass(frozen=True)
class RecurringLine:
    sku: str
    invoice_date: date
    period_start: date
    period_end: date
    quantity: int
    unit_price: Decimal
    amount: Decimal


def recurring_lines(segment: Segment, schedule: BillingSchedule, start: date, end: date) -> Iterator[RecurringLine]:
    """Lines of `segment` whose invoice date is in `[start, end)`."""
    low = max(segment.start_date, start, schedule.anchor)
    high = min(d for d in (segment.end_date, end, _term_end(schedule)) if d is not None)
    if low >= high:
        return
    index = billing_period_index(schedule.anchor, schedule.months, low)
    if add_months(schedule.anchor, index * schedule.months) < low:
        index += 1
    while True:
        first_month = index * schedule.months
        period_start = add_months(schedule.anchor, first_month)
        if period_start >= high:
            return
        last_month = first_month + schedule.months
        if schedule.term_months is not None:
            last_month = min(last_month, schedule.term_months)
        months = last_month - first_month
        yield RecurringLine(
            sku=segment.sku, invoice_date=period_start, period_start=period_start,
            period_end=add_months(schedule.anchor, last_month), quantity=segment.quantity,
            unit_price=segment.net_unit_price,
            amount=money.round_amount(segment.net_unit_price * segment.quantity * months, schedule.currency),
        )
        index += 1


def _term_end(schedule: BillingSchedule) -> date | None:
    return None if schedule.term_months is None else add_months(schedule.anchor, schedule.term_months)
