"""Amendments over HTTP: docs/domain.md's worked examples, acceptance into contract history, refusals, staleness."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import Keys, accept, amend, create_account, finalize, signed_contract
from tests.problems import assert_problem


class TestWorkedExamples:
    def test_five_seats_added_mid_period_on_monthly_billing(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        quote = amend(client, keys, contract["id"], "2026-04-01", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})
        (line,) = quote["lines"]
        assert (quote["type"], quote["base_version"], quote["effective_date"]) == ("amendment", 1, "2026-04-01")
        assert (line["change"], line["quantity"], line["quantity_before"], line["quantity_after"]) == (
            "seat_expansion", 5, 20, 25)
        assert (line["net_unit_price"], line["proration_fraction"]) == ("21.00", "0.451612903")
        assert (line["amount_due_now"], line["remaining_term_value"], line["mrr_delta"]) == ("47.42", "992.42", "105.00")
        assert quote["totals"] == {  # docs/api.md: in totals itself, beside the other totals
            "mrr": "105.00", "arr": "1260.00", "one_time": "0.00", "total_contract_value": "992.42",
            "first_invoice": "47.42", "proration_due": "47.42", "catch_up_due": "0.00", "amount_due_now": "47.42",
            "remaining_term_value": "992.42", "mrr_delta": "105.00"}
        assert "amendment_totals" not in quote
        assert (quote["start_date"], quote["end_date"]) == ("2026-04-01", "2027-01-15")  # co-terminated

    def test_an_upgrade_on_annual_billing_credits_the_old_plan_and_charges_the_new(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], billing_frequency="annual")
        quote = amend(client, keys, contract["id"], "2026-04-01",
                      {"action": "swap", "from_sku": "TIX-PRO", "to_sku": "TIX-ENT"})
        credit, charge = quote["lines"]
        assert (credit["sku"], credit["side"], credit["change"], credit["amount_due_now"]) == (
            "TIX-PRO", "credit", "upsell", "-3990.58")
        assert (charge["sku"], charge["side"], charge["net_unit_price"], charge["amount_due_now"]) == (
            "TIX-ENT", "charge", "40.00", "7601.10")
        assert quote["totals"]["amount_due_now"] == "3610.52"

    def test_accepting_the_amendment_makes_version_two_and_keeps_history(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        quote = amend(client, keys, contract["id"], "2026-04-01", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})
        result = accept(client, keys, finalize(client, keys, quote["id"]))
        assert result["contract"]["version"] == 2
        url = f"/v1/contracts/{contract['id']}"
        before = client.get(f"{url}?as_of=2026-03-31", headers=keys.headers("sales")).json()
        after = client.get(f"{url}?as_of=2026-04-01", headers=keys.headers("sales")).json()
        assert [(s["sku"], s["quantity"], s["mrr"]) for s in before["segments"]] == [("TIX-PRO", 20, "420.00")]
        assert [(s["sku"], s["quantity"], s["mrr"]) for s in after["segments"]] == [("TIX-PRO", 25, "525.00")]
        versions = client.get(f"{url}/versions", headers=keys.headers("finance")).json()["data"]
        assert [(v["version"], v["quote_id"]) for v in versions] == [(1, contract["source_quote_id"]), (2, quote["id"])]


class TestPolicies:
    def test_at_renewal_records_the_decrease_on_the_contract_without_credit(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], mid_term_decrease="at_renewal")
        quote = amend(client, keys, contract["id"], "2026-04-01",
                      {"action": "remove_quantity", "sku": "TIX-PRO", "quantity": 5})
        (line,) = quote["lines"]
        assert (line["change"], line["scheduled"], line["start_date"], line["amount_due_now"]) == (
            "decrease", True, "2027-01-15", "0.00")
        after = accept(client, keys, finalize(client, keys, quote["id"]))["contract"]
        assert [(s["sku"], s["quantity"]) for s in after["segments"]] == [("TIX-PRO", 20)]
        assert [(c["sku"], c["quantity_after"], c["effective_on"]) for c in after["scheduled_changes"]] == [
            ("TIX-PRO", 15, "2027-01-15")]
        listed = client.get(f"/v1/contracts?account_id={theatre['id']}", headers=keys.headers("sales")).json()
        assert listed["data"][0]["scheduled_changes"] == after["scheduled_changes"]

    def test_credit_makes_a_negative_prorated_line_and_keeps_the_rest(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], mid_term_decrease="credit")
        quote = amend(client, keys, contract["id"], "2026-04-01",
                      {"action": "remove_quantity", "sku": "TIX-PRO", "quantity": 5})
        assert quote["lines"][0]["amount_due_now"] == "-47.42"
        after = accept(client, keys, finalize(client, keys, quote["id"]))["contract"]
        assert [(s["sku"], s["quantity"], s["mrr"]) for s in after["segments"]] == [("TIX-PRO", 15, "315.00")]

    def test_forbid_refuses_a_decrease_naming_the_change(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], mid_term_decrease="forbid")
        problem = amend(client, keys, contract["id"], "2026-04-01",
                        {"action": "add_product", "sku": "CRM-MOD", "quantity": 2},
                        {"action": "remove_product", "sku": "TIX-PRO"}, expect=422)
        assert problem["code"] == "amendment_refused" and problem["errors"][0]["loc"] == ["changes", 1]


class TestRefusals:
    @pytest.mark.parametrize(("effective_date", "change", "loc"), [
        ("2027-01-15", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 1}, ["effective_date"]),
        ("2026-01-14", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 1}, ["effective_date"]),
        ("2026-04-01", {"action": "add_quantity", "sku": "NOPE", "quantity": 1}, ["changes", 0]),
        ("2026-04-01", {"action": "add_product", "sku": "TIX-PRO", "quantity": 1}, ["changes", 0]),
        ("2026-04-01", {"action": "swap", "from_sku": "TIX-PRO", "to_sku": "CRM-MOD"}, ["changes", 0]),
        ("2026-04-01", {"action": "add_product", "sku": "TIX-ENT", "quantity": 1}, ["changes", 0]),
        ("2026-04-01", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 0}, ["changes", 0, "quantity"]),
        ("2026-04-01", {"action": "remove_quantity", "sku": "TIX-PRO", "quantity": 21}, ["changes", 0, "quantity"]),
        ("2026-04-01", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 1_000_000_000}, ["changes", 0]),
    ])
    def test_bad_changes_are_422_naming_the_change(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], effective_date: str, change: dict, loc: list
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], mid_term_decrease="credit")
        problem = amend(client, keys, contract["id"], effective_date, change, expect=422)
        assert loc in [e["loc"] for e in problem["errors"]], problem
        assert client.get(f"/v1/contracts/{contract['id']}", headers=keys.headers("sales")).json()["version"] == 1

    def test_an_add_on_left_without_its_plan_is_refused(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], mid_term_decrease="credit", lines=[
            {"sku": "TIX-PRO", "quantity": 20}, {"sku": "MKT-SMS", "quantity": 1}])
        problem = amend(client, keys, contract["id"], "2026-04-01",
                        {"action": "remove_product", "sku": "TIX-PRO"}, expect=422)
        assert "MKT-SMS requires" in problem["detail"] and problem["errors"][0]["loc"] == ["changes", 0]


class TestConcurrency:
    def test_a_second_amendment_on_the_same_version_goes_stale_and_changes_nothing(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        first = finalize(client, keys, amend(client, keys, contract["id"], "2026-04-01",
                                             {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})["id"])
        second = finalize(client, keys, amend(client, keys, contract["id"], "2026-05-01",
                                              {"action": "add_product", "sku": "CRM-MOD", "quantity": 3})["id"])
        accept(client, keys, first)
        response = client.post(f"/v1/quotes/{second['id']}/accept", headers=keys.headers("sales"), json={
            "signer_name": "B", "signer_email": "b@example.org", "document_sha256": second["document_sha256"]})
        assert response.status_code == 409 and response.json()["code"] == "stale_amendment"
        assert client.get(f"/v1/quotes/{second['id']}", headers=keys.headers("sales")).json()["status"] == "stale"
        read = client.get(f"/v1/contracts/{contract['id']}?as_of=2026-06-01", headers=keys.headers("sales")).json()
        assert read["version"] == 2 and [s["sku"] for s in read["segments"]] == ["TIX-PRO"]


class TestEditing:
    def test_a_draft_amendment_re_prices_when_edited(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        quote = amend(client, keys, contract["id"], "2026-04-01",
                      {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})
        edited = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales"), json={
            "effective_date": "2026-04-15",
            "changes": [{"action": "add_quantity", "sku": "TIX-PRO", "quantity": 10}]})
        assert edited.status_code == 200, edited.text
        (line,) = edited.json()["lines"]
        assert (line["quantity"], line["proration_fraction"], line["amount_due_now"]) == (10, "1.000000000", "210.00")
        assert edited.json()["totals"]["remaining_term_value"] == "1890.00"  # 210 × 9 months
        refused = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales"), json={"term_months": 24})
        problem = assert_problem(refused, 422, code="invalid_input")
        assert "term_months" in problem["detail"]
        assert client.get(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales")).json() == edited.json()

    def test_a_portal_customer_can_request_seats_on_its_own_contract_only(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        change = {"effective_date": "2026-04-01", "changes": [{"action": "add_quantity", "sku": "TIX-PRO", "quantity": 1}]}
        mine = client.post(f"/v1/contracts/{contract['id']}/amendments", headers=keys.portal(theatre["id"]), json=change)
        assert mine.status_code == 201
        other = create_account(client, keys, name="Other")
        theirs = client.post(f"/v1/contracts/{contract['id']}/amendments", headers=keys.portal(other["id"]), json=change)
        assert theirs.status_code == 404


class TestDocument:
    def test_the_amendment_pdf_shows_before_after_and_the_prorated_amounts(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], tmp_path: Any
    ) -> None:
        import io

        from pypdf import PdfReader

        contract = signed_contract(client, keys, account_id=theatre["id"], billing_frequency="annual")
        client.patch(f"/v1/accounts/{theatre['id']}", headers=keys.headers("sales"), json={"locale": "en"})
        quote = finalize(client, keys, amend(client, keys, contract["id"], "2026-04-01",
                                             {"action": "swap", "from_sku": "TIX-PRO", "to_sku": "TIX-ENT"})["id"])
        assert quote["template_version"] == "amendment-2026.7"
        pdf = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales")).content
        (tmp_path / "amendment.pdf").write_bytes(pdf)
        text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
        for expected in (quote["number"], contract["number"], "1 April 2026", "TIX-PRO", "TIX-ENT", "20 → 0",
                         "0 → 20", "-€3,990.58", "€7,601.10", "€3,610.52", "€420.00", "€800.00"):
            assert expected in text, expected
