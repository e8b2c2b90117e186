"""Webhooks sent to a real receiver on loopback that verifies every signature with the Standard Webhooks library:
every contract event arrives, in order per contract, after the receiver was down; failures are retried with
growing delays (dates injected) and given up after 24 h; a worker that stops mid-way loses nothing."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.base import utc_now
from app.db.repositories import webhooks as repo
from app.services.webhook_delivery import WorkerSettings, deliver_round, deliver_until_idle
from examples.webhook_receiver import Receiver
from tests.builders import Keys, accept, amend, create_account, finalize, signed_contract

WORKER = WorkerSettings(allow_private=True, timeout_seconds=5)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_private_urls": True})


@pytest.fixture
def client_http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, trust_env=False) as client:
        yield client


def _receiver(client: TestClient, keys: Keys, *event_types: str, answer: int = 204) -> tuple[Receiver, dict[str, Any]]:
    """A receiver listening on loopback, registered as an endpoint, trusting the secret it was given."""
    receiver = Receiver(answer=answer)
    response = client.post("/v1/webhook-endpoints", headers=keys.headers("admin"),
                           json={"url": receiver.url, "event_types": list(event_types or ["*"])})
    assert response.status_code == 201, response.text
    receiver.trust(response.json()["secret"])
    return receiver.start(), response.json()


def _deliveries(client: TestClient, keys: Keys, endpoint_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries?limit=500", headers=keys.headers("admin"))
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def _add_seats(client: TestClient, keys: Keys, contract_id: str, day: str, seats: int) -> None:
    accept(client, keys, finalize(client, keys, amend(client, keys, contract_id, day, {
        "action": "add_quantity", "sku": "TIX-PRO", "quantity": seats})["id"]))


def _feed(client: TestClient, keys: Keys) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = client.get("/v1/events?limit=500", headers=keys.headers("finance")).json()["data"]
    return data


@pytest.fixture
def two_contracts(client: TestClient, keys: Keys, session: Session) -> list[str]:
    from tests.builders import seed_catalog

    seed_catalog(session)
    ids = []
    for name in ("Théâtre du Rhône", "Opéra de Lille"):
        account = create_account(client, keys, name=name)
        ids.append(signed_contract(client, keys, account_id=account["id"])["id"])
    return ids


class TestEveryEventArrives:
    def test_events_made_while_the_receiver_was_down_arrive_once_verified_and_in_order_per_contract(
        self, client: TestClient, keys: Keys, session: Session, session_factory: sessionmaker[Session],
    ) -> None:
        from tests.builders import seed_catalog

        seed_catalog(session)
        receiver, endpoint = _receiver(client, keys)
        contracts = [signed_contract(client, keys, account_id=create_account(client, keys, name=name)["id"])["id"]
                     for name in ("Théâtre du Rhône", "Opéra de Lille")]
        assert receiver.requests == []  # nothing is sent from inside the requests that made the events

        first = deliver_until_idle(session_factory, WORKER, clock=utc_now)
        assert (first.fanned_out, first.delivered) == (8, 8)  # per sale: quote created, finalized, accepted; contract
        port = receiver.server_address[1]
        receiver.stop()  # down for a while: amendments meanwhile
        for seats, day in ((2, "2026-03-01"), (3, "2026-04-01"), (4, "2026-05-01")):
            for contract_id in contracts:
                _add_seats(client, keys, contract_id, day, seats)
        down = deliver_until_idle(session_factory, WORKER, clock=utc_now)
        assert (down.fanned_out, down.delivered, down.retrying) == (24, 0, 2)  # one per contract tried: order holds
        waiting = [d for d in _deliveries(client, keys, endpoint["id"]) if d["status"] == "pending"]
        assert len(waiting) == 24 and sorted(d["attempts"] for d in waiting) == [0] * 22 + [1, 1]
        assert {d["last_error"].split(":")[0] for d in waiting if d["attempts"]} == {"ConnectError"}

        receiver = Receiver(endpoint["secret"], port=port).start()  # back, on the same address
        later = deliver_until_idle(session_factory, WORKER, clock=lambda: utc_now() + timedelta(seconds=31))
        assert (later.delivered, later.retrying, later.failed) == (24, 0, 0)
        receiver.stop()

        feed = _feed(client, keys)
        assert receiver.rejected == 0
        delivered_ids = [e["data"]["id"] for _, e in receiver.requests]
        assert sorted(delivered_ids) == sorted(e["id"] for e in feed[8:])  # every event since, exactly once
        for contract_id in contracts:
            arrived = [e["data"]["sequence"] for _, e in receiver.requests if e["data"]["contract_id"] == contract_id]
            assert arrived == sorted(arrived) and len(arrived) == 12  # each amendment: 3 quote events, 1 contract
        assert all(message_id == event["data"]["id"] for message_id, event in receiver.requests)
        assert {d["status"] for d in _deliveries(client, keys, endpoint["id"])} == {"delivered"}
        sent = {e["data"]["id"]: e["data"] for _, e in receiver.requests}
        assert all(sent[e["id"]] == e for e in feed[8:])  # the payload is the event as the feed lists it

    def test_two_workers_side_by_side_send_every_event_once(
        self, client: TestClient, keys: Keys, two_contracts: list[str], session_factory: sessionmaker[Session],
    ) -> None:
        receiver, _endpoint = _receiver(client, keys)
        for contract_id in two_contracts:
            for day in ("2026-03-01", "2026-04-01", "2026-05-01"):
                _add_seats(client, keys, contract_id, day, 1)
        workers = [threading.Thread(target=deliver_until_idle, args=(session_factory, WORKER),
                                    kwargs={"clock": utc_now}) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        deliver_until_idle(session_factory, WORKER, clock=utc_now)  # what one found blocked behind the other's
        receiver.stop()
        ids = [message_id for message_id, _ in receiver.requests]
        assert len(ids) == len(set(ids)) == len(_feed(client, keys)) - 8 == 24  # the sales came before it
        for contract_id in two_contracts:
            arrived = [e["data"]["sequence"] for _, e in receiver.requests if e["data"]["contract_id"] == contract_id]
            assert arrived == sorted(arrived)


    def test_a_quote_s_events_go_in_order_before_and_after_it_names_a_contract(
        self, client: TestClient, keys: Keys, session: Session, session_factory: sessionmaker[Session],
    ) -> None:
        from tests.builders import create_quote, seed_catalog

        seed_catalog(session)
        account = create_account(client, keys)["id"]
        _receiver(client, keys)[0].stop()  # nothing is sent here: the claims show the order
        sold = finalize(client, keys, create_quote(client, keys, account_id=account)["id"])
        accept(client, keys, sold)
        draft = create_quote(client, keys, account_id=account)
        now = utc_now()

        def claim_and_deliver() -> list[tuple[str, str]]:
            """What a worker may send now, recorded as delivered: (event type, quote id)."""
            with session_factory() as db, db.begin():
                claimed = repo.claim_due(db, now=now, lease_until=now, limit=10)
                if claimed:
                    repo.record_outcomes(db, [{
                        "delivery_id": item.id, "status": "delivered", "attempts": 1, "next_attempt_at": now,
                        "last_attempt_at": now, "last_response_status": 204, "last_error": None, "delivered_at": now,
                    } for item in claimed])
            return [(item.event.type, str(item.event.quote_id)) for item in claimed]

        from app.services.webhook_delivery import fan_out

        assert fan_out(session_factory, now=now) == 5
        assert claim_and_deliver() == [("quote.created", sold["id"]), ("quote.created", draft["id"])]
        assert claim_and_deliver() == [("quote.finalized", sold["id"])]  # no contract yet: in order per quote
        assert claim_and_deliver() == [("quote.accepted", sold["id"])]  # names the contract, still after its quote's
        assert claim_and_deliver() == [("contract.created", sold["id"])]
        assert claim_and_deliver() == []


class TestRetries:
    def test_a_receiver_answering_500_is_retried_with_growing_delays_for_24_hours_then_failed(
        self, client: TestClient, keys: Keys, two_contracts: list[str], session_factory: sessionmaker[Session],
        client_http: httpx.Client,
    ) -> None:
        receiver, endpoint = _receiver(client, keys, "contract.amended", answer=500)
        _add_seats(client, keys, two_contracts[0], "2026-03-01", 1)
        start = datetime(2027, 1, 4, 9, 0, tzinfo=utc_now().tzinfo)
        now, attempts_at = start, []
        while True:
            report = deliver_round(session_factory, client_http, now=now, settings=WORKER)
            if report.delivered or report.retrying or report.failed:
                attempts_at.append(now)
            [delivery] = _deliveries(client, keys, endpoint["id"])
            if delivery["status"] != "pending":
                break
            assert deliver_round(session_factory, client_http, now=now + timedelta(seconds=1),
                                 settings=WORKER).idle  # not due before its time
            now = datetime.fromisoformat(delivery["next_attempt_at"])
        receiver.stop()
        delays = [(b - a).total_seconds() for a, b in itertools.pairwise(attempts_at)]
        assert delays[:9] == [30 * 2**n for n in range(9)]  # 30 s, 1 min, 2 min … 128 min
        assert set(delays[9:]) == {4 * 3600}  # then every 4 hours
        assert attempts_at[-1] <= start + timedelta(hours=24) < attempts_at[-1] + timedelta(hours=4)
        assert delivery["status"] == "failed" and delivery["attempts"] == len(attempts_at) == receiver.hits == 14
        assert delivery["last_response_status"] == 500 and delivery["last_error"] == "HTTP 500"

        replayed = client.post(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries/{delivery['id']}/replay",
                               headers=keys.headers("admin"))
        assert replayed.status_code == 202 and replayed.json()["status"] == "pending", replayed.text
        receiver = Receiver(endpoint["secret"], port=receiver.server_address[1]).start()
        assert deliver_until_idle(session_factory, WORKER, clock=utc_now).delivered == 1
        receiver.stop()
        [(message_id, event)] = receiver.requests
        assert message_id == delivery["event_id"] and event["type"] == "contract.amended"

    def test_a_worker_that_stops_after_claiming_leaves_the_delivery_due_again_when_its_lease_ends(
        self, client: TestClient, keys: Keys, two_contracts: list[str], session_factory: sessionmaker[Session],
        client_http: httpx.Client,
    ) -> None:
        receiver, _endpoint = _receiver(client, keys)
        _add_seats(client, keys, two_contracts[0], "2026-03-01", 1)
        now = utc_now()
        from app.services.webhook_delivery import fan_out

        assert fan_out(session_factory, now=now) == 4  # the amendment's 3 quote events, then contract.amended
        with session_factory() as session, session.begin():  # claimed, then the worker is gone
            [claimed] = repo.claim_due(session, now=now, lease_until=now + WORKER.lease, limit=10)
        assert deliver_round(session_factory, client_http, now=now + timedelta(seconds=5), settings=WORKER).idle
        assert receiver.requests == []
        after = deliver_round(session_factory, client_http, now=now + WORKER.lease, settings=WORKER)
        receiver.stop()
        assert after.delivered == 1 and [m for m, _ in receiver.requests] == [str(claimed.event.id)]
