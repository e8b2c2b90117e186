"""Contracts: made by accepting a quote (one transaction), read as of any date, with their history."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.db.base import new_id
from app.db.models import Contract, Event, Quote, QuoteAcceptance
from app.db.repositories import contracts as repo
from app.db.repositories import events as event_repo
from app.db.repositories import quotes as quote_repo
from app.db.repositories.pagination import Page
from app.db.session import reading
from app.documents.storage import DocumentStorage
from app.domain import acceptance
from app.domain.amendments import StaleAmendment
from app.domain.contracts import Term
from app.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from app.domain.listing import EVERYTHING, Narrowing
from app.domain.periods import term_end
from app.domain.quote_states import can, transition
from app.services import audit, quote_events
from app.services.amendments import (
    CatchUpChanged,
    apply_amendment,
    catch_up_changed,
    visible_contract,
)
from app.services.auth import Caller
from app.services.contract_records import ContractRecords, new_contract, records_of
from app.services.contract_writes import CARRIED_TERMS, Recorded, quoted_lines, store_change
from app.services.documents import stored_pdf
from app.services.holdings import account_holdings, scopes
from app.services.lifecycle import refresh_due, renew
from app.services.quotes import check_version, load_quote, lock_quote
from app.services.renewal_quotes import refresh_renewal_quotes
from app.services.retry import retry_transient
from app.services.views import (
    AcceptanceView,
    ContractVersionView,
    ContractView,
    QuoteView,
    acceptance_view,
    contract_view,
    quote_view,
    version_view,
)


class QuoteExpired(Conflict):
    code = "quote_expired"
    title = "Quote expired"


class DocumentMismatch(InvalidInput):
    code = "document_mismatch"
    title = "Signed document does not match"


def get_contract(session: Session, *, caller: Caller, contract_id: uuid.UUID, as_of: date) -> ContractView:
    with reading(session):
        return contract_as_of(session, visible_contract(session, caller, contract_id), as_of)


def contract_versions(session: Session, *, caller: Caller, contract_id: uuid.UUID, limit: int,
                      cursor: str | None, by: Narrowing = EVERYTHING) -> Page[ContractVersionView]:
    with reading(session):
        row = visible_contract(session, caller, contract_id)
        page = repo.versions(session, row.id, limit=limit, cursor=cursor, by=by)
        return Page([version_view(v) for v in page.data], page.next_cursor)


@retry_transient
def accept_quote(
    session: Session, *, caller: Caller, quote_id: uuid.UUID, if_match: frozenset[int] | None, today: date,
    signer_name: str, signer_email: str, document_sha256: str, client_address: str | None, storage: DocumentStorage,
    threshold: Decimal, user_agent: str | None = None,
) -> tuple[QuoteView, ContractView]:
    """Check the signed hash, then record the acceptance trail and apply the quote, all or nothing.

    An amendment locks its contract first (then the quote), so concurrent acceptances on one contract
    queue up and the second finds the version moved on: 409, and the quote is marked stale.
    """
    refusal: DomainError | None = None
    with session.begin():
        row, contract = lock_quote(session, caller, quote_id)
        check_version(row, if_match)
        if row.status == "stale":
            raise StaleAmendment(f"amendment {row.number} is stale: its contract changed since it was prepared; "
                                 "prepare it again on the current contract")
        if not can(row.status, "accept"):
            raise Conflict(f"quote {row.number} is {row.status}; only an open (finalized) quote can be accepted")
        if document_sha256.lower() != row.document_sha256:
            raise DocumentMismatch(
                f"the document_sha256 given is not the SHA-256 of quote {row.number} version {row.version}; "
                "download the document again and sign that one"
            )
        stored_pdf(storage, row)  # a document changed or lost in storage is never accepted
        if row.valid_until is not None and row.valid_until < today:
            row.status, row.version = transition(row.status, "expire", number=row.number), row.version + 1
            refusal = QuoteExpired(f"quote {row.number} was valid until {row.valid_until}; it is now expired")
        elif contract is not None and contract.version != row.base_version:
            row.status, row.version = transition(row.status, "go_stale", number=row.number), row.version + 1
            refusal = StaleAmendment(
                f"contract {contract.number} is at version {contract.version}, but {row.type} {row.number} was "
                f"prepared on version {row.base_version}; prepare it again on the current contract"
            )
        elif contract is not None and catch_up_changed(session, row, contract, today):
            row.status, row.version = transition(row.status, "go_stale", number=row.number), row.version + 1
            refusal = CatchUpChanged(
                f"amendment {row.number} was priced on {row.priced_on}; a billing period has started since, so "
                f"accepting it on {today} would invoice another amount than its {row.amount_due_now} due now; "
                "prepare it again"
            )
        else:
            mark = event_repo.pending_mark(session)
            records = APPLY[row.type](session, caller, row, None if contract is None else records_of(session, contract),
                                      today, signer_name)
            contract = records.contract
            refresh_renewal_quotes(session, records, threshold)
            refresh_due(records)  # a new term, or a decrease agreed for an anniversary, moves it
            session.add(QuoteAcceptance(
                quote_id=row.id, signer_name=signer_name, signer_email=signer_email, document_sha256=row.document_sha256,
                client_address=client_address, user_agent=user_agent, api_key_id=caller.key_id,
            ))
            row.status = transition(row.status, "accept", number=row.number)
            row.contract_id, row.version = contract.id, row.version + 1
            audit.record(session, caller, "quote.accepted", "quote", row.id, {"contract": contract.number})
            quote_events.append(session, row, "quote.accepted", contract, at=mark)
            session.flush()
            as_of = row.effective_date or row.start_date
            return quote_view(row), contract_as_of(session, contract, as_of)
        audit.record(session, caller, f"quote.{row.status}", "quote", row.id)
        if row.status == "expired":
            quote_events.append(session, row, "quote.expired", contract)
    raise refusal


class NotAccepted(NotFound):
    code = "not_accepted"
    title = "Quote not accepted"


def acceptance_trail(session: Session, *, caller: Caller, quote_id: uuid.UUID) -> AcceptanceView:
    """The evidence of a quote's signature; a quote nobody signed (yet) has none, so 404 as for a missing PDF."""
    with reading(session):
        row = load_quote(session, caller, quote_id)
        trail = quote_repo.acceptance(session, row.id)
        if trail is not None:
            return acceptance_view(trail)
        if row.status == "accepted":  # a renewal quote the renewal run applied at the term end (auto-renewal)
            raise NotAccepted(f"quote {row.number} was accepted by the renewal run (auto-renewal); nobody signed it")
        raise NotAccepted(f"quote {row.number} is {row.status}; it has not been accepted")


