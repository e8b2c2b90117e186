"""Request dependencies: the session, the caller and their role, today's date, If-Match, paging."""

from __future__ import annotations

import inspect
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import UTC, date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from pydantic import WithJsonSchema
from sqlalchemy.orm import Session

from app.api import idempotency
from app.api.client import bearer_token
from app.api.etags import versions_matching
from app.api.schemas import DIGITS_ONLY, NO_NUL, ExternalId, Timestamp
from app.config import Settings
from app.db.reads import Reads
from app.documents.storage import DocumentStorage
from app.domain import metadata
from app.domain.errors import InvalidInput, ViolationList
from app.domain.listing import Narrowing
from app.services import reads
from app.services.auth import Caller, admit, unauthenticated
from app.services.reads import KeyedRead

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


async def get_storage(request: Request) -> DocumentStorage:
    """Where finalized PDFs are kept; one per app, so tests can put a fake in `app.state.storage`."""
    storage: DocumentStorage = request.app.state.storage
    return storage


async def get_today() -> date:
    """The calendar date at the edge: the one place the API reads the clock (tests override it)."""
    return date.today()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[DocumentStorage, Depends(get_storage)]
Today = Annotated[date, Depends(get_today)]


async def today_of(app: FastAPI) -> date:
    """Today as the `Today` dependency gives it, for code that calls an endpoint itself (app.api.hot_reads):
    tests override `get_today`, with a sync or an async function."""
    given = app.dependency_overrides.get(get_today, get_today)()
    day: date = await given if inspect.isawaitable(given) else given
    return day


async def get_caller(request: Request) -> Caller:
    """The caller `AuthenticationMiddleware` found before the body was read, or for a request without a body the
    key's, looked up now (on the event loop, in a direct read)."""
    state = request.scope.setdefault("state", {})
    caller: Caller | None = state.get("caller")
    if caller is None:
        header = request.headers.get("authorization")
        token = bearer_token(header)
        caller = None if token is None else await reads.caller_of(request.app.state.reads, token)
        if caller is None:
            raise unauthenticated(header)
        state["caller"] = caller
    return caller


#: The roles besides admin each `require(...)` check admits: the OpenAPI document lists a 403 where some are not.
ADMITTED: dict[Callable[..., Any], frozenset[str]] = {}


