"""Contract test: Schemathesis generates requests from /openapi.json; no 5xx, answers match the schema."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session

from tests.builders import Keys, seed_catalog


@schemathesis.pytest.from_fixture("api_schema").parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_no_server_error_and_documented_answers(case: schemathesis.Case, keys: Keys) -> None:
    case.call_and_validate(headers=keys.headers("admin"), checks=[not_a_server_error, response_schema_conformance])


@pytest.fixture
def api_schema(app: FastAPI, session: Session) -> schemathesis.BaseSchema:
    seed_catalog(session)
    return schemathesis.openapi.from_asgi("/openapi.json", app)