def contract_as_of(session: Session, contract: Contract, as_of: date) -> ContractView:
    return contract_view(contract, repo.segments_in_force(session, contract.id, as_of), as_of,
                         repo.scheduled_changes(session, contract.id, after=as_of), repo.terms(session, contract.id))


def _apply_new(session: Session, caller: Caller, quote: Quote, records: ContractRecords | None, today: date,
               signer_name: str) -> ContractRecords:
    """A new-business quote makes a contract: its first term, its segments, its metadata (copied once: an
    amendment's or renewal's acceptance leaves the contract's metadata as it is), `contract.created`."""
    assert records is None
    number = quote_repo.next_number(session, series="C", year=today.year)
    end = term_end(quote.start_date, quote.term_months)
    contract = Contract(
        number=f"C-{today.year}-{number:06d}", account_id=quote.account_id, currency=quote.currency,
        status="active", start_date=quote.start_date, billing_anchor=quote.start_date, term_months=quote.term_months,
        term_number=1, term_start=quote.start_date,
        end_date=end, version=0, source_quote_id=quote.id, metadata_=dict(quote.metadata_),
        **{name: getattr(quote, name) for name in CARRIED_TERMS if name != "term_months"},
    )
    session.add(contract)
    session.flush()  # the rows below refer to it; tables without relationships are not ordered by the flush
    records = new_contract(contract)
    change = acceptance.sale(quoted_lines(quote), term=Term(1, quote.start_date, end),
                             holdings=account_holdings(session, quote.account_id, quote.start_date),
                             scopes=scopes(session, {line.sku for line in quote.lines}))
    version = store_change(session, records, change, Recorded(caller, quote, today, quote.start_date, signer_name))
    event_repo.append(session, Event(
        id=new_id(), type="contract.created", contract_id=contract.id, contract_version=version, quote_id=quote.id,
        payload={"number": contract.number, "mrr": str(quote.mrr), "arr": str(quote.arr),
                 "total_contract_value": str(quote.total_contract_value), "currency": quote.currency},
    ))
    audit.record(session, caller, "contract.created", "contract", contract.id, {"number": contract.number})
    return records


def _apply_amendment(session: Session, caller: Caller, quote: Quote, records: ContractRecords | None, today: date,
                     signer_name: str) -> ContractRecords:
    assert records is not None
    apply_amendment(session, caller, quote, records, today, signer_name)
    return records


def _apply_renewal(session: Session, caller: Caller, quote: Quote, records: ContractRecords | None, today: date,
                   signer_name: str) -> ContractRecords:
    assert records is not None
    renew(session, caller, records, quote, today, signer_name=signer_name)
    return records


#: One apply function per quote type: what accepting it does to the contract (or makes one).
APPLY: dict[str, Callable[[Session, Caller, Quote, ContractRecords | None, date, str], ContractRecords]] = {
    "new": _apply_new, "amendment": _apply_amendment, "renewal": _apply_renewal,
}
