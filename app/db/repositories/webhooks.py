"""Queries on webhook endpoints and deliveries: fan-out of new events, claiming due deliveries, their outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Exists, Table, and_, bindparam, exists, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from app.db.bulk import insert_rows
from app.db.models import Event, WebhookDelivery, WebhookEndpoint
from app.db.repositories.pagination import Page, fetch_page
from app.domain.listing import EVERYTHING, Narrowing


def endpoint(session: Session, endpoint_id: uuid.UUID, *, for_update: bool = False) -> WebhookEndpoint | None:
    """A live (not deleted) endpoint."""
    statement = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.deleted_at.is_(None))
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def list_endpoints(session: Session, *, limit: int, cursor: str | None,
                   by: Narrowing = EVERYTHING) -> Page[WebhookEndpoint]:
    statement = select(WebhookEndpoint).where(WebhookEndpoint.deleted_at.is_(None))
    return fetch_page(session, statement, WebhookEndpoint.id, limit=limit, cursor=cursor, by=by)


def last_event_sequence(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(Event.sequence), 0))) or 0


def cancel_pending(session: Session, endpoint_id: uuid.UUID) -> None:
    session.execute(update(WebhookDelivery)
                    .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
                    .values(status="cancelled"))


def delivery(session: Session, endpoint_id: uuid.UUID, delivery_id: uuid.UUID, *,
             for_update: bool = False) -> WebhookDelivery | None:
    statement = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                              WebhookDelivery.endpoint_id == endpoint_id)
    if for_update:
        statement = statement.with_for_update(of=WebhookDelivery)
    return session.scalars(statement).first()


def list_deliveries(session: Session, endpoint_id: uuid.UUID, *, status: str | None, limit: int,
                    cursor: str | None, by: Narrowing = EVERYTHING) -> Page[WebhookDelivery]:
    """In the order of the events feed (ids made in one millisecond are not ordered among themselves)."""
    statement = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    return fetch_page(session, statement, WebhookDelivery.event_sequence, limit=limit, cursor=cursor, by=by)


def endpoints_to_fan_out(session: Session) -> list[WebhookEndpoint]:
    """Live endpoints behind the newest event, locked: one worker fans out an endpoint's events at a time, and
    others skip it rather than wait (SKIP LOCKED; SQLite has one writer anyway)."""
    newest = select(func.max(Event.sequence)).scalar_subquery()
    statement = (select(WebhookEndpoint)
                 .where(WebhookEndpoint.deleted_at.is_(None), WebhookEndpoint.after_sequence < newest)
                 .order_by(WebhookEndpoint.id).with_for_update(skip_locked=True))
    return list(session.scalars(statement))


@dataclass(frozen=True)
class NewEvent:
    """What fanning an event out needs: whom it is for, and what it is ordered by."""

    sequence: int
    type: str
    contract_id: uuid.UUID | None
    quote_id: uuid.UUID | None


def events_for_fan_out(session: Session, *, after: int, limit: int) -> list[NewEvent]:
    """The committed events after `after`, in feed order."""
    statement = (select(Event.sequence, Event.type, Event.contract_id, Event.quote_id).where(Event.sequence > after)
                 .order_by(Event.sequence).limit(limit))
    return [NewEvent(row.sequence, row.type, row.contract_id, row.quote_id) for row in session.execute(statement)]


def add_deliveries(session: Session, deliveries: list[WebhookDelivery]) -> None:
    if deliveries:
        insert_rows(session, WebhookDelivery, deliveries)


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds until its lease ends, with what sending it needs."""

    id: uuid.UUID
    attempts: int
    deadline_at: datetime
    url: str
    secret: str
    event: Event


def claim_due(session: Session, *, now: datetime, lease_until: datetime, limit: int) -> list[Claimed]:
    """Take up to `limit` due deliveries, each the earliest pending one of its contract and of its quote for its
    endpoint, and hold them until `lease_until`: a worker that stops before recording an outcome leaves them due
    again then.

    The ordering rule makes a batch hold at most one delivery per contract, and per quote, and endpoint, so a
    batch can be sent in parallel and still arrive in order per contract and per quote (a new-business quote's
    events, which name no contract, then its acceptance and the contract it made). On PostgreSQL, SKIP LOCKED
    lets several workers claim side by side; an earlier delivery another worker has locked still counts as
    pending, so the next one waits. Null ids match nothing, so an event without a contract waits on its quote.
    """
    statement = (select(WebhookDelivery.id)
                 .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
                        ~_earlier_pending(WebhookDelivery.contract_id), ~_earlier_pending(WebhookDelivery.quote_id))
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.event_sequence).limit(limit)
                 .with_for_update(skip_locked=True, of=WebhookDelivery))
    ids = list(session.scalars(statement))
    if not ids:
        return []
    session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).values(next_attempt_at=lease_until))
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.deadline_at, WebhookEndpoint.url,
               WebhookEndpoint.secret, Event)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(Event, Event.sequence == WebhookDelivery.event_sequence)
        .where(WebhookDelivery.id.in_(ids)).order_by(WebhookDelivery.event_sequence))
    return [Claimed(row[0], row[1], row[2], row[3], row[4], row[5]) for row in rows]


def _earlier_pending(column: InstrumentedAttribute[uuid.UUID | None]) -> Exists:
    """An earlier delivery to the same endpoint, with the same value in `column`, still pending."""
    earlier = aliased(WebhookDelivery)
    return exists().where(
        earlier.endpoint_id == WebhookDelivery.endpoint_id, getattr(earlier, column.key) == column,
        earlier.status == "pending", earlier.event_sequence < WebhookDelivery.event_sequence)


_OUTCOME_COLUMNS = ("status", "attempts", "next_attempt_at", "last_attempt_at", "last_response_status", "last_error",
                    "delivered_at")
_table = cast(Table, WebhookDelivery.__table__)
_RECORD_OUTCOME = (update(_table).where(and_(_table.c.id == bindparam("delivery_id"), _table.c.status == "pending"))
                   .values({name: bindparam(f"new_{name}") for name in _OUTCOME_COLUMNS}))


def record_outcomes(session: Session, outcomes: list[dict[str, Any]]) -> None:
    """Write each attempt's outcome (`delivery_id` and every column of _OUTCOME_COLUMNS) on deliveries still
    pending (a cancelled one stays cancelled): one statement run for all, pipelined by the driver."""
    session.execute(_RECORD_OUTCOME, [{"delivery_id": outcome["delivery_id"],
                                       **{f"new_{name}": outcome[name] for name in _OUTCOME_COLUMNS}}
                                      for outcome in outcomes])
