"""Amendment documents: what changes, what is due now and how MRR and contract value move, in the account's language."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from app.documents.amendment_context import CHANGES, PRORATION_METHODS
from app.documents.catalogs import is_translated, po_path, read_catalog
from app.documents.context import (
    AmendmentDocument,
    AmendmentDocumentLine,
    AmendmentTotals,
    build_amendment_context,
)
from app.documents.formatting import Formatter
from app.documents.render import (
    AMENDMENT_TEMPLATE_VERSION,
    configure_pool,
    render_amendment_html,
    render_amendment_pdf,
)
from tests.unit.test_documents import CUSTOMER, DATA, SELLER, pdf_text, spaced

EFFECTIVE = date(2026, 4, 1)
TERM_END = date(2027, 1, 15)
FRACTION = Decimal("0.791780822")  # 289 of 365 days left of the annual period [2026-01-15, 2027-01-15)

# docs/domain.md's upgrade: 20 seats swapped TIX-PRO → TIX-ENT on 2026-04-01, annual billing.
PRO_CREDIT = AmendmentDocumentLine(
    sku="TIX-PRO", name="Ticketing Pro", unit="seat", change="upsell", side="credit",
    quantity=-20, quantity_before=20, quantity_after=0, recurring=True, net_unit_price=Decimal("21.00"),
    proration_fraction=FRACTION, amount_due_now=Decimal("-3990.58"), remaining_term_value=Decimal("-3990.58"),
    mrr_delta=Decimal("-420.00"), scheduled=False, start_date=EFFECTIVE, end_date=TERM_END,
)
ENT_CHARGE = AmendmentDocumentLine(
    sku="TIX-ENT", name="Ticketing Enterprise", unit="seat", change="upsell", side="charge",
    quantity=20, quantity_before=0, quantity_after=20, recurring=True, net_unit_price=Decimal("40.00"),
    proration_fraction=FRACTION, amount_due_now=Decimal("7601.10"), remaining_term_value=Decimal("7601.10"),
    mrr_delta=Decimal("800.00"), scheduled=False, start_date=EFFECTIVE, end_date=TERM_END,
)
UPGRADE_TOTALS = AmendmentTotals(
    amount_due_now=Decimal("3610.52"), remaining_term_value=Decimal("3610.52"), mrr_delta=Decimal("380.00"),
    mrr_before=Decimal("420.00"), mrr_after=Decimal("800.00"),
)

# The same amendment with more motions: +5 CRM seats (5 × 12.00 × 12 × 289/365 = 570.08), a one-time
# cross-sell, and 3 → 1 SMS packs scheduled for the renewal (nothing credited now).
CRM_SEATS = AmendmentDocumentLine(
    sku="CRM-SEAT", name="CRM module", unit="seat", change="seat_expansion", side="charge",
    quantity=5, quantity_before=10, quantity_after=15, recurring=True, net_unit_price=Decimal("12.00"),
    proration_fraction=FRACTION, amount_due_now=Decimal("570.08"), remaining_term_value=Decimal("570.08"),
    mrr_delta=Decimal("60.00"), scheduled=False, start_date=EFFECTIVE, end_date=TERM_END,
)
ONBOARDING = AmendmentDocumentLine(
    sku="ONBOARDING", name="Onboarding package", unit="package", change="cross_sell", side="charge",
    quantity=1, quantity_before=0, quantity_after=1, recurring=False, net_unit_price=Decimal("1500.00"),
    proration_fraction=Decimal(1), amount_due_now=Decimal("1500.00"), remaining_term_value=Decimal("1500.00"),
    mrr_delta=Decimal(0), scheduled=False, start_date=EFFECTIVE, end_date=None,
)
SMS_DECREASE = AmendmentDocumentLine(
    sku="MKT-SMS", name="SMS pack", unit="pack", change="decrease", side="charge",
    quantity=-2, quantity_before=3, quantity_after=1, recurring=True, net_unit_price=Decimal("30.00"),
    proration_fraction=Decimal(0), amount_due_now=Decimal(0), remaining_term_value=Decimal(0),
    mrr_delta=Decimal("-60.00"), scheduled=True, start_date=TERM_END, end_date=TERM_END,
)
FULL_TOTALS = AmendmentTotals(
    amount_due_now=Decimal("5680.60"), remaining_term_value=Decimal("5680.60"), mrr_delta=Decimal("440.00"),
    mrr_before=Decimal("630.00"), mrr_after=Decimal("1070.00"),
)


def amendment_document(
    *,
    locale: str = "en",
    lines: tuple[AmendmentDocumentLine, ...] = (PRO_CREDIT, ENT_CHARGE),
    totals: AmendmentTotals = UPGRADE_TOTALS,
    evergreen: bool = False,
) -> AmendmentDocument:
    return AmendmentDocument(
        number="Q-2026-000007", version=2, locale=locale, currency="EUR", issue_date=date(2026, 3, 20),
        valid_until=date(2026, 3, 31), seller=SELLER, customer=CUSTOMER,
        contract_number="C-2026-000002", effective_date=EFFECTIVE,
        term_end=None if evergreen else TERM_END, billing_frequency="annual", proration_method="daily",
        lines=lines, totals=totals,
    )


def full_document(locale: str = "en") -> AmendmentDocument:
    return amendment_document(
        locale=locale, lines=(PRO_CREDIT, ENT_CHARGE, CRM_SEATS, ONBOARDING, SMS_DECREASE), totals=FULL_TOTALS
    )


@pytest.fixture(scope="module")
def english_pdf() -> bytes:
    return render_amendment_pdf(amendment_document(), DATA).pdf


class TestEnglishAmendmentPdf:
    def test_names_the_amendment_and_the_contract_it_amends(self, english_pdf: bytes) -> None:
        text = pdf_text(english_pdf)
        assert "Contract amendment" in text
        assert "Q-2026-000007" in text
        assert "Version 2" in text
        assert "C-2026-000002" in text
        assert "Effective date 1 April 2026" in text
        assert "Co-terminates with the contract on 15 January 2027" in text
        assert "annually" in text
        assert "by days" in text

    def test_lists_both_sides_of_the_swap_with_their_units_and_monthly_change(self, english_pdf: bytes) -> None:
        text = pdf_text(english_pdf)
        assert "Ticketing Pro TIX-PRO Upsell (credit) 20 → 0" in text
        assert "Ticketing Enterprise TIX-ENT Upsell 0 → 20" in text
        assert "-€420.00" in text
        assert "+€800.00" in text

    def test_shows_the_prorated_amounts_with_the_credit_negative(self, english_pdf: bytes) -> None:
        text = pdf_text(english_pdf)
        assert "from 1 April 2026 to 15 January 2027 79.18% -€3,990.58 -€3,990.58" in text
        assert "from 1 April 2026 to 15 January 2027 79.18% €7,601.10 €7,601.10" in text

    def test_totals_the_monthly_movement_and_what_is_due(self, english_pdf: bytes) -> None:
        text = pdf_text(english_pdf)
        assert "Monthly amount before €420.00" in text
        assert "Monthly change +€380.00" in text
        assert "Monthly amount after €800.00" in text
        assert "Due on the effective date €3,610.52" in text
        assert "Change in contract value +€3,610.52" in text

    def test_ends_with_the_signature_block_and_the_footer(self, english_pdf: bytes) -> None:
        text = pdf_text(english_pdf)
        assert (
            "By signing below, Acme Logistics GmbH accepts amendment Q-2026-000007 to contract C-2026-000002"
            " under its terms. This amendment is valid until 31 March 2026."
        ) in text
        assert f"Q-2026-000007 · Version 2 · Template {AMENDMENT_TEMPLATE_VERSION}" in text
        assert "Page 1 of 1" in text


class TestTranslatedAmendmentPdf:
    @pytest.mark.parametrize(
        ("locale", "title", "credit", "charge", "due", "fraction", "effective"),
        [
            ("fr", "Avenant au contrat", "-3 990,58 €", "7 601,10 €", "3 610,52 €", "79,18 %", "1er avril 2026"),
            ("de", "Vertragsänderung", "-3.990,58 €", "7.601,10 €", "3.610,52 €", "79,18 %", "1. April 2026"),
            ("pl", "Aneks do umowy", "-3 990,58 €", "7 601,10 €", "3 610,52 €", "79,18%", "1 kwietnia 2026"),
        ],
    )
    def test_has_a_translated_title_and_locale_formatted_amounts(
        self, locale: str, title: str, credit: str, charge: str, due: str, fraction: str, effective: str
    ) -> None:
        text = pdf_text(render_amendment_pdf(amendment_document(locale=locale), DATA).pdf)
        for expected in (title, credit, charge, due, fraction, effective, "Q-2026-000007", "C-2026-000002"):
            assert expected in text, expected

    def test_words_the_french_changes(self) -> None:
        text = pdf_text(render_amendment_pdf(amendment_document(locale="fr"), DATA).pdf)
        assert "Montée en gamme (avoir)" in text
        assert "du 1er avril 2026 au 15 janvier 2027" in text
        assert "À payer à la date d’effet 3 610,52 €" in text


class TestRenderedAmendment:
    def test_carries_the_sha256_of_its_bytes_and_the_template_version(self, english_pdf: bytes) -> None:
        rendered = render_amendment_pdf(amendment_document(), DATA)
        assert rendered.pdf.startswith(b"%PDF-")
        assert rendered.pdf == english_pdf
        assert rendered.sha256 == hashlib.sha256(rendered.pdf).hexdigest()
        assert rendered.template_version == AMENDMENT_TEMPLATE_VERSION == "amendment-2026.7"

    def test_is_the_same_when_rendered_in_the_process_pool(self, english_pdf: bytes) -> None:
        configure_pool(1)
        try:
            assert render_amendment_pdf(amendment_document(), DATA).pdf == english_pdf
        finally:
            configure_pool(0)


class TestMoreMotions:
    @pytest.fixture(scope="class")
    def text(self) -> str:
        return pdf_text(render_amendment_pdf(full_document(), DATA).pdf)

    def test_shows_a_seat_expansion(self, text: str) -> None:
        assert "CRM module CRM-SEAT Seat expansion 10 → 15" in text
        assert "from 1 April 2026 to 15 January 2027 79.18% €570.08 €570.08" in text

    def test_shows_a_one_time_cross_sell_without_a_fraction(self, text: str) -> None:
        assert "Onboarding package ONBOARDING Cross-sell 0 → 1" in text
        assert "Onboarding package ONBOARDING One-time fee — €1,500.00 €1,500.00" in text

    def test_shows_a_scheduled_decrease_at_its_renewal_date_and_not_among_the_amounts(self, text: str) -> None:
        assert "SMS pack MKT-SMS Decrease at renewal on 15 January 2027 3 → 1" in text
        amounts = build_amendment_context(full_document())["amounts"]
        assert isinstance(amounts, list)
        assert [row["sku"] for row in amounts] == ["TIX-PRO", "TIX-ENT", "CRM-SEAT", "ONBOARDING"]

    def test_says_so_when_nothing_is_due_before_the_renewal(self) -> None:
        totals = AmendmentTotals(Decimal(0), Decimal(0), Decimal(0), Decimal("90.00"), Decimal("90.00"))
        document = amendment_document(lines=(SMS_DECREASE,), totals=totals)
        assert "Nothing is due before the renewal." in pdf_text(render_amendment_pdf(document, DATA).pdf)


class TestEvergreen:
    def test_co_terminates_at_the_end_of_the_billing_period_then_continues(self) -> None:
        document = amendment_document(evergreen=True)
        wording = "At the end of the current billing period, then continues period by period"
        assert build_amendment_context(document)["co_termination"] == wording
        assert wording in pdf_text(render_amendment_pdf(document, DATA).pdf)

    def test_is_worded_in_german(self) -> None:
        context = build_amendment_context(amendment_document(locale="de", evergreen=True))
        assert context["co_termination"] == (
            "Zum Ende des laufenden Abrechnungszeitraums, danach fortlaufend je Abrechnungszeitraum"
        )


class TestBuildAmendmentContext:
    @pytest.mark.parametrize(
        ("method", "words"),
        [("daily", "by days"), ("monthly_daily", "by months then days"), ("none", "not prorated")],
    )
    def test_words_the_proration_method(self, method: str, words: str) -> None:
        assert build_amendment_context(replace(amendment_document(), proration_method=method))["proration"] == words

    @pytest.mark.parametrize(
        ("line", "match"),
        [(replace(ENT_CHARGE, change="swap"), "change 'swap'"), (replace(ENT_CHARGE, side="refund"), "side 'refund'")],
    )
    def test_refuses_an_unknown_change_or_side(self, line: AmendmentDocumentLine, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            build_amendment_context(amendment_document(lines=(line,)))

    def test_refuses_an_unknown_proration_method_or_locale(self) -> None:
        with pytest.raises(ValueError, match="proration method"):
            build_amendment_context(replace(amendment_document(), proration_method="hourly"))
        with pytest.raises(ValueError, match="locale"):
            render_amendment_html(amendment_document(locale="es"))

    def test_escapes_customer_text_also_inside_translated_sentences(self) -> None:
        html = render_amendment_html(replace(amendment_document(), customer=replace(CUSTOMER, name="<b>Smith & Sons</b>")))
        assert "<b>" not in html
        assert "By signing below, &lt;b&gt;Smith &amp; Sons&lt;/b&gt; accepts amendment Q-2026-000007" in html


class TestFormatter:
    @pytest.mark.parametrize(
        ("locale", "value", "expected"),
        [
            ("en", "0.791780822", "79.18%"),
            ("en", "0.451612903", "45.16%"),
            ("en", "0.5", "50.00%"),
            ("en", "1", "100.00%"),
            ("en", "0.12345", "12.35%"),
            ("fr", "0.791780822", "79,18 %"),
            ("de", "0.791780822", "79,18 %"),
            ("pl", "0.791780822", "79,18%"),
        ],
    )
    def test_shows_a_fraction_as_a_percentage_with_two_decimals(self, locale: str, value: str, expected: str) -> None:
        assert spaced(Formatter(locale, "EUR").fraction(Decimal(value))) == expected

    @pytest.mark.parametrize(
        ("locale", "value", "expected"),
        [("en", "380", "+€380.00"), ("en", "-420", "-€420.00"), ("en", "0", "€0.00"), ("fr", "380", "+380,00 €")],
    )
    def test_signs_a_change_of_amount(self, locale: str, value: str, expected: str) -> None:
        assert spaced(Formatter(locale, "EUR").signed_amount(Decimal(value))) == expected


class TestAmendmentCatalog:
    @pytest.mark.parametrize("locale", ["fr", "de", "pl"])
    def test_translates_every_word_the_context_chooses(self, locale: str) -> None:
        words = [
            *CHANGES.values(),
            *PRORATION_METHODS.values(),
            "Contract amendment",
            "%(change)s (credit)",
            "at renewal on %(date)s",
            "from %(start)s",
            "from %(start)s to %(end)s",
            "Co-terminates with the contract on %(date)s",
            "At the end of the current billing period, then continues period by period",
        ]
        catalog = read_catalog(po_path(locale), locale)
        assert [word for word in words if word not in catalog or not is_translated(catalog[word])] == []


class TestBackDatedAmendment:
    """Issue D: +5 seats effective 2026-04-01 quoted in December: 47.42 for the rest of the period + 8 × 105.00."""

    SEATS = AmendmentDocumentLine(
        sku="TIX-PRO", name="Ticketing Pro", unit="seat", change="seat_expansion", side="charge",
        quantity=5, quantity_before=20, quantity_after=25, recurring=True, net_unit_price=Decimal("21.00"),
        proration_fraction=Decimal("0.451612903"), amount_due_now=Decimal("887.42"),
        remaining_term_value=Decimal("992.42"), mrr_delta=Decimal("105.00"), scheduled=False, start_date=EFFECTIVE,
        end_date=TERM_END, catch_up_due=Decimal("840.00"),
    )
    TOTALS = AmendmentTotals(amount_due_now=Decimal("887.42"), remaining_term_value=Decimal("992.42"),
                             mrr_delta=Decimal("105.00"), mrr_before=Decimal("420.00"), mrr_after=Decimal("525.00"),
                             catch_up_due=Decimal("840.00"))

    @pytest.mark.parametrize(("locale", "rest", "caught_up", "due", "amounts"), [
        ("en", "Rest of the current period", "Periods already invoiced without the change", "Due on acceptance",
         ("€47.42", "€840.00", "€887.42")),
        ("fr", "Reste de la période en cours", "Périodes déjà facturées sans la modification",
         "À payer à l’acceptation", ("47,42 €", "840,00 €", "887,42 €")),
        ("de", "Rest des laufenden Zeitraums", "Ohne die Änderung bereits abgerechnete Zeiträume",
         "Fällig bei Annahme", ("47,42 €", "840,00 €", "887,42 €")),
        ("pl", "Pozostała część bieżącego okresu", "Okresy już zafakturowane bez zmiany",
         "Do zapłaty przy akceptacji", ("47,42 €", "840,00 €", "887,42 €")),
    ])
    def test_shows_the_proration_and_the_periods_already_invoiced(
        self, locale: str, rest: str, caught_up: str, due: str, amounts: tuple[str, ...]
    ) -> None:
        document = amendment_document(locale=locale, lines=(self.SEATS,), totals=self.TOTALS)
        text = pdf_text(render_amendment_pdf(document, DATA).pdf)
        for expected in (rest, caught_up, due, *amounts):
            assert expected in text, expected

    def test_keeps_the_plain_layout_without_a_catch_up(self, english_pdf: bytes) -> None:
        text = pdf_text(english_pdf)
        assert "Due on the effective date" in text and "Periods already invoiced" not in text
