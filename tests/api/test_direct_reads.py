"""The hot reads (`GET` a contract or a quote, by id or number, and their lists) answer straight from the driver
(app.db.reads), and they and the invoice-line pages are written by orjson; they must answer exactly what the
reads in a session and the response models answer, on every state a history leaves: amendments, swaps,
scheduled decreases, renewals, uplifts, cancellations, reactivations."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from itertools import chain
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from app.api.contracts.schemas import ContractOut
from app.api.finance.schemas import InvoiceLinePageOut
from app.api.quotes.schemas import quote_json
from app.config import Settings
from app.db.models import Contract, Quote
from app.services import billing, contracts, quotes
from app.services.auth import OPERATOR
from app.services.demo import load_demo
from app.services.demo_history import play_history
from tests.builders import Keys, accepted_amendment, create_account, create_quote, finalize, signed_contract
from tests.conftest import TODAY
from tests.problems import assert_problem

#: Before the first sale, through the demo year and its renewals, after every term the demo signs has ended.
DAYS = [date(2025, 12, 31), *(date(2026 + m // 12, m % 12 + 1, 1) for m in range(0, 30, 2)), date(2027, 1, 14),
        date(2027, 1, 15), date(2028, 6, 1)]


@pytest.fixture
def history(client: TestClient, keys: Keys, session: Session, session_factory: sessionmaker[Session],
            settings: Settings) -> None:
    """The demo's scripted year, and a decrease agreed to apply at renewal (which the demo has not)."""
    assert load_demo(session, settings=settings, today=TODAY, quote_json=quote_json)
    play_history(session_factory, settings=settings, quote_json=quote_json)
    account = create_account(client, keys, name="Salle Pleyel")
    contract = signed_contract(client, keys, account_id=account["id"], mid_term_decrease="at_renewal")
    accepted_amendment(client, keys, contract["id"], "2026-04-01",
                       {"action": "remove_quantity", "sku": "TIX-PRO", "quantity": 5})


def _contract_in_session(factory: sessionmaker[Session], contract_id: uuid.UUID, as_of: date) -> dict[str, Any]:
    with factory() as session:
        view = contracts.get_contract(session, caller=OPERATOR, contract_id=contract_id, as_of=as_of)
    body: dict[str, Any] = ContractOut.model_validate(view).model_dump(mode="json")
    return body


def _quote_in_session(factory: sessionmaker[Session], quote_id: uuid.UUID) -> dict[str, Any]:
    with factory() as session:
        return quote_json(quotes.get_quote(session, caller=OPERATOR, quote_id=quote_id))


