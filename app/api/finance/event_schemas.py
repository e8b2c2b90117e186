"""Each event type's payload, versioned, published as OpenAPI 3.1 `webhooks`: what a receiver is sent, per type.

Every payload carries `schema_version`. Fields are added within a version (a receiver ignores what it does not
know); a change that removes or renames a field makes a new version. GET /v1/events lists the same events.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field, create_model

from app.api.schemas import MoneyOut
from app.domain.webhooks import EVENT_TYPES


class Payload(BaseModel):
    #: `app.domain.webhooks.SCHEMA_VERSION`; a type whose schema moves on gets its own model for the new version.
    schema_version: Literal[1] = Field(description="the version of this type's payload schema")
    number: str = Field(description="the contract's number (`C-2026-000001`), or the quote's for quote events")


class ContractCreatedPayload(Payload):
    mrr: MoneyOut
    arr: MoneyOut
    total_contract_value: MoneyOut
    currency: str


class ContractAmendedPayload(Payload):
    effective_date: date
    currency: str
    amount_due_now: MoneyOut
    mrr_delta: MoneyOut
    remaining_term_value: MoneyOut


class ContractRenewedPayload(Payload):
    term: int = Field(description="the number of the term that starts")
    start_date: date
    end_date: date | None = Field(description="null for an evergreen term")
    mrr: MoneyOut
    currency: str


class UpliftedSegment(BaseModel):
    sku: str
    quantity: int
    net_unit_price: MoneyOut


class ContractUpliftedPayload(Payload):
    effective_on: date
    uplift_percent: MoneyOut | None = Field(description="null when only agreed decreases applied")
    currency: str
    segments: list[UpliftedSegment] = Field(description="what the contract holds from that day")


class ContractCancellationRequestedPayload(Payload):
    requested_on: date
    effective_on: date = Field(description="when the cancellation takes effect, by the notice rule")
    reason: str | None


class ContractEndedPayload(Payload):
    effective_on: date
    currency: str


class RenewalQuoteCreatedPayload(Payload):
    contract: str = Field(description="the number of the contract it renews")
    term: int = Field(description="the number of the term it would start")
    start_date: date
    end_date: date
    mrr: MoneyOut
    currency: str


class QuotePayload(Payload):
    """The quote as it stands after the change the event names."""

    quote_type: Literal["new", "amendment", "renewal"]
    status: str = Field(description="the quote's status after the change")
    version: int = Field(description="the quote's version after the change (its ETag)")
    account_id: uuid.UUID
    currency: str
    mrr: MoneyOut
    arr: MoneyOut
    total_contract_value: MoneyOut
    valid_until: date | None
    reason: str | None = Field(description="why it was declined or cancelled, when the caller said")


#: The payload model of every event type.
PAYLOADS: dict[str, type[Payload]] = {
    "contract.created": ContractCreatedPayload,
    "contract.amended": ContractAmendedPayload,
    "contract.renewed": ContractRenewedPayload,
    "contract.uplifted": ContractUpliftedPayload,
    "contract.cancellation_requested": ContractCancellationRequestedPayload,
    "contract.cancelled": ContractEndedPayload,
    "contract.expired": ContractEndedPayload,
    "renewal_quote.created": RenewalQuoteCreatedPayload,
    **{name: QuotePayload for name in EVENT_TYPES if name.startswith("quote.")},
}


class EventData(BaseModel):
    """The event as GET /v1/events lists it."""

    sequence: int
    id: uuid.UUID = Field(description="also the `webhook-id` header")
    contract_id: uuid.UUID | None = Field(description="null for a new-business quote's events before acceptance")
    contract_version: int | None
    quote_id: uuid.UUID | None
    created_at: datetime


def _camel(event_type: str) -> str:
    return "".join(part.capitalize() for part in event_type.replace(".", "_").split("_"))


def webhook_body(event_type: str) -> type[BaseModel]:
    """The Standard Webhooks body sent for `event_type`: its type, a timestamp, and the event as `data`."""
    literal: Any = Literal[event_type]
    data = create_model(f"{_camel(event_type)}Event", __base__=EventData, type=(literal, ...),
                        payload=(PAYLOADS[event_type], ...))
    return create_model(f"{_camel(event_type)}Webhook", type=(literal, ...), timestamp=(datetime, ...),
                        data=(data, ...))


BODIES = {event_type: webhook_body(event_type) for event_type in PAYLOADS}


#: What the receiver answers: any 2xx (204 shown) is delivered; the rest is retried, not a validation error.
_ANSWERS: dict[int | str, dict[str, Any]] = {"default": {
    "description": "anything else (a redirect too) is a failed attempt, retried with growing delays for 24 hours"}}


def install(app: FastAPI) -> None:
    """Describe each event type under the document's top-level `webhooks`, its body in `components.schemas`."""
    for event_type, body in BODIES.items():
        app.webhooks.add_api_route(event_type, _receiver(event_type, body), methods=["POST"], tags=["webhooks"],
                                   operation_id=event_type.replace(".", "_"), status_code=204, responses=_ANSWERS,
                                   summary=f"`{event_type}`, sent to the endpoints that subscribed to it")


def _receiver(event_type: str, body: type[BaseModel]) -> Any:
    """A stand-in for the receiver's handler: only its signature is read, to document the body."""
    def receive(event: Any) -> None:
        """Answer 2xx once the event is stored, and deduplicate on `webhook-id`: a delivery may come twice."""

    receive.__annotations__["event"] = body
    receive.__name__ = event_type.replace(".", "_")
    return receive
