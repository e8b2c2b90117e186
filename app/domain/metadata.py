"""Metadata: the caller's own string key-value pairs on an object, with Stripe's limits and PATCH semantics."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.domain.errors import InvalidInput, Violation

MAX_KEYS = 50
MAX_KEY_LENGTH = 40
MAX_VALUE_LENGTH = 500
#: Any text but: square brackets (a key is sent as `metadata[key]` in a query); double quotes, backslashes and
#: control characters, which JSON escapes while SQLite's JSON paths compare a key with its stored text, escapes
#: and all, so no filter could find such a key; NUL, which PostgreSQL refuses besides.
KEY_PATTERN = r'^[^\[\]"\\\x00-\x1f]+$'
NO_METADATA: Mapping[str, str] = MappingProxyType({})


def merged(current: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    """The keys given are set; one given as "" or null is removed; the others stay. The result has at most
    MAX_KEYS keys: a PATCH that would pass it is refused whole, naming the first key past the limit (in the
    order the keys were first set)."""
    result = dict(current)
    for key, value in changes.items():
        if value:
            result[key] = value
        else:
            result.pop(key, None)
    if len(result) > MAX_KEYS:
        extra = list(result)[MAX_KEYS]
        reason = f"metadata may have at most {MAX_KEYS} keys; {extra!r} is one too many"
        raise InvalidInput(reason, [Violation(("body", "metadata", extra), reason)])
    return result
