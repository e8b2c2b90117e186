"""SIGKILL in the middle of an idempotent request (a real uvicorn process on SQLite), then the client retries."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db.migrate import upgrade
from app.main import create_app
from bench.common import UvicornServer, admin_token

ACCOUNT = {"name": "Konzerthaus Nord", "currency": "EUR", "locale": "de", "billing_email": "b@example.org"}


def _killed_mid_request(tmp_path: Path, step: str) -> tuple[Settings, dict[str, str]]:
    """Serve the blocking app, send one POST with an Idempotency-Key, SIGKILL the server where `step` says."""
    url = f"sqlite:///{tmp_path / 'cpq.db'}"
    upgrade(url)
    headers = {"Authorization": f"Bearer {admin_token(url)}", "Idempotency-Key": "crash-1"}
    blocked = tmp_path / "blocked"
    env = {"CPQ_DATABASE_URL": url, "CPQ_PDF_WORKERS": "0", "CPQ_DOCUMENTS_DIR": str(tmp_path / "docs"),
           "CPQ_TEST_BLOCK": step, "CPQ_TEST_BLOCKED": str(blocked)}
    with UvicornServer("tests.api.blocking_app:create_app", env=env) as server:
        request = threading.Thread(target=_post_and_lose_the_answer, args=(server.base_url, headers))
        request.start()
        deadline = time.monotonic() + 30
        while not blocked.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert blocked.exists(), server.log()
        os.kill(server.pid, signal.SIGKILL)
        assert server.process is not None and server.process.wait(timeout=10) == -signal.SIGKILL
        request.join(timeout=10)
    return Settings(database_url=url, documents_dir=tmp_path / "docs", pdf_workers=0), headers


def _post_and_lose_the_answer(base_url: str, headers: dict[str, str]) -> None:
    with pytest.raises(httpx.HTTPError):  # the server dies before it answers
        httpx.post(f"{base_url}/v1/accounts", headers=headers, json=ACCOUNT, timeout=30)


def test_a_request_killed_before_its_commit_leaves_no_key_and_its_retry_runs(tmp_path: Path) -> None:
    settings, headers = _killed_mid_request(tmp_path, "work")
    with TestClient(create_app(settings)) as client:
        retried = client.post("/v1/accounts", headers=headers, json=ACCOUNT)
        again = client.post("/v1/accounts", headers=headers, json=ACCOUNT)
        listed = client.get("/v1/accounts", headers={"Authorization": headers["Authorization"]}).json()["data"]
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert again.headers["idempotent-replayed"] == "true" and again.json() == retried.json()
    assert [a["id"] for a in listed] == [retried.json()["id"]]


@pytest.mark.parametrize(("lease", "code"), [(60, "idempotency_in_progress"), (0, "idempotency_response_lost")])
def test_a_request_killed_after_its_commit_is_never_run_twice(tmp_path: Path, lease: int, code: str) -> None:
    settings, headers = _killed_mid_request(tmp_path, "response")
    with TestClient(create_app(settings.model_copy(update={"idempotency_lease_seconds": lease}))) as client:
        retried = client.post("/v1/accounts", headers=headers, json=ACCOUNT)
        listed = client.get("/v1/accounts", headers={"Authorization": headers["Authorization"]}).json()["data"]
    assert retried.status_code == 409 and retried.json()["code"] == code
    assert len(listed) == 1  # the killed request's work, committed once
