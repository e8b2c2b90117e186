"""Metrics endpoints for finance: MRR on a day and MRR movements between two days, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.api.finance.metrics_schemas import (
    MOVEMENT_COLUMNS,
    MRR_COLUMNS,
    MovementsReportOut,
    MrrOut,
    account_fields,
    movement_fields,
    report_out,
)
from app.api.finance.router import Finance
from app.api.schemas import CalendarDate, QueryBool
from app.services import metrics
from app.services.metrics import MovementsReport, MrrReport

router = APIRouter(prefix="/v1/metrics", tags=["finance"])
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON, or the same figures as CSV with `Accept: text/csv`"}}


@router.get("/mrr", response_model=MrrOut, responses=CSV_RESPONSE)
def mrr(session: SessionDep, _caller: Finance, as_of: CalendarDate,
        group_by: Annotated[Literal["account", "family"] | None, Query()] = None,
        accept: Annotated[str | None, Header()] = None) -> object:
    """MRR and ARR of the segments in force on `as_of`, per currency (never converted), optionally grouped."""
    report = metrics.mrr_report(session, as_of=as_of, group_by=group_by)
    if _wants_csv(accept):
        return _csv(f"mrr-{as_of.isoformat()}.csv", MRR_COLUMNS, _mrr_rows(report))
    return report


@router.get("/movements", response_model=MovementsReportOut, responses=CSV_RESPONSE)
def movements(session: SessionDep, _caller: Finance,
              start: Annotated[CalendarDate, Query(alias="from", description="the first day compared")],
              end: Annotated[CalendarDate, Query(alias="to", description="the second day compared, after from")],
              interval: Annotated[Literal["month"] | None, Query(description="also month by month")] = None,
              detail: QueryBool = None, accept: Annotated[str | None, Header()] = None) -> object:
    """MRR movements from `from` to `to` per currency: new, reactivation, seat expansion, upsell, cross-sell,
    price increase, contraction, churn, with NRR and GRR; month by month with `interval=month`; per account,
    down to the contract versions and quotes behind each figure, with `detail=true`. As CSV: one row per
    currency, per month of the series, and per account."""
    report = metrics.movements_report(session, start=start, end=end, interval=interval, detail=bool(detail))
    if _wants_csv(accept):
        return _csv(f"movements-{start.isoformat()}-{end.isoformat()}.csv", MOVEMENT_COLUMNS, _movement_rows(report))
    return report_out(report)


def _wants_csv(accept: str | None) -> bool:
    return accept is not None and "text/csv" in accept


def _csv(filename: str, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _mrr_rows(report: MrrReport) -> Iterable[dict[str, Any]]:
    for total in report.currencies:
        yield {"as_of": report.as_of, **vars(total)}
    for group in report.groups or ():
        yield {"as_of": report.as_of, **vars(group)}


def _movement_rows(report: MovementsReport) -> Iterable[dict[str, Any]]:
    for figures in report.currencies:
        yield {"from": report.start, "to": report.end, **movement_fields(figures)}
    for period in report.series or ():
        for figures in period.currencies:
            yield {"from": period.start, "to": period.end, **movement_fields(figures)}
    for account in report.accounts or ():
        yield {"from": report.start, "to": report.end, **account_fields(account)}
