"""Every finalized document, in every layout and language, is a PDF/A-3b with a signature field and its quote."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.documents.catalogs import translator
from app.documents.formatting import Formatter
from app.documents.render import RENEWAL_TEMPLATE_VERSION
from app.services.documents import RECORDED_AFTER_RENDERING
from tests.builders import Keys, accept, amend, create_account, create_quote, finalize, seed_catalog, signed_contract
from tests.pdf_checks import assert_pdfa_3b, attached_quote, first_page_ink, line_height_of, reader, signature_field

LOCALES = ("en", "en-US", "fr", "de", "pl")
LAYOUTS = ("quote", "amendment", "renewal")
UPLIFT_5 = {"auto_renew": True, "pricing": "uplift", "uplift_percent": "5", "lead_days": 60, "notice_days": 30}


def _documents(settings: Settings) -> list[Path]:
    return sorted(settings.documents_dir.glob("*.pdf"))


def _renewal_quote(client: TestClient, keys: Keys, settings: Settings, contract: dict[str, Any]) -> dict[str, Any]:
    """The renewal quote the renewal run makes: a draft, rendered only once it is finalized."""
    stored = _documents(settings)
    response = client.post("/v1/renewal-runs", headers=keys.headers("scheduler"), json={"as_of": "2026-11-16"})
    assert response.status_code == 201 and response.json()["renewal_quotes_created"] == 1, response.text
    contract = client.get(f"/v1/contracts/{contract['id']}", headers=keys.headers("sales")).json()
    quote: dict[str, Any] = client.get(f"/v1/quotes/{contract['renewal_quote_id']}",
                                       headers=keys.headers("sales")).json()
    assert (quote["status"], quote["document_sha256"], _documents(settings)) == ("draft", None, stored)
    return quote


def _finalized(client: TestClient, keys: Keys, settings: Settings, layout: str, locale: str) -> dict[str, Any]:
    """A finalized quote of the layout, for an account in the locale."""
    account = create_account(client, keys, locale=locale, name=f"Opéra {locale}")
    if layout == "quote":
        return finalize(client, keys, create_quote(client, keys, account_id=account["id"])["id"])
    contract = signed_contract(client, keys, account_id=account["id"], renewal=UPLIFT_5)
    if layout == "amendment":
        change = {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5}
        return finalize(client, keys, amend(client, keys, contract["id"], "2026-04-01", change)["id"])
    return finalize(client, keys, _renewal_quote(client, keys, settings, contract)["id"])


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_document_is_signature_ready_pdfa_with_its_quote_attached(
    client: TestClient, keys: Keys, session: Session, settings: Settings, layout: str, locale: str,
) -> None:
    seed_catalog(session)
    quote = _finalized(client, keys, settings, layout, locale)
    response = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales"))
    assert response.status_code == 200, response.text
    pdf = response.content
    assert hashlib.sha256(pdf).hexdigest() == quote["document_sha256"]

    field = signature_field(pdf)
    pages = reader(pdf).pages
    assert field.page == len(pages) - 1  # the signature block ends the document
    x1, y1, x2, y2 = field.rect
    width, height = float(pages[field.page].mediabox.width), float(pages[field.page].mediabox.height)
    assert 0 < x1 < x2 < width and 0 < y1 < y2 < height
    # On the block: the row of labels under the signature lines ("Name  Title  Signature  Date") crosses it.
    assert y1 < line_height_of(pdf, field.page, translator(locale).gettext("Name")) < y2

    answered = client.get(f"/v1/quotes/{quote['id']}", headers=keys.headers("sales")).json()
    assert attached_quote(pdf) == {key: value for key, value in answered.items()
                                   if key not in RECORDED_AFTER_RENDERING}
    assert_pdfa_3b(pdf, locale)
    info = reader(pdf).metadata
    assert info is not None and quote["number"] in info["/Keywords"] and quote["number"] in info["/Subject"]
    page, masthead = first_page_ink(pdf)  # drawn, not only written: text, rules and tables are on the page
    assert 0.02 < page < 0.5 and masthead > 0.02, (page, masthead)


def test_the_stored_document_with_its_field_is_what_acceptance_checks(
    client: TestClient, keys: Keys, session: Session, settings: Settings,
) -> None:
    seed_catalog(session)
    quote = _finalized(client, keys, settings, "quote", "en")
    (stored,) = _documents(settings)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == quote["document_sha256"]
    assert signature_field(stored.read_bytes()).rect
    assert accept(client, keys, quote)["quote"]["status"] == "accepted"



@pytest.mark.parametrize("locale", LOCALES)
def test_the_renewal_quote_shows_the_contract_its_prices_and_the_new_term(
    client: TestClient, keys: Keys, session: Session, settings: Settings, locale: str,
) -> None:
    """net 21.00 (16 % off the list 25.00) renews at 22.05 under a 5 % uplift, below the cap."""
    seed_catalog(session)
    account = create_account(client, keys, locale=locale, name=f"Opéra {locale}")
    contract = signed_contract(client, keys, account_id=account["id"], renewal=UPLIFT_5,
                               lines=[{"sku": "TIX-PRO", "quantity": 20, "discount_percent": "16"}])
    quote = finalize(client, keys, _renewal_quote(client, keys, settings, contract)["id"])
    assert quote["template_version"] == RENEWAL_TEMPLATE_VERSION
    pdf = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales")).content
    text = " ".join(" ".join(page.extract_text() for page in reader(pdf).pages).split())
    f = Formatter(locale, "EUR")
    uplift = f.t.gettext("uplift of %(percent)s") % {"percent": f.percent(Decimal(5))}
    for expected in (contract["number"], f.unit_price(Decimal("21.00")), f.unit_price(Decimal("22.05")), uplift,
                     f.date(date(2027, 1, 15)), f.date(date(2028, 1, 15))):
        assert " ".join(expected.split()) in text, (locale, expected)
