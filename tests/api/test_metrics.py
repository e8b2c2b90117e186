"""MRR and movements through the API: DOMAIN's worked example, the drill-down, the series, CSV and refusals."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db.repositories import metrics as metrics_repo
from tests.builders import Keys, accept, amend, create_account, finalize, set_today, signed_contract
from tests.problems import assert_problem

#: DOMAIN (Finance, worked): plans of one family at 20.00 and 30.00 (a higher tier), a 50.00 add-on, and two
#: products of other families at 60.00 and 25.00.
PRODUCTS = (("PLAN-20", "ticketing", "plan", 1, "20.00"), ("PLAN-30", "ticketing", "plan", 2, "30.00"),
            ("ADDON-50", "marketing", "addon", None, "50.00"), ("EVENTS-60", "events", "plan", 1, "60.00"),
            ("CRM-25", "crm", "plan", 1, "25.00"))
WINDOW = "from=2027-02-01&to=2027-08-01"


def add_products(client: TestClient, keys: Keys) -> None:
    for sku, family, kind, rank, price in PRODUCTS:
        product = {"sku": sku, "name": sku, "family": family, "kind": kind, "tier_rank": rank, "unit": "seat",
                   "included_quantity": None, "requires": [], "excludes": []}
        assert client.post("/v1/products", headers=keys.headers("admin"), json=product).status_code == 201
        entry = {"sku": sku, "currency": "EUR", "pricing_model": "per_unit", "unit_price": price,
                 "effective_from": "2026-01-01"}
        assert client.post("/v1/price-book-entries", headers=keys.headers("admin"), json=entry).status_code == 201


def contract_of(client: TestClient, keys: Keys, name: str, sku: str, quantity: int, start: str,
                months: int = 12) -> dict[str, Any]:
    set_today(client, "2026-12-15" if start < "2027-02-01" else start)
    account = create_account(client, keys, name=name)
    return signed_contract(client, keys, account_id=account["id"], start_date=start, term_months=months,
                           mid_term_decrease="credit", lines=[{"sku": sku, "quantity": quantity}])


def amended(client: TestClient, keys: Keys, contract: dict[str, Any], day: str, change: dict[str, Any]) -> None:
    set_today(client, day)
    accept(client, keys, finalize(client, keys, amend(client, keys, contract["id"], day, change)["id"]))


@pytest.fixture
def worked(client: TestClient, keys: Keys) -> dict[str, dict[str, Any]]:
    """A 10 × 20.00 from 2027-01-01, +5 seats on 03-01, a swap to the 30.00 tier on 05-01, a 50.00 add-on on 06-01;
    B 5 × 60.00 for 6 months; C 4 × 25.00, one seat credited on 04-01; D new on 03-01, 6 × 20.00."""
    add_products(client, keys)
    a = contract_of(client, keys, "A", "PLAN-20", 10, "2027-01-01")
    b = contract_of(client, keys, "B", "EVENTS-60", 5, "2027-01-01", months=6)
    c = contract_of(client, keys, "C", "CRM-25", 4, "2027-01-01")
    amended(client, keys, a, "2027-03-01", {"action": "add_quantity", "sku": "PLAN-20", "quantity": 5})
    d = contract_of(client, keys, "D", "PLAN-20", 6, "2027-03-01")
    amended(client, keys, c, "2027-04-01", {"action": "remove_quantity", "sku": "CRM-25", "quantity": 1})
    amended(client, keys, a, "2027-05-01", {"action": "swap", "from_sku": "PLAN-20", "to_sku": "PLAN-30"})
    amended(client, keys, a, "2027-06-01", {"action": "add_product", "sku": "ADDON-50", "quantity": 1})
    return {"A": a, "B": b, "C": c, "D": d}


def get(client: TestClient, keys: Keys, url: str, **headers: str) -> Any:
    response = client.get(url, headers=keys.headers("finance", **headers))
    assert response.status_code == 200, response.text
    return response


def test_the_worked_example_of_domain(client: TestClient, keys: Keys, worked: dict[str, dict[str, Any]]) -> None:
    (eur,) = get(client, keys, f"/v1/metrics/movements?{WINDOW}").json()["currencies"]
    assert eur == {"currency": "EUR", "mrr_from": "600.00", "new": "120.00", "reactivation": "0.00",
                   "seat_expansion": "100.00", "upsell": "150.00", "cross_sell": "50.00", "price_increase": "0.00",
                   "contraction": "-25.00", "churn": "-300.00", "mrr_to": "695.00", "nrr": "95.83", "grr": "45.83"}
    mrr = get(client, keys, "/v1/metrics/mrr?as_of=2027-08-01").json()
    assert mrr == {"as_of": "2027-08-01", "currencies": [
        {"currency": "EUR", "mrr": "695.00", "arr": "8340.00", "accounts": 3}], "groups": None}


@pytest.mark.parametrize("bound", [1000, 0])
def test_each_account_drills_down_to_the_contract_versions_and_quotes_behind_its_figures(
    client: TestClient, keys: Keys, worked: dict[str, dict[str, Any]], bound: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the ids bound in the lookups, and past the bound (every row read, the ids kept in Python)."""
    monkeypatch.setattr(metrics_repo, "MAX_BOUND_IDS", bound)
    accounts = {a["account_name"]: a for a in get(client, keys, f"/v1/metrics/movements?{WINDOW}&detail=true")
                .json()["accounts"]}
    assert sorted(accounts) == ["A", "B", "C", "D"]
    a = accounts["A"]
    assert [(c["movement"], c["amount"], c["version"]) for c in a["changes"]] == [
        ("seat_expansion", "100.00", 2), ("upsell", "150.00", 3), ("cross_sell", "50.00", 4)]
    assert {c["contract_number"] for c in a["changes"]} == {worked["A"]["number"]}
    assert all(c["quote_id"] and c["quote_number"] for c in a["changes"])
    assert [(c["movement"], c["amount"]) for c in accounts["D"]["changes"]] == [("new", "120.00")]
    assert [(c["movement"], c["amount"]) for c in accounts["B"]["changes"]] == [("churn", "-300.00")]
    assert accounts["C"]["contraction"] == "-25.00"
    for account in accounts.values():  # every account's movements add up to its change of MRR
        moved = sum(Decimal(account[name]) for name in ("new", "reactivation", "seat_expansion", "upsell",
                                                         "cross_sell", "price_increase", "contraction", "churn"))
        assert moved == Decimal(account["mrr_to"]) - Decimal(account["mrr_from"])
        assert moved == sum(Decimal(c["amount"]) for c in account["changes"])


