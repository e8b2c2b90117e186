"""Contract endpoints: list, read as of a date, versions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.contracts.schemas import ContractOut, ContractVersionOut
from app.api.deps import ContractReader, Cursor, Limit, SalesOrPortal, SessionDep, SettingsDep, Today
from app.api.quotes.schemas import AmendmentIn, QuoteOut
from app.api.schemas import CalendarDate, ContractStatus, PageOut
from app.services import amendments, contracts

router = APIRouter(prefix="/v1/contracts", tags=["contracts"])
AsOf = Annotated[CalendarDate | None, Query(description="the date to read the contract at (default: today)")]


@router.get("", response_model=PageOut[ContractOut])
def list_contracts(
    session: SessionDep, caller: ContractReader, today: Today, limit: Limit = 50, cursor: Cursor = None,
    account_id: uuid.UUID | None = None, status: Annotated[ContractStatus | None, Query()] = None,
    ending_before: CalendarDate | None = None, as_of: AsOf = None,
) -> object:
    return contracts.list_contracts(
        session, caller=caller, as_of=as_of or today, limit=limit, cursor=cursor, account_id=account_id,
        status=status, ending_before=ending_before,
    )


@router.get("/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: uuid.UUID, session: SessionDep, caller: ContractReader, today: Today,
                 response: Response, as_of: AsOf = None) -> object:
    view = contracts.get_contract(session, caller=caller, contract_id=contract_id, as_of=as_of or today)
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.post("/{contract_id}/amendments", status_code=201, response_model=QuoteOut)
def create_amendment(contract_id: uuid.UUID, body: AmendmentIn, session: SessionDep, settings: SettingsDep,
                     caller: SalesOrPortal, today: Today, response: Response) -> object:
    view = amendments.create_amendment(
        session, caller=caller, contract_id=contract_id, effective_date=body.effective_date,
        changes=[change.change() for change in body.changes], today=today,
        threshold=settings.approval_threshold_percent,
    )
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.get("/{contract_id}/versions", response_model=list[ContractVersionOut])
def contract_versions(contract_id: uuid.UUID, session: SessionDep, caller: ContractReader) -> object:
    return contracts.contract_versions(session, caller=caller, contract_id=contract_id)


