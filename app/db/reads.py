"""The hot reads as single statements, run by `app.db.direct`: a contract or a quote by id or number, their
lists by pages, and the API key of a request.

A single read's statement is prepared once. A list's depends on which filters it is given (and the metadata
keys): one is prepared for each such shape on its first use and kept (the most recent `SHAPES`), so a list of
any filters is a bound statement too, with no statement built per request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, Select, and_, bindparam, or_, select

from app.db.direct import PostgresReader, Prepared, Reader, dialect_of, one
from app.db.invoice_reads import InvoiceReads
from app.db.models import ApiKey, Contract, Quote
from app.db.read_rows import (
    ContractRead,
    contract_read,
    contract_select,
    keyed,
    live_key,
    quote_record,
    quote_select,
)
from app.db.repositories.filters import narrowing_clauses
from app.db.repositories.pagination import Page, decode_cursor, encode_cursor
from app.domain.listing import EVERYTHING, Narrowing

#: How many list statements (one per combination of filters) a process keeps prepared.
SHAPES = 256

#: The filters of the contract list, each given the value (or parameter) it compares with.
CONTRACT_FILTERS: dict[str, Callable[[Any], ColumnElement[bool]]] = {
    "account_id": lambda value: Contract.account_id == value,
    "status": lambda value: Contract.status == value,
    "ending_before": lambda value: Contract.end_date < value,
    # Termed, active, with renewal work (a quote to make, an end) due by then.
    "renewal_due_on": lambda value: and_(Contract.status == "active", Contract.term_months.is_not(None),
                                         Contract.next_due_on <= value),
}
#: The filters of the quote list; `visible_to_portal` takes no value: a portal key sees quotes once sent.
QUOTE_FILTERS: dict[str, Callable[[Any], ColumnElement[bool]]] = {
    "type": lambda value: Quote.type == value,
    "contract_id": lambda value: Quote.contract_id == value,
    "account_id": lambda value: Quote.account_id == value,
    "status": lambda value: Quote.status == value,
}


@dataclass(frozen=True)
class ListFilters:
    """What a list is narrowed to: values by filter name (None: not narrowed), and the narrowing every list takes."""

    values: dict[str, Any] = field(default_factory=dict)
    by: Narrowing = EVERYTHING

    def given(self) -> dict[str, Any]:
        return {name: value for name, value in self.values.items() if value is not None}


class Reads:
    """The prepared statements of one database, and the reader that runs them."""

    def __init__(self, url: str, reader: Reader) -> None:
        self.dialect = dialect = dialect_of(url)
        self.reader = reader
        contracts, quotes, keys = Contract.__table__.c, Quote.__table__.c, ApiKey.__table__.c
        self._contracts = contract_select(dialect, bindparam("as_of", type_=Date()))
        self._quotes = quote_select(dialect)
        contract_table, quote_table = Contract.__table__, Quote.__table__
        self._contract_by_id = Prepared(keyed(self._contracts, contract_table, contracts.id == bindparam("key")),
                                        dialect)
        self._contract_by_number = Prepared(
            keyed(self._contracts, contract_table, contracts.number == bindparam("key")), dialect)
        self._quote_by_id = Prepared(keyed(self._quotes, quote_table, quotes.id == bindparam("key")), dialect)
        self._quote_by_number = Prepared(keyed(self._quotes, quote_table, quotes.number == bindparam("key")), dialect)
        self._live_key = Prepared(select(keys.id, keys.role, keys.account_id).where(
            keys.key_hash == bindparam("key_hash"), keys.revoked_at.is_(None)), dialect)
        self._lists: dict[tuple[Any, ...], Prepared] = {}
        #: Invoice-line pages, on PostgreSQL (which computes the lines); None elsewhere.
        self.invoices = InvoiceReads(reader, dialect) if isinstance(reader, PostgresReader) else None

    async def contract(self, key: uuid.UUID | str, as_of: date,
                       key_hash: str) -> tuple[dict[str, Any] | None, ContractRead | None]:
        """The live API key of this hash (see `keyed`), and the contract of this id (or number) with what a read
        of it on `as_of` shows."""
        read = self._contract_by_id if isinstance(key, uuid.UUID) else self._contract_by_number
        (row,) = await self.reader.all(read, {"key": key, "as_of": as_of, "key_hash": key_hash})
        caller = live_key(row)
        return caller, None if row["id"] is None else contract_read(row, self.dialect)

    async def quote(self, key: uuid.UUID | str, key_hash: str) -> tuple[dict[str, Any] | None, Quote | None]:
        """The live API key of this hash (see `keyed`), and the quote of this id (or number) with its lines."""
        read = self._quote_by_id if isinstance(key, uuid.UUID) else self._quote_by_number
        (row,) = await self.reader.all(read, {"key": key, "key_hash": key_hash})
        caller = live_key(row)
        return caller, None if row["id"] is None else quote_record(row, self.dialect)

    async def contracts(self, filters: ListFilters, *, as_of: date, limit: int,
                        cursor: str | None) -> Page[ContractRead]:
        """A page of contracts in creation order, each with what a read on `as_of` shows."""
        rows, next_cursor = await self._page("contracts", self._contracts, Contract, CONTRACT_FILTERS, filters,
                                             {"as_of": as_of}, limit, cursor)
        return Page([contract_read(row, self.dialect) for row in rows], next_cursor)

    async def quotes(self, filters: ListFilters, *, visible_to_portal: bool, limit: int,
                     cursor: str | None) -> Page[Quote]:
        """A page of quotes in creation order, with their lines; only those a portal may see if asked."""
        statuses = ("open", "accepted", "declined", "expired", "stale") if visible_to_portal else ()
        portal = [or_(*(Quote.status == status for status in statuses))] if statuses else []
        rows, next_cursor = await self._page("quotes", self._quotes.where(*portal), Quote, QUOTE_FILTERS, filters,
                                             {}, limit, cursor, statuses)
        return Page([quote_record(row, self.dialect) for row in rows], next_cursor)

    async def _page(self, kind: str, base: Select[Any], model: Any, clauses: dict[str, Callable[[Any], Any]],
                    filters: ListFilters, values: dict[str, Any], limit: int, cursor: str | None,
                    *variant: Any) -> tuple[list[dict[str, Any]], str | None]:
        """Rows after the cursor by id (time-ordered UUIDv7), one more than the page to tell if another follows."""
        given = filters.given()
        parameters: dict[str, Any] = {**values, **given, "limit": limit + 1}
        shape = (kind, *variant, frozenset(given), tuple(filters.by.metadata), cursor is not None,
                 *(name for name in ("created_after", "created_before", "external_id")
                   if getattr(filters.by, name) is not None))


        def bind(name: str, value: Any) -> Any:
            parameters[name] = value
            return bindparam(name)

        # Its clauses are built each time to collect the values under their names (a few, when it narrows at all).
        narrowing = narrowing_clauses(model, filters.by, bind)
        prepared = self._lists.get(shape)
        if prepared is None:
            statement = base.where(*(clauses[name](bindparam(name)) for name in given), *narrowing)
            if cursor is not None:
                statement = statement.where(model.id > bindparam("cursor"))
            prepared = Prepared(statement.order_by(model.id).limit(bindparam("limit", type_=Integer())), self.dialect)
            if len(self._lists) >= SHAPES:
                self._lists.clear()
            self._lists[shape] = prepared
        if cursor is not None:
            parameters["cursor"] = decode_cursor(cursor)
        rows = await self.reader.all(prepared, parameters)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1]["id"]) if more and rows else None

    async def key(self, key_hash: str) -> dict[str, Any] | None:
        """id, role and account_id of the unrevoked key with this hash."""
        return await one(self.reader, self._live_key, {"key_hash": key_hash})

    async def close(self) -> None:
        await self.reader.close()
