"""What the waterfall needs to price some SKUs for one account, loaded in a few queries.

The catalog part (products, list prices, discount schedules) is the same for every account in a currency,
so it is kept for the rest of the transaction: a renewal run batch prices hundreds of contracts on it, and
loads the contracted prices of all their accounts at once beforehand (`load_contracted_prices`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.db.repositories import accounts as account_repo
from app.db.repositories import catalog as catalog_repo
from app.domain.catalog import DiscountSchedule, PriceEntry, Product
from app.domain.pricing import ContractedPrice, PriceList

_CATALOG = "cpq.catalog"
_CONTRACTED = "cpq.contracted_prices"
_Catalog = tuple[dict[str, Product], list[PriceEntry], list[DiscountSchedule]]


def price_list(session: Session, *, account_id: uuid.UUID, currency: str, skus: Collection[str]) -> PriceList:
    products, entries, schedules = _catalog(session, currency, frozenset(skus))
    loaded: dict[uuid.UUID, list[ContractedPrice]] = session.info.get(_CONTRACTED, {})
    contracted = ([price for price in loaded[account_id] if price.sku in skus] if account_id in loaded
                  else account_repo.contracted_prices_for(session, account_id=account_id, skus=skus))
    return PriceList(products=products, entries=entries, schedules=schedules, contracted_prices=contracted)


def load_contracted_prices(session: Session, account_ids: Collection[uuid.UUID]) -> None:
    """Load the contracted prices of these accounts for the rest of the transaction, in one query."""
    session.info.setdefault(_CONTRACTED, {}).update(account_repo.contracted_prices_of(session, account_ids))


def price_entries(session: Session, *, currency: str, skus: Collection[str]) -> list[PriceEntry]:
    """The price book entries of some SKUs in a currency, from the transaction's catalog."""
    return _catalog(session, currency, frozenset(skus))[1]


def _catalog(session: Session, currency: str, skus: frozenset[str]) -> _Catalog:
    cache: dict[tuple[str, frozenset[str]], _Catalog] = session.info.setdefault(_CATALOG, {})
    if (currency, skus) not in cache:
        cache[(currency, skus)] = (
            catalog_repo.products_for(session, skus),
            catalog_repo.price_entries_for(session, skus=skus, currency=currency),
            catalog_repo.schedules_for(session, skus),
        )
    return cache[(currency, skus)]


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    """A new transaction reads the catalog again: prices may have changed in between."""
    if transaction.parent is None:
        session.info.pop(_CATALOG, None)
        session.info.pop(_CONTRACTED, None)
