"""The empty signature field of a document, placed where WeasyPrint laid out its signature block.

E-signature tools (and pyHanko, Acrobat) sign an existing `/FT /Sig` field in place, so the signature lands
on the printed signature line instead of a page the signer has to pick. The field's box comes from the
layout, not from fixed coordinates: the block moves down, or onto a later page, as a quote grows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from weasyprint.document import Document

# pyHanko 0.38 imports cryptography's DSA key class, which cryptography 51 deprecates with a warning on import:
# nothing here signs with DSA, and the warning would print on every `cpq` command.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

#: The element whose border box the field covers: the signature cell of partials/signature.html.
SIGNATURE_ELEMENT_ID = "signature"
#: The field's name, which signing tools are told to sign (`pyhanko sign addsig --field Signature ...`).
SIGNATURE_FIELD = "Signature"
#: CSS pixels (1/96 in) to PDF points (1/72 in), at WeasyPrint's default zoom of 1.
_PT_PER_PX = 0.75


@dataclass(frozen=True)
class FieldPlace:
    """A page (0-based) and a rectangle (x1, y1, x2, y2) in whole PDF points from the page's lower-left corner."""

    page: int
    box: tuple[int, int, int, int]


def signature_place(document: Document) -> FieldPlace:
    """Where the signature block was laid out; ValueError when a template has lost the element."""
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and element.get("id") == SIGNATURE_ELEMENT_ID:
                # The cell's height (its top padding is the space to sign in) but not its right padding, the
                # gap before the next cell. PDF's y axis points up from the page's bottom, CSS's down from its top.
                left, right = box.border_box_x(), box.content_box_x() + box.width
                top = page.height - box.border_box_y()
                x1, y1, x2, y2 = (round(v * _PT_PER_PX) for v in (left, top - box.border_height(), right, top))
                return FieldPlace(number, (x1, y1, x2, y2))
    raise ValueError(f"the document has no element with id {SIGNATURE_ELEMENT_ID!r} to place its signature field")


def add_signature_field(pdf: bytes, place: FieldPlace) -> bytes:
    """`pdf` rewritten as one revision with an empty, printable signature field on the signature block.

    A full rewrite rather than an incremental update, so the stored file has no history to explain. The
    document identifier is kept, so a re-render stays byte-identical and the identifier PDF/A asks for is
    the one WeasyPrint wrote.
    """
    reader = PdfFileReader(BytesIO(pdf))
    writer = copy_into_new_writer(reader)
    writer._document_id = generic.ArrayObject(reader.trailer_view["/ID"])  # no public setter
    # pyHanko stamps "now" and its own producer into the XMP, but not the same producer into /Info: the file
    # would no longer re-render byte-identical, and PDF/A wants /Info and XMP to agree. WeasyPrint's stay.
    writer._update_meta = lambda: None  # type: ignore[method-assign]
    append_signature_field(writer, SigFieldSpec(sig_field_name=SIGNATURE_FIELD, on_page=place.page, box=place.box))
    out = BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()
