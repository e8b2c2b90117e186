"""The OpenAPI document as clients generate code from it: operation ids that read as function names, the
bearer scheme (so /docs can authorize), tags that say what each group is for, each operation's problem answers
(app.api.openapi_problems), the headers it takes and answers (app.api.openapi_headers) and request examples
(app.api.openapi_examples)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from app.api.deps import ADMITTED, READ_ALL
from app.api.openapi_examples import add_examples
from app.api.openapi_headers import add_headers
from app.api.openapi_problems import add_problems

TAGS = [
    {"name": "catalog", "description": "Products, price book entries per currency, volume and term discounts."},
    {"name": "accounts", "description": "Customers, their legal details, and the prices negotiated with them."},
    {"name": "quotes", "description": "Quotes priced through the waterfall, approved, finalized as a PDF, signed."},
    {"name": "contracts", "description": "Live contracts as of any date, their versions, amendments, renewals."},
    {"name": "renewals", "description": "The scheduled, repeatable run of everything due as of a date."},
    {"name": "finance", "description": "Invoice lines, MRR and its movements, the contract events feed."},
    {"name": "webhooks", "description": "Endpoints that receive the events feed, signed per Standard Webhooks."},
    {"name": "api keys", "description": "Keys by role; a secret is shown once."},
    {"name": "system", "description": "Health and Prometheus metrics, without a key."},
]


def operation_id(route: APIRoute) -> str:
    """The endpoint function's name (`create_quote`, `list_invoice_lines`): what a generated client calls."""
    return route.name


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _refusing_roles(routes: Sequence[BaseRoute]) -> set[str]:
    """The operations whose role check refuses some role, so can answer 403 (reading the catalog refuses none).
    Routes of included routers are walked as `get_openapi` walks them."""
    every = frozenset(READ_ALL)
    endpoints = [context.original_route for context in routing.iter_route_contexts(routes)]
    return {operation_id(route) for route in endpoints if isinstance(route, APIRoute) and any(
        ADMITTED.get(call, every) < every for call in _calls(route.dependant))}


def install(app: FastAPI) -> None:
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes,
                                 webhooks=app.webhooks.routes, tags=TAGS)
            schema["components"].setdefault("securitySchemes", {})["bearer"] = {
                "type": "http", "scheme": "bearer", "bearerFormat": "cpq_…",
                "description": "An API key, as `cpq keys create --role R` or POST /v1/api-keys printed it.",
            }
            schema["security"] = [{"bearer": []}]
            for path, item in schema["paths"].items():
                if not path.startswith("/v1/"):  # as AuthenticationMiddleware: only /v1/ needs a key
                    for operation in item.values():
                        operation["security"] = []
            add_problems(schema, refusing_roles=_refusing_roles(app.routes))
            add_headers(schema)
            add_examples(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
