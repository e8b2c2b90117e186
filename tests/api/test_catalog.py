"""Catalog over HTTP: products, price changes from a date, overlaps, discount schedules."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import Keys
from tests.problems import assert_problem

PRODUCT = {"sku": "TIX-PRO", "name": "Ticketing Pro", "family": "ticketing", "kind": "plan", "tier_rank": 2,
           "unit": "seat", "included_quantity": None, "requires": [], "excludes": ["TIX-STARTER", "TIX-ENT"]}


def _entry(client: TestClient, keys: Keys, **fields: object) -> tuple[int, dict]:
    body = {"sku": "TIX-PRO", "currency": "EUR", "pricing_model": "per_unit", "unit_price": "25.00",
            "effective_from": "2026-01-01", **fields}
    response = client.post("/v1/price-book-entries", headers=keys.headers("admin"), json=body)
    return response.status_code, response.json()


class TestProducts:
    def test_a_product_is_created_read_and_deactivated_never_deleted(self, client: TestClient, keys: Keys) -> None:
        created = client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        assert created.status_code == 201 and created.json()["sku"] == "TIX-PRO"
        patched = client.patch("/v1/products/TIX-PRO", headers=keys.headers("admin"), json={"active": False})
        assert patched.json()["active"] is False
        listed = client.get("/v1/products?active=false", headers=keys.headers("sales"))
        assert [p["sku"] for p in listed.json()["data"]] == ["TIX-PRO"]
        assert client.delete("/v1/products/TIX-PRO", headers=keys.headers("admin")).status_code == 405

    def test_a_sku_is_never_reused(self, client: TestClient, keys: Keys) -> None:
        client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        again = client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"

    def test_an_unknown_sku_is_a_404_problem(self, client: TestClient, keys: Keys) -> None:
        response = client.get("/v1/products/NOPE", headers=keys.headers("sales"))
        assert response.status_code == 404 and response.json()["code"] == "unknown_product"

    @pytest.mark.parametrize(("body", "loc"), [
        ({"sku": "X"}, ["body", "sku"]), ({"kind": "addon"}, ["body", "kind"]), ({"name": None}, ["body", "name"]),
    ])
    def test_the_sku_and_kind_cannot_be_patched_nor_a_name_nulled(
        self, client: TestClient, keys: Keys, body: dict[str, Any], loc: list[str]
    ) -> None:
        before = client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT).json()
        response = client.patch("/v1/products/TIX-PRO", headers=keys.headers("admin"), json=body)
        assert_problem(response, 422, code="validation_error", loc=loc)
        assert client.get("/v1/products/TIX-PRO", headers=keys.headers("admin")).json() == before


    def test_a_unit_longer_than_the_column_is_a_422_not_a_database_error(self, client: TestClient, keys: Keys) -> None:
        """PostgreSQL refuses a 33-character unit (varchar(32)); SQLite would store it: the schema says 32."""
        created = client.post("/v1/products", headers=keys.headers("admin"), json={**PRODUCT, "unit": "u" * 33})
        assert_problem(created, 422, code="validation_error", loc=["body", "unit"])
        assert client.get("/v1/products", headers=keys.headers("admin")).json()["data"] == []
        before = client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT).json()
        patched = client.patch("/v1/products/TIX-PRO", headers=keys.headers("admin"), json={"unit": "u" * 33})
        assert_problem(patched, 422, code="validation_error", loc=["body", "unit"])
        assert client.get("/v1/products/TIX-PRO", headers=keys.headers("admin")).json() == before


class TestProductRules:
    """A rule no quote could meet, or one contradicting itself, is refused when the product is defined."""

    @pytest.mark.parametrize(("rules", "loc"), [
        ({"requires": ["TIX-ENT", "NOPE"]}, ["requires", 1]),
        ({"requires": ["ADDON"]}, ["requires", 0]),
        ({"excludes": ["TIX-STARTER", "ADDON"]}, ["excludes", 1]),
        ({"requires": ["TIX-ENT"], "excludes": ["TIX-ENT"]}, ["requires", 0]),
    ])
    def test_a_new_product_with_such_rules_is_a_422_and_is_not_created(
        self, client: TestClient, keys: Keys, rules: dict[str, list[str]], loc: list[str | int]
    ) -> None:
        client.post("/v1/products", headers=keys.headers("admin"), json={**PRODUCT, "sku": "TIX-ENT"})
        body = {"sku": "ADDON", "name": "Add-on", "family": "ticketing", "kind": "addon", **rules}
        assert_problem(client.post("/v1/products", headers=keys.headers("admin"), json=body), 422,
                       code="invalid_input", loc=loc)
        assert client.get("/v1/products/ADDON", headers=keys.headers("admin")).status_code == 404

    def test_a_patch_giving_such_rules_is_a_422_and_changes_nothing(self, client: TestClient, keys: Keys) -> None:
        before = client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT).json()
        for rules, loc in (({"excludes": ["TIX-PRO"]}, ["excludes", 0]), ({"requires": ["NOPE"]}, ["requires", 0]),
                           ({"requires": ["TIX-ENT"]}, ["requires", 0])):
            response = client.patch("/v1/products/TIX-PRO", headers=keys.headers("admin"), json=rules)
            assert_problem(response, 422, code="invalid_input", loc=loc)
        assert client.get("/v1/products/TIX-PRO", headers=keys.headers("admin")).json() == before

    def test_exclusions_may_name_products_created_later(self, client: TestClient, keys: Keys) -> None:
        created = client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        assert created.status_code == 201 and created.json()["excludes"] == ["TIX-STARTER", "TIX-ENT"]


class TestPriceBook:
    def test_a_new_price_closes_the_open_entry_it_starts_inside(self, client: TestClient, keys: Keys) -> None:
        client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        assert _entry(client, keys)[0] == 201
        status, later = _entry(client, keys, unit_price="27.50", effective_from="2026-07-01")
        assert status == 201 and later["unit_price"] == "27.50"
        entries = client.get("/v1/price-book-entries?sku=TIX-PRO", headers=keys.headers("finance")).json()["data"]
        assert [(e["effective_from"], e["effective_to"]) for e in entries] == [
            ("2026-01-01", "2026-07-01"), ("2026-07-01", None)]

    def test_any_other_overlap_is_refused(self, client: TestClient, keys: Keys) -> None:
        client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        _entry(client, keys, effective_from="2026-03-01")
        status, problem = _entry(client, keys, effective_from="2026-01-01", effective_to="2026-04-01")
        assert status == 409 and problem["code"] == "overlapping_price_entry"
        assert len(client.get("/v1/price-book-entries", headers=keys.headers("admin")).json()["data"]) == 1

    def test_tiered_entries_need_increasing_tiers_ending_open(self, client: TestClient, keys: Keys) -> None:
        client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        status, problem = _entry(client, keys, pricing_model="graduated", unit_price=None,
                                 tiers=[{"up_to": 10, "unit_price": "1"}, {"up_to": 5, "unit_price": "1"}])
        assert status == 422 and problem["code"] == "invalid_input" and problem["title"] and problem["detail"]
        assert {tuple(e["loc"]) for e in problem["errors"]} >= {("tiers", 1, "up_to")}
        assert client.get("/v1/price-book-entries", headers=keys.headers("admin")).json()["data"] == []
        status, entry = _entry(client, keys, pricing_model="graduated", unit_price=None, tiers=[
            {"up_to": 9, "unit_price": "90"}, {"up_to": 19, "unit_price": "80"}, {"up_to": None, "unit_price": "70"}])
        assert status == 201 and entry["tiers"][2] == {"up_to": None, "unit_price": "70.00"}

    def test_an_unknown_currency_or_product_is_refused(self, client: TestClient, keys: Keys) -> None:
        client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        status, problem = _entry(client, keys, currency="XYZ")
        assert status == 422 and problem["code"] == "unknown_currency" and "XYZ" in problem["detail"]
        status, problem = _entry(client, keys, sku="NOPE")
        assert status == 404 and problem["code"] == "unknown_product"
        assert client.get("/v1/price-book-entries", headers=keys.headers("admin")).json()["data"] == []


class TestDiscountSchedules:
    def test_bands_are_stored_and_one_schedule_per_type(self, client: TestClient, keys: Keys) -> None:
        client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        body = {"sku": "TIX-PRO", "type": "volume", "bands": [{"from": 50, "discount_percent": "5"},
                                                               {"from": 100, "discount_percent": "10"}]}
        created = client.post("/v1/discount-schedules", headers=keys.headers("admin"), json=body)
        assert created.status_code == 201 and created.json()["bands"][1] == {"from": 100, "discount_percent": "10"}
        assert client.post("/v1/discount-schedules", headers=keys.headers("admin"), json=body).status_code == 409

    def test_bands_must_increase(self, client: TestClient, keys: Keys) -> None:
        client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT)
        body = {"sku": "TIX-PRO", "type": "term", "bands": [{"from": 24, "discount_percent": "5"},
                                                             {"from": 12, "discount_percent": "10"}]}
        response = client.post("/v1/discount-schedules", headers=keys.headers("admin"), json=body)
        assert_problem(response, 422, code="invalid_input", loc=["bands"])
        assert client.get("/v1/discount-schedules", headers=keys.headers("admin")).json()["data"] == []
