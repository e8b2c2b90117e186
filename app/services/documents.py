"""Finalize a quote into a signature-ready PDF, stored with its SHA-256; serve it back only while it still matches.

Finalize runs in three steps so no lock is held while WeasyPrint works (seconds for a long quote):
(1) a read-only transaction checks the quote and freezes what the document shows; (2) the PDF is rendered
and stored outside any transaction, under a name no other attempt uses; (3) a short write transaction
re-locks the quote and records the hash only if the quote is still at the version that was frozen. Steps 1
and 2 change nothing in the database, so a crash or failure anywhere leaves the quote as it was and finalize
can be called again; a failed step 3 deletes the file it would have pointed at.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.config import Settings
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
from app.documents.parties import Party
from app.documents.render import RenderedDocument, render_pdf, template_version
from app.documents.renewal_context import RenewalDocument, RenewalDocumentLine
from app.documents.storage import DocumentMissing, DocumentStorage, StorageError
from app.domain.addresses import Address
from app.domain.catalog import product_wording
from app.domain.contracts import contract_mrr
from app.domain.errors import Conflict, IntegrityFailure, InvalidInput, NotFound, Unavailable
from app.domain.periods import term_end
from app.domain.price_steps import PriceBook, rep_steps
from app.domain.quote_states import QuoteTransitionRefused, can, transition
from app.services import audit, quote_events
from app.services.auth import Caller
from app.services.quotes import check_version, load_quote, lock_quote
from app.services.retry import retry_transient
from app.services.views import QuoteView, quote_view, to_segment

logger = logging.getLogger("cpq.documents")

#: What GET /v1/quotes/{id} answers that the PDF's attached JSON cannot hold: finalize sets them when it records
#: the document, after rendering (the hash is the rendered bytes' own).
RECORDED_AFTER_RENDERING = ("finalized_at", "document_sha256", "updated_at")


class NeedsApproval(Conflict):
    code = "needs_approval"
    title = "Quote needs approval"


class QuoteChanged(Conflict):
    code = "quote_changed"
    title = "Quote changed while its document was rendered"


class DocumentUnavailable(NotFound):
    code = "document_unavailable"


class StorageUnavailable(Unavailable):
    code = "storage_unavailable"
    title = "Document storage unavailable"


class DocumentIntegrityError(IntegrityFailure):
    code = "document_integrity_error"
    title = "Stored document failed its integrity check"


#: The quote as the API answers it, in JSON types: the API layer owns that shape, the PDF attaches it.
QuoteJson = Callable[[QuoteView], dict[str, object]]


@dataclass(frozen=True)
class DocumentSettings:
    storage: DocumentStorage
    validity_days: int
    seller: Party
    quote_json: QuoteJson

    @classmethod
    def of(cls, settings: Settings, storage: DocumentStorage, quote_json: QuoteJson) -> DocumentSettings:
        """The configured publisher (CPQ_SELLER_*) as the seller of every document."""
        address = Address(settings.seller_street, settings.seller_postal_code, settings.seller_city,
                          settings.seller_country)
        seller = Party(settings.seller_name, address, tax_id=settings.seller_vat_number,
                       registration_number=settings.seller_registration_number, email=settings.seller_email,
                       phone=settings.seller_phone, logo=settings.seller_logo_uri)
        return cls(storage, settings.quote_validity_days, seller, quote_json)


def customer_party(account: Account) -> Party:
    """The customer block: the legal name when known, else the account's name."""
    return Party(account.legal_name or account.name, account.billing_address, tax_id=account.tax_id,
                 email=account.billing_email)


@dataclass(frozen=True)
class StoredDocument:
    content: bytes
    sha256: str
    filename: str


@dataclass(frozen=True)
class _Frozen:
    """What step 1 read: the quote's version then, and everything its document will show."""

    number: str
    version: int
    valid_until: date
    document: QuoteDocument | AmendmentDocument
    data: bytes


