"""The PDF of a 50-line quote, signature field and attached JSON included. Target: ≤ 1 s; 200 lines and the
re-download reported.

Rendering (no database, no HTTP): the English quote document of 50 (then 200) lines, with an attached JSON
of the size the API answers for such a quote, rendered as finalize does in a worker: Jinja2, WeasyPrint's
layout, the PDF/A-3b write with the attachment, and pyHanko's rewrite with the signature field; p50 over
≥ 5 runs, and each step's share.

Through the API (a temp SQLite file, a live `uvicorn app.main:create_app --factory --workers 1` on 127.0.0.1
with one PDF worker process, as a server runs): a 50-line quote is created and finalized (timed once: the
first render also starts the worker), a second one finalized (timed), then its document is downloaded ≥ 30
times, one request at a time: each GET re-reads the stored file and checks its SHA-256.

    python -m bench.bench_documents
"""

from __future__ import annotations

import ctypes.util
import json
import tempfile
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
from weasyprint import HTML

from app.documents.context import DocumentLine, DocumentTotals, QuoteDocument
from app.documents.environment import TEMPLATES_DIR
from app.documents.parties import Party
from app.documents.render import PDF_VARIANT, render_quote_html, render_quote_pdf
from app.documents.signature import add_signature_field, signature_place
from app.domain.addresses import Address
from bench.bench_pricing import timed
from bench.common import (
    Result,
    UvicornServer,
    admin_token,
    create_account,
    fmt_summary,
    header,
    migrate,
    seed_catalog,
    sqlite_url,
    summary_ms,
    verdict,
)

LINES, MORE_LINES = 50, 200
TARGET_S = 1.0
DOWNLOADS = 30
SKUS = [f"DOC-{i:03d}" for i in range(LINES)]


def _data(lines: int) -> bytes:
    """A stand-in for the quote's JSON of `lines` lines, of the size the API answers (about 600 bytes a line)."""
    line = {"sku": "TIX-PRO", "quantity": 20, "recurring": True, "list_unit_price": "25.000000",
            "regular_unit_price": "25.000000", "contracted_unit_price": None, "discount_percent": "16",
            "discount_amount": None, "net_unit_price": "21.000000", "start_date": "2026-01-15",
            "end_date": "2027-01-15", "mrr": "420.00", "total": "5040.00", "change": None, "side": None}
    return json.dumps({"number": "Q-2026-000042", "lines": [line] * lines}, indent=2).encode()


def _document(lines: int) -> QuoteDocument:
    line = DocumentLine(sku="TIX-PRO", name="Ticketing Pro", unit="seat", quantity=20, recurring=True,
                        list_unit_price=D("25.00"), net_unit_price=D("21.00"),
                        total=D("5040.00"))
    n = D(lines)
    return QuoteDocument(
        number="Q-2026-000042", version=2, quote_type="new", locale="en", currency="EUR",
        issue_date=date(2026, 1, 10), valid_until=date(2026, 2, 9),
        seller=Party("cpq bench publisher SAS", Address("12 rue de la République", "69002", "Lyon", "FR"),
                     tax_id="FR74912345678", email="sales@bench.example"),
        customer=Party("Bench GmbH", Address("Hafenstraße 12", "20457", "Hamburg", "DE"), tax_id="DE811907980",
                       email="bench@example.org"),
        start_date=date(2026, 1, 15),
        end_date=date(2027, 1, 15), term_months=12, billing_frequency="monthly", auto_renew=True,
        renewal_pricing="same", uplift_percent=None, notice_days=30,
        lines=tuple(replace(line, sku=f"SKU-{i:03d}") for i in range(lines)),
        totals=DocumentTotals(one_time=D(0), total_contract_value=5040 * n,
                              first_invoice=420 * n),
    )


def _steps(document: QuoteDocument, total_ms: float) -> dict[str, float]:
    """Where one render's time goes: the template, WeasyPrint's layout, pyHanko's rewrite, the PDF/A write."""
    started = time.perf_counter()
    html = render_quote_html(document)
    templated = time.perf_counter()
    laid_out = HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/").render()
    placed = time.perf_counter()
    pdf = laid_out.write_pdf(pdf_variant=PDF_VARIANT)
    written = time.perf_counter()
    add_signature_field(pdf, signature_place(laid_out))
    steps = {"template": templated - started, "layout": placed - templated,
             "signature field": time.perf_counter() - written}
    return {**{name: seconds * 1000 for name, seconds in steps.items()},
            "pdf/a write and attachment": total_ms - sum(steps.values()) * 1000}


