"""Webhook delivery rules: which URLs may receive events, which events an endpoint wants, when to try again."""

from __future__ import annotations

from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import urlsplit

from app.domain.errors import InvalidInput, Violation

#: Every event the feed carries. `*` subscribes an endpoint to all of them, those added later included.
EVENT_TYPES = (
    "contract.created",
    "contract.amended",
    "contract.renewed",
    "contract.uplifted",
    "contract.cancellation_requested",
    "contract.cancelled",
    "contract.expired",
    "renewal_quote.created",
    "quote.created",
    "quote.finalized",
    "quote.accepted",
    "quote.declined",
    "quote.cancelled",
    "quote.expired",
)
ALL_EVENTS = "*"
#: Every payload says which version of its type's schema it follows. Fields are added within a version; a change
#: that removes or renames one makes a new version of that type's schema.
SCHEMA_VERSION = 1

#: The first retry waits this long; each failure doubles the wait, up to RETRY_CAP.
FIRST_RETRY = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=4)
#: A delivery is retried this long after it was first due (or replayed), then marked failed.
RETRY_WINDOW = timedelta(hours=24)


def check_event_types(event_types: list[str]) -> None:
    """Refuse unknown or repeated names, so that a typo does not subscribe an endpoint to nothing."""
    violations = [Violation(("body", "event_types", index), f"{name!r} is not an event type")
                  for index, name in enumerate(event_types) if name != ALL_EVENTS and name not in EVENT_TYPES]
    if len(set(event_types)) != len(event_types):
        violations.append(Violation(("body", "event_types"), "an event type is listed twice"))
    if violations:
        raise InvalidInput(f"event_types: each must be {ALL_EVENTS!r} or one of {', '.join(EVENT_TYPES)}", violations)


def wants(event_types: list[str], event_type: str) -> bool:
    return ALL_EVENTS in event_types or event_type in event_types


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL's host, once the URL is one events may be posted to: http(s), a host, no credentials, and (unless
    allowed) not a loopback or private address, so an admin key cannot aim the worker at the internal network."""
    def refuse(reason: str) -> InvalidInput:
        return InvalidInput(f"url: {reason}", [Violation(("body", "url"), reason)])

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as error:
        raise refuse(f"not a URL ({error})") from None
    if parts.scheme not in ("http", "https"):
        raise refuse("must be an http or https URL")
    if not parts.hostname:
        raise refuse("must name a host")
    if parts.username is not None or parts.password is not None:
        raise refuse("must not carry credentials (the signature authenticates the sender)")
    if parts.fragment:
        raise refuse("must not have a fragment")
    host = parts.hostname
    if not allow_private:
        if host == "localhost" or host.endswith(".localhost"):
            raise refuse(f"{host} is this machine; loopback receivers need CPQ_WEBHOOK_ALLOW_PRIVATE_URLS")
        address = _address(host)
        if address is not None and not is_public(address):
            raise refuse(f"{host} is a loopback, private or reserved address; "
                         "such receivers need CPQ_WEBHOOK_ALLOW_PRIVATE_URLS")
    return host


def is_public(address: IPv4Address | IPv6Address) -> bool:
    """An address on the public internet: not loopback, private, link-local, multicast, reserved or unspecified."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def _address(host: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


def next_attempt(attempts: int, *, failed_at: datetime, deadline: datetime) -> datetime | None:
    """When to try again after the `attempts`-th failed attempt: 30 s, 1 min, 2 min… up to 4 h between tries;
    None once that would fall past the deadline, and the delivery is failed."""
    delay = min(FIRST_RETRY * 2 ** min(attempts - 1, 20), RETRY_CAP)
    at = failed_at + delay
    return None if at > deadline else at
