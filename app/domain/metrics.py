"""MRR, ARR and MRR movements from segments: the reference the SQL aggregation must agree with.

Every figure is a sum of what segments recorded when they were written (`app.domain.changes`): MRR on a day is
the sum of the segments in force that day; between two days, an account's movements are the MRR each
opening and end inside `(from, to]` added or took away, counted in the movement its change belongs to. The
openings and ends inside the window are exactly what separates the two days, so an account's movements add up
to MRR(to) − MRR(from) by construction, whatever happened in between. Accounts that start or stop buying are
counted whole: new or reactivation for MRR(to), churn for −MRR(from) (DOMAIN, Finance).

ARPA on a day is that day's MRR over the accounts with MRR then.

Amounts are integers in the currency's minor unit, as stored; callers turn them into Decimals (ARPA, an average
rounded once, is one already).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.domain import changes, money

#: The movements of DOMAIN's definition, in the order finance reads them.
MOVEMENTS = ("new", "reactivation", "seat_expansion", "upsell", "cross_sell", "price_increase", "contraction",
             "churn")


@dataclass(frozen=True)
class MetricSegment:
    """A segment as the metrics read it; `ends_on` is its planned end or its early closure, whichever is first."""

    account_id: uuid.UUID
    currency: str
    contract_id: uuid.UUID
    start_date: date
    ends_on: date | None
    mrr: int
    price_change: int
    opening_change: str
    closing_change: str | None
    #: The contract versions that opened and ended it (the drill-down from a figure to its changes).
    opened_in: int
    closed_in: int | None = None
    family: str = ""

    def in_force(self, day: date) -> bool:
        return self.start_date <= day and (self.ends_on is None or day < self.ends_on)

    def ever_in_force_before(self, day: date) -> bool:
        return self.start_date < day and (self.ends_on is None or self.start_date < self.ends_on)


@dataclass(frozen=True)
class Contribution:
    """What one contract version added to one movement of an account."""

    movement: str
    contract_id: uuid.UUID
    version: int | None
    amount: int


@dataclass
class AccountMovements:
    account_id: uuid.UUID
    currency: str
    mrr_from: int = 0
    mrr_to: int = 0
    amounts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, 0))
    contributions: list[Contribution] = field(default_factory=list)


@dataclass
class Movements:
    """One currency's movements between two days, with NRR and GRR in percent (None without MRR at `from`)."""

    currency: str
    mrr_from: int = 0
    mrr_to: int = 0
    amounts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, 0))
    #: Σ MRR(to) of the accounts that had MRR at `from`: NRR's numerator.
    retained: int = 0
    #: How many accounts have MRR at `to`: ARPA's denominator.
    paying: int = 0
    nrr: Decimal | None = None
    grr: Decimal | None = None
    accounts: list[AccountMovements] = field(default_factory=list)


def movement_of(change: str | None) -> str:
    """The movement an opening or end counts in, for an account with MRR on both days."""
    return changes.MOVEMENT_OF[change or changes.EXPIRY]


def price_movement(price_change: int) -> str:
    return "price_increase" if price_change > 0 else "contraction"


def mrr(segments: Iterable[MetricSegment], day: date, *, key: str | None = None) -> dict[tuple[str, Hashable], int]:
    """MRR on `day` per currency, and per account or family when `key` names one ('account' or 'family')."""
    totals: dict[tuple[str, Hashable], int] = defaultdict(int)
    for segment in segments:
        if segment.in_force(day):
            group = None if key is None else segment.account_id if key == "account" else segment.family
            totals[segment.currency, group] += segment.mrr
    return dict(totals)


def paying_accounts(segments: Iterable[MetricSegment], day: date) -> dict[str, int]:
    """Per currency, how many accounts have MRR on `day`."""
    by_account = mrr(segments, day, key="account")
    counts: dict[str, int] = defaultdict(int)
    for (currency, _), amount in by_account.items():
        if amount > 0:
            counts[currency] += 1
    return dict(counts)


def arpa(mrr_minor: int, accounts: int, currency: str) -> Decimal | None:
    """Average revenue per account: MRR over the accounts paying it, half-up to the currency's minor unit like
    every amount (DOMAIN); None when no account pays (an average of nobody is not zero)."""
    if accounts <= 0:
        return None
    return money.round_amount(Decimal(mrr_minor).scaleb(-money.minor_units(currency)) / accounts, currency)


