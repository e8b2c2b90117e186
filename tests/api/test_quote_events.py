"""Quote events over HTTP: each change a client cares about is in the feed, in order, naming the quote and (once
there is one) the contract; the renewal run expires what lapsed; a refused action emits nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.builders import (
    Keys,
    accept,
    amend,
    create_quote,
    events,
    finalize,
    renewal_run,
    set_today,
    signed_contract,
)
from tests.problems import assert_problem


def _trail(feed: list[dict[str, Any]]) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(e["type"], e["contract_id"], e["contract_version"], e["quote_id"]) for e in feed]


def _last_sequence(client: TestClient, keys: Keys) -> int:
    feed = events(client, keys)
    return feed[-1]["sequence"] if feed else 0


def _answer(client: TestClient, keys: Keys, quote: dict[str, Any], action: str, **body: Any) -> Any:
    return client.post(f"/v1/quotes/{quote['id']}/{action}", headers=keys.headers("sales"), json=body or None)


class TestNewBusiness:
    def test_created_finalized_accepted_then_the_contract_created_each_naming_the_quote(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        quote = finalize(client, keys, create_quote(client, keys, account_id=theatre["id"])["id"])
        accepted = accept(client, keys, quote)
        contract, q = accepted["contract"]["id"], quote["id"]
        feed = events(client, keys)
        assert _trail(feed) == [("quote.created", None, None, q), ("quote.finalized", None, None, q),
                                ("quote.accepted", contract, 1, q), ("contract.created", contract, 1, q)]
        assert [e["payload"]["status"] for e in feed[:3]] == ["draft", "open", "accepted"]
        assert feed[2]["payload"] == {
            "schema_version": 1, "number": quote["number"], "quote_type": "new", "status": "accepted",
            "version": accepted["quote"]["version"], "account_id": theatre["id"], "currency": "EUR",
            **{name: quote["totals"][name] for name in ("mrr", "arr", "total_contract_value")},
            "valid_until": quote["valid_until"], "reason": None}
        assert feed[3]["payload"]["schema_version"] == 1  # contract events carry it too

    def test_a_declined_quote_says_why(self, client: TestClient, keys: Keys, theatre: dict[str, Any]) -> None:
        quote = finalize(client, keys, create_quote(client, keys, account_id=theatre["id"])["id"])
        assert _answer(client, keys, quote, "decline", reason="too dear").status_code == 200
        *_, declined = events(client, keys)
        assert (declined["type"], declined["quote_id"], declined["contract_id"]) == ("quote.declined", quote["id"], None)
        assert (declined["payload"]["status"], declined["payload"]["reason"]) == ("declined", "too dear")

    def test_a_cancelled_draft_emits_created_then_cancelled(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        quote = create_quote(client, keys, account_id=theatre["id"])
        assert _answer(client, keys, quote, "cancel", reason="duplicate").status_code == 200
        assert _trail(events(client, keys)) == [("quote.created", None, None, quote["id"]),
                                                ("quote.cancelled", None, None, quote["id"])]

    def test_a_refused_action_emits_nothing(self, client: TestClient, keys: Keys, theatre: dict[str, Any]) -> None:
        draft = create_quote(client, keys, account_id=theatre["id"])
        before = events(client, keys)
        assert_problem(_answer(client, keys, draft, "decline"), 409)  # only an open quote is declined
        assert_problem(client.post(f"/v1/quotes/{draft['id']}/accept", headers=keys.headers("sales"), json={
            "signer_name": "A", "signer_email": "a@example.org", "document_sha256": "0" * 64}), 409)
        assert events(client, keys) == before


class TestExpiry:
    def test_the_renewal_run_expires_an_open_quote_past_its_validity_once(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        set_today(client, "2026-01-05")
        quote = finalize(client, keys, create_quote(client, keys, account_id=theatre["id"],
                                                    valid_until="2026-01-20")["id"])
        after = _last_sequence(client, keys)
        assert renewal_run(client, keys, "2026-01-20")["quotes_expired"] == 0  # valid through its last day
        assert renewal_run(client, keys, "2026-01-21", dry_run=True)["quotes_expired"] == 1
        assert events(client, keys, after) == []  # a dry run writes nothing
        assert renewal_run(client, keys, "2026-01-21")["quotes_expired"] == 1
        [expired] = events(client, keys, after)
        assert (expired["type"], expired["quote_id"], expired["payload"]["status"]) == (
            "quote.expired", quote["id"], "expired")
        status = client.get(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales")).json()["status"]
        assert status == "expired"
        assert renewal_run(client, keys, "2026-01-22")["quotes_expired"] == 0
        assert len(events(client, keys, after)) == 1

    def test_accepting_too_late_is_refused_and_the_quote_expires_with_its_event(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        set_today(client, "2026-01-05")
        quote = finalize(client, keys, create_quote(client, keys, account_id=theatre["id"],
                                                    valid_until="2026-01-20")["id"])
        set_today(client, "2026-01-21")
        late = client.post(f"/v1/quotes/{quote['id']}/accept", headers=keys.headers("sales"), json={
            "signer_name": "A", "signer_email": "a@example.org", "document_sha256": quote["document_sha256"]})
        assert_problem(late, 409, code="quote_expired")
        assert _trail(events(client, keys))[-1] == ("quote.expired", None, None, quote["id"])


class TestQuotesOnAContract:
    def test_an_amendment_s_events_name_its_contract_and_its_acceptance_the_new_version(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])["id"]
        after = _last_sequence(client, keys)
        amendment = finalize(client, keys, amend(client, keys, contract, "2026-04-01", {
            "action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})["id"])
        accept(client, keys, amendment)
        feed = events(client, keys, after)
        q = amendment["id"]
        assert _trail(feed) == [("quote.created", contract, 1, q), ("quote.finalized", contract, 1, q),
                                ("quote.accepted", contract, 2, q), ("contract.amended", contract, 2, q)]
        assert {e["payload"]["quote_type"] for e in feed[:3]} == {"amendment"}

    def test_a_renewal_quote_is_created_as_a_quote_of_its_contract(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])["id"]
        after = _last_sequence(client, keys)
        response = client.post(f"/v1/contracts/{contract}/renewal-quote", headers=keys.headers("sales"))
        assert response.status_code == 201, response.text
        renewal = response.json()["id"]
        feed = events(client, keys, after)
        assert _trail(feed) == [("quote.created", contract, 1, renewal), ("renewal_quote.created", contract, 1, renewal)]
        assert feed[0]["payload"]["quote_type"] == "renewal"