@pytest.mark.usefixtures("history")
def test_every_contract_on_every_day_and_every_quote_read_as_the_session_and_response_model_read_them(
    client: TestClient, keys: Keys, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        contract_rows = session.execute(select(Contract.id, Contract.number)).all()
        quote_rows = session.execute(select(Quote.id, Quote.number)).all()
    assert len(contract_rows) >= 5 and len(quote_rows) >= 10
    shown = set()
    for contract_id, number in contract_rows:
        for day in DAYS:
            expected = _contract_in_session(session_factory, contract_id, day)
            for path in (f"/v1/contracts/{contract_id}", f"/v1/contracts/by-number/{number}"):
                response = client.get(f"{path}?as_of={day}", headers=keys.headers("finance"))
                assert response.status_code == 200, response.text
                assert response.headers["content-type"] == "application/json"
                assert response.headers["etag"] == f'"{expected["version"]}"'
                assert response.json() == expected, (number, day)
            shown |= {name for name in ("segments", "scheduled_changes", "cancellation") if expected[name]}
    assert shown == {"segments", "scheduled_changes", "cancellation"}  # the history reaches every part of a read
    for quote_id, number in quote_rows:
        expected = _quote_in_session(session_factory, quote_id)
        for path in (f"/v1/quotes/{quote_id}", f"/v1/quotes/by-number/{number}"):
            response = client.get(path, headers=keys.headers("sales"))
            assert response.status_code == 200 and response.json() == expected, (number, response.text)
            assert response.headers["etag"] == f'"{expected["version"]}"'
    assert {body["type"] for body in (_quote_in_session(session_factory, q) for q, _ in quote_rows)} == {
        "new", "amendment", "renewal"}


def _walk(client: TestClient, keys: Keys, url: str, role: str = "finance") -> list[dict[str, Any]]:
    """Every item of a list, two by two through its cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(url + ("&" if "?" in url else "?") + "limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=keys.headers(role))
        assert page.status_code == 200, page.text
        items += page.json()["data"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


@pytest.mark.usefixtures("history")
def test_list_pages_hold_the_same_objects_as_the_single_reads_whatever_the_filters(
    client: TestClient, keys: Keys, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        contract_ids = [str(i) for i in session.scalars(select(Contract.id).order_by(Contract.id))]
        quote_ids = [str(i) for i in session.scalars(select(Quote.id).order_by(Quote.id))]
    for day in (date(2026, 8, 1), date(2027, 3, 1)):
        listed = _walk(client, keys, f"/v1/contracts?as_of={day}")
        assert [item["id"] for item in listed] == contract_ids
        assert listed == [_contract_in_session(session_factory, uuid.UUID(i), day) for i in contract_ids]
    quotes_listed = _walk(client, keys, "/v1/quotes", role="sales")
    assert [item["id"] for item in quotes_listed] == quote_ids
    assert quotes_listed == [_quote_in_session(session_factory, uuid.UUID(i)) for i in quote_ids]
    # One statement serves each combination of filters: different values of the same filters give their own rows.
    by_status = {status: [c["id"] for c in _walk(client, keys, f"/v1/contracts?status={status}&as_of=2027-03-01")]
                 for status in ("active", "expired", "cancelled")}
    assert sorted(chain.from_iterable(by_status.values())) == sorted(contract_ids)
    assert by_status["active"] and by_status["cancelled"]
    for quote_type in ("new", "amendment", "renewal"):
        typed = _walk(client, keys, f"/v1/quotes?type={quote_type}", role="sales")
        assert typed and {q["type"] for q in typed} == {quote_type}
        assert [q["id"] for q in typed] == [q["id"] for q in quotes_listed if q["type"] == quote_type]


@pytest.mark.usefixtures("history")
def test_invoice_line_pages_are_the_response_model_of_the_billing_pages(
    client: TestClient, keys: Keys, session_factory: sessionmaker[Session]
) -> None:
    """They are written by orjson from the service's page; the response model would write the same."""
    cursor, pages = None, 0
    while True:
        query = "from=2026-01-01&to=2028-01-01&limit=40" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(f"/v1/invoice-lines?{query}", headers=keys.headers("finance"))
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        with session_factory() as session:
            page = billing.invoice_line_page(session, start=date(2026, 1, 1), end=date(2028, 1, 1), contract_id=None,
                                             account_id=None, limit=40, cursor=cursor)
        assert response.json() == InvoiceLinePageOut.model_validate(page).model_dump(mode="json")
        pages += 1
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert pages > 2


def test_without_as_of_a_contract_is_read_on_the_day_the_api_runs(
    client: TestClient, keys: Keys, theatre: dict[str, Any], session_factory: sessionmaker[Session]
) -> None:
    contract = signed_contract(client, keys, account_id=theatre["id"])
    body = client.get(f"/v1/contracts/{contract['id']}", headers=keys.headers("sales")).json()
    assert body["as_of"] == TODAY.isoformat()
    assert body == _contract_in_session(session_factory, uuid.UUID(contract["id"]), TODAY)


def test_a_portal_key_reads_its_own_account_only_and_quotes_once_sent(
    client: TestClient, keys: Keys, theatre: dict[str, Any]
) -> None:
    contract = signed_contract(client, keys, account_id=theatre["id"])
    own, other = keys.portal(theatre["id"]), keys.portal(create_account(client, keys, name="Opéra de Lille")["id"])
    assert client.get(f"/v1/contracts/{contract['id']}", headers=own).json()["id"] == contract["id"]
    problem = assert_problem(client.get(f"/v1/contracts/{contract['id']}", headers=other), 404,
                             code="unknown_contract")
    assert contract["id"] in problem["detail"]
    assert_problem(client.get(f"/v1/contracts/by-number/{contract['number']}", headers=other), 404,
                   code="unknown_contract")
    draft = create_quote(client, keys, account_id=theatre["id"])
    for path in (f"/v1/quotes/{draft['id']}", f"/v1/quotes/by-number/{draft['number']}"):
        assert_problem(client.get(path, headers=own), 404, code="unknown_quote")
        assert client.get(path, headers=keys.headers("approver")).status_code == 200
    finalize(client, keys, draft["id"])
    assert client.get(f"/v1/quotes/{draft['id']}", headers=own).json()["status"] == "open"
    assert_problem(client.get(f"/v1/quotes/{draft['id']}", headers=other), 404, code="unknown_quote")


def test_a_key_revoked_is_refused_by_the_reads_that_check_it_in_their_own_statement(
    client: TestClient, keys: Keys, theatre: dict[str, Any]
) -> None:
    contract = signed_contract(client, keys, account_id=theatre["id"])
    created = client.post("/v1/api-keys", headers=keys.headers("admin"), json={"role": "finance"}).json()
    mine = {"Authorization": f"Bearer {created['key']}"}
    paths = [f"/v1/contracts/{contract['id']}", f"/v1/contracts/by-number/{contract['number']}",
             f"/v1/quotes/{contract['source_quote_id']}", "/v1/contracts", "/v1/quotes"]
    assert [client.get(path, headers=mine).status_code for path in paths] == [200] * 5
    assert client.delete(f"/v1/api-keys/{created['id']}", headers=keys.headers("admin")).status_code == 204
    for path in paths + [f"/v1/contracts/{uuid.uuid4()}"]:  # refused before anything is looked for
        problem = assert_problem(client.get(path, headers=mine), 401, code="unauthenticated")
        assert problem["detail"] == "this API key is unknown or revoked"


def test_refusals_name_what_is_wrong(client: TestClient, keys: Keys) -> None:
    unknown = uuid.uuid4()
    assert_problem(client.get(f"/v1/contracts/{unknown}", headers=keys.headers("sales")), 404,
                   code="unknown_contract")
    assert_problem(client.get(f"/v1/quotes/{unknown}", headers=keys.headers("sales")), 404, code="unknown_quote")
    assert_problem(client.get(f"/v1/contracts/{unknown}", headers=keys.headers("approver")), 403)
    assert_problem(client.get(f"/v1/contracts/{unknown}", headers=keys.headers("scheduler")), 403)
    assert_problem(client.get(f"/v1/contracts/{unknown}?as_of=2026-02-30", headers=keys.headers("sales")), 422,
                   loc=["query", "as_of"])
    assert_problem(client.get("/v1/quotes/not-a-uuid", headers=keys.headers("sales")), 422,
                   loc=["path", "quote_id"])
    assert_problem(client.get(f"/v1/quotes/{unknown}", headers={"Authorization": "Bearer cpq_nope"}), 401)
    assert_problem(client.get(f"/v1/quotes/{unknown}"), 401)


def test_reads_at_once_on_the_event_loop_all_answer_and_agree(
    app: FastAPI, client: TestClient, keys: Keys, theatre: dict[str, Any]
) -> None:
    """Many reads in flight together: on PostgreSQL each takes a connection of its own."""
    contract = signed_contract(client, keys, account_id=theatre["id"])
    paths = [f"/v1/contracts/{contract['id']}", f"/v1/quotes/{contract['source_quote_id']}"] * 20

    async def read_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cpq") as http:
            return await asyncio.gather(*(http.get(path, headers=keys.headers("sales")) for path in paths))

    answers = asyncio.run(read_all())
    assert [answer.status_code for answer in answers] == [200] * len(paths)
    assert len({answer.content for answer in answers}) == 2


def test_a_connection_the_server_closed_is_replaced_without_an_error(
    client: TestClient, keys: Keys, theatre: dict[str, Any], session: Session
) -> None:
    """PostgreSQL restarted, or a proxy dropped idle connections: the next read opens a new one."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite's reader holds a file, not a server connection")
    contract = signed_contract(client, keys, account_id=theatre["id"])
    path = f"/v1/contracts/{contract['id']}"
    before = client.get(path, headers=keys.headers("sales")).json()
    session.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                         "AND datname = current_database() AND application_name = ''"))
    session.commit()
    after = client.get(path, headers=keys.headers("sales"))
    assert after.status_code == 200 and after.json() == before
