"""Quote pricing and refusals over HTTP: schedules, product rules, approval, ETags, bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import Keys, create_account, create_quote, quote_body, seed_catalog
from tests.problems import assert_problem


@pytest.fixture
def account(client: TestClient, keys: Keys, session: Session) -> dict:
    seed_catalog(session)
    return create_account(client, keys)


def _no_quotes(client: TestClient, keys: Keys) -> bool:
    """Nothing was created: a refused quote leaves no trace."""
    return client.get("/v1/quotes", headers=keys.headers("sales")).json()["data"] == []


def _post(client: TestClient, keys: Keys, body: dict) -> tuple[int, dict]:
    response = client.post("/v1/quotes", headers=keys.headers("sales"), json=body)
    assert response.headers["content-type"].startswith(
        "application/json" if response.status_code == 201 else "application/problem+json")
    return response.status_code, response.json()


class TestWaterfall:
    def test_volume_and_term_schedules_compound_and_graduated_tiers_price_each_tier(
        self, client: TestClient, keys: Keys, account: dict
    ) -> None:
        quote = create_quote(client, keys, account_id=account["id"], term_months=36, lines=[
            {"sku": "TIX-ENT", "quantity": 10}, {"sku": "MKT-CONTACTS", "quantity": 12000}])
        ent, contacts = quote["lines"]
        assert (ent["list_unit_price"], ent["regular_unit_price"], ent["net_unit_price"]) == ("40.00", "36.00", "36.00")
        assert (contacts["list_unit_price"], contacts["mrr"]) == ("0.028333", "340.00")  # (50 + 270 + 20) / 12000
        pro = create_quote(client, keys, account_id=account["id"], lines=[
            {"sku": "TIX-PRO", "quantity": 60, "discount_percent": "10"}])["lines"][0]
        assert (pro["regular_unit_price"], pro["net_unit_price"], pro["mrr"]) == ("23.75", "21.375", "1282.50")
        assert quote["status"] == "draft"

    def test_a_contracted_discount_applies_to_list_and_wins_over_schedules(
        self, client: TestClient, keys: Keys, account: dict
    ) -> None:
        response = client.post(f"/v1/accounts/{account['id']}/contracted-prices", headers=keys.headers("sales"),
                               json={"sku": "TIX-PRO", "discount_percent": "15", "effective_from": "2026-01-01"})
        assert response.status_code == 201
        line = create_quote(client, keys, account_id=account["id"], lines=[{"sku": "TIX-PRO", "quantity": 60}])["lines"][0]
        assert (line["regular_unit_price"], line["contracted_unit_price"], line["net_unit_price"]) == (
            "23.75", "21.25", "21.25")


class TestRefusals:
    @pytest.mark.parametrize(("lines", "loc"), [
        ([{"sku": "NOPE", "quantity": 1}], ["lines", "0", "sku"]),
        ([{"sku": "TIX-PRO", "quantity": 0}], ["lines", "0", "quantity"]),
        ([{"sku": "TIX-PRO", "quantity": -3}], ["lines", "0", "quantity"]),
        ([{"sku": "MKT-SMS", "quantity": 1}], ["lines", "0", "sku"]),
        ([{"sku": "TIX-PRO", "quantity": 1}, {"sku": "TIX-ENT", "quantity": 1}], ["lines", "0", "sku"]),
        ([{"sku": "TIX-PRO", "quantity": 1, "discount_percent": "120"}], ["body", "lines", "0", "discount_percent"]),
        ([], ["body", "lines"]),
    ])
    def test_bad_lines_are_422_naming_the_line(
        self, client: TestClient, keys: Keys, account: dict, lines: list, loc: list
    ) -> None:
        status, problem = _post(client, keys, quote_body(account_id=account["id"], lines=lines))
        assert status == problem["status"] == 422 and problem["type"].startswith("/problems/") and problem["detail"]
        assert loc in [[str(part) for part in e["loc"]] for e in problem["errors"]]
        assert _no_quotes(client, keys)

    def test_a_missing_price_in_the_account_currency_is_refused(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        seed_catalog(session)
        account = create_account(client, keys, currency="JPY")
        status, problem = _post(client, keys, quote_body(account_id=account["id"]))
        assert status == 422 and problem["code"] == "missing_price" and "JPY" in problem["detail"]
        assert _no_quotes(client, keys)

    @pytest.mark.parametrize(("change", "loc"), [
        ({"start_date": "2026-02-30"}, ["body", "start_date"]), ({"start_date": "yesterday"}, ["body", "start_date"]),
        ({"term_months": 0}, ["body", "term_months"]), ({"billing_frequency": "weekly"}, ["body", "billing_frequency"]),
        ({"surprise": True}, ["body", "surprise"]), ({"account_id": "not-a-uuid"}, ["body", "account_id"]),
        ({"renewal": {"pricing": "uplift"}}, ["renewal", "uplift_percent"]),
        ({"proration_method": "hourly"}, ["body", "proration_method"]),
        ({"start_date": "2999-06-01"}, ["term_months"]), ({"start_date": "2950-01-01", "term_months": 600}, ["term_months"]),
    ])
    def test_malformed_fields_are_422_problems(
        self, client: TestClient, keys: Keys, account: dict, change: dict, loc: list[str]
    ) -> None:
        response = client.post("/v1/quotes", headers=keys.headers("sales"),
                               json={**quote_body(account_id=account["id"]), **change})
        assert_problem(response, 422, loc=loc)
        assert _no_quotes(client, keys)

    def test_a_term_ending_past_the_last_date_is_refused_on_edit_too(
        self, client: TestClient, keys: Keys, account: dict
    ) -> None:
        quote = create_quote(client, keys, account_id=account["id"], start_date="2998-06-01")
        response = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales"), json={"term_months": 24})
        problem = assert_problem(response, 422, code="invalid_input", loc=["term_months"])
        assert "3000-06-01" in problem["detail"] and "2999-12-31" in problem["detail"]
        assert client.get(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales")).json() == quote

    def test_an_unknown_account_is_404(self, client: TestClient, keys: Keys, account: dict) -> None:
        response = client.post("/v1/quotes", headers=keys.headers("sales"),
                               json=quote_body(account_id="00000000-0000-7000-8000-000000000000"))
        assert_problem(response, 404, code="unknown_account")
        assert _no_quotes(client, keys)

    def test_a_body_that_is_not_json_is_a_422_problem(self, client: TestClient, keys: Keys) -> None:
        response = client.post("/v1/quotes", headers={**keys.headers("sales"), "content-type": "application/json"},
                               content=b"{not json")
        assert_problem(response, 422, code="validation_error", loc=["body", "1"])
        assert _no_quotes(client, keys)


class TestApproval:
    def test_a_discount_above_the_threshold_needs_an_approver_before_finalize(
        self, client: TestClient, keys: Keys, account: dict
    ) -> None:
        quote = create_quote(client, keys, account_id=account["id"],
                             lines=[{"sku": "TIX-PRO", "quantity": 20, "discount_percent": "25"}])
        assert quote["status"] == "needs_approval"
        refused = client.post(f"/v1/quotes/{quote['id']}/finalize", headers=keys.headers("sales"))
        assert refused.status_code == 409 and refused.json()["code"] == "needs_approval"
        assert client.post(f"/v1/quotes/{quote['id']}/approve", headers=keys.headers("sales")).status_code == 403
        approved = client.post(f"/v1/quotes/{quote['id']}/approve", headers=keys.headers("approver"))
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        assert client.post(f"/v1/quotes/{quote['id']}/finalize", headers=keys.headers("sales")).status_code == 200

    def test_a_discount_at_the_threshold_needs_no_approval_and_an_edit_withdraws_approval(
        self, client: TestClient, keys: Keys, account: dict
    ) -> None:
        quote = create_quote(client, keys, account_id=account["id"],
                             lines=[{"sku": "TIX-PRO", "quantity": 20, "discount_percent": "20"}])
        assert quote["status"] == "draft"
        big = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales"),
                           json={"lines": [{"sku": "TIX-PRO", "quantity": 20, "discount_amount": "6.00"}]}).json()
        assert big["status"] == "needs_approval" and big["lines"][0]["net_unit_price"] == "19.00"
        client.post(f"/v1/quotes/{quote['id']}/approve", headers=keys.headers("approver"))
        edited = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales"), json={"term_months": 24})
        assert edited.json()["status"] == "needs_approval" and edited.json()["totals"]["total_contract_value"] == "9120.00"


class TestVersions:
    def test_every_change_bumps_the_etag_and_a_stale_if_match_is_412(
        self, client: TestClient, keys: Keys, account: dict
    ) -> None:
        quote = create_quote(client, keys, account_id=account["id"])
        url = f"/v1/quotes/{quote['id']}"
        assert client.get(url, headers=keys.headers("sales")).headers["etag"] == '"1"'
        changed = client.patch(url, headers=keys.headers("sales", **{"If-Match": '"1"'}), json={"term_months": 24})
        assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
        stale = client.patch(url, headers=keys.headers("sales", **{"If-Match": '"1"'}), json={"term_months": 36})
        assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
        assert client.get(url, headers=keys.headers("sales")).json()["term_months"] == 24

    def test_cancel_and_decline_close_a_quote(self, client: TestClient, keys: Keys, account: dict) -> None:
        quote = create_quote(client, keys, account_id=account["id"])
        assert client.post(f"/v1/quotes/{quote['id']}/decline", headers=keys.headers("sales")).status_code == 409
        cancelled = client.post(f"/v1/quotes/{quote['id']}/cancel", headers=keys.headers("sales"),
                                json={"reason": "customer chose a competitor"})
        assert cancelled.json()["status"] == "cancelled"
        assert client.post(f"/v1/quotes/{quote['id']}/finalize", headers=keys.headers("sales")).status_code == 409


class TestSizes:
    def test_amounts_too_large_to_store_are_a_422_not_a_500(self, client: TestClient, keys: Keys, account: dict) -> None:
        client.post("/v1/products", headers=keys.headers("admin"),
                    json={"sku": "BIG", "name": "Big", "family": "big", "kind": "addon"})
        client.post("/v1/price-book-entries", headers=keys.headers("admin"), json={
            "sku": "BIG", "currency": "EUR", "pricing_model": "per_unit", "unit_price": "999999999999",
            "effective_from": "2026-01-01"})
        status, problem = _post(client, keys, quote_body(account_id=account["id"],
                                                         lines=[{"sku": "BIG", "quantity": 1_000_000_000}]))
        assert status == 422 and ["lines", 0, "quantity"] in [e["loc"] for e in problem["errors"]]
        assert client.get("/v1/quotes", headers=keys.headers("sales")).json()["data"] == []

    def test_a_contracted_price_overlapping_another_is_a_409(self, client: TestClient, keys: Keys, account: dict) -> None:
        url = f"/v1/accounts/{account['id']}/contracted-prices"
        body = {"sku": "TIX-PRO", "unit_price": "21.00", "effective_from": "2026-01-01"}
        assert client.post(url, headers=keys.headers("sales"), json=body).status_code == 201
        again = client.post(url, headers=keys.headers("sales"), json={**body, "effective_from": "2026-06-01"})
        assert_problem(again, 409, code="overlapping_contracted_price")
        both = client.post(url, headers=keys.headers("sales"),
                           json={"sku": "MKT-SMS", "unit_price": "1", "discount_percent": "5", "effective_from": "2026-01-01"})
        assert_problem(both, 422, code="invalid_input")
        assert [p["sku"] for p in client.get(url, headers=keys.headers("sales")).json()["data"]] == ["TIX-PRO"]
