"""Contract endpoints: list, read as of a date, versions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.contracts.schemas import ContractOut, ContractVersionOut
from app.api.deps import ContractReader, Cursor, Limit, SessionDep, Today
from app.api.schemas import CalendarDate, Filter, PageOut
from app.services import contracts

router = APIRouter(prefix="/v1/contracts", tags=["contracts"])
AsOf = Annotated[CalendarDate | None, Query(description="the date to read the contract at (default: today)")]


@router.get("", response_model=PageOut[ContractOut])
def list_contracts(
    session: SessionDep, caller: ContractReader, today: Today, limit: Limit = 50, cursor: Cursor = None,
    account_id: uuid.UUID | None = None, status: Filter = None,
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


@router.get("/{contract_id}/versions", response_model=list[ContractVersionOut])
def contract_versions(contract_id: uuid.UUID, session: SessionDep, caller: ContractReader) -> object:
    return contracts.contract_versions(session, caller=caller, contract_id=contract_id)


