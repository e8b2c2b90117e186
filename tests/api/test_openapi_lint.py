"""The OpenAPI document as generators read it: valid OpenAPI, every operation named, described and secured, every
error a Problem under problem+json, the PDF binary, the headers declared, and money never a float."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from app.api.openapi_examples import RESPONSES
from tests.api.test_roles import ALL, ALLOWED
from tests.api.test_roles import PUBLIC as PUBLIC_ROUTES
from tests.builders import Keys

PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}
PUBLIC = {"/health", "/metrics"}


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _statuses(spec: dict[str, Any], operation_id: str) -> set[int]:
    (operation,) = [op for _, _, op in _operations(spec) if op["operationId"] == operation_id]
    return {int(status) for status in operation["responses"]}


def test_the_document_is_valid_openapi(spec: dict[str, Any]) -> None:
    validate(spec)


def test_every_operation_has_a_snake_case_id_a_description_and_security(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in _operations(spec)]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", i) for i in ids)
    undescribed = [op["operationId"] for _, _, op in _operations(spec) if not op.get("description")]
    assert undescribed == []
    for path, _, operation in _operations(spec):
        assert ("security" in operation and operation["security"] == []) == (path in PUBLIC)


def test_errors_are_problems_under_problem_json_only(spec: dict[str, Any]) -> None:
    assert {"type", "title", "status", "detail", "code"} <= set(spec["components"]["schemas"]["Problem"]["required"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, _, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if int(status) >= 400 and path != "/health":  # /health answers its own report with a 503
                assert response["content"].keys() == {"application/problem+json"}, (path, status)
                assert response["content"]["application/problem+json"]["schema"] == PROBLEM["schema"], (path, status)


def test_each_operation_lists_only_the_statuses_it_can_answer(spec: dict[str, Any]) -> None:
    assert _statuses(spec, "list_accounts") == {200, 401, 403, 422}
    assert _statuses(spec, "get_account") == {200, 401, 403, 404, 422}
    assert _statuses(spec, "create_account") == {201, 400, 401, 403, 409, 413, 422}
    assert _statuses(spec, "update_quote") == {200, 400, 401, 403, 404, 409, 412, 413, 422}
    assert _statuses(spec, "download_quote_document") == {200, 401, 403, 404, 422, 500, 503}
    assert _statuses(spec, "get_health") == {200, 503} and _statuses(spec, "get_metrics") == {200}


def test_a_problem_answer_matches_what_the_schema_says(client: TestClient, keys: Keys, spec: dict[str, Any]) -> None:
    response = client.get("/v1/accounts/0190a000-0000-7000-8000-000000000000", headers=keys.headers("sales"))
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert set(spec["components"]["schemas"]["Problem"]["required"]) <= response.json().keys()
    assert response.headers["request-id"] == response.json()["request_id"]


def test_the_document_is_a_binary_pdf_and_metrics_plain_text(spec: dict[str, Any]) -> None:
    answer = spec["paths"]["/v1/quotes/{quote_id}/document"]["get"]["responses"]["200"]
    assert answer["content"] == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    assert answer["headers"]["X-Document-SHA256"] == {"$ref": "#/components/headers/X-Document-SHA256"}
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert metrics.keys() == {"text/plain"} and metrics["text/plain"]["schema"] == {"type": "string"}


def test_idempotency_key_on_every_post_and_if_match_where_taken(spec: dict[str, Any]) -> None:
    for path, method, operation in _operations(spec):
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        assert ("Idempotency-Key" in headers) == (method == "post"), (method, path)
        if method == "post":
            assert headers["Idempotency-Key"]["schema"] == {"type": "string", "minLength": 1, "maxLength": 255}
            for status, response in operation["responses"].items():
                assert ("Idempotent-Replayed" in response["headers"]) == (int(status) < 500)
    patch = spec["paths"]["/v1/quotes/{quote_id}"]["patch"]
    (if_match,) = [p for p in patch["parameters"] if p["name"] == "If-Match"]
    assert if_match["in"] == "header" and not if_match["required"] and if_match["schema"]["pattern"]


def test_response_headers_are_declared(spec: dict[str, Any]) -> None:
    assert {"Request-Id", "ETag", "X-Document-SHA256", "Idempotent-Replayed"} <= spec["components"]["headers"].keys()
    for path, _, operation in _operations(spec):
        for response in operation["responses"].values():
            assert response["headers"]["Request-Id"] == {"$ref": "#/components/headers/Request-Id"}, path
    assert "ETag" in spec["paths"]["/v1/quotes/{quote_id}"]["get"]["responses"]["200"]["headers"]
    assert "ETag" in spec["paths"]["/v1/contracts/{contract_id}"]["get"]["responses"]["200"]["headers"]
    assert "ETag" not in spec["paths"]["/v1/quotes"]["get"]["responses"]["200"]["headers"]


def _money_fields(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, component in spec["components"]["schemas"].items():
        for field, schema in component.get("properties", {}).items():
            for option in schema.get("anyOf", [schema]):
                if option.get("format") == "decimal" or option.get("type") == "number":
                    yield f"{name}.{field}", option


def test_money_is_a_decimal_string_never_a_number(spec: dict[str, Any]) -> None:
    fields = dict(_money_fields(spec))
    assert {"ContractedPriceIn.unit_price", "TotalsOut.amount_due_now", "QuoteLineOut.net_unit_price"} <= fields.keys()
    for name, schema in fields.items():
        assert schema["type"] == "string" and schema["format"] == "decimal" and schema["pattern"], name


def test_every_post_and_patch_body_has_an_example_its_schema_accepts(spec: dict[str, Any]) -> None:
    for path, method, operation in _operations(spec):
        if "requestBody" in operation:
            body = operation["requestBody"]["content"]["application/json"]
            assert "example" in body, (method, path)
            Draft202012Validator({**body["schema"], "components": spec["components"]}).validate(body["example"])


def test_a_403_is_listed_exactly_where_the_authorization_table_refuses_a_role(spec: dict[str, Any]) -> None:
    for path, method, operation in _operations(spec):
        name = f"{method.upper()} {path}"
        if name not in PUBLIC_ROUTES:
            assert ("403" in operation["responses"]) == (ALLOWED[name] != ALL), name


def test_every_answer_with_a_body_has_an_example_its_schema_accepts(spec: dict[str, Any]) -> None:
    """Response examples are captured answers (scripts/capture_examples.py): after a schema change, one that no
    longer fits fails here until they are captured again."""
    shown = 0
    for path, method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                if not status.startswith("2") or media_type == "application/pdf":
                    continue
                assert "example" in content, (method, path, status, media_type)
                shown += 1
                if media_type == "application/json":
                    schema = {**content["schema"], "components": spec["components"]}
                    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
                        content["example"])
                else:
                    assert isinstance(content["example"], str) and content["example"].strip(), (path, media_type)
    assert shown >= 50


def test_response_examples_name_only_operations_that_exist(spec: dict[str, Any]) -> None:
    operations = {operation["operationId"] for _, _, operation in _operations(spec)}
    captured = json.loads(RESPONSES.read_text())
    assert captured["responses"].keys() <= operations


def test_every_problem_example_is_a_problem_of_its_status(spec: dict[str, Any]) -> None:
    problem = {**spec["components"]["schemas"]["Problem"], "components": spec["components"]}
    shown = set()
    for _, _, operation in _operations(spec):
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get("application/problem+json")
            if content and "example" in content:
                Draft202012Validator(problem).validate(content["example"])
                assert content["example"]["status"] == int(status)
                shown.add(status)
    assert shown == {"400", "401", "403", "404", "409", "412", "413", "422"}
