"""Webhook endpoints over HTTP: the secret is shown once; every refusal is a problem that creates nothing;
deleting an endpoint cancels what it still had to receive; an endpoint gets only the events it asked for."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.base import utc_now
from app.db.models import AuditEntry, WebhookEndpoint
from app.services.webhook_delivery import fan_out
from tests.builders import Keys, accept, amend, finalize, signed_contract
from tests.problems import assert_problem

URL = "https://erp.example.com/hooks/cpq"


def _create(client: TestClient, keys: Keys, **body: Any) -> Any:
    return client.post("/v1/webhook-endpoints", headers=keys.headers("admin"),
                       json={"url": URL, "event_types": ["*"], **body})


def _stored(session: Session) -> tuple[int, int]:
    """(endpoints, their audit entries), read outside the test session's transaction."""
    session.rollback()
    counts = (session.scalar(select(func.count()).select_from(WebhookEndpoint)),
              session.scalar(select(func.count()).where(AuditEntry.object_type == "webhook_endpoint")))
    session.rollback()
    return counts  # type: ignore[return-value]


class TestEndpoints:
    def test_the_secret_is_shown_once_and_listings_never_show_it(
        self, client: TestClient, keys: Keys, session: Session
    ) -> None:
        headers = keys.headers("admin", **{"Idempotency-Key": "hook-1"})
        body = {"url": URL, "event_types": ["contract.created", "contract.amended"], "description": "ERP"}
        first = client.post("/v1/webhook-endpoints", headers=headers, json=body)
        again = client.post("/v1/webhook-endpoints", headers=headers, json=body)
        assert first.status_code == again.status_code == 201, first.text
        created = first.json()
        assert created["secret"].startswith("whsec_") and len(created["secret"]) == 38
        assert again.json() == {**created, "secret": None} and again.headers["idempotent-withheld"] == "secret"
        listed = client.get("/v1/webhook-endpoints", headers=keys.headers("admin")).json()
        one = client.get(f"/v1/webhook-endpoints/{created['id']}", headers=keys.headers("admin")).json()
        assert listed["data"] == [one] and "secret" not in one
        assert {k: one[k] for k in ("url", "event_types", "description")} == body
        assert _stored(session) == (1, 1)

    @pytest.mark.parametrize(("url", "reason"), [
        ("ftp://erp.example.com/hooks", "http or https"),
        ("erp.example.com/hooks", "http or https"),
        ("https:///hooks", "must name a host"),
        ("https://user:pw@erp.example.com/hooks", "credentials"),
        ("https://erp.example.com:99999/hooks", "not a URL"),
        ("http://127.0.0.1:9000/hooks", "loopback, private or reserved"),
        ("http://10.1.2.3/hooks", "loopback, private or reserved"),
        ("http://169.254.169.254/latest/meta-data", "loopback, private or reserved"),
        ("http://[::1]/hooks", "loopback, private or reserved"),
        ("http://[::ffff:192.168.0.1]/hooks", "loopback, private or reserved"),
        ("http://localhost:9000/hooks", "this machine"),
    ])
    def test_a_url_events_may_not_be_sent_to_is_refused_and_nothing_is_created(
        self, client: TestClient, keys: Keys, session: Session, url: str, reason: str
    ) -> None:
        problem = assert_problem(_create(client, keys, url=url), 422, code="invalid_input", loc=["body", "url"])
        assert reason in problem["detail"]
        assert _stored(session) == (0, 0)

    @pytest.mark.parametrize(("event_types", "loc"), [
        (["contract.created", "contract.signed"], ["body", "event_types", 1]),
        (["contract.created", "contract.created"], ["body", "event_types"]),
        ([], ["body", "event_types"]),
    ])
    def test_unknown_repeated_or_no_event_types_are_refused(
        self, client: TestClient, keys: Keys, session: Session, event_types: list[str], loc: list[Any]
    ) -> None:
        assert_problem(_create(client, keys, event_types=event_types), 422, loc=loc)
        assert _stored(session) == (0, 0)

    def test_only_admins_manage_endpoints(self, client: TestClient, keys: Keys, session: Session) -> None:
        assert_problem(client.post("/v1/webhook-endpoints", headers=keys.headers("finance"),
                                   json={"url": URL, "event_types": ["*"]}), 403, code="forbidden")
        assert _stored(session) == (0, 0)

    def test_deleting_an_endpoint_cancels_its_pending_deliveries_and_it_is_gone(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], session_factory: sessionmaker[Session],
    ) -> None:
        endpoint = _create(client, keys).json()
        signed_contract(client, keys, account_id=theatre["id"])  # quote.created, finalized, accepted, contract.created
        assert fan_out(session_factory, now=utc_now()) == 4
        path = f"/v1/webhook-endpoints/{endpoint['id']}"
        assert client.delete(path, headers=keys.headers("admin")).status_code == 204
        assert_problem(client.get(path, headers=keys.headers("admin")), 404, code="not_found")
        assert_problem(client.delete(path, headers=keys.headers("admin")), 404, code="not_found")
        assert_problem(client.get(f"{path}/deliveries", headers=keys.headers("admin")), 404, code="not_found")
        assert client.get("/v1/webhook-endpoints", headers=keys.headers("admin")).json()["data"] == []
        with session_factory() as session:
            from app.db.models import WebhookDelivery

            assert list(session.scalars(select(WebhookDelivery.status))) == ["cancelled"] * 4
        assert fan_out(session_factory, now=utc_now()) == 0

    def test_replaying_a_delivery_of_another_endpoint_or_none_is_a_404_that_changes_nothing(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], session_factory: sessionmaker[Session],
    ) -> None:
        mine, other = (_create(client, keys, event_types=["contract.created"]).json() for _ in range(2))
        signed_contract(client, keys, account_id=theatre["id"])
        fan_out(session_factory, now=utc_now())
        [delivery] = client.get(f"/v1/webhook-endpoints/{mine['id']}/deliveries",
                                headers=keys.headers("admin")).json()["data"]
        wrong = client.post(f"/v1/webhook-endpoints/{other['id']}/deliveries/{delivery['id']}/replay",
                            headers=keys.headers("admin"))
        assert_problem(wrong, 404, code="not_found")
        assert client.get(f"/v1/webhook-endpoints/{mine['id']}/deliveries",
                          headers=keys.headers("admin")).json()["data"] == [delivery]


