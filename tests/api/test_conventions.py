"""docs/api.md conventions: Idempotency-Key, If-Match, keyset pages, portal isolation, problem+json, health, metrics."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.api.etags import MalformedIfMatch, versions_matching
from tests.builders import Keys, create_account, create_quote, finalize, quote_body, seed_catalog
from tests.problems import assert_problem

ACCOUNT = {"name": "Konzerthaus Nord", "currency": "EUR", "locale": "de", "billing_email": "b@example.org"}
PRODUCT = {"sku": "TIX-PRO", "name": "Ticketing Pro", "family": "ticketing", "kind": "plan"}
ENTRY = {"sku": "TIX-PRO", "currency": "EUR", "pricing_model": "per_unit", "unit_price": "25.00",
         "effective_from": "2026-01-01"}


class TestIdempotency:
    def test_the_same_key_and_body_returns_the_first_response_and_does_nothing_again(
        self, client: TestClient, keys: Keys
    ) -> None:
        headers = keys.headers("sales", **{"Idempotency-Key": "create-konzerthaus"})
        first = client.post("/v1/accounts", headers=headers, json=ACCOUNT)
        second = client.post("/v1/accounts", headers=headers, json=ACCOUNT)
        assert first.status_code == second.status_code == 201
        assert second.json() == first.json() and second.headers["idempotent-replayed"] == "true"
        assert len(client.get("/v1/accounts", headers=keys.headers("sales")).json()["data"]) == 1

    def test_the_same_key_with_another_body_is_422_and_changes_nothing(self, client: TestClient, keys: Keys) -> None:
        headers = keys.headers("sales", **{"Idempotency-Key": "k-1"})
        client.post("/v1/accounts", headers=headers, json=ACCOUNT)
        other = client.post("/v1/accounts", headers=headers, json={**ACCOUNT, "name": "Someone else"})
        assert_problem(other, 422, code="idempotency_key_reused")
        assert len(client.get("/v1/accounts", headers=keys.headers("sales")).json()["data"]) == 1

    def test_keys_are_scoped_to_the_caller(self, client: TestClient, keys: Keys) -> None:
        client.post("/v1/accounts", headers=keys.headers("sales", **{"Idempotency-Key": "one-key"}), json=ACCOUNT)
        client.post("/v1/accounts", headers=keys.headers("admin", **{"Idempotency-Key": "one-key"}), json=ACCOUNT)
        assert len(client.get("/v1/accounts", headers=keys.headers("sales")).json()["data"]) == 2

    def test_an_error_response_is_replayed_too(self, client: TestClient, keys: Keys) -> None:
        headers = keys.headers("sales", **{"Idempotency-Key": "bad"})
        first = client.post("/v1/accounts", headers=headers, json={**ACCOUNT, "currency": "XYZ"})
        again = client.post("/v1/accounts", headers=headers, json={**ACCOUNT, "currency": "XYZ"})
        assert first.status_code == again.status_code == 422 and again.headers["idempotent-replayed"] == "true"
        # The same problem, naming the request that got it (its Request-Id), as support will look that one up.
        assert {**again.json(), "request_id": None} == {**first.json(), "request_id": None}
        assert again.json()["request_id"] == again.headers["request-id"] != first.json()["request_id"]


class TestIfMatch:
    """RFC 9110 entity tags: `*`, or a list of strong tags; a weak or foreign tag never matches, bad syntax is 400."""

    @pytest.fixture
    def quote(self, client: TestClient, keys: Keys, session: Session) -> dict[str, Any]:
        seed_catalog(session)
        return create_quote(client, keys, account_id=create_account(client, keys)["id"])

    @staticmethod
    def _patch(client: TestClient, keys: Keys, quote: dict[str, Any], if_match: bytes) -> Any:
        return client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales", **{"If-Match": if_match}),
                            json={"term_months": 24})

    @staticmethod
    def _version(client: TestClient, keys: Keys, quote: dict[str, Any]) -> int:
        version: int = client.get(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales")).json()["version"]
        return version

    @pytest.mark.parametrize("if_match", [b'"1"', b'*', b'"7", "1"', b' "1" , ', b'"x,y", "1"'])
    def test_the_current_version_star_or_a_list_naming_it_matches(
        self, client: TestClient, keys: Keys, quote: dict[str, Any], if_match: bytes
    ) -> None:
        response = self._patch(client, keys, quote, if_match)
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"2"' and response.json()["term_months"] == 24

    @pytest.mark.parametrize("if_match", [b'"\xb2"', '"²"'.encode(), b'W/"1"', b'"01"', b'"2", "3"', b'""', b""])
    def test_a_weak_tag_or_one_never_issued_is_412_and_changes_nothing(
        self, client: TestClient, keys: Keys, quote: dict[str, Any], if_match: bytes
    ) -> None:
        problem = assert_problem(self._patch(client, keys, quote, if_match), 412, code="precondition_failed")
        assert 'is at version "1"' in problem["detail"]
        assert self._version(client, keys, quote) == 1

    @pytest.mark.parametrize("if_match", [b"\xb2", "²".encode(), b"1", b"W/1", b'"1', b'"1" "2"', b'*, "1"', b'"1"x',
                                          b'"\x7f"', '"²"'.encode("utf-16")])
    def test_a_malformed_header_is_a_400_problem_and_changes_nothing(
        self, client: TestClient, keys: Keys, quote: dict[str, Any], if_match: bytes
    ) -> None:
        problem = assert_problem(self._patch(client, keys, quote, if_match), 400, code="malformed_if_match")
        assert "entity tags" in problem["detail"]
        assert self._version(client, keys, quote) == 1

    @pytest.mark.parametrize(("value", "versions"), [
        ("*", None), ('"3"', {3}), ('"3", "4"', {3, 4}), ('W/"3"', set()), ('"3", W/"4", "x"', {3}), (",", set()),
        ('"0"', {0}), ('"9' + "9" * 17 + '"', {10**18 - 1}), ('"1' + "0" * 18 + '"', set()), ('"1' + "0" * 5000 + '"', set()),
    ])
    def test_the_parser_gives_the_versions_a_header_admits(self, value: str, versions: set[int] | None) -> None:
        assert versions_matching(value) == (None if versions is None else frozenset(versions))

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(value=st.text(st.characters(max_codepoint=0xFF)))
    def test_the_parser_admits_versions_or_refuses_never_anything_else(self, value: str) -> None:
        try:
            versions = versions_matching(value)
        except MalformedIfMatch:
            return
        assert versions is None or all(isinstance(version, int) and version >= 0 for version in versions)

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(if_match=st.one_of(st.binary(max_size=24), st.sampled_from([b'"1"', b"*", b'W/"1"', b'"1",'])))
    def test_any_header_value_is_answered_without_a_server_error(
        self, client: TestClient, keys: Keys, quote: dict[str, Any], if_match: bytes
    ) -> None:
        """Approving a draft is refused either way (409), so every example starts from the same quote."""
        response = client.post(f"/v1/quotes/{quote['id']}/approve",
                               headers=keys.headers("approver", **{"If-Match": if_match}))
        assert response.status_code in (400, 409, 412), response.text


#: A Unix timestamp of midnight, which lax parsing took for 2026-01-15.
TIMESTAMP = 1768435200


class TestStrictTypes:
    """Request bodies take JSON's own types: no `true` for 1, `"5"` for 5, 0 for false, number for a date or money."""

    @pytest.mark.parametrize(("change", "loc"), [
        ({"lines": [{"sku": "TIX-PRO", "quantity": True}]}, ["body", "lines", "0", "quantity"]),
        ({"lines": [{"sku": "TIX-PRO", "quantity": "5"}]}, ["body", "lines", "0", "quantity"]),
        ({"lines": [{"sku": "TIX-PRO", "quantity": 5.5}]}, ["body", "lines", "0", "quantity"]),
        ({"term_months": "12"}, ["body", "term_months"]),
        ({"start_date": TIMESTAMP}, ["body", "start_date"]),
        ({"start_date": "2026-01-15T00:00:00"}, ["body", "start_date"]),
        ({"valid_until": TIMESTAMP}, ["body", "valid_until"]),
        ({"renewal": {"auto_renew": 0}}, ["body", "renewal", "auto_renew"]),
        ({"renewal": {"auto_renew": "true"}}, ["body", "renewal", "auto_renew"]),
        ({"renewal": {"lead_days": True}}, ["body", "renewal", "lead_days"]),
        ({"lines": [{"sku": "TIX-PRO", "quantity": 5, "discount_percent": 10}]},
         ["body", "lines", "0", "discount_percent"]),
        ({"lines": [{"sku": "TIX-PRO", "quantity": 5, "discount_amount": 1.5}]},
         ["body", "lines", "0", "discount_amount"]),
        ({"lines": [{"sku": "TIX-PRO", "quantity": 5, "discount_amount": "1e1"}]},
         ["body", "lines", "0", "discount_amount"]),
    ])
    def test_a_quote_with_a_value_of_another_type_is_a_422_at_the_field(
        self, client: TestClient, keys: Keys, session: Session, change: dict[str, Any], loc: list[str]
    ) -> None:
        seed_catalog(session)
        account = create_account(client, keys)
        response = client.post("/v1/quotes", headers=keys.headers("sales"),
                               json={**quote_body(account_id=account["id"]), **change})
        assert_problem(response, 422, code="validation_error", loc=loc)
        assert client.get("/v1/quotes", headers=keys.headers("sales")).json()["data"] == []

    @pytest.mark.parametrize(("path", "body", "loc"), [
        ("/v1/products", {**PRODUCT, "active": 1}, ["body", "active"]),
        ("/v1/products", {**PRODUCT, "tier_rank": True}, ["body", "tier_rank"]),
        ("/v1/products", {**PRODUCT, "included_quantity": "10"}, ["body", "included_quantity"]),
        ("/v1/price-book-entries", {**ENTRY, "unit_price": 25}, ["body", "unit_price"]),
        ("/v1/price-book-entries", {**ENTRY, "effective_from": TIMESTAMP}, ["body", "effective_from"]),
        ("/v1/discount-schedules", {"sku": "ADDON", "type": "volume", "bands": [{"from": "5", "discount_percent": "5"}]},
         ["body", "bands", "0", "from"]),
        ("/v1/discount-schedules", {"sku": "ADDON", "type": "volume", "bands": [{"from": 5, "discount_percent": 5}]},
         ["body", "bands", "0", "discount_percent"]),
    ])
    def test_a_catalog_object_with_a_value_of_another_type_is_a_422_at_the_field(
        self, client: TestClient, keys: Keys, path: str, body: dict[str, Any], loc: list[str]
    ) -> None:
        assert client.post("/v1/products", headers=keys.headers("admin"), json={**PRODUCT, "sku": "ADDON"}).is_success
        before = client.get(path, headers=keys.headers("admin")).json()["data"]
        assert_problem(client.post(path, headers=keys.headers("admin"), json=body), 422, code="validation_error",
                       loc=loc)
        assert client.get(path, headers=keys.headers("admin")).json()["data"] == before

    @pytest.mark.parametrize(("url", "loc"), [
        ("/v1/accounts?limit=5.0", ["query", "limit"]), ("/v1/accounts?limit=true", ["query", "limit"]),
        ("/v1/accounts?limit=+5", ["query", "limit"]), ("/v1/accounts?limit=5_0", ["query", "limit"]),
        ("/v1/products?active=1", ["query", "active"]), ("/v1/products?active=yes", ["query", "active"]),
        ("/v1/products?kind=plans", ["query", "kind"]), ("/v1/quotes?status=Draft", ["query", "status"]),
        ("/v1/contracts?status=live", ["query", "status"]), ("/v1/contracts?as_of=20260115", ["query", "as_of"]),
        (f"/v1/contracts?as_of={TIMESTAMP}", ["query", "as_of"]), ("/v1/events?after=1.0", ["query", "after"]),
        ("/v1/invoice-lines?from=2026-01-01&to=2026-02-01T00:00:00", ["query", "to"]),
    ])
    def test_a_query_parameter_of_another_shape_or_outside_its_values_is_a_422(
        self, client: TestClient, keys: Keys, url: str, loc: list[str]
    ) -> None:
        assert_problem(client.get(url, headers=keys.headers("admin")), 422, code="validation_error", loc=loc)

    def test_the_documented_shapes_are_taken(self, client: TestClient, keys: Keys) -> None:
        client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        assert client.get("/v1/products?active=true&kind=plan&limit=5", headers=keys.headers("sales")).json()[
            "data"][0]["sku"] == "TIX-PRO"
        assert client.get("/v1/contracts?as_of=2026-01-15&status=active", headers=keys.headers("sales")).json() == {
            "data": [], "next_cursor": None}
        created = client.post("/v1/price-book-entries", headers=keys.headers("admin"), json=ENTRY)
        assert created.status_code == 201 and created.json()["unit_price"] == "25.00"


