"""Property: on random histories (sales, amendments of every kind, renewals, expiries, anniversaries,
cancellations), the SQL aggregation answers what the pure reference (`app.domain.metrics`) computes from the
same segments, and every account's movements add up to its change of MRR."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Contract, ProductRow, SubscriptionSegment
from app.domain import metrics, money
from app.domain.metrics import MOVEMENTS, MetricSegment
from tests.builders import Keys, accept, create_account, seed_catalog, set_today

PLANS = ("TIX-STARTER", "TIX-PRO", "TIX-ENT")
ADDONS = ("CRM-MOD", "MKT-SMS")
FIRST = date(2026, 1, 1)


def _day(rng: random.Random, start: date, days: int) -> date:
    return start + timedelta(days=rng.randrange(days))


def _post(client: TestClient, keys: Keys, url: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """A write the history tries; a refusal (a product rule, a date past the term) is a problem and is skipped."""
    response = client.post(url, headers=keys.headers("admin"), json=body)
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", response.text
        return None
    result: dict[str, Any] = response.json()
    return result


def _sign(client: TestClient, keys: Keys, quote: dict[str, Any] | None) -> dict[str, Any] | None:
    if quote is None:
        return None
    response = client.post(f"/v1/quotes/{quote['id']}/finalize", headers=keys.headers("admin"))
    if response.status_code != 200:  # an amendment above the approval threshold, say: not in this history
        return None
    return accept(client, keys, response.json())


def _sale(client: TestClient, keys: Keys, rng: random.Random, account_id: str) -> dict[str, Any] | None:
    start = _day(rng, FIRST, 200)
    set_today(client, (start - timedelta(days=5)).isoformat())
    lines = [{"sku": rng.choice(PLANS), "quantity": rng.randrange(3, 40)}]
    lines += [{"sku": sku, "quantity": rng.randrange(1, 8)} for sku in ADDONS if rng.random() < 0.5]
    for line in lines:  # sold below list, so that an uplift raises the price (it is capped at list)
        line["discount_percent"] = rng.choice([None, "5", "10", "12.5"])
    pricing = rng.choice(["same", "list", "uplift"])
    body = {"account_id": account_id, "start_date": start.isoformat(),
            "term_months": rng.choice([12, 12, 6, None]), "billing_frequency": rng.choice(["monthly", "annual"]),
            "mid_term_decrease": rng.choice(["credit", "at_renewal"]), "lines": lines,
            "renewal": {"auto_renew": rng.random() < 0.7, "pricing": pricing,
                        "uplift_percent": "5" if pricing == "uplift" else None}}
    signed = _sign(client, keys, _post(client, keys, "/v1/quotes", body))
    return None if signed is None else {**signed["contract"], "start": start}


def _change(rng: random.Random, held: dict[str, int], touched: set[str]) -> dict[str, Any] | None:
    """One change a rep could ask for on what is held, on products no other change of the amendment touches."""
    free = [sku for sku in held if sku not in touched]
    plan = next((sku for sku in free if sku in PLANS), None)
    absent = [sku for sku in ADDONS if sku not in held and sku not in touched]
    choice = rng.randrange(6)
    if choice == 0 and free:
        return {"action": "add_quantity", "sku": rng.choice(free), "quantity": rng.randrange(1, 10)}
    if choice == 1 and [sku for sku in free if held[sku] > 1]:
        sku = rng.choice([sku for sku in free if held[sku] > 1])
        return {"action": "remove_quantity", "sku": sku, "quantity": rng.randrange(1, held[sku])}
    if choice in (2, 3) and plan is not None:
        to = rng.choice([p for p in PLANS if p != plan])
        return {"action": "swap", "from_sku": plan, "to_sku": to, "quantity": rng.randrange(1, held[plan] + 1)}
    if choice == 4 and absent:
        return {"action": "add_product", "sku": rng.choice(absent), "quantity": rng.randrange(1, 5)}
    addons = [sku for sku in free if sku not in PLANS]
    if choice == 5 and addons:
        return {"action": "remove_product", "sku": rng.choice(addons)}
    return None


def _amend(client: TestClient, keys: Keys, rng: random.Random, contract: dict[str, Any], day: date) -> None:
    read = client.get(f"/v1/contracts/{contract['id']}?as_of={day.isoformat()}", headers=keys.headers("admin"))
    held = {s["sku"]: s["quantity"] for s in read.json()["segments"]}
    if read.json()["status"] != "active" or not any(sku in PLANS for sku in held):
        return
    changes: list[dict[str, Any]] = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        change = _change(rng, held, {sku for c in changes for sku in (c.get("sku"), c.get("from_sku"), c.get("to_sku"))
                                     if sku})
        changes += [change] if change else []
    if changes:
        _sign(client, keys, _post(client, keys, f"/v1/contracts/{contract['id']}/amendments",
                                  {"effective_date": day.isoformat(), "changes": changes}))


def _history(client: TestClient, keys: Keys, rng: random.Random) -> None:
    """Four accounts, one or two contracts each, then their amendments, cancellations and the renewal runs over
    two years, in date order (each on its day: the API's today is the day it happens)."""
    contracts = []
    for index in range(4):
        account = create_account(client, keys, name=f"Account {index}", currency=rng.choice(["EUR", "EUR", "USD"]))
        for _ in range(rng.choice([1, 2])):
            contract = _sale(client, keys, rng, account["id"])
            if contract is not None:
                contracts.append(contract)
    timeline: list[tuple[date, str, dict[str, Any] | None]] = [
        (_day(rng, c["start"] + timedelta(days=1), 600), "amend", c) for c in contracts for _ in range(6)]
    timeline += [(_day(rng, c["start"] + timedelta(days=30), 500), "cancel", c) for c in contracts
                 if rng.random() < 0.25]
    timeline += [(_day(rng, date(2026, 9, 1), 640), "run", None) for _ in range(5)]
    for day, kind, contract in sorted(timeline, key=lambda event: (event[0], event[1])):
        set_today(client, day.isoformat())
        if kind == "run":
            assert _post(client, keys, "/v1/renewal-runs", {"as_of": day.isoformat()}) is not None
        elif kind == "cancel" and contract is not None:
            _post(client, keys, f"/v1/contracts/{contract['id']}/cancel", {"requested_on": day.isoformat()})
        elif contract is not None:
            _amend(client, keys, rng, contract, day)


def _segments(session: Session) -> list[MetricSegment]:
    rows = session.execute(select(SubscriptionSegment, Contract.account_id, Contract.currency, ProductRow.family)
                           .join(Contract, Contract.id == SubscriptionSegment.contract_id)
                           .join(ProductRow, ProductRow.sku == SubscriptionSegment.sku)).all()
    return [MetricSegment(
        account, currency, s.contract_id, s.start_date,
        min(d for d in (s.end_date, s.closed_on) if d is not None) if s.end_date or s.closed_on else None,
        s.mrr_minor, s.price_change_minor, s.opening_change, s.closing_change, s.contract_version,
        s.closed_in_version, family) for s, account, currency, family in rows]


def _figures(currency: str, amounts: dict[str, int], mrr_from: int, mrr_to: int) -> dict[str, str]:
    values = {"mrr_from": mrr_from, "mrr_to": mrr_to, **amounts}
    return {name: str(money.from_minor(value, currency)) for name, value in values.items()}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _invoiced(client: TestClient, keys: Keys, account_id: str, end: date) -> str:
    """What `GET /v1/invoice-lines` sums for the account (one currency) before `end`."""
    totals = client.get(f"/v1/invoice-lines?from={FIRST}&to={end}&account_id={account_id}&limit=1",
                        headers=keys.headers("finance")).json()["totals"]
    return totals[0]["amount"] if totals else "0.00"


def _answered(row: dict[str, Any]) -> dict[str, str]:
    return {name: row[name] for name in ("mrr_from", "mrr_to", *MOVEMENTS)}


@pytest.mark.parametrize("seed", [3, 17, 2026, 90210])
def test_sql_agrees_with_the_reference_on_random_histories(
    client: TestClient, keys: Keys, session: Session, seed: int
) -> None:
    seed_catalog(session)
    rng = random.Random(seed)
    _history(client, keys, rng)
    segments = _segments(session)
    opened = {s.opening_change for s in segments}  # the history is not vacuous: the classes finance splits
    assert {"new_business", "seat_expansion", "cross_sell", "decrease", "price_increase"} <= opened, opened
    assert any(s.price_change for s in segments)
    for _ in range(6):
        start = _day(rng, date(2025, 12, 1), 700)
        end = start + timedelta(days=rng.randrange(1, 500))
        report = client.get(f"/v1/metrics/movements?from={start}&to={end}&detail=true",
                            headers=keys.headers("finance")).json()
        expected = metrics.movements(segments, start, end)
        assert [c["currency"] for c in report["currencies"]] == sorted(expected)
        for answered in report["currencies"]:
            totals = expected[answered["currency"]]
            assert _answered(answered) == _figures(totals.currency, totals.amounts, totals.mrr_from, totals.mrr_to)
            assert (answered["nrr"], answered["grr"]) == tuple(None if v is None else str(v)
                                                               for v in (totals.nrr, totals.grr))
            assert answered["arpa"] == _text(metrics.arpa(totals.mrr_to, totals.paying, totals.currency))
            moved = sum(Decimal(answered[name]) for name in MOVEMENTS)
            assert moved == Decimal(answered["mrr_to"]) - Decimal(answered["mrr_from"])
        reference = {(str(a.account_id), a.currency): a for t in expected.values() for a in t.accounts}
        assert sorted((a["account_id"], a["currency"]) for a in report["accounts"]) == sorted(reference)
        for answered in report["accounts"]:
            account = reference[answered["account_id"], answered["currency"]]
            assert _answered(answered) == _figures(account.currency, account.amounts, account.mrr_from,
                                                   account.mrr_to)
            assert [(c["movement"], c["contract_id"], c["version"], c["amount"]) for c in answered["changes"]] == [
                (c.movement, str(c.contract_id), c.version, str(money.from_minor(c.amount, account.currency)))
                for c in account.contributions]
            assert answered["invoiced_to_date"] == _invoiced(client, keys, answered["account_id"], end)
            assert Decimal(answered["remaining_committed"]) + Decimal(answered["invoiced_to_date"]) == Decimal(
                answered["lifetime_value"])
        totals = client.get(f"/v1/metrics/mrr?as_of={end}", headers=keys.headers("finance")).json()["currencies"]
        paying = metrics.paying_accounts(segments, end)
        assert {(t["currency"], t["mrr"], t["accounts"], t["arpa"]) for t in totals} == {
            (c, str(money.from_minor(v, c)), paying.get(c, 0), _text(metrics.arpa(v, paying.get(c, 0), c)))
            for (c, _), v in metrics.mrr(segments, end).items()}
        for key in ("account", "family"):
            grouped = client.get(f"/v1/metrics/mrr?as_of={end}&group_by={key}", headers=keys.headers("finance"))
            answered_groups = {(g["currency"], g["account_id"] if key == "account" else g["family"]): g["mrr"]
                               for g in grouped.json()["groups"]}
            assert answered_groups == {(c, str(k) if key == "account" else k): str(money.from_minor(v, c))
                                       for (c, k), v in metrics.mrr(segments, end, key=key).items()}
