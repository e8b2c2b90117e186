"""The headers of the OpenAPI document that no endpoint signature shows: `Idempotency-Key` on every POST (read by
app/api/idempotency.py), and the response headers `Request-Id`, `ETag`, `X-Document-SHA256` and
`Idempotent-Replayed`, so generated clients and Schemathesis know them."""

from __future__ import annotations

from typing import Any

from app.services.idempotency import MAX_KEY_LENGTH

#: What `idempotency.begin` accepts: 1 to 255 characters (HTTP already strips surrounding spaces).
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Any unique value (a UUID): a retry with the same key and body gets the first answer again, "
                   "with `Idempotent-Replayed: true`, and the work is never done twice. Kept for "
                   "CPQ_IDEMPOTENCY_TTL_HOURS; another body under the same key is a 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}

HEADERS: dict[str, dict[str, Any]] = {
    "Request-Id": {"description": "This request's id (the client's own Request-Id when sane): quote it to support.",
                   "schema": {"type": "string"}},
    "ETag": {"description": 'The version of the object answered, e.g. "3": send it as If-Match to change it.',
             "schema": {"type": "string"}},
    "X-Document-SHA256": {"description": "The SHA-256 of the PDF, hex: the document_sha256 to accept it with.",
                          "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
    "Idempotent-Replayed": {"description": "Present on the stored answer replayed to a retry with the same "
                                           "Idempotency-Key.", "schema": {"type": "string", "enum": ["true"]}},
}
#: The schemas whose answers carry their version in ETag (app/api/quotes and contracts routers set it).
VERSIONED = {"#/components/schemas/QuoteOut", "#/components/schemas/ContractOut"}
DOCUMENT = "download_quote_document"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _answers_versioned(response: dict[str, Any]) -> bool:
    return any(media.get("schema", {}).get("$ref") in VERSIONED for media in response.get("content", {}).values())


def add_headers(schema: dict[str, Any]) -> None:
    """Declares the request and response headers above on the operations that take or answer them."""
    schema["components"]["headers"] = HEADERS
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method == "post" and path.startswith("/v1/"):
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            for status, response in operation["responses"].items():
                headers = response.setdefault("headers", {})
                headers["Request-Id"] = _ref("Request-Id")
                success = status.startswith("2")
                if success and _answers_versioned(response):
                    headers["ETag"] = _ref("ETag")
                if success and operation["operationId"] == DOCUMENT:
                    headers["X-Document-SHA256"] = _ref("X-Document-SHA256")
                if method == "post" and path.startswith("/v1/") and int(status) < 500:
                    headers["Idempotent-Replayed"] = _ref("Idempotent-Replayed")
