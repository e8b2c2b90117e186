"""Queries behind invoice lines: one streamed read of the segments that may bill in a date range (with
their contract), and the range's proration and one-time charges. Plain rows, not ORM objects: millions
of lines go through here. Each row carries its id and `created_at` as `source_id` and `recorded_at`: what a line's
id is made of, and when what it bills became known (rows are written once, by the version that made them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Date, Row, Select, cast, literal, or_, select, union_all
from sqlalchemy.orm import Session

from app.db.models import Contract, OneTimeCharge, ProratedCharge, QuoteLine, SubscriptionSegment

STREAM_ROWS = 2000
_Columns = TypeVarTuple("_Columns")


@dataclass(frozen=True)
class Scope:
    """Which lines: invoice dates in [start, end), optionally one contract, one account or a few accounts, from a
    contract on, only those from rows recorded after `updated_after` (a UTC instant)."""

    start: date
    end: date
    contract_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    resume_at: uuid.UUID | None = None
    account_ids: frozenset[uuid.UUID] | None = None
    updated_after: datetime | None = None


def _scoped(statement: Select[*_Columns], scope: Scope) -> Select[*_Columns]:
    if scope.contract_id is not None:
        statement = statement.where(Contract.id == scope.contract_id)
    if scope.account_id is not None:
        statement = statement.where(Contract.account_id == scope.account_id)
    if scope.account_ids is not None:
        statement = statement.where(Contract.account_id.in_(scope.account_ids))
    if scope.resume_at is not None:
        statement = statement.where(Contract.id >= scope.resume_at)
    return statement.order_by(Contract.id)


def _recorded(statement: Select[*_Columns], created_at: Any, scope: Scope) -> Select[*_Columns]:
    return statement if scope.updated_after is None else statement.where(created_at > scope.updated_after)


def segment_rows(session: Session, scope: Scope) -> Iterator[Any]:
    """Segments that may bill a period starting in [start, end), with their contract, in contract order (then
    segment id: lines alike in all but their segment come in that order, as the SQL path gives them)."""
    statement = (
        select(
            Contract.id.label("contract_id"), Contract.number, Contract.account_id, Contract.currency,
            Contract.billing_anchor.label("anchor"), Contract.end_date.label("billing_end"),
            Contract.billing_frequency, SubscriptionSegment.sku, SubscriptionSegment.quantity,
            SubscriptionSegment.net_unit_price, SubscriptionSegment.start_date, SubscriptionSegment.end_date,
            SubscriptionSegment.origin, SubscriptionSegment.closed_on, SubscriptionSegment.closed_by,
            SubscriptionSegment.recorded_on, SubscriptionSegment.closure_recorded_on, QuoteLine.quote_id,
            SubscriptionSegment.id.label("source_id"), SubscriptionSegment.created_at.label("recorded_at"),
        )
        .join(SubscriptionSegment, SubscriptionSegment.contract_id == Contract.id)
        .join(QuoteLine, QuoteLine.id == SubscriptionSegment.quote_line_id)
        .where(SubscriptionSegment.start_date < scope.end,
               or_(SubscriptionSegment.end_date.is_(None), SubscriptionSegment.end_date > scope.start))
    )
    statement = _recorded(statement, SubscriptionSegment.created_at, scope)
    ordered = _scoped(statement, scope).order_by(SubscriptionSegment.id)  # a contract's segments in one order
    result = session.execute(ordered.execution_options(yield_per=STREAM_ROWS))
    try:
        yield from result
    finally:
        result.close()  # a reader that stops early must not leave a server-side cursor open


def charge_rows(session: Session, scope: Scope) -> list[Row[Any]]:
    """Proration, credit and one-time charges invoiced in [start, end), with their contract."""
    contract_columns = (Contract.id.label("contract_id"), Contract.number, Contract.account_id, Contract.currency)
    prorated = select(
        *contract_columns, ProratedCharge.sku, ProratedCharge.kind, ProratedCharge.invoice_date,
        ProratedCharge.period_start, ProratedCharge.period_end, ProratedCharge.quantity,
        ProratedCharge.unit_price, ProratedCharge.amount, ProratedCharge.quote_id,
        ProratedCharge.id.label("source_id"), ProratedCharge.created_at.label("recorded_at"),
    ).join(ProratedCharge, ProratedCharge.contract_id == Contract.id).where(
        ProratedCharge.invoice_date >= scope.start, ProratedCharge.invoice_date < scope.end)
    one_time = select(
        *contract_columns, OneTimeCharge.sku, literal("one_time").label("kind"), OneTimeCharge.charge_date,
        cast(literal(None), Date).label("period_start"), cast(literal(None), Date).label("period_end"), OneTimeCharge.quantity,
        OneTimeCharge.unit_price, OneTimeCharge.amount, QuoteLine.quote_id,
        OneTimeCharge.id.label("source_id"), OneTimeCharge.created_at.label("recorded_at"),
    ).join(OneTimeCharge, OneTimeCharge.contract_id == Contract.id).join(
        QuoteLine, QuoteLine.id == OneTimeCharge.quote_line_id).where(
        OneTimeCharge.charge_date >= scope.start, OneTimeCharge.charge_date < scope.end)
    prorated, one_time = _recorded(prorated, ProratedCharge.created_at, scope), _recorded(
        one_time, OneTimeCharge.created_at, scope)
    both = union_all(_scoped(prorated, scope).order_by(None), _scoped(one_time, scope).order_by(None))
    return list(session.execute(select(both.subquery()).order_by("contract_id")))
