"""Quote events: one per change of a quote a client cares about, appended in the transaction that makes it.

A new-business quote names no contract until it is accepted; an amendment or renewal quote names its
contract, at the version the contract is at when the event is appended.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db.base import new_id
from app.db.models import Contract, Event, Quote
from app.db.repositories import events as event_repo


def append(session: Session, quote: Quote, event_type: str, contract: Contract | None, *,
           at: int | None = None) -> None:
    """Queue `event_type` for `quote`, at the position `at` (a `pending_mark`) when it precedes events the same
    change queued first: `quote.accepted` comes before the `contract.created` its acceptance made."""
    event_repo.append(session, Event(
        id=new_id(), type=event_type, contract_id=None if contract is None else contract.id,
        contract_version=None if contract is None else contract.version, quote_id=quote.id,
        payload={"number": quote.number, "quote_type": quote.type,
                 "status": quote.status, "version": quote.version, "account_id": str(quote.account_id),
                 "currency": quote.currency, "mrr": str(quote.mrr), "arr": str(quote.arr),
                 "total_contract_value": str(quote.total_contract_value),
                 "valid_until": None if quote.valid_until is None else quote.valid_until.isoformat(),
                 "reason": quote.close_reason},
    ), at=at)
