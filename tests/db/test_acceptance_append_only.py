"""The acceptance trail cannot be rewritten in the database either: on PostgreSQL a trigger refuses UPDATE and
DELETE of an acceptance, whoever sends them (migration 0007); SQLite, a development database, has no trigger."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.builders import Keys, create_account, seed_catalog, signed_contract


@pytest.mark.parametrize("statement", [
    "UPDATE quote_acceptances SET signer_name = 'Someone Else', document_sha256 = repeat('0', 64)",
    "DELETE FROM quote_acceptances",
])
def test_postgresql_refuses_to_change_an_acceptance(
    engine: Engine, client: TestClient, keys: Keys, session: Session, statement: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    seed_catalog(session)
    signed_contract(client, keys, account_id=create_account(client, keys)["id"])
    read = "SELECT signer_name, document_sha256 FROM quote_acceptances"
    with engine.connect() as connection:
        before = connection.execute(text(read)).all()
    with pytest.raises(DBAPIError, match="quote_acceptances is append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text(read)).all() == before and len(before) == 1
