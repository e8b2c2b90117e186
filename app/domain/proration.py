"""Proration of a mid-term change: the billing period it falls in, the fraction left, and the amounts.

Fractions are exact (`Fraction`); amounts are rounded once, half-up, by `money.round_fraction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from app.domain import money
from app.domain.errors import InvalidInput
from app.domain.periods import Period, add_months, billing_period_index, months_between

PRORATION_METHODS = ("daily", "monthly_daily", "none")


@dataclass(frozen=True)
class Proration:
    """Where a change effective on `effective_date` falls, and how much of the period is left."""

    effective_date: date
    period: Period
    #: Months the billing period spans (a last period cut by the term end spans fewer).
    period_months: int
    fraction: Fraction
    #: Whole months of the term after the current period (0 for an evergreen contract).
    months_after: int


def prorate(
    *, method: str, anchor: date, billing_months: int, term_end: date | None, effective_date: date
) -> Proration:
    """Prorate inside the term ending on `term_end` (None: evergreen); periods count from the billing anchor."""
    index = billing_period_index(anchor, billing_months, effective_date)
    start_month = index * billing_months
    end_month = start_month + billing_months
    term_months = None if term_end is None else months_between(anchor, term_end)
    if term_months is not None:
        if effective_date >= add_months(anchor, term_months):
            raise InvalidInput(f"{effective_date.isoformat()} is after the end of the term")
        end_month = min(end_month, term_months)
    period = Period(add_months(anchor, start_month), add_months(anchor, end_month))
    months = end_month - start_month
    return Proration(
        effective_date=effective_date, period=period, period_months=months,
        fraction=_fraction(method, anchor, start_month, end_month, effective_date),
        months_after=0 if term_months is None else term_months - end_month,
    )


def _fraction(method: str, anchor: date, start_month: int, end_month: int, day: date) -> Fraction:
    if method == "none":
        return Fraction(1)
    start, end = add_months(anchor, start_month), add_months(anchor, end_month)
    if method == "daily":
        return Fraction((end - day).days, (end - start).days)
    if method == "monthly_daily":
        # Step back from the period end by whole months (from the anchor) while still on or after the day.
        whole = 0
        while end_month - whole - 1 >= start_month and add_months(anchor, end_month - whole - 1) >= day:
            whole += 1
        month_end = add_months(anchor, end_month - whole)
        month_start = add_months(anchor, end_month - whole - 1)
        rest = Fraction((month_end - day).days, (month_end - month_start).days)
        return (whole + rest) / (end_month - start_month)
    raise InvalidInput(f"proration method must be one of {', '.join(PRORATION_METHODS)}")


@dataclass(frozen=True)
class ProratedAmounts:
    amount_due_now: Decimal
    remaining_term_value: Decimal
    mrr_delta: Decimal


def prorated_amounts(monthly_delta: Decimal, proration: Proration, currency: str) -> ProratedAmounts:
    """docs/domain.md: due now = Δ × period months × fraction; remaining term value adds Δ × the months after."""
    due = money.round_fraction(Fraction(monthly_delta) * proration.period_months * proration.fraction, currency)
    later = money.round_amount(monthly_delta * proration.months_after, currency)
    return ProratedAmounts(due, due + later, money.round_amount(monthly_delta, currency))