def finalize_quote(
    session: Session, *, caller: Caller, quote_id: uuid.UUID, if_match: frozenset[int] | None, today: date,
    settings: DocumentSettings,
) -> QuoteView:
    """Freeze the quote, render its PDF in the account's language and store the bytes and their hash."""
    frozen = _freeze(session, caller, quote_id, if_match, today, settings)
    rendered = render_pdf(frozen.document, frozen.data)
    # A fresh name per attempt: a concurrent or retried finalize of the same version never shares (or deletes)
    # this attempt's file.
    name = f"{frozen.number}-v{frozen.document.version}-{uuid.uuid4().hex[:12]}.pdf"
    try:
        settings.storage.put(name, rendered.pdf)
    except StorageError as error:
        logger.error("document storage unavailable finalizing quote %s: %s", frozen.number, error)
        raise StorageUnavailable(f"the document of quote {frozen.number} cannot be stored right now; the quote is "
                                 "unchanged, try again later") from error
    try:
        return _record(session, caller, quote_id, frozen, name, rendered)
    except BaseException:
        _discard(settings.storage, name)
        raise


def _freeze(session: Session, caller: Caller, quote_id: uuid.UUID, if_match: frozenset[int] | None, today: date,
            settings: DocumentSettings) -> _Frozen:
    """Step 1: check the quote can be finalized and build its document from one consistent read."""
    with reading(session, snapshot=True):
        row = load_quote(session, caller, quote_id)
        _check_finalizable(row, if_match)
        valid_until = row.valid_until or today + timedelta(days=settings.validity_days)
        if valid_until < today:
            raise InvalidInput(f"valid_until {valid_until.isoformat()} is already past")
        account = account_repo.account(session, row.account_id)
        assert account is not None  # a quote's account is a foreign key
        document = _document(session, row, account, today, settings.seller, valid_until)
        return _Frozen(row.number, row.version, valid_until, document, _attached_json(row, document, settings))


def _attached_json(row: Quote, document: QuoteDocument | AmendmentDocument, settings: DocumentSettings) -> bytes:
    """The quote as GET answers it once this finalize is recorded, less what is only known then."""
    finalized = replace(quote_view(row), status=transition(row.status, "finalize", number=row.number),
                        version=row.version + 1, valid_until=document.valid_until,
                        template_version=template_version(document), document_revision=document.version)
    body = {key: value for key, value in settings.quote_json(finalized).items()
            if key not in RECORDED_AFTER_RENDERING}
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


def _check_finalizable(row: Quote, if_match: frozenset[int] | None) -> None:
    check_version(row, if_match)
    if row.status == "needs_approval":
        raise NeedsApproval(f"quote {row.number} has a discount above the threshold; an approver must approve it")
    if not can(row.status, "finalize"):
        raise QuoteTransitionRefused(f"quote {row.number} is {row.status}; only a draft or approved quote is finalized")


@retry_transient
def _record(session: Session, caller: Caller, quote_id: uuid.UUID, frozen: _Frozen, name: str,
            rendered: RenderedDocument) -> QuoteView:
    """Step 3: under the locks, record the stored document if the quote is still what was rendered."""
    with session.begin():
        row, contract = lock_quote(session, caller, quote_id)
        if row.version != frozen.version or not can(row.status, "finalize"):
            raise QuoteChanged(f"quote {row.number} changed while its document was rendered (it is now version "
                               f"{row.version}, {row.status}); read it again and finalize that version")
        row.valid_until, row.version = frozen.valid_until, row.version + 1
        row.status, row.finalized_at = transition(row.status, "finalize", number=row.number), utc_now()
        row.document_path, row.document_sha256 = name, rendered.sha256
        row.template_version, row.document_revision = rendered.template_version, frozen.document.version
        audit.record(session, caller, "quote.finalized", "quote", row.id, {"sha256": rendered.sha256})
        quote_events.append(session, row, "quote.finalized", contract)
        session.flush()
        return quote_view(row)


def _discard(storage: DocumentStorage, name: str) -> None:
    """Remove a file no committed quote points at; failing to is logged, as the original error matters more."""
    try:
        storage.delete(name)
    except StorageError as error:
        logger.error("orphan document %s left in storage: %s", name, error)


