"""The parties of every document: the seller's and the customer's legal details in each language, addresses laid
out per country, the country list, and the seller's logo read (or refused) at start-up."""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from pydantic import ValidationError

from app.config import Settings
from app.documents.formatting import Formatter
from app.documents.parties import COUNTRIES, address_lines, logo_data_uri
from app.documents.render import render_amendment_pdf, render_quote_html, render_quote_pdf
from app.domain.addresses import Address
from tests.unit.test_amendment_documents import amendment_document
from tests.unit.test_documents import CUSTOMER, DATA, SELLER, pdf_text, quote_document

#: Per language: the seller's country, the customer's, and the labels of the VAT numbers and the registration.
LANGUAGES = {
    "en": ("France", "Germany", "VAT number", "VAT / tax ID", "Registration number", "Seller", "Customer"),
    "fr": ("France", "Allemagne", "N° de TVA intracommunautaire", "N° de TVA / identifiant fiscal",
           "N° d’immatriculation", "Vendeur", "Client"),
    "de": ("Frankreich", "Deutschland", "USt-IdNr.", "USt-IdNr. / Steuernummer", "Handelsregisternummer",
           "Verkäufer", "Kunde"),
    "pl": ("Francja", "Niemcy", "Numer VAT UE", "NIP / numer VAT UE", "Numer rejestrowy", "Sprzedawca", "Nabywca"),
}


def _expected(locale: str) -> list[str]:
    seller_country, customer_country, seller_vat, customer_vat, registration, *headings = LANGUAGES[locale]
    return [
        *(heading.upper() for heading in headings),  # headings are set in capitals (base.css)
        "cpq demo publisher SAS", "12 rue de la République", "69002 Lyon", seller_country,
        f"{seller_vat} FR74912345678", f"{registration} RCS Lyon 912 345 678", "sales@cpq-demo.example",
        "+33 4 72 00 00 00",
        "Acme Logistics GmbH", "Hafenstraße 12", "20457 Hamburg", customer_country, f"{customer_vat} DE811907980",
        "billing@acme.example",
    ]


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_a_quote_names_both_parties_in_its_language(locale: str) -> None:
    text = pdf_text(render_quote_pdf(quote_document(locale=locale), DATA).pdf)
    for expected in _expected(locale):
        assert expected in text, expected


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_an_amendment_names_both_parties_in_its_language(locale: str) -> None:
    text = pdf_text(render_amendment_pdf(amendment_document(locale=locale), DATA).pdf)
    for expected in _expected(locale):
        assert expected in text, expected


def test_a_customer_without_legal_details_shows_its_name_alone() -> None:
    document = replace(quote_document(), customer=replace(CUSTOMER, address=None, tax_id=None))
    text = pdf_text(render_quote_pdf(document, DATA).pdf)
    assert "Acme Logistics GmbH" in text and "VAT / tax ID" not in text and "Hamburg" not in text


@pytest.mark.parametrize(("address", "lines"), [
    (Address("12 rue de la République", "69002", "Lyon", "FR"), ["12 rue de la République", "69002 Lyon", "France"]),
    (Address("ul. Zwierzyniecka 1", "31-103", "Kraków", "PL"), ["ul. Zwierzyniecka 1", "31-103 Kraków", "Poland"]),
    (Address("10 Downing Street", "SW1A 2AA", "London", "GB"),
     ["10 Downing Street", "London", "SW1A 2AA", "United Kingdom"]),
    (Address("400 River Street", "62701", "Springfield, IL", "US"),
     ["400 River Street", "Springfield, IL 62701", "United States"]),
    (Address("Al Corniche Street", None, "Doha", "QA"), ["Al Corniche Street", "Doha", "Qatar"]),
])
def test_an_address_is_laid_out_as_its_country_writes_it(address: Address, lines: list[str]) -> None:
    assert address_lines(address, Formatter("en", "EUR")) == lines


def test_country_names_are_in_the_documents_language() -> None:
    address = Address("Rynek Główny 1", "31-042", "Kraków", "PL")
    assert [address_lines(address, Formatter(locale, "EUR"))[-1] for locale in ("fr", "de", "pl")] == [
        "Pologne", "Polen", "Polska"]


def test_the_countries_are_the_iso_3166_alpha_2_codes() -> None:
    assert len(COUNTRIES) == 249
    assert {"FR", "DE", "PL", "GB", "US", "QA", "ZA"} <= set(COUNTRIES)
    assert not {"EU", "UN", "ZZ", "XK", "QO", "AC", "001"} & set(COUNTRIES)


def _png(path: Path) -> Path:
    buffer = BytesIO()
    Image.new("RGB", (40, 12), "#635bff").save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_configured_logo_is_embedded_in_the_document(tmp_path: Path) -> None:
    settings = Settings(seller_logo=_png(tmp_path / "logo.png"))
    assert settings.seller_logo_uri is not None and settings.seller_logo_uri.startswith("data:image/png;base64,")
    document = replace(quote_document(), seller=replace(SELLER, logo=settings.seller_logo_uri))
    assert f'<img class="logo" src="{settings.seller_logo_uri}"' in render_quote_html(document)
    assert b"/Subtype /Image" in render_quote_pdf(document, DATA).pdf


def test_a_missing_or_unreadable_logo_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"CPQ_SELLER_LOGO .*missing.png: cannot be read"):
        Settings(seller_logo=tmp_path / "missing.png")
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(ValidationError, match="is not a PNG, JPEG or SVG image"):
        Settings(seller_logo=tmp_path / "notes.txt")


def test_an_svg_logo_is_recognised() -> None:
    assert logo_data_uri(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>').startswith(
        "data:image/svg+xml;base64,")


def test_the_sellers_country_must_be_a_country() -> None:
    with pytest.raises(ValidationError, match="seller_country"):
        Settings(seller_country="EU")
