"""Queries behind invoice lines: one streamed read of the segments that may bill in a date range (with
their contract), and the range's proration and one-time charges. Plain rows, not ORM objects: millions
of lines go through here. Each row carries its id and `created_at` as `source_id` and `recorded_at`: what a line's
id is made of, and when what it bills became known (rows are written once, by the version that made them).

The statements take the scope as named parameters (`parameters(scope)`), so one statement serves every scope
of the same filters: the direct reads (`app.db.invoice_reads`) prepare it once per shape."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import BigInteger, Date, Row, Select, bindparam, case, cast, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from app.db.models import Contract, OneTimeCharge, ProratedCharge, QuoteLine, SubscriptionSegment
from app.domain.invoicing import KIND_ORDER

STREAM_ROWS = 2000
_Columns = TypeVarTuple("_Columns")
#: The fields of a `Scope` that narrow it, when given.
FILTERS = ("contract_id", "account_id", "resume_at", "account_ids", "updated_after")


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

    def shape(self) -> tuple[str, ...]:
        """The filters given, which decide the statement (their values are its parameters)."""
        return tuple(name for name in FILTERS if getattr(self, name) is not None)



def parameters(scope: Scope) -> dict[str, Any]:
    """The values of the scope's statement parameters (a set of accounts as a list)."""
    return {name: list(value) if isinstance(value, frozenset) else value
            for name in ("start", "end", *scope.shape()) if (value := getattr(scope, name)) is not None}


def _scoped(statement: Select[*_Columns], created_at: Any, scope: Scope) -> Select[*_Columns]:
    """The statement narrowed to the scope's filters, as parameters named after them, in contract order."""
    given = scope.shape()
    if "contract_id" in given:
        statement = statement.where(Contract.id == bindparam("contract_id"))
    if "account_id" in given:
        statement = statement.where(Contract.account_id == bindparam("account_id"))
    if "account_ids" in given:
        statement = statement.where(Contract.account_id.in_(bindparam("account_ids", expanding=True)))
    if "resume_at" in given:
        statement = statement.where(Contract.id >= bindparam("resume_at"))
    if "updated_after" in given:
        statement = statement.where(created_at > bindparam("updated_after"))
    return statement.order_by(Contract.id)


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
        .where(SubscriptionSegment.start_date < bindparam("end"),
               or_(SubscriptionSegment.end_date.is_(None), SubscriptionSegment.end_date > bindparam("start")))
    )
    ordered = _scoped(statement, SubscriptionSegment.created_at, scope).order_by(SubscriptionSegment.id)
    result = session.execute(ordered.execution_options(yield_per=STREAM_ROWS), parameters(scope))
    try:
        yield from result
    finally:
        result.close()  # a reader that stops early must not leave a server-side cursor open


def charge_statement(scope: Scope, *, page: bool = False) -> Select[Any]:
    """Proration, credit and one-time charges invoiced in [start, end), with their contract, in the order of the
    lines (contract, invoice date, sku, kind, then the period billed and the row: a total order, so a page's
    offset is stable; an acceptance's catch-up charges come period by period). `page`:
    only the first `take` (a parameter), for a page that needs no more."""
    contract_columns = (Contract.id.label("contract_id"), Contract.number, Contract.account_id, Contract.currency)
    prorated = select(
        *contract_columns, ProratedCharge.sku, ProratedCharge.kind, ProratedCharge.invoice_date,
        ProratedCharge.period_start, ProratedCharge.period_end, ProratedCharge.quantity,
        ProratedCharge.unit_price, ProratedCharge.amount, ProratedCharge.quote_id,
        ProratedCharge.id.label("source_id"), ProratedCharge.created_at.label("recorded_at"),
    ).join(ProratedCharge, ProratedCharge.contract_id == Contract.id).where(
        ProratedCharge.invoice_date >= bindparam("start"), ProratedCharge.invoice_date < bindparam("end"))
    one_time = select(
        *contract_columns, OneTimeCharge.sku, literal("one_time").label("kind"), OneTimeCharge.charge_date,
        cast(null(), Date).label("period_start"), cast(null(), Date).label("period_end"),
        OneTimeCharge.quantity, OneTimeCharge.unit_price, OneTimeCharge.amount, QuoteLine.quote_id,
        OneTimeCharge.id.label("source_id"), OneTimeCharge.created_at.label("recorded_at"),
    ).join(OneTimeCharge, OneTimeCharge.contract_id == Contract.id).join(
        QuoteLine, QuoteLine.id == OneTimeCharge.quote_line_id).where(
        OneTimeCharge.charge_date >= bindparam("start"), OneTimeCharge.charge_date < bindparam("end"))
    both = union_all(_scoped(prorated, ProratedCharge.created_at, scope).order_by(None),
                     _scoped(one_time, OneTimeCharge.created_at, scope).order_by(None)).subquery()
    ordered = select(both).order_by(both.c.contract_id, both.c.invoice_date, both.c.sku,
                                    case(KIND_ORDER, value=both.c.kind), both.c.period_start, both.c.source_id)
    return ordered.limit(bindparam("take", type_=BigInteger())) if page else ordered


def charge_rows(session: Session, scope: Scope) -> list[Row[Any]]:
    """The rows of `charge_statement`: few in any range."""
    return list(session.execute(charge_statement(scope), parameters(scope)))