class TestPagination:
    def test_pages_follow_the_cursor_without_gaps_or_repeats_even_with_inserts(
        self, client: TestClient, keys: Keys
    ) -> None:
        for index in range(5):
            client.post("/v1/accounts", headers=keys.headers("sales"), json={**ACCOUNT, "name": f"A{index}"})
        first = client.get("/v1/accounts?limit=2", headers=keys.headers("sales")).json()
        client.post("/v1/accounts", headers=keys.headers("sales"), json={**ACCOUNT, "name": "A5"})
        names = [a["name"] for a in first["data"]]
        cursor = first["next_cursor"]
        while cursor:
            page = client.get(f"/v1/accounts?limit=2&cursor={cursor}", headers=keys.headers("sales")).json()
            names += [a["name"] for a in page["data"]]
            cursor = page["next_cursor"]
        assert names == ["A0", "A1", "A2", "A3", "A4", "A5"]

    @pytest.mark.parametrize(("query", "loc"), [
        ("cursor=%%%", ["query", "cursor"]), ("limit=501", ["query", "limit"]), ("limit=0", ["query", "limit"]),
    ])
    def test_a_bad_cursor_or_limit_is_a_422_problem(
        self, client: TestClient, keys: Keys, query: str, loc: list[str]
    ) -> None:
        assert_problem(client.get(f"/v1/accounts?{query}", headers=keys.headers("sales")), 422, loc=loc)


