"""segments record what opened and ended them, to finance, and their MRR in minor units

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00

`subscription_segments` gains `opening_change` and `closing_change` (new business, seat expansion, upsell,
cross-sell, price increase or decrease, decrease, downgrade, removal, renewal, cancellation, expiry), `mrr_minor`
(net unit price × quantity, rounded once, in the currency's minor unit) and `price_change_minor` (the part of
that MRR a renewal's or anniversary's new price made). MRR movements are sums of these.

The data migration classifies what is already there as the service now classifies what it writes, with the
same rules (`app.domain.changes`, imported: a second copy of them would drift): segments in the order they
were written, each against what the account held when it opened, the quote line that made it and the segment
it replaces; an end gets the change of the segment that follows it, else what ended it (a removal, the
cancellation, the expiry); a segment still running, or whose planned end no change has reached, has none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.domain import changes

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: ISO 4217 minor units as of this migration (JPY 0, every other accepted currency 2).
_MINOR_UNITS = {"JPY": 0}


def upgrade() -> None:
    with op.batch_alter_table("subscription_segments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opening_change", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("closing_change", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("mrr_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("price_change_minor", sa.BigInteger(), nullable=False, server_default="0"))
    _classify(op.get_bind())
    with op.batch_alter_table("subscription_segments", schema=None) as batch_op:
        batch_op.alter_column("opening_change", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("mrr_minor", existing_type=sa.BigInteger(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("subscription_segments", schema=None) as batch_op:
        for column in ("price_change_minor", "mrr_minor", "closing_change", "opening_change"):
            batch_op.drop_column(column)


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _rows(bind: sa.Connection, sql: str) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in bind.execute(sa.text(sql))]


def _classify(bind: sa.Connection) -> None:
    contracts = {row["id"]: row for row in _rows(bind, "SELECT id, account_id, currency, status, version FROM contracts")}
    products = {row["sku"]: changes.Scope(row["sku"], row["family"], row["kind"], row["tier_rank"])
                for row in _rows(bind, "SELECT sku, family, kind, tier_rank FROM products")}
    lines = {row["id"]: row for row in _rows(
        bind, "SELECT id, quote_id, sku, change, change_index, mrr_delta FROM quote_lines")}
    swaps: dict[tuple[Any, Any], Decimal] = defaultdict(Decimal)
    for line in lines.values():
        swaps[line["quote_id"], line["change_index"]] += Decimal(str(line["mrr_delta"] or 0))
    segments = _rows(bind, "SELECT id, contract_id, contract_version, quote_line_id, sku, quantity, net_unit_price, "
                           "start_date, end_date, origin, replaces_id, closed_on, closed_by, closed_in_version, created_at "
                           "FROM subscription_segments")
    for segment in segments:
        segment["net_unit_price"] = Decimal(str(segment["net_unit_price"]))
        for name in ("start_date", "end_date", "closed_on"):
            segment[name] = _date(segment[name])
    segments.sort(key=lambda s: (s["start_date"], s["contract_version"]))
    by_account: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for segment in segments:
        by_account[contracts[segment["contract_id"]]["account_id"]].append(segment)
    by_id = {segment["id"]: segment for segment in segments}
    successor = {segment["replaces_id"]: segment for segment in segments if segment["replaces_id"]}

    def holdings(segment: dict[str, Any], on: date) -> changes.Holdings:
        """What the account held on `on` just before the change that wrote `segment` (as the service asks)."""
        def before(other: dict[str, Any]) -> bool:
            if other["contract_id"] == segment["contract_id"]:
                return bool(other["contract_version"] < segment["contract_version"])
            return str(other["created_at"]) < str(segment["created_at"])

        def held(other: dict[str, Any]) -> bool:  # the change's own closures had not happened yet
            reopened = other["contract_id"] == segment["contract_id"] and (
                other["closed_in_version"] or 0) >= segment["contract_version"]
            return _in_force(other, on, ignore_closure=reopened)

        account = contracts[segment["contract_id"]]["account_id"]
        return changes.holdings(products[o["sku"]] for o in by_account[account] if before(o) and held(o))

    def swap_or(line: dict[str, Any], otherwise: str) -> str:
        if line["change"] in ("upsell", "downgrade"):
            return changes.swap(swaps[line["quote_id"], line["change_index"]])
        return changes.AMENDMENT_CHANGES.get(line["change"] or "", otherwise)

    for segment in segments:
        contract = contracts[segment["contract_id"]]
        currency, line = contract["currency"], lines[segment["quote_line_id"]]
        before = by_id.get(segment["replaces_id"])
        price = _round(segment["net_unit_price"] * segment["quantity"], currency)
        segment["mrr_minor"], segment["price_change_minor"] = _minor(price, currency), 0
        if segment["origin"] == "amendment":
            segment["opening_change"] = swap_or(
                line, holdings(segment, segment["start_date"]).added(products[segment["sku"]]))
        elif before is not None:
            segment["opening_change"] = changes.transition(before["quantity"], before["net_unit_price"],
                                                           segment["quantity"], segment["net_unit_price"])
            segment["price_change_minor"] = _minor(changes.price_change(
                segment["quantity"], before["net_unit_price"], segment["net_unit_price"], currency), currency)
        else:
            on = segment["start_date"] - timedelta(days=1) if segment["origin"] == "renewal" else segment["start_date"]
            segment["opening_change"] = holdings(segment, on).added(products[segment["sku"]])
    ends = _Ends(bind, contracts, lines, swap_or)
    for segment in segments:
        ends.classify(segment, successor.get(segment["id"]))
    update = sa.text("UPDATE subscription_segments SET opening_change = :opening_change, "
                     "closing_change = :closing_change, closed_in_version = :closed_in_version, "
                     "mrr_minor = :mrr_minor, price_change_minor = :price_change_minor WHERE id = :id")
    if segments:
        bind.execute(update, [{name: s[name] for name in ("id", "opening_change", "closing_change", "closed_in_version",
                                                          "mrr_minor", "price_change_minor")} for s in segments])


class _Ends:
    """What ended each segment: the change of the one following it, else what closed or ended it."""

    def __init__(self, bind: sa.Connection, contracts: dict[Any, dict[str, Any]], lines: dict[Any, dict[str, Any]],
                 swap_or: Callable[[dict[str, Any], str], str]) -> None:
        self.contracts, self.swap_or = contracts, swap_or
        self.line_of = {(line["quote_id"], line["sku"]): line for line in lines.values()}
        versions = _rows(bind, "SELECT contract_id, version, kind, effective_on, quote_id FROM contract_versions")
        self.quote_of = {(v["contract_id"], v["version"]): v["quote_id"] for v in versions}
        self.renewed_in = {(v["contract_id"], _date(v["effective_on"])): v["version"]
                           for v in versions if v["kind"] == "renewal"}
        self.outcome = {(t["contract_id"], _date(t["end_date"])): t["outcome"]
                        for t in _rows(bind, "SELECT contract_id, end_date, outcome FROM contract_terms")}

    def classify(self, segment: dict[str, Any], after: dict[str, Any] | None) -> None:
        contract_id, end = segment["contract_id"], segment["end_date"]
        change, version = None, segment["closed_in_version"]
        if after is not None:
            change, version = after["opening_change"], version or after["contract_version"]
        elif segment["closed_by"] == "cancellation":
            change = changes.CANCELLATION
        elif segment["closed_by"] == "amendment":  # nothing follows: a removal, or the old side of a whole swap
            line = self.line_of[self.quote_of[contract_id, version], segment["sku"]]
            change = self.swap_or(line, changes.REMOVAL)
        elif segment["closed_by"] in ("uplift", "renewal"):
            change = changes.REMOVAL
        elif segment["closed_on"] is None and end is not None:
            outcome = self.outcome.get((contract_id, end))
            if outcome == "renewed":
                change, version = changes.REMOVAL, self.renewed_in[contract_id, end]
            elif outcome in ("expired", "cancelled"):
                change = changes.EXPIRY if outcome == "expired" else changes.CANCELLATION
                version = self.contracts[contract_id]["version"]
        segment["closing_change"], segment["closed_in_version"] = change, version


def _in_force(segment: dict[str, Any], on: date, *, ignore_closure: bool = False) -> bool:
    closed = None if ignore_closure else segment["closed_on"]
    ends = [d for d in (segment["end_date"], closed) if d is not None]
    return segment["start_date"] <= on and (not ends or on < min(ends))


def _round(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-_MINOR_UNITS.get(currency, 2)), rounding=ROUND_HALF_UP)


def _minor(value: Decimal, currency: str) -> int:
    return int(value.scaleb(_MINOR_UNITS.get(currency, 2)))
