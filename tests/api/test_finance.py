"""Finance over HTTP: invoice lines (JSON pages, CSV), reconciliation with contract value, events feed."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import Keys, accept, amend, finalize, signed_contract, walk_invoice_lines
from tests.builders import invoice_lines as lines
from tests.problems import assert_problem


class TestInvoiceLines:
    def test_the_month_after_a_seat_addition_holds_the_proration_and_the_next_period(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        accept(client, keys, finalize(client, keys, amend(client, keys, contract["id"], "2026-04-01", {
            "action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})["id"]))
        april = lines(client, keys, "from=2026-04-01&to=2026-05-01")
        assert [(ln["kind"], ln["invoice_date"], ln["period_start"], ln["period_end"], ln["quantity"], ln["amount"])
                for ln in april["data"]] == [
            ("proration", "2026-04-01", "2026-04-01", "2026-04-15", 5, "47.42"),
            ("recurring", "2026-04-15", "2026-04-15", "2026-05-15", 25, "525.00"),
        ]
        assert april["totals"] == [{"currency": "EUR", "amount": "572.42", "lines": 2}]

    @pytest.mark.parametrize("billing_frequency", ["monthly", "quarterly", "annual"])
    def test_lines_over_the_whole_term_sum_to_contract_value_plus_amendments(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], billing_frequency: str
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], billing_frequency=billing_frequency,
                                   mid_term_decrease="credit", lines=[{"sku": "TIX-PRO", "quantity": 20},
                                                                      {"sku": "ONBOARDING", "quantity": 1}])
        quote = client.get(f"/v1/quotes/{contract['source_quote_id']}", headers=keys.headers("sales")).json()
        expected = Decimal(quote["totals"]["total_contract_value"])
        for effective, change in (
            ("2026-03-10", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5}),
            ("2026-06-20", {"action": "swap", "from_sku": "TIX-PRO", "to_sku": "TIX-ENT"}),
            ("2026-09-01", {"action": "add_product", "sku": "CRM-MOD", "quantity": 7}),
            ("2026-11-11", {"action": "remove_quantity", "sku": "TIX-ENT", "quantity": 3}),
        ):
            amendment = accept(client, keys, finalize(client, keys, amend(client, keys, contract["id"], effective,
                                                                             change)["id"]))["quote"]
            expected += Decimal(amendment["totals"]["remaining_term_value"])
        term = lines(client, keys, f"from=2026-01-01&to=2027-02-01&contract_id={contract['id']}&limit=500")
        assert sum(Decimal(ln["amount"]) for ln in term["data"]) == expected
        assert term["totals"][0]["amount"] == str(expected)

    def test_pages_follow_the_cursor_without_gaps_or_repeats(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        for _ in range(3):
            signed_contract(client, keys, account_id=theatre["id"])
        everything = lines(client, keys, "from=2026-01-01&to=2027-01-01&limit=500")["data"]
        assert len(everything) == 36
        assert walk_invoice_lines(client, keys, "from=2026-01-01&to=2027-01-01&limit=7") == everything

    def test_a_cursor_past_a_contract_s_lines_resumes_at_the_next_contract(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        """Any cursor of the documented shape is a position, the largest offset too (2³² - 1 lines given)."""
        for _ in range(2):
            signed_contract(client, keys, account_id=theatre["id"])
        everything = lines(client, keys, "from=2026-01-01&to=2027-01-01&limit=500")
        first, second = sorted({ln["contract_id"] for ln in everything["data"]})
        cursor = base64.urlsafe_b64encode(uuid.UUID(first).bytes + (2**32 - 1).to_bytes(4, "big")).decode().rstrip("=")
        page = lines(client, keys, f"from=2026-01-01&to=2027-01-01&limit=500&cursor={cursor}")
        assert page["data"] == [ln for ln in everything["data"] if ln["contract_id"] == second]
        assert page["totals"] == everything["totals"] and page["next_cursor"] is None

    def test_csv_streams_every_line_with_a_header(self, client: TestClient, keys: Keys, theatre: dict[str, Any]) -> None:
        signed_contract(client, keys, account_id=theatre["id"], lines=[{"sku": "TIX-PRO", "quantity": 20},
                                                                        {"sku": "ONBOARDING", "quantity": 1}])
        response = client.get("/v1/invoice-lines?from=2026-01-01&to=2026-02-01",
                              headers=keys.headers("finance", Accept="text/csv"))
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["sku"], r["kind"], r["amount"], r["currency"]) for r in rows] == [
            ("ONBOARDING", "one_time", "1500.00", "EUR"), ("TIX-PRO", "recurring", "420.00", "EUR")]

    def test_a_reversed_range_is_a_422_problem(self, client: TestClient, keys: Keys) -> None:
        response = client.get("/v1/invoice-lines?from=2026-03-01&to=2026-02-01", headers=keys.headers("finance"))
        problem = assert_problem(response, 422, code="invalid_input")
        assert "'to' must be after 'from'" in problem["detail"]


class TestEvents:
    def test_contract_changes_are_polled_in_order_after_a_sequence(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        accept(client, keys, finalize(client, keys, amend(client, keys, contract["id"], "2026-04-01", {
            "action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})["id"]))
        feed = client.get("/v1/events", headers=keys.headers("scheduler")).json()
        assert [(e["type"], e["contract_version"]) for e in feed["data"]] == [
            ("quote.created", None), ("quote.finalized", None), ("quote.accepted", 1), ("contract.created", 1),
            ("quote.created", 1), ("quote.finalized", 1), ("quote.accepted", 2), ("contract.amended", 2)]
        assert feed["data"][-1]["payload"]["amount_due_now"] == "47.42"
        later = client.get(f"/v1/events?after={feed['next_after']}", headers=keys.headers("finance")).json()
        assert later == {"data": [], "next_after": feed["next_after"]}
        beyond = client.get(f"/v1/events?after={2**63}", headers=keys.headers("finance"))
        assert_problem(beyond, 422, loc=["query", "after"])
        assert client.get("/v1/events", headers=keys.headers("finance")).json()["data"] == feed["data"]


def _open_until_year_end(client: TestClient, keys: Keys, quote: dict[str, Any]) -> dict[str, Any]:
    response = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales"),
                            json={"valid_until": "2026-12-31"})
    assert response.status_code == 200, response.text
    return finalize(client, keys, quote["id"])


def _accepted_on(client: TestClient, day: str) -> None:
    """From now on the API's 'today' is `day` (acceptance dates, invoice dates of prorations)."""
    from datetime import date

    from app.api.deps import get_today

    client.app.dependency_overrides[get_today] = lambda: date.fromisoformat(day)  # type: ignore[attr-defined]


