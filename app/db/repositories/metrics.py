"""MRR and MRR movements as SQL aggregations over segments (the reference is `app.domain.metrics`).

One pass over the segments groups them per account and currency into MRR on both days, whether the account
had MRR before, and per movement the MRR the openings and ends inside `(from, to]` moved (`_levels`); the
account's movements are those sums, or its whole MRR when it starts or stops buying, decided over those rows
(`_accounts`); totals per currency aggregate them. The drill-down groups the same openings and ends per
contract version (`_edges`). Amounts are the stored integers in minor units, so both databases sum them
exactly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVarTuple

from sqlalchemy import Integer, String, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select, Subquery

from app.db.models import Account, Contract, ContractTerm, ContractVersion, ProductRow, Quote, SubscriptionSegment
from app.domain import changes
from app.domain.lifetime import Commitment
from app.domain.metrics import MOVEMENTS, AccountMovements, Contribution, Movements, retention

S = SubscriptionSegment
#: A segment's effective end: its early closure when that comes before its planned end.
ENDS_ON = case((and_(S.closed_on.is_not(None), or_(S.end_date.is_(None), S.closed_on < S.end_date)), S.closed_on),
               else_=S.end_date)
#: The movements an account with MRR on both days has: the sums of its openings and ends.
CHANGED = tuple(name for name in MOVEMENTS if name not in ("new", "churn"))


def in_force(day: date) -> ColumnElement[bool]:
    return and_(S.start_date <= day, or_(ENDS_ON.is_(None), ENDS_ON > day))


@dataclass(frozen=True)
class MrrRow:
    currency: str
    #: The account id or family, when grouped.
    group: Any
    mrr: int
    accounts: int


def mrr(session: Session, day: date, *, group_by: str | None = None) -> list[MrrRow]:
    """MRR on `day` per currency (and account or family): a sum over the segments in force."""
    group: Any = {None: literal(None), "account": Contract.account_id, "family": ProductRow.family}[group_by]
    statement = (
        select(Contract.currency, group, func.sum(S.mrr_minor),
               func.count(func.distinct(case((S.mrr_minor > 0, Contract.account_id)))))
        .join(Contract, Contract.id == S.contract_id)
        .where(in_force(day))
        .group_by(Contract.currency, group)
        .order_by(Contract.currency, group)
    )
    if group_by == "family":
        statement = statement.join(ProductRow, ProductRow.sku == S.sku)
    return [MrrRow(currency, grouping, int(total or 0), int(accounts))
            for currency, grouping, total, accounts in session.execute(statement)]


#: Past this many ids, a lookup reads the whole table rather than binding each id (PostgreSQL takes at most
#: 65 535 parameters a statement; a drill-down over 100 000 accounts names more).
MAX_BOUND_IDS = 1000
Row = TypeVarTuple("Row")


def _among(statement: Select[*Row], column: Any, ids: set[uuid.UUID]) -> Select[*Row]:
    return statement.where(column.in_(ids)) if len(ids) <= MAX_BOUND_IDS else statement


def account_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(_among(select(Account.id, Account.name), Account.id, ids))
    return {account: name for account, name in rows if account in ids}


def contract_numbers(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(_among(select(Contract.id, Contract.number), Contract.id, ids))
    return {contract: number for contract, number in rows if contract in ids}


def version_quotes(session: Session, ids: set[uuid.UUID]) -> dict[tuple[uuid.UUID, int], tuple[uuid.UUID, str]]:
    """(contract, version) → the quote behind that version (its id and number), for the contracts `ids`."""
    if not ids:
        return {}
    statement = (select(ContractVersion.contract_id, ContractVersion.version, Quote.id, Quote.number)
                 .join(Quote, Quote.id == ContractVersion.quote_id))
    rows = session.execute(_among(statement, ContractVersion.contract_id, ids))
    return {(contract, version): (quote, number) for contract, version, quote, number in rows if contract in ids}


def commitments(session: Session, day: date, ids: set[uuid.UUID]) -> list[Commitment]:
    """The contracts of the accounts `ids`, each with the term in force on `day` (if any)."""
    if not ids:
        return []
    term = and_(ContractTerm.contract_id == Contract.id, ContractTerm.start_date <= day,
                or_(ContractTerm.end_date.is_(None), ContractTerm.end_date > day))
    statement = (select(Contract.id, Contract.account_id, Contract.currency, Contract.billing_anchor,
                        Contract.billing_frequency, Contract.notice_days, ContractTerm.id, ContractTerm.end_date,
                        Contract.end_date, Contract.cancellation_effective_on)
                 .outerjoin(ContractTerm, term))
    return [Commitment(contract, account, currency, anchor, frequency, notice, term_id is not None, term_end, end,
                       cancelled)
            for contract, account, currency, anchor, frequency, notice, term_id, term_end, end, cancelled
            in session.execute(_among(statement, Contract.account_id, ids)) if account in ids]


def _levels(start: date, end: date) -> Subquery:
    """Per account and currency, in one pass over the segments: MRR on `start` and on `end`, whether it had MRR
    on some day before `start`, and per movement what the openings and ends inside `(start, end]` added."""
    had = and_(S.mrr_minor > 0, S.start_date < start, or_(ENDS_ON.is_(None), S.start_date < ENDS_ON))
    opened = and_(S.start_date > start, S.start_date <= end)
    ended = and_(ENDS_ON > start, ENDS_ON <= end)

    def moved(name: str) -> ColumnElement[Any]:
        counted = [change for change, movement in changes.MOVEMENT_OF.items() if movement == name]
        closing: ColumnElement[bool] = S.closing_change.in_(counted)
        if name == changes.MOVEMENT_OF[changes.EXPIRY]:  # an end no change reached counts as an expiry
            closing = or_(closing, S.closing_change.is_(None))
        price = S.price_change_minor > 0 if name == "price_increase" else S.price_change_minor < 0
        parts = [case((and_(opened, S.opening_change.in_(counted)), S.mrr_minor - S.price_change_minor), else_=0),
                 case((and_(ended, closing), -S.mrr_minor), else_=0)]
        if name in ("price_increase", "contraction"):
            parts.append(case((and_(opened, price), S.price_change_minor), else_=0))
        return func.sum(sum(parts[1:], parts[0])).label(name)

    return (
        select(Contract.account_id.label("account_id"), Contract.currency.label("currency"),
               func.sum(case((in_force(start), S.mrr_minor), else_=0)).label("mrr_from"),
               func.sum(case((in_force(end), S.mrr_minor), else_=0)).label("mrr_to"),
               func.max(case((had, 1), else_=0)).label("had"), *(moved(name) for name in CHANGED))
        .join(Contract, Contract.id == S.contract_id)
        .where(S.start_date <= end)
        .group_by(Contract.account_id, Contract.currency)
        .subquery("levels")
    )


def _movement(change: Any) -> ColumnElement[str]:
    """The movement a stored change counts in (`changes.MOVEMENT_OF`); an end no change reached, an expiry."""
    return case(*((change == name, movement) for name, movement in changes.MOVEMENT_OF.items()),
                else_=changes.MOVEMENT_OF[changes.EXPIRY])


def _edges(start: date, end: date) -> Subquery:
    """Each opening and end inside `(start, end]`: account, contract version, movement and the MRR it moved."""
    opened = and_(S.start_date > start, S.start_date <= end)
    ended = and_(ENDS_ON > start, ENDS_ON <= end)
    return union_all(
        _edge(_movement(S.opening_change), S.contract_version, S.mrr_minor - S.price_change_minor, opened),
        _edge(case((S.price_change_minor > 0, "price_increase"), else_="contraction"), S.contract_version,
              S.price_change_minor, and_(opened, S.price_change_minor != 0)),
        _edge(_movement(S.closing_change), S.closed_in_version, -S.mrr_minor, ended),
    ).subquery("edges")


def _edge(movement: ColumnElement[str], version: Any, amount: Any, where: ColumnElement[bool]) -> Select[Any]:
    return (select(Contract.account_id.label("account_id"), Contract.currency.label("currency"),
                   S.contract_id.label("contract_id"), cast(version, Integer).label("version"),
                   cast(movement, String).label("movement"), amount.label("amount"))
            .join(Contract, Contract.id == S.contract_id).where(where))


def _accounts(start: date, end: date) -> Subquery:
    """Per account and currency: both MRRs and every movement, decided as DOMAIN defines them."""
    levels = _levels(start, end)
    both = and_(levels.c.mrr_from > 0, levels.c.mrr_to > 0)
    starts = and_(levels.c.mrr_from == 0, levels.c.mrr_to > 0)
    changed = {name: case((both, levels.c[name]), else_=0) for name in CHANGED}
    whole = {
        "new": case((and_(starts, levels.c.had == 0), levels.c.mrr_to), else_=0),
        "reactivation": case((and_(starts, levels.c.had == 1), levels.c.mrr_to), else_=0) + changed["reactivation"],
        "churn": case((and_(levels.c.mrr_from > 0, levels.c.mrr_to == 0), -levels.c.mrr_from), else_=0),
    }
    columns = {**changed, **whole}
    return (
        select(levels.c.account_id, levels.c.currency, levels.c.mrr_from, levels.c.mrr_to,
               case((levels.c.mrr_from > 0, levels.c.mrr_to), else_=0).label("retained"),
               *(columns[name].label(name) for name in MOVEMENTS))
        .subquery("accounts")
    )


def movement_totals(session: Session, start: date, end: date) -> dict[str, Movements]:
    """Per currency: MRR on both days, each movement, NRR and GRR, and how many accounts have MRR on `end`."""
    accounts = _accounts(start, end)
    paying = func.sum(case((accounts.c.mrr_to > 0, 1), else_=0))
    statement = (select(accounts.c.currency, func.sum(accounts.c.mrr_from), func.sum(accounts.c.mrr_to),
                        func.sum(accounts.c.retained), paying, *(func.sum(accounts.c[name]) for name in MOVEMENTS))
                 .group_by(accounts.c.currency).order_by(accounts.c.currency))
    result: dict[str, Movements] = {}
    for currency, mrr_from, mrr_to, retained, payers, *amounts in session.execute(statement):
        totals = Movements(currency, int(mrr_from), int(mrr_to), dict(zip(MOVEMENTS, map(int, amounts), strict=True)),
                           int(retained), int(payers))
        totals.nrr, totals.grr = retention(totals.mrr_from, totals.retained, totals.amounts)
        result[currency] = totals
    return result


def account_movements(session: Session, start: date, end: date) -> list[AccountMovements]:
    """Every account with a movement, with the contract versions behind each figure."""
    accounts = _accounts(start, end)
    moved = or_(*(accounts.c[name] != 0 for name in MOVEMENTS))
    rows = session.execute(select(accounts).where(moved).order_by(accounts.c.currency, accounts.c.account_id))
    result = {(row.account_id, row.currency): AccountMovements(
        row.account_id, row.currency, int(row.mrr_from), int(row.mrr_to),
        {name: int(getattr(row, name)) for name in MOVEMENTS}) for row in rows}
    _drill_down(session, result, start, end)
    return list(result.values())


def _drill_down(session: Session, accounts: dict[tuple[Any, str], AccountMovements], start: date, end: date) -> None:
    """Each account's figures per contract version: its openings and ends, or, counted whole, what it held."""
    if not accounts:
        return
    edges = _edges(start, end)
    by_version = (select(edges.c.account_id, edges.c.currency, edges.c.movement, edges.c.contract_id,
                         edges.c.version, func.sum(edges.c.amount))
                  .group_by(edges.c.account_id, edges.c.currency, edges.c.movement, edges.c.contract_id,
                            edges.c.version))
    held = {day: (select(Contract.account_id, Contract.currency, S.contract_id, version, func.sum(S.mrr_minor))
                  .join(Contract, Contract.id == S.contract_id)
                  .where(in_force(day))
                  .group_by(Contract.account_id, Contract.currency, S.contract_id, version))
            for day, version in ((start, S.closed_in_version), (end, S.contract_version))}
    whole = {key: _whole(account) for key, account in accounts.items()}
    for account, currency, movement, contract, version, amount in session.execute(by_version):
        if (account, currency) in accounts and whole[account, currency] is None and amount:
            accounts[account, currency].contributions.append(Contribution(movement, contract, version, int(amount)))
    for day, statement in held.items():
        for account, currency, contract, version, amount in session.execute(statement):
            movement = whole.get((account, currency))
            if movement is not None and (movement == "churn") == (day == start) and amount:
                sign = -1 if movement == "churn" else 1
                accounts[account, currency].contributions.append(
                    Contribution(movement, contract, version, sign * int(amount)))
    for account in accounts.values():
        account.contributions.sort(key=lambda c: (MOVEMENTS.index(c.movement), str(c.contract_id), c.version or 0))


def _whole(account: AccountMovements) -> str | None:
    """The movement an account is counted in whole, if it started or stopped buying."""
    if account.mrr_from == 0:
        return "new" if account.amounts["new"] else "reactivation"
    return "churn" if account.mrr_to == 0 else None
