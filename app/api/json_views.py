"""A view answered as JSON in one step: orjson writes the dataclass as the response model would (money as
strings, UTC instants with a Z), without building the pydantic model first; tests hold both to the same bytes'
meaning. The endpoint still names its response model, which OpenAPI publishes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from fastapi import Response


def view_json(view: Any) -> bytes:
    """`Decimal.__str__` is called for what orjson cannot write itself: a Decimal as its string, anything else a
    TypeError (no function of ours in between: a quote's read writes dozens of amounts)."""
    return orjson.dumps(view, default=Decimal.__str__, option=orjson.OPT_UTC_Z)


def view_response(view: Any) -> Response:
    """200 with the view as JSON and its version as the ETag, for If-Match."""
    return Response(view_json(view), media_type="application/json", headers={"ETag": f'"{view.version}"'})


def page_response(page: Any) -> Response:
    """200 with a page of views as JSON: `data`, `next_cursor` (and the page's other fields, such as `totals`)."""
    return Response(view_json(page), media_type="application/json")
