"""`cpq metrics`: MRR and MRR movements for finance, as Rich tables or CSV (the API's figures and columns)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Any

import typer

metrics_app = typer.Typer(help="MRR, ARR and MRR movements, per currency", no_args_is_help=True)


@metrics_app.command("mrr")
def mrr(
    as_of: Annotated[str, typer.Option("--as-of", help="the day (YYYY-MM-DD)")],
    group_by: Annotated[str | None, typer.Option(help="account or family")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV (the API's columns) instead of a table")] = False,
) -> None:
    """MRR and ARR of the segments in force on the day, per currency (never converted)."""
    from app.cli import _date, _session
    from app.services.metrics import mrr_report
    from app.services.metrics_export import MRR_COLUMNS, mrr_rows

    if group_by not in (None, "account", "family"):
        raise typer.BadParameter(f"{group_by!r}: group by account or family")
    with _session() as session:
        report = mrr_report(session, as_of=_date(as_of), group_by=group_by)
    columns = [c for c in MRR_COLUMNS if c not in ("as_of", "account_id")
               and (c not in ("account_name", "family") or c == _group_column(group_by))]
    _print(f"MRR as of {as_of}", MRR_COLUMNS if as_csv else columns, mrr_rows(report), as_csv)


@metrics_app.command("movements")
def movements(
    start: Annotated[str, typer.Option("--from", help="the first day compared (YYYY-MM-DD)")],
    end: Annotated[str, typer.Option("--to", help="the second day compared, after --from")],
    monthly: Annotated[bool, typer.Option("--monthly", help="also month by month")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="also per account")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV (the API's columns) instead of a table")] = False,
) -> None:
    """New, reactivation, seat expansion, upsell, cross-sell, price increase, contraction and churn, NRR, GRR,
    ARPA; with --detail, each account's lifetime value."""
    from app.cli import _date, _session
    from app.services.metrics import movements_report
    from app.services.metrics_export import MOVEMENT_COLUMNS, movement_rows

    with _session() as session:
        report = movements_report(session, start=_date(start), end=_date(end),
                                  interval="month" if monthly else None, detail=detail)
    if as_csv:
        _print("", MOVEMENT_COLUMNS, movement_rows(report), as_csv=True)
        return
    _print_movements(f"MRR movements from {start} to {end}", list(movement_rows(report)))


def _group_column(group_by: str | None) -> str | None:
    return {"account": "account_name", "family": "family"}.get(group_by or "")


def _print(title: str, columns: Sequence[str], rows: Iterable[dict[str, Any]], as_csv: bool) -> None:
    if as_csv:
        from app.services.metrics_export import csv_text

        sys.stdout.write(csv_text(columns, rows))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column.replace("_", " "), justify="left" if column in _TEXT else "right")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else _text(row[c]) for c in columns))
    Console().print(table)


def _print_movements(title: str, rows: list[dict[str, Any]]) -> None:
    """Per currency, the figures down and the window, its months or its accounts across: a finance sheet's
    layout, which stays narrow however many figures there are."""
    from rich.console import Console
    from rich.table import Table

    from app.domain.metrics import MOVEMENTS
    from app.services.metrics_export import LIFETIME

    figures = ("mrr_from", *MOVEMENTS, "mrr_to", "nrr", "grr", "arpa", *LIFETIME)
    console = Console()
    for currency in dict.fromkeys(row["currency"] for row in rows):
        table = Table(title=f"{title}, {currency}")
        table.add_column("")
        mine = [row for row in rows if row["currency"] == currency]
        for index, row in enumerate(mine):
            heading = row.get("account_name") or ("total" if index == 0 else f"{_text(row['from'])} →")
            table.add_column(heading, justify="right")
        for name in figures:
            table.add_row(name.replace("_", " "), *("" if row.get(name) is None else str(row[name]) for row in mine))
        console.print(table)


_TEXT = {"currency", "account_name", "family", "from", "to"}


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
