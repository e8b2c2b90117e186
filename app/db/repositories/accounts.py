"""Queries on accounts and their contracted prices."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Account, ContractedPriceRow
from app.db.repositories.pagination import Page, fetch_page
from app.domain.listing import EVERYTHING, Narrowing
from app.domain.pricing import ContractedPrice


def to_contracted_price(row: ContractedPriceRow) -> ContractedPrice:
    return ContractedPrice(
        sku=row.sku, effective_from=row.effective_from, effective_to=row.effective_to, unit_price=row.unit_price,
        discount_percent=row.discount_percent,
    )


def account(session: Session, account_id: uuid.UUID) -> Account | None:
    return session.get(Account, account_id)


def list_accounts(
    session: Session, *, limit: int, cursor: str | None, only_id: uuid.UUID | None = None,
    by: Narrowing = EVERYTHING,
) -> Page[Account]:
    statement = select(Account)
    if only_id is not None:
        statement = statement.where(Account.id == only_id)
    return fetch_page(session, statement, Account.id, limit=limit, cursor=cursor, by=by)


def contracted_price_rows(
    session: Session, *, account_id: uuid.UUID, sku: str | None = None
) -> list[ContractedPriceRow]:
    statement = select(ContractedPriceRow).where(ContractedPriceRow.account_id == account_id)
    if sku is not None:
        statement = statement.where(ContractedPriceRow.sku == sku)
    return list(session.scalars(statement))


def contracted_prices_for(session: Session, *, account_id: uuid.UUID, skus: Collection[str]) -> list[ContractedPrice]:
    statement = select(ContractedPriceRow).where(
        ContractedPriceRow.account_id == account_id, ContractedPriceRow.sku.in_(set(skus))
    )
    return [to_contracted_price(row) for row in session.scalars(statement)]


def contracted_prices_of(session: Session, account_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[ContractedPrice]]:
    """Every contracted price of some accounts (the renewal run prices a batch of contracts on them)."""
    found: dict[uuid.UUID, list[ContractedPrice]] = {account_id: [] for account_id in account_ids}
    statement = select(ContractedPriceRow).where(ContractedPriceRow.account_id.in_(list(account_ids)))
    for row in session.scalars(statement):
        found[row.account_id].append(to_contracted_price(row))
    return found


def list_contracted_prices(
    session: Session, *, account_id: uuid.UUID, limit: int, cursor: str | None, by: Narrowing = EVERYTHING,
) -> Page[ContractedPriceRow]:
    statement = select(ContractedPriceRow).where(ContractedPriceRow.account_id == account_id)
    return fetch_page(session, statement, ContractedPriceRow.id, limit=limit, cursor=cursor, by=by)
