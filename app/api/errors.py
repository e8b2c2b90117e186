"""The one table from business errors to HTTP statuses, and the RFC 9457 problem+json handlers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.api.etags import MalformedIfMatch
from app.api.logs import current_request_id
from app.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IntegrityFailure,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    Unauthenticated,
    Unavailable,
)

logger = logging.getLogger("cpq.api")
PROBLEM = "application/problem+json"

#: Most specific class first is not needed: the exception's own MRO is walked in order.
STATUS_OF: dict[type[DomainError], int] = {
    MalformedIfMatch: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    InvalidInput: 422,
    IntegrityFailure: 500,
    Unavailable: 503,
    DomainError: 422,
}


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 422


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> JSONResponse:
    body = {"type": f"/problems/{code}", "title": title, "status": status, "detail": detail, "code": code, **extra,
            "request_id": current_request_id()}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def domain_problem(exc: DomainError) -> JSONResponse:
    extra: dict[str, Any] = {}
    if exc.violations:
        extra["errors"] = [{"loc": list(v.loc), "msg": v.msg} for v in exc.violations]
    return problem(status_of(exc), exc.title, exc.detail, exc.code, **extra)


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_problem(exc)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": [str(part) for part in error["loc"]], "msg": error["msg"]} for error in exc.errors()]
    detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
    return problem(422, "Invalid request", detail or "the request is not valid", "validation_error", errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {400: "Bad request", 404: "Not found", 405: "Method not allowed",
             413: "Content too large"}.get(exc.status_code, "HTTP error")
    response = problem(exc.status_code, title, str(exc.detail), f"http_{exc.status_code}")
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request))
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (RFC 9110 asks for them with a 405), not only the first's."""
    return [method for method in _METHODS if any(
        route.matches({**request.scope, "method": method})[0] == Match.FULL for route in request.app.router.routes)]


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def unexpected_problem(method: str, path: str, exc: BaseException) -> JSONResponse:
    """Logs the error and answers 500; called inside the request (by `RequestIdMiddleware`) so both carry its id."""
    logger.error("unexpected error on %s %s", method, path, exc_info=exc)
    return problem(500, "Internal error", "an unexpected error occurred; it has been logged", "internal_error")


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    return unexpected_problem(request.method, request.url.path, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
