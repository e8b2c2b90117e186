"""Re-pricing a draft rewrites its stored lines in place (position by position, adding or deleting past the end):
whatever the edits, the quote must read exactly as a new quote made from the same request, and its rows hold
no trace of the lines before."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import QuoteLine
from tests.builders import Keys, contract_price, create_account, create_quote, seed_catalog

SKUS = ["TIX-STARTER", "TIX-PRO", "TIX-ENT", "MKT-SMS", "MKT-CONTACTS", "CRM-MOD", "ONBOARDING"]
#: What differs between two quotes made from the same request.
OWN = {"id", "number", "created_at", "updated_at", "version", "metadata"}


def _lines(rng: random.Random) -> list[dict[str, Any]]:
    """Up to five lines of distinct SKUs (one plan, since plans of a family exclude each other), some discounted."""
    plan = rng.choice(SKUS[:3])
    skus = [plan, *rng.sample(SKUS[3:], rng.randint(0, 4))]
    rng.shuffle(skus)
    lines = []
    for sku in skus:
        line: dict[str, Any] = {"sku": sku, "quantity": rng.choice([1, 3, 20, 60, 1500, 6000])}
        if rng.random() < 0.3:
            line["discount_percent"] = rng.choice(["2.5", "5", "12"])
        lines.append(line)
    return lines


def _comparable(quote: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in quote.items() if key not in OWN}


@pytest.mark.parametrize("seed", range(4))
def test_a_draft_edited_many_times_reads_as_a_new_quote_of_its_last_request(
    client: TestClient, keys: Keys, session: Session, seed: int
) -> None:
    rng = random.Random(seed)
    seed_catalog(session)
    account = create_account(client, keys)
    contract_price(client, keys, account_id=account["id"], sku="TIX-PRO", unit_price="21.00")
    quote = create_quote(client, keys, account_id=account["id"], lines=_lines(rng))
    for _ in range(6):
        body: dict[str, Any] = {"lines": _lines(rng)}
        if rng.random() < 0.3:
            body["term_months"] = rng.choice([12, 24, 36])
        edited = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales"), json=body)
        assert edited.status_code == 200, edited.text
        quote = edited.json()
        fresh = create_quote(client, keys, account_id=account["id"], lines=body["lines"],
                             term_months=quote["term_months"])
        assert _comparable(quote) == _comparable(fresh)
        assert _comparable(client.get(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales")).json()) == \
            _comparable(fresh)
        stored = session.execute(select(QuoteLine.position, QuoteLine.sku)
                                 .where(QuoteLine.quote_id == uuid.UUID(quote["id"])).order_by(QuoteLine.position)).all()
        session.rollback()
        assert [(position, sku) for position, sku in stored] == list(enumerate(ln["sku"] for ln in body["lines"]))
