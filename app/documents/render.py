"""Quote, amendment or renewal document → HTML → PDF bytes with their SHA-256 and the template version, stored at finalize.

WeasyPrint is CPU-bound and holds the GIL, so a server renders in a small process pool; tests and the
CLI render inline (the default until `configure_pool` says otherwise).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO

from weasyprint import HTML, Attachment

from app.documents.context import AmendmentDocument, QuoteDocument, build_amendment_context, build_context
from app.documents.environment import TEMPLATES_DIR, environment
from app.documents.renewal_context import RenewalDocument, build_renewal_context
from app.documents.signature import add_signature_field, signature_place

#: Bump whenever quote.html, base.css or a catalog changes what a PDF shows; stamped in the footer and stored.
TEMPLATE_VERSION = "quote-2026.5"
#: The same for amendment.html (and the partials and base.css it shares with quotes).
AMENDMENT_TEMPLATE_VERSION = "amendment-2026.7"
#: The same for renewal.html.
RENEWAL_TEMPLATE_VERSION = "renewal-2026.4"

#: fontTools, which WeasyPrint subsets fonts with when HarfBuzz-subset is missing, stamps each subset font's
#: `head.modified` with the current second unless SOURCE_DATE_EPOCH (the reproducible-builds standard) is set;
#: a fixed stamp keeps a re-render byte-identical to the SHA-256 stored at finalize.
_FONT_TIMESTAMP = "0"
#: Archival PDF (ISO 19005-3, level B: looks the same forever) that may carry the quote's data as a file.
PDF_VARIANT = "pdf/a-3b"
#: The attached quote: the JSON object GET /v1/quotes/{id} answers, less what finalize records after rendering.
ATTACHMENT_NAME = "quote.json"
#: PDF/A-3's AFRelationship for data the visible document is rendered from.
ATTACHMENT_RELATIONSHIP = "Data"

_lock = threading.Lock()
_workers = 0
_pool: ProcessPoolExecutor | None = None


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    sha256: str
    template_version: str


def pool_size(setting: int | None) -> int:
    """The workers to start: the setting when given, else one per core, so finalizes do not queue behind one."""
    return (os.cpu_count() or 1) if setting is None else setting


def configure_pool(workers: int) -> None:
    """Render in `workers` processes from now on; 0 renders inline in the calling thread."""
    global _workers
    if workers < 0:
        raise ValueError(f"workers must be 0 or more, not {workers}")
    with _lock:
        _workers = workers
    shutdown_pool()


def shutdown_pool() -> None:
    """Stop the worker processes, if any were started; the next render starts them again."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def _executor() -> ProcessPoolExecutor | None:
    """The pool, started on first use so importing this module costs nothing; None when inline."""
    global _pool
    with _lock:
        if _workers and _pool is None:
            # spawn, not fork: the server process has threads, and a forked copy of their locks can deadlock.
            _pool = ProcessPoolExecutor(max_workers=_workers, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def html_to_pdf(html: str, data: bytes, issued: date) -> bytes:
    """The signature-ready PDF/A-3b for a rendered template, `data` attached; top-level so the pool can pickle it.

    The attachment is dated the issue date, not the clock, so a re-render stays byte-identical.
    """
    os.environ.setdefault("SOURCE_DATE_EPOCH", _FONT_TIMESTAMP)
    document = HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/").render()
    stamp = datetime.combine(issued, time())
    attachment = Attachment(file_obj=BytesIO(data), name=ATTACHMENT_NAME, relationship=ATTACHMENT_RELATIONSHIP,
                            description="The quote as the cpq API returns it", created=stamp, modified=stamp)
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=[attachment])
    return add_signature_field(pdf, signature_place(document))


def _render(html: str, data: bytes, issued: date, template_version: str) -> RenderedDocument:
    """The PDF for `html`, in the pool when one is configured, with its SHA-256."""
    pool = _executor()
    pdf = html_to_pdf(html, data, issued) if pool is None else pool.submit(html_to_pdf, html, data, issued).result()
    return RenderedDocument(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), template_version=template_version)


#: Each document kind → the layout it renders with and that layout's version; a subclass before its base.
_LAYOUTS: tuple[tuple[type[QuoteDocument | AmendmentDocument], str, str], ...] = (
    (AmendmentDocument, "amendment.html", AMENDMENT_TEMPLATE_VERSION),
    (RenewalDocument, "renewal.html", RENEWAL_TEMPLATE_VERSION),
    (QuoteDocument, "quote.html", TEMPLATE_VERSION),
)


def _layout(document: QuoteDocument | AmendmentDocument) -> tuple[str, str]:
    """The template and template version for the document's kind."""
    return next((name, version) for kind, name, version in _LAYOUTS if isinstance(document, kind))


def template_version(document: QuoteDocument | AmendmentDocument) -> str:
    """The version the document's PDF is rendered with, known before rendering (the attached JSON states it)."""
    return _layout(document)[1]


def _context(document: QuoteDocument | AmendmentDocument) -> dict[str, object]:
    """The formatted values the document's layout places."""
    if isinstance(document, AmendmentDocument):
        return build_amendment_context(document)
    if isinstance(document, RenewalDocument):
        return build_renewal_context(document)
    return build_context(document)


def render_html(document: QuoteDocument | AmendmentDocument) -> str:
    """The document's HTML in its layout and language."""
    name, version = _layout(document)
    return environment(document.locale).get_template(name).render(_context(document), template_version=version)


def render_pdf(document: QuoteDocument | AmendmentDocument, data: bytes) -> RenderedDocument:
    """The document's PDF in its layout, with `data` (the quote's JSON) attached."""
    return _render(render_html(document), data, document.issue_date, template_version(document))


def render_quote_html(document: QuoteDocument) -> str:
    return render_html(document)


def render_quote_pdf(document: QuoteDocument, data: bytes) -> RenderedDocument:
    """The quote's PDF with `data` (the quote's JSON) attached."""
    return render_pdf(document, data)


def render_amendment_html(document: AmendmentDocument) -> str:
    return render_html(document)


def render_amendment_pdf(document: AmendmentDocument, data: bytes) -> RenderedDocument:
    """The amendment's PDF with `data` (the amendment quote's JSON) attached."""
    return render_pdf(document, data)