@dataclass(frozen=True)
class _Issue:
    """What the finalized document states beyond the quote's content: its version, dates and publisher.

    The version is the count of documents the quote issued, this one included (not the quote's edit count,
    which an unsent draft's edits raise): the first document a customer receives is version 1.
    """

    version: int
    issue_date: date
    valid_until: date
    seller: Party


def _document(session: Session, row: Quote, account: Account, today: date, seller: Party,
              valid_until: date) -> QuoteDocument | AmendmentDocument:
    """The document in the account's language: the quote layout, or before/after and prorated amounts."""
    products = catalog_repo.products_by_sku(session, {line.sku for line in row.lines})
    view = quote_view(row)
    issue = _Issue(row.document_revision + 1, today, valid_until, seller)
    if row.type == "amendment":
        return _amendment_document(session, row, view, products, account, issue)
    if row.type == "renewal":
        return _renewal_document(session, row, view, _quote_document(row, view, products, account, issue, None))
    book = PriceBook(tuple(catalog_repo.schedules_for(session, products.keys())),
                     tuple(catalog_repo.price_entries_for(session, skus=products.keys(), currency=row.currency)),
                     row.currency, row.term_months)
    return _quote_document(row, view, products, account, issue, book)


def _renewal_document(session: Session, row: Quote, view: QuoteView, quote: QuoteDocument) -> RenewalDocument:
    """The quote's document with the contract it renews and each line's previous price and pricing method."""
    contract = contract_repo.contract(session, row.contract_id) if row.contract_id else None
    assert contract is not None  # a renewal quote is made for its contract
    lines = tuple(
        RenewalDocumentLine(**vars(document_line), previous_net_unit_price=line.previous_net_unit_price,
                            pricing_method=line.pricing_method or "", price_capped=line.price_capped)
        for document_line, line in zip(quote.lines, view.lines, strict=True)
    )
    return RenewalDocument(**{**vars(quote), "lines": lines}, contract_number=contract.number)


def _amendment_document(session: Session, row: Quote, view: QuoteView, products: dict[str, ProductRow],
                        account: Account, issue: _Issue) -> AmendmentDocument:
    contract = contract_repo.contract(session, row.contract_id) if row.contract_id else None
    assert contract is not None and view.effective_date is not None and view.totals.amount_due_now is not None
    before = contract_mrr([to_segment(s) for s in contract_repo.segments_in_force(session, contract.id,
                                                                                   view.effective_date)],
                          row.currency, view.effective_date)
    totals = view.totals
    return AmendmentDocument(
        number=row.number, version=issue.version, locale=account.locale, currency=row.currency,
        issue_date=issue.issue_date, valid_until=issue.valid_until, seller=issue.seller,
        customer=customer_party(account), contract_number=contract.number, effective_date=view.effective_date,
        term_end=contract.end_date, billing_frequency=contract.billing_frequency,
        proration_method=contract.proration_method,
        lines=tuple(
            AmendmentDocumentLine(
                sku=line.sku, **_wording(products[line.sku], account.locale), change=line.change or "",
                side=line.side or "charge", quantity=line.quantity, quantity_before=line.quantity_before or 0,
                quantity_after=line.quantity_after or 0, recurring=line.recurring,
                net_unit_price=line.net_unit_price, proration_fraction=line.proration_fraction or Decimal(0),
                catch_up_due=line.catch_up_due or Decimal(0), amount_due_now=line.amount_due_now or Decimal(0),
                remaining_term_value=line.remaining_term_value or Decimal(0), mrr_delta=line.mrr_delta or Decimal(0),
                scheduled=line.scheduled, start_date=line.start_date, end_date=line.end_date,
            )
            for line in view.lines
        ),
        totals=AmendmentTotals(
            amount_due_now=totals.amount_due_now or Decimal(0), catch_up_due=totals.catch_up_due or Decimal(0),
            remaining_term_value=totals.remaining_term_value or Decimal(0), mrr_delta=totals.mrr_delta or Decimal(0),
            mrr_before=before, mrr_after=before + (totals.mrr_delta or Decimal(0))),
    )


