"""Metrics endpoints for finance: MRR on a day and MRR movements between two days, as JSON or CSV."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.api.finance.metrics_schemas import MovementsReportOut, MrrOut, report_out
from app.api.finance.router import Finance
from app.api.schemas import CalendarDate, QueryBool
from app.services import metrics
from app.services.metrics_export import MOVEMENT_COLUMNS, MRR_COLUMNS, csv_text, movement_rows, mrr_rows

router = APIRouter(prefix="/v1/metrics", tags=["finance"])
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON, or the same figures as CSV with `Accept: text/csv`"}}


@router.get("/mrr", response_model=MrrOut, responses=CSV_RESPONSE)
def get_mrr(session: SessionDep, _caller: Finance, as_of: CalendarDate,
        group_by: Annotated[Literal["account", "family"] | None, Query()] = None,
        accept: Annotated[str | None, Header()] = None) -> object:
    """MRR and ARR of the segments in force on `as_of`, per currency (never converted), optionally grouped."""
    report = metrics.mrr_report(session, as_of=as_of, group_by=group_by)
    if _wants_csv(accept):
        return _csv(f"mrr-{as_of.isoformat()}.csv", MRR_COLUMNS, mrr_rows(report))
    return report


@router.get("/movements", response_model=MovementsReportOut, responses=CSV_RESPONSE)
def get_mrr_movements(session: SessionDep, _caller: Finance,
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
        return _csv(f"movements-{start.isoformat()}-{end.isoformat()}.csv", MOVEMENT_COLUMNS, movement_rows(report))
    return report_out(report)


def _wants_csv(accept: str | None) -> bool:
    return accept is not None and "text/csv" in accept


def _csv(filename: str, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> Response:
    return Response(csv_text(columns, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
