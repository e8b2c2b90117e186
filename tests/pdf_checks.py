"""Reading back what a stored PDF promises: its signature field, its attached quote and its PDF/A-3b claims.

No PDF/A validator installs here (veraPDF is Java and not packaged), so `assert_pdfa_3b` checks the
requirements of ISO 19005-3 level B that this pipeline could break, with pypdf.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

#: Annotation flags (ISO 32000-1, 12.5.3) PDF/A-3 (6.3.2) wants clear, and the print flag it wants set.
_INVISIBLE, _HIDDEN, _PRINT, _NO_VIEW, _TOGGLE_NO_VIEW = 1, 2, 4, 32, 256


@dataclass(frozen=True)
class SignatureField:
    page: int
    rect: tuple[float, float, float, float]
    widget: DictionaryObject


def first_page_ink(pdf: bytes) -> tuple[float, float]:
    """The first page drawn as an image by poppler's pdftoppm, as a reader's screen shows it: the share of its
    pixels that are not white, over the whole page and over its top fifth (where the masthead is)."""
    with tempfile.TemporaryDirectory() as directory:
        source = f"{directory}/document.pdf"
        with open(source, "wb") as file:
            file.write(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", source,
                        f"{directory}/page"], check=True, capture_output=True)
        with Image.open(f"{directory}/page.png") as image:
            grey = image.convert("L")
            top = grey.crop((0, 0, grey.width, grey.height // 5))
            return _inked(grey), _inked(top)


def _inked(image: Image.Image) -> float:
    histogram = image.histogram()
    return 1 - sum(histogram[245:]) / (image.width * image.height)


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(BytesIO(pdf))


def signature_field(pdf: bytes) -> SignatureField:
    """The document's one signature field, which must be listed in the AcroForm and sit on a page."""
    document = reader(pdf)
    fields = document.get_fields() or {}
    assert [(name, field.get("/FT")) for name, field in fields.items()] == [("Signature", "/Sig")]
    (found,) = [
        SignatureField(number, tuple(float(v) for v in annotation["/Rect"]), annotation)  # type: ignore[arg-type]
        for number, page in enumerate(document.pages)
        for annotation in (a.get_object() for a in page.get("/Annots") or [])
        if annotation.get("/FT") == "/Sig"
    ]
    return found


def line_height_of(pdf: bytes, page: int, words: str) -> float:
    """The y (PDF points, from the bottom) of the text line on `page` that starts with `words`."""
    heights: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if text.startswith(words):
            heights.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

    reader(pdf).pages[page].extract_text(visitor_text=visit)
    assert heights, f"no line starting with {words!r} on page {page + 1}"
    return heights[-1]


def attached_quote(pdf: bytes) -> Any:
    """The JSON the PDF carries as quote.json, checked to be an associated file of the document (PDF/A-3)."""
    document = reader(pdf)
    (content,) = document.attachments["quote.json"]
    # WeasyPrint 70 lists the one file specification twice in /AF (from /EmbeddedFiles and from its objects).
    (number,) = {f.idnum for f in document.trailer["/Root"]["/AF"]}
    filespec = document.get_object(number)
    assert (filespec["/F"], filespec["/AFRelationship"]) == ("quote.json", "/Data")
    embedded = filespec["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/application/json" and "/ModDate" in embedded["/Params"]
    return json.loads(content)


def xmp(pdf: bytes) -> str:
    metadata = reader(pdf).trailer["/Root"]["/Metadata"].get_object()
    return str(metadata.get_data().decode())


def pdfa_identification(pdf: bytes) -> tuple[str, str]:
    """(part, conformance) as the XMP metadata declares them."""
    text = xmp(pdf)
    part = re.search(r'pdfaid:part="(\d)"|<pdfaid:part>(\d)<', text)
    conformance = re.search(r'pdfaid:conformance="(\w)"|<pdfaid:conformance>(\w)<', text)
    assert part and conformance, text
    return (part.group(1) or part.group(2), conformance.group(1) or conformance.group(2))


def _fonts(resources: DictionaryObject) -> list[DictionaryObject]:
    """Every font a content stream can use, descending into form XObjects and Type0 descendants."""
    fonts: list[DictionaryObject] = []
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        fonts.extend(d.get_object() for d in font.get("/DescendantFonts", [])) if "/DescendantFonts" in font \
            else fonts.append(font)
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            fonts.extend(_fonts(xobject["/Resources"].get_object()))
    return fonts


def assert_pdfa_3b(pdf: bytes, lang: str) -> None:
    """The PDF/A-3b requirements this pipeline could break: identification, colour, fonts, annotations, metadata."""
    document = reader(pdf)
    root = document.trailer["/Root"]
    assert pdfa_identification(pdf) == ("3", "B")
    assert "/Encrypt" not in document.trailer and len(document.trailer["/ID"]) == 2
    (intent,) = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    for page in document.pages:
        for font in _fonts(page["/Resources"].get_object()):
            descriptor = font["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{font['/BaseFont']} is not embedded"
        for annotation in (a.get_object() for a in page.get("/Annots") or []):
            flags = int(annotation["/F"])
            assert flags & _PRINT and not flags & (_INVISIBLE | _HIDDEN | _NO_VIEW | _TOGGLE_NO_VIEW)
            if annotation["/Subtype"] == "/Widget":
                assert set(annotation["/AP"]) == {"/N"}  # 6.3.3: a normal appearance only
    assert "/NeedAppearances" not in root["/AcroForm"]
    # 6.6.2.3: what /Info says, the XMP says too.
    info, text = document.trailer["/Info"].get_object(), xmp(pdf)
    assert f"<pdf:Producer>{info['/Producer']}<" in text or f'pdf:Producer="{info["/Producer"]}"' in text
    assert f">{info['/Title']}</rdf:li>" in text and f">{info['/Subject']}</rdf:li>" in text
    assert f"<pdf:Keywords>{info['/Keywords']}</pdf:Keywords>" in text
    assert root["/Lang"] == lang
