"""Recurring invoice lines computed by PostgreSQL in one statement, already expanded, priced and identified.

The Python expansion (`app.domain.invoicing.recurring_lines` over `billing.segment_rows`) costs tens of
microseconds per line; this statement does the same work set-based, so a month over 100 000 contracts streams
at close to the speed of reading the rows. It is the same rule, written again in SQL, and
`tests/api/test_invoice_lines_sql.py` holds it to the Python reference line for line:

  * billing periods are `generate_series` over period indexes k: period start = anchor + k·months (PostgreSQL's
    date + interval clamps the month end as `relativedelta` does: 01-31 + 1 month = 02-28/29), end = anchor +
    min((k+1)·months, the months from the anchor to the contract's end) (`periods_starting_in`);
  * only indexes whose start can fall in [max(range start, segment start, anchor), min(range end, segment end,
    contract end)) are generated: anchor + n months lies in the anchor's month + n, so the calendar-month
    distance bounds n on both sides;
  * `Segment.bills_period_starting` as predicates on the period start;
  * amounts `round(unit price × quantity × months, minor units)`: PostgreSQL rounds numeric half away from zero,
    which is what `decimal.ROUND_HALF_UP` does (for negative values too); unit prices as
    `money.display_unit_price` (6 places, trailing zeros trimmed down to the currency's digits);
  * ids with the MD5 expression `app.domain.invoicing.line_id` documents.

PostgreSQL only (make_interval, trim_scale, md5 → uuid); SQLite keeps the Python path. Negative amounts, the
one place the two roundings could print differently (PostgreSQL has no "-0"), cannot occur: pricing refuses
negative net unit prices and quantities below 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import psycopg
from psycopg.types.string import TextLoader
from sqlalchemy.orm import Session

from app.db.repositories.billing import STREAM_ROWS, Scope, parameters
from app.domain.money import MINOR_UNITS, UNIT_PRICE_PLACES
from app.domain.periods import FREQUENCY_MONTHS

#: Rows per chunk; an older libpq (before 17) has no chunked mode, only row by row (slower, still streamed).
_CHUNK = STREAM_ROWS if psycopg.pq.version() >= 170000 else 1
#: The columns, in `InvoiceLineView` field order, so a row is the view's arguments as they stand.
COLUMNS = ("id", "contract_id", "contract_number", "account_id", "sku", "kind", "invoice_date", "period_start",
           "period_end", "quantity", "unit_price", "amount", "currency", "quote_id", "updated_at")
#: The types of COLUMNS other than text: loaded as text too when the caller asks for text.
_TYPES = ("uuid", "date", "int4", "numeric", "timestamptz")


def _case(column: str, mapping: dict[str, int]) -> str:
    """A CASE over code constants (never user input): no unknown value gets a number (NULL: no line)."""
    return f"CASE {column} " + " ".join(f"WHEN '{key}' THEN {value}" for key, value in mapping.items()) + " END"


def _month_of(day: str) -> str:
    """The calendar month of `day` counted from year 0: the difference of two is their distance in months."""
    return f"(date_part('year', {day})::int * 12 + date_part('month', {day})::int)"  # not extract(): numeric, slower


def _plus_months(months: str) -> str:
    """The anchor `months` calendar months on, the month end clamped (PostgreSQL's date + interval)."""
    return f"(anchor + make_interval(months => {months}))::date"


def _months_from_anchor(day: str) -> str:
    """The calendar months from the anchor's month to `day`'s."""
    return f"({_month_of(day)} - {_month_of('anchor')})"


def _first_offset_from(day: str) -> str:
    """The smallest month offset n with anchor + n months ≥ `day` (≥ the anchor): it lies in `day`'s month,
    or the next one when the clamped date in `day`'s month falls before it. One less is the largest offset
    whose date falls before `day` (the dates grow with n)."""
    offset = _months_from_anchor(day)
    return f"({offset} + CASE WHEN {_plus_months(offset)} < {day} THEN 1 ELSE 0 END)"


#: The period's first month and the month after its last, counted from the anchor (the last period of a
#: contract with an end stops at it).
_FIRST = "k * months"
_AFTER = (f"CASE WHEN billing_end IS NULL THEN k * months + months "
          f"ELSE least(k * months + months, {_months_from_anchor('billing_end')}) END")
#: The period's start, its invoice date. The statement repeats the expression where it needs it rather than
#: computing it once in a subquery: a flat statement is one the planner runs in parallel and in index order.
_DAY = _plus_months(_FIRST)

_SQL = f"""
WITH seg AS (
    SELECT c.id AS contract_id, c.number, c.account_id, c.currency, c.billing_anchor AS anchor,
           c.end_date AS billing_end, s.id AS source_id, s.created_at AS recorded_at, s.sku, s.quantity,
           s.net_unit_price, s.start_date, s.end_date, s.origin, s.closed_on, s.closed_by, s.recorded_on,
           s.closure_recorded_on, ql.quote_id,
           {_case("c.billing_frequency", FREQUENCY_MONTHS)} AS months,
           {_case("c.currency", MINOR_UNITS)} AS digits,
           greatest(s.start_date, CAST(%(start)s AS date), c.billing_anchor) AS low,
           least(coalesce(s.end_date, CAST(%(end)s AS date)), coalesce(c.end_date, CAST(%(end)s AS date)),
                 CAST(%(end)s AS date)) AS high
    FROM contracts c
    JOIN subscription_segments s ON s.contract_id = c.id
    LEFT JOIN quote_lines ql ON ql.id = s.quote_line_id  -- always one (NOT NULL, a foreign key); LEFT lets the
                                                        -- planner drop it from the totals, which need no quote
    WHERE s.start_date < CAST(%(end)s AS date) AND (s.end_date IS NULL OR s.end_date > CAST(%(start)s AS date))
          {{filters}}
)
SELECT md5(concat_ws('|', contract_id::text, source_id::text, 'recurring', {_DAY}::text, {_DAY}::text,
                     {_plus_months(_AFTER)}::text))::uuid AS id,
       contract_id, number AS contract_number, account_id, sku, 'recurring' AS kind, {_DAY} AS invoice_date,
       {_DAY} AS period_start, {_plus_months(_AFTER)} AS period_end, quantity,
       round(net_unit_price, greatest(digits, scale(trim_scale(round(net_unit_price, {UNIT_PRICE_PLACES})))))
           AS unit_price,
       round(net_unit_price * quantity * ({_AFTER} - {_FIRST}), digits) AS amount,
       currency, quote_id, recorded_at AS updated_at
FROM seg
CROSS JOIN LATERAL generate_series(  -- exactly the periods starting in [low, high)
    ({_first_offset_from("low")} + months - 1) / months, ({_first_offset_from("high")} - 1) / months) AS k
WHERE low < high
  AND (end_date IS NULL OR {_DAY} < end_date)
  AND NOT (closed_on IS NOT NULL AND closed_by IS DISTINCT FROM 'amendment' AND {_DAY} >= closed_on)
  AND NOT (closed_on IS NOT NULL AND closed_by IS NOT DISTINCT FROM 'amendment' AND {_DAY} > closed_on
           AND (closure_recorded_on IS NULL OR closure_recorded_on <= {_DAY}))
  AND CASE WHEN origin IS NOT DISTINCT FROM 'amendment'
           THEN {_DAY} > start_date AND (recorded_on IS NULL OR {_DAY} >= recorded_on)
           ELSE {_DAY} >= start_date END
"""
#: The lines' order: by contract, then by invoice date and sku, a segment's lines before a later segment's.
_ORDER = f"ORDER BY contract_id, {_DAY}, sku, source_id"
#: The sums per currency of the same lines, for a page's totals: no line leaves the database.
_TOTALS = "SELECT currency, sum(amount), count(*) FROM ({lines}) AS line GROUP BY currency ORDER BY currency"


#: What the statements need of their session: dates printed as ISO (the line ids hash their text), instants in
#: UTC, and no JIT (the planner cannot see that generate_series yields a period or two per segment, its estimate
#: crosses jit_above_cost, and compiling, about a second, costs more than running). The streaming read sets them
#: for its transaction; the direct reader (`app.db.direct`), which runs a page's statements, on its connections.
SETTINGS = {"DateStyle": "ISO", "TimeZone": "UTC", "jit": "off"}

#: Each filter a scope may have: the `Scope` field, and its predicate on the joined contract and segment.
_FILTERS = (
    ("contract_id", "AND c.id = %(contract_id)s"),
    ("account_id", "AND c.account_id = %(account_id)s"),
    ("account_ids", "AND c.account_id = ANY(%(account_ids)s)"),
    ("resume_at", "AND c.id >= %(resume_at)s"),
    ("updated_after", "AND s.created_at > %(updated_after)s"),
)


def statement(scope: Scope, *, take: int | None = None) -> tuple[str, dict[str, Any]]:
    """The SQL text for `scope` and its parameters (the filters it has, and only those, so the plan fits), in
    order; `take`: only the first lines (a page), which the database reads in index order and stops after."""
    lines, params = _lines(scope)
    if take is None:
        return f"{lines} {_ORDER}", params
    return f"{lines} {_ORDER} LIMIT %(take)s", {**params, "take": take}


def totals_statement(scope: Scope) -> tuple[str, dict[str, Any]]:
    """(currency, sum of the amounts, line count) of `scope`'s lines, by currency."""
    lines, params = _lines(scope)
    return _TOTALS.format(lines=lines), params


def _lines(scope: Scope) -> tuple[str, dict[str, Any]]:
    params = parameters(scope)
    return _SQL.format(filters=" ".join(predicate for name, predicate in _FILTERS if name in params)), params


def set_config(settings: Mapping[str, str], *, local: bool) -> str:
    """A statement applying `settings` (constants of this module), for the transaction only if `local`."""
    return "SELECT " + ", ".join(f"set_config('{name}', '{value}', {str(local).lower()})"
                                 for name, value in settings.items())


def recurring_rows(session: Session, scope: Scope, *, as_text: bool = False) -> Iterator[tuple[Any, ...]]:
    """The recurring lines of `scope` as tuples of COLUMNS, in (contract id, invoice date, sku, segment id) order,
    streamed in chunks of STREAM_ROWS (`_CHUNK`), in the session's transaction. `as_text`: every value as the
    text PostgreSQL wrote (None for NULL; `updated_at` as '2026-01-31 09:00:00.5+00', UTC), for a caller that
    only prints them: no Python object per value.

    The rows stream in order from the first (index scans merged by contract id, each contract's few lines
    sorted on their own), not after a sort of the whole range: the first lines leave within milliseconds, and
    the caller's work overlaps the database's. Chunked streaming (psycopg `stream`, libpq ≥ 17), not a
    server-side cursor: a cursor is planned without parallel workers and fetched round trip by round trip.
    While the rows stream, the connection runs nothing else (no other query in the loop that reads them). The
    statement runs inside a savepoint, rolled back at the end: a reader that stops early has the query
    cancelled, which aborts only the savepoint, not the caller's transaction; and the rollback also restores
    the settings made for it. JIT is off: the planner cannot see that generate_series yields a period or two
    per segment, its estimate crosses jit_above_cost, and compiling (about a second) costs more than running.
    Explicit sorts are off, for the same estimate: it would sort everything rather than read in index order.
    (See SETTINGS for the others.)
    """
    sql, params = statement(scope)
    connection = session.connection().connection.driver_connection
    assert connection is not None, "a session bound to a live connection"
    with connection.cursor() as cursor:
        if as_text:
            for name in _TYPES:
                cursor.adapters.register_loader(name, TextLoader)
        cursor.execute("SAVEPOINT recurring_lines")
        try:
            cursor.execute(set_config({**SETTINGS, "enable_sort": "off"}, local=True))
            yield from cursor.stream(sql, params, size=_CHUNK)
        finally:
            cursor.execute("ROLLBACK TO SAVEPOINT recurring_lines")
            cursor.execute("RELEASE SAVEPOINT recurring_lines")
