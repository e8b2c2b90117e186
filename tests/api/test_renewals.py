"""Renewals over HTTP: renewal quotes, the run on a sequence of dates, expiry, evergreen uplifts, cancellation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import Keys, accept, amend, finalize, renew_by_hand, signed_contract
from tests.builders import renewal_run as run
from tests.problems import assert_problem

UPLIFT_5 = {"auto_renew": True, "pricing": "uplift", "uplift_percent": "5", "lead_days": 60, "notice_days": 30}


def counts(report: dict[str, Any]) -> tuple[int, ...]:
    return tuple(report[name] for name in ("renewal_quotes_created", "contracts_renewed", "contracts_expired",
                                           "evergreen_uplifts", "cancellations_effective"))


def contract_on(client: TestClient, keys: Keys, contract_id: str, as_of: str) -> dict[str, Any]:
    response = client.get(f"/v1/contracts/{contract_id}?as_of={as_of}", headers=keys.headers("sales"))
    assert response.status_code == 200, response.text
    return response.json()


def quote(client: TestClient, keys: Keys, quote_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/quotes/{quote_id}", headers=keys.headers("sales"))
    assert response.status_code == 200, response.text
    return response.json()


def held(contract: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(s["sku"], s["quantity"], s["net_unit_price"]) for s in contract["segments"]]


def lines(client: TestClient, keys: Keys, contract_id: str, start: str, end: str) -> list[tuple[str, str, str]]:
    response = client.get(f"/v1/invoice-lines?from={start}&to={end}&contract_id={contract_id}&limit=500",
                          headers=keys.headers("finance"))
    assert response.status_code == 200, response.text
    return [(ln["invoice_date"], ln["kind"], ln["amount"]) for ln in response.json()["data"]]


class TestRenewalQuote:
    def test_uplift_of_five_percent_raises_21_to_22_05_for_the_next_term(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
        response = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales"))
        assert response.status_code == 201, response.text
        renewal = response.json()
        (line,) = renewal["lines"]
        assert (renewal["type"], renewal["status"], renewal["renewal_term"]) == ("renewal", "draft", 2)
        assert (renewal["start_date"], renewal["end_date"], renewal["term_months"]) == (
            "2027-01-15", "2028-01-15", 12)
        assert (line["previous_net_unit_price"], line["net_unit_price"], line["pricing_method"],
                line["price_capped"], line["quantity"]) == ("21.00", "22.05", "uplift", False, 20)
        assert renewal["totals"]["mrr"] == "441.00"
        again = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales"))
        assert (again.status_code, again.json()["id"]) == (200, renewal["id"])
        assert contract_on(client, keys, contract["id"], "2026-06-01")["renewal_quote_id"] == renewal["id"]

    def test_uplift_is_capped_at_the_list_price_on_the_renewal_start(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"],
                                   renewal={**UPLIFT_5, "uplift_percent": "30"})
        renewal = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales")).json()
        (line,) = renewal["lines"]
        assert (line["net_unit_price"], line["list_unit_price"], line["price_capped"]) == ("25.00", "25.00", True)

    def test_list_pricing_reapplies_the_contracted_price_and_drops_the_reps_discount(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"],
                                   lines=[{"sku": "TIX-PRO", "quantity": 20, "discount_percent": "10"}],
                                   renewal={"pricing": "list"})
        assert held(contract) == [("TIX-PRO", 20, "18.90")]
        renewal = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales")).json()
        (line,) = renewal["lines"]
        assert (line["previous_net_unit_price"], line["contracted_unit_price"], line["net_unit_price"],
                line["pricing_method"]) == ("18.90", "21.00", "21.00", "list")

    def test_same_pricing_keeps_the_net_price(self, client: TestClient, keys: Keys, theatre: dict[str, Any]) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"],
                                   lines=[{"sku": "TIX-PRO", "quantity": 20, "discount_percent": "10"}])
        renewal = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales")).json()
        assert [(ln["net_unit_price"], ln["pricing_method"]) for ln in renewal["lines"]] == [("18.90", "same")]

    def test_a_decrease_agreed_at_renewal_is_in_the_renewal_quote(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        decrease = amend(client, keys, contract["id"], "2026-04-01",
                         {"action": "remove_quantity", "sku": "TIX-PRO", "quantity": 5})
        accept(client, keys, finalize(client, keys, decrease["id"]))
        renewal = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales")).json()
        assert [(ln["sku"], ln["quantity"]) for ln in renewal["lines"]] == [("TIX-PRO", 15)]
        renewed = contract_on(client, keys, contract["id"], "2027-01-15")
        assert renewed["scheduled_changes"] == []  # nothing left to apply after the term end

    def test_an_amendment_after_the_renewal_quote_reprices_the_draft(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
        renewal = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales")).json()
        seats = amend(client, keys, contract["id"], "2026-04-01",
                      {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})
        accept(client, keys, finalize(client, keys, seats["id"]))
        repriced = quote(client, keys, renewal["id"])
        assert (repriced["status"], repriced["base_version"], repriced["version"]) == ("draft", 2, 2)
        assert [(ln["quantity"], ln["net_unit_price"]) for ln in repriced["lines"]] == [(25, "22.05")]

    def test_accepting_the_renewal_quote_renews_the_same_contract(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
        renewal = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales")).json()
        result = accept(client, keys, finalize(client, keys, renewal["id"]))
        renewed = result["contract"]
        assert (renewed["id"], renewed["number"], renewed["version"], renewed["end_date"]) == (
            contract["id"], contract["number"], 2, "2028-01-15")
        assert [(t["term"], t["start_date"], t["end_date"], t["quote_id"], t["outcome"]) for t in renewed["terms"]] == [
            (1, "2026-01-15", "2027-01-15", contract["source_quote_id"], "renewed"),
            (2, "2027-01-15", "2028-01-15", renewal["id"], None)]
        assert held(contract_on(client, keys, contract["id"], "2027-01-14")) == [("TIX-PRO", 20, "21.00")]
        assert held(contract_on(client, keys, contract["id"], "2027-01-15")) == [("TIX-PRO", 20, "22.05")]
        billed = lines(client, keys, contract["id"], "2026-12-01", "2027-03-01")
        assert billed == [("2026-12-15", "recurring", "420.00"), ("2027-01-15", "recurring", "441.00"),
                          ("2027-02-15", "recurring", "441.00")]
        assert counts(run(client, keys, "2027-01-15")) == (0, 0, 0, 0, 0)  # nothing left for the run


class TestRun:
    def test_lead_window_then_end_date_then_nothing_again(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
        assert counts(run(client, keys, "2026-11-15")) == (0, 0, 0, 0, 0)  # lead window opens 2026-11-16
        made = run(client, keys, "2026-11-16")
        assert counts(made) == (1, 0, 0, 0, 0)
        renewal_id = contract_on(client, keys, contract["id"], "2026-11-16")["renewal_quote_id"]
        assert quote(client, keys, renewal_id)["status"] == "draft"
        assert counts(run(client, keys, "2027-01-15")) == (0, 1, 0, 0, 0)
        renewed = contract_on(client, keys, contract["id"], "2027-01-15")
        assert (renewed["status"], len(renewed["terms"]), renewed["end_date"]) == ("active", 2, "2028-01-15")
        assert held(renewed) == [("TIX-PRO", 20, "22.05")]
        assert quote(client, keys, renewal_id)["status"] == "accepted"
        assert counts(run(client, keys, "2027-01-15")) == (0, 0, 0, 0, 0)
        stored = client.get(f"/v1/renewal-runs/{made['id']}", headers=keys.headers("scheduler")).json()
        assert (stored["as_of"], stored["renewal_quotes_created"], stored["status"]) == ("2026-11-16", 1, "completed")

    def test_a_first_run_after_two_years_catches_up_every_term_in_order(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
        assert counts(run(client, keys, "2028-01-15")) == (2, 2, 0, 0, 0)
        renewed = contract_on(client, keys, contract["id"], "2028-01-15")
        assert [t["end_date"] for t in renewed["terms"]] == ["2027-01-15", "2028-01-15", "2029-01-15"]
        assert held(renewed) == [("TIX-PRO", 20, "23.1525")]

    def test_a_contract_without_auto_renew_expires_and_bills_nothing_after(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        assert counts(run(client, keys, "2027-01-15")) == (1, 0, 1, 0, 0)
        expired = contract_on(client, keys, contract["id"], "2027-01-15")
        assert (expired["status"], expired["segments"], expired["terms"][0]["outcome"]) == ("expired", [], "expired")
        assert lines(client, keys, contract["id"], "2027-01-01", "2027-06-01") == []
        assert quote(client, keys, expired["renewal_quote_id"])["status"] == "expired"

    def test_a_declined_renewal_quote_lets_an_auto_renew_contract_expire(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
        renewal = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales")).json()
        finalize(client, keys, renewal["id"])
        declined = client.post(f"/v1/quotes/{renewal['id']}/decline", headers=keys.headers("sales"))
        assert declined.status_code == 200, declined.text
        assert counts(run(client, keys, "2027-01-15")) == (0, 0, 1, 0, 0)
        assert contract_on(client, keys, contract["id"], "2027-01-15")["status"] == "expired"

    def test_a_dry_run_reports_and_writes_nothing(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
        report = run(client, keys, "2027-01-15", dry_run=True)
        assert counts(report) == (1, 1, 0, 0, 0)
        missing = client.get(f"/v1/renewal-runs/{report['id']}", headers=keys.headers("scheduler"))
        assert_problem(missing, 404, code="unknown_renewal_run")
        unchanged = contract_on(client, keys, contract["id"], "2027-01-15")
        assert (unchanged["version"], unchanged["renewal_quote_id"], len(unchanged["terms"])) == (1, None, 1)
        runs = client.get("/v1/renewal-runs", headers=keys.headers("scheduler")).json()
        assert runs == []


class TestEvergreen:
    def test_the_uplift_applies_once_on_each_anniversary(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], start_date="2026-01-01", term_months=None,
                                   renewal=UPLIFT_5)
        assert counts(run(client, keys, "2027-01-01")) == (0, 0, 0, 1, 0)
        assert counts(run(client, keys, "2027-06-01")) == (0, 0, 0, 0, 0)
        assert held(contract_on(client, keys, contract["id"], "2026-12-31")) == [("TIX-PRO", 20, "21.00")]
        assert held(contract_on(client, keys, contract["id"], "2027-01-01")) == [("TIX-PRO", 20, "22.05")]
        assert lines(client, keys, contract["id"], "2026-12-01", "2027-03-01") == [
            ("2026-12-01", "recurring", "420.00"), ("2027-01-01", "recurring", "441.00"),
            ("2027-02-01", "recurring", "441.00")]

    def test_a_decrease_agreed_at_renewal_applies_on_the_next_anniversary_before_the_uplift(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], start_date="2026-01-01", term_months=None,
                                   renewal=UPLIFT_5)
        decrease = amend(client, keys, contract["id"], "2026-04-01",
                         {"action": "remove_quantity", "sku": "TIX-PRO", "quantity": 5})
        assert decrease["lines"][0]["start_date"] == "2027-01-01"
        accept(client, keys, finalize(client, keys, decrease["id"]))
        assert counts(run(client, keys, "2027-01-01")) == (0, 0, 0, 1, 0)
        assert held(contract_on(client, keys, contract["id"], "2027-01-01")) == [("TIX-PRO", 15, "22.05")]
        assert lines(client, keys, contract["id"], "2026-12-01", "2027-02-01") == [
            ("2026-12-01", "recurring", "420.00"), ("2027-01-01", "recurring", "330.75")]

    def test_without_uplift_an_agreed_decrease_still_applies_on_the_anniversary(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], start_date="2026-01-01", term_months=None)
        decrease = amend(client, keys, contract["id"], "2026-04-01",
                         {"action": "remove_product", "sku": "TIX-PRO"})
        accept(client, keys, finalize(client, keys, decrease["id"]))
        assert counts(run(client, keys, "2026-12-31")) == (0, 0, 0, 0, 0)
        assert counts(run(client, keys, "2027-01-01")) == (0, 0, 0, 1, 0)
        assert held(contract_on(client, keys, contract["id"], "2027-01-01")) == []
        assert lines(client, keys, contract["id"], "2026-12-01", "2027-03-01") == [
            ("2026-12-01", "recurring", "420.00")]
        assert counts(run(client, keys, "2028-06-01")) == (0, 0, 0, 0, 0)

    def test_a_cancellation_takes_effect_at_the_first_period_end_after_the_notice(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], start_date="2026-01-01", term_months=None,
                                   renewal={"notice_days": 30})
        response = client.post(f"/v1/contracts/{contract['id']}/cancel", headers=keys.headers("sales"),
                               json={"requested_on": "2026-06-20", "reason": "budget"})
        assert response.status_code == 200, response.text
        assert response.json()["cancellation"] == {"requested_on": "2026-06-20", "effective_on": "2026-08-01",
                                                   "reason": "budget"}
        assert counts(run(client, keys, "2026-07-31")) == (0, 0, 0, 0, 0)
        assert counts(run(client, keys, "2026-08-01")) == (0, 0, 0, 0, 1)
        cancelled = contract_on(client, keys, contract["id"], "2026-08-01")
        assert (cancelled["status"], cancelled["end_date"], cancelled["segments"]) == ("cancelled", "2026-08-01", [])
        assert lines(client, keys, contract["id"], "2026-06-01", "2026-12-01") == [
            ("2026-06-01", "recurring", "420.00"), ("2026-07-01", "recurring", "420.00")]
        again = client.post(f"/v1/contracts/{contract['id']}/cancel", headers=keys.headers("sales"),
                            json={"requested_on": "2026-09-01"})
        assert_problem(again, 409, code="conflict")


class TestSettings:
    def test_a_rep_changes_the_renewal_pricing_with_if_match(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
        renewal = client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales")).json()
        stale = client.patch(f"/v1/contracts/{contract['id']}", headers={**keys.headers("sales"), "If-Match": '"7"'},
                             json={"renewal": {"pricing": "list", "uplift_percent": None}})
        assert_problem(stale, 412, code="precondition_failed")
        response = client.patch(f"/v1/contracts/{contract['id']}",
                                headers={**keys.headers("sales"), "If-Match": '"1"'},
                                json={"renewal": {"pricing": "list", "uplift_percent": None}})
        assert response.status_code == 200, response.text
        assert (response.json()["renewal"]["pricing"], response.json()["version"]) == ("list", 2)
        repriced = quote(client, keys, renewal["id"])
        assert [(ln["net_unit_price"], ln["pricing_method"]) for ln in repriced["lines"]] == [("21.00", "list")]
        uplift = client.patch(f"/v1/contracts/{contract['id']}", headers=keys.headers("sales"),
                              json={"renewal": {"pricing": "uplift", "uplift_percent": "10"}})
        assert uplift.status_code == 200, uplift.text
        assert [ln["net_unit_price"] for ln in quote(client, keys, renewal["id"])["lines"]] == ["23.10"]

    def test_clearing_the_renewal_term_renews_for_the_current_terms_length(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], renewal={**UPLIFT_5, "term_months": 24})
        client.post(f"/v1/contracts/{contract['id']}/renewal-quote", headers=keys.headers("sales"))
        response = client.patch(f"/v1/contracts/{contract['id']}", headers=keys.headers("sales"),
                                json={"renewal": {"term_months": None}})
        assert response.status_code == 200, response.text
        renewal = quote(client, keys, response.json()["renewal_quote_id"])
        assert (renewal["term_months"], renewal["end_date"]) == (12, "2028-01-15")

    def test_a_cancellation_before_the_contract_starts_is_refused_and_changes_nothing(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        response = client.post(f"/v1/contracts/{contract['id']}/cancel", headers=keys.headers("sales"),
                               json={"requested_on": "2025-12-31"})
        assert_problem(response, 422, code="invalid_input")
        after = contract_on(client, keys, contract["id"], "2026-02-01")
        assert (after["cancellation"], after["version"]) == (None, 1)


def test_a_run_years_ahead_is_refused_and_changes_nothing(client: TestClient, keys: Keys,
                                                            theatre: dict[str, Any]) -> None:
    contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
    response = client.post("/v1/renewal-runs", headers=keys.headers("scheduler"), json={"as_of": "2029-01-11"})
    assert_problem(response, 422, code="as_of_too_far_ahead")
    assert client.get("/v1/renewal-runs", headers=keys.headers("scheduler")).json() == []
    assert contract_on(client, keys, contract["id"], "2026-02-01")["version"] == 1


def test_only_the_scheduler_runs_renewals(client: TestClient, keys: Keys) -> None:
    response = client.post("/v1/renewal-runs", headers=keys.headers("sales"), json={"as_of": "2026-01-10"})
    assert_problem(response, 403)


def test_a_leap_day_contract_renewed_twice_keeps_billing_from_its_anchor(
    client: TestClient, keys: Keys, theatre: dict[str, Any]
) -> None:
    contract = signed_contract(client, keys, account_id=theatre["id"], start_date="2028-02-29")
    renew_by_hand(client, keys, contract["id"])
    renewed = renew_by_hand(client, keys, contract["id"])
    assert [(t["start_date"], t["end_date"]) for t in renewed["terms"]] == [
        ("2028-02-29", "2029-02-28"), ("2029-02-28", "2030-02-28"), ("2030-02-28", "2031-02-28")]
    billed = lines(client, keys, contract["id"], "2029-01-01", "2029-06-01")
    assert [date for date, _, _ in billed] == ["2029-01-29", "2029-02-28", "2029-03-29", "2029-04-29", "2029-05-29"]
    over_three_terms = lines(client, keys, contract["id"], "2028-01-01", "2031-06-01")
    assert len(over_three_terms) == 36 and {amount for _, _, amount in over_three_terms} == {"420.00"}


def test_invoice_lines_over_two_terms_add_up_to_both_terms_value(
    client: TestClient, keys: Keys, theatre: dict[str, Any]
) -> None:
    """Seats added in term 1 and an uplifted term 2: what is invoiced is what each term is worth."""
    contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
    seats = amend(client, keys, contract["id"], "2026-04-01", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})
    accept(client, keys, finalize(client, keys, seats["id"]))
    assert counts(run(client, keys, "2027-01-15")) == (1, 1, 0, 0, 0)
    billed = lines(client, keys, contract["id"], "2026-01-01", "2028-06-01")
    total = sum((Decimal(amount) for _, _, amount in billed), Decimal(0))
    term_one = Decimal("420.00") * 12 + Decimal("992.42")  # the seat example's remaining term value
    term_two = Decimal(25) * Decimal("22.05") * 12
    assert total == term_one + term_two
    assert billed[-1] == ("2027-12-15", "recurring", "551.25")


def test_a_renewal_quote_past_its_validity_still_renews_an_auto_renew_contract(
    app: Any, client: TestClient, keys: Keys, theatre: dict[str, Any]
) -> None:
    """Neither accepted nor declined: at the end date it is priced again and the contract renews with it."""
    from app.api.deps import get_today

    contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
    renewal = finalize(client, keys, client.post(f"/v1/contracts/{contract['id']}/renewal-quote",
                                                 headers=keys.headers("sales")).json()["id"])
    app.dependency_overrides[get_today] = lambda: date(2026, 12, 1)  # after its 30 days of validity
    late = client.post(f"/v1/quotes/{renewal['id']}/accept", headers=keys.headers("sales"), json={
        "signer_name": "A", "signer_email": "a@example.org", "document_sha256": renewal["document_sha256"]})
    assert_problem(late, 409, code="quote_expired")
    assert counts(run(client, keys, "2027-01-15")) == (0, 1, 0, 0, 0)
    renewed = contract_on(client, keys, contract["id"], "2027-01-15")
    assert (renewed["status"], held(renewed)) == ("active", [("TIX-PRO", 20, "22.05")])
    assert quote(client, keys, renewal["id"])["status"] == "accepted"


def test_a_stale_renewal_quote_is_priced_again_before_the_run_renews_with_it(
    client: TestClient, keys: Keys, theatre: dict[str, Any]
) -> None:
    contract = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
    renewal = finalize(client, keys, client.post(f"/v1/contracts/{contract['id']}/renewal-quote",
                                                 headers=keys.headers("sales")).json()["id"])
    seats = amend(client, keys, contract["id"], "2026-04-01", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})
    accept(client, keys, finalize(client, keys, seats["id"]))
    assert quote(client, keys, renewal["id"])["status"] == "stale"
    assert counts(run(client, keys, "2027-01-15")) == (0, 1, 0, 0, 0)
    assert held(contract_on(client, keys, contract["id"], "2027-01-15")) == [("TIX-PRO", 25, "22.05")]


def test_quotes_are_listed_by_type_and_contract(client: TestClient, keys: Keys, theatre: dict[str, Any]) -> None:
    first = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
    other = signed_contract(client, keys, account_id=theatre["id"], renewal=UPLIFT_5)
    renewals = {c["id"]: client.post(f"/v1/contracts/{c['id']}/renewal-quote", headers=keys.headers("sales")).json()
                for c in (first, other)}

    def listed(query: str) -> list[str]:
        response = client.get(f"/v1/quotes?{query}", headers=keys.headers("sales"))
        assert response.status_code == 200, response.text
        return [q["number"] for q in response.json()["data"]]

    assert listed("type=renewal") == [renewals[first["id"]]["number"], renewals[other["id"]]["number"]]
    assert listed(f"type=renewal&contract_id={first['id']}") == [renewals[first["id"]]["number"]]
    sale = client.get(f"/v1/quotes/{first['source_quote_id']}", headers=keys.headers("sales")).json()["number"]
    assert listed(f"contract_id={first['id']}") == [sale, renewals[first["id"]]["number"]]  # the quote that made it
    assert len(listed("type=new")) == 2 and listed("type=amendment") == []
    response = client.get("/v1/quotes?type=upsell", headers=keys.headers("sales"))
    assert_problem(response, 422, loc=["query", "type"])  # a type outside the list is refused, not an empty page
