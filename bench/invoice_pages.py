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
    """The database's own time for a page's two statements (median of CALLS, after one to warm up), run one after
    the other on a connection set as the app's reader sets its own."""
    scope = Scope(start, end)
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute(billing_sql.set_config(billing_sql.SETTINGS, local=False))

        def both() -> None:
            for sql, params in (billing_sql.totals_statement(scope), billing_sql.statement(scope, take=LIMIT + 1)):
                connection.execute(sql, params).fetchall()

        both()
        return _median_s(both)


def measure(server: UvicornServer, token: str, url: str, start: date, end: date,
            label: str) -> tuple[list[Result], str]:
    """The first page and a page from a cursor over HTTP, each beside the statements' floor, and a line saying so
    (no page from a cursor when the range fits on one page)."""
    params = {"from": start.isoformat(), "to": end.isoformat(), "limit": str(LIMIT)}
    with httpx.Client(base_url=server.base_url, timeout=600,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        def page(cursor: str | None = None) -> None:
            client.get("/v1/invoice-lines", params=params | ({"cursor": cursor} if cursor else {})).raise_for_status()

        first = client.get("/v1/invoice-lines", params=params)
        first.raise_for_status()
        cursor = first.json()["next_cursor"]
        lines = sum(total["lines"] for total in first.json()["totals"])
        timed = {"first": _median_s(page)}
        if cursor is not None:
            timed["from a cursor"] = _median_s(lambda: page(cursor))
    floor_s = statements_floor(url, start, end)
    said = (f"   (c) JSON pages of {LIMIT} lines over the month's {lines:,} lines (each with the month's totals), "
            f"median of {CALLS}: " + ", ".join(f"{what} {seconds * 1000:.0f} ms" for what, seconds in timed.items())
            + f"; the page's two statements alone {floor_s * 1000:.0f} ms")
    return [Result("invoice_lines", f"GET JSON page {label} {what}", f"{seconds * 1000:.0f} ms", "",
                   f"{seconds / floor_s:.2f}× its SQL {floor_s * 1000:.0f} ms") for what, seconds in timed.items()], said
