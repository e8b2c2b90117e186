"""Lookups by the numbers documents print: a CRM, an ERP or a signed order form names a contract or a quote by it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.builders import Keys, create_account, signed_contract
from tests.problems import assert_problem


class TestLookupsByNumber:
    def test_a_contract_and_its_quote_are_found_by_the_numbers_their_documents_print(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        by_number = client.get(f"/v1/contracts/by-number/{contract['number']}", headers=keys.headers("finance"))
        assert by_number.status_code == 200 and by_number.json() == client.get(
            f"/v1/contracts/{contract['id']}", headers=keys.headers("finance")).json()
        assert by_number.headers["etag"] == '"1"'
        quote = client.get(f"/v1/quotes/{contract['terms'][0]['quote_id']}", headers=keys.headers("sales")).json()
        found = client.get(f"/v1/quotes/by-number/{quote['number']}", headers=keys.headers("sales"))
        assert found.status_code == 200 and found.json() == quote

    def test_an_unknown_number_or_one_of_another_account_is_a_404(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        other = create_account(client, keys, name="Opéra de Lille")
        assert_problem(client.get("/v1/contracts/by-number/C-1999-000001", headers=keys.headers("sales")), 404,
                       code="unknown_contract")
        assert_problem(client.get(f"/v1/contracts/by-number/{contract['number']}",
                                  headers=keys.portal(other["id"])), 404, code="unknown_contract")
        assert_problem(client.get("/v1/quotes/by-number/Q-1999-000001", headers=keys.headers("sales")), 404,
                       code="unknown_quote")
        assert_problem(client.get("/v1/quotes/by-number/Q%202026", headers=keys.headers("sales")), 422,
                       loc=["path", "number"])
