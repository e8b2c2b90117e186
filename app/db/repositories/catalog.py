"""Queries on products, price book entries and discount schedules, returned as domain values or rows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import DiscountScheduleRow, PriceBookEntry, ProductRow
from app.db.repositories.pagination import Page, fetch_page
from app.domain.catalog import (
    DiscountBand,
    DiscountSchedule,
    PriceEntry,
    PriceTier,
    Product,
)
from app.domain.listing import EVERYTHING, Narrowing


def to_product(row: ProductRow | Any) -> Product:
    """A product from its row, or from a row of the columns `products_for` selects."""
    return Product(
        sku=row.sku, name=row.name, family=row.family, kind=row.kind, tier_rank=row.tier_rank, unit=row.unit,
        included_quantity=row.included_quantity, requires=tuple(row.requires), excludes=tuple(row.excludes),
        active=row.active,
    )


def to_price_entry(row: PriceBookEntry | Any) -> PriceEntry:
    return PriceEntry(
        sku=row.sku, currency=row.currency, pricing_model=row.pricing_model, effective_from=row.effective_from,
        effective_to=row.effective_to, unit_price=row.unit_price,
        tiers=tuple(PriceTier(t["up_to"], Decimal(t["unit_price"])) for t in row.tiers),
    )


def to_schedule(row: DiscountScheduleRow | Any) -> DiscountSchedule:
    bands = tuple(DiscountBand(b["from"], Decimal(b["discount_percent"])) for b in row.bands)
    return DiscountSchedule(sku=row.sku, type=row.type, bands=bands)


def product_row(session: Session, sku: str, *, for_update: bool = False) -> ProductRow | None:
    statement = select(ProductRow).where(ProductRow.sku == sku)
    return session.scalars(statement.with_for_update() if for_update else statement).first()


#: What pricing reads of a product, price book entry and schedule: columns, read on the session's connection
#: (no ORM result processing), not loaded as objects. A 5 000-line quote reads 5 000 of each; loading them as ORM
#: objects (identity map, instance state, then a conversion) took a third of pricing it. The connection does not
#: autoflush: pricing runs before the quote's rows are written.
_PRODUCT = (ProductRow.sku, ProductRow.name, ProductRow.family, ProductRow.kind, ProductRow.tier_rank, ProductRow.unit,
            ProductRow.included_quantity, ProductRow.requires, ProductRow.excludes, ProductRow.active)
_ENTRY = (PriceBookEntry.sku, PriceBookEntry.currency, PriceBookEntry.pricing_model, PriceBookEntry.effective_from,
          PriceBookEntry.effective_to, PriceBookEntry.unit_price, PriceBookEntry.tiers)
_SCHEDULE = (DiscountScheduleRow.sku, DiscountScheduleRow.type, DiscountScheduleRow.bands)


def products_for(session: Session, skus: Collection[str]) -> dict[str, Product]:
    """The products of these SKUs, by SKU, as pricing reads them."""
    rows = session.connection().execute(select(*_PRODUCT).where(ProductRow.sku.in_(set(skus))))
    return {row.sku: to_product(row) for row in rows}


def products_by_sku(session: Session, skus: Collection[str]) -> dict[str, ProductRow]:
    rows = session.scalars(select(ProductRow).where(ProductRow.sku.in_(set(skus))))
    return {row.sku: row for row in rows}


def list_products(
    session: Session, *, limit: int, cursor: str | None, family: str | None, kind: str | None, active: bool | None,
    by: Narrowing = EVERYTHING,
) -> Page[ProductRow]:
    statement = select(ProductRow)
    if family is not None:
        statement = statement.where(ProductRow.family == family)
    if kind is not None:
        statement = statement.where(ProductRow.kind == kind)
    if active is not None:
        statement = statement.where(ProductRow.active == active)
    return fetch_page(session, statement, ProductRow.id, limit=limit, cursor=cursor, by=by)


def price_entry_rows(
    session: Session, *, sku: str, currency: str, for_update: bool = False
) -> Sequence[PriceBookEntry]:
    statement = select(PriceBookEntry).where(PriceBookEntry.sku == sku, PriceBookEntry.currency == currency)
    return list(session.scalars(statement.with_for_update() if for_update else statement))


def price_entries_for(session: Session, *, skus: Collection[str], currency: str) -> list[PriceEntry]:
    statement = select(*_ENTRY).where(PriceBookEntry.sku.in_(set(skus)), PriceBookEntry.currency == currency)
    return [to_price_entry(row) for row in session.connection().execute(statement)]


def list_price_entries(
    session: Session, *, limit: int, cursor: str | None, sku: str | None, currency: str | None,
    by: Narrowing = EVERYTHING,
) -> Page[PriceBookEntry]:
    statement = select(PriceBookEntry)
    if sku is not None:
        statement = statement.where(PriceBookEntry.sku == sku)
    if currency is not None:
        statement = statement.where(PriceBookEntry.currency == currency)
    return fetch_page(session, statement, PriceBookEntry.id, limit=limit, cursor=cursor, by=by)


def schedule_row(session: Session, *, sku: str, type: str) -> DiscountScheduleRow | None:
    statement = select(DiscountScheduleRow).where(DiscountScheduleRow.sku == sku, DiscountScheduleRow.type == type)
    return session.scalars(statement).first()


def schedules_for(session: Session, skus: Collection[str]) -> list[DiscountSchedule]:
    statement = select(*_SCHEDULE).where(DiscountScheduleRow.sku.in_(set(skus)))
    return [to_schedule(row) for row in session.connection().execute(statement)]


def list_schedules(session: Session, *, limit: int, cursor: str | None, sku: str | None,
                   by: Narrowing = EVERYTHING) -> Page[DiscountScheduleRow]:
    statement = select(DiscountScheduleRow)
    if sku is not None:
        statement = statement.where(DiscountScheduleRow.sku == sku)
    return fetch_page(session, statement, DiscountScheduleRow.id, limit=limit, cursor=cursor, by=by)