def _quote_document(row: Quote, view: QuoteView, products: dict[str, ProductRow], account: Account,
                    issue: _Issue, book: PriceBook | None) -> QuoteDocument:
    """A new-business quote's lines name their waterfall from the price book; a renewal quote's (no book) the
    rep's discount only, as their renewal pricing method sets the rest."""
    return QuoteDocument(
        number=row.number, version=issue.version, quote_type=row.type, locale=account.locale, currency=row.currency,
        issue_date=issue.issue_date, valid_until=issue.valid_until, seller=issue.seller,
        customer=customer_party(account), start_date=row.start_date,
        end_date=term_end(row.start_date, row.term_months), term_months=row.term_months,
        billing_frequency=row.billing_frequency, auto_renew=row.auto_renew, renewal_pricing=row.renewal_pricing,
        uplift_percent=row.uplift_percent, notice_days=row.notice_days,
        lines=tuple(
            DocumentLine(
                sku=line.sku, **_wording(products[line.sku], account.locale), quantity=line.quantity,
                recurring=line.recurring, list_unit_price=line.list_unit_price, net_unit_price=line.net_unit_price,
                total=line.total, steps=book.steps(line) if book else rep_steps(line),
                tiers=book.tiers(line) if book else (),
            )
            for line in view.lines
        ),
        totals=DocumentTotals(one_time=view.totals.one_time,
                              total_contract_value=view.totals.total_contract_value,
                              first_invoice=view.totals.first_invoice),
    )


def _wording(product: ProductRow, locale: str) -> dict[str, str]:
    name, unit = product_wording(product.name, product.unit, product.translations, locale)
    return {"name": name, "unit": unit}


def quote_document(session: Session, *, caller: Caller, quote_id: uuid.UUID,
                   storage: DocumentStorage) -> StoredDocument:
    """The stored PDF of a finalized quote: the exact bytes whose hash the customer signs, checked on every read."""
    with reading(session):
        row = load_quote(session, caller, quote_id)
    if row.document_path is None or row.document_sha256 is None:
        raise DocumentUnavailable(f"quote {row.number} is {row.status}; finalize it to produce its document")
    return StoredDocument(stored_pdf(storage, row), row.document_sha256, _download_name(row.document_path))


def stored_pdf(storage: DocumentStorage, row: Quote) -> bytes:
    """The quote's stored PDF, only if it still hashes to the SHA-256 recorded at finalize.

    A changed or missing file is never served or accepted: what the customer would see or sign is not what
    the quote recorded. It is logged at ERROR for an operator (restore the file from a backup).
    """
    assert row.document_path is not None and row.document_sha256 is not None
    try:
        content: bytes | None = storage.get(row.document_path)
    except DocumentMissing:
        content = None
    except StorageError as error:
        logger.error("document storage unavailable reading quote %s: %s", row.number, error)
        raise StorageUnavailable(f"the document of quote {row.number} cannot be read right now; try again later") \
            from error
    found = "missing" if content is None else hashlib.sha256(content).hexdigest()
    if content is not None and found == row.document_sha256:
        return content
    logger.error("document integrity error: quote %s document %s expected sha256 %s, found %s",
                 row.number, row.document_path, row.document_sha256, found)
    state = "is missing from storage" if content is None else "no longer matches the SHA-256 recorded at finalize"
    raise DocumentIntegrityError(f"the stored document of quote {row.number} {state}; it is withheld and the quote "
                                 "cannot be accepted until an operator restores it")


def _download_name(path: str) -> str:
    """`Q-2026-000001-v1.pdf` for the stored `Q-2026-000001-v1-<attempt>.pdf`: the name a person saves."""
    match = re.fullmatch(r"(.+-v\d+)-[0-9a-f]{12}\.pdf", path)
    return f"{match.group(1)}.pdf" if match else path


def storage_status(storage: DocumentStorage) -> bool:
    """Whether a document could be stored now, for /health; the reason is logged, not shown."""
    try:
        storage.check()
    except StorageError as error:
        logger.error("document storage unavailable: %s", error)
        return False
    return True
