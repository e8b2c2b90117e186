"""A `Scope`'s filters become statement parameters named after them; a field missing from `FILTERS` would be a
filter the statements silently ignore, and the invoice lines of every contract would be returned instead."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import UTC, date, datetime

from app.db.repositories.billing import FILTERS, Scope, parameters


def test_every_field_but_the_range_is_a_filter() -> None:
    assert set(FILTERS) == {field.name for field in fields(Scope)} - {"start", "end"}


def test_parameters_hold_the_range_and_the_filters_given_and_only_those() -> None:
    account = uuid.UUID(int=7)
    after = datetime(2026, 5, 1, tzinfo=UTC)
    scope = Scope(date(2026, 4, 1), date(2026, 5, 1), account_ids=frozenset({account}), updated_after=after)
    assert scope.shape() == ("account_ids", "updated_after")
    assert parameters(scope) == {"start": date(2026, 4, 1), "end": date(2026, 5, 1), "account_ids": [account],
                                 "updated_after": after}
    assert Scope(date(2026, 4, 1), date(2026, 5, 1)).shape() == ()
