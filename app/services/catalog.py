"""Catalog use cases: products, price book entries (a new price closes the open one) and discount schedules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import DiscountScheduleRow, PriceBookEntry, ProductRow
from app.db.repositories import catalog as repo
from app.db.repositories.pagination import Page
from app.db.session import reading
from app.domain import money
from app.domain.catalog import (
    PRODUCT_KINDS,
    DiscountBand,
    DiscountSchedule,
    PriceEntry,
    PriceTier,
    entry_to_close,
    validate_price_entry,
    validate_product_rules,
    validate_schedule,
)
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.metadata import merged
from app.services import audit
from app.services.auth import Caller
from app.services.own_fields import apply_changes


class UnknownProduct(NotFound):
    code = "unknown_product"


def get_product(session: Session, sku: str) -> ProductRow:
    with reading(session):
        return _product(session, sku)


def _product(session: Session, sku: str, *, for_update: bool = False) -> ProductRow:
    row = repo.product_row(session, sku, for_update=for_update)
    if row is None:
        raise UnknownProduct(f"no product with sku {sku!r}")
    return row


def _check_rules(session: Session, sku: str, requires: Sequence[str], excludes: Sequence[str]) -> None:
    validate_product_rules(sku, requires, excludes, known=repo.products_by_sku(session, set(requires)).keys())


def create_product(session: Session, *, caller: Caller, sku: str, kind: str, **fields: Any) -> ProductRow:
    if kind not in PRODUCT_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(PRODUCT_KINDS)}")
    with session.begin():
        if repo.product_row(session, sku) is not None:
            raise Conflict(f"a product with sku {sku!r} exists already; skus are never reused")
        _check_rules(session, sku, fields.get("requires", ()), fields.get("excludes", ()))
        row = ProductRow(sku=sku, kind=kind, metadata_=merged({}, fields.pop("metadata", {})), **fields)
        session.add(row)
        session.flush()
        audit.record(session, caller, "product.created", "product", sku)
    return row


def update_product(session: Session, *, caller: Caller, sku: str, changes: dict[str, Any]) -> ProductRow:
    """Change what may change; the sku and kind are fixed once created. Deactivate instead of deleting."""
    with session.begin():
        row = _product(session, sku, for_update=True)
        if "requires" in changes or "excludes" in changes:
            _check_rules(session, sku, changes.get("requires", row.requires), changes.get("excludes", row.excludes))
        apply_changes(session, row, changes)
        audit.record(session, caller, "product.updated", "product", sku, {"fields": sorted(changes)})
    return row


def list_products(session: Session, **filters: Any) -> Page[ProductRow]:
    with reading(session):
        return repo.list_products(session, **filters)


def create_price_entry(
    session: Session, *, caller: Caller, sku: str, currency: str, pricing_model: str, effective_from: date,
    effective_to: date | None, unit_price: Decimal | None, tiers: Sequence[PriceTier],
) -> PriceBookEntry:
    """Add a list price from a date; the open-ended entry it starts inside is closed at that date."""
    money.minor_units(currency)
    entry = PriceEntry(
        sku=sku, currency=currency, pricing_model=pricing_model, effective_from=effective_from,
        effective_to=effective_to, unit_price=None if unit_price is None else money.round_unit_price(unit_price),
        tiers=tuple(PriceTier(t.up_to, money.round_unit_price(t.unit_price)) for t in tiers),
    )
    validate_price_entry(entry)
    with session.begin():
        _product(session, sku, for_update=True)  # serializes price changes of one sku
        existing = repo.price_entry_rows(session, sku=sku, currency=currency)
        closing = entry_to_close([repo.to_price_entry(row) for row in existing], entry)
        for row in existing:
            if closing is not None and row.effective_to is None and row.effective_from == closing.effective_from:
                row.effective_to = effective_from
        row = PriceBookEntry(
            sku=sku, currency=currency, pricing_model=pricing_model, unit_price=entry.unit_price,
            effective_from=effective_from, effective_to=effective_to,
            tiers=[{"up_to": t.up_to, "unit_price": str(money.display_unit_price(t.unit_price, currency))}
                   for t in entry.tiers],
        )
        session.add(row)
        session.flush()
        audit.record(session, caller, "price_book_entry.created", "price_book_entry", row.id, {"sku": sku})
    return row


def list_price_entries(session: Session, **filters: Any) -> Page[PriceBookEntry]:
    """Entries matching the filters; a currency the service does not know is refused, not an empty page."""
    if filters.get("currency") is not None:
        money.minor_units(filters["currency"], loc=("query", "currency"))
    with reading(session):
        return repo.list_price_entries(session, **filters)


def create_schedule(
    session: Session, *, caller: Caller, sku: str, type: str, bands: Sequence[tuple[int, Decimal]]
) -> DiscountScheduleRow:
    validate_schedule(DiscountSchedule(sku, type, tuple(DiscountBand(start, pct) for start, pct in bands)))
    with session.begin():
        _product(session, sku)
        if repo.schedule_row(session, sku=sku, type=type) is not None:
            raise Conflict(f"{sku} already has a {type} discount schedule")
        row = DiscountScheduleRow(
            sku=sku, type=type, bands=[{"from": start, "discount_percent": str(pct)} for start, pct in bands]
        )
        session.add(row)
        session.flush()
        audit.record(session, caller, "discount_schedule.created", "discount_schedule", row.id, {"sku": sku})
    return row


def list_schedules(session: Session, **filters: Any) -> Page[DiscountScheduleRow]:
    with reading(session):
        return repo.list_schedules(session, **filters)
