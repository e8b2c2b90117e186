"""The events feed: appended in commit order, read after a sequence number."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db.models import Event

#: Any constant works: every writer of events takes this one transaction-scoped lock.
_EVENTS_LOCK = 7_265_001


def append(session: Session, event: Event) -> None:
    """Add an event so that sequence order is commit order.

    On PostgreSQL a sequence value is taken at insert, but transactions may commit in another order, and a
    poller reading `after=N` could skip an event that commits late. Holding one advisory lock from the insert
    until the commit makes writers of events commit one at a time. SQLite serializes writers anyway.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _EVENTS_LOCK})
    session.add(event)
    session.flush()


def events_after(session: Session, *, after: int, limit: int) -> list[Event]:
    statement = select(Event).where(Event.sequence > after).order_by(Event.sequence).limit(limit)
    return list(session.scalars(statement))
