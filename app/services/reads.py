"""The hot reads (a contract, a quote, the caller's key, their lists, invoice-line pages on PostgreSQL) on
`app.db.reads`: one statement each (two at once for a page of invoice lines), awaited on the event loop, with the
same visibility rules and views as the reads in a session (`contracts.get_contract`, `quotes.get_quote`,
`auth.authenticate`, `billing.invoice_line_page`), which tests hold them to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from app.db.invoice_reads import InvoiceReads
from app.db.reads import ListFilters, Reads
from app.db.repositories.pagination import Page
from app.domain.listing import Narrowing
from app.services import billing
from app.services.accounts import account_filter
from app.services.amendments import UnknownContract
from app.services.auth import Caller, admit, hash_key, unauthenticated
from app.services.billing import InvoiceLinePage
from app.services.quotes import PORTAL_VISIBLE, UnknownQuote
from app.services.views import ContractView, QuoteView, contract_view, quote_view


@dataclass(frozen=True)
class KeyedRead:
    """A single read's credentials: the key sent and the roles admitted, checked by the read itself."""

    reads: Reads
    token: str
    roles: tuple[str, ...]

    def caller(self, key: dict[str, Any] | None) -> Caller:
        """The caller of the key the read found live, if it may read this; else 401 or 403."""
        if key is None:
            raise unauthenticated(self.token)
        caller = _caller(key)
        admit(caller, self.roles)
        return caller


def _caller(key: dict[str, Any]) -> Caller:
    return Caller(key_id=key["id"], role=key["role"], account_id=key["account_id"])


async def caller_of(reads: Reads, token: str) -> Caller | None:
    """The caller of a live key, looked up on every request, so a revocation applies at once in every process."""
    key = await reads.key(hash_key(token))
    return None if key is None else _caller(key)


async def contract(read: KeyedRead, key: uuid.UUID | str, as_of: date) -> ContractView:
    """The contract of this id or number as of a date; another account's is unknown to a portal key."""
    live_key, found = await read.reads.contract(key, as_of, hash_key(read.token))
    caller = read.caller(live_key)
    if found is None or (caller.account_id is not None and found.contract.account_id != caller.account_id):
        raise UnknownContract(f"no contract {key}")
    return contract_view(found.contract, found.segments, as_of, found.scheduled, found.terms)


async def quote(read: KeyedRead, key: uuid.UUID | str) -> QuoteView:
    """The quote of this id or number; a portal key sees its own account's quotes once sent to it."""
    live_key, row = await read.reads.quote(key, hash_key(read.token))
    caller = read.caller(live_key)
    if row is None or (caller.account_id is not None and (
            row.account_id != caller.account_id or row.status not in PORTAL_VISIBLE)):
        raise UnknownQuote(f"no quote {key}")
    return quote_view(row)


async def contracts(reads: Reads, caller: Caller, *, as_of: date, limit: int, cursor: str | None,
                    account_id: uuid.UUID | None, status: str | None, ending_before: date | None,
                    renewal_due_on: date | None, by: Narrowing) -> Page[ContractView]:
    """Contracts as of a date by pages; a portal key's list is its own account's, whatever it asks."""
    filters = ListFilters({"account_id": account_filter(caller, account_id), "status": status,
                           "ending_before": ending_before, "renewal_due_on": renewal_due_on}, by)
    page = await reads.contracts(filters, as_of=as_of, limit=limit, cursor=cursor)
    return Page([contract_view(found.contract, found.segments, as_of, found.scheduled, found.terms)
                 for found in page.data], page.next_cursor)


async def quotes(reads: Reads, caller: Caller, *, limit: int, cursor: str | None, account_id: uuid.UUID | None,
                 status: str | None, quote_type: str | None, contract_id: uuid.UUID | None,
                 by: Narrowing) -> Page[QuoteView]:
    """Quotes by pages, newest last; a portal key's are its own account's quotes once sent to it."""
    filters = ListFilters({"account_id": account_filter(caller, account_id), "status": status, "type": quote_type,
                           "contract_id": contract_id}, by)
    page = await reads.quotes(filters, visible_to_portal=caller.account_id is not None, limit=limit, cursor=cursor)
    return Page([quote_view(row) for row in page.data], page.next_cursor)


async def invoice_lines(invoices: InvoiceReads, *, start: date, end: date, contract_id: uuid.UUID | None,
                        account_id: uuid.UUID | None, limit: int, cursor: str | None,
                        updated_after: datetime | None) -> InvoiceLinePage:
    """`billing.invoice_line_page` read directly on PostgreSQL: the page from the database's first lines after
    the cursor (not from a stream of every line), the totals from the sums it makes."""
    resume_at, skip = billing.position(cursor)
    scope = billing.scope_of(start, end, contract_id, account_id, resume_at, updated_after)
    rows, charges = await invoices.first_lines(scope, skip + limit + 1)  # all `paged` can read
    lines = billing.merged_sql_lines(rows, billing.charges_by_contract(charges))
    page, next_cursor = billing.paged(lines, resume_at, skip, limit)
    if cursor is None and next_cursor is None:  # the page is the whole range
        return InvoiceLinePage(page, None, billing.totals(page))
    sums, charges = await invoices.sums(replace(scope, resume_at=None))
    return InvoiceLinePage(page, next_cursor, billing.totals(map(billing.charge_line, charges), sums))
