"""Renewal quote documents: the contract renewed, each product's previous and new price and how it was set."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from app.documents.formatting import Formatter
from app.documents.render import RENEWAL_TEMPLATE_VERSION, render_html, render_pdf, template_version
from app.documents.renewal_context import RenewalDocument, RenewalDocumentLine, build_renewal_context, pricing_method
from app.domain.price_steps import PriceStep
from tests.unit.test_documents import DATA, TIX_PRO, pdf_text, quote_document, spaced

#: net 21.00 → 22.05 (+5 %, under the list price of 25.00), as in the domain's worked example.
UPLIFTED = RenewalDocumentLine(
    **{**vars(TIX_PRO), "net_unit_price": Decimal("22.05"),
       "total": Decimal("5292.00")},
    previous_net_unit_price=Decimal("21.00"), pricing_method="uplift",
)
#: net 90.00 + 5 % would pass the list price of 92.00: capped there.
CAPPED = RenewalDocumentLine(
    sku="EVT-SUITE", name="Events suite", unit="site", quantity=2, recurring=True,
    list_unit_price=Decimal("92.00"), net_unit_price=Decimal("92.00"),
    total=Decimal("2208.00"),
    previous_net_unit_price=Decimal("90.00"), pricing_method="uplift", price_capped=True,
)

#: locale → (contract, previous price, new price, change, capped method, first day of the new term).
EXPECTED: dict[str, tuple[str, ...]] = {
    "en": ("Renews contract", "€21.00", "€22.05", "+5.00%", "uplift of 5%, capped at list price", "15 January 2026"),
    "fr": ("Renouvelle le contrat", "21,00 €", "22,05 €", "+5,00 %", "hausse de 5 %, plafonnée au prix catalogue",
           "15 janvier 2026"),
    "de": ("Verlängert Vertrag", "21,00 €", "22,05 €", "+5,00 %", "Erhöhung um 5 %, höchstens Listenpreis",
           "15. Januar 2026"),
    "pl": ("Odnawia umowę", "21,00 €", "22,05 €", "+5,00%", "podwyżka o 5%, nie wyżej niż cena katalogowa",
           "15 stycznia 2026"),
}


def renewal_document(locale: str = "en", **changes: Any) -> RenewalDocument:
    quote = quote_document(locale=locale, quote_type="renewal")
    fields = {**vars(quote), "lines": (UPLIFTED, CAPPED), **changes}
    return RenewalDocument(**fields, contract_number="C-2025-000007")


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def rendered(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param, pdf_text(render_pdf(renewal_document(request.param), DATA).pdf)


class TestRenewalPdf:
    def test_shows_the_renewed_contract_prices_method_and_new_term(self, rendered: tuple[str, str]) -> None:
        locale, text = rendered
        for expected in EXPECTED[locale]:
            assert expected in text, (locale, expected)
        assert "C-2025-000007" in text

    def test_stamps_the_renewal_template_version(self, rendered: tuple[str, str]) -> None:
        assert RENEWAL_TEMPLATE_VERSION in rendered[1]

    def test_shares_the_quote_totals(self, rendered: tuple[str, str]) -> None:
        locale, text = rendered
        assert spaced(Formatter(locale, "EUR").amount(Decimal("17964.00"))) in text


class TestLayout:
    def test_a_renewal_document_has_its_own_layout_and_version(self) -> None:
        assert template_version(renewal_document()) == RENEWAL_TEMPLATE_VERSION == "renewal-2026.4"
        assert template_version(quote_document(quote_type="renewal")) != RENEWAL_TEMPLATE_VERSION

    def test_keeps_the_signature_block(self) -> None:
        assert 'id="signature"' in render_html(renewal_document())

    def test_a_product_new_at_renewal_shows_no_previous_price_or_change(self) -> None:
        added = replace(UPLIFTED, previous_net_unit_price=None, pricing_method="list")
        (line,) = build_renewal_context(renewal_document(lines=(added,)))["lines"]  # type: ignore[misc]
        assert (line["previous_net_unit_price"], line["change"], line["method"]) == ("—", "—", "list price")

    def test_a_lower_price_shows_its_minus(self) -> None:
        lower = replace(UPLIFTED, net_unit_price=Decimal("20.00"), pricing_method="list")
        (line,) = build_renewal_context(renewal_document(lines=(lower,)))["lines"]  # type: ignore[misc]
        assert line["change"] == "-4.76%"

    def test_the_reps_discount_on_top_of_the_method_is_worded_and_printed(self) -> None:
        discounted = replace(UPLIFTED, net_unit_price=Decimal("21.3885"),
                             steps=(PriceStep("rep_percent", Decimal(3)),))
        (line,) = build_renewal_context(renewal_document(lines=(discounted,)))["lines"]  # type: ignore[misc]
        assert (line["method"], line["steps"]) == ("uplift of 5%", ["Additional discount 3%"])
        text = pdf_text(render_pdf(renewal_document(lines=(discounted,)), DATA).pdf)
        assert "uplift of 5% Additional discount 3%" in spaced(text)


#: locale → the method in words for same, list, uplift 5 % and uplift 5 % capped.
METHODS: dict[str, tuple[str, str, str, str]] = {
    "en": ("unchanged price", "list price", "uplift of 5%", "uplift of 5%, capped at list price"),
    "fr": ("prix inchangé", "prix catalogue", "hausse de 5 %", "hausse de 5 %, plafonnée au prix catalogue"),
    "de": ("unveränderter Preis", "Listenpreis", "Erhöhung um 5 %", "Erhöhung um 5 %, höchstens Listenpreis"),
    "pl": ("cena bez zmian", "cena katalogowa", "podwyżka o 5%", "podwyżka o 5%, nie wyżej niż cena katalogowa"),
}


@pytest.mark.parametrize("locale", sorted(METHODS))
def test_the_pricing_method_in_words(locale: str) -> None:
    f = Formatter(locale, "EUR")
    lines = (replace(UPLIFTED, pricing_method="same"), replace(UPLIFTED, pricing_method="list"), UPLIFTED, CAPPED)
    words = tuple(" ".join(pricing_method(line, Decimal(5), f).split()) for line in lines)
    assert words == METHODS[locale]


def test_an_uplift_without_its_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="uplift"):
        pricing_method(UPLIFTED, None, Formatter("en", "EUR"))
