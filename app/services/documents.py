"""Finalize a quote into a signature-ready PDF, stored with its SHA-256; serve it back as a file read."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from app.db.base import utc_now
from app.db.models import Account, Quote
from app.db.repositories import accounts as account_repo
from app.db.repositories import catalog as catalog_repo
from app.documents.context import DocumentLine, DocumentTotals, QuoteDocument
from app.documents.render import render_quote_pdf
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.periods import term_end
from app.services import audit
from app.services.auth import Caller
from app.services.quotes import QuoteNotEditable, check_version, load_quote
from app.services.views import QuoteView, quote_view


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
    session: Session, *, caller: Caller, quote_id: uuid.UUID, if_match: int | None, today: date,
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
        rendered = render_quote_pdf(_document(session, row, account, today, settings.seller_name))
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


def _document(session: Session, row: Quote, account: Account, today: date, seller_name: str) -> QuoteDocument:
    products = catalog_repo.products_by_sku(session, {line.sku for line in row.lines})
    view = quote_view(row)
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
    with session.begin():
        row = load_quote(session, caller, quote_id)
    if row.document_path is None or row.document_sha256 is None:
        raise DocumentUnavailable(f"quote {row.number} is {row.status}; finalize it to produce its document")
    path = directory / row.document_path
    if not path.is_file():
        raise DocumentUnavailable(f"the document of quote {row.number} is missing from storage")
    return StoredDocument(path.read_bytes(), row.document_sha256, row.document_path)
