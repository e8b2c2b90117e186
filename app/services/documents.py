"""Finalize a quote into a signature-ready PDF, stored with its SHA-256; serve it back as a file read."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from app.db.base import utc_now
from app.db.models import Account, ProductRow, Quote
from app.db.repositories import accounts as account_repo
from app.db.repositories import catalog as catalog_repo
from app.db.repositories import contracts as contract_repo
from app.db.session import reading
from app.documents.context import (
    AmendmentDocument,
    AmendmentDocumentLine,
    AmendmentTotals,
    DocumentLine,
    DocumentTotals,
    QuoteDocument,
)
from app.documents.render import RenderedDocument, render_amendment_pdf, render_quote_pdf
from app.domain.contracts import contract_mrr
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.periods import term_end
from app.services import audit
from app.services.auth import Caller
from app.services.quotes import QuoteNotEditable, check_version, load_quote
from app.services.views import QuoteView, quote_view, to_segment


class NeedsApproval(Conflict):
    code = "needs_approval"
    title = "Quote needs approval"


class DocumentUnavailable(NotFound):
    code = "document_unavailable"


@dataclass(frozen=True)
class DocumentSettings:
    directory: Path
    validity_days: int
    seller_name: str


@dataclass(frozen=True)
class StoredDocument:
    content: bytes
    sha256: str
    filename: str


def finalize_quote(
    session: Session, *, caller: Caller, quote_id: uuid.UUID, if_match: frozenset[int] | None, today: date,
    settings: DocumentSettings,
) -> QuoteView:
    """Freeze the quote, render its PDF in the account's language and store the bytes and their hash."""
    with session.begin():
        row = load_quote(session, caller, quote_id, for_update=True)
        check_version(row, if_match)
        if row.status == "needs_approval":
            raise NeedsApproval(f"quote {row.number} has a discount above the threshold; an approver must approve it")
        if row.status not in ("draft", "approved"):
            raise QuoteNotEditable(f"quote {row.number} is {row.status}; only a draft or approved quote is finalized")
        valid_until = row.valid_until or today + timedelta(days=settings.validity_days)
        if valid_until < today:
            raise InvalidInput(f"valid_until {valid_until.isoformat()} is already past")
        account = account_repo.account(session, row.account_id)
        assert account is not None  # a quote's account is a foreign key
        row.valid_until, row.version = valid_until, row.version + 1
        rendered = _render(session, row, account, today, settings.seller_name)
        filename = f"{row.number}-v{row.version}.pdf"
        _write_atomically(settings.directory / filename, rendered.pdf)
        row.status, row.finalized_at = "open", utc_now()
        row.document_path, row.document_sha256 = filename, rendered.sha256
        row.template_version = rendered.template_version
        audit.record(session, caller, "quote.finalized", "quote", row.id, {"sha256": rendered.sha256})
        session.flush()
        return quote_view(row)


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(content)
    os.replace(partial, path)


def _render(session: Session, row: Quote, account: Account, today: date, seller_name: str) -> RenderedDocument:
    """The PDF in the account's language: the quote layout, or before/after and prorated amounts."""
    products = catalog_repo.products_by_sku(session, {line.sku for line in row.lines})
    view = quote_view(row)
    if row.type == "amendment":
        return render_amendment_pdf(_amendment_document(session, row, view, products, account, today, seller_name))
    return render_quote_pdf(_quote_document(row, view, products, account, today, seller_name))


def _amendment_document(session: Session, row: Quote, view: QuoteView, products: dict[str, ProductRow],
                        account: Account, today: date, seller_name: str) -> AmendmentDocument:
    contract = contract_repo.contract(session, row.contract_id) if row.contract_id else None
    assert contract is not None and view.effective_date is not None and view.amendment_totals is not None
    before = contract_mrr([to_segment(s) for s in contract_repo.segments_in_force(session, contract.id,
                                                                                   view.effective_date)],
                          row.currency, view.effective_date)
    totals = view.amendment_totals
    return AmendmentDocument(
        number=row.number, version=row.version, locale=account.locale, currency=row.currency, issue_date=today,
        valid_until=view.valid_until or today, seller_name=seller_name, account_name=account.name,
        billing_email=account.billing_email, contract_number=contract.number, effective_date=view.effective_date,
        term_end=contract.end_date, billing_frequency=contract.billing_frequency,
        proration_method=contract.proration_method,
        lines=tuple(
            AmendmentDocumentLine(
                sku=line.sku, name=products[line.sku].name, unit=products[line.sku].unit, change=line.change or "",
                side=line.side or "charge", quantity=line.quantity, quantity_before=line.quantity_before or 0,
                quantity_after=line.quantity_after or 0, recurring=line.recurring,
                net_unit_price=line.net_unit_price, proration_fraction=line.proration_fraction or Decimal(0),
                amount_due_now=line.amount_due_now or Decimal(0),
                remaining_term_value=line.remaining_term_value or Decimal(0), mrr_delta=line.mrr_delta or Decimal(0),
                scheduled=line.scheduled, start_date=line.start_date, end_date=line.end_date,
            )
            for line in view.lines
        ),
        totals=AmendmentTotals(amount_due_now=totals.amount_due_now, remaining_term_value=totals.remaining_term_value,
                               mrr_delta=totals.mrr_delta, mrr_before=before, mrr_after=before + totals.mrr_delta),
    )


def _quote_document(row: Quote, view: QuoteView, products: dict[str, ProductRow], account: Account, today: date,
                    seller_name: str) -> QuoteDocument:
    return QuoteDocument(
        number=row.number, version=row.version, quote_type=row.type, locale=account.locale, currency=row.currency,
        issue_date=today, valid_until=view.valid_until or today, seller_name=seller_name,
        account_name=account.name, billing_email=account.billing_email, start_date=row.start_date,
        end_date=term_end(row.start_date, row.term_months), term_months=row.term_months,
        billing_frequency=row.billing_frequency, auto_renew=row.auto_renew, renewal_pricing=row.renewal_pricing,
        uplift_percent=row.uplift_percent, notice_days=row.notice_days,
        lines=tuple(
            DocumentLine(
                sku=line.sku, name=products[line.sku].name, unit=products[line.sku].unit, quantity=line.quantity,
                recurring=line.recurring, list_unit_price=line.list_unit_price, net_unit_price=line.net_unit_price,
                discount_percent=line.discount_percent, mrr=line.mrr, total=line.total,
            )
            for line in view.lines
        ),
        totals=DocumentTotals(**view.totals.__dict__),
    )


def quote_document(session: Session, *, caller: Caller, quote_id: uuid.UUID, directory: Path) -> StoredDocument:
    """The stored PDF of a finalized quote: the exact bytes whose hash the customer signs."""
    with reading(session):
        row = load_quote(session, caller, quote_id)
    if row.document_path is None or row.document_sha256 is None:
        raise DocumentUnavailable(f"quote {row.number} is {row.status}; finalize it to produce its document")
    path = directory / row.document_path
    if not path.is_file():
        raise DocumentUnavailable(f"the document of quote {row.number} is missing from storage")
    return StoredDocument(path.read_bytes(), row.document_sha256, row.document_path)
