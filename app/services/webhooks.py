"""Webhook endpoints (admin): register one with its secret shown once, list them, delete one, see and replay
its deliveries. Sending is `webhook_delivery`'s job, outside every business transaction."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from app.db.models import WebhookDelivery, WebhookEndpoint
from app.db.repositories import webhooks as repo
from app.db.repositories.pagination import Page
from app.db.session import reading
from app.domain import webhooks as rules
from app.domain.errors import InvalidInput, NotFound, Violation
from app.domain.listing import EVERYTHING, Narrowing
from app.services import audit
from app.services.auth import Caller

DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")


def new_secret() -> str:
    """24 random bytes in Standard Webhooks' `whsec_` + base64 form, which its libraries take as they are."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def create_endpoint(session: Session, *, caller: Caller, url: str, event_types: list[str], description: str | None,
                    allow_private: bool) -> WebhookEndpoint:
    """Register an endpoint for the events that come after it: the feed's past is not sent to it."""
    rules.check_url(url, allow_private=allow_private)
    if not event_types:
        raise InvalidInput("event_types: name at least one event type, or '*'",
                           [Violation(("body", "event_types"), "empty")])
    rules.check_event_types(event_types)
    with session.begin():
        endpoint = WebhookEndpoint(url=url, event_types=event_types, description=description, secret=new_secret(),
                                   after_sequence=repo.last_event_sequence(session))
        session.add(endpoint)
        session.flush()
        audit.record(session, caller, "webhook_endpoint.created", "webhook_endpoint", endpoint.id,
                     {"url": url, "event_types": event_types})
    return endpoint


def list_endpoints(session: Session, *, limit: int, cursor: str | None,
                   by: Narrowing = EVERYTHING) -> Page[WebhookEndpoint]:
    with reading(session):
        return repo.list_endpoints(session, limit=limit, cursor=cursor, by=by)


def get_endpoint(session: Session, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    with reading(session):
        return _endpoint(session, endpoint_id)


def delete_endpoint(session: Session, *, caller: Caller, endpoint_id: uuid.UUID, now: datetime) -> None:
    """Stop sending to it: what is still pending is cancelled; what was sent stays listed in the audit log."""
    with session.begin():
        endpoint = _endpoint(session, endpoint_id, for_update=True)
        endpoint.deleted_at = now
        repo.cancel_pending(session, endpoint_id)
        audit.record(session, caller, "webhook_endpoint.deleted", "webhook_endpoint", endpoint_id, {})


def list_deliveries(session: Session, *, endpoint_id: uuid.UUID, status: str | None, limit: int,
                    cursor: str | None, by: Narrowing = EVERYTHING) -> Page[WebhookDelivery]:
    with reading(session):
        _endpoint(session, endpoint_id)
        return repo.list_deliveries(session, endpoint_id, status=status, limit=limit, cursor=cursor, by=by)


def replay_delivery(session: Session, *, caller: Caller, endpoint_id: uuid.UUID, delivery_id: uuid.UUID,
                    now: datetime) -> WebhookDelivery:
    """Send a delivery again, now, with a fresh retry window: one that failed after its 24 h, or one the receiver
    lost. It keeps its `webhook-id`, so a receiver that deduplicates on it does not apply it twice."""
    with session.begin():
        _endpoint(session, endpoint_id)
        delivery = repo.delivery(session, endpoint_id, delivery_id, for_update=True)
        if delivery is None:
            raise NotFound(f"webhook endpoint {endpoint_id} has no delivery {delivery_id}")
        delivery.status = "pending"
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.deadline_at = now + rules.RETRY_WINDOW
        audit.record(session, caller, "webhook_delivery.replayed", "webhook_delivery", delivery_id, {})
    return delivery


def _endpoint(session: Session, endpoint_id: uuid.UUID, *, for_update: bool = False) -> WebhookEndpoint:
    endpoint = repo.endpoint(session, endpoint_id, for_update=for_update)
    if endpoint is None:
        raise NotFound(f"webhook endpoint {endpoint_id} does not exist")
    return endpoint
