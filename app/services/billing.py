"""Invoice lines for finance: recurring (billed in advance), proration and credit, one-time; in [from, to).

Lines are derived from the contracts' history, not stored: they are always consistent with it. They are
produced contract by contract from one streamed query, so a month over 100 000 contracts streams in flat
memory. On PostgreSQL that query returns the recurring lines already expanded, priced and identified
(`app.db.repositories.billing_sql`, several times faster); elsewhere the segment rows are expanded here by
`app.domain.invoicing`, the reference the SQL is tested against line for line.

Each line has a stable `id` (`app.domain.invoicing.line_id`) and an `updated_at`: the time the row it comes
from (segment, proration, credit or one-time charge) was recorded. Those rows are written once, by the version
that made them, and billing reads only what was known on the invoice date, so a line never changes once it
appears: a later version (a back-dated amendment) adds lines of its own, with its own recording time (and from
its acceptance on, its segments bill instead of those it closed). `updated_after` keeps only the lines recorded
after an instant, so finance pulls what changed and upserts it by id.
"""

from __future__ import annotations

import base64
import uuid
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.db.repositories import billing as repo
from app.db.repositories import billing_sql
from app.db.session import reading
from app.domain import money
from app.domain.contracts import Segment
from app.domain.errors import InvalidInput
from app.domain.invoicing import KIND_ORDER, BillingSchedule, line_id, recurring_lines
from app.domain.periods import period_months

#: A line's contract key and the line: a view by the contract's UUID, or CSV fields by the UUID's text.
K = TypeVar("K", uuid.UUID, str)
L = TypeVar("L", "InvoiceLineView", list[str])


@dataclass(frozen=True)
class InvoiceLineView:
    id: uuid.UUID
    contract_id: uuid.UUID
    contract_number: str
    account_id: uuid.UUID
    sku: str
    kind: str
    invoice_date: date
    period_start: date | None
    period_end: date | None
    quantity: int
    unit_price: Decimal
    amount: Decimal
    currency: str
    quote_id: uuid.UUID | None
    updated_at: datetime


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: Decimal
    lines: int


@dataclass(frozen=True)
class InvoiceLinePage:
    data: list[InvoiceLineView]
    next_cursor: str | None
    totals: list[CurrencyTotal]


def check_range(start: date, end: date) -> None:
    if end <= start:
        raise InvalidInput("'to' must be after 'from': invoice lines are those dated in [from, to)")


def stream_invoice_lines(
    session: Session, *, start: date, end: date, contract_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None, resume_at: uuid.UUID | None = None, updated_after: datetime | None = None,
) -> Generator[InvoiceLineView]:
    """Every line in the range (of a row recorded after `updated_after`, if given), contract by contract (in id
    order), each contract's lines by date.

    One streamed query reads the segments; the range's charges (few) are read at once and merged in.
    """
    scope = scope_of(start, end, contract_id, account_id, resume_at, updated_after)
    with reading(session):
        yield from lines_in(session, scope)


def stream_csv_rows(
    session: Session, *, start: date, end: date, contract_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None, updated_after: datetime | None = None,
) -> Generator[list[str]]:
    """`stream_invoice_lines` as CSV fields (CSV_COLUMNS; empty for a missing value). On PostgreSQL the
    recurring lines keep the text the database wrote: printing them costs no Python object per value, which
    halves the time of a large CSV."""
    scope = scope_of(start, end, contract_id, account_id, None, updated_after)
    with reading(session):
        if not _in_sql(session):
            yield from map(csv_row, python_lines_in(session, scope))
            return
        charges = {str(contract): list(map(csv_row, lines)) for contract, lines in _charges(session, scope).items()}
        rows = map(_text_fields, billing_sql.recurring_rows(session, scope, as_text=True))
        recurring = ((contract, list(group)) for contract, group in groupby(rows, key=itemgetter(0)))
        yield from _merged(charges, recurring, ordered=True, by=_fields_order)


def scope_of(start: date, end: date, contract_id: uuid.UUID | None, account_id: uuid.UUID | None,
             resume_at: uuid.UUID | None, updated_after: datetime | None) -> repo.Scope:
    check_range(start, end)
    after = None if updated_after is None else updated_after.astimezone(UTC)  # SQLite compares the UTC text
    return repo.Scope(start, end, contract_id, account_id, resume_at, updated_after=after)


def lines_in(session: Session, scope: repo.Scope) -> Generator[InvoiceLineView]:
    """The lines of `scope`, as `stream_invoice_lines` orders them, in the caller's transaction (a report that
    reads other figures in the same one).

    On PostgreSQL the recurring lines come computed by the database (`billing_sql`), at its speed; elsewhere
    they are expanded here (`python_lines_in`, the reference the SQL is tested against).
    """
    return sql_lines_in(session, scope) if _in_sql(session) else python_lines_in(session, scope)


def _in_sql(session: Session) -> bool:
    """Whether the database computes the recurring lines (`billing_sql`: PostgreSQL's functions)."""
    return session.get_bind().dialect.name == "postgresql"


