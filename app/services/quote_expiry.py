"""Quotes lapse: an open quote past its `valid_until` expires, with `quote.expired`, when the renewal run says so.

Nothing else moves a quote nobody answered to `expired` (accepting one too late expires it, refused), so the
scheduled renewal run does it as of its date, after its contracts: a renewal quote that lapses is then priced
again if its contract auto-renews later (as an expired one always was).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from app.db.repositories import quotes as quote_repo
from app.domain.quote_states import transition
from app.services import audit, quote_events
from app.services.auth import Caller
from app.services.quotes import lock_quote
from app.services.retry import retry_transient


def expire_quotes(factory: sessionmaker[Session], *, caller: Caller, as_of: date, dry_run: bool) -> int:
    """How many open quotes were valid only until before `as_of`, each expired in its own short transaction
    (a dry run only counts them)."""
    with factory() as session, session.begin():
        due = quote_repo.open_past_validity(session, as_of=as_of)
    if dry_run:
        return len(due)
    expired = 0
    for quote_id in due:
        with factory() as session:
            expired += _expire(session, caller, quote_id, as_of)
    return expired


@retry_transient
def _expire(session: Session, caller: Caller, quote_id: uuid.UUID, as_of: date) -> int:
    """1 if the quote expired; 0 if it was answered, or its validity moved, since it was listed."""
    with session.begin():
        row, contract = lock_quote(session, caller, quote_id)  # its contract's row first, as everywhere
        if row.status != "open" or row.valid_until is None or row.valid_until >= as_of:
            return 0
        row.status, row.version = transition(row.status, "expire", number=row.number), row.version + 1
        quote_events.append(session, row, "quote.expired", contract)
        audit.record(session, caller, "quote.expired", "quote", row.id, {"valid_until": row.valid_until.isoformat()})
        return 1
