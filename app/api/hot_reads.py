"""`GET /v1/quotes/{id}` and `GET /v1/contracts/{id}`, the reads clients call most, handed to their endpoint
without FastAPI's routing and dependency solving.

Those cost a read about as much as the read itself: FastAPI matches the path route by route, then solves and
validates each dependency and parameter, for a request that has nothing to validate. This middleware takes only
the request that needs none of it: a GET of a canonical (lower-case, hyphenated) UUID, no query string, a bearer
key. It resolves the endpoint's dependencies as FastAPI would (the key and roles the read checks, today's date,
overrides included) and awaits the very endpoint function the route declares, so the answer is the route's.
Anything else (another form of id, `?as_of=`, no key) goes on to FastAPI, which validates and refuses as usual.
The routes stay declared, so OpenAPI publishes them and Schemathesis checks them; tests hold both ways to the
same answers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.client import bearer_token
from app.api.contracts.router import get_contract
from app.api.deps import CONTRACT_READERS, QUOTE_READERS, today_of
from app.api.errors import domain_problem
from app.api.first_routes import first
from app.api.middleware import header_value
from app.api.quotes.router import get_quote
from app.domain.errors import DomainError
from app.services.reads import KeyedRead

_PATH = re.compile(r"/v1/(quotes|contracts)/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


async def _quote(app: FastAPI, token: str, key: uuid.UUID) -> Response:
    return await get_quote(key, KeyedRead(app.state.reads, token, QUOTE_READERS))


async def _contract(app: FastAPI, token: str, key: uuid.UUID) -> Response:
    return await get_contract(key, KeyedRead(app.state.reads, token, CONTRACT_READERS), await today_of(app))


@dataclass(frozen=True)
class _Read:
    """The route a path's reads belong to (metrics label requests by it) and how its endpoint is called."""

    route: APIRoute
    answer: Callable[[FastAPI, str, uuid.UUID], Awaitable[Response]]


_ENDPOINTS: dict[str, tuple[Callable[..., Any], Callable[[FastAPI, str, uuid.UUID], Awaitable[Response]]]] = {
    "quotes": (get_quote, _quote),
    "contracts": (get_contract, _contract),
}


class HotReadsMiddleware:
    """Innermost of the app's middleware: the request id, metrics, body cap, authentication and idempotency
    around it apply as to any route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        routes = {route.endpoint: route for route in first.routes if isinstance(route, APIRoute)}
        #: The reads it answers, by the collection their path names, with their routes (declared on `first`).
        self.reads = {collection: _Read(routes[endpoint], answer)
                      for collection, (endpoint, answer) in _ENDPOINTS.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.fullmatch(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        token = None if match is None or scope["query_string"] else bearer_token(header_value(scope, b"authorization"))
        if match is None or token is None:
            await self.app(scope, receive, send)
            return
        read = self.reads[match[1]]
        scope["route"] = read.route
        try:
            response = await read.answer(scope["app"], token, uuid.UUID(match[2]))
        except DomainError as error:
            response = domain_problem(error)
        await response(scope, receive, send)
