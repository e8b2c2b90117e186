"""Pure ASGI middleware, outermost first: the request id, request metrics by route, the body size cap, and
authentication.

The cap and authentication run before anything reads the request body: a hostile client can make the service
neither read a large body nor do any work (an idempotency record included) without a valid key.
"""

from __future__ import annotations

import base64
import functools
import random
import time

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.client import bearer_token
from app.api.errors import domain_problem, problem, unexpected_problem
from app.api.logs import REQUEST_ID
from app.services import reads
from app.services.auth import unauthenticated

REQUESTS = Counter("cpq_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("cpq_http_request_duration_seconds", "HTTP request latency", ["method", "route"])
#: Methods that carry no body: their route authenticates them (404 for an unknown path, else 401 there).
_BODILESS = {"GET", "HEAD", "OPTIONS"}
#: A client's own Request-Id is kept up to this length (longer, or not printable ASCII: a new one is made).
MAX_REQUEST_ID = 200


class RequestIdMiddleware:
    """Gives every request an id (the client's `Request-Id` when sane, else a new one), sets it for the logs and
    problem bodies while the request is handled, and sends it back in the `Request-Id` header of every answer.

    Outermost, so the refusals of the middleware inside it carry the id too. An unexpected error is answered here
    (500, logged with the id) rather than by Starlette's outer handler, which runs after the id is unset.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = sane_request_id(header_value(scope, b"request-id")) or new_request_id()
        header = (b"request-id", request_id.encode("latin-1"))
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                # Set, not appended: a replayed answer's stored headers never name the original request. (ASGI
                # header names are lower-case; a list rebuilt costs a quarter of a MutableHeaders assignment.)
                message["headers"] = [*(pair for pair in message.get("headers", ()) if pair[0] != b"request-id"),
                                      header]
            await send(message)

        token = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            if started:
                raise  # the answer is half sent: only the server can end it
            # Answered and logged once, here; not re-raised, or Starlette's handler and the server log it twice more.
            await unexpected_problem(scope["method"], scope["path"], error)(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


def sane_request_id(value: str | None) -> str | None:
    """The client's id when it can go into a header and a log line as is: printable ASCII, at most 200 chars."""
    if value and len(value) <= MAX_REQUEST_ID and value.isascii() and value.isprintable() and value.strip():
        return value
    return None


def new_request_id() -> str:
    """`req_` and 24 URL-safe characters (144 random bits). An id, not a secret: drawn from `random` (seeded from
    the OS, and again in a forked child), not from `secrets`, whose system call costs a read a few per cent."""
    return "req_" + base64.urlsafe_b64encode(random.randbytes(18)).decode()


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
            count, latency = _series(scope["method"], getattr(scope.get("route"), "path", "unmatched"), status)
            count.inc()
            latency.observe(time.perf_counter() - started)


@functools.lru_cache(maxsize=4096)
def _series(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    """The counter and histogram of a method, route and status, found once: `labels()` takes a lock and builds
    its key on every call. Bounded: routes are templates and methods and statuses few, but a client picks them."""
    return REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route)


class BodyLimitMiddleware:
    """Refuses a body over `max_bytes` with 413: at once when Content-Length says so, else as soon as the
    streamed (chunked) body passes the cap, without reading the rest."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header_value(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            await problem(413, "Content too large", self._detail(), "http_413")(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413, self._detail())
            return message

        await self.app(scope, limited, send)

    def _detail(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes"


class AuthenticationMiddleware:
    """Finds the caller of every /v1 request with a body before the body is read: no key, an unknown or a revoked
    one is a 401 here. Looked up on every request, so a revocation applies at once in every process, by a direct
    read awaited on the event loop (no thread). A request without a body (GET) is authenticated by its route
    (app.api.deps): the hot reads check the key in the statement that reads what they answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        if scope["method"] in _BODILESS:
            await self.app(scope, receive, send)
            return
        header = header_value(scope, b"authorization")
        token = bearer_token(header)
        caller = None if token is None else await reads.caller_of(scope["app"].state.reads, token)
        if caller is None:
            await domain_problem(unauthenticated(header))(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)


def header_value(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
