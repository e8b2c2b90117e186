"""Amendment defects over HTTP, with the issues' own numbers: partial swaps, approval of held prices,
scheduled decreases, back-dated catch-up, portal discounts, and where an amendment quote ends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import Keys, accept, amend, contract_price, create_account, finalize, signed_contract
from tests.problems import assert_problem
from tests.unit.test_documents import pdf_text

SEATS = {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5}


def on_day(client: TestClient, day: str) -> None:
    """From now on the API's 'today' is `day`: the quote's date, or the acceptance's."""
    from app.api.deps import get_today

    client.app.dependency_overrides[get_today] = lambda: date.fromisoformat(day)  # type: ignore[attr-defined]


def get(client: TestClient, keys: Keys, url: str, role: str = "sales") -> Any:
    response = client.get(url, headers=keys.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def quotes_of(client: TestClient, keys: Keys, account_id: str) -> list[dict[str, Any]]:
    return get(client, keys, f"/v1/quotes?account_id={account_id}&limit=100")["data"]


def support_products(client: TestClient, keys: Keys) -> None:
    """Two support tiers of one family that may be held side by side (plans of a family exclude each other)."""
    for sku, rank, price in (("SUP-STD", 1, "10.00"), ("SUP-PRM", 2, "20.00")):
        product = {"sku": sku, "name": sku, "family": "support", "kind": "addon", "tier_rank": rank, "unit": "seat",
                   "included_quantity": None, "requires": [], "excludes": []}
        assert client.post("/v1/products", headers=keys.headers("admin"), json=product).status_code == 201
        entry = {"sku": sku, "currency": "EUR", "pricing_model": "per_unit", "unit_price": price,
                 "effective_from": "2026-01-01"}
        assert client.post("/v1/price-book-entries", headers=keys.headers("admin"), json=entry).status_code == 201


class TestPartialSwap:
    """Issue A: 20 × A at 10.00, 5 moved to B at 20.00 halfway through the 30-day period [04-15, 05-15)."""

    def contract(self, client: TestClient, keys: Keys, theatre: dict[str, Any]) -> dict[str, Any]:
        support_products(client, keys)
        return signed_contract(client, keys, account_id=theatre["id"], lines=[
            {"sku": "TIX-PRO", "quantity": 20}, {"sku": "SUP-STD", "quantity": 20}])

    def test_only_the_units_named_move(self, client: TestClient, keys: Keys, theatre: dict[str, Any]) -> None:
        contract = self.contract(client, keys, theatre)
        quote = amend(client, keys, contract["id"], "2026-04-30",
                      {"action": "swap", "from_sku": "SUP-STD", "to_sku": "SUP-PRM", "quantity": 5})
        credit, charge = quote["lines"]
        assert (credit["sku"], credit["quantity"], credit["quantity_before"], credit["quantity_after"],
                credit["amount_due_now"]) == ("SUP-STD", -5, 20, 15, "-25.00")
        assert (charge["sku"], charge["quantity"], charge["amount_due_now"]) == ("SUP-PRM", 5, "50.00")
        assert quote["totals"]["amount_due_now"] == "25.00"
        after = accept(client, keys, finalize(client, keys, quote["id"]))["contract"]
        assert sorted((s["sku"], s["quantity"]) for s in after["segments"]) == [
            ("SUP-PRM", 5), ("SUP-STD", 15), ("TIX-PRO", 20)]

    def test_more_units_than_held_is_a_422_on_the_quantity(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = self.contract(client, keys, theatre)
        before = quotes_of(client, keys, theatre["id"])
        response = client.post(f"/v1/contracts/{contract['id']}/amendments", headers=keys.headers("sales"), json={
            "effective_date": "2026-04-30",
            "changes": [{"action": "swap", "from_sku": "SUP-STD", "to_sku": "SUP-PRM", "quantity": 21}]})
        problem = assert_problem(response, 422, code="amendment_refused")
        assert ["changes", 0, "quantity"] in [e["loc"] for e in problem["errors"]]
        assert quotes_of(client, keys, theatre["id"]) == before
        assert get(client, keys, f"/v1/contracts/{contract['id']}")["version"] == 1


class TestApproval:
    def test_seats_at_a_contracted_price_below_list_need_no_approval(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        """Issue B: +5 seats on a contract at 15.00 against a 25.00 list (40 % below, threshold 20 %)."""
        account = create_account(client, keys, name="Opéra de Lyon")
        contract_price(client, keys, account_id=account["id"], sku="TIX-PRO", unit_price="15.00")
        contract = signed_contract(client, keys, account_id=account["id"])
        quote = amend(client, keys, contract["id"], "2026-04-01", SEATS)
        assert (quote["status"], quote["lines"][0]["net_unit_price"]) == ("draft", "15.00")
        assert finalize(client, keys, quote["id"])["status"] == "open"


class TestScheduledDecreases:
    """Issue C: what is already scheduled for the renewal counts when the next amendment is checked."""

    def test_a_second_removal_of_15_from_20_is_refused(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], mid_term_decrease="at_renewal")
        removal = {"action": "remove_quantity", "sku": "TIX-PRO", "quantity": 15}
        accept(client, keys, finalize(client, keys, amend(client, keys, contract["id"], "2026-04-01", removal)["id"]))
        before = quotes_of(client, keys, theatre["id"])
        response = client.post(f"/v1/contracts/{contract['id']}/amendments", headers=keys.headers("sales"),
                               json={"effective_date": "2026-05-01", "changes": [removal]})
        problem = assert_problem(response, 422, code="amendment_refused")
        assert [e["loc"] for e in problem["errors"]] == [["changes", 0, "quantity"]]
        assert "only 5 TIX-PRO will remain" in problem["detail"]
        assert quotes_of(client, keys, theatre["id"]) == before
        read = get(client, keys, f"/v1/contracts/{contract['id']}")
        assert read["version"] == 2 and [c["quantity_after"] for c in read["scheduled_changes"]] == [5]
        further = amend(client, keys, contract["id"], "2026-05-01", {**removal, "quantity": 5})
        assert (further["lines"][0]["quantity_before"], further["lines"][0]["quantity_after"]) == (5, 0)

    def test_product_rules_hold_on_the_contract_as_it_will_be(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], lines=[
            {"sku": "TIX-PRO", "quantity": 20}, {"sku": "CRM-MOD", "quantity": 2}])
        accept(client, keys, finalize(client, keys, amend(client, keys, contract["id"], "2026-04-01", {
            "action": "remove_product", "sku": "TIX-PRO"})["id"]))
        problem = amend(client, keys, contract["id"], "2026-05-01",
                        {"action": "add_product", "sku": "MKT-SMS", "quantity": 1}, expect=422)
        assert "MKT-SMS requires" in problem["detail"] and problem["errors"][0]["loc"] == ["changes", 0]


class TestBackDatedAmendment:
    """Issue D: 20 × TIX-PRO at 21.00 monthly from 2026-01-15; +5 seats effective 2026-04-01 quoted on 12-01."""

    def quote(self, client: TestClient, keys: Keys, theatre: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        on_day(client, "2026-12-01")
        return contract, finalize(client, keys, amend(client, keys, contract["id"], "2026-04-01", SEATS)["id"])

    def test_the_quote_and_its_document_show_what_acceptance_invoices(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        client.patch(f"/v1/accounts/{theatre['id']}", headers=keys.headers("sales"), json={"locale": "en"})
        contract, quote = self.quote(client, keys, theatre)
        parts = ("proration_due", "catch_up_due", "amount_due_now")
        assert [quote["totals"][name] for name in parts] == ["47.42", "840.00", "887.42"]  # + 8 × 105.00
        assert [quote["lines"][0][name] for name in parts] == ["47.42", "840.00", "887.42"]
        assert quote["totals"]["remaining_term_value"] == "992.42"
        text = pdf_text(client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales")).content)
        for expected in ("Rest of the current period", "Periods already invoiced without the change",
                         "Due on acceptance", "€47.42", "€840.00", "€887.42"):
            assert expected in text, expected
        accept(client, keys, quote)
        billed = get(client, keys, f"/v1/invoice-lines?from=2026-01-01&to=2027-02-01&contract_id={contract['id']}"
                                   "&limit=500", "finance")["data"]
        on_acceptance = [ln for ln in billed if ln["invoice_date"] == "2026-12-01"]
        assert {(ln["kind"], ln["quote_id"]) for ln in on_acceptance} == {("proration", quote["id"])}
        assert sum(Decimal(ln["amount"]) for ln in on_acceptance) == Decimal("887.42")  # exactly the quote's

    def test_accepting_after_another_period_started_is_a_409_and_marks_the_quote_stale(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract, quote = self.quote(client, keys, theatre)
        on_day(client, "2026-12-16")  # the 12-15 period was invoiced with 20 seats since
        response = client.post(f"/v1/quotes/{quote['id']}/accept", headers=keys.headers("sales"), json={
            "signer_name": "Anne Martin", "signer_email": "anne@example.org",
            "document_sha256": quote["document_sha256"]})
        assert_problem(response, 409, code="amendment_catch_up_changed")
        assert get(client, keys, f"/v1/quotes/{quote['id']}")["status"] == "stale"
        read = get(client, keys, f"/v1/contracts/{contract['id']}?as_of=2026-12-16")
        assert (read["version"], [s["quantity"] for s in read["segments"]]) == (1, [20])
        billed = get(client, keys, f"/v1/invoice-lines?from=2026-01-01&to=2027-02-01&contract_id={contract['id']}"
                                   "&limit=500", "finance")["data"]
        assert [ln for ln in billed if ln["quote_id"] == quote["id"] or ln["kind"] != "recurring"] == []

    def test_an_edit_prices_the_catch_up_as_of_the_edit(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        on_day(client, "2026-12-01")
        quote = amend(client, keys, contract["id"], "2026-04-01", SEATS)
        on_day(client, "2026-12-16")
        edited = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales"),
                              json={"valid_until": "2026-12-31"})
        assert edited.status_code == 200, edited.text
        assert edited.json()["totals"]["amount_due_now"] == "992.42"  # 47.42 + 9 × 105.00


class TestPortal:
    """Issue 4: a customer's portal key cannot give itself a discount."""

    def test_a_discount_from_a_portal_key_is_refused_and_nothing_is_created(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        before = quotes_of(client, keys, theatre["id"])
        response = client.post(f"/v1/contracts/{contract['id']}/amendments", headers=keys.portal(theatre["id"]),
                               json={"effective_date": "2026-04-01", "changes": [
                                   SEATS, {"action": "add_product", "sku": "CRM-MOD", "quantity": 2,
                                           "discount_percent": "50"}]})
        problem = assert_problem(response, 403, code="portal_pricing_forbidden")
        assert [e["loc"] for e in problem["errors"]] == [["changes", 1, "discount_percent"]]
        assert quotes_of(client, keys, theatre["id"]) == before

    def test_another_accounts_contract_is_a_404_even_with_a_discount(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        """Portal isolation comes first: a portal key learns nothing of a contract not its own."""
        contract = signed_contract(client, keys, account_id=theatre["id"])
        other = create_account(client, keys, name="Other")
        before = quotes_of(client, keys, theatre["id"])
        response = client.post(f"/v1/contracts/{contract['id']}/amendments", headers=keys.portal(other["id"]),
                               json={"effective_date": "2026-04-01", "changes": [
                                   {"action": "add_product", "sku": "CRM-MOD", "quantity": 2, "discount_percent": "50"}]})
        assert_problem(response, 404, code="unknown_contract")
        assert quotes_of(client, keys, theatre["id"]) == before

    def test_a_portal_key_cannot_edit_an_amendment(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])
        quote = amend(client, keys, contract["id"], "2026-04-01", SEATS)
        response = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.portal(theatre["id"]), json={
            "changes": [{"action": "add_product", "sku": "CRM-MOD", "quantity": 2, "discount_percent": "50"}]})
        assert_problem(response, 403, code="forbidden")
        assert get(client, keys, f"/v1/quotes/{quote['id']}") == quote


class TestEndDate:
    def test_an_evergreen_amendment_ends_with_the_current_billing_period(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"], term_months=None)
        quote = amend(client, keys, contract["id"], "2026-04-01", SEATS)
        assert (quote["start_date"], quote["end_date"]) == ("2026-04-01", "2026-04-15")
