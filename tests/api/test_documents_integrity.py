"""A stored PDF is served and accepted only while it hashes to what finalize recorded; storage failures are 503s."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.services import audit
from tests.builders import Keys, create_account, create_quote, finalize, seed_catalog

SIGNER = {"signer_name": "Anne Martin", "signer_email": "anne@example.org"}


@pytest.fixture
def quote(client: TestClient, keys: Keys, session: Session) -> dict[str, Any]:
    """A finalized quote, its PDF in the app's documents directory."""
    seed_catalog(session)
    return finalize(client, keys, create_quote(client, keys, account_id=create_account(client, keys)["id"])["id"])


def _stored_file(settings: Settings) -> Path:
    files = [path for path in settings.documents_dir.iterdir() if not path.name.startswith(".")]
    assert len(files) == 1, files
    return files[0]


def _assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["type"], body["status"], body["code"]) == (f"/problems/{code}", status, code)
    assert body["title"] and body["detail"]
    return body


def _assert_unchanged(client: TestClient, keys: Keys, quote: dict[str, Any]) -> None:
    after = client.get(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales")).json()
    assert (after["status"], after["version"], after["document_sha256"]) == (
        quote["status"], quote["version"], quote["document_sha256"])
    assert client.get("/v1/contracts", headers=keys.headers("finance")).json()["data"] == []


class TestTamperedOrMissingDocument:
    def test_a_changed_file_is_not_served_and_is_logged_with_both_hashes(
        self, client: TestClient, keys: Keys, settings: Settings, quote: dict[str, Any],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        path = _stored_file(settings)
        path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOF\n% changed"))
        with caplog.at_level(logging.ERROR, logger="cpq.documents"):
            response = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales"))
        body = _assert_problem(response, 500, "document_integrity_error")
        assert quote["number"] in body["detail"] and "x-document-sha256" not in response.headers
        logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert any(quote["number"] in m and quote["document_sha256"] in m and hashlib.sha256(path.read_bytes()).hexdigest() in m
                   for m in logged), logged

    def test_a_deleted_file_is_an_integrity_error_not_a_404(
        self, client: TestClient, keys: Keys, settings: Settings, quote: dict[str, Any],
    ) -> None:
        _stored_file(settings).unlink()
        response = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales"))
        assert "missing" in _assert_problem(response, 500, "document_integrity_error")["detail"]

    def test_accepting_with_the_recorded_hash_of_a_changed_file_is_refused_and_changes_nothing(
        self, client: TestClient, keys: Keys, settings: Settings, quote: dict[str, Any],
    ) -> None:
        _stored_file(settings).write_bytes(b"%PDF-1.7 a document nobody was shown")
        response = client.post(f"/v1/quotes/{quote['id']}/accept", headers=keys.headers("sales"),
                               json={**SIGNER, "document_sha256": quote["document_sha256"]})
        _assert_problem(response, 500, "document_integrity_error")
        _assert_unchanged(client, keys, quote)

    def test_accepting_when_the_file_is_gone_is_refused_and_changes_nothing(
        self, client: TestClient, keys: Keys, settings: Settings, quote: dict[str, Any],
    ) -> None:
        _stored_file(settings).unlink()
        response = client.post(f"/v1/quotes/{quote['id']}/accept", headers=keys.headers("sales"),
                               json={**SIGNER, "document_sha256": quote["document_sha256"]})
        _assert_problem(response, 500, "document_integrity_error")
        _assert_unchanged(client, keys, quote)

    def test_an_intact_document_is_served_under_its_readable_name(
        self, client: TestClient, keys: Keys, quote: dict[str, Any],
    ) -> None:
        response = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales"))
        assert response.status_code == 200 and response.headers["x-document-sha256"] == quote["document_sha256"]
        assert response.headers["content-disposition"] == f'inline; filename="{quote["number"]}-v1.pdf"'


class TestUnavailableStorage:
    @pytest.fixture
    def settings(self, settings: Settings, tmp_path: Path) -> Settings:
        """A documents directory that cannot exist, even for root: its parent is a regular file."""
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("")
        return settings.model_copy(update={"documents_dir": blocker / "documents"})

    def test_finalize_answers_503_and_leaves_the_quote_as_it_was(
        self, client: TestClient, keys: Keys, session: Session,
    ) -> None:
        seed_catalog(session)
        draft = create_quote(client, keys, account_id=create_account(client, keys)["id"])
        response = client.post(f"/v1/quotes/{draft['id']}/finalize", headers=keys.headers("sales"))
        _assert_problem(response, 503, "storage_unavailable")
        after = client.get(f"/v1/quotes/{draft['id']}", headers=keys.headers("sales")).json()
        assert (after["status"], after["version"], after["document_sha256"]) == ("draft", 1, None)

    def test_health_reports_storage_unavailable_with_503(self, client: TestClient) -> None:
        response = client.get("/health")
        assert response.status_code == 503
        assert response.json() == {"status": "unhealthy", "database": "ok", "storage": "unavailable"}


class TestFailedFinalizeLeavesNoFile:
    def test_a_rolled_back_finalize_deletes_its_pdf_and_a_retry_succeeds(
        self, client: TestClient, keys: Keys, session: Session, settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        seed_catalog(session)
        draft = create_quote(client, keys, account_id=create_account(client, keys)["id"])

        def failing_audit(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("the transaction fails after the PDF was written")

        with monkeypatch.context() as patch:
            patch.setattr(audit, "record", failing_audit)
            response = client.post(f"/v1/quotes/{draft['id']}/finalize", headers=keys.headers("sales"))
        assert response.status_code == 500
        assert [p.name for p in settings.documents_dir.iterdir()] == []
        assert client.get(f"/v1/quotes/{draft['id']}", headers=keys.headers("sales")).json()["status"] == "draft"
        retried = finalize(client, keys, draft["id"])
        assert retried["status"] == "open" and _stored_file(settings).name.startswith(f"{draft['number']}-v1-")
