"""Names in scripts DejaVu Sans lacks: Chinese, Japanese and Korean print in Noto Sans CJK, glyph by glyph, rather
than as empty boxes; Greek stays in DejaVu Sans; a Latin-only document embeds no CJK font."""

from __future__ import annotations

from dataclasses import replace

from app.documents.render import render_quote_pdf
from app.domain.addresses import Address
from tests.pdf_checks import assert_pdfa_3b, reader
from tests.unit.test_documents import CUSTOMER, DATA, SELLER, TIX_PRO, pdf_text, quote_document

JAPANESE = "株式会社テスト"
GREEK = "Ελληνική Εταιρεία"
CHINESE_PRODUCT = "票务专业版"
KOREAN_STREET = "세종대로 110"


def embedded_fonts(pdf: bytes) -> set[str]:
    """The base names of the fonts the pages use, without the subset tag: "ABCDEF+DejaVu-Sans" → "DejaVu-Sans"."""
    names = set()
    for page in reader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def test_cjk_names_print_in_noto_sans_cjk_beside_greek_in_dejavu() -> None:
    document = replace(
        quote_document(),
        seller=replace(SELLER, name=GREEK),
        customer=replace(CUSTOMER, name=JAPANESE, address=Address(KOREAN_STREET, "04524", "서울", "KR")),
        lines=(replace(TIX_PRO, name=CHINESE_PRODUCT),),
    )
    pdf = render_quote_pdf(document, DATA).pdf
    text = pdf_text(pdf)
    for name in (JAPANESE, GREEK, CHINESE_PRODUCT, KOREAN_STREET):
        assert name in text, name
    fonts = embedded_fonts(pdf)
    assert {"DejaVu-Sans", "DejaVu-Sans-Bold", "Noto-Sans-CJK-SC"} <= fonts, fonts
    assert len(pdf) < 250_000  # subsets of the glyphs used, not the 16 MB font collection
    assert_pdfa_3b(pdf, "en")  # the CJK subsets are embedded as PDF/A wants


def test_a_latin_or_greek_document_embeds_no_cjk_font() -> None:
    pdf = render_quote_pdf(replace(quote_document(), customer=replace(CUSTOMER, name=GREEK)), DATA).pdf
    assert GREEK in pdf_text(pdf)
    assert all(font.startswith("DejaVu-Sans") for font in embedded_fonts(pdf)), embedded_fonts(pdf)
