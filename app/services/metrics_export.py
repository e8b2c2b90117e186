"""The metrics as flat rows with stable columns: what the CSV answers and the `cpq metrics` tables print."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from app.domain.metrics import MOVEMENTS
from app.services.metrics import AccountFigures, CurrencyFigures, MovementFigures, MovementsReport, MrrReport

#: Fixed, in this order: a finance sheet can rely on them. New columns are only ever appended.
MRR_COLUMNS = ("as_of", "currency", "account_id", "account_name", "family", "mrr", "arr", "accounts", "arpa")
LIFETIME = ("invoiced_to_date", "remaining_committed", "lifetime_value")
MOVEMENT_COLUMNS = ("from", "to", "currency", "account_id", "account_name", "mrr_from", *MOVEMENTS, "mrr_to",
                    "nrr", "grr", "arpa", *LIFETIME)


def movement_fields(figures: MovementFigures) -> dict[str, Any]:
    return {"currency": figures.currency, "mrr_from": figures.mrr_from, "mrr_to": figures.mrr_to,
            **figures.amounts, "nrr": figures.nrr, "grr": figures.grr}


def currency_fields(figures: CurrencyFigures) -> dict[str, Any]:
    return {**movement_fields(figures), "arpa": figures.arpa}


def account_fields(figures: AccountFigures) -> dict[str, Any]:
    return {**movement_fields(figures), "account_id": figures.account_id, "account_name": figures.account_name,
            "changes": figures.changes, **{name: getattr(figures, name) for name in LIFETIME}}


def mrr_rows(report: MrrReport) -> Iterator[dict[str, Any]]:
    """One row per currency, then one per group."""
    for total in report.currencies:
        yield {"as_of": report.as_of, **vars(total)}
    for group in report.groups or ():
        yield {"as_of": report.as_of, **vars(group)}


def movement_rows(report: MovementsReport) -> Iterator[dict[str, Any]]:
    """One row per currency for the window, then per month of the series, then per account."""
    for figures in report.currencies:
        yield {"from": report.start, "to": report.end, **currency_fields(figures)}
    for period in report.series or ():
        for figures in period.currencies:
            yield {"from": period.start, "to": period.end, **currency_fields(figures)}
    for account in report.accounts or ():
        yield {"from": report.start, "to": report.end, **account_fields(account)}


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({name: "" if value is None else value for name, value in row.items()} for row in rows)
    return buffer.getvalue()