def movements(segments: Sequence[MetricSegment], start: date, end: date) -> dict[str, Movements]:
    """Per currency, the movements from `start` to `end` (`start` < `end`), with each account's."""
    accounts: dict[tuple[uuid.UUID, str], AccountMovements] = {}
    history: dict[tuple[uuid.UUID, str], bool] = defaultdict(bool)
    for segment in segments:
        key = (segment.account_id, segment.currency)
        account = accounts.setdefault(key, AccountMovements(segment.account_id, segment.currency))
        account.mrr_from += segment.mrr if segment.in_force(start) else 0
        account.mrr_to += segment.mrr if segment.in_force(end) else 0
        history[key] |= segment.mrr > 0 and segment.ever_in_force_before(start)
        if start < segment.start_date <= end:
            account.contributions.append(Contribution(
                movement_of(segment.opening_change), segment.contract_id, segment.opened_in,
                segment.mrr - segment.price_change))
            if segment.price_change:
                account.contributions.append(Contribution(
                    price_movement(segment.price_change), segment.contract_id, segment.opened_in,
                    segment.price_change))
        if segment.ends_on is not None and start < segment.ends_on <= end:
            account.contributions.append(Contribution(
                movement_of(segment.closing_change), segment.contract_id, segment.closed_in, -segment.mrr))
    result: dict[str, Movements] = {}
    for key, account in accounts.items():
        _settle(account, had_mrr_before=history[key], start=start, end=end, segments=segments)
        totals = result.setdefault(account.currency, Movements(account.currency))
        totals.mrr_from += account.mrr_from
        totals.mrr_to += account.mrr_to
        totals.retained += account.mrr_to if account.mrr_from > 0 else 0
        totals.paying += 1 if account.mrr_to > 0 else 0
        for name, amount in account.amounts.items():
            totals.amounts[name] += amount
        if any(account.amounts.values()):
            totals.accounts.append(account)
    for totals in result.values():
        totals.nrr, totals.grr = retention(totals.mrr_from, totals.retained, totals.amounts)
    return result


def _settle(account: AccountMovements, *, had_mrr_before: bool, start: date, end: date,
            segments: Sequence[MetricSegment]) -> None:
    """The account's movements: whole when it starts or stops buying, else the sum of its contributions."""
    if account.mrr_from == 0 and account.mrr_to > 0:
        name = "reactivation" if had_mrr_before else "new"
        account.contributions = _held(segments, account, end, name, sign=1)
    elif account.mrr_from > 0 and account.mrr_to == 0:
        account.contributions = _held(segments, account, start, "churn", sign=-1)
    elif account.mrr_from == 0 and account.mrr_to == 0:
        account.contributions = []
    folded: dict[tuple[str, uuid.UUID, int | None], int] = defaultdict(int)
    for contribution in account.contributions:
        folded[contribution.movement, contribution.contract_id, contribution.version] += contribution.amount
    account.contributions = [Contribution(movement, contract, version, amount)
                             for (movement, contract, version), amount in sorted(folded.items(), key=_order)
                             if amount]
    for contribution in account.contributions:
        account.amounts[contribution.movement] += contribution.amount


def _held(segments: Sequence[MetricSegment], account: AccountMovements, day: date, movement: str,
          sign: int) -> list[Contribution]:
    """An account counted whole: its MRR on `day`, per contract version that opened (new) or ends (churn) it."""
    return [Contribution(movement, s.contract_id, s.opened_in if sign > 0 else s.closed_in, sign * s.mrr)
            for s in segments if (s.account_id, s.currency) == (account.account_id, account.currency)
            and s.in_force(day)]


def _order(item: tuple[tuple[str, uuid.UUID, int | None], int]) -> tuple[int, str, int]:
    (movement, contract, version), _ = item
    return MOVEMENTS.index(movement), str(contract), version or 0


def retention(mrr_from: int, retained: int, amounts: dict[str, int]) -> tuple[Decimal | None, Decimal | None]:
    """NRR = Σ MRR(to) / Σ MRR(from) over the accounts with MRR at `from`; GRR = (Σ MRR(from) + their contraction
    + their churn) / Σ MRR(from); percentages to two decimals, half-up."""
    if mrr_from <= 0:
        return None, None
    kept = mrr_from + amounts["contraction"] + amounts["churn"]
    return percent(retained, mrr_from), percent(kept, mrr_from)


def percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
