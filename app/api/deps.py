"""Request dependencies: the session, the caller and their role, today's date, If-Match, paging."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session

from app.config import Settings
from app.domain.errors import Forbidden, PreconditionFailed, Unauthenticated
from app.services import auth
from app.services.auth import Caller


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_today() -> date:
    """The calendar date at the edge: the one place the API reads the clock (tests override it)."""
    return date.today()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Today = Annotated[date, Depends(get_today)]


def get_caller(request: Request, session: SessionDep) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an API key as 'Authorization: Bearer <key>'")
    caller = auth.authenticate(session, token.strip())
    if caller is None:
        raise Unauthenticated("this API key is unknown or revoked")
    request.state.caller = caller
    return caller


def require(*roles: str) -> Callable[[Caller], Caller]:
    """A dependency admitting the given roles; admin may do everything."""

    def check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        if caller.role != "admin" and caller.role not in roles:
            raise Forbidden(f"a {caller.role} key cannot do this; it needs one of: admin, {', '.join(roles)}")
        return caller

    return check


def if_match(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The version named by If-Match (`"3"`, `W/"3"` or `3`), or None when absent."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed(f"If-Match {if_match!r} is not a version this API issued")
    return int(value)


IfMatch = Annotated[int | None, Depends(if_match)]
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Cursor = Annotated[str | None, Query(max_length=64, description="next_cursor of the previous page")]

READ_ALL = ("sales", "approver", "finance", "scheduler", "portal")
AnyRole = Annotated[Caller, Depends(require(*READ_ALL))]
Admin = Annotated[Caller, Depends(require())]
AdminOrFinance = Annotated[Caller, Depends(require("finance"))]
Sales = Annotated[Caller, Depends(require("sales"))]
SalesReader = Annotated[Caller, Depends(require("sales", "finance", "approver"))]
SalesOrPortal = Annotated[Caller, Depends(require("sales", "portal"))]
QuoteReader = Annotated[Caller, Depends(require("sales", "finance", "approver", "portal"))]
ContractReader = Annotated[Caller, Depends(require("sales", "finance", "portal"))]
Approver = Annotated[Caller, Depends(require("approver"))]
