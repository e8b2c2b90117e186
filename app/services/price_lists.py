"""What the waterfall needs to price some SKUs for one account, loaded in a few queries."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy.orm import Session

from app.db.repositories import accounts as account_repo
from app.db.repositories import catalog as catalog_repo
from app.domain.pricing import PriceList


def price_list(session: Session, *, account_id: uuid.UUID, currency: str, skus: Collection[str]) -> PriceList:
    products = {sku: catalog_repo.to_product(row) for sku, row in catalog_repo.products_by_sku(session, skus).items()}
    return PriceList(
        products=products,
        entries=catalog_repo.price_entries_for(session, skus=skus, currency=currency),
        schedules=catalog_repo.schedules_for(session, skus),
        contracted_prices=account_repo.contracted_prices_for(session, account_id=account_id, skus=skus),
    )
