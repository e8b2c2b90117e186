"""Priced lines and totals as a quote stores them, whatever its type priced them."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import inspect

from app.db.models import Quote, QuoteLine
from app.domain.pricing import LineRequest, PricedLine, QuoteTotals


def quote_line(index: int, line: PricedLine, request: LineRequest, **extra: Any) -> QuoteLine:
    """A priced line as stored, with every step of its waterfall."""
    return QuoteLine(
        position=index, sku=line.sku, recurring=line.recurring, quantity=line.quantity,
        discount_percent=request.discount_percent, discount_amount=request.discount_amount,
        list_unit_price=line.list_unit_price, regular_unit_price=line.regular_unit_price,
        contracted_unit_price=line.contracted_unit_price, net_unit_price=line.net_unit_price,
        start_date=line.start_date, end_date=line.end_date, mrr=line.mrr, total=line.total, **extra,
    )


def store_priced(row: Quote, lines: list[QuoteLine], totals: QuoteTotals, *, needs_approval: bool) -> None:
    """Replace the lines and totals; any re-pricing withdraws an earlier approval."""
    fields = priced_fields(lines, totals, needs_approval=needs_approval)
    _rewrite_lines(row, fields.pop("lines"))
    for name, value in fields.items():
        setattr(row, name, value)


def _rewrite_lines(row: Quote, lines: list[QuoteLine]) -> None:
    """The stored lines become `lines`, position by position: a stored line takes the new one's values (only
    those that differ are written), lines past the end are added or deleted.

    Replacing the collection instead deleted and inserted every row, and SQLAlchemy's removal events scan the
    list once per removed line: changing one quantity of a 5 000-line quote took seconds.
    """
    stored = row.lines
    for old, new in zip(stored, lines):
        values = new.__dict__
        for key, default in _line_columns():
            value = values.get(key, default)
            if getattr(old, key) != value or type(getattr(old, key)) is not type(value):
                setattr(old, key, value)
    if len(lines) > len(stored):
        stored.extend(lines[len(stored):])
    else:
        del stored[len(lines):]


@cache
def _line_columns() -> tuple[tuple[str, Any], ...]:
    """A line's own columns (not its id and quote) with the value a new line has when it does not set one."""
    return tuple(
        (attribute.key, None if column.default is None or column.default.is_callable else column.default.arg)
        for attribute in inspect(QuoteLine).column_attrs if attribute.key not in ("id", "quote_id")
        for column in attribute.columns[:1]
    )


def priced_fields(lines: list[QuoteLine], totals: QuoteTotals, *, needs_approval: bool) -> dict[str, Any]:
    """A priced quote's lines, totals and status: given to a new quote's constructor, or set on a quote re-priced."""
    return {
        "lines": lines, "mrr": totals.mrr, "arr": totals.arr, "one_time": totals.one_time,
        "total_contract_value": totals.total_contract_value, "first_invoice": totals.first_invoice,
        "status": "needs_approval" if needs_approval else "draft", "approved_by": None, "approved_at": None,
    }
