"""The version printed on a document counts the documents its quote issued, not the quote's internal edits."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import Keys, create_account, create_quote, finalize, seed_catalog
from tests.pdf_checks import reader


def _first_page(client: TestClient, keys: Keys, quote_id: str) -> str:
    pdf = client.get(f"/v1/quotes/{quote_id}/document", headers=keys.headers("sales")).content
    return reader(pdf).pages[0].extract_text()


def test_an_edited_quote_sends_its_first_document_as_version_1(
    client: TestClient, keys: Keys, session: Session,
) -> None:
    seed_catalog(session)
    draft = create_quote(client, keys, account_id=create_account(client, keys, locale="en")["id"])
    assert draft["document_revision"] == 0
    edited = client.patch(f"/v1/quotes/{draft['id']}", headers=keys.headers("sales"), json={"valid_until": "2026-02-20"})
    assert edited.status_code == 200 and edited.json()["version"] == 2, edited.text
    quote = finalize(client, keys, draft["id"])
    assert (quote["version"], quote["document_revision"]) == (3, 1)
    page = _first_page(client, keys, quote["id"])
    assert "Version 1\n" in page and "Version 3" not in page
    download = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales"))
    assert download.headers["content-disposition"] == f'inline; filename="{quote["number"]}-v1.pdf"'
