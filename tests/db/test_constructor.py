"""The models' constructor writes column values straight into a new row: it must still behave as SQLAlchemy's.

A row built that way is inserted with every value given, its relationships set their other side and cascade
it into the session, a change after it is stored is tracked, and a name that is not an attribute is refused.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import AuditEntry, Quote, QuoteLine


def test_a_new_row_is_inserted_with_its_values_and_later_changes_are_tracked(session: Session) -> None:
    entry = AuditEntry(api_key_id=None, action="quote.created", object_type="quote", object_id="Q-1",
                       details={"number": "Q-1"})
    assert entry.id is not None and entry.action == "quote.created"
    with session.begin():
        session.add(entry)
    session.expunge_all()
    with session.begin():
        stored = session.scalars(select(AuditEntry).where(AuditEntry.id == entry.id)).one()
        assert (stored.action, stored.object_id, stored.details) == ("quote.created", "Q-1", {"number": "Q-1"})
        assert stored.created_at is not None  # the column's default, applied at insert
        stored.object_id = "Q-2"
        assert stored in session.dirty
    session.expunge_all()
    with session.begin():
        assert session.get(AuditEntry, entry.id).object_id == "Q-2"  # type: ignore[union-attr]


def test_a_relationship_given_to_the_constructor_goes_through_its_events(session: Session) -> None:
    quote = Quote(number="Q-1", lines=[])
    line = QuoteLine(quote=quote, position=0, sku="TIX-PRO", quantity=20)
    assert quote.lines == [line]  # the other side, set by the relationship's events
    with session.begin():
        session.add(quote)
        assert line in session  # cascaded in along quote.lines
        session.rollback()


def test_an_unknown_name_is_refused(session: Session) -> None:
    with pytest.raises(TypeError, match="'colour' is an invalid keyword argument for AuditEntry"):
        AuditEntry(action="x", object_type="quote", object_id="Q-1", colour="red")
