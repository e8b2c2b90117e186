"""Quote documents: formatted and translated in the account's language, rendered to a PDF stored with its hash."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from app.documents.context import (
    DocumentLine,
    DocumentTotals,
    QuoteDocument,
    build_context,
)
from app.documents.parties import Party
from app.documents.render import (
    TEMPLATE_VERSION,
    configure_pool,
    pool_size,
    render_quote_html,
    render_quote_pdf,
)
from app.domain.addresses import Address

TIX_PRO = DocumentLine(
    sku="TIX-PRO", name="Ticketing Pro", unit="seat", quantity=20, recurring=True,
    list_unit_price=Decimal("25.00"), net_unit_price=Decimal("21.00"),
    total=Decimal("5040.00"),
)
CONTACTS = DocumentLine(
    sku="MKT-CONTACTS", name="Marketing contacts", unit="contact", quantity=12, recurring=True,
    list_unit_price=Decimal("95.20"), net_unit_price=Decimal("79.333333"),
    total=Decimal("11424.00"),
)
ONBOARDING = DocumentLine(
    sku="ONBOARDING", name="Onboarding package", unit="package", quantity=1, recurring=False,
    list_unit_price=Decimal("1500.00"), net_unit_price=Decimal("1500.00"),
    total=Decimal("1500.00"),
)
SELLER = Party("cpq demo publisher SAS", Address("12 rue de la République", "69002", "Lyon", "FR"),
               tax_id="FR74912345678", registration_number="RCS Lyon 912 345 678", email="sales@cpq-demo.example",
               phone="+33 4 72 00 00 00")
CUSTOMER = Party("Acme Logistics GmbH", Address("Hafenstraße 12", "20457", "Hamburg", "DE"), tax_id="DE811907980",
                 email="billing@acme.example")
#: What a PDF attaches: in production the quote's API JSON (tests/api/test_signature_ready.py checks that).
DATA = b'{"number": "Q-2026-000042"}'
TOTALS = DocumentTotals(
    one_time=Decimal("1500.00"),
    total_contract_value=Decimal("17964.00"), first_invoice=Decimal("2872.00"),
)


def quote_document(
    *,
    locale: str = "en",
    currency: str = "EUR",
    quote_type: str = "new",
    evergreen: bool = False,
    lines: tuple[DocumentLine, ...] = (TIX_PRO, CONTACTS, ONBOARDING),
) -> QuoteDocument:
    return QuoteDocument(
        number="Q-2026-000042", version=3, quote_type=quote_type, locale=locale, currency=currency,
        issue_date=date(2026, 1, 10), valid_until=date(2026, 2, 9), seller=SELLER,
        customer=CUSTOMER, start_date=date(2026, 1, 15),
        end_date=None if evergreen else date(2027, 1, 15), term_months=None if evergreen else 12,
        billing_frequency="monthly", auto_renew=True, renewal_pricing="uplift", uplift_percent=Decimal(5),
        notice_days=30, lines=lines, totals=TOTALS,
    )


def pdf_text(pdf: bytes) -> str:
    """All pages' text with every run of whitespace (incl. U+00A0 and U+202F) read as one plain space."""
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def english_pdf() -> bytes:
    return render_quote_pdf(quote_document(), DATA).pdf


class TestEnglishQuotePdf:
    def test_shows_the_number_version_and_validity(self, english_pdf: bytes) -> None:
        text = pdf_text(english_pdf)
        assert "Quote" in text
        assert "Q-2026-000042" in text
        assert "Version 3" in text
        assert "9 February 2026" in text

    def test_shows_every_line_with_its_sku_and_name(self, english_pdf: bytes) -> None:
        text = pdf_text(english_pdf)
        for line in (TIX_PRO, CONTACTS, ONBOARDING):
            assert line.sku in text
            assert line.name in text
        assert "€5,040.00" in text
        assert "€79.333333" in text

    def test_shows_the_formatted_totals(self, english_pdf: bytes) -> None:
        text = pdf_text(english_pdf)
        for amount in ("€1,372.00", "€1,500.00", "€17,964.00", "€2,872.00"):
            assert amount in text

    def test_stamps_the_template_version_in_the_footer(self, english_pdf: bytes) -> None:
        assert TEMPLATE_VERSION in pdf_text(english_pdf)
        assert "Page 1 of 1" in pdf_text(english_pdf)


