"""If-Match parsed as RFC 9110 (§8.8.3, §13.1.1) defines it; the API's entity tags are its versions, `"3"`.

`*` matches any version of an object that exists. A list (`"3", "4"`) matches when one of its tags does.
Comparison is strong, as RFC 9110 requires for If-Match: the API only issues strong tags, so a weak one
(`W/"3"`) never matches, nor does a well-formed tag the API never issued (`"abc"`, `"03"`); both are a 412
once the object is found. A header that is not `*` nor a list of entity tags is a 400.
"""

from __future__ import annotations

import re

from app.domain.errors import DomainError

#: One list element and the comma after it: `[W/]"<etagc>*"`, etagc being %x21 / %x23-7E / obs-text
#: (Starlette decodes header bytes as latin-1, so obs-text arrives as U+0080–U+00FF).
_ELEMENT = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|\Z)')
#: How our versions are written in an ETag: ASCII digits without leading zeros, small enough to be an int.
_VERSION = re.compile(r"0|[1-9][0-9]{0,17}")


class MalformedIfMatch(DomainError):
    code = "malformed_if_match"
    title = "Malformed If-Match"


def versions_matching(header: str) -> frozenset[int] | None:
    """The versions an If-Match value admits (none for an empty list), or None for `*` (any version).

    Raises MalformedIfMatch when the value is neither `*` nor a comma-separated list of entity tags.
    """
    value = header.strip(" \t")
    if value == "*":
        return None
    versions: set[int] = set()
    position = 0
    while position < len(value):
        element = _ELEMENT.match(value, position)
        if element is None or element.end() == position:
            raise MalformedIfMatch(
                f"If-Match {header!r} is neither * nor a list of entity tags such as \"3\" (quoted, as ETag sends them)"
            )
        position = element.end()
        weak, opaque = element.group(1, 2)
        if opaque is not None and weak is None and _VERSION.fullmatch(opaque):
            versions.add(int(opaque))
    return frozenset(versions)
