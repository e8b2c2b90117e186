"""Finance metrics: MRR, ARR and ARPA on a day, MRR movements between two days, NRR and GRR, per currency; per
account, its lifetime value (`app.domain.lifetime`).

The figures are SQL aggregations (`app.db.repositories.metrics`) of what each segment recorded when it was
written; this module turns the minor units into amounts, names the accounts, contracts and quotes behind
each figure, and cuts a window into months. Currencies are never converted into one another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise

from sqlalchemy.orm import Session

from app.db.repositories import metrics as repo
from app.db.session import reading
from app.domain import money
from app.domain.contracts import annual
from app.domain.errors import InvalidInput
from app.domain.metrics import MOVEMENTS, AccountMovements, Movements, arpa
from app.domain.periods import add_months
from app.services.metrics_lifetime import lifetime_values

#: The longest month-by-month series one request may ask for (ten years).
MAX_PERIODS = 120


@dataclass(frozen=True)
class CurrencyMrr:
    currency: str
    mrr: Decimal
    arr: Decimal
    accounts: int
    #: MRR / accounts (None without any).
    arpa: Decimal | None


@dataclass(frozen=True)
class MrrGroup:
    currency: str
    mrr: Decimal
    arr: Decimal
    accounts: int
    arpa: Decimal | None
    account_id: uuid.UUID | None = None
    account_name: str | None = None
    family: str | None = None


@dataclass(frozen=True)
class MrrReport:
    as_of: date
    currencies: list[CurrencyMrr]
    groups: list[MrrGroup] | None = None


@dataclass(frozen=True)
class MovementFigures:
    """One currency's movements; the movements add up to `mrr_to` − `mrr_from`."""

    currency: str
    mrr_from: Decimal
    mrr_to: Decimal
    amounts: dict[str, Decimal]
    nrr: Decimal | None = None
    grr: Decimal | None = None


@dataclass(frozen=True)
class CurrencyFigures(MovementFigures):
    """A currency's totals, with ARPA on `end` (None when no account has MRR then)."""

    arpa: Decimal | None = None


@dataclass(frozen=True)
class ChangeBehind:
    """A contract version behind one of an account's figures."""

    movement: str
    amount: Decimal
    contract_id: uuid.UUID
    contract_number: str
    version: int | None
    quote_id: uuid.UUID | None
    quote_number: str | None


@dataclass(frozen=True)
class AccountFigures(MovementFigures):
    """One account's movements, the changes behind them, and its lifetime value on `end`."""

    account_id: uuid.UUID | None = None
    account_name: str = ""
    changes: list[ChangeBehind] = field(default_factory=list)
    invoiced_to_date: Decimal = money.ZERO
    remaining_committed: Decimal = money.ZERO
    lifetime_value: Decimal = money.ZERO


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    currencies: list[CurrencyFigures]


@dataclass(frozen=True)
class MovementsReport:
    start: date
    end: date
    currencies: list[CurrencyFigures]
    series: list[Period] | None = None
    accounts: list[AccountFigures] | None = None


def mrr_report(session: Session, *, as_of: date, group_by: str | None = None) -> MrrReport:
    with reading(session):
        totals = [CurrencyMrr(row.currency, *_mrr_arr(row.mrr, row.currency), row.accounts,
                              arpa(row.mrr, row.accounts, row.currency))
                  for row in repo.mrr(session, as_of)]
        if group_by is None:
            return MrrReport(as_of, totals)
        rows = repo.mrr(session, as_of, group_by=group_by)
        names = repo.account_names(session, {row.group for row in rows}) if group_by == "account" else {}
        groups = [MrrGroup(row.currency, *_mrr_arr(row.mrr, row.currency), row.accounts,
                           arpa(row.mrr, row.accounts, row.currency),
                           account_id=row.group if group_by == "account" else None,
                           account_name=names.get(row.group) if group_by == "account" else None,
                           family=row.group if group_by == "family" else None)
                  for row in rows]
        return MrrReport(as_of, totals, groups)


def movements_report(session: Session, *, start: date, end: date, interval: str | None = None,
                     detail: bool = False) -> MovementsReport:
    """Movements from `start` to `end`; month by month too with `interval="month"`; per account with `detail`
    (with each account's lifetime value on `end`, which only the detail reads: it sums invoice lines)."""
    if start >= end:
        raise InvalidInput(f"from ({start}) must be before to ({end})")
    periods = months(start, end) if interval == "month" else None
    with reading(session):
        currencies = [_figures(m) for m in repo.movement_totals(session, start, end).values()]
        series = None if periods is None else [
            Period(a, b, [_figures(m) for m in repo.movement_totals(session, a, b).values()]) for a, b in periods]
        accounts = _accounts(session, repo.account_movements(session, start, end), end) if detail else None
    return MovementsReport(start, end, currencies, series, accounts)


def months(start: date, end: date) -> list[tuple[date, date]]:
    """`[start, end)` cut at each month from `start` (the day of month kept, clamped to the month's end)."""
    bounds = [start]
    while (step := add_months(start, len(bounds))) < end:
        bounds.append(step)
        if len(bounds) > MAX_PERIODS:
            raise InvalidInput(f"a month-by-month series covers at most {MAX_PERIODS} months; "
                               f"ask for a shorter window than {start} to {end}")
    bounds.append(end)
    return list(pairwise(bounds))


def _mrr_arr(minor: int, currency: str) -> tuple[Decimal, Decimal]:
    amount = money.from_minor(minor, currency)
    return amount, annual(amount)


def _amounts(movements: Movements | AccountMovements) -> dict[str, Decimal]:
    return {name: money.from_minor(movements.amounts[name], movements.currency) for name in MOVEMENTS}


def _figures(totals: Movements) -> CurrencyFigures:
    c = totals.currency
    return CurrencyFigures(c, money.from_minor(totals.mrr_from, c), money.from_minor(totals.mrr_to, c),
                           _amounts(totals), totals.nrr, totals.grr, arpa(totals.mrr_to, totals.paying, c))


def _accounts(session: Session, accounts: list[AccountMovements], end: date) -> list[AccountFigures]:
    """Each account's figures, with the contract numbers, versions and quotes behind them and its lifetime
    value on `end`."""
    contract_ids = {c.contract_id for a in accounts for c in a.contributions}
    numbers = repo.contract_numbers(session, contract_ids)
    quotes = repo.version_quotes(session, contract_ids)
    names = repo.account_names(session, {a.account_id for a in accounts})
    values = lifetime_values(session, [(a.account_id, a.currency) for a in accounts], end)
    result = []
    for account in accounts:
        c = account.currency
        value = values[account.account_id, c]
        behind = [ChangeBehind(
            item.movement, money.from_minor(item.amount, c), item.contract_id, numbers.get(item.contract_id, ""),
            item.version, *quotes.get((item.contract_id, item.version or 0), (None, None)))
            for item in account.contributions]
        result.append(AccountFigures(
            c, money.from_minor(account.mrr_from, c), money.from_minor(account.mrr_to, c), _amounts(account),
            account_id=account.account_id, account_name=names.get(account.account_id, ""),
            changes=behind, invoiced_to_date=value.invoiced_to_date, remaining_committed=value.remaining_committed,
            lifetime_value=value.lifetime_value))
    return result
