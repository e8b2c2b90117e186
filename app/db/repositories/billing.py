"""Queries behind invoice lines: contracts in id batches, their segments and charges in a date range."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.db.models import Contract, OneTimeCharge, ProratedCharge, QuoteLine, SubscriptionSegment


def contract_batch(
    session: Session, *, after: uuid.UUID | None, resume_at: uuid.UUID | None, limit: int,
    contract_id: uuid.UUID | None, account_id: uuid.UUID | None,
) -> Sequence[Contract]:
    """Contracts in id order: after `after`, or from `resume_at` (inclusive) when a page resumes inside one."""
    statement = select(Contract).order_by(Contract.id).limit(limit)
    if after is not None:
        statement = statement.where(Contract.id > after)
    if resume_at is not None:
        statement = statement.where(Contract.id >= resume_at)
    if contract_id is not None:
        statement = statement.where(Contract.id == contract_id)
    if account_id is not None:
        statement = statement.where(Contract.account_id == account_id)
    return list(session.scalars(statement))


def segments_billing_in(
    session: Session, contract_ids: Sequence[uuid.UUID], start: date, end: date
) -> list[tuple[SubscriptionSegment, uuid.UUID]]:
    """Segments that may bill a period starting in [start, end), with the quote that created each."""
    statement = (
        select(SubscriptionSegment, QuoteLine.quote_id)
        .join(QuoteLine, QuoteLine.id == SubscriptionSegment.quote_line_id)
        .where(
            SubscriptionSegment.contract_id.in_(contract_ids),
            SubscriptionSegment.start_date < end,
            or_(SubscriptionSegment.end_date.is_(None), SubscriptionSegment.end_date > start),
        )
    )
    return [(row[0], row[1]) for row in session.execute(statement)]


def prorated_charges_in(
    session: Session, contract_ids: Sequence[uuid.UUID], start: date, end: date
) -> Sequence[ProratedCharge]:
    statement = select(ProratedCharge).where(
        ProratedCharge.contract_id.in_(contract_ids), ProratedCharge.invoice_date >= start,
        ProratedCharge.invoice_date < end,
    )
    return list(session.scalars(statement))


def one_time_charges_in(
    session: Session, contract_ids: Sequence[uuid.UUID], start: date, end: date
) -> list[tuple[OneTimeCharge, uuid.UUID]]:
    statement = (
        select(OneTimeCharge, QuoteLine.quote_id)
        .join(QuoteLine, QuoteLine.id == OneTimeCharge.quote_line_id)
        .where(OneTimeCharge.contract_id.in_(contract_ids), OneTimeCharge.charge_date >= start,
               OneTimeCharge.charge_date < end)
    )
    return [(row[0], row[1]) for row in session.execute(statement)]
