"""Webhook endpoints (admin): register a receiver (its signing secret shown once), list and delete receivers,
see each one's deliveries and send one again."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from pydantic import Field

from app.api import idempotency
from app.api.deps import Admin, Cursor, Limit, Listed, SessionDep, SettingsDep
from app.api.schemas import NO_NUL, Out, PageOut, Schema
from app.db.base import utc_now
from app.db.models import WebhookDelivery
from app.domain.webhooks import ALL_EVENTS, EVENT_TYPES
from app.services import webhooks

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["webhooks"])
EventTypeName = Annotated[str, Field(json_schema_extra={"enum": [ALL_EVENTS, *EVENT_TYPES]})]


class WebhookEndpointIn(Schema):
    url: Annotated[str, Field(min_length=1, max_length=2048, pattern=NO_NUL, examples=["https://erp.example/hooks/cpq"],
                              description="http or https; loopback and private addresses only where the operator "
                                          "allows them (CPQ_WEBHOOK_ALLOW_PRIVATE_URLS)")]
    event_types: Annotated[list[EventTypeName], Field(min_length=1, max_length=len(EVENT_TYPES) + 1,
                                                      description="the events to send, or ['*'] for all")]
    description: Annotated[str | None, Field(max_length=200)] = None


class WebhookEndpointOut(Out):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    created_at: datetime


class NewWebhookEndpointOut(WebhookEndpointOut):
    secret: str | None = Field(description="the signing secret (`whsec_…`), for the receiver's Standard Webhooks "
                                           "library; shown this once: null in an idempotent replay")


class WebhookDeliveryOut(Out):
    id: uuid.UUID
    event_id: uuid.UUID = Field(description="also the `webhook-id` header of every attempt")
    event_sequence: int
    event_type: str
    contract_id: uuid.UUID | None = Field(description="null for a new-business quote's events before acceptance")
    quote_id: uuid.UUID | None
    status: str = Field(description="pending, delivered, failed (retried for 24 h) or cancelled (endpoint deleted)")
    attempts: int
    next_attempt_at: datetime | None = Field(description="when a pending delivery is tried next")
    deadline_at: datetime = Field(description="no attempt after this")
    last_attempt_at: datetime | None
    last_response_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


@router.post("", status_code=201, response_model=NewWebhookEndpointOut)
def create_webhook_endpoint(body: WebhookEndpointIn, session: SessionDep, caller: Admin, settings: SettingsDep,
                    request: Request) -> object:
    """Register an https URL to receive the events feed; its signing secret is shown this once only."""
    idempotency.withhold(request, "secret")
    endpoint = webhooks.create_endpoint(session, caller=caller, url=body.url, event_types=body.event_types,
                                        description=body.description,
                                        allow_private=settings.webhook_allow_private_urls)
    return {**WebhookEndpointOut.model_validate(endpoint).model_dump(), "secret": endpoint.secret}


@router.get("", response_model=PageOut[WebhookEndpointOut])
def list_webhook_endpoints(session: SessionDep, _caller: Admin, by: Listed, limit: Limit = 50,
                           cursor: Cursor = None) -> object:
    """Webhook endpoints, by pages, without their secrets."""
    return webhooks.list_endpoints(session, limit=limit, cursor=cursor, by=by)


@router.get("/{endpoint_id}", response_model=WebhookEndpointOut)
def get_webhook_endpoint(endpoint_id: uuid.UUID, session: SessionDep, _caller: Admin) -> object:
    """One webhook endpoint and its delivery state."""
    return webhooks.get_endpoint(session, endpoint_id)


@router.delete("/{endpoint_id}", status_code=204, response_class=Response)
def delete_webhook_endpoint(endpoint_id: uuid.UUID, session: SessionDep, caller: Admin) -> Response:
    """Stop sending to the endpoint; its pending deliveries are cancelled. A deleted endpoint is a 404 after."""
    webhooks.delete_endpoint(session, caller=caller, endpoint_id=endpoint_id, now=utc_now())
    return Response(status_code=204)


@router.get("/{endpoint_id}/deliveries", response_model=PageOut[WebhookDeliveryOut])
def list_webhook_deliveries(endpoint_id: uuid.UUID, session: SessionDep, _caller: Admin, by: Listed,
                    status: Literal["pending", "delivered", "failed", "cancelled"] | None = None,
                    limit: Limit = 50, cursor: Cursor = None) -> object:
    """Deliveries to an endpoint, by pages; filtered by status."""
    page = webhooks.list_deliveries(session, endpoint_id=endpoint_id, status=status, limit=limit, cursor=cursor,
                                    by=by)
    return {"data": [_delivery_out(item) for item in page.data], "next_cursor": page.next_cursor}


@router.post("/{endpoint_id}/deliveries/{delivery_id}/replay", status_code=202, response_model=WebhookDeliveryOut)
def replay_webhook_delivery(endpoint_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, caller: Admin) -> object:
    """Send the delivery again as soon as a worker is free, with a new 24-hour retry window."""
    delivery = webhooks.replay_delivery(session, caller=caller, endpoint_id=endpoint_id, delivery_id=delivery_id,
                                        now=utc_now())
    return _delivery_out(delivery)


def _delivery_out(delivery: WebhookDelivery) -> WebhookDeliveryOut:
    fields = {name: getattr(delivery, name) for name in WebhookDeliveryOut.model_fields
              if name not in ("event_id", "event_type", "next_attempt_at")}
    return WebhookDeliveryOut(**fields, event_id=delivery.event.id, event_type=delivery.event.type,
                              next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None)
