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
                   "contraction": "-25.00", "churn": "-300.00", "mrr_to": "695.00", "nrr": "95.83", "grr": "45.83",
                   "arpa": "231.67"}  # 695.00 / 3 accounts (A, C, D; B churned) = 231.666…
    mrr = get(client, keys, "/v1/metrics/mrr?as_of=2027-08-01").json()
    assert mrr == {"as_of": "2027-08-01", "currencies": [
        {"currency": "EUR", "mrr": "695.00", "arr": "8340.00", "accounts": 3, "arpa": "231.67"}], "groups": None}


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
                             "contraction", "churn", "mrr_to", "nrr", "grr", "arpa", "invoiced_to_date",
                             "remaining_committed", "lifetime_value"]
    assert (rows[0]["account_id"], rows[0]["upsell"], rows[0]["nrr"]) == ("", "150.00", "95.83")
    assert (rows[0]["arpa"], rows[0]["lifetime_value"]) == ("231.67", "")
    assert sorted(r["account_name"] for r in rows[1:]) == ["A", "B", "C", "D"]
    b = next(r for r in rows if r["account_name"] == "B")  # 6 × 300.00, all invoiced before 08-01
    assert (b["arpa"], b["invoiced_to_date"], b["remaining_committed"], b["lifetime_value"]) == (
        "", "1800.00", "0.00", "1800.00")
    mrr = get(client, keys, "/v1/metrics/mrr?as_of=2027-08-01", accept="text/csv")
    assert mrr.headers["content-type"].startswith("text/csv")
    assert mrr.text.splitlines() == ["as_of,currency,account_id,account_name,family,mrr,arr,accounts,arpa",
                                     "2027-08-01,EUR,,,,695.00,8340.00,3,231.67"]


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



def evergreen_of(client: TestClient, keys: Keys, name: str, quantity: int, start: str = "2027-01-01") -> dict[str, Any]:
    """`quantity` × PLAN-20 (20.00) from `start`, billed monthly until cancelled, 30 days' notice."""
    set_today(client, "2026-12-15")
    account = create_account(client, keys, name=name)
    return signed_contract(client, keys, account_id=account["id"], start_date=start, term_months=None,
                           renewal={"notice_days": 30}, lines=[{"sku": "PLAN-20", "quantity": quantity}])


def cancel(client: TestClient, keys: Keys, contract: dict[str, Any], requested_on: str) -> None:
    set_today(client, requested_on)
    response = client.post(f"/v1/contracts/{contract['id']}/cancel", headers=keys.headers("sales"),
                           json={"requested_on": requested_on})
    assert response.status_code == 200, response.text


def run_renewals(client: TestClient, keys: Keys, as_of: str) -> None:
    set_today(client, as_of)
    response = client.post("/v1/renewal-runs", headers=keys.headers("scheduler"), json={"as_of": as_of})
    assert response.status_code == 201, response.text


def invoiced(client: TestClient, keys: Keys, contract: dict[str, Any], start: str, end: str) -> Decimal:
    """What `GET /v1/invoice-lines` sums for the contract in [start, end)."""
    page = get(client, keys, f"/v1/invoice-lines?from={start}&to={end}&contract_id={contract['id']}").json()
    return sum((Decimal(t["amount"]) for t in page["totals"]), Decimal(0))


def lifetime(account: dict[str, Any]) -> tuple[str, str, str]:
    return account["invoiced_to_date"], account["remaining_committed"], account["lifetime_value"]


def test_lifetime_value_is_what_was_invoiced_and_what_the_term_still_obliges(
    client: TestClient, keys: Keys
) -> None:
    """From 2027-01-10 to 2027-06-01 (monthly billing, in advance): Steady 10 × 20.00 for 12 months from 01-15
    (new); Grown the same from 01-01 with 5 seats added on 03-16 (a proration line); Gone evergreen 5 × 20.00 from
    01-01, cancelled on 03-10 with 30 days' notice (effective 05-01): churned."""
    add_products(client, keys)
    steady = contract_of(client, keys, "Steady", "PLAN-20", 10, "2027-01-15")
    grown = contract_of(client, keys, "Grown", "PLAN-20", 10, "2027-01-01")
    gone = evergreen_of(client, keys, "Gone", 5)
    cancel(client, keys, gone, "2027-03-10")
    amended(client, keys, grown, "2027-03-16", {"action": "add_quantity", "sku": "PLAN-20", "quantity": 5})
    run_renewals(client, keys, "2027-05-01")  # the cancellation takes effect
    report = get(client, keys, "/v1/metrics/movements?from=2027-01-10&to=2027-06-01&detail=true").json()
    accounts = {a["account_name"]: a for a in report["accounts"]}
    # Steady: invoiced 01-15 … 05-15, 5 × 200.00 = 1000.00; owed to its term end 2028-01-15: 06-15 … 12-15,
    # 7 × 200.00 = 1400.00; 1000.00 + 1400.00 = 2400.00.
    assert lifetime(accounts["Steady"]) == ("1000.00", "1400.00", "2400.00")
    # Grown: 3 × 200.00 (01-01 … 03-01) + proration 5 × 20.00 × 16/31 days (03-16 → 04-01 of [03-01, 04-01)) = 51.61
    # + 2 × 300.00 (04-01, 05-01) = 1251.61; still owed 7 × 300.00 = 2100.00; 1251.61 + 2100.00 = 3351.61.
    assert lifetime(accounts["Grown"]) == ("1251.61", "2100.00", "3351.61")
    # Gone: 4 × 100.00 (01-01 … 04-01), nothing after its cancellation took effect on 05-01.
    assert lifetime(accounts["Gone"]) == ("400.00", "0.00", "400.00")
    assert accounts["Gone"]["churn"] == "-100.00"
    for contract, name in ((steady, "Steady"), (grown, "Grown"), (gone, "Gone")):  # the lines finance invoices
        assert Decimal(accounts[name]["invoiced_to_date"]) == invoiced(client, keys, contract, "2026-01-01",
                                                                       "2027-06-01")
    # ARPA on 06-01: (200.00 + 300.00) / 2 paying accounts; Gone pays nothing and is not counted.
    (eur,) = report["currencies"]
    assert (eur["mrr_to"], eur["arpa"]) == ("500.00", "250.00")
    assert "arpa" not in accounts["Steady"]
    (mrr,) = get(client, keys, "/v1/metrics/mrr?as_of=2027-06-01").json()["currencies"]
    assert (mrr["accounts"], mrr["arpa"]) == (2, "250.00")
    assert get(client, keys, "/v1/metrics/movements?from=2027-01-10&to=2027-06-01").json()["accounts"] is None


