"""An account's document locale over HTTP: US English besides British English, in the API's list and the service's
alike; an unknown one refused with a problem that names the allowed values, and nothing changed."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.accounts.schemas import Locale
from app.services.accounts import LOCALES
from tests.builders import Keys, create_quote, finalize, seed_catalog
from tests.problems import assert_problem
from tests.unit.test_documents import pdf_text

ACCOUNT = {"name": "Carnegie Ticketing", "currency": "EUR", "locale": "en-US", "billing_email": "ap@example.org"}


def _read(client: TestClient, keys: Keys, account_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/accounts/{account_id}", headers=keys.headers("sales"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_api_and_the_service_accept_the_same_locales() -> None:
    assert get_args(Locale) == LOCALES


def test_an_account_is_created_and_changed_to_us_english(client: TestClient, keys: Keys) -> None:
    created = client.post("/v1/accounts", headers=keys.headers("sales"), json=ACCOUNT)
    assert created.status_code == 201, created.text
    assert _read(client, keys, created.json()["id"])["locale"] == "en-US"
    british = client.post("/v1/accounts", headers=keys.headers("sales"), json={**ACCOUNT, "locale": "en"}).json()
    response = client.patch(f"/v1/accounts/{british['id']}", headers=keys.headers("sales"), json={"locale": "en-US"})
    assert response.status_code == 200, response.text
    assert _read(client, keys, british["id"])["locale"] == "en-US"


@pytest.mark.parametrize("locale", ["en-AU", "en_US", "en-us"])
def test_an_unknown_locale_is_refused_naming_the_allowed_ones(client: TestClient, keys: Keys, locale: str) -> None:
    account_id = client.post("/v1/accounts", headers=keys.headers("sales"), json=ACCOUNT).json()["id"]
    before = _read(client, keys, account_id)
    for response in (
        client.patch(f"/v1/accounts/{account_id}", headers=keys.headers("sales"), json={"locale": locale}),
        client.post("/v1/accounts", headers=keys.headers("sales"), json={**ACCOUNT, "locale": locale}),
    ):
        problem = assert_problem(response, 422, loc=["body", "locale"])
        assert all(f"'{allowed}'" in str(problem) for allowed in LOCALES), problem
    assert _read(client, keys, account_id) == before
    listed = client.get("/v1/accounts", headers=keys.headers("sales")).json()["data"]
    assert [account["id"] for account in listed] == [account_id]


def test_the_quote_pdf_is_in_us_english(client: TestClient, keys: Keys, session: Session) -> None:
    seed_catalog(session)
    account_id = client.post("/v1/accounts", headers=keys.headers("sales"), json=ACCOUNT).json()["id"]
    quote = finalize(client, keys, create_quote(client, keys, account_id=account_id)["id"])
    text = pdf_text(client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales")).content)
    for expected in ("Valid until February 9, 2026", "12 months from January 15, 2026 to January 15, 2027",
                     "Total contract value €6,000.00", "Billing email ap@example.org"):
        assert expected in text, expected
