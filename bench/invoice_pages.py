"""Invoice-line JSON pages over the invoice benchmark's data (`bench_invoice_lines` calls this on its server).

A client pulls a month page by page: `GET /v1/invoice-lines?from=…&to=…&limit=50`, then with each
`next_cursor`. Every page carries the totals over the whole month, so each page costs the database the month's
sums, plus the page's own lines. Timed here over HTTP on the live server (median of several calls): the first
page, and a page from a cursor. Floor, in the same run on the same database: the two statements a page runs
(the month's sums and the page's first lines, `billing_sql`), timed on a plain psycopg connection.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

import httpx
import psycopg

from app.db.repositories import billing_sql
from app.db.repositories.billing import Scope
from bench.common import Result, UvicornServer, libpq_url

LIMIT = 50
CALLS = 5


def _median_s(call: Callable[[], object], times: int = CALLS) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def statements_floor(url: str, start: date, end: date) -> float:
    """The database's own time for a page's two statements (best of CALLS), run one after the other."""
    scope = Scope(start, end)
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("SET jit = off")

        def both() -> None:
            for sql, params in (billing_sql.totals_statement(scope), billing_sql.statement(scope, take=LIMIT + 1)):
                connection.execute(sql, params).fetchall()

        both()
        return min(_median_s(both, 1) for _ in range(CALLS))


def measure(server: UvicornServer, token: str, url: str, start: date, end: date,
            label: str) -> tuple[list[Result], str]:
    """The first page and a page from a cursor over HTTP, each beside the statements' floor, and a line saying so."""
    params = {"from": start.isoformat(), "to": end.isoformat(), "limit": str(LIMIT)}
    with httpx.Client(base_url=server.base_url, timeout=600,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        first = client.get("/v1/invoice-lines", params=params)
        first.raise_for_status()
        cursor = first.json()["next_cursor"]
        lines = first.json()["totals"][0]["lines"] if first.json()["totals"] else 0
        first_s = _median_s(lambda: client.get("/v1/invoice-lines", params=params).raise_for_status())
        next_s = _median_s(lambda: client.get("/v1/invoice-lines", params={**params, "cursor": cursor})
                           .raise_for_status())
    floor_s = statements_floor(url, start, end)
    said = (f"   (c) JSON pages of {LIMIT} lines over the month's {lines:,} lines (each with the month's totals), "
            f"median of {CALLS}: first page {first_s * 1000:.0f} ms, a page from a cursor {next_s * 1000:.0f} ms; "
            f"the page's two statements alone {floor_s * 1000:.0f} ms")
    return [Result("invoice_lines", f"GET JSON page {label} first", f"{first_s * 1000:.0f} ms", "",
                   f"{first_s / floor_s:.2f}× its SQL {floor_s * 1000:.0f} ms"),
            Result("invoice_lines", f"GET JSON page {label} from a cursor", f"{next_s * 1000:.0f} ms", "",
                   f"{next_s / floor_s:.2f}× its SQL {floor_s * 1000:.0f} ms")], said
