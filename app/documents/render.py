"""Quote or amendment document → HTML → PDF bytes with their SHA-256 and the template version, stored at finalize.

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

from weasyprint import HTML

from app.documents.context import AmendmentDocument, QuoteDocument, build_amendment_context, build_context
from app.documents.environment import TEMPLATES_DIR, environment

#: Bump whenever quote.html, base.css or a catalog changes what a PDF shows; stamped in the footer and stored.
TEMPLATE_VERSION = "quote-2026.2"
#: The same for amendment.html (and the partials and base.css it shares with quotes).
AMENDMENT_TEMPLATE_VERSION = "amendment-2026.4"

#: fontTools, which WeasyPrint subsets fonts with when HarfBuzz-subset is missing, stamps each subset font's
#: `head.modified` with the current second unless SOURCE_DATE_EPOCH (the reproducible-builds standard) is set;
#: a fixed stamp keeps a re-render byte-identical to the SHA-256 stored at finalize.
_FONT_TIMESTAMP = "0"

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


def html_to_pdf(html: str) -> bytes:
    """The PDF for a rendered template; top-level so the process pool can pickle it."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", _FONT_TIMESTAMP)
    pdf: bytes = HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/").write_pdf()
    return pdf


def _render(html: str, template_version: str) -> RenderedDocument:
    """The PDF for `html`, in the pool when one is configured, with its SHA-256."""
    pool = _executor()
    pdf = html_to_pdf(html) if pool is None else pool.submit(html_to_pdf, html).result()
    return RenderedDocument(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), template_version=template_version)


def render_quote_html(document: QuoteDocument) -> str:
    template = environment(document.locale).get_template("quote.html")
    return template.render(build_context(document), template_version=TEMPLATE_VERSION)


def render_quote_pdf(document: QuoteDocument) -> RenderedDocument:
    return _render(render_quote_html(document), TEMPLATE_VERSION)


def render_amendment_html(document: AmendmentDocument) -> str:
    template = environment(document.locale).get_template("amendment.html")
    return template.render(build_amendment_context(document), template_version=AMENDMENT_TEMPLATE_VERSION)


def render_amendment_pdf(document: AmendmentDocument) -> RenderedDocument:
    return _render(render_amendment_html(document), AMENDMENT_TEMPLATE_VERSION)
