"""Queries of the renewal run: claiming due contracts without blocking other workers, and the run reports."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.orm import Session

from app.db.models import Contract, RenewalRun, RenewalRunError


def _due(as_of: date) -> tuple[ColumnElement[bool], ...]:
    return (Contract.status == "active", Contract.next_due_on <= as_of)


def claim_due(session: Session, *, as_of: date, run_id: uuid.UUID | None, limit: int, after: uuid.UUID | None,
              skip: Collection[uuid.UUID]) -> list[Contract]:
    """Lock up to `limit` contracts with something due, skipping those another worker holds.

    A run (`run_id`) takes them by due date and leaves out those it failed on; a dry run (`run_id` None),
    which changes nothing, pages through them by id after `after` instead.
    """
    statement = select(Contract).where(*_due(as_of))
    if skip:
        statement = statement.where(Contract.id.not_in(list(skip)))
    if run_id is None:
        if after is not None:
            statement = statement.where(Contract.id > after)
        statement = statement.order_by(Contract.id)
    else:
        failed = exists().where(RenewalRunError.run_id == run_id, RenewalRunError.contract_id == Contract.id)
        statement = statement.where(~failed).order_by(Contract.next_due_on, Contract.id)
    statement = statement.limit(limit).with_for_update(skip_locked=True, of=Contract)
    return list(session.scalars(statement.execution_options(populate_existing=True)))


def due_count(session: Session, as_of: date) -> int:
    return int(session.scalar(select(func.count()).select_from(Contract).where(*_due(as_of))) or 0)


def finish(session: Session, run_id: uuid.UUID, *, status: str, processed: int, counts: dict[str, int],
           finished_at: datetime) -> None:
    session.execute(update(RenewalRun).where(RenewalRun.id == run_id).values(
        status=status, contracts_processed=processed, finished_at=finished_at, **counts))


def run(session: Session, run_id: uuid.UUID) -> RenewalRun | None:
    return session.get(RenewalRun, run_id)


def runs(session: Session, *, limit: int) -> list[RenewalRun]:
    statement = select(RenewalRun).order_by(RenewalRun.started_at.desc(), RenewalRun.id).limit(limit)
    return list(session.scalars(statement))


def errors(session: Session, run_id: uuid.UUID) -> list[RenewalRunError]:
    statement = select(RenewalRunError).where(RenewalRunError.run_id == run_id)
    return list(session.scalars(statement.order_by(RenewalRunError.created_at, RenewalRunError.id)))
