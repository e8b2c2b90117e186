"""Recurring invoice lines: billed in advance, one per segment and billing period, on the period's first day.

A segment bills the periods whose first day it covers; a change inside a period is billed by the
amendment's proration (or credit) line instead, so the two together never bill a day twice.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain import money
from app.domain.contracts import Segment
from app.domain.periods import add_months, billing_period_index, months_between


@dataclass(frozen=True)
class BillingSchedule:
    """How a contract bills: from its anchor, every `months`, until `end` (its last term's end, or the day a
    cancellation takes effect; None while evergreen). `end` is a whole number of months from the anchor."""

    anchor: date
    months: int
    end: date | None
    currency: str

    @property
    def end_month(self) -> int | None:
        return None if self.end is None else months_between(self.anchor, self.end)


@dataclass(frozen=True)
class RecurringLine:
    sku: str
    invoice_date: date
    period_start: date
    period_end: date
    quantity: int
    unit_price: Decimal
    amount: Decimal


def line_id(contract_id: uuid.UUID, source_id: uuid.UUID, kind: str, invoice_date: date,
            period_start: date | None, period_end: date | None) -> uuid.UUID:
    """The id of an invoice line: the UUID formed by the MD5 of `contract|source|kind|invoice date|period`.

    Lines are derived, not stored, so the id must follow from what the line is: the row it comes from (the
    segment of a recurring line, the stored proration, credit or one-time charge) and the invoice it is on.
    The same line then has the same id whatever range, filters or page it was read with, and two lines never
    share one (a segment bills a period once; each charge is its own row). MD5 because PostgreSQL has it
    built in: once lines are generated in SQL, `md5(concat_ws('|', contract_id::text, source_id::text, kind,
    to_char(invoice_date, 'YYYY-MM-DD'), coalesce(to_char(period_start, 'YYYY-MM-DD'), ''),
    coalesce(to_char(period_end, 'YYYY-MM-DD'), '')))::uuid` gives the same ids (`to_char`, not `::text`, which
    follows DateStyle). A key, not a secret: what matters is that distinct texts never collide by accident.
    """
    text = (f"{contract_id}|{source_id}|{kind}|{invoice_date.isoformat()}|"
            f"{'' if period_start is None else period_start.isoformat()}|"
            f"{'' if period_end is None else period_end.isoformat()}")
    return uuid.UUID(bytes=hashlib.md5(text.encode(), usedforsecurity=False).digest())


#: Within a contract, lines come by invoice date, then sku, then kind in this order (then the row they come from).
KIND_ORDER = {"recurring": 0, "proration": 1, "credit": 2, "one_time": 3}


@dataclass(frozen=True)
class BillingPeriod:
    start: date
    end: date
    months: int


def periods_starting_in(schedule: BillingSchedule, low: date, high: date) -> Iterator[BillingPeriod]:
    """Billing periods whose first day is in `[low, high)` (within the term); the last may be cut by it."""
    high = min(d for d in (high, schedule.end) if d is not None)
    low = max(low, schedule.anchor)
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
        if (end_month := schedule.end_month) is not None:
            last_month = min(last_month, end_month)
        yield BillingPeriod(period_start, add_months(schedule.anchor, last_month), last_month - first_month)
        index += 1


def recurring_lines(segment: Segment, schedule: BillingSchedule, start: date, end: date) -> Iterator[RecurringLine]:
    """Lines of `segment` whose invoice date is in `[start, end)`: the periods it bills (see `Segment`)."""
    high = end if segment.end_date is None else min(segment.end_date, end)
    for period in periods_starting_in(schedule, max(segment.start_date, start), high):
        if segment.bills_period_starting(period.start):
            yield RecurringLine(
                sku=segment.sku, invoice_date=period.start, period_start=period.start, period_end=period.end,
                quantity=segment.quantity, unit_price=segment.net_unit_price,
                amount=money.period_amount(segment.net_unit_price, segment.quantity, period.months, schedule.currency),
            )


@dataclass(frozen=True)
class Charge:
    period_start: date
    period_end: date
    amount: Decimal


def catch_up_charges(schedule: BillingSchedule, *, monthly_delta: Decimal, after: date, before: date) -> list[Charge]:
    """A back-dated change's whole periods already invoiced without it: those starting in [after, before).

    `after` is the end of the period the change's proration covers, `before` the acceptance date.
    """
    return [
        Charge(period.start, period.end, money.round_amount(monthly_delta * period.months, schedule.currency))
        for period in periods_starting_in(schedule, after, before)
    ]


def catch_up_moved(schedule: BillingSchedule, *, after: date, priced_on: date, today: date) -> bool:
    """Whether accepting on `today` would catch up other periods than a quote priced on `priced_on` shows.

    A period that started between the two dates was invoiced without the change: the quote's amount due
    now would no longer be what acceptance invoices.
    """
    return list(periods_starting_in(schedule, after, priced_on)) != list(periods_starting_in(schedule, after, today))
