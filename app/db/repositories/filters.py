"""The narrowing every list takes alike (app.domain.listing), applied to its query in one place; external ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.domain.listing import Narrowing


def narrowed(statement: Select[Any], model: Any, by: Narrowing) -> Select[Any]:
    """The rows of `model` the narrowing keeps; the metadata test is a JSON path comparison, which SQLite and
    PostgreSQL both run. A model without metadata or external ids is never asked for them (the API offers
    those filters only where they exist)."""
    if by.created_after is not None:
        statement = statement.where(model.created_at > by.created_after)
    if by.created_before is not None:
        statement = statement.where(model.created_at < by.created_before)
    for key, value in by.metadata.items():
        statement = statement.where(model.metadata_[key].as_string() == value)
    if by.external_id is not None:
        statement = statement.where(model.external_id == by.external_id)
    return statement


def holder_of_external_id(session: Session, model: Any, external_id: str) -> Any | None:
    """The row of `model` that has this external id, if any (it is unique per kind of object)."""
    return session.scalars(select(model).where(model.external_id == external_id)).first()
