"""Contract endpoints: list, read as of a date, versions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.contracts.schemas import CancelIn, ContractOut, ContractPatch, ContractVersionOut
from app.api.deps import (
    METADATA_QUERY,
    ContractKeyed,
    ContractReader,
    ContractReading,
    Cursor,
    Identified,
    IfMatch,
    Limit,
    Listed,
    Sales,
    SalesOrPortal,
    SessionDep,
    SettingsDep,
    Today,
)
from app.api.first_routes import first
from app.api.json_views import page_response, view_response
from app.api.quotes.schemas import AmendmentIn, QuoteOut
from app.api.schemas import CalendarDate, ContractStatus, Number, PageOut
from app.services import amendments, contract_changes, contracts, reads, renewal_quotes

router = APIRouter(prefix="/v1/contracts", tags=["contracts"])
AsOf = Annotated[CalendarDate | None, Query(description="the date to read the contract at (default: today)")]


@first.get(router.prefix, tags=router.tags, response_model=PageOut[ContractOut], openapi_extra=METADATA_QUERY)
async def list_contracts(
    read: ContractReading, today: Today, by: Identified, limit: Limit = 50, cursor: Cursor = None,
    account_id: uuid.UUID | None = None, status: Annotated[ContractStatus | None, Query()] = None,
    ending_before: CalendarDate | None = None, as_of: AsOf = None,
    renewal_due_on: Annotated[CalendarDate | None, Query(
        description="active termed contracts with renewal work (a renewal quote to make, a term end) due by then"
    )] = None,
) -> Response:
    """Contracts as of a date (default today), by pages; filtered by account, status, end and renewal work."""
    return page_response(await reads.contracts(
        read.reads, read.caller, as_of=as_of or today, limit=limit, cursor=cursor, account_id=account_id,
        status=status, ending_before=ending_before, renewal_due_on=renewal_due_on, by=by,
    ))


@router.get("/by-number/{number}", response_model=ContractOut)
async def get_contract_by_number(number: Number, read: ContractKeyed, today: Today, as_of: AsOf = None) -> Response:
    """The contract its number names (as printed on its documents), as `GET /v1/contracts/{id}` reads it."""
    return view_response(await reads.contract(read, number, as_of or today))


@first.get(router.prefix + "/{contract_id}", tags=router.tags, response_model=ContractOut)
async def get_contract(contract_id: uuid.UUID, read: ContractKeyed, today: Today, as_of: AsOf = None) -> Response:
    """A contract as of a date (default today): its segments, terms and status; the ETag is its version."""
    return view_response(await reads.contract(read, contract_id, as_of or today))


@router.post("/{contract_id}/amendments", status_code=201, response_model=QuoteOut)
def create_amendment(contract_id: uuid.UUID, body: AmendmentIn, session: SessionDep, settings: SettingsDep,
                     caller: SalesOrPortal, today: Today, response: Response) -> object:
    """Price a change to an active contract from an effective date as an amendment quote (proration, catch-up)."""
    view = amendments.create_amendment(
        session, caller=caller, contract_id=contract_id, effective_date=body.effective_date,
        changes=[change.change() for change in body.changes], today=today,
        threshold=settings.approval_threshold_percent,
    )
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.get("/{contract_id}/versions", response_model=PageOut[ContractVersionOut])
def list_contract_versions(contract_id: uuid.UUID, session: SessionDep, caller: ContractReader, by: Listed,
                           limit: Limit = 50, cursor: Cursor = None) -> object:
    """A contract's versions by pages, oldest first, each with what changed it (the quote accepted)."""
    return contracts.contract_versions(session, caller=caller, contract_id=contract_id, limit=limit, cursor=cursor,
                                       by=by)




@router.patch("/{contract_id}", response_model=ContractOut)
def update_contract(contract_id: uuid.UUID, body: ContractPatch, session: SessionDep, settings: SettingsDep,
                    caller: Sales, today: Today, version: IfMatch, response: Response) -> object:
    """Change the renewal settings (the draft renewal quote is priced again with them), metadata, external id."""
    view = contract_changes.update_contract(
        session, caller=caller, contract_id=contract_id, if_match=version,
        renewal=None if body.renewal is None else body.renewal.updates(), own=body.own(), today=today,
        threshold=settings.approval_threshold_percent)
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.post("/{contract_id}/cancel", response_model=ContractOut)
def cancel_contract(contract_id: uuid.UUID, body: CancelIn, session: SessionDep, caller: Sales, today: Today,
                    version: IfMatch, response: Response) -> object:
    """Record a cancellation: termed contracts end at their term end, evergreen ones by the notice rule."""
    view = contract_changes.request_cancellation(
        session, caller=caller, contract_id=contract_id, if_match=version, requested_on=body.requested_on,
        reason=body.reason, today=today)
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.post("/{contract_id}/renewal-quote", status_code=201, response_model=QuoteOut,
             responses={200: {"model": QuoteOut, "description": "the renewal quote already made for this term"}})
def create_renewal_quote(contract_id: uuid.UUID, session: SessionDep, settings: SettingsDep, caller: Sales, today: Today,
                  response: Response) -> object:
    """The current term's renewal quote, made now whatever the lead window (the run prices it the same way)."""
    view, made = renewal_quotes.renewal_quote_now(session, caller=caller, contract_id=contract_id, today=today,
                                                  threshold=settings.approval_threshold_percent)
    response.status_code = 201 if made else 200
    response.headers["ETag"] = f'"{view.version}"'
    return view
