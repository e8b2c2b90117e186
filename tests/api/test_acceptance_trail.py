"""The acceptance trail over HTTP: what accepting records (signer, time, client IP, user agent, key, hash), who may
read it, X-Forwarded-For believed only from a trusted proxy, and a second acceptance leaving it as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from ipaddress import ip_network
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from tests.builders import Keys, create_account, create_quote, finalize, seed_catalog
from tests.problems import assert_problem

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SIGNER = {"signer_name": "Anne Martin", "signer_email": "anne@opera.example"}


@pytest.fixture
def from_customer(app: FastAPI) -> Iterator[TestClient]:
    """A client whose TCP peer address is a customer's (TestClient's default is the host name 'testclient')."""
    with TestClient(app, client=("203.0.113.9", 51000), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def behind_proxy(app: FastAPI, settings: Settings) -> Iterator[TestClient]:
    """A service behind a trusted load balancer (10.0.0.0/8), which is the TCP peer of every request."""
    app.state.settings = settings.model_copy(update={"trusted_proxies": (ip_network("10.0.0.0/8"),)})
    with TestClient(app, client=("10.1.2.3", 51000), raise_server_exceptions=False) as client:
        yield client


def _open_quote(client: TestClient, keys: Keys, session: Session, **account: Any) -> dict[str, Any]:
    seed_catalog(session)
    return finalize(client, keys, create_quote(client, keys, account_id=create_account(client, keys, **account)["id"])["id"])


def _accept(client: TestClient, headers: dict[str, str], quote: dict[str, Any], **extra: str) -> Any:
    return client.post(f"/v1/quotes/{quote['id']}/accept", headers={**headers, **extra},
                       json={**SIGNER, "document_sha256": quote["document_sha256"]})


def _trail(client: TestClient, headers: dict[str, str], quote: dict[str, Any]) -> Any:
    return client.get(f"/v1/quotes/{quote['id']}/acceptance", headers=headers)


def _key_id(client: TestClient, keys: Keys, role: str) -> str:
    listed = client.get("/v1/api-keys?limit=50", headers=keys.headers("admin")).json()["data"]
    return next(key["id"] for key in listed if key["role"] == role)


def test_accepting_records_the_whole_trail(from_customer: TestClient, keys: Keys, session: Session) -> None:
    quote = _open_quote(from_customer, keys, session)
    response = _accept(from_customer, keys.headers("sales"), quote, **{"User-Agent": BROWSER})
    assert response.status_code == 200, response.text
    trail = _trail(from_customer, keys.headers("finance"), quote)
    assert trail.status_code == 200, trail.text
    body = trail.json()
    assert datetime.fromisoformat(body.pop("accepted_at")).tzinfo is not None
    assert body == {**SIGNER, "client_ip": "203.0.113.9", "user_agent": BROWSER,
                    "document_sha256": quote["document_sha256"], "api_key_id": _key_id(from_customer, keys, "sales")}


def test_x_forwarded_for_is_ignored_by_default(from_customer: TestClient, keys: Keys, session: Session) -> None:
    quote = _open_quote(from_customer, keys, session)
    _accept(from_customer, keys.headers("sales"), quote, **{"X-Forwarded-For": "198.51.100.66"})
    assert _trail(from_customer, keys.headers("sales"), quote).json()["client_ip"] == "203.0.113.9"


def test_a_trusted_proxy_is_believed_for_the_hop_it_saw(behind_proxy: TestClient, keys: Keys,
                                                        session: Session) -> None:
    """The client wrote 192.0.2.1 itself; the proxies appended what they saw: the client, then the inner proxy."""
    quote = _open_quote(behind_proxy, keys, session)
    _accept(behind_proxy, keys.headers("sales"), quote, **{"X-Forwarded-For": "192.0.2.1, 198.51.100.66, 10.9.9.9"})
    assert _trail(behind_proxy, keys.headers("sales"), quote).json()["client_ip"] == "198.51.100.66"


def test_a_long_user_agent_is_cut_and_a_missing_one_is_null(from_customer: TestClient, keys: Keys,
                                                            session: Session) -> None:
    quote = _open_quote(from_customer, keys, session)
    _accept(from_customer, keys.headers("sales"), quote, **{"User-Agent": "x" * 2000})
    assert _trail(from_customer, keys.headers("sales"), quote).json()["user_agent"] == "x" * 500
    other = finalize(from_customer, keys, create_quote(from_customer, keys, account_id=quote["account_id"])["id"])
    _accept(from_customer, keys.headers("sales"), other, **{"User-Agent": ""})
    assert _trail(from_customer, keys.headers("sales"), other).json()["user_agent"] is None


def test_a_portal_key_reads_its_own_accounts_trail_only(from_customer: TestClient, keys: Keys,
                                                        session: Session) -> None:
    quote = _open_quote(from_customer, keys, session)
    own = keys.portal(quote["account_id"])
    assert _accept(from_customer, own, quote).status_code == 200
    trail = _trail(from_customer, own, quote)
    assert trail.status_code == 200 and trail.json()["signer_email"] == SIGNER["signer_email"]
    assert trail.json()["api_key_id"] != _key_id(from_customer, keys, "sales")
    stranger = keys.portal(create_account(from_customer, keys, name="Konzerthaus Nord")["id"])
    assert_problem(_trail(from_customer, stranger, quote), 404, code="unknown_quote")


def test_a_second_acceptance_is_refused_and_leaves_the_trail_unchanged(
    from_customer: TestClient, keys: Keys, session: Session
) -> None:
    quote = _open_quote(from_customer, keys, session)
    _accept(from_customer, keys.headers("sales"), quote, **{"User-Agent": BROWSER})
    before = _trail(from_customer, keys.headers("sales"), quote).json()
    again = _accept(from_customer, keys.portal(quote["account_id"]), quote, **{"User-Agent": "other/1.0"})
    assert_problem(again, 409, code="conflict")
    assert _trail(from_customer, keys.headers("sales"), quote).json() == before


def test_a_quote_not_accepted_has_no_trail(from_customer: TestClient, keys: Keys, session: Session) -> None:
    quote = _open_quote(from_customer, keys, session)
    problem = assert_problem(_trail(from_customer, keys.headers("sales"), quote), 404, code="not_accepted")
    assert "is open" in problem["detail"]
    unknown = {**quote, "id": "0190a0a0-0000-7000-8000-000000000000"}
    assert_problem(_trail(from_customer, keys.headers("sales"), unknown), 404, code="unknown_quote")


def test_the_trail_is_documented_in_the_openapi_schema(app: FastAPI) -> None:
    schema = app.openapi()
    operation = schema["paths"]["/v1/quotes/{quote_id}/acceptance"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "AcceptanceTrailOut")
    fields = schema["components"]["schemas"]["AcceptanceTrailOut"]["properties"]
    assert set(fields) == {"signer_name", "signer_email", "accepted_at", "client_ip", "user_agent",
                           "document_sha256", "api_key_id"}
    assert all(field.get("description") for field in fields.values())
    assert "null when not recorded" in fields["user_agent"]["description"]


def test_a_peer_that_is_not_a_trusted_proxy_cannot_forward_for_another(
    app: FastAPI, settings: Settings, from_customer: TestClient, keys: Keys, session: Session
) -> None:
    app.state.settings = settings.model_copy(update={"trusted_proxies": (ip_network("10.0.0.0/8"),)})
    quote = _open_quote(from_customer, keys, session)
    _accept(from_customer, keys.headers("sales"), quote, **{"X-Forwarded-For": "10.0.0.1"})
    assert _trail(from_customer, keys.headers("sales"), quote).json()["client_ip"] == "203.0.113.9"
