"""Who is on the other end of a request: the API key it sends, and as the acceptance trail records it, the client
address and user agent."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from fastapi import Request

#: A user agent is evidence, not a payload: longer ones are cut (real browsers send a few hundred characters).
USER_AGENT_MAX = 500


def bearer_token(header: str | None) -> str | None:
    """The key of `Authorization: Bearer <key>` (the scheme in any case), or None when there is none."""
    scheme, _, token = (header or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _trusted(address: str, proxies: Sequence[IPv4Network | IPv6Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def client_ip(request: Request, proxies: Sequence[IPv4Network | IPv6Network]) -> str | None:
    """The peer's address; behind trusted proxies, the nearest address in X-Forwarded-For that is not one of them.

    The header is read from the right, each hop added by the proxy before it: only hops a trusted proxy vouches
    for are believed, so a client writing its own X-Forwarded-For cannot choose what is recorded. An entry that
    is not an IP address stops the walk at the proxy that passed it on.
    """
    address = request.client.host if request.client else None
    if address is None or not proxies:
        return address
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    for hop in reversed(hops):
        if not _trusted(address, proxies):
            break
        try:
            address = str(ip_address(hop))
        except ValueError:
            break
    return address


def user_agent(request: Request) -> str | None:
    """The User-Agent header without control characters, cut to `USER_AGENT_MAX`; None when absent or empty."""
    value = "".join(char for char in request.headers.get("user-agent", "") if char.isprintable())
    return value[:USER_AGENT_MAX] or None
