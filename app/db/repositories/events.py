"""The events feed: appended in commit order, read after a sequence number."""

from __future__ import annotations

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from app.db.bulk import insert_rows
from app.db.models import Event
from app.domain.webhooks import SCHEMA_VERSION

#: Any constant works: every writer of events takes this one transaction-scoped lock.
_EVENTS_LOCK = 7_265_001
_PENDING = "cpq.pending_events"


def append(session: Session, item: Event, *, at: int | None = None) -> None:
    """Queue an event to be written with the transaction (at position `at`, a `pending_mark`, if given), so
    that sequence order is commit order.

    On PostgreSQL a sequence value is taken at insert, but transactions may commit in another order, and a
    poller reading `after=N` could skip an event that commits late. Writers of events therefore commit one at
    a time under an advisory lock, but only for the last moment: the events are inserted when the
    transaction commits, so the lock covers one insert and the commit, not the work before them (renewal
    run workers would otherwise queue behind each other for their whole batch). SQLite serializes writers.

    A payload that names no `schema_version` follows the current one of its type.
    """
    item.payload = {"schema_version": SCHEMA_VERSION, **item.payload}
    pending: list[Event] = session.info.setdefault(_PENDING, [])
    pending.insert(len(pending) if at is None else at, item)


def pending_mark(session: Session) -> int:
    """How many events are queued: pass it to `discard_since` to drop what a rolled-back savepoint queued."""
    return len(session.info.get(_PENDING, []))


def discard_since(session: Session, mark: int) -> None:
    del session.info.get(_PENDING, [])[mark:]


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: its events wait for the real commit
        return
    pending: list[Event] = session.info.pop(_PENDING, [])
    if not pending:
        return
    session.flush()  # what the events refer to
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _EVENTS_LOCK})
    insert_rows(session, Event, pending)  # the sequence numbers are not read back


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without committing its events drops them (savepoints are the caller's job)."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def events_after(session: Session, *, after: int, limit: int) -> list[Event]:
    statement = select(Event).where(Event.sequence > after).order_by(Event.sequence).limit(limit)
    return list(session.scalars(statement))
