"""Quote use cases: create and edit (re-priced on every change), approve, decline, cancel, read."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db import bulk
from app.db.base import utc_now
from app.db.models import Account, Contract, Quote
from app.db.repositories import accounts as account_repo
from app.db.repositories import contracts as contract_repo
from app.db.repositories import quotes as repo
from app.db.session import reading
from app.domain.amendments import Change
from app.domain.errors import InvalidInput, NotFound, PreconditionFailed
from app.domain.metadata import merged
from app.domain.pricing import (
    LineRequest,
    PricedQuote,
    QuoteTerms,
    needs_approval,
    price_quote,
)
from app.domain.quote_states import QuoteTransitionRefused, can, transition
from app.domain.terms import ContractTerms, RenewalSettings, validate_terms
from app.services import audit, quote_events
from app.services.accounts import UnknownAccount, visible_account
from app.services.amendments import reprice_amendment
from app.services.auth import Caller
from app.services.contract_records import records_of
from app.services.own_fields import merge_metadata
from app.services.price_lists import price_list
from app.services.quote_rows import quote_line, store_priced
from app.services.renewal_quotes import reprice_renewal_quote
from app.services.retry import retry_transient
from app.services.views import QuoteView, quote_view

#: What a customer sees in the portal: finalized quotes only, never internal drafts.
PORTAL_VISIBLE = ("open", "accepted", "declined", "expired", "stale")


class UnknownQuote(NotFound):
    code = "unknown_quote"


@dataclass(frozen=True)
class QuoteDraft:
    """Everything a rep sets on a new-business quote."""

    account_id: uuid.UUID
    start_date: date
    terms: ContractTerms
    lines: Sequence[LineRequest]
    valid_until: date | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QuoteChanges:
    """A PATCH: only the fields present change; `lines` replaces every line."""

    fields: dict[str, Any] = field(default_factory=dict)
    lines: Sequence[LineRequest] | None = None
    amendment_changes: Sequence[Change] | None = None
    #: Merged into the quote's metadata (app.services.own_fields), whatever its type.
    metadata: Mapping[str, str | None] | None = None

    @property
    def metadata_only(self) -> bool:
        return self.metadata is not None and not self.fields and self.lines is None and self.amendment_changes is None


def load_quote(session: Session, caller: Caller, quote_id: uuid.UUID, *, for_update: bool = False) -> Quote:
    """The quote if this caller may see it (a portal key: its own account's finalized quotes, else 404)."""
    row = repo.quote(session, quote_id, for_update=for_update)
    if row is None or (
        caller.account_id is not None and (row.account_id != caller.account_id or row.status not in PORTAL_VISIBLE)
    ):
        raise UnknownQuote(f"no quote {quote_id}")
    return row


def lock_quote(session: Session, caller: Caller, quote_id: uuid.UUID) -> tuple[Quote, Contract | None]:
    """Lock a quote to change it, after its contract's row when it has one: one lock order everywhere.

    Accepting an amendment locks the contract and then updates the contract's other amendments (they go
    stale), so a use case that locked an amendment first and its contract second would deadlock with it.
    """
    contract_id = load_quote(session, caller, quote_id).contract_id
    contract = contract_repo.contract(session, contract_id, for_update=True) if contract_id else None
    return load_quote(session, caller, quote_id, for_update=True), contract


def check_version(row: Quote, if_match: frozenset[int] | None) -> None:
    check_if_match(f"quote {row.number}", row.version, if_match)


def check_if_match(what: str, version: int, if_match: frozenset[int] | None) -> None:
    """Refuse a change made from another version than the current one (None: If-Match absent or `*`)."""
    if if_match is not None and version not in if_match:
        named = ", ".join(f'"{v}"' for v in sorted(if_match)) or "no version this API issued"
        raise PreconditionFailed(f'{what} is at version "{version}"; If-Match names {named}')


def price(session: Session, account: Account, start_date: date, terms: ContractTerms,
          lines: Sequence[LineRequest]) -> PricedQuote:
    """Load what the waterfall needs for these lines in one go, then let the domain price them."""
    prices = price_list(session, account_id=account.id, currency=account.currency, skus={line.sku for line in lines})
    quote_terms = QuoteTerms(account.currency, start_date, terms.term_months, terms.billing_frequency)
    return price_quote(lines, quote_terms, prices)


def _apply_terms(row: Quote, terms: ContractTerms) -> None:
    renewal = terms.renewal
    row.term_months, row.billing_frequency = terms.term_months, terms.billing_frequency
    row.auto_renew, row.renewal_pricing, row.uplift_percent = renewal.auto_renew, renewal.pricing, renewal.uplift_percent
    row.renewal_term_months, row.renewal_lead_days = renewal.term_months, renewal.lead_days
    row.notice_days, row.mid_term_decrease, row.proration_method = (
        renewal.notice_days, terms.mid_term_decrease, terms.proration_method,
    )


def _terms_of(row: Quote) -> ContractTerms:
    renewal = RenewalSettings(
        auto_renew=row.auto_renew, pricing=row.renewal_pricing, uplift_percent=row.uplift_percent,
        term_months=row.renewal_term_months, lead_days=row.renewal_lead_days, notice_days=row.notice_days,
    )
    return ContractTerms(row.term_months, row.billing_frequency, renewal, row.mid_term_decrease, row.proration_method)


def _store_pricing(row: Quote, priced: PricedQuote, requests: Sequence[LineRequest], threshold: Decimal) -> None:
    lines = [quote_line(index, line, request) for index, (line, request) in enumerate(zip(priced.lines, requests,
                                                                                            strict=True))]
    store_priced(row, lines, priced.totals, needs_approval=needs_approval(priced.lines, threshold))


def _requests_of(row: Quote) -> list[LineRequest]:
    return [LineRequest(ln.sku, ln.quantity, ln.discount_percent, ln.discount_amount) for ln in row.lines]


def create_quote(session: Session, *, caller: Caller, today: date, draft: QuoteDraft, threshold: Decimal) -> QuoteView:
    validate_terms(draft.terms)
    with session.begin():
        account = account_repo.account(session, draft.account_id)
        if account is None:
            raise UnknownAccount(f"no account {draft.account_id}")
        priced = price(session, account, draft.start_date, draft.terms, draft.lines)
        number = repo.next_number(session, series="Q", year=today.year)
        row = Quote(
            number=f"Q-{today.year}-{number:06d}", type="new", version=1, account_id=account.id,
            currency=account.currency, start_date=draft.start_date, valid_until=draft.valid_until,
            created_by=caller.key_id, lines=[], metadata_=merged({}, draft.metadata),
        )
        _apply_terms(row, draft.terms)
        _store_pricing(row, priced, draft.lines, threshold)
        bulk.write_new(session, [row])  # a large quote's lines in one COPY (PostgreSQL), not one INSERT each
        audit.record(session, caller, "quote.created", "quote", row.id, {"number": row.number})
        quote_events.append(session, row, "quote.created", None)
        return quote_view(row)


@retry_transient
def update_quote(
    session: Session, *, caller: Caller, quote_id: uuid.UUID, if_match: frozenset[int] | None, changes: QuoteChanges,
    threshold: Decimal, today: date,
) -> QuoteView:
    """Apply a PATCH and re-price (an amendment as of `today`); any change withdraws an earlier approval.

    Metadata alone is the caller's own bookkeeping (a CRM opportunity id noted once the quote was sent): it
    changes on a quote in any status, and is no edit of the offer, so nothing is re-priced, no approval is
    withdrawn and the version (the ETag, the document's) stays, as a contract's metadata makes no version."""
    with session.begin():
        row, contract = lock_quote(session, caller, quote_id)
        check_version(row, if_match)
        if changes.metadata_only:
            assert changes.metadata is not None
            merge_metadata(row, changes.metadata)
            audit.record(session, caller, "quote.metadata_updated", "quote", row.id, {"version": row.version})
            session.flush()
            return quote_view(row)
        if not can(row.status, "edit"):
            raise QuoteTransitionRefused(f"quote {row.number} is {row.status}; only draft quotes can be edited")
        if changes.metadata is not None:
            merge_metadata(row, changes.metadata)
        if row.type == "amendment":
            _update_amendment(session, row, changes, threshold, today)
        elif row.type == "renewal":
            assert contract is not None
            _update_renewal(session, row, contract, changes, threshold)
        else:
            _update_new_business(session, caller, row, changes, threshold)
        row.version += 1
        audit.record(session, caller, "quote.updated", "quote", row.id, {"version": row.version})
        session.flush()
        return quote_view(row)


def _update_amendment(session: Session, row: Quote, changes: QuoteChanges, threshold: Decimal, today: date) -> None:
    fields = dict(changes.fields)
    effective_date = fields.pop("effective_date", None)
    if fields.keys() - {"valid_until"}:
        raise InvalidInput(
            "an amendment takes its terms from the contract; only effective_date, changes and valid_until change: "
            + ", ".join(sorted(fields.keys() - {"valid_until"})) + " cannot"
        )
    row.valid_until = fields.get("valid_until", row.valid_until)
    reprice_amendment(session, row, effective_date=effective_date, changes=changes.amendment_changes,
                      threshold=threshold, today=today)


def _update_renewal(session: Session, row: Quote, contract: Contract, changes: QuoteChanges,
                    threshold: Decimal) -> None:
    """A renewal quote takes its term and pricing method from the contract; a rep edits lines and validity."""
    if changes.fields.keys() - {"valid_until"} or changes.amendment_changes is not None:
        named = sorted(changes.fields.keys() - {"valid_until"}) + (["changes"] if changes.amendment_changes else [])
        raise InvalidInput("a renewal quote takes its term and renewal pricing from the contract (edit them there); "
                           "only lines and valid_until change: " + ", ".join(named) + " cannot")
    row.valid_until = changes.fields.get("valid_until", row.valid_until)
    reprice_renewal_quote(session, row, records_of(session, contract), threshold, changes.lines)


def _update_new_business(session: Session, caller: Caller, row: Quote, changes: QuoteChanges,
                         threshold: Decimal) -> None:
    if changes.amendment_changes is not None or "effective_date" in changes.fields:
        raise InvalidInput("effective_date and changes belong to amendment quotes; edit the lines instead")
    fields = dict(changes.fields)
    term_fields = {k: fields.pop(k) for k in ("term_months", "billing_frequency", "mid_term_decrease",
                                               "proration_method", "renewal") if k in fields}
    terms = dataclasses.replace(_terms_of(row), **term_fields)
    validate_terms(terms)
    start_date = fields.pop("start_date", row.start_date)
    requests = list(changes.lines) if changes.lines is not None else _requests_of(row)
    account = visible_account(session, caller, row.account_id)
    priced = price(session, account, start_date, terms, requests)
    row.start_date = start_date
    row.valid_until = fields.pop("valid_until", row.valid_until)
    _apply_terms(row, terms)
    _store_pricing(row, priced, requests, threshold)


def get_quote(session: Session, *, caller: Caller, quote_id: uuid.UUID) -> QuoteView:
    with reading(session):
        return quote_view(load_quote(session, caller, quote_id))


@retry_transient
def _transition(
    session: Session, *, caller: Caller, quote_id: uuid.UUID, if_match: frozenset[int] | None, action: str,
    verb: str, reason: str | None = None,
) -> QuoteView:
    with session.begin():
        row, contract = lock_quote(session, caller, quote_id)
        check_version(row, if_match)
        row.status = status = transition(row.status, action, number=row.number, verb=verb)
        row.version += 1
        now: datetime = utc_now()
        if status == "approved":
            row.approved_by, row.approved_at = caller.key_id, now
        else:
            row.closed_at, row.close_reason = now, reason
            quote_events.append(session, row, f"quote.{status}", contract)
        audit.record(session, caller, f"quote.{status}", "quote", row.id, {"reason": reason} if reason else None)
        session.flush()
        return quote_view(row)


def approve_quote(session: Session, *, caller: Caller, quote_id: uuid.UUID, if_match: frozenset[int] | None) -> QuoteView:
    return _transition(session, caller=caller, quote_id=quote_id, if_match=if_match,
                       action="approve", verb="approved")


def decline_quote(session: Session, *, caller: Caller, quote_id: uuid.UUID, if_match: frozenset[int] | None,
                  reason: str | None) -> QuoteView:
    return _transition(session, caller=caller, quote_id=quote_id, if_match=if_match,
                       action="decline", verb="declined", reason=reason)


def cancel_quote(session: Session, *, caller: Caller, quote_id: uuid.UUID, if_match: frozenset[int] | None,
                 reason: str | None) -> QuoteView:
    return _transition(session, caller=caller, quote_id=quote_id, if_match=if_match,
                       action="cancel", verb="cancelled", reason=reason)

