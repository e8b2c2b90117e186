"""Keyword-only factories for test data, through the same services and HTTP calls users make."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.services.auth import OPERATOR, create_key
from app.services.demo import load_catalog

ROLES = ("admin", "sales", "approver", "finance", "scheduler")


@dataclass
class Keys:
    """One API key per role; portal keys are made per account on demand."""

    session: Session
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def portal(self, account_id: str) -> dict[str, str]:
        _, token = create_key(self.session, caller=OPERATOR, role="portal", account_id=uuid.UUID(account_id))
        return {"Authorization": f"Bearer {token}"}


def make_keys(session: Session) -> Keys:
    keys = Keys(session)
    for role in ROLES:
        _, keys.tokens[role] = create_key(session, caller=OPERATOR, role=role, account_id=None)
    return keys


def seed_catalog(session: Session) -> None:
    """The demo publisher's catalog: ticketing plans, marketing and CRM add-ons, contact packs, onboarding."""
    load_catalog(session)


def create_account(
    client: TestClient, keys: Keys, *, name: str = "Théâtre du Rhône", currency: str = "EUR", locale: str = "fr",
    billing_email: str = "compta@example.org", **extra: Any,
) -> dict[str, Any]:
    """An account; `extra` adds fields to the body (metadata, external_id…)."""
    response = client.post("/v1/accounts", headers=keys.headers("sales"), json={
        "name": name, "currency": currency, "locale": locale, "billing_email": billing_email, **extra,
    })
    assert response.status_code == 201, response.text
    return response.json()


def contract_price(
    client: TestClient, keys: Keys, *, account_id: str, sku: str, unit_price: str | None = None,
    discount_percent: str | None = None, effective_from: str = "2026-01-01", effective_to: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"sku": sku, "effective_from": effective_from, "effective_to": effective_to}
    body.update({k: v for k, v in (("unit_price", unit_price), ("discount_percent", discount_percent)) if v})
    response = client.post(f"/v1/accounts/{account_id}/contracted-prices", headers=keys.headers("sales"), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def quote_body(*, account_id: str, lines: list[dict[str, Any]] | None = None, **terms: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account_id": account_id, "start_date": "2026-01-15", "term_months": 12, "billing_frequency": "monthly",
        "lines": lines if lines is not None else [{"sku": "TIX-PRO", "quantity": 20}],
    }
    return {**body, **terms}


def create_quote(client: TestClient, keys: Keys, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/quotes", headers=keys.headers("sales"), json=quote_body(**body))
    assert response.status_code == 201, response.text
    return response.json()


def finalize(client: TestClient, keys: Keys, quote_id: str) -> dict[str, Any]:
    response = client.post(f"/v1/quotes/{quote_id}/finalize", headers=keys.headers("sales"))
    assert response.status_code == 200, response.text
    return response.json()


def accept(client: TestClient, keys: Keys, quote: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = client.post(f"/v1/quotes/{quote['id']}/accept", headers=headers or keys.headers("sales"), json={
        "signer_name": "Anne Martin", "signer_email": "anne@example.org", "document_sha256": quote["document_sha256"],
    })
    assert response.status_code == 200, response.text
    return response.json()


def signed_contract(client: TestClient, keys: Keys, **body: Any) -> dict[str, Any]:
    """A quote created, finalized and accepted: the contract it made."""
    quote = finalize(client, keys, create_quote(client, keys, **body)["id"])
    return accept(client, keys, quote)["contract"]


def amend(client: TestClient, keys: Keys, contract_id: str, effective_date: str, *changes: dict[str, Any],
          expect: int = 201) -> dict[str, Any]:
    """An amendment quote on a contract, as the sales front end asks for one."""
    response = client.post(f"/v1/contracts/{contract_id}/amendments", headers=keys.headers("sales"),
                           json={"effective_date": effective_date, "changes": list(changes)})
    assert response.status_code == expect, response.text
    return response.json()


def accepted_amendment(client: TestClient, keys: Keys, contract_id: str, effective_date: str,
                       *changes: dict[str, Any]) -> dict[str, Any]:
    """An amendment quote made, finalized and accepted: the accepted quote."""
    quote = finalize(client, keys, amend(client, keys, contract_id, effective_date, *changes)["id"])
    return accept(client, keys, quote)["quote"]


def renew_by_hand(client: TestClient, keys: Keys, contract_id: str) -> dict[str, Any]:
    """The contract's renewal quote made, finalized and accepted: the renewed contract."""
    response = client.post(f"/v1/contracts/{contract_id}/renewal-quote", headers=keys.headers("sales"))
    assert response.status_code == 201, response.text
    return accept(client, keys, finalize(client, keys, response.json()["id"]))["contract"]


def renewal_run(client: TestClient, keys: Keys, as_of: str, *, dry_run: bool = False) -> dict[str, Any]:
    """The scheduler's renewal run as of `as_of`: its report."""
    response = client.post("/v1/renewal-runs", headers=keys.headers("scheduler"),
                           json={"as_of": as_of, "dry_run": dry_run})
    assert response.status_code == (200 if dry_run else 201), response.text
    return response.json()


def events(client: TestClient, keys: Keys, after: int = 0) -> list[dict[str, Any]]:
    """The events feed after `after`, as finance polls it."""
    response = client.get(f"/v1/events?after={after}&limit=500", headers=keys.headers("finance"))
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def invoice_lines(client: TestClient, keys: Keys, query: str) -> dict[str, Any]:
    """A JSON page of `GET /v1/invoice-lines?{query}`, read with the finance key."""
    response = client.get(f"/v1/invoice-lines?{query}", headers=keys.headers("finance"))
    assert response.status_code == 200, response.text
    return response.json()


def walk_invoice_lines(client: TestClient, keys: Keys, query: str) -> list[dict[str, Any]]:
    """Every line of `GET /v1/invoice-lines?{query}`, page after page by `next_cursor`."""
    walked: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = invoice_lines(client, keys, f"{query}{cursor}")
        walked += page["data"]
        if page["next_cursor"] is None:
            return walked
        cursor = f"&cursor={page['next_cursor']}"


def set_today(client: TestClient, day: str) -> None:
    """From now on the API's 'today' is `day` (a quote's date, an acceptance's)."""
    from datetime import date

    from app.api.deps import get_today

    client.app.dependency_overrides[get_today] = lambda: date.fromisoformat(day)  # type: ignore[attr-defined]