def test_an_evergreen_owes_its_notice_and_a_termed_cancellation_its_term(client: TestClient, keys: Keys) -> None:
    """From 2027-02-01 to 2027-06-10: Open evergreen 3 × 20.00 from 03-01, never cancelled; Leaving 10 × 20.00 for
    12 months from 03-01, cancelled on 04-10 (a termed contract runs to its term end); Lapsed 5 × 60.00 for
    3 months from 01-01, expired on 04-01."""
    add_products(client, keys)
    lapsed = contract_of(client, keys, "Lapsed", "EVENTS-60", 5, "2027-01-01", months=3)
    evergreen_of(client, keys, "Open", 3, start="2027-03-01")
    leaving = contract_of(client, keys, "Leaving", "PLAN-20", 10, "2027-03-01")
    run_renewals(client, keys, "2027-04-01")
    cancel(client, keys, leaving, "2027-04-10")
    assert get(client, keys, f"/v1/contracts/{lapsed['id']}").json()["status"] == "expired"
    report = get(client, keys, "/v1/metrics/movements?from=2027-02-01&to=2027-06-10&detail=true").json()
    accounts = {a["account_name"]: a for a in report["accounts"]}
    # Open: 4 × 60.00 invoiced (03-01 … 06-01); a cancellation asked on 06-10 takes effect at the first period end
    # on or after 07-10, 08-01: the period of 07-01 is still owed, 60.00; 240.00 + 60.00 = 300.00.
    assert lifetime(accounts["Open"]) == ("240.00", "60.00", "300.00")
    # Leaving: 4 × 200.00 invoiced; owed to its term end 2028-03-01: 07-01 … 2028-02-01, 8 × 200.00 = 1600.00.
    assert lifetime(accounts["Leaving"]) == ("800.00", "1600.00", "2400.00")
    # Lapsed: 3 × 300.00, nothing after its term.
    assert lifetime(accounts["Lapsed"]) == ("900.00", "0.00", "900.00")
    (eur,) = report["currencies"]
    assert (eur["mrr_to"], eur["arpa"]) == ("260.00", "130.00")  # (60.00 + 200.00) / 2


def test_a_notice_given_and_a_renewal_made_after_to_are_not_owed(client: TestClient, keys: Keys) -> None:
    """As of 2027-06-10: Noticed evergreen 2 × 20.00 from 03-01, cancellation asked on 05-20 (effective 07-01,
    before a notice given on 06-10 would end it); Renewing 2 × 60.00 for 3 months from 05-01, auto-renewing on
    08-01: the term after `to`'s is not owed on `to`, even once the renewal is made."""
    add_products(client, keys)
    noticed = evergreen_of(client, keys, "Noticed", 2, start="2027-03-01")
    set_today(client, "2027-04-15")
    account = create_account(client, keys, name="Renewing")
    renewing = signed_contract(client, keys, account_id=account["id"], start_date="2027-05-01", term_months=3,
                               renewal={"auto_renew": True}, lines=[{"sku": "EVENTS-60", "quantity": 2}])
    cancel(client, keys, noticed, "2027-05-20")
    url = "/v1/metrics/movements?from=2027-02-01&to=2027-06-10&detail=true"
    for renewed in (False, True):
        if renewed:
            run_renewals(client, keys, "2027-08-01")  # the cancellation takes effect, the renewal is made
            assert invoiced(client, keys, renewing, "2027-08-01", "2027-09-01") == Decimal("120.00")
        accounts = {a["account_name"]: a for a in get(client, keys, url).json()["accounts"]}
        # Noticed: 4 × 40.00 invoiced (03-01 … 06-01); nothing dated from 06-10 to 07-01.
        assert lifetime(accounts["Noticed"]) == ("160.00", "0.00", "160.00")
        # Renewing: 2 × 120.00 invoiced (05-01, 06-01); owed 07-01, the last period of its term [05-01, 08-01).
        assert lifetime(accounts["Renewing"]) == ("240.00", "120.00", "360.00")


def test_arpa_is_null_when_no_account_pays(client: TestClient, keys: Keys) -> None:
    add_products(client, keys)
    contract_of(client, keys, "Lapsed", "EVENTS-60", 5, "2027-01-01", months=3)
    report = get(client, keys, "/v1/metrics/movements?from=2027-02-01&to=2027-05-01&interval=month").json()
    assert [(c["mrr_to"], c["arpa"]) for c in report["currencies"]] == [("0.00", None)]
    # Its term [01-01, 04-01): MRR 300.00 on 03-01, none on 04-01 nor 05-01.
    assert [p["currencies"][0]["arpa"] for p in report["series"]] == ["300.00", None, None]
