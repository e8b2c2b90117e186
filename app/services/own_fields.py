"""The fields that are the caller's own, not the service's: metadata and external ids, alike on every object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.base import MetadataMixin
from app.db.repositories.filters import holder_of_external_id
from app.domain.errors import Conflict, Violation
from app.domain.metadata import merged


class ExternalIdTaken(Conflict):
    code = "external_id_taken"
    title = "External id taken"


def merge_metadata(row: MetadataMixin, changes: Mapping[str, str | None]) -> None:
    """Stripe's PATCH: the keys given are set, a key given as "" or null is removed, the others stay."""
    row.metadata_ = merged(row.metadata_, changes)


def claim_external_id(session: Session, row: Any, external_id: str | None) -> None:
    """Give the row (already in the session) this external id, or none; one another object of its kind holds
    is a 409. Two requests may both find it free: the unique index refuses the second when it is written,
    here, in a savepoint, so that one is the same 409 and not a server error."""
    if external_id is None:
        row.external_id = None
        return
    _refuse_if_held(session, row, external_id)
    try:
        with session.begin_nested():  # which flushes the changes before it first, outside the savepoint
            row.external_id = external_id
            session.flush()
    except IntegrityError:
        _refuse_if_held(session, row, external_id)  # the one that won the race, now visible
        raise


def _refuse_if_held(session: Session, row: Any, external_id: str) -> None:
    holder = holder_of_external_id(session, type(row), external_id)
    if holder is not None and holder.id != row.id:
        reason = f"external_id {external_id!r} is taken by {row.__tablename__[:-1]} {holder.id}"
        raise ExternalIdTaken(reason, [Violation(("body", "external_id"), reason)])


def apply_changes(session: Session, row: Any, changes: Mapping[str, Any]) -> None:
    """A PATCH's fields set on the row: metadata merged in and external ids claimed, the others replaced."""
    for name, value in changes.items():
        if name == "metadata":
            merge_metadata(row, value)
        elif name == "external_id":
            claim_external_id(session, row, value)
        else:
            setattr(row, name, value)