def bench_render(lines: int, *, runs: int) -> float:
    """p50 in s of the whole render; printed with its floor, the plain PDF WeasyPrint writes of the same HTML."""
    document, data = _document(lines), _data(lines)
    html = render_quote_html(document)
    size = len(render_quote_pdf(document, data).pdf)
    s = summary_ms(timed(lambda: render_quote_pdf(document, data), min_runs=runs, max_runs=runs,
                         max_seconds=0, warmup=1))
    floor = summary_ms(timed(lambda: HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/").write_pdf(),
                             min_runs=runs, max_runs=runs, max_seconds=0, warmup=0))
    steps = _steps(document, s["p50"])
    print(f"   {lines:>3} lines  render_quote_pdf  {fmt_summary(s)}  ({size // 1024} KiB, {len(data) // 1024} KiB "
          "of JSON attached)")
    print(f"             floor, WeasyPrint's plain PDF of the same HTML: p50 {floor['p50']:.0f} ms "
          f"(the PDF/A, attachment and field add {s['p50'] - floor['p50']:.0f} ms)")
    print("             one render: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in steps.items()))
    return s["p50"] / 1000


def _ok(response: httpx.Response, status: int, what: str) -> Any:
    if response.status_code != status:
        raise RuntimeError(f"{what} answered {response.status_code}: {response.text[:300]}")
    return response


def bench_api() -> tuple[float, float]:
    """(second finalize in s, p50 GET document in ms) through a live server with one PDF worker."""
    with tempfile.TemporaryDirectory(prefix="cpq-bench-documents-") as tmp:
        url = sqlite_url(Path(tmp))
        migrate(url)
        token = admin_token(url)
        seed_catalog(url, SKUS)
        account_id = create_account(url)
        env = {"CPQ_DATABASE_URL": url, "CPQ_PDF_WORKERS": "1", "CPQ_DOCUMENTS_DIR": str(Path(tmp) / "documents")}
        body = {"account_id": account_id, "start_date": "2026-01-15", "term_months": 12,
                "billing_frequency": "monthly", "lines": [{"sku": s, "quantity": 5 + i} for i, s in enumerate(SKUS)]}
        with UvicornServer("app.main:create_app", env=env) as server, \
                httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"},
                             timeout=120) as client:
            finalize_s = []
            for _ in range(2):
                quote_id = _ok(client.post("/v1/quotes", json=body), 201, "POST /v1/quotes").json()["id"]
                started = time.perf_counter()
                _ok(client.post(f"/v1/quotes/{quote_id}/finalize"), 200, "POST /v1/quotes/{id}/finalize")
                finalize_s.append(time.perf_counter() - started)
            path = f"/v1/quotes/{quote_id}/document"
            size = len(_ok(client.get(path), 200, "GET document").content)
            samples = timed(lambda: _ok(client.get(path), 200, "GET document"), min_runs=DOWNLOADS,
                            max_runs=DOWNLOADS, max_seconds=0, warmup=3)
    s = summary_ms(samples)
    print(f"   POST finalize, 50 lines: first {finalize_s[0]:.2f} s (starts the worker), then {finalize_s[1]:.2f} s")
    print(f"   GET /v1/quotes/{{id}}/document ({size // 1024} KiB, hash checked)  {fmt_summary(s)}")
    return finalize_s[1], s["p50"]


def run() -> list[Result]:
    header(f"bench_documents: the signature-ready PDF/A-3b of a {LINES}-line quote (target ≤ {TARGET_S:g} s)")
    subset = "present" if ctypes.util.find_library("harfbuzz-subset") else "MISSING (fonts subset by fontTools, slower)"
    print(f"   libharfbuzz-subset (scripts/system-deps installs it): {subset}")
    fifty = bench_render(LINES, runs=7)
    more = bench_render(MORE_LINES, runs=3)
    finalize_s, download_ms = bench_api()
    print(f"   => {LINES} lines p50 {fifty:.2f} s; target ≤ {TARGET_S:g} s: {verdict(fifty <= TARGET_S)} "
          f"({fifty / TARGET_S:.0%} of the budget); {MORE_LINES} lines {more:.2f} s")
    return [
        Result("documents", f"PDF {LINES} lines p50", f"{fifty:.2f} s", f"≤ {TARGET_S:g} s",
               f"{fifty / TARGET_S:.0%} of target", verdict(fifty <= TARGET_S)),
        Result("documents", f"PDF {MORE_LINES} lines p50", f"{more:.2f} s"),
        Result("documents", f"finalize {LINES} lines (API, pool)", f"{finalize_s:.2f} s"),
        Result("documents", "GET document p50", f"{download_ms:.2f} ms"),
    ]


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
