"""Pure ASGI middleware: Idempotency-Key replay for POSTs, and Prometheus request metrics by route."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import domain_problem
from app.db.base import utc_now
from app.domain.errors import DomainError
from app.services import idempotency

REQUESTS = Counter("cpq_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("cpq_http_request_duration_seconds", "HTTP request latency", ["method", "route"])
#: Response headers worth replaying; others (date, server) belong to the new response.
_REPLAYED_HEADERS = {b"content-type", b"etag", b"location", b"x-document-sha256"}


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


class IdempotencyMiddleware:
    """Replays the stored response of a POST whose (caller, Idempotency-Key) was seen in the last 24 h."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        key, credential = headers.get(b"idempotency-key"), headers.get(b"authorization")
        if scope["type"] != "http" or scope["method"] != "POST" or key is None or credential is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        state = scope["app"].state
        request_hash = hashlib.sha256(scope["path"].encode() + b"?" + scope["query_string"] + b"\n" + body).hexdigest()
        try:
            with state.session_factory() as session:
                outcome = await run_in_threadpool(
                    idempotency.begin, session, caller=hashlib.sha256(credential).hexdigest(),
                    key=key.decode("latin-1"), request_hash=request_hash, now=utc_now(),
                    ttl=timedelta(hours=state.settings.idempotency_ttl_hours),
                )
        except DomainError as error:
            await domain_problem(error)(scope, receive, send)
            return
        if isinstance(outcome, idempotency.StoredResponse):
            replayed = [(k.encode(), v.encode()) for k, v in outcome.headers] + [(b"idempotent-replayed", b"true")]
            await send({"type": "http.response.start", "status": outcome.status_code, "headers": replayed})
            await send({"type": "http.response.body", "body": outcome.body})
            return
        await self._run_and_store(scope, body, send, outcome)

    async def _run_and_store(self, scope: Scope, body: bytes, send: Send, record_id: Any) -> None:
        start: Message = {}
        chunks: list[bytes] = []
        replay_done = False

        async def replay_receive() -> Message:
            nonlocal replay_done
            if replay_done:
                return {"type": "http.disconnect"}
            replay_done = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        state = scope["app"].state
        try:
            await self.app(scope, replay_receive, capture)
        finally:
            status = start.get("status", 500)
            with state.session_factory() as session:
                if status >= 500:
                    await run_in_threadpool(idempotency.abandon, session, record_id=record_id)
                else:
                    kept = [(k.decode(), v.decode()) for k, v in start.get("headers", []) if k in _REPLAYED_HEADERS]
                    stored = idempotency.StoredResponse(status, kept, b"".join(chunks))
                    await run_in_threadpool(idempotency.complete, session, record_id=record_id, response=stored)


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(parts)
