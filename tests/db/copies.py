"""Many accepted contracts, fast: a few signed through the services, then copied row for row with COPY.

Every copy is exactly what accepting its template's quote wrote (contract with its billing anchor and
`next_due_on`, term, version, segments, quote and lines, acceptance, events, audit), with fresh ids and
numbers, so the renewal run cannot tell a copy from a contract a customer signed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy.orm import Session

from app.api.quotes.schemas import quote_json
from app.db.base import Base
from app.documents.parties import Party
from app.documents.storage import FileStorage
from app.domain.pricing import LineRequest
from app.domain.terms import ContractTerms, RenewalSettings
from app.services import accounts, contracts, documents, quotes
from app.services.auth import OPERATOR
from app.services.demo import load_catalog
from app.services.documents import DocumentSettings
from app.services.quotes import QuoteDraft

THRESHOLD = Decimal(20)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Columns whose value must differ per copy (unique), and columns left to their database default.
NUMBERED = {"contracts": "number", "quotes": "number"}
GENERATED = {"events": {"sequence"}}
#: Which rows of a table belong to a set of contracts (`:ids`), in foreign-key order.
OWNED = {
    "quotes": "contract_id = ANY(%(ids)s) OR id IN (SELECT source_quote_id FROM contracts WHERE id = ANY(%(ids)s))",
    "quote_lines": "quote_id IN (SELECT id FROM quotes WHERE contract_id = ANY(%(ids)s))",
    "quote_acceptances": "quote_id IN (SELECT id FROM quotes WHERE contract_id = ANY(%(ids)s))",
    "contracts": "id = ANY(%(ids)s)",
    "contract_terms": "contract_id = ANY(%(ids)s)",
    "contract_versions": "contract_id = ANY(%(ids)s)",
    "subscription_segments": "contract_id = ANY(%(ids)s)",
    "one_time_charges": "contract_id = ANY(%(ids)s)",
    "scheduled_changes": "contract_id = ANY(%(ids)s)",
    "prorated_charges": "contract_id = ANY(%(ids)s)",
    "events": "contract_id = ANY(%(ids)s)",
}


@dataclass(frozen=True)
class Template:
    """One kind of contract to copy: its terms and lines, signed on `start`."""

    name: str
    term_months: int | None
    renewal: RenewalSettings
    lines: tuple[LineRequest, ...] = (LineRequest("TIX-PRO", 20),)
    start: date = date(2026, 1, 15)


def sign(session: Session, documents_dir: Path, template: Template, account_id: uuid.UUID) -> uuid.UUID:
    """Quote, finalize and accept, as app/services/demo.py does: the contract a customer would have signed."""
    terms = ContractTerms(template.term_months, "monthly", template.renewal, "at_renewal", "daily")
    today = date(template.start.year, 1, 10)
    quote = quotes.create_quote(session, caller=OPERATOR, today=today, threshold=THRESHOLD,
                                draft=QuoteDraft(account_id, template.start, terms, list(template.lines)))
    storage = FileStorage(documents_dir)
    quote = documents.finalize_quote(session, caller=OPERATOR, quote_id=quote.id, if_match=None, today=today,
                                     settings=DocumentSettings(storage, 30, Party("Copies"), quote_json))
    assert quote.document_sha256 is not None
    _quote, contract = contracts.accept_quote(session, caller=OPERATOR, quote_id=quote.id, if_match=None, today=today,
                                             signer_name="S", signer_email="s@example.org",
                                             document_sha256=quote.document_sha256, client_address=None,
                                             storage=storage, threshold=THRESHOLD)
    return contract.id


def sign_templates(session: Session, documents_dir: Path, templates: Sequence[Template]) -> list[uuid.UUID]:
    """The demo catalog, one account, and one signed contract per template."""
    load_catalog(session)
    account = accounts.create_account(session, caller=OPERATOR, name="Copies", currency="EUR", locale="en",
                                      billing_email="copies@example.org")
    return [sign(session, documents_dir, template, account.id) for template in templates]


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def copy_contracts(url: str, template_ids: Sequence[uuid.UUID], copies: int) -> int:
    """`copies` copies of each template contract, numbered `<number>-c<i>`; returns the rows written.

    Foreign-key triggers are off while loading (quotes and contracts refer to each other); every id a copied
    row refers to is either copied with it or shared (account, products, API key), so the copies stay whole.
    """
    ids = [str(i) for i in template_ids]
    written = 0
    with psycopg.connect(libpq(url)) as connection, connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        tables = []
        for table in Base.metadata.sorted_tables:
            if table.name in OWNED:
                columns = [c.name for c in table.columns if c.name not in GENERATED.get(table.name, set())]
                tables.append((table.name, columns, _rows(cursor, table.name, columns, ids)))
        owned = {row[columns.index("id")] for _name, columns, rows in tables if "id" in columns for row in rows}
        for name, columns, rows in (table for table in tables if table[2]):
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for index in range(copies):
                    chunk = _copied(rows, owned, index, columns.index(NUMBERED[name]) if name in NUMBERED else None)
                    copy.write("\n".join(chunk) + "\n")
                    written += len(chunk)
        connection.commit()
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return written


def _copied(rows: list[list[str]], owned: set[str], index: int, numbered: int | None) -> list[str]:
    """The rows of copy `index`: owned ids renamed (the same way in every table), the number suffixed."""
    renamed = {old: str(uuid.uuid5(uuid.UUID(old), str(index))) for old in owned}

    def rename(match: re.Match[str]) -> str:
        return renamed.get(match.group(0), match.group(0))

    columns = range(len(rows[0]))
    exact = [i for i in columns if any(row[i] in owned for row in rows)]
    embedded = [i for i in columns if i not in exact and any(UUID.search(row[i]) for row in rows)]
    lines = []
    for row in rows:
        fields = list(row)
        for i in exact:
            fields[i] = renamed.get(fields[i], fields[i])
        for i in embedded:
            fields[i] = UUID.sub(rename, fields[i])
        if numbered is not None:
            fields[numbered] += f"-c{index}"
        lines.append("\t".join(fields))
    return lines


def _rows(cursor: psycopg.Cursor[tuple[object, ...]], table: str, columns: list[str], ids: list[str]
          ) -> list[list[str]]:
    where = OWNED[table].replace("%(ids)s", "ARRAY[" + ", ".join(f"'{uuid.UUID(i)}'" for i in ids) + "]::uuid[]")
    data = bytearray()
    with cursor.copy(f"COPY (SELECT {', '.join(columns)} FROM {table} WHERE {where}) TO STDOUT") as out:
        for block in out:
            data += block
    return [line.split("\t") for line in data.decode().splitlines()]
