"""What a customer reads on every layout: net-of-VAT amounts, plain totals, each language's dates and percentages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from app.documents.context import AmendmentDocument, QuoteDocument
from app.documents.formatting import Formatter
from app.documents.render import render_pdf
from tests.unit.test_amendment_documents import full_document
from tests.unit.test_documents import DATA, pdf_text, quote_document
from tests.unit.test_renewal_documents import renewal_document

LOCALES = ("en", "en-US", "fr", "de", "pl")
#: locale → the note beside the totals that the amounts are net of tax.
NET_OF_VAT = {
    "en": "All amounts in EUR, excluding VAT.",
    "en-US": "All amounts in EUR, excluding VAT.",
    "fr": "Tous les montants sont en EUR, hors taxes (HT).",
    "de": "Alle Beträge in EUR netto, zzgl. MwSt.",
    "pl": "Wszystkie kwoty w EUR netto (bez VAT).",
}
#: A percentage and the space (or none) between its number and its sign, as extracted from a PDF.
PERCENT = re.compile(r"\d(\s?)%")


def documents(locale: str) -> dict[str, QuoteDocument | AmendmentDocument]:
    return {
        "quote": quote_document(locale=locale),
        "amendment": full_document(locale),
        "renewal": renewal_document(locale),
    }


@pytest.fixture(scope="module", params=LOCALES)
def rendered(request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    """Each layout's PDF text in one locale, whitespace kept as extracted (U+00A0 stays U+00A0)."""
    locale = request.param
    texts = {
        kind: " ".join(page.extract_text() for page in PdfReader(BytesIO(render_pdf(document, DATA).pdf)).pages)
        for kind, document in documents(locale).items()
    }
    return locale, texts


def test_every_layout_says_the_amounts_exclude_vat(rendered: tuple[str, dict[str, str]]) -> None:
    locale, texts = rendered
    for kind, text in texts.items():
        assert NET_OF_VAT[locale] in re.sub(r"\s+", " ", text), kind


def test_no_layout_shows_internal_revenue_jargon(rendered: tuple[str, dict[str, str]]) -> None:
    _, texts = rendered
    for kind, text in texts.items():
        assert not re.search(r"\b(MRR|ARR)\b", text), kind


def test_every_percentage_of_a_locale_is_written_one_way(rendered: tuple[str, dict[str, str]]) -> None:
    """Discounts, uplifts, proration fractions and price changes all take the locale's CLDR percent pattern."""
    locale, texts = rendered
    expected = PERCENT.search(Formatter(locale, "EUR").percent(Decimal(5)))
    assert expected is not None
    for kind, text in texts.items():
        forms = set(PERCENT.findall(text))
        assert forms == {expected.group(1)}, (kind, forms)
    assert expected.group(1) == ("\u00a0" if locale in ("fr", "de") else "")


def test_the_quote_totals_are_in_plain_words() -> None:
    text = pdf_text(render_pdf(quote_document(), DATA).pdf)
    assert "Monthly amount €1,372.00 One-time fees €1,500.00" in text


@pytest.mark.parametrize(
    ("document", "sentence"),
    [
        (quote_document(locale="de"), "Dieses Angebot ist gültig bis zum 9. Februar 2026."),
        (full_document("de"), "Diese Vertragsänderung ist gültig bis zum 31. März 2026."),
        (renewal_document("de"), "Dieses Angebot ist gültig bis zum 9. Februar 2026."),
    ],
)
def test_german_validity_reads_bis_zum(document: QuoteDocument | AmendmentDocument, sentence: str) -> None:
    assert sentence in pdf_text(render_pdf(document, DATA).pdf)


@pytest.mark.parametrize(
    ("locale", "day", "text"),
    [
        ("fr", date(2027, 1, 1), "1er janvier 2027"),
        ("fr", date(2027, 1, 2), "2 janvier 2027"),
        ("fr", date(2026, 12, 31), "31 décembre 2026"),
        ("en", date(2027, 1, 1), "1 January 2027"),
        ("en-US", date(2026, 12, 1), "December 1, 2026"),
        ("de", date(2027, 1, 1), "1. Januar 2027"),
        ("pl", date(2027, 1, 1), "1 stycznia 2027"),
    ],
)
def test_french_writes_the_first_of_the_month_as_an_ordinal(locale: str, day: date, text: str) -> None:
    assert Formatter(locale, "EUR").date(day) == text