def test_a_month_by_month_series_adds_up_to_the_window(
    client: TestClient, keys: Keys, worked: dict[str, dict[str, Any]]
) -> None:
    report = get(client, keys, f"/v1/metrics/movements?{WINDOW}&interval=month").json()
    periods = [(p["from"], p["to"]) for p in report["series"]]
    assert periods == [("2027-02-01", "2027-03-01"), ("2027-03-01", "2027-04-01"), ("2027-04-01", "2027-05-01"),
                       ("2027-05-01", "2027-06-01"), ("2027-06-01", "2027-07-01"), ("2027-07-01", "2027-08-01")]
    march = report["series"][0]["currencies"][0]
    assert (march["seat_expansion"], march["new"], march["mrr_to"]) == ("100.00", "120.00", "820.00")
    assert report["series"][4]["currencies"][0]["churn"] == "-300.00"  # B is not held on 07-01
    assert [p["currencies"][0]["mrr_from"] for p in report["series"][1:]] == [
        p["currencies"][0]["mrr_to"] for p in report["series"][:-1]]


def test_mrr_grouped_by_account_and_by_family(client: TestClient, keys: Keys,
                                              worked: dict[str, dict[str, Any]]) -> None:
    by_family = get(client, keys, "/v1/metrics/mrr?as_of=2027-06-15&group_by=family").json()["groups"]
    assert [(g["family"], g["mrr"], g["accounts"]) for g in by_family] == [
        ("crm", "75.00", 1), ("events", "300.00", 1), ("marketing", "50.00", 1), ("ticketing", "570.00", 2)]
    by_account = get(client, keys, "/v1/metrics/mrr?as_of=2027-06-15&group_by=account").json()["groups"]
    assert sorted((g["account_name"], g["mrr"], g["arr"]) for g in by_account) == [
        ("A", "500.00", "6000.00"), ("B", "300.00", "3600.00"), ("C", "75.00", "900.00"), ("D", "120.00", "1440.00")]


def test_the_figures_as_csv_with_stable_columns(client: TestClient, keys: Keys,
                                                worked: dict[str, dict[str, Any]]) -> None:
    text = get(client, keys, f"/v1/metrics/movements?{WINDOW}&detail=true", accept="text/csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["from", "to", "currency", "account_id", "account_name", "mrr_from", "new",
                             "reactivation", "seat_expansion", "upsell", "cross_sell", "price_increase",
                             "contraction", "churn", "mrr_to", "nrr", "grr"]
    assert (rows[0]["account_id"], rows[0]["upsell"], rows[0]["nrr"]) == ("", "150.00", "95.83")
    assert sorted(r["account_name"] for r in rows[1:]) == ["A", "B", "C", "D"]
    mrr = get(client, keys, "/v1/metrics/mrr?as_of=2027-08-01", accept="text/csv")
    assert mrr.headers["content-type"].startswith("text/csv")
    assert mrr.text.splitlines() == ["as_of,currency,account_id,account_name,family,mrr,arr,accounts",
                                     "2027-08-01,EUR,,,,695.00,8340.00,3"]


def test_a_window_that_does_not_move_forward_is_refused(client: TestClient, keys: Keys) -> None:
    for window in ("from=2027-02-01&to=2027-02-01", "from=2027-03-01&to=2027-02-01"):
        problem = assert_problem(client.get(f"/v1/metrics/movements?{window}", headers=keys.headers("finance")), 422,
                                 code="invalid_input")
        assert "must be before" in problem["detail"]
    assert_problem(client.get("/v1/metrics/movements?from=2027-01-01&to=2037-02-01&interval=month",
                              headers=keys.headers("finance")), 422, code="invalid_input")
    assert_problem(client.get("/v1/metrics/mrr?as_of=2027-01-01&group_by=sku", headers=keys.headers("finance")), 422)
    assert_problem(client.get("/v1/metrics/movements?from=2027-01-01&to=2027-02-01&interval=week",
                              headers=keys.headers("finance")), 422)
    assert_problem(client.get("/v1/metrics/mrr?as_of=2027-01-01", headers=keys.headers("sales")), 403)


def test_no_segment_no_figure(client: TestClient, keys: Keys) -> None:
    assert get(client, keys, "/v1/metrics/mrr?as_of=2027-01-01").json()["currencies"] == []
    report = get(client, keys, f"/v1/metrics/movements?{WINDOW}&detail=true").json()
    assert (report["currencies"], report["accounts"], report["series"]) == ([], [], None)
    assert date.fromisoformat(report["from"]) == date(2027, 2, 1)
