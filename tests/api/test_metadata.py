"""Metadata on accounts, products, quotes and contracts, and external ids on accounts and contracts (Stripe's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from app.services import own_fields
from tests.builders import Keys, accept, create_account, create_quote, finalize, signed_contract
from tests.problems import assert_problem

PRODUCT = {"sku": "META-1", "name": "Meta plan", "family": "meta", "kind": "plan"}


@dataclass(frozen=True)
class Kind:
    """How to make one object of a kind with some metadata, and where it is read, patched and listed."""

    name: str
    collection: str
    role: str
    make: Callable[[TestClient, Keys, dict[str, str]], dict[str, Any]]
    key: str = "id"

    def url(self, made: dict[str, Any]) -> str:
        return f"{self.collection}/{made[self.key]}"


def _account(client: TestClient, keys: Keys, metadata: dict[str, str]) -> dict[str, Any]:
    return create_account(client, keys, metadata=metadata)


def _product(client: TestClient, keys: Keys, metadata: dict[str, str]) -> dict[str, Any]:
    sku = f"META-{len(client.get('/v1/products?limit=500', headers=keys.headers('admin')).json()['data'])}"
    response = client.post("/v1/products", headers=keys.headers("admin"), json={**PRODUCT, "sku": sku,
                                                                                  "metadata": metadata})
    assert response.status_code == 201, response.text
    return response.json()


def _quote(client: TestClient, keys: Keys, metadata: dict[str, str]) -> dict[str, Any]:
    return create_quote(client, keys, account_id=create_account(client, keys)["id"], metadata=metadata)


def _contract(client: TestClient, keys: Keys, metadata: dict[str, str]) -> dict[str, Any]:
    return signed_contract(client, keys, account_id=create_account(client, keys)["id"], metadata=metadata)


ACCOUNTS = Kind("account", "/v1/accounts", "sales", _account)
CONTRACTS = Kind("contract", "/v1/contracts", "sales", _contract)
QUOTES = Kind("quote", "/v1/quotes", "sales", _quote)
KINDS = [ACCOUNTS, Kind("product", "/v1/products", "admin", _product, key="sku"), QUOTES, CONTRACTS]
IDS = [kind.name for kind in KINDS]


@pytest.fixture(autouse=True)
def _catalog(theatre: dict[str, Any]) -> None:
    """The demo catalog (quotes and contracts are priced on it)."""


def _read(client: TestClient, keys: Keys, kind: Kind, made: dict[str, Any]) -> dict[str, Any]:
    response = client.get(kind.url(made), headers=keys.headers(kind.role))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _patch(client: TestClient, keys: Keys, kind: Kind, made: dict[str, Any], **body: Any) -> Any:
    return client.patch(kind.url(made), headers=keys.headers(kind.role), json=body)


def _listed(client: TestClient, keys: Keys, kind: Kind, query: str) -> list[Any]:
    response = client.get(f"{kind.collection}?limit=500&{query}", headers=keys.headers(kind.role))
    assert response.status_code == 200, response.text
    return [item[kind.key] for item in response.json()["data"]]


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_metadata_set_on_create_is_answered_by_every_read(client: TestClient, keys: Keys, kind: Kind) -> None:
    made = kind.make(client, keys, {"crm_id": "abc", "region": "eu", "dropped": ""})
    assert made["metadata"] == {"crm_id": "abc", "region": "eu"}
    assert _read(client, keys, kind, made)["metadata"] == {"crm_id": "abc", "region": "eu"}
    listed = client.get(f"{kind.collection}?limit=500", headers=keys.headers(kind.role)).json()["data"]
    assert [item["metadata"] for item in listed if item[kind.key] == made[kind.key]] == [made["metadata"]]


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_a_patch_merges_keys_in_and_removes_those_given_empty_or_null(
    client: TestClient, keys: Keys, kind: Kind,
) -> None:
    made = kind.make(client, keys, {"a": "1", "b": "2", "c": "3"})
    response = _patch(client, keys, kind, made, metadata={"a": "one", "b": "", "c": None, "d": "4"})
    assert response.status_code == 200, response.text
    assert response.json()["metadata"] == {"a": "one", "d": "4"}
    assert _read(client, keys, kind, made)["metadata"] == {"a": "one", "d": "4"}


@pytest.mark.parametrize(("metadata", "loc"), [
    ({"k" * 41: "v"}, ["body", "metadata", "k" * 41, "[key]"]),
    ({"ok": "v" * 501}, ["body", "metadata", "ok"]),
    ({"a[b]": "v"}, ["body", "metadata", "a[b]", "[key]"]),
    ({"": "v"}, ["body", "metadata", "", "[key]"]),
    ({'say "hi"': "v"}, ["body", "metadata", 'say "hi"', "[key]"]),
    ({"a\\b": "v"}, ["body", "metadata", "a\\b", "[key]"]),
    ({"a\nb": "v"}, ["body", "metadata", "a\nb", "[key]"]),
], ids=["key too long", "value too long", "brackets in a key", "empty key", "double quotes in a key",
        "backslash in a key", "newline in a key"])
@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_metadata_past_a_limit_is_a_422_naming_the_key_and_changes_nothing(
    client: TestClient, keys: Keys, kind: Kind, metadata: dict[str, str], loc: list[str],
) -> None:
    made = kind.make(client, keys, {"kept": "yes"})
    before = _read(client, keys, kind, made)
    assert_problem(_patch(client, keys, kind, made, metadata=metadata), 422, code="validation_error", loc=loc)
    assert _read(client, keys, kind, made) == before


def test_the_fifty_first_key_is_refused_on_create_and_on_a_merge(client: TestClient, keys: Keys) -> None:
    fifty = {f"k{i}": "v" for i in range(50)}
    count = len(client.get("/v1/accounts?limit=500", headers=keys.headers("sales")).json()["data"])
    response = client.post("/v1/accounts", headers=keys.headers("sales"), json={
        "name": "Too many", "currency": "EUR", "billing_email": "a@example.org", "metadata": {**fifty, "k50": "v"}})
    problem = assert_problem(response, 422, code="validation_error", loc=["body", "metadata"])
    assert "'k50'" in problem["detail"]
    assert len(client.get("/v1/accounts?limit=500", headers=keys.headers("sales")).json()["data"]) == count

    account = create_account(client, keys, metadata=fifty)
    problem = assert_problem(_patch(client, keys, ACCOUNTS, account, metadata={"k0": "", "new1": "x", "new2": "y"}),
                             422, code="invalid_input")
    assert problem["errors"][0]["loc"] == ["body", "metadata", "new2"], problem
    assert _read(client, keys, ACCOUNTS, account)["metadata"] == fifty
    swapped = _patch(client, keys, ACCOUNTS, account, metadata={"k0": "", "new1": "x"})
    assert swapped.status_code == 200 and len(swapped.json()["metadata"]) == 50, swapped.text


def test_null_metadata_as_a_whole_is_refused(client: TestClient, keys: Keys) -> None:
    account = create_account(client, keys, metadata={"kept": "yes"})
    assert_problem(_patch(client, keys, ACCOUNTS, account, metadata=None), 422, loc=["body", "metadata"])
    assert _read(client, keys, ACCOUNTS, account)["metadata"] == {"kept": "yes"}


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_lists_filter_on_metadata_pairs_all_of_them(client: TestClient, keys: Keys, kind: Kind) -> None:
    both = kind.make(client, keys, {"crm_id": "abc", "region": "eu"})
    one = kind.make(client, keys, {"crm_id": "abc", "region": "us"})
    kind.make(client, keys, {})
    assert set(_listed(client, keys, kind, "metadata[crm_id]=abc")) == {both[kind.key], one[kind.key]}
    assert _listed(client, keys, kind, "metadata[crm_id]=abc&metadata[region]=eu") == [both[kind.key]]
    assert _listed(client, keys, kind, "metadata[crm_id]=nope") == []


def test_a_metadata_filter_reads_keys_with_dots_spaces_and_symbols(client: TestClient, keys: Keys) -> None:
    odd = create_account(client, keys, metadata={"a.b c'd é$*": "x'y"})
    create_account(client, keys, metadata={"a": "x'y"})
    assert _listed(client, keys, ACCOUNTS, "metadata[a.b%20c%27d%20%C3%A9%24*]=x%27y") == [odd["id"]]


@pytest.mark.parametrize("query", ["metadata[]=x", "metadata=x", "metadata[a[b]]=x", f"metadata[{'k' * 41}]=x",
                                   "metadata[%22]=x",
                                   "metadata[k]=" + "v" * 501])
def test_an_ill_formed_metadata_filter_is_a_422(client: TestClient, keys: Keys, query: str) -> None:
    response = client.get(f"/v1/accounts?{query}", headers=keys.headers("sales"))
    assert_problem(response, 422, code="invalid_input", loc=["query", unquote(query.split("=")[0])])


def test_a_new_business_quotes_metadata_is_copied_to_its_contract_and_amendments_leave_it(
    client: TestClient, keys: Keys,
) -> None:
    contract = _contract(client, keys, {"deal": "D-1"})
    assert contract["metadata"] == {"deal": "D-1"}
    amendment = client.post(f"/v1/contracts/{contract['id']}/amendments", headers=keys.headers("sales"), json={
        "effective_date": "2026-03-01", "changes": [{"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5}]})
    assert amendment.status_code == 201, amendment.text
    patched = client.patch(f"/v1/quotes/{amendment.json()['id']}", headers=keys.headers("sales"),
                           json={"metadata": {"deal": "D-2"}})
    assert patched.status_code == 200 and patched.json()["metadata"] == {"deal": "D-2"}, patched.text
    accepted = accept(client, keys, finalize(client, keys, patched.json()["id"]))
    assert accepted["contract"]["metadata"] == {"deal": "D-1"}


def test_a_contract_metadata_patch_makes_no_version(client: TestClient, keys: Keys) -> None:
    contract = _contract(client, keys, {})
    response = _patch(client, keys, CONTRACTS, contract, metadata={"a": "1"})
    assert response.status_code == 200 and response.json()["version"] == contract["version"], response.text


def test_a_quotes_metadata_alone_changes_in_any_status_and_is_no_edit(client: TestClient, keys: Keys) -> None:
    sent = finalize(client, keys, _quote(client, keys, {"deal": "D-1"})["id"])
    url = f"/v1/quotes/{sent['id']}"
    response = client.patch(url, headers=keys.headers("sales"), json={"metadata": {"opportunity": "006-42"}})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["metadata"] == {"deal": "D-1", "opportunity": "006-42"}
    unchanged = ("status", "version", "document_sha256", "totals", "lines")
    assert {k: patched[k] for k in unchanged} == {k: sent[k] for k in unchanged}
    assert response.headers["etag"] == f'"{sent["version"]}"'

    refused = client.patch(url, headers=keys.headers("sales"), json={"metadata": {"deal": "D-2"}, "valid_until": None})
    assert_problem(refused, 409)
    assert _read(client, keys, QUOTES, sent)["metadata"] == patched["metadata"]
    signed = accept(client, keys, sent)
    assert signed["contract"]["metadata"] == {"deal": "D-1", "opportunity": "006-42"}
    later = client.patch(url, headers=keys.headers("sales"), json={"metadata": {"deal": ""}})
    assert later.status_code == 200 and later.json()["metadata"] == {"opportunity": "006-42"}, later.text
    assert later.json()["status"] == "accepted"


@pytest.mark.parametrize("kind", [ACCOUNTS, CONTRACTS], ids=["account", "contract"])
def test_an_external_id_is_unique_and_filters_its_list(client: TestClient, keys: Keys, kind: Kind) -> None:
    holder, other = kind.make(client, keys, {}), kind.make(client, keys, {})
    assert holder["external_id"] is None
    response = _patch(client, keys, kind, holder, external_id="crm-00042")
    assert response.status_code == 200 and response.json()["external_id"] == "crm-00042", response.text
    before = _read(client, keys, kind, other)
    problem = assert_problem(_patch(client, keys, kind, other, external_id="crm-00042", metadata={"a": "1"}), 409,
                             code="external_id_taken", loc=["body", "external_id"])
    assert str(holder["id"]) in problem["detail"] and kind.name in problem["detail"]
    assert _read(client, keys, kind, other) == before
    assert _listed(client, keys, kind, "external_id=crm-00042") == [holder["id"]]
    again = _patch(client, keys, kind, holder, external_id="crm-00042")
    assert again.status_code == 200, again.text
    cleared = _patch(client, keys, kind, holder, external_id=None)
    assert cleared.status_code == 200 and cleared.json()["external_id"] is None, cleared.text
    assert _listed(client, keys, kind, "external_id=crm-00042") == []


def test_an_account_is_created_with_an_external_id_once(client: TestClient, keys: Keys) -> None:
    first = create_account(client, keys, external_id="erp:7")
    assert first["external_id"] == "erp:7"
    count = len(client.get("/v1/accounts?limit=500", headers=keys.headers("sales")).json()["data"])
    response = client.post("/v1/accounts", headers=keys.headers("sales"), json={
        "name": "Twin", "currency": "EUR", "billing_email": "a@example.org", "external_id": "erp:7"})
    assert_problem(response, 409, code="external_id_taken")
    assert len(client.get("/v1/accounts?limit=500", headers=keys.headers("sales")).json()["data"]) == count


@pytest.mark.parametrize("value", ["has space", "x" * 101, "", "tab\there", "é"])
def test_an_ill_formed_external_id_is_a_422(client: TestClient, keys: Keys, value: str) -> None:
    account = create_account(client, keys)
    assert_problem(_patch(client, keys, ACCOUNTS, account, external_id=value), 422, loc=["body", "external_id"])
    assert _read(client, keys, ACCOUNTS, account)["external_id"] is None


@pytest.mark.parametrize("kind", [ACCOUNTS, CONTRACTS], ids=["account", "contract"])
def test_an_external_id_taken_between_the_check_and_the_write_is_the_same_409(
    client: TestClient, keys: Keys, kind: Kind, monkeypatch: pytest.MonkeyPatch,
) -> None:
    holder, other = kind.make(client, keys, {}), kind.make(client, keys, {})
    assert _patch(client, keys, kind, holder, external_id="raced").status_code == 200
    before = _read(client, keys, kind, other)
    looked_up = own_fields.holder_of_external_id
    calls: list[str] = []

    def first_sees_it_free(session: Any, model: Any, external_id: str) -> Any:
        """As if the check ran before the holder's transaction committed."""
        calls.append(external_id)
        return None if len(calls) == 1 else looked_up(session, model, external_id)

    monkeypatch.setattr(own_fields, "holder_of_external_id", first_sees_it_free)
    problem = assert_problem(_patch(client, keys, kind, other, external_id="raced", metadata={"a": "1"}), 409,
                             code="external_id_taken")
    assert str(holder["id"]) in problem["detail"] and len(calls) == 2
    monkeypatch.undo()
    assert _read(client, keys, kind, other) == before
