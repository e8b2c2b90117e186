"""Idempotency-Key at the HTTP edge: the lookup runs after the route's role check, the response is stored after it.

`guard` is called by `require(...)` once the caller is authorized, so a replay is authenticated and authorized like
any request (a revoked key, another key or a lower role never gets a stored answer). `IdempotencyMiddleware`
stores the response of a request that `guard` let through, before sending it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from fastapi import FastAPI, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.logs import current_request_id
from app.db.base import utc_now
from app.services import idempotency
from app.services.auth import Caller

#: Response headers worth replaying; others (date, server, request-id) belong to the new response.
_REPLAYED_HEADERS = {b"content-type", b"etag", b"location", b"x-document-sha256"}
_STATE, _WITHHELD = "idempotency", "idempotency_withheld"


class Replayed(Exception):
    def __init__(self, response: idempotency.StoredResponse) -> None:
        super().__init__("replayed")
        self.response = response


async def guard(request: Request, session: Session, caller: Caller) -> None:
    """For a POST with an Idempotency-Key: answer with the stored response, or mark the key pending on `session`."""
    key = request.headers.get("idempotency-key")
    if request.method != "POST" or key is None or _STATE in request.scope.get("state", {}):
        return
    body = await request.body()
    request_hash = hashlib.sha256(
        request.url.path.encode() + b"?" + request.scope["query_string"] + b"\n" + body
    ).hexdigest()
    settings = request.app.state.settings
    outcome = await run_in_threadpool(
        idempotency.begin, session, caller=str(caller.key_id), key=key, request_hash=request_hash, now=utc_now(),
        ttl=timedelta(hours=settings.idempotency_ttl_hours), lease=timedelta(seconds=settings.idempotency_lease_seconds),
    )
    if isinstance(outcome, idempotency.StoredResponse):
        raise Replayed(outcome)
    session.info[idempotency.PENDING] = outcome
    setattr(request.state, _STATE, outcome)


def withhold(request: Request, *fields: str) -> None:
    """Name top-level JSON fields of this response that must never be stored (a secret shown once): a replay
    answers them as null, with `Idempotent-Withheld` naming them."""
    setattr(request.state, _WITHHELD, fields)


async def _replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replayed)
    stored = exc.response
    headers = dict(stored.headers)
    body = stored.body
    if headers.get("content-type") == "application/problem+json":
        body = _with_request_id(body)
    response = Response(body, status_code=stored.status_code, headers=headers)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def install(app: FastAPI) -> None:
    idempotency.install()
    app.add_exception_handler(Replayed, _replay)


class IdempotencyMiddleware:
    """Stores the response of a POST whose Idempotency-Key `guard` marked pending, then sends it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not any(
                name == b"idempotency-key" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []

        async def buffer(message: Message) -> None:
            messages.append(message)

        try:
            await self.app(scope, receive, buffer)
        except BaseException:
            await self._store(scope, [])
            raise
        await self._store(scope, messages)
        for message in messages:
            await send(message)

    async def _store(self, scope: Scope, messages: list[Message]) -> None:
        pending: idempotency.Pending | None = scope.get("state", {}).get(_STATE)
        if pending is None:
            return
        start = next((m for m in messages if m["type"] == "http.response.start"), {})
        status = start.get("status", 500)
        if status >= 500:
            # Work that did not commit left no record, so the client may retry. Work that committed keeps its
            # record without a response: a retry gets 409 (in progress, then response lost), never a second run.
            return
        with scope["app"].state.session_factory() as session:
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
            headers = [(k.decode(), v.decode()) for k, v in start.get("headers", []) if k in _REPLAYED_HEADERS]
            withheld = scope["state"].get(_WITHHELD, ())
            if withheld:
                body = _without(body, withheld)
                headers.append(("idempotent-withheld", ", ".join(withheld)))
            stored = idempotency.StoredResponse(status, headers, body)
            await run_in_threadpool(idempotency.complete, session, pending=pending, response=stored)


def _with_request_id(body: bytes) -> bytes:
    """A replayed problem names this request, as its Request-Id header does: support finds the replay's log lines."""
    document = json.loads(body)
    if isinstance(document, dict) and "request_id" in document:
        document["request_id"] = current_request_id()
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _without(body: bytes, fields: tuple[str, ...]) -> bytes:
    document = json.loads(body)
    if isinstance(document, dict):
        document.update(dict.fromkeys(set(fields) & document.keys()))
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
