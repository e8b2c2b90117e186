"""Catalog endpoints: products, price book entries, discount schedules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.catalog.schemas import (
    DiscountScheduleIn,
    DiscountScheduleOut,
    PriceBookEntryIn,
    PriceBookEntryOut,
    ProductIn,
    ProductKind,
    ProductOut,
    ProductPatch,
)
from app.api.deps import METADATA_QUERY, Admin, AnyRole, Cursor, Limit, Listed, SessionDep, Tagged, require
from app.api.schemas import Currency, Filter, PageOut, QueryBool, Sku
from app.domain.catalog import PriceTier
from app.services import catalog
from app.services.auth import Caller

router = APIRouter(prefix="/v1", tags=["catalog"])
#: List prices and discount bands: finance reads everything; the sales front end shows them while a rep builds
#: a quote, before any draft exists to price.
CatalogReader = Annotated[Caller, Depends(require("sales", "finance"))]


@router.post("/products", status_code=201, response_model=ProductOut)
def create_product(body: ProductIn, session: SessionDep, caller: Admin) -> object:
    """Add a product to the catalog; a SKU is never reused (409), its rules name existing products."""
    return catalog.create_product(session, caller=caller, **body.model_dump())


@router.get("/products", response_model=PageOut[ProductOut], openapi_extra=METADATA_QUERY)
def list_products(
    session: SessionDep, _caller: AnyRole, by: Tagged, limit: Limit = 50, cursor: Cursor = None,
    family: Filter = None, kind: Annotated[ProductKind | None, Query()] = None, active: QueryBool = None,
) -> object:
    """The catalog, by pages; filtered by family, kind and whether a product can be sold."""
    return catalog.list_products(session, limit=limit, cursor=cursor, family=family, kind=kind, active=active,
                                 by=by)


@router.get("/products/{sku}", response_model=ProductOut)
def get_product(sku: Sku, session: SessionDep, _caller: AnyRole) -> object:
    """One product by SKU, with its translations and rules."""
    return catalog.get_product(session, sku)


@router.patch("/products/{sku}", response_model=ProductOut)
def update_product(sku: Sku, body: ProductPatch, session: SessionDep, caller: Admin) -> object:
    """Change a product's name, translations, rules or sellability; its SKU and kind stay."""
    return catalog.update_product(session, caller=caller, sku=sku, changes=body.updates())


@router.post("/price-book-entries", status_code=201, response_model=PriceBookEntryOut)
def create_price_book_entry(body: PriceBookEntryIn, session: SessionDep, caller: Admin) -> object:
    """A list price for a SKU in a currency from a date (flat, per unit or tiered); 409 if it overlaps an entry."""
    return catalog.create_price_entry(
        session, caller=caller, sku=body.sku, currency=body.currency, pricing_model=body.pricing_model,
        effective_from=body.effective_from, effective_to=body.effective_to, unit_price=body.unit_price,
        tiers=[PriceTier(t.up_to, t.unit_price) for t in body.tiers],
    )


@router.get("/price-book-entries", response_model=PageOut[PriceBookEntryOut])
def list_price_book_entries(
    session: SessionDep, _caller: CatalogReader, by: Listed, limit: Limit = 50, cursor: Cursor = None,
    sku: Filter = None, currency: Annotated[Currency | None, Query()] = None,
) -> object:
    """List prices, by pages; filtered by SKU and currency."""
    return catalog.list_price_entries(session, limit=limit, cursor=cursor, sku=sku, currency=currency, by=by)


@router.post("/discount-schedules", status_code=201, response_model=DiscountScheduleOut)
def create_discount_schedule(body: DiscountScheduleIn, session: SessionDep, caller: Admin) -> object:
    """Volume or term discount bands for a SKU; one schedule of each type per SKU (409)."""
    bands = [(band.start, band.discount_percent) for band in body.bands]
    return catalog.create_schedule(session, caller=caller, sku=body.sku, type=body.type, bands=bands)


@router.get("/discount-schedules", response_model=PageOut[DiscountScheduleOut])
def list_discount_schedules(
    session: SessionDep, _caller: CatalogReader, by: Listed, limit: Limit = 50, cursor: Cursor = None,
    sku: Filter = None,
) -> object:
    """Discount schedules, by pages; filtered by SKU."""
    return catalog.list_schedules(session, limit=limit, cursor=cursor, sku=sku, by=by)
