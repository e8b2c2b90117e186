"""The signature field follows the signature block, and a signer fills it in place without touching what was signed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from weasyprint import HTML

from app.documents.render import render_amendment_pdf, render_quote_pdf
from app.documents.signature import SIGNATURE_FIELD, signature_place
from tests.pdf_checks import assert_pdfa_3b, attached_quote, reader, signature_field
from tests.unit.test_amendment_documents import full_document
from tests.unit.test_documents import DATA, TIX_PRO, quote_document


@pytest.fixture(scope="module")
def english_pdf() -> bytes:
    return render_quote_pdf(quote_document(), DATA).pdf


def test_a_long_quote_has_its_field_on_the_page_its_signature_block_flowed_onto() -> None:
    pdf = render_quote_pdf(quote_document(lines=(TIX_PRO,) * 45), DATA).pdf
    pages = len(reader(pdf).pages)
    assert pages > 1 and signature_field(pdf).page == pages - 1  # the block closes the document


def test_the_field_covers_the_signature_cell_where_weasyprint_laid_it_out(english_pdf: bytes) -> None:
    # A4 is 595 pt wide; inside the 15 mm margins and the block's 5 mm padding, the signature column starts
    # after the 20 % name and title columns and spans 40 % less its 3 mm gap before the date. It is as tall as
    # the cell: the 7 mm to sign in above the line, the line and its label (its edges rounded to whole points).
    x1, y1, x2, y2 = signature_field(english_pdf).rect
    assert (x1, x2) == (250, 433) and 33 <= y2 - y1 <= 34


def test_every_document_claims_and_keeps_pdfa_3b_with_its_data(english_pdf: bytes) -> None:
    for pdf, lang in ((english_pdf, "en"), (render_amendment_pdf(full_document("de"), DATA).pdf, "de")):
        assert_pdfa_3b(pdf, lang)
        assert attached_quote(pdf) == {"number": "Q-2026-000042"}


def test_a_template_without_the_signature_element_is_refused() -> None:
    document = HTML(string="<p>no signature block</p>").render()
    with pytest.raises(ValueError, match="signature"):
        signature_place(document)


@pytest.fixture(scope="module")
def signer() -> signers.SimpleSigner:
    """A throwaway self-signed certificate, as a customer's e-signature tool would hold a real one."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Anne Martin")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=None,
    )


def test_a_signer_signs_the_field_in_place_and_the_signature_validates(
    english_pdf: bytes, signer: signers.SimpleSigner,
) -> None:
    signed = signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(english_pdf)),
                              signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD), signer=signer).getvalue()
    # An incremental update: the stored bytes, whose SHA-256 acceptance checks, are untouched inside it.
    assert signed.startswith(english_pdf)
    (embedded,) = PdfFileReader(BytesIO(signed)).embedded_signatures
    assert embedded.field_name == SIGNATURE_FIELD and len(reader(signed).get_fields() or {}) == 1
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[signer.signing_cert]))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"
