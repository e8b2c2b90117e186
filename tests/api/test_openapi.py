"""The OpenAPI document says what the server does: cursors, currencies, nulls in PATCH, 400 and 405 answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import Keys, create_account, create_quote, seed_catalog

UNKNOWN_ID = "0190a000-0000-7000-8000-000000000000"


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _parameter(spec: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    (parameter,) = [p for p in spec["paths"][path][method]["parameters"] if p["name"] == name]
    return parameter


class TestMethodNotAllowed:
    @pytest.mark.parametrize(("method", "path", "allowed"), [
        ("TRACE", "/v1/quotes", "GET, POST"),
        ("DELETE", f"/v1/accounts/{UNKNOWN_ID}", "GET, PATCH"),
        ("PUT", "/health", "GET"),
    ])
    def test_a_405_lists_every_method_of_the_path_in_allow(
        self, client: TestClient, keys: Keys, method: str, path: str, allowed: str
    ) -> None:
        response = client.request(method, path, headers=keys.headers("admin"))
        assert response.status_code == 405 and response.headers["allow"] == allowed
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 405 and response.json()["type"] == "/problems/http_405"


class TestUndecodableBody:
    def test_a_body_that_is_not_utf8_is_a_documented_400_problem_and_changes_nothing(
        self, client: TestClient, keys: Keys, spec: dict[str, Any]
    ) -> None:
        response = client.post("/v1/accounts", content=b"\xff", headers={
            **keys.headers("sales"), "Content-Type": "application/json"})
        assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Bad request" and response.json()["detail"]
        assert client.get("/v1/accounts", headers=keys.headers("sales")).json()["data"] == []
        assert "400" in spec["paths"]["/v1/accounts"]["post"]["responses"]

    def test_json_that_does_not_parse_is_a_422_pointing_at_the_body(self, client: TestClient, keys: Keys) -> None:
        response = client.post("/v1/accounts", content=b'{"name": ', headers={
            **keys.headers("sales"), "Content-Type": "application/json"})
        assert response.status_code == 422 and response.json()["errors"][0]["loc"][0] == "body"
        assert client.get("/v1/accounts", headers=keys.headers("sales")).json()["data"] == []


class TestCursor:
    def test_the_schema_describes_a_cursor_and_any_value_it_allows_is_a_position(
        self, client: TestClient, keys: Keys, spec: dict[str, Any]
    ) -> None:
        pattern = _parameter(spec, "/v1/accounts", "get", "cursor")["schema"]["anyOf"][0]["pattern"]
        create_account(client, keys)
        for cursor in ("A" * 22, "_" * 22, "AZaz09-_AZaz09-_AZaz09"):
            assert re.fullmatch(pattern, cursor)
            response = client.get(f"/v1/accounts?cursor={cursor}", headers=keys.headers("sales"))
            assert response.status_code == 200, response.text
        assert len(client.get(f"/v1/accounts?cursor={'A' * 22}", headers=keys.headers("sales")).json()["data"]) == 1

    def test_a_cursor_outside_the_schema_is_a_422_pointing_at_it(self, client: TestClient, keys: Keys) -> None:
        response = client.get("/v1/accounts?cursor=not-a-cursor", headers=keys.headers("sales"))
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["errors"]] == [["query", "cursor"]]


class TestSchemaValues:
    def test_currencies_are_listed(self, spec: dict[str, Any]) -> None:
        currency = spec["components"]["schemas"]["AccountIn"]["properties"]["currency"]
        assert {"EUR", "PLN", "USD", "JPY"} <= set(currency["enum"])

    def test_patch_fields_that_cannot_be_null_are_not_documented_as_nullable(self, spec: dict[str, Any]) -> None:
        account = spec["components"]["schemas"]["AccountPatch"]["properties"]
        assert all("anyOf" not in account[name] for name in ("name", "locale", "billing_email"))
        for clearable in ("legal_name", "billing_address", "tax_id"):  # null clears the legal details
            assert {"type": "null"} in account[clearable]["anyOf"]
        product = spec["components"]["schemas"]["ProductPatch"]["properties"]
        assert {"type": "null"} in product["tier_rank"]["anyOf"]  # null clears a tier rank
        assert "anyOf" not in product["name"]

    def test_a_null_where_the_schema_says_string_is_refused_and_changes_nothing(
        self, client: TestClient, keys: Keys
    ) -> None:
        account = create_account(client, keys)
        response = client.patch(f"/v1/accounts/{account['id']}", headers=keys.headers("sales"),
                                json={"billing_email": None})
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["loc"][0] == "body" and "billing_email" in error["msg"]
        again = client.get(f"/v1/accounts/{account['id']}", headers=keys.headers("sales")).json()
        assert again["billing_email"] == account["billing_email"]


class TestJsonIntegers:
    def test_a_number_with_a_zero_fraction_is_the_integer_json_schema_says_it_is(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        seed_catalog(session)
        account = create_account(client, keys)
        quote = create_quote(client, keys, account_id=account["id"], lines=[{"sku": "TIX-PRO", "quantity": 5.0}],
                             term_months=12.0)
        assert quote["lines"][0]["quantity"] == 5 and quote["term_months"] == 12


class TestPatternsMeanTheSameEverywhere:
    @pytest.mark.parametrize("email", ["a\x85@b.example", "a\ufeff@b.example", "a\x1c@b.example", "a b@c.example"])
    def test_an_address_with_a_space_of_either_regex_dialect_is_refused_and_the_schema_says_so(
        self, client: TestClient, keys: Keys, spec: dict[str, Any], email: str
    ) -> None:
        """Python's and JavaScript's `\\s` differ (U+0085, U+FEFF, U+001C…): the pattern spells the spaces out."""
        pattern = spec["components"]["schemas"]["AccountIn"]["properties"]["billing_email"]["pattern"]
        assert re.fullmatch(pattern, email) is None and re.fullmatch(pattern, "compta@opera.example")
        response = client.post("/v1/accounts", headers=keys.headers("sales"), json={
            "name": "Opéra", "currency": "EUR", "locale": "fr", "billing_email": email})
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["errors"]] == [["body", "billing_email"]]
        assert client.get("/v1/accounts", headers=keys.headers("sales")).json()["data"] == []


class TestGeneratedClients:
    def test_operation_ids_are_the_endpoint_names_unique_and_snake_case(self, spec: dict[str, Any]) -> None:
        ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
        assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z]+(_[a-z]+)*", i) for i in ids), ids
        assert {"create_quote", "accept_quote", "download_quote_document", "list_invoice_lines", "get_mrr",
                "create_webhook_endpoint", "get_health"} <= set(ids)

    def test_every_v1_operation_needs_the_bearer_key_and_the_rest_none(self, spec: dict[str, Any]) -> None:
        assert spec["components"]["securitySchemes"]["bearer"] == {
            "type": "http", "scheme": "bearer", "bearerFormat": "cpq_…",
            "description": spec["components"]["securitySchemes"]["bearer"]["description"]}
        assert spec["security"] == [{"bearer": []}]
        public = {path for path, item in spec["paths"].items() for op in item.values() if op.get("security") == []}
        assert public == {"/health", "/metrics"}

    def test_tags_are_declared_with_a_description_and_the_version_is_the_package_s(self, spec: dict[str, Any]) -> None:
        from app import __version__

        used = {tag for item in spec["paths"].values() for op in item.values() for tag in op["tags"]}
        assert used == {tag["name"] for tag in spec["tags"]} and all(tag["description"] for tag in spec["tags"])
        assert spec["info"]["version"] == __version__ != "0.0.0"
