"""Request-Id: on every answer (refusals of the outer middleware included), in every problem body and every log
line written while the request is handled, taken from the client when sane, fresh on an idempotent replay."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from app.api.logs import JsonFormatter, RequestIdFilter, configure_logging
from app.api.middleware import new_request_id
from app.config import Settings
from tests.builders import Keys
from tests.problems import assert_problem

ACCOUNT = {"name": "Konzerthaus Nord", "currency": "EUR", "locale": "de", "billing_email": "b@example.org"}
GENERATED = re.compile(r"req_[A-Za-z0-9_-]{24}")


@pytest.fixture
def test_app(app: FastAPI) -> FastAPI:
    """The app with two routes of its own: one that logs, one that fails unexpectedly."""

    @app.get("/test/log")
    def log_something() -> dict[str, str]:  # a sync route: run in a thread, as most of the API's are
        logging.getLogger("cpq.test").warning("something worth a line")
        return {"ok": "yes"}

    @app.get("/test/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    return app


@pytest.fixture
def test_client(test_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(test_app, raise_server_exceptions=False) as client:
        yield client


def _generated(response: Response) -> str:
    request_id = response.headers["request-id"]
    assert GENERATED.fullmatch(request_id), request_id
    return request_id


def _problem_names_its_id(response: Response, status: int, code: str) -> None:
    problem = assert_problem(response, status, code=code)
    assert problem["request_id"] == _generated(response)


class TestEveryAnswerHasOne:
    def test_a_success(self, client: TestClient, keys: Keys) -> None:
        response = client.get("/v1/accounts", headers=keys.headers("sales"))
        assert response.status_code == 200
        _generated(response)

    def test_a_401_of_the_authentication_middleware(self, client: TestClient) -> None:
        _problem_names_its_id(client.post("/v1/accounts", json=ACCOUNT), 401, "unauthenticated")

    def test_a_403(self, client: TestClient, keys: Keys) -> None:
        _problem_names_its_id(client.post("/v1/accounts", headers=keys.headers("finance"), json=ACCOUNT), 403,
                              "forbidden")

    def test_a_404_of_an_unknown_path(self, client: TestClient) -> None:
        _problem_names_its_id(client.get("/nowhere"), 404, "http_404")

    def test_a_413_of_the_body_cap(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        body = b"x" * (settings.max_body_bytes + 1)
        response = client.post("/v1/accounts", headers=keys.headers("sales"), content=body)
        _problem_names_its_id(response, 413, "http_413")

    def test_a_422(self, client: TestClient, keys: Keys) -> None:
        response = client.post("/v1/accounts", headers=keys.headers("sales"), json={"name": ""})
        _problem_names_its_id(response, 422, "validation_error")

    def test_a_500_is_answered_and_logged_with_its_id(
        self, test_client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.ERROR, logger="cpq.api"):
            response = test_client.get("/test/boom")
        _problem_names_its_id(response, 500, "internal_error")
        logged = [r for r in caplog.records if r.name == "cpq.api"]
        assert len(logged) == 1 and logged[0].request_id == response.headers["request-id"]  # type: ignore[attr-defined]
        assert logged[0].exc_info is not None

    def test_two_requests_get_two_ids(self, client: TestClient) -> None:
        assert _generated(client.get("/nowhere")) != _generated(client.get("/nowhere"))

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
    def test_a_forked_worker_draws_other_ids_than_its_parent(self) -> None:
        """Ids come from `random`, which a forked child reseeds: two workers forked from one process (a server's
        pre-fork model) never hand out the same sequence."""
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child, which reports through the pipe and exits
            os.write(write, " ".join(new_request_id() for _ in range(3)).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            drawn_in_child = pipe.read().split()
        os.waitpid(child, 0)
        drawn_here = [new_request_id() for _ in range(3)]
        assert len(drawn_in_child) == 3 and all(GENERATED.fullmatch(value) for value in drawn_in_child + drawn_here)
        assert not set(drawn_in_child) & set(drawn_here)


class TestTheClientsId:
    def test_a_sane_one_is_echoed_in_the_header_and_the_problem(self, client: TestClient) -> None:
        response = client.post("/v1/accounts", headers={"Request-Id": "trace-42/abc:1"}, json=ACCOUNT)
        assert response.headers["request-id"] == "trace-42/abc:1"
        assert response.json()["request_id"] == "trace-42/abc:1"

    def test_one_of_200_characters_is_kept(self, client: TestClient) -> None:
        assert client.get("/nowhere", headers={"Request-Id": "a" * 200}).headers["request-id"] == "a" * 200

    @pytest.mark.parametrize("insane", ["a" * 201, "caf\u00e9", "tab\there"])
    def test_an_insane_one_is_replaced(self, client: TestClient, insane: str) -> None:
        response = client.get("/nowhere", headers={"Request-Id": insane.encode("latin-1")})
        assert _generated(response) == response.json()["request_id"]


class TestLogLines:
    def test_a_line_logged_while_handling_carries_the_id(
        self, test_client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="cpq"):
            response = test_client.get("/test/log", headers={"Request-Id": "from-the-client"})
        assert response.status_code == 200 and response.headers["request-id"] == "from-the-client"
        [record] = [r for r in caplog.records if r.name == "cpq.test"]
        assert record.request_id == "from-the-client"  # type: ignore[attr-defined]

    def test_text_lines_name_the_id(self, test_client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
        test_client.get("/test/log", headers={"Request-Id": "text-1"})
        line = [line for line in capsys.readouterr().err.splitlines() if "something worth a line" in line]
        assert len(line) == 1 and " WARNING cpq.test [text-1] something worth a line" in line[0], line

    def test_json_lines_parse_and_name_the_id(
        self, test_app: FastAPI, settings: Settings, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configure_logging(settings.model_copy(update={"log_format": "json"}))
        try:
            with TestClient(test_app, raise_server_exceptions=False) as client:
                client.get("/test/log", headers={"Request-Id": "json-1"})
                client.get("/test/boom", headers={"Request-Id": "json-2"})
            logging.getLogger("cpq.test").info("outside any request")
        finally:
            configure_logging(settings)
        entries = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        by_message = {entry["message"]: entry for entry in entries}
        logged = by_message["something worth a line"]
        assert logged["request_id"] == "json-1" and logged["level"] == "WARNING" and logged["logger"] == "cpq.test"
        assert logged["time"] and "exc_info" not in logged
        failed = by_message["unexpected error on GET /test/boom"]
        assert failed["request_id"] == "json-2" and "RuntimeError: boom" in failed["exc_info"]
        assert by_message["outside any request"]["request_id"] == "-"

    def test_create_app_twice_installs_one_handler(self, settings: Settings) -> None:
        configure_logging(settings)
        configure_logging(settings)
        handlers = logging.getLogger("cpq").handlers
        assert sum(any(isinstance(f, RequestIdFilter) for f in h.filters) for h in handlers) == 1

    def test_the_json_formatter_without_a_filter(self) -> None:
        record = logging.LogRecord("cpq.x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
        assert json.loads(JsonFormatter().format(record))["message"] == "hello you"


class TestIdempotentReplays:
    def test_a_replay_carries_the_new_requests_id(self, client: TestClient, keys: Keys) -> None:
        headers = keys.headers("sales", **{"Idempotency-Key": "k-rid"})
        first = client.post("/v1/accounts", headers={**headers, "Request-Id": "first"}, json=ACCOUNT)
        again = client.post("/v1/accounts", headers={**headers, "Request-Id": "second"}, json=ACCOUNT)
        fresh = client.post("/v1/accounts", headers=headers, json=ACCOUNT)
        assert first.status_code == 201 and first.headers["request-id"] == "first"
        assert again.headers["idempotent-replayed"] == "true" and again.headers.get_list("request-id") == ["second"]
        assert again.json() == first.json()
        assert fresh.headers["idempotent-replayed"] == "true" and _generated(fresh)

    def test_a_replayed_problem_names_the_new_request(self, client: TestClient, keys: Keys) -> None:
        headers = keys.headers("sales", **{"Idempotency-Key": "k-bad"})
        body = {**ACCOUNT, "currency": "XXX"}
        first = client.post("/v1/accounts", headers={**headers, "Request-Id": "first"}, json=body)
        again = client.post("/v1/accounts", headers={**headers, "Request-Id": "second"}, json=body)
        assert first.status_code == again.status_code and first.status_code in (409, 422)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["request_id"] == "second" and again.headers["request-id"] == "second"
        assert {**again.json(), "request_id": "first"} == first.json()
