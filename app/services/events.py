"""The events feed that finance and provisioning poll: contract and quote events, in commit order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.db.repositories import events as repo
from app.db.session import reading


@dataclass(frozen=True)
class EventView:
    sequence: int
    id: uuid.UUID
    type: str
    contract_id: uuid.UUID | None
    contract_version: int | None
    quote_id: uuid.UUID | None
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class EventPage:
    data: list[EventView]
    #: Pass it back as `after` to get what came next (the same value when nothing did).
    next_after: int


def events_after(session: Session, *, after: int, limit: int) -> EventPage:
    with reading(session):
        rows = repo.events_after(session, after=after, limit=limit)
    views = [EventView(r.sequence, r.id, r.type, r.contract_id, r.contract_version, r.quote_id, r.payload,
                       r.created_at) for r in rows]
    return EventPage(views, views[-1].sequence if views else after)
