"""Account endpoints and the account's contracted prices."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.accounts.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    ContractedPriceIn,
    ContractedPriceOut,
)
from app.api.deps import Cursor, Limit, Sales, SessionDep, require
from app.api.schemas import PageOut
from app.services import accounts
from app.services.auth import Caller

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])
#: The approver reads accounts to name the customer whose discount it approves (a quote carries only its id).
AccountReader = Annotated[Caller, Depends(require("sales", "finance", "approver", "portal"))]
#: Negotiated prices: sales and finance; an approver sees the contracted price on each quote line.
PriceReader = Annotated[Caller, Depends(require("sales", "finance"))]


@router.post("", status_code=201, response_model=AccountOut)
def create_account(body: AccountIn, session: SessionDep, caller: Sales) -> object:
    return accounts.create_account(session, caller=caller, **body.details())


@router.get("", response_model=PageOut[AccountOut])
def list_accounts(session: SessionDep, caller: AccountReader, limit: Limit = 50, cursor: Cursor = None) -> object:
    return accounts.list_accounts(session, caller=caller, limit=limit, cursor=cursor)


@router.get("/{account_id}", response_model=AccountOut)
def get_account(account_id: uuid.UUID, session: SessionDep, caller: AccountReader) -> object:
    return accounts.get_account(session, caller=caller, account_id=account_id)


@router.patch("/{account_id}", response_model=AccountOut)
def update_account(account_id: uuid.UUID, body: AccountPatch, session: SessionDep, caller: Sales) -> object:
    return accounts.update_account(session, caller=caller, account_id=account_id, changes=body.changes())


@router.post("/{account_id}/contracted-prices", status_code=201, response_model=ContractedPriceOut)
def create_contracted_price(
    account_id: uuid.UUID, body: ContractedPriceIn, session: SessionDep, caller: Sales
) -> object:
    return accounts.create_contracted_price(session, caller=caller, account_id=account_id, **body.model_dump())


@router.get("/{account_id}/contracted-prices", response_model=PageOut[ContractedPriceOut])
def list_contracted_prices(
    account_id: uuid.UUID, session: SessionDep, caller: PriceReader, limit: Limit = 50, cursor: Cursor = None
) -> object:
    return accounts.list_contracted_prices(session, caller=caller, account_id=account_id, limit=limit, cursor=cursor)
