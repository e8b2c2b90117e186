"""Request dependencies: the session, the caller and their role, today's date, If-Match, paging."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.domain.errors import Forbidden, PreconditionFailed, Unauthenticated
from app.services import auth
from app.services.auth import Caller

# Dependencies that do no I/O are `async`: FastAPI runs a sync dependency in the threadpool, and each hop
# there costs more than the work. Database work stays in the (sync) endpoint and its service call.


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request; services open and commit its transactions, so closing it does no I/O."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_today() -> date:
    """The calendar date at the edge: the one place the API reads the clock (tests override it)."""
    return date.today()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Today = Annotated[date, Depends(get_today)]


async def get_caller(request: Request, session: SessionDep) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an API key as 'Authorization: Bearer <key>'")
    cache: CallerCache = request.app.state.caller_cache
    caller = cache.get(token.strip())
    if caller is None:
        caller = await run_in_threadpool(auth.authenticate, session, token.strip())
        if caller is None:
            raise Unauthenticated("this API key is unknown or revoked")
        cache.put(token.strip(), caller)
    request.state.caller = caller
    return caller


class CallerCache:
    """Recently authenticated keys, so most requests skip the key lookup; a revocation takes effect
    within `ttl_seconds`. Bounded: it is emptied when it reaches `size` entries."""

    def __init__(self, ttl_seconds: float = 30.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl_seconds, size
        self._entries: dict[str, tuple[Caller, float]] = {}

    def get(self, token: str) -> Caller | None:
        entry = self._entries.get(auth.hash_key(token))
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, token: str, caller: Caller) -> None:
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[auth.hash_key(token)] = (caller, time.monotonic() + self.ttl)


def require(*roles: str) -> Callable[[Caller], Coroutine[Any, Any, Caller]]:
    """A dependency admitting the given roles; admin may do everything."""

    async def check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        if caller.role != "admin" and caller.role not in roles:
            raise Forbidden(f"a {caller.role} key cannot do this; it needs one of: admin, {', '.join(roles)}")
        return caller

    return check


async def if_match(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The version named by If-Match (`"3"`, `W/"3"` or `3`), or None when absent."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed(f"If-Match {if_match!r} is not a version this API issued")
    return int(value)


IfMatch = Annotated[int | None, Depends(if_match)]
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
#: A cursor is the last id of a page (a UUID, base64url without padding): any such value is a valid position.
Cursor = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{22}$", description="next_cursor of the previous page")]

READ_ALL = ("sales", "approver", "finance", "scheduler", "portal")
AnyRole = Annotated[Caller, Depends(require(*READ_ALL))]
Admin = Annotated[Caller, Depends(require())]
Sales = Annotated[Caller, Depends(require("sales"))]
SalesReader = Annotated[Caller, Depends(require("sales", "finance", "approver"))]
SalesOrPortal = Annotated[Caller, Depends(require("sales", "portal"))]
QuoteReader = Annotated[Caller, Depends(require("sales", "finance", "approver", "portal"))]
ContractReader = Annotated[Caller, Depends(require("sales", "finance", "portal"))]
Approver = Annotated[Caller, Depends(require("approver"))]
