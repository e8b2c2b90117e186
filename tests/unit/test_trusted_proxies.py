"""CPQ_TRUSTED_PROXIES as an operator writes it: comma-separated addresses and CIDRs, none by default."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_no_proxy_is_trusted_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPQ_TRUSTED_PROXIES", raising=False)
    assert Settings().trusted_proxies == ()


def test_addresses_and_networks_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPQ_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,fd00::/8")
    assert Settings().trusted_proxies == (ip_network("10.0.0.0/8"), ip_network("192.0.2.7/32"), ip_network("fd00::/8"))


def test_a_value_that_is_no_address_is_refused_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPQ_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings()
