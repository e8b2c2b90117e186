"""The journey of issue 2 over HTTP: account, contracted price, quote, finalize, PDF, accept, contract."""

from __future__ import annotations

import hashlib
import io

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from tests.builders import Keys, accept, contract_price, create_account, create_quote, finalize, seed_catalog


def _pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


class TestQuoteToContract:
    def test_a_contracted_price_replaces_the_list_price_on_the_line(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        seed_catalog(session)
        account = create_account(client, keys)
        contract_price(client, keys, account_id=account["id"], sku="TIX-PRO", unit_price="21.00")
        quote = create_quote(client, keys, account_id=account["id"])
        line = quote["lines"][0]
        assert (line["list_unit_price"], line["regular_unit_price"], line["contracted_unit_price"]) == (
            "25.00", "25.00", "21.00")
        assert (line["net_unit_price"], line["mrr"], line["total"]) == ("21.00", "420.00", "5040.00")
        amendments_only = dict.fromkeys(("proration_due", "catch_up_due", "amount_due_now", "remaining_term_value",
                                         "mrr_delta"))  # null here, as on the lines
        assert quote["totals"] == {"mrr": "420.00", "arr": "5040.00", "one_time": "0.00",
                                   "total_contract_value": "5040.00", "first_invoice": "420.00", **amendments_only}
        assert (quote["number"], quote["status"], quote["version"]) == ("Q-2026-000001", "draft", 1)

    def test_finalize_renders_a_pdf_with_the_number_lines_and_totals(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        seed_catalog(session)
        account = create_account(client, keys, locale="en")
        quote = create_quote(client, keys, account_id=account["id"], lines=[
            {"sku": "TIX-PRO", "quantity": 20}, {"sku": "ONBOARDING", "quantity": 1}])
        quote = finalize(client, keys, quote["id"])
        assert quote["status"] == "open" and quote["valid_until"] == "2026-02-09"
        response = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales"))
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["x-document-sha256"] == hashlib.sha256(response.content).hexdigest()
        assert quote["document_sha256"] == response.headers["x-document-sha256"]
        text = _pdf_text(response.content)
        for expected in ("Q-2026-000001", "TIX-PRO", "Ticketing Pro", "ONBOARDING", "6,000.00", "1,500.00", "500.00"):
            assert expected in text, expected

    def test_a_finalized_quote_cannot_be_edited(self, client: TestClient, keys: Keys, session: Session) -> None:
        seed_catalog(session)
        quote = finalize(client, keys, create_quote(client, keys, account_id=create_account(client, keys)["id"])["id"])
        response = client.patch(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales"),
                                json={"lines": [{"sku": "TIX-PRO", "quantity": 1}]})
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"

    def test_accepting_creates_the_contract_with_one_segment_per_recurring_line(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        seed_catalog(session)
        account = create_account(client, keys)
        quote = create_quote(client, keys, account_id=account["id"], lines=[
            {"sku": "TIX-PRO", "quantity": 20}, {"sku": "MKT-SMS", "quantity": 1}, {"sku": "ONBOARDING", "quantity": 1}],
            renewal={"auto_renew": True, "pricing": "uplift", "uplift_percent": "5"})
        result = accept(client, keys, finalize(client, keys, quote["id"]))
        contract = result["contract"]
        assert result["quote"]["status"] == "accepted" and result["quote"]["contract_id"] == contract["id"]
        assert (contract["number"], contract["version"], contract["status"]) == ("C-2026-000001", 1, "active")
        assert (contract["start_date"], contract["end_date"], contract["evergreen"]) == (
            "2026-01-15", "2027-01-15", False)
        assert contract["renewal"]["pricing"] == "uplift" and contract["renewal"]["uplift_percent"] == "5"
        assert [(s["sku"], s["quantity"], s["net_unit_price"]) for s in contract["segments"]] == [
            ("MKT-SMS", 1, "49.00"), ("TIX-PRO", 20, "25.00")]
        assert (contract["mrr"], contract["arr"]) == ("549.00", "6588.00")
        read = client.get(f"/v1/contracts/{contract['id']}?as_of=2026-06-01", headers=keys.headers("finance"))
        assert read.json()["mrr"] == "549.00" and read.headers["etag"] == '"1"'
        before = client.get(f"/v1/contracts/{contract['id']}?as_of=2026-01-14", headers=keys.headers("finance"))
        assert before.json()["segments"] == [] and before.json()["mrr"] == "0.00"
        versions = client.get(f"/v1/contracts/{contract['id']}/versions", headers=keys.headers("sales")).json()["data"]
        assert [(v["version"], v["quote_id"], v["signer_name"]) for v in versions] == [(1, quote["id"], "Anne Martin")]

    def test_an_evergreen_quote_becomes_a_contract_without_end(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        seed_catalog(session)
        quote = create_quote(client, keys, account_id=create_account(client, keys)["id"], term_months=None)
        assert quote["end_date"] is None and quote["lines"][0]["end_date"] is None
        assert quote["totals"]["total_contract_value"] == "6000.00"  # an evergreen line counts its first year
        contract = accept(client, keys, finalize(client, keys, quote["id"]))["contract"]
        assert (contract["evergreen"], contract["end_date"], contract["term_months"]) == (True, None, None)

    def test_a_wrong_hash_is_refused_and_changes_nothing(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        seed_catalog(session)
        quote = finalize(client, keys, create_quote(client, keys, account_id=create_account(client, keys)["id"])["id"])
        response = client.post(f"/v1/quotes/{quote['id']}/accept", headers=keys.headers("sales"), json={
            "signer_name": "Anne", "signer_email": "anne@example.org", "document_sha256": "0" * 64})
        assert response.status_code == 422 and response.json()["code"] == "document_mismatch"
        after = client.get(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales")).json()
        assert (after["status"], after["version"]) == ("open", quote["version"])
        assert client.get("/v1/contracts", headers=keys.headers("finance")).json()["data"] == []

    def test_an_expired_quote_cannot_be_accepted(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        seed_catalog(session)
        account = create_account(client, keys)
        quote = finalize(client, keys, create_quote(client, keys, account_id=account["id"], valid_until="2026-01-10")["id"])
        from datetime import date

        from app.api.deps import get_today

        client.app.dependency_overrides[get_today] = lambda: date(2026, 1, 11)  # type: ignore[attr-defined]
        response = client.post(f"/v1/quotes/{quote['id']}/accept", headers=keys.headers("sales"), json={
            "signer_name": "Anne", "signer_email": "anne@example.org", "document_sha256": quote["document_sha256"]})
        assert response.status_code == 409 and response.json()["code"] == "quote_expired"
        assert client.get(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales")).json()["status"] == "expired"
