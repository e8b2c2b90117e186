"""Queries on contracts, versions, segments and one-time charges."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import BindParameter, ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from app.db.models import (
    Contract,
    ContractTerm,
    ContractVersion,
    OneTimeCharge,
    ScheduledChange,
    SubscriptionSegment,
)
from app.db.repositories.pagination import Page, fetch_page
from app.domain.listing import EVERYTHING, Narrowing


def contract(session: Session, contract_id: uuid.UUID, *, for_update: bool = False) -> Contract | None:
    """The contract; `for_update` takes its row lock and re-reads it, which serializes its amendments."""
    statement = select(Contract).where(Contract.id == contract_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalars(statement).first()


def segments_in_force(session: Session, contract_id: uuid.UUID, on: date) -> list[SubscriptionSegment]:
    statement = (
        select(SubscriptionSegment)
        .where(
            SubscriptionSegment.contract_id == contract_id,
            *in_force_on(on),
        )
        .order_by(SubscriptionSegment.sku, SubscriptionSegment.start_date)
    )
    return list(session.scalars(statement))


def account_skus_in_force(session: Session, account_id: uuid.UUID, on: date) -> set[str]:
    """The products an account holds on `on`, over all its contracts (what a new line is classified against)."""
    return accounts_skus_in_force(session, {account_id}, on)[account_id]


def accounts_skus_in_force(session: Session, account_ids: Collection[uuid.UUID], on: date,
                           ) -> dict[uuid.UUID, set[str]]:
    """`account_skus_in_force` of several accounts in one query."""
    statement = (select(Contract.account_id, SubscriptionSegment.sku)
                 .join(Contract, Contract.id == SubscriptionSegment.contract_id)
                 .where(Contract.account_id.in_(set(account_ids)), *in_force_on(on)).distinct())
    held: dict[uuid.UUID, set[str]] = {account_id: set() for account_id in account_ids}
    for account_id, sku in session.execute(statement):
        held[account_id].add(sku)
    return held


def in_force_on(on: date | BindParameter[date]) -> tuple[ColumnElement[bool], ...]:
    """Started by `on`, and neither at its planned end nor closed early by then."""
    return (
        SubscriptionSegment.start_date <= on,
        or_(SubscriptionSegment.end_date.is_(None), SubscriptionSegment.end_date > on),
        or_(SubscriptionSegment.closed_on.is_(None), SubscriptionSegment.closed_on > on),
    )


def versions(session: Session, contract_id: uuid.UUID, *, limit: int, cursor: str | None,
             by: Narrowing = EVERYTHING) -> Page[ContractVersion]:
    """By version number, unique within the contract (ids made in one millisecond are not ordered)."""
    statement = select(ContractVersion).where(ContractVersion.contract_id == contract_id)
    return fetch_page(session, statement, ContractVersion.version, limit=limit, cursor=cursor, by=by)


def one_time_charges(session: Session, contract_id: uuid.UUID) -> list[OneTimeCharge]:
    statement = select(OneTimeCharge).where(OneTimeCharge.contract_id == contract_id)
    return list(session.scalars(statement.order_by(OneTimeCharge.charge_date, OneTimeCharge.id)))


def last_change_date(session: Session, contract_id: uuid.UUID, *, before: date | None) -> date | None:
    """The latest date a segment started or was closed on before `before` (the term's end, if any): an
    amendment cannot take effect before it. Segments of a later term, written ahead by a renewal, do not count."""
    starts = select(func.max(SubscriptionSegment.start_date)).where(SubscriptionSegment.contract_id == contract_id)
    closes = select(func.max(SubscriptionSegment.closed_on)).where(SubscriptionSegment.contract_id == contract_id)
    if before is not None:
        starts = starts.where(SubscriptionSegment.start_date < before)
        closes = closes.where(SubscriptionSegment.closed_on < before)
    dates = [session.scalar(starts), session.scalar(closes)]
    found = [d for d in dates if d is not None]
    return max(found) if found else None


def terms(session: Session, contract_id: uuid.UUID) -> list[ContractTerm]:
    return terms_for(session, [contract_id])[contract_id]


def terms_for(session: Session, contract_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ContractTerm]]:
    """The terms of a page of contracts, in one query, each contract's in order."""
    statement = select(ContractTerm).where(ContractTerm.contract_id.in_(contract_ids))
    grouped: dict[uuid.UUID, list[ContractTerm]] = {contract_id: [] for contract_id in contract_ids}
    for row in session.scalars(statement.order_by(ContractTerm.number)):
        grouped[row.contract_id].append(row)
    return grouped


def scheduled_changes(session: Session, contract_id: uuid.UUID, *, after: date) -> list[ScheduledChange]:
    return scheduled_changes_for(session, [contract_id], after=after)[contract_id]


def scheduled_changes_for(
    session: Session, contract_ids: list[uuid.UUID], *, after: date
) -> dict[uuid.UUID, list[ScheduledChange]]:
    """Scheduled decreases of a page of contracts still to apply after `after` (a renewal applied the rest)."""
    statement = select(ScheduledChange).where(ScheduledChange.contract_id.in_(contract_ids),
                                              ScheduledChange.effective_on > after)
    grouped: dict[uuid.UUID, list[ScheduledChange]] = {contract_id: [] for contract_id in contract_ids}
    for row in session.scalars(statement.order_by(ScheduledChange.effective_on, ScheduledChange.sku)):
        grouped[row.contract_id].append(row)
    return grouped


def set_term_outcome(session: Session, contract_id: uuid.UUID, number: int, outcome: str) -> None:
    """How a term ended, written without loading it (the renewal run does this for every renewal)."""
    session.execute(update(ContractTerm).where(ContractTerm.contract_id == contract_id, ContractTerm.number == number)
                    .values(outcome=outcome).execution_options(synchronize_session=False))


def end_term(session: Session, contract_id: uuid.UUID, number: int, on: date) -> None:
    """An evergreen term ends on the day its cancellation takes effect."""
    session.execute(update(ContractTerm).where(ContractTerm.contract_id == contract_id, ContractTerm.number == number)
                    .values(end_date=on).execution_options(synchronize_session=False))