class TestWhatWasInvoicedStaysInvoiced:
    def test_a_change_on_a_period_start_bills_that_period_once(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        accept(client, keys, finalize(client, keys, amend(client, keys, contract["id"], "2026-04-15", {
            "action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})["id"]))
        april = lines(client, keys, "from=2026-04-15&to=2026-05-15")["data"]
        assert [(ln["kind"], ln["quantity"], ln["amount"]) for ln in april] == [
            ("recurring", 20, "420.00"), ("proration", 5, "105.00")]
        may = lines(client, keys, "from=2026-05-15&to=2026-06-15")["data"]
        assert [(ln["kind"], ln["quantity"], ln["amount"]) for ln in may] == [("recurring", 25, "525.00")]

    def test_a_back_dated_amendment_leaves_past_periods_and_catches_up_on_acceptance(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        before = lines(client, keys, "from=2026-04-01&to=2026-11-01&limit=500")["data"]
        _accepted_on(client, "2026-06-20")  # quoted and accepted on that day
        quote = _open_until_year_end(client, keys, amend(client, keys, contract["id"], "2026-04-01", {
            "action": "add_quantity", "sku": "TIX-PRO", "quantity": 5}))
        assert [quote["totals"][name] for name in ("proration_due", "catch_up_due", "amount_due_now")] == [
            "47.42", "315.00", "362.42"]
        accept(client, keys, quote)
        assert lines(client, keys, "from=2026-04-01&to=2026-06-01&limit=500")["data"] == [
            ln for ln in before if ln["invoice_date"] < "2026-06-01"]  # April and May are as they were invoiced
        june = lines(client, keys, "from=2026-06-01&to=2026-07-01")["data"]
        assert [(ln["kind"], ln["invoice_date"], ln["period_start"], ln["quantity"], ln["amount"]) for ln in june] == [
            ("recurring", "2026-06-15", "2026-06-15", 20, "420.00"),  # invoiced on 06-15, before the acceptance
            ("proration", "2026-06-20", "2026-04-01", 5, "47.42"),
            ("proration", "2026-06-20", "2026-04-15", 5, "105.00"),
            ("proration", "2026-06-20", "2026-05-15", 5, "105.00"),
            ("proration", "2026-06-20", "2026-06-15", 5, "105.00"),
        ]
        assert lines(client, keys, "from=2026-07-15&to=2026-07-16")["data"][0]["quantity"] == 25
        term = lines(client, keys, "from=2026-01-01&to=2027-02-01&limit=500")
        assert term["totals"][0]["amount"] == "6032.42"  # 5040.00 + 992.42, however late it was accepted

    @pytest.mark.parametrize("billing_frequency", ["monthly", "quarterly", "annual"])
    def test_late_acceptances_still_reconcile_with_contract_value(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], billing_frequency: str
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], billing_frequency=billing_frequency,
                                   mid_term_decrease="credit")
        expected = Decimal("5040.00")
        for effective, accepted, change in (
            ("2026-03-10", "2026-05-02", {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5}),
            ("2026-06-20", "2026-10-31", {"action": "swap", "from_sku": "TIX-PRO", "to_sku": "TIX-ENT"}),
            ("2026-11-11", "2026-11-11", {"action": "remove_quantity", "sku": "TIX-ENT", "quantity": 3}),
        ):
            _accepted_on(client, accepted)
            quote = _open_until_year_end(client, keys, amend(client, keys, contract["id"], effective, change))
            expected += Decimal(accept(client, keys, quote)["quote"]["totals"]["remaining_term_value"])
        term = lines(client, keys, f"from=2026-01-01&to=2027-02-01&contract_id={contract['id']}&limit=500")
        assert Decimal(term["totals"][0]["amount"]) == expected
