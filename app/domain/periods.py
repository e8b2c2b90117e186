"""Calendar periods `[start, end)`, computed from an anchor with end-of-month clamping, never chained."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from app.domain.errors import InvalidInput

MONTHS_PER_YEAR = 12
#: The dates the service handles: any date a client sends, and any term end it computes, lies within them.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2999, 12, 31)
#: Months per billing period for each billing frequency.
FREQUENCY_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


@dataclass(frozen=True, order=True)
class Period:
    """A half-open calendar interval `[start, end)`."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


@lru_cache(maxsize=65536)
def overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    """Whether two `[from, to)` ranges share a day (a None end is open)."""
    return (a_to is None or b_from < a_to) and (b_to is None or a_from < b_to)


@lru_cache(maxsize=65536)
def add_months(anchor: date, months: int) -> date:
    """The date `months` after `anchor`, clamped to the month's last day (01-31 + 1 → 02-28).

    Memoized: billing schedules ask for the same (anchor, n) pairs again and again.
    """
    return anchor + relativedelta(months=months)


def period_months(billing_frequency: str) -> int:
    try:
        return FREQUENCY_MONTHS[billing_frequency]
    except KeyError:
        raise InvalidInput(
            f"billing frequency {billing_frequency!r} is not one of {', '.join(FREQUENCY_MONTHS)}"
        ) from None


@lru_cache(maxsize=65536)
def months_between(anchor: date, day: date) -> int:
    """The `n` with `add_months(anchor, n) == day`: how far a term or period boundary lies from the anchor.

    Term ends and cancellation dates are always whole months from the billing anchor; any other date is a bug.
    """
    delta = relativedelta(day, anchor)
    months = delta.years * MONTHS_PER_YEAR + delta.months
    for n in (months, months + 1):
        if add_months(anchor, n) == day:
            return n
    raise ValueError(f"{day.isoformat()} is not a whole number of months from {anchor.isoformat()}")


def term_end(start: date, term_months: int | None) -> date | None:
    """End (exclusive) of a term; None for an evergreen contract."""
    return None if term_months is None else add_months(start, term_months)


def billing_period(anchor: date, months: int, index: int) -> Period:
    """The `index`-th billing period counted from the anchor (0 is the first)."""
    return Period(add_months(anchor, index * months), add_months(anchor, (index + 1) * months))


@lru_cache(maxsize=65536)
def billing_period_index(anchor: date, months: int, day: date) -> int:
    """Index of the billing period containing `day` (which must be on or after the anchor)."""
    if day < anchor:
        raise InvalidInput(f"{day.isoformat()} is before the billing anchor {anchor.isoformat()}")
    delta = relativedelta(day, anchor)
    index = (delta.years * 12 + delta.months) // months
    # relativedelta counts clamped months generously near month ends; settle on the true period.
    while add_months(anchor, index * months) > day:
        index -= 1
    while add_months(anchor, (index + 1) * months) <= day:
        index += 1
    return index


def billing_period_containing(anchor: date, months: int, day: date) -> Period:
    return billing_period(anchor, months, billing_period_index(anchor, months, day))


def billing_periods(anchor: date, months: int, until: date) -> Iterator[Period]:
    """Billing periods from the anchor whose start is before `until`, the last one cut at `until`."""
    index = 0
    while True:
        period = billing_period(anchor, months, index)
        if period.start >= until:
            return
        yield Period(period.start, min(period.end, until))
        index += 1
