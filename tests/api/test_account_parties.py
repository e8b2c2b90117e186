"""The customer's legal details over HTTP: created, read, changed and cleared; a bad country or an overlong value
refused with a problem and nothing changed; and printed in the customer block of the quote it signs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import Keys, create_quote, finalize, seed_catalog
from tests.problems import assert_problem
from tests.unit.test_documents import pdf_text

DETAILS = {
    "legal_name": "Konzerthaus Nord Betriebs-GmbH", "tax_id": "DE276815424",
    "billing_address": {"street": "Elbuferstraße 7", "postal_code": "20457", "city": "Hamburg", "country": "DE"},
}
ACCOUNT = {"name": "Konzerthaus Nord", "currency": "EUR", "locale": "de", "billing_email": "b@example.org"}


def _create(client: TestClient, keys: Keys, **body: Any) -> Any:
    return client.post("/v1/accounts", headers=keys.headers("sales"), json={**ACCOUNT, **body})


def _read(client: TestClient, keys: Keys, account_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/accounts/{account_id}", headers=keys.headers("sales"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_account_keeps_its_legal_details(client: TestClient, keys: Keys) -> None:
    created = _create(client, keys, **DETAILS)
    assert created.status_code == 201, created.text
    assert {key: created.json()[key] for key in DETAILS} == DETAILS
    assert {key: _read(client, keys, created.json()["id"])[key] for key in DETAILS} == DETAILS


def test_an_account_without_them_has_nulls(client: TestClient, keys: Keys) -> None:
    body = _create(client, keys).json()
    assert (body["legal_name"], body["billing_address"], body["tax_id"]) == (None, None, None)


def test_patch_changes_replaces_and_clears_them(client: TestClient, keys: Keys) -> None:
    account_id = _create(client, keys, **DETAILS).json()["id"]
    moved = {"street": "Rynek Główny 1", "city": "Kraków", "country": "PL", "postal_code": "31-042"}
    response = client.patch(f"/v1/accounts/{account_id}", headers=keys.headers("sales"),
                            json={"billing_address": moved, "tax_id": "PL5261047316"})
    assert response.status_code == 200, response.text
    after = _read(client, keys, account_id)
    assert (after["billing_address"], after["tax_id"], after["legal_name"]) == (
        moved, "PL5261047316", DETAILS["legal_name"])
    response = client.patch(f"/v1/accounts/{account_id}", headers=keys.headers("sales"),
                            json={"billing_address": None, "legal_name": None})
    assert response.status_code == 200, response.text
    after = _read(client, keys, account_id)
    assert (after["billing_address"], after["legal_name"], after["tax_id"]) == (None, None, "PL5261047316")


@pytest.mark.parametrize(("change", "loc"), [
    ({"billing_address": {**DETAILS["billing_address"], "country": "XX"}}, ["body", "billing_address", "country"]),
    ({"billing_address": {**DETAILS["billing_address"], "country": "de"}}, ["body", "billing_address", "country"]),
    ({"billing_address": {**DETAILS["billing_address"], "country": "EU"}}, ["body", "billing_address", "country"]),
    ({"billing_address": {"street": "Elbuferstraße 7", "country": "DE"}}, ["body", "billing_address", "city"]),
    ({"billing_address": {**DETAILS["billing_address"], "city": "H" * 101}}, ["body", "billing_address", "city"]),
    ({"legal_name": "G" * 201}, ["body", "legal_name"]),
    ({"tax_id": "DE" + "1" * 31}, ["body", "tax_id"]),
])
def test_a_bad_value_is_refused_and_changes_nothing(client: TestClient, keys: Keys, change: dict[str, Any],
                                                    loc: list[str]) -> None:
    account_id = _create(client, keys, **DETAILS).json()["id"]
    before = _read(client, keys, account_id)
    response = client.patch(f"/v1/accounts/{account_id}", headers=keys.headers("sales"), json=change)
    assert_problem(response, 422, loc=loc)
    assert _read(client, keys, account_id) == before
    assert_problem(_create(client, keys, **{**DETAILS, **change}), 422, loc=loc)
    listed = client.get("/v1/accounts", headers=keys.headers("sales")).json()["data"]
    assert [account["id"] for account in listed] == [account_id]


def test_the_quote_pdf_shows_the_customer_and_the_seller(client: TestClient, keys: Keys, session: Session) -> None:
    seed_catalog(session)
    account_id = _create(client, keys, **DETAILS).json()["id"]
    quote = finalize(client, keys, create_quote(client, keys, account_id=account_id)["id"])
    text = pdf_text(client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales")).content)
    for expected in ("Konzerthaus Nord Betriebs-GmbH", "Elbuferstraße 7", "20457 Hamburg", "Deutschland",
                     "USt-IdNr. / Steuernummer DE276815424", "cpq demo publisher SAS", "69002 Lyon", "Frankreich",
                     "USt-IdNr. FR74912345678", "Handelsregisternummer RCS Lyon 912 345 678"):
        assert expected in text, expected
