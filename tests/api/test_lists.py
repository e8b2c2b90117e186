"""What every list takes alike: created_after/created_before, pages (a contract's versions too), and a 422 for a
filter value outside its fixed set."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.db.base import Base
from app.db.models import Account, ApiKey, ProductRow, Quote
from tests.builders import Keys, create_account, create_quote, signed_contract
from tests.problems import assert_problem

#: When the three objects of a test were made: a year nothing else in the database is made in.
MADE = [datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC), datetime(2030, 3, 1, tzinfo=UTC)]


@dataclass(frozen=True)
class Listing:
    """A list endpoint, the role that reads it, and how to make one of its objects (its id returned)."""

    url: str
    role: str
    model: type[Base]
    make: Callable[[TestClient, Keys, int], str]


def _account(client: TestClient, keys: Keys, _n: int) -> str:
    return str(create_account(client, keys)["id"])


def _product(client: TestClient, keys: Keys, n: int) -> str:
    response = client.post("/v1/products", headers=keys.headers("admin"),
                           json={"sku": f"LIST-{n}", "name": "Listed", "family": "list", "kind": "plan"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _quote(client: TestClient, keys: Keys, _n: int) -> str:
    return str(create_quote(client, keys, account_id=create_account(client, keys)["id"])["id"])


def _api_key(client: TestClient, keys: Keys, _n: int) -> str:
    response = client.post("/v1/api-keys", headers=keys.headers("admin"), json={"role": "sales"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


LISTINGS = [Listing("/v1/accounts", "sales", Account, _account), Listing("/v1/products", "admin", ProductRow, _product),
            Listing("/v1/quotes", "sales", Quote, _quote), Listing("/v1/api-keys", "admin", ApiKey, _api_key)]


@pytest.fixture(autouse=True)
def _catalog(theatre: dict[str, Any]) -> None:
    """The demo catalog (quotes are priced on it)."""


def _ids(client: TestClient, keys: Keys, listing: Listing, query: str) -> list[str]:
    response = client.get(f"{listing.url}?limit=500&{query}", headers=keys.headers(listing.role))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


@pytest.mark.parametrize("listing", LISTINGS, ids=[listing.url for listing in LISTINGS])
def test_created_after_and_before_are_strict_and_read_any_offset(
    client: TestClient, keys: Keys, session: Session, listing: Listing,
) -> None:
    made = [listing.make(client, keys, n) for n in range(3)]
    for object_id, when in zip(made, MADE, strict=True):
        column: Any = listing.model
        session.execute(update(listing.model).where(column.id == uuid.UUID(object_id)).values(created_at=when))
    session.commit()
    assert _ids(client, keys, listing, "created_after=2030-01-01T00:00:00Z") == made[1:]
    assert _ids(client, keys, listing, "created_before=2030-03-01T00:00:00Z&created_after=2029-12-31T23:59:59Z") \
        == made[:2]
    # 2030-01-01T01:00+01:00 is the first one's instant: strictly after it leaves the other two.
    assert _ids(client, keys, listing, "created_after=2030-01-01T01:00:00%2B01:00") == made[1:]
    assert _ids(client, keys, listing, "created_after=2030-01-15T00:00:00Z&created_before=2030-02-15T00:00:00Z") \
        == [made[1]]


@pytest.mark.parametrize("value", ["2030-01-01", "2030-01-01T00:00:00", "1893456000", "2030-01-01T00:00:00 01:00"])
def test_a_created_filter_without_an_offset_is_a_422(client: TestClient, keys: Keys, value: str) -> None:
    response = client.get(f"/v1/accounts?created_after={value}", headers=keys.headers("sales"))
    assert_problem(response, 422, code="validation_error", loc=["query", "created_after"])


def test_a_contracts_versions_come_by_pages(client: TestClient, keys: Keys, theatre: dict[str, Any]) -> None:
    contract = signed_contract(client, keys, account_id=theatre["id"])
    for notice_days in (10, 20):
        response = client.patch(f"/v1/contracts/{contract['id']}", headers=keys.headers("sales"),
                                json={"renewal": {"notice_days": notice_days}})
        assert response.status_code == 200, response.text
    url = f"/v1/contracts/{contract['id']}/versions"
    first = client.get(f"{url}?limit=2", headers=keys.headers("sales")).json()
    assert [v["version"] for v in first["data"]] == [1, 2] and first["next_cursor"]
    rest = client.get(f"{url}?limit=2&cursor={first['next_cursor']}", headers=keys.headers("sales")).json()
    assert [v["version"] for v in rest["data"]] == [3] and rest["next_cursor"] is None
    assert_problem(client.get(f"{url}?limit=0", headers=keys.headers("sales")), 422, loc=["query", "limit"])
    for foreign in ("0000000000000000000000", "AAAAAAAAAAAAAAAAAAAAgA", "_____________________w"):
        # cursors of the right shape the API never issued: past every version (INTEGER), not a server error
        page = client.get(f"{url}?cursor={foreign}", headers=keys.headers("sales"))
        assert page.status_code == 200 and page.json() == {"data": [], "next_cursor": None}, page.text


@pytest.mark.parametrize(("url", "role", "parameter"), [
    ("/v1/products?kind=bogus", "admin", "kind"),
    ("/v1/quotes?status=bogus", "sales", "status"),
    ("/v1/quotes?type=bogus", "sales", "type"),
    ("/v1/contracts?status=bogus", "sales", "status"),
    (f"/v1/webhook-endpoints/{uuid.uuid4()}/deliveries?status=bogus", "admin", "status"),
    ("/v1/price-book-entries?currency=ZZZ", "finance", "currency"),
    ("/v1/metrics/mrr?as_of=2026-01-01&group_by=bogus", "finance", "group_by"),
    ("/v1/metrics/movements?from=2026-01-01&to=2026-02-01&interval=week", "finance", "interval"),
])
def test_a_filter_value_outside_its_fixed_set_is_a_422_naming_the_parameter(
    client: TestClient, keys: Keys, url: str, role: str, parameter: str,
) -> None:
    problem = assert_problem(client.get(url, headers=keys.headers(role)), 422, loc=["query", parameter])
    assert parameter in problem["detail"]
