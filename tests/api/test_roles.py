"""Every endpoint with every role: 401 without a key, 403 for a role without the right, through otherwise.

The table below is the authorization contract; a new endpoint missing from it fails the first test.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import Keys
from tests.problems import assert_problem

ALL = {"admin", "sales", "approver", "finance", "scheduler", "portal"}
PUBLIC = {"GET /health", "GET /metrics"}
ALLOWED: dict[str, set[str]] = {
    "POST /v1/products": {"admin"},
    "GET /v1/products": ALL,
    "GET /v1/products/{sku}": ALL,
    "PATCH /v1/products/{sku}": {"admin"},
    "POST /v1/price-book-entries": {"admin"},
    "GET /v1/price-book-entries": {"admin", "sales", "finance"},
    "POST /v1/discount-schedules": {"admin"},
    "GET /v1/discount-schedules": {"admin", "sales", "finance"},
    "POST /v1/accounts": {"admin", "sales"},
    "GET /v1/accounts": {"admin", "sales", "finance", "approver", "portal"},
    "GET /v1/accounts/{account_id}": {"admin", "sales", "finance", "approver", "portal"},
    "PATCH /v1/accounts/{account_id}": {"admin", "sales"},
    "POST /v1/accounts/{account_id}/contracted-prices": {"admin", "sales"},
    "GET /v1/accounts/{account_id}/contracted-prices": {"admin", "sales", "finance"},
    "POST /v1/quotes": {"admin", "sales"},
    "GET /v1/quotes": {"admin", "sales", "finance", "approver", "portal"},
    "GET /v1/quotes/{quote_id}": {"admin", "sales", "finance", "approver", "portal"},
    "GET /v1/quotes/by-number/{number}": {"admin", "sales", "finance", "approver", "portal"},
    "PATCH /v1/quotes/{quote_id}": {"admin", "sales"},
    "POST /v1/quotes/{quote_id}/approve": {"admin", "approver"},
    "POST /v1/quotes/{quote_id}/finalize": {"admin", "sales"},
    "GET /v1/quotes/{quote_id}/document": {"admin", "sales", "finance", "portal"},
    "POST /v1/quotes/{quote_id}/accept": {"admin", "sales", "portal"},
    "GET /v1/quotes/{quote_id}/acceptance": {"admin", "sales", "finance", "portal"},
    "POST /v1/quotes/{quote_id}/decline": {"admin", "sales", "portal"},
    "POST /v1/quotes/{quote_id}/cancel": {"admin", "sales", "portal"},
    "GET /v1/contracts": {"admin", "sales", "finance", "portal"},
    "GET /v1/contracts/{contract_id}": {"admin", "sales", "finance", "portal"},
    "GET /v1/contracts/by-number/{number}": {"admin", "sales", "finance", "portal"},
    "GET /v1/contracts/{contract_id}/versions": {"admin", "sales", "finance", "portal"},
    "POST /v1/contracts/{contract_id}/amendments": {"admin", "sales", "portal"},
    "PATCH /v1/contracts/{contract_id}": {"admin", "sales"},
    "POST /v1/contracts/{contract_id}/cancel": {"admin", "sales"},
    "POST /v1/contracts/{contract_id}/renewal-quote": {"admin", "sales"},
    "POST /v1/renewal-runs": {"admin", "scheduler"},
    "GET /v1/renewal-runs": {"admin", "scheduler"},
    "GET /v1/renewal-runs/{run_id}": {"admin", "scheduler"},
    "GET /v1/invoice-lines": {"admin", "finance"},
    "GET /v1/metrics/mrr": {"admin", "finance"},
    "GET /v1/metrics/movements": {"admin", "finance"},
    "GET /v1/events": {"admin", "finance", "scheduler"},
    "POST /v1/api-keys": {"admin"},
    "GET /v1/api-keys": {"admin"},
    "DELETE /v1/api-keys/{key_id}": {"admin"},
    "POST /v1/webhook-endpoints": {"admin"},
    "GET /v1/webhook-endpoints": {"admin"},
    "GET /v1/webhook-endpoints/{endpoint_id}": {"admin"},
    "DELETE /v1/webhook-endpoints/{endpoint_id}": {"admin"},
    "GET /v1/webhook-endpoints/{endpoint_id}/deliveries": {"admin"},
    "POST /v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/replay": {"admin"},
}


def _endpoints(app: FastAPI) -> list[str]:
    return [f"{method.upper()} {path}" for path, item in app.openapi()["paths"].items() for method in item]


def _call(client: TestClient, endpoint: str, headers: dict[str, str]) -> httpx.Response:
    method, path = endpoint.split(" ")
    url = path.format(sku="TIX-PRO", account_id=uuid.uuid4(), quote_id=uuid.uuid4(), contract_id=uuid.uuid4(),
                      key_id=uuid.uuid4(), run_id=uuid.uuid4(), endpoint_id=uuid.uuid4(), delivery_id=uuid.uuid4(), number="C-2026-000001")
    body = None if method in ("GET", "DELETE") else {}
    return client.request(method, url, headers=headers, json=body)


def test_every_endpoint_is_in_the_authorization_table(app: FastAPI) -> None:
    assert sorted(set(_endpoints(app)) - PUBLIC) == sorted(ALLOWED)


@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
def test_each_endpoint_needs_a_valid_key(client: TestClient, endpoint: str) -> None:
    assert_problem(_call(client, endpoint, {}), 401, code="unauthenticated")
    assert_problem(_call(client, endpoint, {"Authorization": "Bearer cpq_not-a-key"}), 401, code="unauthenticated")


@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
def test_each_role_is_admitted_or_refused_as_the_table_says(
    client: TestClient, keys: Keys, session: Session, endpoint: str
) -> None:
    account = client.post("/v1/accounts", headers=keys.headers("sales"), json={
        "name": "Portal customer", "currency": "EUR", "billing_email": "p@example.org"}).json()
    headers = {role: keys.headers(role) for role in ALL - {"portal"}} | {"portal": keys.portal(account["id"])}
    for role in sorted(ALL):
        response = _call(client, endpoint, headers[role])
        if role in ALLOWED[endpoint]:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert_problem(response, 403, code="forbidden")
