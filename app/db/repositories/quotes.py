"""Queries on quotes, their lines and acceptances, and the human number counters."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from app.db.models import NumberSequence, Quote, QuoteAcceptance


def quote(session: Session, quote_id: uuid.UUID, *, for_update: bool = False) -> Quote | None:
    statement = select(Quote).where(Quote.id == quote_id).options(selectinload(Quote.lines))
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalars(statement).first()


def mark_stale_amendments(session: Session, *, contract_id: uuid.UUID, current_version: int) -> int:
    """Amendments still open on an older version of the contract can no longer be accepted as priced."""
    result = session.execute(
        update(Quote)
        .where(Quote.contract_id == contract_id, Quote.type == "amendment", Quote.base_version < current_version,
               Quote.status.in_(("draft", "needs_approval", "approved", "open")))
        .values(status="stale", version=Quote.version + 1)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def open_past_validity(session: Session, *, as_of: date) -> list[uuid.UUID]:
    """Finalized quotes nobody answered that were valid only until before `as_of`."""
    statement = (select(Quote.id).where(Quote.status == "open", Quote.valid_until < as_of)
                 .order_by(Quote.valid_until, Quote.id))
    return list(session.scalars(statement))


def renewal_quotes_made(session: Session, *, contract_id: uuid.UUID, renewal_term: int) -> int:
    statement = select(func.count()).select_from(Quote).where(
        Quote.contract_id == contract_id, Quote.type == "renewal", Quote.renewal_term == renewal_term)
    return int(session.scalar(statement) or 0)


def acceptance(session: Session, quote_id: uuid.UUID) -> QuoteAcceptance | None:
    return session.scalars(select(QuoteAcceptance).where(QuoteAcceptance.quote_id == quote_id)).first()


def next_number(session: Session, *, series: str, year: int) -> int:
    """Atomically take the next number of a series: an upsert that the database serializes."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(NumberSequence)
        .values(series=series, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=["series", "year"], set_={"last_value": NumberSequence.last_value + 1}
        )
        .returning(NumberSequence.last_value)
    )
    return int(session.execute(statement).scalar_one())
