"""The renewal run writes its batches with COPY: the rows must be exactly those the unit of work writes.

Copies of each kind of contract (auto-renewed with an uplift, expired, evergreen with two anniversaries) are
renewed in batches of one: the original of each kind is flushed by the unit of work, its copies' new rows are
kept aside (`collect`) and written by `copy_new_rows`. Every column of every row written (ids, timestamps and numbers aside) must be
the same for every copy of a kind.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.db.bulk import collect, copy_new_rows
from app.db.models import Contract
from app.services import quotes, renewal_runs
from app.services.auth import OPERATOR
from tests.builders import Keys, create_account, create_quote, seed_catalog
from tests.db.copies import THRESHOLD, UUID
from tests.db.test_renewal_run_concurrency import AS_OF, _contracts

#: What the run writes, per table, and the contract each row belongs to.
WRITTEN = {
    "quotes": "SELECT c.number AS owner, x.* FROM quotes x JOIN contracts c ON c.id = x.contract_id "
              "WHERE x.type = 'renewal'",
    "quote_lines": "SELECT c.number AS owner, x.* FROM quote_lines x JOIN quotes q ON q.id = x.quote_id "
                   "JOIN contracts c ON c.id = q.contract_id WHERE q.type = 'renewal'",
    "subscription_segments": "SELECT c.number AS owner, x.* FROM subscription_segments x "
                             "JOIN contracts c ON c.id = x.contract_id",
    "contract_terms": "SELECT c.number AS owner, x.* FROM contract_terms x JOIN contracts c ON c.id = x.contract_id",
    "contract_versions": "SELECT c.number AS owner, x.* FROM contract_versions x "
                         "JOIN contracts c ON c.id = x.contract_id",
    "events": "SELECT c.number AS owner, x.* FROM events x JOIN contracts c ON c.id = x.contract_id "
              "WHERE x.type <> 'contract.created'",
    "audit_entries": "SELECT c.number AS owner, x.* FROM audit_entries x JOIN contracts c ON x.object_id = c.id::text "
                     "WHERE x.action IN ('contract.renewed', 'contract.expired', 'contract.uplifted')",
    "contracts": "SELECT number AS owner, x.* FROM contracts x",
}
#: A copy's contract number is its template's with "-cN" appended.
COPY_SUFFIX = re.compile(r"-c\d+")


def _comparable(value: Any) -> Any:
    """What must match between copies: not ids (only whether one is set), times, numbers, nor the sequence."""
    if isinstance(value, uuid.UUID | datetime):
        return "<id or time>"
    if isinstance(value, str):
        return UUID.sub("<id>", COPY_SUFFIX.sub("", value))
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def _rows(factory: sessionmaker[Session], sql: str) -> dict[str, list[str]]:
    by_owner: dict[str, list[str]] = {}
    with factory() as session:
        for row in session.execute(text(sql)).mappings():
            values = {key: _comparable(value) if not key.endswith("id") or value is None else "<id>"
                      for key, value in row.items() if key not in {"owner", "sequence"}}
            by_owner.setdefault(row["owner"], []).append(repr(sorted(values.items())))
    return {owner: sorted(rows) for owner, rows in by_owner.items()}


def test_batches_written_with_copy_hold_the_rows_the_unit_of_work_writes(
    session_factory: sessionmaker[Session], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("COPY is PostgreSQL's; on SQLite the run flushes")
    kinds = _contracts(session_factory, database_url, tmp_path, copies=3)
    written_by: dict[str, str] = {}

    def the_contract(session: Session) -> str:
        (contract,) = (item for item in session.identity_map.values() if isinstance(item, Contract))
        return str(contract.number)

    def copies_collected(session: Session) -> None:
        if COPY_SUFFIX.search(the_contract(session)):
            collect(session)

    def originals_flushed(session: Session) -> None:
        number = the_contract(session)
        if COPY_SUFFIX.search(number):
            written_by[number] = "copy"
            copy_new_rows(session)
        else:
            written_by[number] = "flush"
            session.flush()

    monkeypatch.setattr(renewal_runs, "BATCH", 1)
    monkeypatch.setattr(renewal_runs, "collect", copies_collected)
    monkeypatch.setattr(renewal_runs, "copy_new_rows", originals_flushed)
    report = renewal_runs.run_renewals(session_factory, caller=OPERATOR, as_of=AS_OF, today=AS_OF,
                                       threshold=THRESHOLD)
    assert report.errors == [] and report.contracts_processed == len(kinds) == len(written_by)
    assert sorted(written_by.values()).count("flush") == len(set(kinds.values()))
    for table, sql in WRITTEN.items():
        rows = _rows(session_factory, sql)
        for kind in set(kinds.values()):
            copies = {number: rows.get(number, []) for number, k in kinds.items() if k == kind}
            reference = next(iter(copies.values()))
            assert reference or table != "events", f"no event for the {kind} contracts: the run did nothing"
            for number, written in copies.items():
                assert written == reference, f"{table}: {number} differs from the other {kind} contracts"


def _flushed(session: Session, rows: list[Any]) -> None:
    """What `bulk.write_new` stands in for: the unit of work's flush."""
    session.add_all(rows)
    session.flush()


def test_a_new_quote_copied_holds_what_the_unit_of_work_writes(
    client: TestClient, keys: Keys, session: Session, session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new quote's rows are written outside the unit of work (COPY on PostgreSQL, a prepared INSERT per table
    elsewhere): every column (metadata, whose attribute is `metadata_`, included) as the unit of work writes it,
    and the answer reads the same as a GET of what was written."""
    seed_catalog(session)
    account = create_account(client, keys)
    body = {"account_id": account["id"], "metadata": {"crm_id": "006A"}, "lines": [
        {"sku": "TIX-PRO", "quantity": 20, "discount_percent": "5"}, {"sku": "MKT-SMS", "quantity": 1},
        {"sku": "MKT-CONTACTS", "quantity": 5000}, {"sku": "ONBOARDING", "quantity": 1}]}
    copied = create_quote(client, keys, **body)
    assert client.get(f"/v1/quotes/{copied['id']}", headers=keys.headers("sales")).json() == copied
    monkeypatch.setattr(quotes.bulk, "write_new", _flushed)
    flushed = create_quote(client, keys, **body)
    sqlite = session.get_bind().dialect.name == "sqlite"  # which keeps a uuid as its 32 hex digits, a time as text
    ids = [uuid.UUID(quote["id"]).hex if sqlite else quote["id"] for quote in (copied, flushed)]
    for table, where, count in (("quotes", "id = :id", 1),
                                ("quote_lines", "quote_id = :id ORDER BY position", len(body["lines"]))):
        with session_factory() as reader:
            written = [[{key: "<id or time>" if key.endswith(("id", "_at")) and value is not None else
                         _comparable(value) for key, value in row.items() if key != "number"}
                        for row in reader.execute(text(f"SELECT * FROM {table} WHERE {where}"), {"id": id_})
                        .mappings()] for id_ in ids]
        assert len(written[0]) == count, table
        assert written[0] == written[1], table
    assert {key: value for key, value in copied.items() if key not in ("id", "number", "created_at", "updated_at")} \
        == {key: value for key, value in flushed.items() if key not in ("id", "number", "created_at", "updated_at")}
