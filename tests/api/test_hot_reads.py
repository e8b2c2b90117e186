"""`GET /v1/quotes/{id}` and `/v1/contracts/{id}` are handed to their endpoints by `HotReadsMiddleware`, past
FastAPI's routing and dependencies: every request must get the answer FastAPI's route gives, byte for byte, and
only the requests with nothing to validate may take that way."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.api import hot_reads
from app.api.deps import get_today, today_of
from app.config import Settings
from tests.builders import Keys, create_account, create_quote, finalize, signed_contract
from tests.conftest import TODAY

#: Same id, so the two answers can be compared byte for byte.
REQUEST_ID = {"Request-Id": "req_hot_reads_test"}


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The collections of the requests the middleware answered (set before the apps are made)."""
    seen: list[str] = []
    for collection, (endpoint, answer) in list(hot_reads._ENDPOINTS.items()):
        monkeypatch.setitem(hot_reads._ENDPOINTS, collection, (endpoint, _counted(answer, collection, seen)))
    return seen


def _counted(answer: Callable[..., Awaitable[Response]], collection: str,
             seen: list[str]) -> Callable[..., Awaitable[Response]]:
    async def counted(*args: Any) -> Response:
        seen.append(collection)
        return await answer(*args)
    return counted


@pytest.fixture
def routed(taken: list[str], settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The same app without the middleware: FastAPI routes every read."""
    from app.main import create_app

    app = create_app(settings)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not hot_reads.HotReadsMiddleware]
    app.state.session_factory = session_factory
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    asyncio.run(app.state.reads.close())


@pytest.fixture
def hot(taken: list[str], client: TestClient) -> TestClient:
    """The app as served, made once `taken` counts (a test names it before anything that makes the app)."""
    return client


def test_every_request_gets_the_routes_answer_and_only_plain_ones_skip_the_routing(
    hot: TestClient, routed: TestClient, taken: list[str], keys: Keys, theatre: dict[str, Any]
) -> None:
    contract = signed_contract(hot, keys, account_id=theatre["id"])
    draft = create_quote(hot, keys, account_id=theatre["id"])
    sent = finalize(hot, keys, create_quote(hot, keys, account_id=theatre["id"])["id"])
    other = create_account(hot, keys, name="Opéra de Lille")
    revoked = hot.post("/v1/api-keys", headers=keys.headers("admin"), json={"role": "finance"}).json()
    assert hot.delete(f"/v1/api-keys/{revoked['id']}", headers=keys.headers("admin")).status_code == 204
    callers = {
        **{role: keys.headers(role) for role in ("sales", "finance", "approver", "scheduler", "admin")},
        "portal": keys.portal(theatre["id"]), "other portal": keys.portal(other["id"]),
        "revoked": {"Authorization": f"Bearer {revoked['key']}"}, "unknown": {"Authorization": "Bearer cpq_nope"},
        "empty bearer": {"Authorization": "Bearer "}, "basic": {"Authorization": "Basic c2FsZXM6eA=="},
        "lower-case scheme": {"Authorization": keys.headers("sales")["Authorization"].replace("Bearer", "bearer")},
        "none": {},
    }
    plain = [f"/v1/contracts/{contract['id']}", f"/v1/quotes/{draft['id']}", f"/v1/quotes/{sent['id']}",
             f"/v1/quotes/{contract['source_quote_id']}", f"/v1/contracts/{uuid.uuid4()}", f"/v1/quotes/{uuid.uuid4()}"]
    validated = [f"/v1/contracts/{contract['id']}?as_of=2026-06-01", f"/v1/contracts/{contract['id']}?as_of=x",
                 f"/v1/contracts/{contract['id'].upper()}", f"/v1/quotes/{draft['id'].replace('-', '')}",
                 f"/v1/quotes/{draft['id']}/", f"/v1/quotes/{{{draft['id']}}}", "/v1/quotes/not-a-uuid",
                 f"/v1/contracts/by-number/{contract['number']}", f"/v1/quotes/{draft['id']}?expand=lines"]
    statuses = set()
    for path in plain + validated:
        for name, headers in callers.items():
            before = len(taken)
            answer, expected = (client.get(path, headers={**headers, **REQUEST_ID}, follow_redirects=False)
                                for client in (hot, routed))
            assert (answer.status_code, answer.headers, answer.content) == (
                expected.status_code, expected.headers, expected.content), (path, name)
            statuses.add(answer.status_code)
            skipped = len(taken) > before
            assert skipped == (path in plain and name not in ("none", "empty bearer", "basic")), (path, name)
    assert statuses >= {200, 307, 401, 403, 404, 422}
    for method in ("HEAD", "POST", "DELETE"):  # only a GET is taken
        before = len(taken)
        answer, expected = (client.request(method, plain[0], headers={**keys.headers("sales"), **REQUEST_ID})
                            for client in (hot, routed))
        assert (answer.status_code, answer.headers, answer.content) == (
            expected.status_code, expected.headers, expected.content), method
        assert len(taken) == before


def test_a_read_it_answers_is_counted_under_its_route(hot: TestClient, taken: list[str], keys: Keys,
                                                      theatre: dict[str, Any]) -> None:
    contract = signed_contract(hot, keys, account_id=theatre["id"])
    assert hot.get(f"/v1/contracts/{contract['id']}", headers=keys.headers("finance")).status_code == 200
    assert hot.get(f"/v1/quotes/{uuid.uuid4()}", headers=keys.headers("finance")).status_code == 404
    assert taken == ["contracts", "quotes"]
    metrics = hot.get("/metrics").text
    assert re.search(r'cpq_http_requests_total\{method="GET",route="/v1/contracts/\{contract_id\}",status="200"\} '
                     r'[1-9]', metrics)
    assert re.search(r'cpq_http_requests_total\{method="GET",route="/v1/quotes/\{quote_id\}",status="404"\} [1-9]',
                     metrics)


def test_a_contract_is_read_on_the_day_the_today_dependency_gives(
    hot: TestClient, app: FastAPI, taken: list[str], keys: Keys, theatre: dict[str, Any]
) -> None:
    contract = signed_contract(hot, keys, account_id=theatre["id"])

    async def later() -> date:
        return date(2026, 7, 1)

    for override, day in ((lambda: date(2026, 3, 1), date(2026, 3, 1)), (later, date(2026, 7, 1))):
        app.dependency_overrides[get_today] = override
        assert asyncio.run(today_of(app)) == day
        body = hot.get(f"/v1/contracts/{contract['id']}", headers=keys.headers("sales")).json()
        assert body["as_of"] == day.isoformat()
    assert taken == ["contracts", "contracts"]
