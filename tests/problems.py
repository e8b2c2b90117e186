"""Checks of a refusal's body: a status alone would pass for the wrong reason just as well."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx


def assert_problem(
    response: httpx.Response, status: int, *, code: str | None = None, loc: Sequence[str | int] | None = None
) -> dict[str, Any]:
    """The RFC 9457 body of a refusal, checked: status, type/title/detail, its code and the field it points at.

    `loc` is compared as the API writes it: validation errors name `["body", "lines", "0", "quantity"]`,
    business rules `["lines", 0, "sku"]`.
    """
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"], problem
    assert problem["type"] == f"/problems/{problem['code']}", problem
    if code is not None:
        assert problem["code"] == code, problem
    if loc is not None:
        assert list(loc) in [error["loc"] for error in problem.get("errors") or []], problem
    return problem
