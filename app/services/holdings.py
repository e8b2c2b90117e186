"""What an account holds when a change is made, for classifying the change (`app.domain.changes`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from app.db.models import ProductRow
from app.db.repositories import catalog as catalog_repo
from app.db.repositories import contracts as repo
from app.domain.changes import Holdings, Scope, holdings


def scope(row: ProductRow) -> Scope:
    return Scope(row.sku, row.family, row.kind, row.tier_rank)


#: `session.info` key of a `Batch`, set by work that classifies many contracts' changes in one session where
#: nothing it writes reaches the database before its end (the renewal run's batch, written by COPY).
BATCH = "cpq_holdings_batch"


@dataclass
class Batch:
    """The accounts a batch will ask about: their products in force on a day are read for all of them in one
    query, and each product's scope once (a query or two per contract made the renewal run 10× slower)."""

    accounts: frozenset[uuid.UUID]
    held: dict[tuple[uuid.UUID, date], set[str]] = field(default_factory=dict)
    scopes: dict[str, Scope] = field(default_factory=dict)


def scopes(session: Session, skus: Collection[str]) -> dict[str, Scope]:
    batch: Batch | None = session.info.get(BATCH)
    known = {} if batch is None else batch.scopes
    missing = set(skus) - known.keys()
    if missing:
        with session.no_autoflush:
            known.update((sku, scope(row)) for sku, row in catalog_repo.products_by_sku(session, missing).items())
    return {sku: known[sku] for sku in skus if sku in known}


def account_holdings(session: Session, account_id: uuid.UUID, on: date, also: Iterable[str] = ()) -> Holdings:
    """What the account holds on `on`, over all its contracts, with `also` (SKUs a contract holds that day in
    rows not written yet: the renewal run writes a batch at its end). Read without flushing: a batch kept aside
    for COPY would be half written (a contract pointing at a renewal quote not yet inserted)."""
    return holdings(scopes(session, _held(session, account_id, on) | set(also)).values())


def _held(session: Session, account_id: uuid.UUID, on: date) -> set[str]:
    batch: Batch | None = session.info.get(BATCH)
    with session.no_autoflush:
        if batch is None or account_id not in batch.accounts:
            return repo.account_skus_in_force(session, account_id, on)
        if (account_id, on) not in batch.held:
            for account, skus in repo.accounts_skus_in_force(session, batch.accounts, on).items():
                batch.held[(account, on)] = skus
    return batch.held[(account_id, on)]