def require(*roles: str) -> Callable[..., Coroutine[Any, Any, Caller]]:
    """A dependency admitting the given roles; admin may do everything."""

    async def check(request: Request, session: SessionDep, caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        admit(caller, roles)
        # Only now, authorized: a replayed answer must pass the same checks as the request that made it.
        await idempotency.guard(request, session, caller)
        return caller

    ADMITTED[check] = frozenset(roles)
    return check


@dataclass(frozen=True)
class DirectRead:
    """An authorized caller and the app's direct reads (app.db.reads) to answer them with."""

    reads: Reads
    caller: Caller


def allow(*roles: str) -> Callable[..., Coroutine[Any, Any, DirectRead]]:
    """`require` for the lists read directly: the same roles, without a session or an idempotency key."""

    async def check(request: Request, caller: Annotated[Caller, Depends(get_caller)]) -> DirectRead:
        admit(caller, roles)
        return DirectRead(request.app.state.reads, caller)

    ADMITTED[check] = frozenset(roles)
    return check


def keyed(*roles: str) -> Callable[..., Coroutine[Any, Any, KeyedRead]]:
    """For the single reads: the key sent, which the read's own statement looks up (one round trip for both),
    and the roles it must have. No key at all is a 401 at once."""

    async def check(request: Request) -> KeyedRead:
        header = request.headers.get("authorization")
        token = bearer_token(header)
        if token is None:
            raise unauthenticated(header)
        return KeyedRead(request.app.state.reads, token, roles)

    ADMITTED[check] = frozenset(roles)
    return check


#: RFC 9110: `*` or a comma-separated list of entity tags (the schema documents it; app.api.etags enforces it).
IF_MATCH_SCHEMA = WithJsonSchema({
    "type": "string",
    "pattern": r'^[ \t]*(\*|((W/)?"[!#-~\u0080-\u00ff]*")?([ \t]*,[ \t]*((W/)?"[!#-~\u0080-\u00ff]*")?)*)[ \t]*$',
    "description": 'the ETag of the version this change is made from, e.g. "3"; * for any version'})


async def if_match(
    if_match: Annotated[str | None, Header(alias="If-Match"), IF_MATCH_SCHEMA] = None,
) -> frozenset[int] | None:
    """The versions If-Match admits (`"3"`, `"3", "4"`), or None when it is absent or `*` (see app.api.etags)."""
    return None if if_match is None else versions_matching(if_match)


IfMatch = Annotated[frozenset[int] | None, Depends(if_match)]
Limit = Annotated[int, Query(ge=1, le=500, description="page size"), DIGITS_ONLY]
#: A cursor is the last id of a page (a UUID, base64url without padding): any such value is a valid position.
Cursor = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{22}$", description="next_cursor of the previous page")]

_METADATA_PARAMETER = re.compile(r"metadata\[(.*)\]", re.DOTALL)


async def metadata_filter(request: Request) -> dict[str, str]:
    """`?metadata[crm_id]=abc&metadata[region]=eu`: the objects holding every pair given. FastAPI reads no
    deepObject parameter, so this reads the query string; METADATA_QUERY documents it."""
    pairs: dict[str, str] = {}
    problems = ViolationList()
    for name, value in request.query_params.multi_items():
        if not name.startswith("metadata"):
            continue
        match = _METADATA_PARAMETER.fullmatch(name)
        key = match.group(1) if match else ""
        if not (match and 0 < len(key) <= metadata.MAX_KEY_LENGTH and re.fullmatch(metadata.KEY_PATTERN, key)):
            problems.add(("query", name), f"{name!r} is not metadata[key] with a key of 1 to {metadata.MAX_KEY_LENGTH} "
                                          "characters, without square brackets, quotes, backslashes or controls")
        elif len(value) > metadata.MAX_VALUE_LENGTH or "\x00" in value:
            problems.add(("query", name), f"a metadata value has at most {metadata.MAX_VALUE_LENGTH} characters")
        else:
            pairs[key] = value
    problems.raise_if_any(InvalidInput, "the metadata filter is ill-formed")
    return pairs


MetadataFilter = Annotated[dict[str, str], Depends(metadata_filter)]
#: `openapi_extra` of a list endpoint taking MetadataFilter: the parameter as a deepObject of strings.
METADATA_QUERY: dict[str, Any] = {"parameters": [{
    "name": "metadata", "in": "query", "required": False, "style": "deepObject", "explode": True,
    "description": "only objects whose metadata holds every pair given: metadata[crm_id]=abc",
    # No pairs: /docs' "Try it out" pre-fills this, instead of made-up pairs that would filter every object out.
    "example": {},
    "schema": {"type": "object", "maxProperties": metadata.MAX_KEYS,
               "propertyNames": {"minLength": 1, "maxLength": metadata.MAX_KEY_LENGTH, "pattern": metadata.KEY_PATTERN},
               "additionalProperties": {"type": "string", "maxLength": metadata.MAX_VALUE_LENGTH,
                                        "pattern": NO_NUL}},
}]}


async def listed(
    created_after: Annotated[Timestamp | None, Query(description="made strictly after this instant")] = None,
    created_before: Annotated[Timestamp | None, Query(description="made strictly before this instant")] = None,
) -> Narrowing:
    """What every list takes: when its objects were made (compared in UTC, as they are stored)."""
    return Narrowing(None if created_after is None else created_after.astimezone(UTC),
                     None if created_before is None else created_before.astimezone(UTC))


Listed = Annotated[Narrowing, Depends(listed)]


async def tagged(by: Listed, pairs: MetadataFilter) -> Narrowing:
    """What the lists of objects with metadata take: the creation window and metadata pairs."""
    return replace(by, metadata=pairs)


Tagged = Annotated[Narrowing, Depends(tagged)]


async def identified(
    by: Tagged, external_id: Annotated[ExternalId | None, Query(description="only the one with this external_id")]
    = None,
) -> Narrowing:
    """What the lists of objects with external ids take: a tagged list's filters and the external id."""
    return replace(by, external_id=external_id)


Identified = Annotated[Narrowing, Depends(identified)]

READ_ALL = ("sales", "approver", "finance", "scheduler", "portal")
AnyRole = Annotated[Caller, Depends(require(*READ_ALL))]
Admin = Annotated[Caller, Depends(require())]
Sales = Annotated[Caller, Depends(require("sales"))]
SalesOrPortal = Annotated[Caller, Depends(require("sales", "portal"))]
QUOTE_READERS = ("sales", "finance", "approver", "portal")
QuoteReading = Annotated[DirectRead, Depends(allow(*QUOTE_READERS))]
QuoteKeyed = Annotated[KeyedRead, Depends(keyed(*QUOTE_READERS))]
CONTRACT_READERS = ("sales", "finance", "portal")
ContractReader = Annotated[Caller, Depends(require(*CONTRACT_READERS))]
ContractReading = Annotated[DirectRead, Depends(allow(*CONTRACT_READERS))]
ContractKeyed = Annotated[KeyedRead, Depends(keyed(*CONTRACT_READERS))]
Approver = Annotated[Caller, Depends(require("approver"))]
Scheduler = Annotated[Caller, Depends(require("scheduler"))]
