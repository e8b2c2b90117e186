"""Finance endpoints: invoice lines (JSON pages or streamed CSV) and the contract events feed."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.api.deps import DirectRead, Limit, SessionDep, allow, require
from app.api.finance.schemas import EventPageOut, InvoiceLinePageOut
from app.api.json_views import page_response
from app.api.schemas import DIGITS_ONLY, CalendarDate, Timestamp
from app.services import billing, events, reads
from app.services.auth import Caller

router = APIRouter(prefix="/v1", tags=["finance"])
Finance = Annotated[Caller, Depends(require("finance"))]
FinanceReading = Annotated[DirectRead, Depends(allow("finance"))]
FinanceOrScheduler = Annotated[Caller, Depends(require("finance", "scheduler"))]
From = Annotated[CalendarDate, Query(alias="from", description="first invoice date included")]
To = Annotated[CalendarDate, Query(alias="to", description="first invoice date excluded")]
#: A contract id and how many of its lines were given (20 bytes, base64url): any such value is a position.
LineCursor = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{27}$", description="next_cursor of the previous page")]
UpdatedAfter = Annotated[Timestamp | None, Query(
    description="only lines recorded strictly after this instant (RFC 3339): the changes since a previous pull")]


@router.get("/invoice-lines", response_model=InvoiceLinePageOut,
            responses={200: {"content": {"text/csv": {}}, "description": "JSON page, or every line as CSV"}})
async def list_invoice_lines(
    request: Request, read: FinanceReading, start: From, end: To,
    contract_id: uuid.UUID | None = None, account_id: uuid.UUID | None = None, limit: Limit = 50,
    cursor: LineCursor = None, updated_after: UpdatedAfter = None, accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Invoice lines dated in [from, to), as JSON pages or streamed CSV (`Accept: text/csv`); 422 for a range too long.

    On PostgreSQL a page is read on the event loop (`reads.invoice_lines`); on SQLite, which expands the lines in
    Python, in a worker thread with a session of its own. The CSV streams from a worker thread either way.
    """
    factory = request.app.state.session_factory
    if accept is not None and "text/csv" in accept:
        billing.check_range(start, end)
        rows = _csv_rows(factory, start, end, contract_id, account_id, updated_after)
        filename = f"invoice-lines-{start.isoformat()}-{end.isoformat()}.csv"
        return StreamingResponse(rows, media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    asked: dict[str, Any] = {"start": start, "end": end, "contract_id": contract_id, "account_id": account_id,
                             "limit": limit, "cursor": cursor, "updated_after": updated_after}
    if read.reads.invoices is not None:
        return page_response(await reads.invoice_lines(read.reads.invoices, **asked))
    return page_response(await run_in_threadpool(_page_in_session, factory, **asked))


def _page_in_session(factory: sessionmaker[Session], **asked: Any) -> billing.InvoiceLinePage:
    with factory() as session:
        return billing.invoice_line_page(session, **asked)


def _csv_rows(factory: sessionmaker[Session], start: date, end: date, contract_id: uuid.UUID | None,
              account_id: uuid.UUID | None, updated_after: datetime | None) -> Iterator[str]:
    """CSV text in chunks, from a session of its own: the stream outlives the request's dependencies."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(billing.CSV_COLUMNS)
    with factory() as session:
        for count, fields in enumerate(billing.stream_csv_rows(
                session, start=start, end=end, contract_id=contract_id, account_id=account_id,
                updated_after=updated_after), start=1):
            writer.writerow(fields)
            if count % 1000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


@router.get("/events", response_model=EventPageOut)
def list_events(session: SessionDep, _caller: FinanceOrScheduler, limit: Limit = 50,
                after: Annotated[int, Query(ge=0, le=2**63 - 1, description="the sequence last seen (0: from the start)"),
                                DIGITS_ONLY] = 0,
                ) -> object:
    """The contract and quote events feed in order, from after a position: what webhooks deliver, to poll instead;
    each type's payload schema is under the document's `webhooks`."""
    return events.events_after(session, after=after, limit=limit)
