"""The webhook rules on their own: the retry schedule, which addresses count as public, event type matching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from ipaddress import ip_address

import pytest

from app.domain import webhooks as rules
from app.domain.errors import InvalidInput

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def test_retries_double_from_30_seconds_up_to_4_hours_and_stop_at_the_deadline() -> None:
    deadline = T0 + rules.RETRY_WINDOW
    at, schedule = T0, []
    for attempts in range(1, 100):
        following = rules.next_attempt(attempts, failed_at=at, deadline=deadline)
        if following is None:
            break
        schedule.append(following - at)
        at = following
    assert schedule[:4] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(schedule) == timedelta(hours=4) and schedule == sorted(schedule)
    assert at <= deadline < at + timedelta(hours=4)
    assert rules.next_attempt(10_000, failed_at=T0, deadline=deadline) == T0 + timedelta(hours=4)  # no overflow


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.215.14", True), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
    ("127.0.0.1", False), ("10.0.0.1", False), ("172.16.5.4", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("::1", False), ("fe80::1", False), ("fc00::1", False), ("::ffff:10.0.0.1", False), ("::ffff:93.184.215.14", True),
])
def test_only_global_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert rules.is_public(ip_address(address)) is public


def test_private_urls_pass_where_the_operator_allows_them() -> None:
    assert rules.check_url("http://127.0.0.1:9000/hooks", allow_private=True) == "127.0.0.1"
    with pytest.raises(InvalidInput):
        rules.check_url("http://127.0.0.1:9000/hooks", allow_private=False)
    with pytest.raises(InvalidInput):  # the scheme rule holds either way
        rules.check_url("file:///etc/passwd", allow_private=True)


def test_an_endpoint_wants_the_types_it_named_or_all_with_a_star() -> None:
    assert rules.wants(["contract.amended"], "contract.amended")
    assert not rules.wants(["contract.amended"], "contract.created")
    assert all(rules.wants(["*"], name) for name in rules.EVENT_TYPES)
