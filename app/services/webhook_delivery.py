"""The webhook worker: fans committed events out to the endpoints that want them, then sends what is due, signed
per Standard Webhooks, at least once and in order per contract and per quote, retrying with growing delays for 24 hours.

It runs apart from every request (`cpq webhooks deliver`, or beside `cpq serve`) and reads only committed
events, so a receiver that is slow or down costs the API nothing. Several workers, on several hosts, share the
work on PostgreSQL: each claims deliveries with SKIP LOCKED and holds them for a lease, so a worker that stops
mid-way leaves them due again when the lease ends (a receiver may then get one twice: it deduplicates on
`webhook-id`, the event's id, which every attempt and replay keeps).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook

from app import __version__
from app.config import Settings
from app.db.models import Event, WebhookDelivery
from app.db.repositories import webhooks as repo
from app.db.repositories.webhooks import Claimed
from app.domain import webhooks as rules

logger = logging.getLogger("cpq.webhooks")
#: Events fanned out per endpoint per round, and deliveries claimed per round.
FAN_OUT_BATCH = 1000


@dataclass(frozen=True)
class WorkerSettings:
    allow_private: bool = False
    timeout_seconds: float = 10.0
    #: Deliveries sent at once (each to a different contract or endpoint).
    concurrency: int = 8
    batch: int = 100

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerSettings:
        return cls(allow_private=settings.webhook_allow_private_urls, timeout_seconds=settings.webhook_timeout_seconds,
                   concurrency=settings.webhook_concurrency)

    @property
    def lease(self) -> timedelta:
        """Long enough for the slowest attempt and its recording; shorter would send one twice."""
        return timedelta(seconds=self.timeout_seconds + 30)


@dataclass(frozen=True)
class RoundReport:
    fanned_out: int
    delivered: int
    retrying: int
    failed: int

    @property
    def idle(self) -> bool:
        return self.fanned_out == self.delivered == self.retrying == self.failed == 0


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def deliver_round(factory: sessionmaker[Session], client: httpx.Client, *, now: datetime,
                  settings: WorkerSettings) -> RoundReport:
    """One pass: fan out new events, claim what is due as of `now`, send it, record each outcome."""
    fanned = fan_out(factory, now=now)
    with factory() as session, session.begin():
        claimed = repo.claim_due(session, now=now, lease_until=now + settings.lease, limit=settings.batch)
    if not claimed:
        return RoundReport(fanned, 0, 0, 0)
    with ThreadPoolExecutor(max_workers=min(settings.concurrency, len(claimed))) as pool:
        attempts = list(pool.map(lambda item: send(client, item, now=now, settings=settings), claimed))
    outcomes = [_outcome(item, attempt, now) for item, attempt in zip(claimed, attempts, strict=True)]
    with factory() as session, session.begin():
        repo.record_outcomes(session, outcomes)
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    for outcome in outcomes:
        counts["retrying" if outcome["status"] == "pending" else outcome["status"]] += 1
    return RoundReport(fanned, **counts)


def fan_out(factory: sessionmaker[Session], *, now: datetime) -> int:
    """Make a pending delivery of each new event for each endpoint that wants it; returns how many."""
    made = 0
    with factory() as session, session.begin():
        for endpoint in repo.endpoints_to_fan_out(session):
            events = repo.events_for_fan_out(session, after=endpoint.after_sequence, limit=FAN_OUT_BATCH)
            if not events:
                continue
            deliveries = [WebhookDelivery(endpoint_id=endpoint.id, event_sequence=event.sequence,
                                          contract_id=event.contract_id, quote_id=event.quote_id, status="pending",
                                          attempts=0, next_attempt_at=now, deadline_at=now + rules.RETRY_WINDOW,
                                          created_at=now)
                          for event in events if rules.wants(endpoint.event_types, event.type)]
            repo.add_deliveries(session, deliveries)
            endpoint.after_sequence = events[-1].sequence
            made += len(deliveries)
    return made


def send(client: httpx.Client, item: Claimed, *, now: datetime, settings: WorkerSettings) -> Attempt:
    """POST the event, signed; any 2xx is delivered, anything else (a redirect too) is a failed attempt."""
    body = json.dumps(envelope(item.event), separators=(",", ":")).encode()
    message_id = str(item.event.id)
    headers = {
        "content-type": "application/json",
        "user-agent": f"cpq-webhooks/{__version__}",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(item.secret).sign(message_id, now, body),
    }
    try:
        if not settings.allow_private:
            _check_resolved(item.url)
        with client.stream("POST", item.url, content=body, headers=headers) as response:
            return Attempt(response.status_code, None if response.is_success else f"HTTP {response.status_code}")
    except (httpx.HTTPError, OSError, ValueError) as error:
        return Attempt(None, f"{type(error).__name__}: {error}"[:500])


def envelope(event: Event) -> dict[str, Any]:
    """Standard Webhooks' payload shape; `data` is the event as GET /v1/events lists it."""
    return {"type": event.type, "timestamp": _instant(event.created_at), "data": {
        "sequence": event.sequence, "id": str(event.id), "type": event.type, "contract_id": _text(event.contract_id),
        "contract_version": event.contract_version, "quote_id": _text(event.quote_id),
        "payload": event.payload, "created_at": _instant(event.created_at),
    }}