class TestWhatAnEndpointGets:
    def test_only_the_event_types_it_asked_for_and_only_events_after_it_was_created(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], session_factory: sessionmaker[Session],
    ) -> None:
        contract = signed_contract(client, keys, account_id=theatre["id"])  # before any endpoint: not sent
        everything = _create(client, keys).json()
        amendments = _create(client, keys, event_types=["contract.amended"]).json()
        accept(client, keys, finalize(client, keys, amend(client, keys, contract["id"], "2026-04-01", {
            "action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})["id"]))
        cancel = client.post(f"/v1/contracts/{contract['id']}/cancel", headers=keys.headers("sales"),
                             json={"requested_on": "2026-06-01"})
        assert cancel.status_code == 200, cancel.text
        fan_out(session_factory, now=utc_now())

        def types(endpoint: dict[str, Any]) -> list[str]:
            page = client.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=keys.headers("admin"))
            return [d["event_type"] for d in page.json()["data"]]

        assert types(everything) == ["quote.created", "quote.finalized", "quote.accepted", "contract.amended",
                                     "contract.cancellation_requested"]
        assert types(amendments) == ["contract.amended"]


class TestDeliveryPages:
    def test_pages_follow_the_feed_and_a_cursor_past_every_row_is_an_empty_page(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], session_factory: sessionmaker[Session],
    ) -> None:
        endpoint = _create(client, keys, event_types=["contract.created", "contract.amended"]).json()
        contract = signed_contract(client, keys, account_id=theatre["id"])
        for day in ("2026-03-01", "2026-04-01"):
            accept(client, keys, finalize(client, keys, amend(client, keys, contract["id"], day, {
                "action": "add_quantity", "sku": "TIX-PRO", "quantity": 1})["id"]))
        fan_out(session_factory, now=utc_now())
        path = f"/v1/webhook-endpoints/{endpoint['id']}/deliveries"
        first = client.get(f"{path}?limit=2", headers=keys.headers("admin")).json()
        rest = client.get(f"{path}?limit=2&cursor={first['next_cursor']}", headers=keys.headers("admin")).json()
        sequences = [d["event_sequence"] for d in first["data"] + rest["data"]]
        assert len(sequences) == 3 and sequences == sorted(sequences) and rest["next_cursor"] is None
        for cursor in ("0000000000000000000000", "_" * 22):  # more than any BIGINT: past the end
            beyond = client.get(f"{path}?cursor={cursor}", headers=keys.headers("admin"))
            assert beyond.status_code == 200 and beyond.json() == {"data": [], "next_cursor": None}
