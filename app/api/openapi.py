"""The OpenAPI document as clients generate code from it: operation ids that read as function names, the
bearer scheme (so /docs can authorize), and tags that say what each group is for."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

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


def install(app: FastAPI) -> None:
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes,
                                 tags=TAGS)
            schema["components"].setdefault("securitySchemes", {})["bearer"] = {
                "type": "http", "scheme": "bearer", "bearerFormat": "cpq_…",
                "description": "An API key, as `cpq keys create --role R` or POST /v1/api-keys printed it.",
            }
            schema["security"] = [{"bearer": []}]
            for path, item in schema["paths"].items():
                if not path.startswith("/v1/"):  # as AuthenticationMiddleware: only /v1/ needs a key
                    for operation in item.values():
                        operation["security"] = []
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
