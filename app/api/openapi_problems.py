"""The error answers of each operation in the OpenAPI document: only the statuses it can answer, each an RFC 9457
problem (`application/problem+json`, the Problem schema), so a generated client parses every error it can get.

The generic statuses follow from the operation's shape, as the middleware and dependencies answer them; the
specific ones (an unknown object, a state that refuses, storage) are what the services behind it raise
(see app/api/errors.py for the exception-to-status table), listed here by operation id.
"""

from __future__ import annotations

from typing import Any

from app.api.schemas import Problem

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

DESCRIPTIONS = {
    400: "the request cannot be read: a body that is not UTF-8, or a malformed header (If-Match)",
    401: "no valid API key",
    403: "the key's role may not do this",
    404: "not found, or not visible to this key",
    409: "the object's state does not allow this, or a request with this Idempotency-Key is under way",
    412: "If-Match names a stale version",
    413: "the request body is larger than the configured cap (CPQ_MAX_BODY_BYTES)",
    422: "invalid input, with the reasons",
    500: "an unexpected error, logged under this answer's Request-Id",
    503: "unavailable now; retry later",
}

#: Statuses no rule of `generic_statuses` gives: what the services raise besides a path parameter's 404.
SPECIFIC: dict[str, frozenset[int]] = {
    # A body or filter naming an account or a product that does not exist (or that a portal key cannot see).
    "create_quote": frozenset({404}),
    "create_price_book_entry": frozenset({404}),
    "create_discount_schedule": frozenset({404}),
    "list_quotes": frozenset({404}),
    "list_contracts": frozenset({404}),
}


def generic_statuses(path: str, method: str, operation: dict[str, Any], *, refuses_roles: bool) -> set[int]:
    """What the edge answers by the operation's shape: the key check on /v1 (and the role check where it refuses
    some role), the body cap and decoding, If-Match, input validation, a path's object (404), on a PATCH a refusing
    state or an external_id another object holds (409), and on a POST the Idempotency-Key (409 while in progress,
    422 when reused or malformed)."""
    statuses: set[int] = set()
    if path.startswith("/v1/"):
        statuses |= {401, 403} if refuses_roles else {401}
    headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
    if "requestBody" in operation:
        statuses |= {400, 413}
    if "if-match" in headers:
        statuses |= {400, 412}
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(422)
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        statuses.add(404)
    if method == "patch":
        statuses.add(409)
    if method == "post" and path.startswith("/v1/"):
        statuses |= {409, 422}
    return statuses


def add_problems(schema: dict[str, Any], *, refusing_roles: set[str]) -> None:
    """Every error status of every operation as a problem+json answer referencing the Problem schema."""
    components = schema["components"]["schemas"]
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 shape, never answered here
        components.pop(name, None)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if responses.get("422", {}).get("description") == "Validation Error":  # FastAPI's default
                del responses["422"]
            declared = {int(status) for status, answer in responses.items()
                        if int(status) >= 400 and PROBLEM in answer.get("content", {PROBLEM: {}})}
            operation_id = operation["operationId"]
            statuses = declared | SPECIFIC.get(operation_id, frozenset()) | generic_statuses(
                path, method, operation, refuses_roles=operation_id in refusing_roles)
            for status in sorted(statuses):
                responses[str(status)] = {
                    "description": responses.get(str(status), {}).get("description") or DESCRIPTIONS[status],
                    "content": {PROBLEM: {"schema": PROBLEM_REF}},
                }
            operation["responses"] = dict(sorted(responses.items()))