def _charges(session: Session, scope: repo.Scope) -> dict[uuid.UUID, list[InvoiceLineView]]:
    return charges_by_contract(row._mapping for row in repo.charge_rows(session, scope))


def charges_by_contract(rows: Iterable[Mapping[Any, Any]]) -> dict[uuid.UUID, list[InvoiceLineView]]:
    """The lines of charge rows (`repo.charge_statement`) by their contract's id, each contract's in row order."""
    grouped: dict[uuid.UUID, list[InvoiceLineView]] = defaultdict(list)
    for line in map(charge_line, rows):
        grouped[line.contract_id].append(line)
    return grouped


def charge_line(row: Mapping[Any, Any]) -> InvoiceLineView:
    """A proration, credit or one-time line from its row (`repo.charge_statement`)."""
    return _line(row, row["sku"], row["kind"], row["invoice_date"], row["period_start"], row["period_end"],
                 row["quantity"], row["unit_price"], row["amount"])


def python_lines_in(session: Session, scope: repo.Scope) -> Generator[InvoiceLineView]:
    """`lines_in` with the recurring lines expanded in Python from the segment rows (any database)."""
    rows = groupby(repo.segment_rows(session, scope), key=attrgetter("contract_id"))
    recurring = ((contract, _recurring(list(group), scope.start, scope.end)) for contract, group in rows)
    return _merged(_charges(session, scope), recurring, ordered=False, by=_view_order)


def sql_lines_in(session: Session, scope: repo.Scope) -> Generator[InvoiceLineView]:
    """`lines_in` with the recurring lines from PostgreSQL, already in order: only a contract with charges
    needs sorting (the same stable sort as the Python path, so ties keep the same order)."""
    return merged_sql_lines(billing_sql.recurring_rows(session, scope), _charges(session, scope))


def merged_sql_lines(rows: Iterable[tuple[Any, ...]],
                     charges: dict[uuid.UUID, list[InvoiceLineView]]) -> Generator[InvoiceLineView]:
    """The recurring lines PostgreSQL computed (`billing_sql.COLUMNS`, in order) merged with the charges' lines."""
    lines = (InvoiceLineView(*row) for row in rows)  # COLUMNS: field order
    recurring = ((contract, list(group)) for contract, group in groupby(lines, key=attrgetter("contract_id")))
    return _merged(charges, recurring, ordered=True, by=_view_order)


def _merged(
    charges: dict[K, list[L]], recurring: Iterable[tuple[K, list[L]]], *, ordered: bool,
    by: Callable[[L], tuple[Any, ...]],
) -> Generator[L]:
    """Each contract's recurring lines (by contract id) with its charges, contract by contract in id order; a
    contract with charges only is given in its place; a contract's lines in the order `by` gives (stable).
    `ordered`: the recurring lines come sorted already. Lines are views, or CSV fields keyed by the id's text
    (whose order is the UUID's)."""
    charged = sorted(charges, reverse=True)  # a stack: the smallest contract id last
    for contract, lines in recurring:
        while charged and charged[-1] < contract:
            yield from sorted(charges.pop(charged.pop()), key=by)
        if charged and charged[-1] == contract:
            charged.pop()
            yield from sorted(lines + charges.pop(contract), key=by)
        else:
            yield from lines if ordered else sorted(lines, key=by)
    while charged:
        yield from sorted(charges.pop(charged.pop()), key=by)


def _recurring(rows: list[Any], start: date, end: date) -> list[InvoiceLineView]:
    first = rows[0]
    schedule = BillingSchedule(first.anchor, period_months(first.billing_frequency), first.billing_end,
                               first.currency)
    return [
        _line(row._mapping, line.sku, "recurring", line.invoice_date, line.period_start, line.period_end,
              line.quantity, line.unit_price, line.amount)
        for row in rows
        for line in recurring_lines(
            Segment(row.sku, row.quantity, row.net_unit_price, row.start_date, row.end_date,
                    closed_on=row.closed_on, recorded_on=row.recorded_on,
                    closure_recorded_on=row.closure_recorded_on, origin=row.origin, closed_by=row.closed_by),
            schedule, start, end)
    ]


def _view_order(line: InvoiceLineView) -> tuple[date, str, int]:
    return line.invoice_date, line.sku, KIND_ORDER[line.kind]


def _line(row: Mapping[Any, Any], sku: str, kind: str, invoice_date: date, period_start: date | None,
          period_end: date | None, quantity: int, unit_price: Decimal, amount: Decimal) -> InvoiceLineView:
    """A line from `row` (its contract's id, number, account and currency; its own id and recording time)."""
    currency, contract_id = row["currency"], row["contract_id"]
    return InvoiceLineView(
        id=line_id(contract_id, row["source_id"], kind, invoice_date, period_start, period_end),
        contract_id=contract_id, contract_number=row["number"], account_id=row["account_id"], sku=sku, kind=kind,
        invoice_date=invoice_date, period_start=period_start, period_end=period_end, quantity=quantity,
        unit_price=money.display_unit_price(unit_price, currency), amount=money.round_amount(amount, currency),
        currency=currency, quote_id=row["quote_id"], updated_at=row["recorded_at"],
    )


