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
from app.api.deps import METADATA_QUERY, Cursor, Identified, Limit, Listed, Sales, SessionDep, require
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
    """Create a customer account: its currency and locale (of its documents), billing e-mail and legal details."""
    return accounts.create_account(session, caller=caller, **body.details())


@router.get("", response_model=PageOut[AccountOut], openapi_extra=METADATA_QUERY)
def list_accounts(session: SessionDep, caller: AccountReader, by: Identified, limit: Limit = 50,
                  cursor: Cursor = None) -> object:
    """Accounts, oldest first, by pages (`next_cursor`); a portal key sees its own account only."""
    return accounts.list_accounts(session, caller=caller, limit=limit, cursor=cursor, by=by)


@router.get("/{account_id}", response_model=AccountOut)
def get_account(account_id: uuid.UUID, session: SessionDep, caller: AccountReader) -> object:
    """One account; 404 for an unknown id or one a portal key may not see."""
    return accounts.get_account(session, caller=caller, account_id=account_id)


@router.patch("/{account_id}", response_model=AccountOut)
def update_account(account_id: uuid.UUID, body: AccountPatch, session: SessionDep, caller: Sales) -> object:
    """Change an account's fields; null clears a legal detail (legal_name, billing_address, tax_id)."""
    return accounts.update_account(session, caller=caller, account_id=account_id, changes=body.changes())


@router.post("/{account_id}/contracted-prices", status_code=201, response_model=ContractedPriceOut)
def create_contracted_price(
    account_id: uuid.UUID, body: ContractedPriceIn, session: SessionDep, caller: Sales
) -> object:
    """A negotiated price for one SKU from a date (a unit price or a discount percent); 409 if it overlaps another."""
    return accounts.create_contracted_price(session, caller=caller, account_id=account_id, **body.model_dump())


@router.get("/{account_id}/contracted-prices", response_model=PageOut[ContractedPriceOut])
def list_contracted_prices(
    account_id: uuid.UUID, session: SessionDep, caller: PriceReader, by: Listed, limit: Limit = 50,
    cursor: Cursor = None,
) -> object:
    """The prices negotiated with an account, by pages."""
    return accounts.list_contracted_prices(session, caller=caller, account_id=account_id, limit=limit, cursor=cursor,
                                           by=by)
