"""API key endpoints (admin): create a key, shown once; list keys without their secrets; revoke a key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from pydantic import Field

from app.api import idempotency
from app.api.deps import Admin, Cursor, Limit, Listed, SessionDep
from app.api.schemas import Out, PageOut, Schema
from app.db.base import utc_now
from app.services import auth

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


class ApiKeyIn(Schema):
    role: Literal["admin", "sales", "approver", "finance", "scheduler", "portal"]
    account_id: uuid.UUID | None = None
    name: Annotated[str | None, Field(max_length=200)] = None


class ApiKeyOut(Out):
    id: uuid.UUID
    prefix: str
    role: str
    account_id: uuid.UUID | None
    name: str | None
    created_at: datetime
    revoked_at: datetime | None


class NewApiKeyOut(ApiKeyOut):
    key: str | None = Field(description="the secret; shown this once and never stored: null in an idempotent replay "
                                        "(`Idempotent-Withheld: key`)")


@router.post("", status_code=201, response_model=NewApiKeyOut)
def create_api_key(body: ApiKeyIn, session: SessionDep, caller: Admin, request: Request) -> object:
    """A new key for a role (a portal key is bound to an account); its secret is shown this once only."""
    idempotency.withhold(request, "key")
    key, token = auth.create_key(session, caller=caller, role=body.role, account_id=body.account_id, name=body.name)
    return {**ApiKeyOut.model_validate(key).model_dump(), "key": token}


@router.delete("/{key_id}", status_code=204, response_class=Response)
def revoke_api_key(key_id: uuid.UUID, session: SessionDep, caller: Admin) -> Response:
    """Revoke a key: its very next request is a 401. Revoking a revoked key again is a 204 too."""
    auth.revoke_key(session, caller=caller, key_id=key_id, now=utc_now())
    return Response(status_code=204)


@router.get("", response_model=PageOut[ApiKeyOut])
def list_api_keys(session: SessionDep, _caller: Admin, by: Listed, limit: Limit = 50, cursor: Cursor = None) -> object:
    """Keys by pages, without their secrets."""
    return auth.list_keys(session, limit=limit, cursor=cursor, by=by)
