"""Customer lifetime value on a day: what was invoiced before it, and what the contracts still oblige from it.

DOMAIN is silent on it; the service's definition, per account and currency, as of a day `d`:

- invoiced to date: the amounts of every invoice line of the account's contracts dated before `d` (the lines
  finance invoices by, credits and prorations included);
- remaining committed: the amounts of the lines dated from `d` until each contract's commitment on `d` ends
  (`committed_until`): what the customer must still pay, not what a renewal might bring;
- lifetime value: their sum.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain.renewals import cancellation_effective_on


@dataclass(frozen=True)
class Commitment:
    """One contract as its commitment on a day reads it."""

    contract_id: uuid.UUID
    account_id: uuid.UUID
    currency: str
    anchor: date
    billing_frequency: str
    notice_days: int
    #: Whether a term is in force on the day, and that term's end (None: evergreen).
    in_term: bool
    term_end: date | None
    #: The day billing stops (the last term's end, or a cancellation that took effect), and a cancellation
    #: requested but perhaps not yet taken effect.
    end_date: date | None
    cancellation_effective_on: date | None


@dataclass(frozen=True)
class LifetimeValue:
    invoiced_to_date: Decimal
    remaining_committed: Decimal

    @property
    def lifetime_value(self) -> Decimal:
        return self.invoiced_to_date + self.remaining_committed


def committed_until(commitment: Commitment, day: date) -> date:
    """The day what binds the customer on `day` ends; `day` itself when nothing does (no term in force: not
    started, expired or cancelled).

    A termed contract is bound to the end of the term in force, not to a renewal that has not started. An evergreen
    one is bound until the earliest day a cancellation requested on `day` would take effect (the first billing
    period end on or after `day` + notice, as cancelling computes it). Neither past the day the contract ends or a
    cancellation already requested takes effect.
    """
    if not commitment.in_term:
        return day
    end = commitment.term_end or cancellation_effective_on(
        anchor=commitment.anchor, billing_frequency=commitment.billing_frequency, requested_on=day,
        notice_days=commitment.notice_days, term_end=None)
    ends = (end, commitment.end_date, commitment.cancellation_effective_on)
    return max(day, min(d for d in ends if d is not None))