class TestRenderedDocument:
    def test_carries_the_sha256_of_its_bytes_and_the_template_version(self) -> None:
        rendered = render_quote_pdf(quote_document(), DATA)
        assert rendered.pdf.startswith(b"%PDF-")
        assert rendered.sha256 == hashlib.sha256(rendered.pdf).hexdigest()
        assert rendered.template_version == TEMPLATE_VERSION

    def test_is_byte_identical_when_rendered_again(self, english_pdf: bytes) -> None:
        assert render_quote_pdf(quote_document(), DATA).pdf == english_pdf

    def test_is_byte_identical_when_rendered_at_another_time(
        self, english_pdf: bytes, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """fontTools (the font subsetter without HarfBuzz-subset) reads this clock when it stamps a subset font."""
        later = time.time() + 3600
        monkeypatch.setattr("fontTools.misc.timeTools.time", SimpleNamespace(time=lambda: later))
        assert render_quote_pdf(quote_document(), DATA).pdf == english_pdf

    def test_is_the_same_when_rendered_in_a_process_pool(self, english_pdf: bytes) -> None:
        configure_pool(1)
        try:
            assert render_quote_pdf(quote_document(), DATA).pdf == english_pdf
        finally:
            configure_pool(0)

    def test_the_pool_has_a_worker_per_core_unless_a_size_is_set(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("os.cpu_count", lambda: 6)
        assert (pool_size(None), pool_size(2), pool_size(0)) == (6, 2, 0)
        monkeypatch.setattr("os.cpu_count", lambda: None)
        assert pool_size(None) == 1

    def test_fifty_lines_flow_onto_further_pages(self) -> None:
        lines = tuple(replace(TIX_PRO, sku=f"ADDON-{n:03d}", name=f"Add-on {n}") for n in range(1, 51))
        text = pdf_text(render_quote_pdf(quote_document(lines=lines), DATA).pdf)
        assert "ADDON-050" in text
        assert "Page 2 of" in text


class TestQuoteHtml:
    def test_escapes_customer_text_also_inside_translated_sentences(self) -> None:
        document = replace(quote_document(), customer=replace(CUSTOMER, name="<b>Smith & Sons</b>"))
        html = render_quote_html(document)
        assert "<b>" not in html
        assert "By signing below, &lt;b&gt;Smith &amp; Sons&lt;/b&gt; accepts quote Q-2026-000042" in html


class TestTranslatedQuotePdf:
    @pytest.mark.parametrize(
        ("locale", "currency", "title", "total"),
        [
            ("fr", "EUR", "Devis", "5 040,00 €"),
            ("de", "EUR", "Angebot", "5.040,00 €"),
            ("pl", "PLN", "Oferta", "5 040,00 zł"),
        ],
    )
    def test_has_a_translated_title_and_locale_formatted_money(
        self, locale: str, currency: str, title: str, total: str
    ) -> None:
        text = pdf_text(render_quote_pdf(quote_document(locale=locale, currency=currency), DATA).pdf)
        assert title in text
        assert total in text
        assert "Q-2026-000042" in text


class TestUsEnglishQuotePdf:
    def test_writes_us_dates_numbers_and_percentages(self) -> None:
        text = pdf_text(render_quote_pdf(quote_document(locale="en-US", currency="USD"), DATA).pdf)
        for expected in ("Valid until February 9, 2026", "12 months from January 15, 2026 to January 15, 2027",
                         "$5,040.00", "$79.333333", "Total contract value $17,964.00", "16%", "$11,424.00"):
            assert expected in text, expected
        assert "€1,372.00" in pdf_text(render_quote_pdf(quote_document(locale="en-US"), DATA).pdf)

    def test_spells_as_us_english_and_tags_the_html_en_us(self) -> None:
        html = render_quote_html(quote_document(locale="en-US", evergreen=True))
        assert '<html lang="en-US">' in html
        assert "until canceled (30 days&#39; notice)" in html
        assert "Billing email" in html and "Quote number" in html
        assert "until cancelled" in render_quote_html(quote_document(evergreen=True))


class TestBuildContext:
    @pytest.mark.parametrize(
        ("locale", "unit_price", "round_price"),
        [("en", "€79.333333", "€21.00"), ("fr", "79,333333 €", "21,00 €"), ("de", "79,333333 €", "21,00 €"),
         ("pl", "79,333333 €", "21,00 €")],
    )
    def test_keeps_every_digit_of_a_unit_price_and_at_least_the_currencys(
        self, locale: str, unit_price: str, round_price: str
    ) -> None:
        lines = build_context(quote_document(locale=locale))["lines"]
        assert isinstance(lines, list)
        assert spaced(lines[1]["net_unit_price"]) == unit_price
        assert spaced(lines[0]["net_unit_price"]) == round_price

    def test_shows_yen_without_minor_digits(self) -> None:
        line = replace(TIX_PRO, list_unit_price=Decimal(25), net_unit_price=Decimal(21), total=Decimal(5040))
        context = build_context(quote_document(currency="JPY", lines=(line,)))
        lines = context["lines"]
        assert isinstance(lines, list)
        assert lines[0]["net_unit_price"] == "JP¥21"
        assert lines[0]["total"] == "JP¥5,040"

    def test_shows_one_time_lines_without_a_monthly_amount(self) -> None:
        lines = build_context(quote_document())["lines"]
        assert isinstance(lines, list)
        assert lines[2]["period_amount"] == "—"
        assert lines[2]["discount"] == "—"
        assert lines[0]["discount"] == "16%"

    def test_describes_a_termed_contract_with_its_dates_and_renewal(self) -> None:
        context = build_context(quote_document())
        assert context["term"] == "12 months from 15 January 2026 to 15 January 2027, billed monthly"
        assert context["renewal"] == (
            "Renews automatically at the end of the term. Renewal prices: current prices plus 5%, capped at list price."
        )

    def test_describes_an_evergreen_contract_with_its_notice(self) -> None:
        context = build_context(quote_document(evergreen=True))
        assert context["term"] == "Evergreen, billed monthly until cancelled (30 days' notice)"
        assert context["renewal"] == "Prices on each anniversary: current prices plus 5%, capped at list price."

    def test_says_evergreen_in_the_pdf(self) -> None:
        assert "Evergreen" in pdf_text(render_quote_pdf(quote_document(evergreen=True), DATA).pdf)

    def test_uses_polish_plural_forms(self) -> None:
        document = quote_document(locale="pl")
        assert str(build_context(document)["term"]).startswith("12 miesięcy od 15 stycznia 2026")
        three_months = replace(document, term_months=3, end_date=date(2026, 4, 15))
        assert str(build_context(three_months)["term"]).startswith("3 miesiące od")

    @pytest.mark.parametrize(
        ("quote_type", "title"), [("new", "Quote"), ("amendment", "Amendment"), ("renewal", "Renewal quote")]
    )
    def test_titles_the_document_by_quote_type(self, quote_type: str, title: str) -> None:
        assert build_context(quote_document(quote_type=quote_type))["title"] == title

    def test_refuses_an_unknown_locale(self) -> None:
        with pytest.raises(ValueError, match="locale"):
            build_context(quote_document(locale="es"))
        with pytest.raises(ValueError, match="locale"):
            render_quote_html(quote_document(locale="es"))