class TestPortal:
    def test_a_portal_key_sees_its_own_finalized_quotes_and_nothing_of_others(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        seed_catalog(session)
        mine, theirs = create_account(client, keys), create_account(client, keys, name="Other")
        draft = create_quote(client, keys, account_id=mine["id"])
        sent = finalize(client, keys, create_quote(client, keys, account_id=mine["id"])["id"])
        other = finalize(client, keys, create_quote(client, keys, account_id=theirs["id"])["id"])
        portal = keys.portal(mine["id"])
        listed = client.get("/v1/quotes", headers=portal).json()["data"]
        assert [q["id"] for q in listed] == [sent["id"]]
        assert client.get(f"/v1/quotes/{draft['id']}", headers=portal).status_code == 404
        assert client.get(f"/v1/quotes/{other['id']}", headers=portal).status_code == 404
        assert client.get(f"/v1/quotes/{other['id']}/document", headers=portal).status_code == 404
        assert client.get(f"/v1/accounts/{theirs['id']}", headers=portal).status_code == 404
        assert [a["id"] for a in client.get("/v1/accounts", headers=portal).json()["data"]] == [mine["id"]]
        accepted = client.post(f"/v1/quotes/{sent['id']}/accept", headers=portal, json={
            "signer_name": "Client", "signer_email": "c@example.org", "document_sha256": sent["document_sha256"]})
        assert accepted.status_code == 200
        contract_id = accepted.json()["contract"]["id"]
        assert client.get(f"/v1/contracts/{contract_id}", headers=portal).status_code == 200
        assert client.get(f"/v1/contracts/{contract_id}", headers=keys.portal(theirs["id"])).status_code == 404

    @pytest.mark.parametrize("path", ["/v1/quotes", "/v1/contracts"])
    def test_a_portal_key_filtering_on_another_account_is_404_as_reading_it_is(
        self, client: TestClient, keys: Keys, session: Session, path: str
    ) -> None:
        seed_catalog(session)
        mine, theirs = create_account(client, keys), create_account(client, keys, name="Other")
        sent = finalize(client, keys, create_quote(client, keys, account_id=mine["id"])["id"])
        finalize(client, keys, create_quote(client, keys, account_id=theirs["id"])["id"])
        portal = keys.portal(mine["id"])
        problem = assert_problem(client.get(f"{path}?account_id={theirs['id']}", headers=portal), 404,
                                 code="unknown_account")
        assert problem["detail"] == assert_problem(client.get(f"/v1/accounts/{theirs['id']}", headers=portal), 404,
                                                   code="unknown_account")["detail"]
        own = client.get(f"{path}?account_id={mine['id']}", headers=portal)
        assert own.status_code == 200
        assert [q["id"] for q in own.json()["data"]] == ([sent["id"]] if path == "/v1/quotes" else [])

    def test_a_portal_key_must_name_an_existing_account(self, client: TestClient, keys: Keys) -> None:
        before = client.get("/v1/api-keys", headers=keys.headers("admin")).json()["data"]
        response = client.post("/v1/api-keys", headers=keys.headers("admin"), json={"role": "portal"})
        assert_problem(response, 422)
        assert client.get("/v1/api-keys", headers=keys.headers("admin")).json()["data"] == before
        created = client.post("/v1/api-keys", headers=keys.headers("admin"), json={"role": "finance"})
        assert created.status_code == 201 and created.json()["key"].startswith("cpq_")
        listed = client.get("/v1/api-keys", headers=keys.headers("admin")).json()["data"]
        assert all("key" not in k and "key_hash" not in k for k in listed)


class TestOperations:
    def test_health_reports_the_database_and_storage(self, client: TestClient) -> None:
        assert client.get("/health").json() == {"status": "ok", "database": "ok", "storage": "ok"}

    def test_metrics_count_requests_by_route(self, client: TestClient, keys: Keys) -> None:
        client.get("/v1/products", headers=keys.headers("sales"))
        text = client.get("/metrics").text
        assert 'cpq_http_requests_total{method="GET",route="/v1/products",status="200"}' in text

    def test_openapi_and_docs_are_served(self, client: TestClient) -> None:
        assert "/v1/quotes/{quote_id}/accept" in client.get("/openapi.json").json()["paths"]
        assert client.get("/docs").status_code == 200

    def test_an_unknown_path_is_a_404_problem(self, client: TestClient) -> None:
        response = client.get("/v1/nothing-here")
        assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