#: `id` and `updated_at` came last, after the columns clients already read by position.
CSV_COLUMNS = [
    "contract_id", "contract_number", "account_id", "sku", "kind", "invoice_date", "period_start", "period_end",
    "quantity", "unit_price", "amount", "currency", "quote_id", "id", "updated_at",
]
_TEXT_FIELDS = attrgetter(*CSV_COLUMNS[:-1])


def csv_row(line: InvoiceLineView) -> list[str]:
    """A line as CSV fields, in CSV_COLUMNS order (empty for a missing period or quote; RFC 3339 `updated_at`,
    which `updated_after` takes back)."""
    return ["" if value is None else str(value) for value in _TEXT_FIELDS(line)] + [line.updated_at.isoformat()]


def _fields_order(fields: list[str]) -> tuple[str, str, int]:
    """`_view_order` on CSV fields: ISO dates sort as the dates do."""
    return fields[5], fields[3], KIND_ORDER[fields[4]]


def _text_fields(row: tuple[str | None, ...]) -> list[str]:
    """A recurring line as PostgreSQL wrote it (billing_sql.COLUMNS), as CSV fields: `updated_at` in the form
    `datetime.isoformat` gives ('2026-01-31 09:00:00.5+00' → '2026-01-31T09:00:00.500000+00:00')."""
    identifier, recorded = row[0], row[14]  # never NULL: a hash and a recording time
    assert identifier is not None and recorded is not None
    seconds, _, fraction = recorded[11:-3].partition(".")
    instant = f"{recorded[:10]}T{seconds}{'.' + fraction.ljust(6, '0') if fraction else ''}+00:00"
    return ["" if value is None else value for value in row[1:14]] + [identifier, instant]


def invoice_line_page(
    session: Session, *, start: date, end: date, contract_id: uuid.UUID | None, account_id: uuid.UUID | None,
    limit: int, cursor: str | None, updated_after: datetime | None = None,
) -> InvoiceLinePage:
    """A page of lines, and the sums per currency over the whole range and filters.

    The cursor names the contract to resume at and how many of its lines were already given: a contract's
    lines for one range are always the same, so this is stable.
    """
    resume_at, skip = position(cursor)
    lines = stream_invoice_lines(session, start=start, end=end, contract_id=contract_id, account_id=account_id,
                                 resume_at=resume_at, updated_after=updated_after)
    with closing(lines):  # stopping early must release the streaming cursor now, not at garbage collection
        page, next_cursor = paged(lines, resume_at, skip, limit)
    if cursor is None and next_cursor is None:  # the page is the whole range: no second pass for the sums
        return InvoiceLinePage(page, None, totals(page))
    every = totals(stream_invoice_lines(session, start=start, end=end, contract_id=contract_id,
                                        account_id=account_id, updated_after=updated_after))
    return InvoiceLinePage(page, next_cursor, every)


def position(cursor: str | None) -> tuple[uuid.UUID | None, int]:
    """The contract a page resumes at and how many of its lines were given (None, 0: from the start)."""
    return _decode(cursor) if cursor else (None, 0)


def paged(lines: Iterable[InvoiceLineView], resume_at: uuid.UUID | None, skip: int,
          limit: int) -> tuple[list[InvoiceLineView], str | None]:
    """The page after `skip` lines of `resume_at` (the lines start at that contract), and the next page's cursor.
    It reads at most `skip + limit + 1` lines."""
    page: list[InvoiceLineView] = []
    given: dict[uuid.UUID, int] = defaultdict(int)
    for line in lines:
        if line.contract_id == resume_at and given[line.contract_id] < skip:
            given[line.contract_id] += 1
            continue
        if len(page) == limit:
            return page, _encode(line.contract_id, given[line.contract_id])
        page.append(line)
        given[line.contract_id] += 1
    return page, None


def totals(lines: Iterable[InvoiceLineView], sums: Iterable[tuple[str, Decimal, int]] = ()) -> list[CurrencyTotal]:
    """Sums per currency (of amounts already rounded per line) and line counts, of `lines` and of sums made
    elsewhere (currency, amount, lines)."""
    amounts: dict[str, list[Decimal]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for currency, amount, count in sums:
        amounts[currency].append(amount)
        counts[currency] += count
    for line in lines:
        amounts[line.currency].append(line.amount)
        counts[line.currency] += 1
    return [CurrencyTotal(c, money.total(amounts[c], c), counts[c]) for c in sorted(amounts)]


def _encode(contract_id: uuid.UUID, offset: int) -> str:
    return base64.urlsafe_b64encode(contract_id.bytes + offset.to_bytes(4, "big")).decode().rstrip("=")


def _decode(cursor: str) -> tuple[uuid.UUID, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if len(raw) != 20:
            raise ValueError(cursor)
        return uuid.UUID(bytes=raw[:16]), int.from_bytes(raw[16:], "big")
    except ValueError:
        raise InvalidInput("cursor is not one this API issued") from None
