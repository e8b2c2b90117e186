"""Quote endpoints: create, edit, read, approve, finalize, document, accept, decline, cancel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.client import client_ip, user_agent
from app.api.deps import (
    METADATA_QUERY,
    Approver,
    Cursor,
    IfMatch,
    Limit,
    QuoteKeyed,
    QuoteReading,
    Sales,
    SalesOrPortal,
    SessionDep,
    SettingsDep,
    StorageDep,
    Tagged,
    Today,
    require,
)
from app.api.first_routes import first
from app.api.json_views import page_response, view_response
from app.api.quotes.schemas import (
    AcceptanceOut,
    AcceptanceTrailOut,
    AcceptIn,
    QuoteIn,
    QuoteOut,
    QuotePatch,
    ReasonIn,
    quote_json,
)
from app.api.schemas import Number, PageOut, Problem, QuoteStatus, QuoteType
from app.domain.terms import ContractTerms
from app.services import contracts, documents, quotes, reads
from app.services.auth import Caller
from app.services.documents import DocumentSettings
from app.services.quotes import QuoteChanges, QuoteDraft
from app.services.views import QuoteView

router = APIRouter(prefix="/v1/quotes", tags=["quotes"])
#: The PDF exists once a quote is finalized, after any approval: the approver has no use for it, nor for the
#: acceptance trail of the signed PDF.
DocumentReader = Annotated[Caller, Depends(require("sales", "finance", "portal"))]
QuoteId = uuid.UUID
#: What the endpoints that read or write a stored PDF can answer besides the usual problems.
STORAGE_PROBLEMS: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "description": description, "content": {"application/problem+json": {}}}
    for status, description in (
        (500, "document_integrity_error: the stored PDF is missing or no longer matches its SHA-256"),
        (503, "storage_unavailable: document storage cannot be read or written now; retry later"),
    )
}


def _tagged(response: Response, view: QuoteView) -> QuoteView:
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.post("", status_code=201, response_model=QuoteOut)
def create_quote(body: QuoteIn, session: SessionDep, settings: SettingsDep, caller: Sales, today: Today,
                 response: Response) -> object:
    """Price a new-business quote through the waterfall (list, contracted, volume and term discounts); a discount past
    the threshold needs approval."""
    terms = ContractTerms(
        term_months=body.term_months, billing_frequency=body.billing_frequency, renewal=body.renewal.settings(),
        mid_term_decrease=body.mid_term_decrease, proration_method=body.proration_method or settings.proration_method,
    )
    draft = QuoteDraft(body.account_id, body.start_date, terms, [line.request() for line in body.lines], body.valid_until,
                       body.metadata)
    view = quotes.create_quote(session, caller=caller, today=today, draft=draft,
                               threshold=settings.approval_threshold_percent)
    return _tagged(response, view)


@first.get(router.prefix, tags=router.tags, response_model=PageOut[QuoteOut], openapi_extra=METADATA_QUERY)
async def list_quotes(
    read: QuoteReading, by: Tagged, limit: Limit = 50, cursor: Cursor = None,
    account_id: uuid.UUID | None = None, status: Annotated[QuoteStatus | None, Query()] = None,
    quote_type: Annotated[QuoteType | None, Query(alias="type")] = None, contract_id: uuid.UUID | None = None,
) -> Response:
    """Quotes, newest last; filtered by account, status, type (a contract's renewal quotes: `type=renewal`
    and `contract_id`) and contract."""
    return page_response(await reads.quotes(read.reads, read.caller, limit=limit, cursor=cursor,
                                            account_id=account_id, status=status, quote_type=quote_type,
                                            contract_id=contract_id, by=by))


@router.get("/by-number/{number}", response_model=QuoteOut)
async def get_quote_by_number(number: Number, read: QuoteKeyed) -> Response:
    """The quote its number names (as printed on its document), as `GET /v1/quotes/{id}` reads it."""
    return view_response(await reads.quote(read, number))


@first.get(router.prefix + "/{quote_id}", tags=router.tags, response_model=QuoteOut)
async def get_quote(quote_id: QuoteId, read: QuoteKeyed) -> Response:
    """One quote, with its lines, waterfall and totals; the ETag is its version, for If-Match."""
    return view_response(await reads.quote(read, quote_id))


@router.patch("/{quote_id}", response_model=QuoteOut)
def update_quote(quote_id: QuoteId, body: QuotePatch, session: SessionDep, settings: SettingsDep, caller: Sales,
                 today: Today, version: IfMatch, response: Response) -> object:
    """Change a draft quote (lines, terms, dates) and price it again; 409 once it is finalized."""
    fields = body.updates()
    fields.pop("lines", None)
    fields.pop("changes", None)
    fields.pop("metadata", None)
    if body.renewal is not None:
        fields["renewal"] = body.renewal.settings()
    changes = QuoteChanges(
        fields, lines=None if body.lines is None else [line.request() for line in body.lines],
        amendment_changes=None if body.changes is None else [change.change() for change in body.changes],
        metadata=body.metadata,
    )
    view = quotes.update_quote(session, caller=caller, quote_id=quote_id, if_match=version, changes=changes,
                               threshold=settings.approval_threshold_percent, today=today)
    return _tagged(response, view)


@router.post("/{quote_id}/approve", response_model=QuoteOut)
def approve_quote(quote_id: QuoteId, session: SessionDep, caller: Approver, version: IfMatch,
                  response: Response) -> object:
    """Approve a quote whose discount needs it (approver role); 409 unless it awaits approval."""
    return _tagged(response, quotes.approve_quote(session, caller=caller, quote_id=quote_id, if_match=version))


@router.post("/{quote_id}/finalize", response_model=QuoteOut, responses=STORAGE_PROBLEMS)
def finalize_quote(quote_id: QuoteId, session: SessionDep, settings: SettingsDep, storage: StorageDep, caller: Sales,
                   today: Today, version: IfMatch, response: Response) -> object:
    """Freeze the quote and render its PDF in the account's language; it can then be accepted. 409 while approval is
    pending; 503 when document storage is unavailable."""
    view = documents.finalize_quote(session, caller=caller, quote_id=quote_id, if_match=version, today=today,
                                    settings=DocumentSettings.of(settings, storage, quote_json))
    return _tagged(response, view)


@router.get("/{quote_id}/document", response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the finalized PDF"}, **STORAGE_PROBLEMS})
def download_quote_document(quote_id: QuoteId, session: SessionDep, storage: StorageDep, caller: DocumentReader) -> Response:
    """The finalized PDF; its SHA-256 is in X-Document-SHA256, the hash to accept it with. 404 before finalize."""
    stored = documents.quote_document(session, caller=caller, quote_id=quote_id, storage=storage)
    return Response(stored.content, media_type="application/pdf", headers={
        "X-Document-SHA256": stored.sha256, "Content-Disposition": f'inline; filename="{stored.filename}"',
    })


@router.post("/{quote_id}/accept", response_model=AcceptanceOut, responses=STORAGE_PROBLEMS)
def accept_quote(quote_id: QuoteId, body: AcceptIn, request: Request, session: SessionDep, storage: StorageDep,
                 settings: SettingsDep, caller: SalesOrPortal, today: Today, version: IfMatch) -> object:
    """Sign the finalized quote with the SHA-256 of the PDF shown: this makes (or amends) the contract; 422 for another
    hash, 409 once expired or no longer open."""
    quote, contract = contracts.accept_quote(
        session, caller=caller, quote_id=quote_id, if_match=version, today=today, signer_name=body.signer_name,
        signer_email=body.signer_email, document_sha256=body.document_sha256,
        client_address=client_ip(request, settings.trusted_proxies), user_agent=user_agent(request), storage=storage,
        threshold=settings.approval_threshold_percent,
    )
    return {"quote": quote, "contract": contract}


@router.get("/{quote_id}/acceptance", response_model=AcceptanceTrailOut, responses={
    404: {"model": Problem, "description": "unknown_quote, or not_accepted: nobody has signed this quote",
          "content": {"application/problem+json": {}}}})
def get_quote_acceptance(quote_id: QuoteId, session: SessionDep, caller: DocumentReader) -> object:
    """Who accepted the quote, when, from where, with which key, and the hash of the document they signed."""
    return contracts.acceptance_trail(session, caller=caller, quote_id=quote_id)


@router.post("/{quote_id}/decline", response_model=QuoteOut)
def decline_quote(quote_id: QuoteId, session: SessionDep, caller: SalesOrPortal, version: IfMatch,
                  response: Response, body: ReasonIn | None = None) -> object:
    """Record that the customer declined an open quote, with an optional reason."""
    reason = body.reason if body else None
    view = quotes.decline_quote(session, caller=caller, quote_id=quote_id, if_match=version, reason=reason)
    return _tagged(response, view)


@router.post("/{quote_id}/cancel", response_model=QuoteOut)
def cancel_quote(quote_id: QuoteId, session: SessionDep, caller: SalesOrPortal, version: IfMatch,
                 response: Response, body: ReasonIn | None = None) -> object:
    """Withdraw a quote that is not yet accepted, with an optional reason."""
    reason = body.reason if body else None
    view = quotes.cancel_quote(session, caller=caller, quote_id=quote_id, if_match=version, reason=reason)
    return _tagged(response, view)