def deliver_until_idle(factory: sessionmaker[Session], settings: WorkerSettings, *,
                       clock: Callable[[], datetime]) -> RoundReport:
    """Rounds until one finds nothing to do (what failed waits for its retry): the sum of what they did."""
    total = RoundReport(0, 0, 0, 0)
    with _client(settings) as client:
        while not (report := deliver_round(factory, client, now=clock(), settings=settings)).idle:
            total = RoundReport(*(a + b for a, b in zip(astuple(total), astuple(report), strict=True)))
    return total


def run_worker(factory: sessionmaker[Session], settings: WorkerSettings, *, clock: Callable[[], datetime],
               stop: threading.Event, poll_seconds: float = 1.0) -> None:
    """Deliver until `stop` is set; an idle round waits `poll_seconds`, a database that is down is retried."""
    with _client(settings) as client:
        while not stop.is_set():
            try:
                report = deliver_round(factory, client, now=clock(), settings=settings)
            except Exception:  # a database restart must not end the worker
                logger.exception("webhook round failed; trying again in %s s", poll_seconds)
                stop.wait(poll_seconds)
                continue
            if report.idle:
                stop.wait(poll_seconds)
            else:
                logger.info("webhooks: %d fanned out, %d delivered, %d retrying, %d failed", report.fanned_out,
                            report.delivered, report.retrying, report.failed)


def _client(settings: WorkerSettings) -> httpx.Client:
    """Connections kept alive, one per concurrent send. TCP_NODELAY: a request's headers and body go out in two
    writes, and without it the body waits for the receiver's delayed ACK of the headers (40 ms on Linux)."""
    limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
    transport = httpx.HTTPTransport(limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    return httpx.Client(timeout=settings.timeout_seconds, follow_redirects=False, transport=transport, trust_env=False)


def _outcome(item: Claimed, attempt: Attempt, now: datetime) -> dict[str, Any]:
    """The delivery's columns after this attempt: delivered, pending until its retry, or failed."""
    attempts = item.attempts + 1
    retry_at = None if attempt.ok else rules.next_attempt(attempts, failed_at=now, deadline=item.deadline_at)
    status = "delivered" if attempt.ok else "failed" if retry_at is None else "pending"
    return {"delivery_id": item.id, "status": status, "attempts": attempts, "next_attempt_at": retry_at or now,
            "last_attempt_at": now, "last_response_status": attempt.status_code, "last_error": attempt.error,
            "delivered_at": now if attempt.ok else None}


def _check_resolved(url: str) -> None:
    """Refuse a host whose name resolves to a private address now (it may not have when it was registered)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for *_, address in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
        if not rules.is_public(ip_address(address[0])):
            raise ValueError(f"{host} resolves to {address[0]}, a private address")


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
