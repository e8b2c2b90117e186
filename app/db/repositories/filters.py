"""The narrowing every list takes alike (app.domain.listing), applied to its query in one place; external ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from app.domain.listing import Narrowing

#: What a clause compares with, given the parameter's name and value: the value itself, or a bound parameter of
#: a statement prepared once and run with many values (app.db.reads).
Bind = Callable[[str, Any], Any]


def as_value(_name: str, value: Any) -> Any:
    return value


def narrowing_clauses(model: Any, by: Narrowing, bind: Bind = as_value) -> list[ColumnElement[bool]]:
    """The clauses keeping the rows of `model` the narrowing keeps; the metadata test is a JSON path comparison,
    which SQLite and PostgreSQL both run. A model without metadata or external ids is never asked for them (the
    API offers those filters only where they exist)."""
    clauses = []
    if by.created_after is not None:
        clauses.append(model.created_at > bind("created_after", by.created_after))
    if by.created_before is not None:
        clauses.append(model.created_at < bind("created_before", by.created_before))
    for position, (key, value) in enumerate(by.metadata.items()):
        clauses.append(model.metadata_[key].as_string() == bind(f"metadata_value_{position}", value))
    if by.external_id is not None:
        clauses.append(model.external_id == bind("external_id", by.external_id))
    return clauses


def narrowed(statement: Select[Any], model: Any, by: Narrowing) -> Select[Any]:
    return statement.where(*narrowing_clauses(model, by))


def holder_of_external_id(session: Session, model: Any, external_id: str) -> Any | None:
    """The row of `model` that has this external id, if any (it is unique per kind of object)."""
    return session.scalars(select(model).where(model.external_id == external_id)).first()
