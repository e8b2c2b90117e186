"""What an account holds when a change is made, for classifying the change (`app.domain.changes`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from datetime import date

from sqlalchemy.orm import Session

from app.db.models import ProductRow
from app.db.repositories import catalog as catalog_repo
from app.db.repositories import contracts as repo
from app.domain.changes import Holdings, Scope, holdings


def scope(row: ProductRow) -> Scope:
    return Scope(row.sku, row.family, row.kind, row.tier_rank)


def scopes(session: Session, skus: Collection[str]) -> dict[str, Scope]:
    with session.no_autoflush:
        return {sku: scope(row) for sku, row in catalog_repo.products_by_sku(session, skus).items()}


def account_holdings(session: Session, account_id: uuid.UUID, on: date, also: Iterable[str] = ()) -> Holdings:
    """What the account holds on `on`, over all its contracts, with `also` (SKUs a contract holds that day in
    rows not written yet: the renewal run writes a batch at its end). Read without flushing: a batch kept aside
    for COPY would be half written (a contract pointing at a renewal quote not yet inserted)."""
    with session.no_autoflush:
        skus = repo.account_skus_in_force(session, account_id, on) | set(also)
    return holdings(scopes(session, skus).values())
