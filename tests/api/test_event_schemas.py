"""Every event type has a payload schema in the OpenAPI document's `webhooks`, and a real event of each type,
made through the API, is a body that schema accepts, with exactly the fields it documents."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker

from app.domain.webhooks import EVENT_TYPES, SCHEMA_VERSION
from tests.builders import (
    Keys,
    accept,
    amend,
    create_quote,
    events,
    finalize,
    renewal_run,
    set_today,
    signed_contract,
)

UPLIFT_5 = {"auto_renew": True, "pricing": "uplift", "uplift_percent": "5", "lead_days": 60, "notice_days": 30}


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _body_schema(spec: dict[str, Any], event_type: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec["webhooks"][event_type]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return schema


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    resolved: dict[str, Any] = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return resolved


def _every_event_type(client: TestClient, keys: Keys, account_id: str) -> list[dict[str, Any]]:
    """One story that makes every type at least once: sales, an amendment, answers, renewals, an uplift, ends."""
    set_today(client, "2026-01-05")
    termed = signed_contract(client, keys, account_id=account_id, renewal=UPLIFT_5)
    accept(client, keys, finalize(client, keys, amend(client, keys, termed["id"], "2026-04-01", {
        "action": "add_quantity", "sku": "TIX-PRO", "quantity": 5})["id"]))
    signed_contract(client, keys, account_id=account_id)  # no auto-renew: it expires
    declined = finalize(client, keys, create_quote(client, keys, account_id=account_id)["id"])
    client.post(f"/v1/quotes/{declined['id']}/decline", headers=keys.headers("sales"), json={"reason": "no"})
    cancelled = create_quote(client, keys, account_id=account_id)
    client.post(f"/v1/quotes/{cancelled['id']}/cancel", headers=keys.headers("sales"))
    finalize(client, keys, create_quote(client, keys, account_id=account_id, valid_until="2026-01-31")["id"])
    signed_contract(client, keys, account_id=account_id, start_date="2026-01-01", term_months=None,
                    renewal=UPLIFT_5)  # evergreen: uplifted on its anniversary
    ending = signed_contract(client, keys, account_id=account_id, start_date="2026-01-01", term_months=None)
    response = client.post(f"/v1/contracts/{ending['id']}/cancel", headers=keys.headers("sales"),
                           json={"requested_on": "2026-06-20"})
    assert response.status_code == 200, response.text
    renewal_run(client, keys, "2027-01-15")
    return events(client, keys)


def test_every_event_type_has_a_documented_schema_with_its_version(spec: dict[str, Any]) -> None:
    assert set(spec["webhooks"]) == set(EVENT_TYPES)
    for event_type in EVENT_TYPES:
        body = _resolve(spec, _body_schema(spec, event_type))
        assert body["properties"]["type"]["const"] == event_type
        payload = _resolve(spec, _resolve(spec, body["properties"]["data"])["properties"]["payload"])
        assert payload["properties"]["schema_version"]["const"] == SCHEMA_VERSION
        assert "schema_version" in payload["required"]


def test_a_real_event_of_each_type_is_a_body_its_schema_accepts(
    client: TestClient, keys: Keys, theatre: dict[str, Any], spec: dict[str, Any]
) -> None:
    feed = _every_event_type(client, keys, theatre["id"])
    assert {e["type"] for e in feed} == set(EVENT_TYPES)
    for event in feed:
        schema = _body_schema(spec, event["type"])
        validator = Draft202012Validator({**schema, "components": spec["components"]}, format_checker=FormatChecker())
        body = {"type": event["type"], "timestamp": event["created_at"], "data": event}  # as the worker sends it
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert errors == [], (event["type"], errors)
        data = _resolve(spec, _resolve(spec, schema)["properties"]["data"])
        documented = _resolve(spec, data["properties"]["payload"])["properties"]
        assert set(event["payload"]) == set(documented), event["type"]  # no field left undocumented
