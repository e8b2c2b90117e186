"""Priced lines and totals as a quote stores them, whatever its type priced them."""

from __future__ import annotations

from typing import Any

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
    for name, value in priced_fields(lines, totals, needs_approval=needs_approval).items():
        setattr(row, name, value)


def priced_fields(lines: list[QuoteLine], totals: QuoteTotals, *, needs_approval: bool) -> dict[str, Any]:
    """A priced quote's lines, totals and status: given to a new quote's constructor, or set on a quote re-priced."""
    return {
        "lines": lines, "mrr": totals.mrr, "arr": totals.arr, "one_time": totals.one_time,
        "total_contract_value": totals.total_contract_value, "first_invoice": totals.first_invoice,
        "status": "needs_approval" if needs_approval else "draft", "approved_by": None, "approved_at": None,
    }
