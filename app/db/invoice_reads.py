"""Invoice-line pages read straight on PostgreSQL's async driver (`app.db.direct`): no session, no thread.

A page needs at most `take` lines from the contract it resumes at: the first `take` recurring lines, which the
database computes (`billing_sql`) and stops after, and the first `take` charges, in the same order; their merge
holds the page. The totals over the whole range are sums the database makes (recurring lines) and the range's
charges. The two statements of each run on two connections at once.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy import Dialect

from app.db.direct import PostgresReader, Prepared
from app.db.repositories import billing_sql
from app.db.repositories.billing import Scope, charge_statement, parameters

#: Recurring lines as `billing_sql.COLUMNS`, and charge rows as `billing.charge_statement` selects them.
Lines = tuple[list[tuple[Any, ...]], list[dict[str, Any]]]


class InvoiceReads:
    """The invoice-line statements of one PostgreSQL database; the charges' prepared once per filter shape."""

    def __init__(self, reader: PostgresReader, dialect: Dialect) -> None:
        self.reader = reader
        self.dialect = dialect
        self._charges: dict[tuple[tuple[str, ...], bool], Prepared] = {}

    async def first_lines(self, scope: Scope, take: int) -> Lines:
        """The first `take` recurring lines of `scope` and its first `take` charges, each in the lines' order."""
        recurring, charges = await asyncio.gather(self.reader.rows(*billing_sql.statement(scope, take=take)),
                                                  self._charge_rows(scope, take))
        return recurring, charges

    async def sums(self, scope: Scope) -> tuple[list[tuple[str, Decimal, int]], list[dict[str, Any]]]:
        """(currency, amount, lines) of `scope`'s recurring lines by currency, and all its charges."""
        sums, charges = await asyncio.gather(self.reader.rows(*billing_sql.totals_statement(scope)),
                                             self._charge_rows(scope, None))
        return sums, charges

    async def _charge_rows(self, scope: Scope, take: int | None) -> list[dict[str, Any]]:
        key = (scope.shape(), take is not None)
        prepared = self._charges.get(key)
        if prepared is None:  # a handful of shapes: the endpoint's filters
            prepared = self._charges[key] = Prepared(charge_statement(scope, page=take is not None), self.dialect)
        values = parameters(scope)
        return await self.reader.all(prepared, values if take is None else {**values, "take": take})
