"""Changes a rep makes to a contract outside an amendment: its renewal settings, metadata and external id, a
cancellation request."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db.base import new_id
from app.db.models import Contract, Event
from app.db.repositories import events as event_repo
from app.domain import renewals
from app.domain.acceptance import ContractChange
from app.domain.errors import Conflict
from app.domain.quote_states import transition
from app.domain.terms import ContractTerms, validate_terms
from app.services import audit, quote_events
from app.services.amendments import visible_contract
from app.services.auth import Caller
from app.services.contract_records import ContractRecords, records_of
from app.services.contract_writes import Recorded, store_change
from app.services.contracts import contract_as_of
from app.services.lifecycle import current_term, refresh_due, settings_of
from app.services.own_fields import apply_changes
from app.services.quotes import check_if_match
from app.services.renewal_quotes import live_renewal_quote, refresh_renewal_quotes
from app.services.retry import retry_transient
from app.services.views import ContractView


@retry_transient
def update_contract(
    session: Session, *, caller: Caller, contract_id: uuid.UUID, if_match: frozenset[int] | None,
    renewal: dict[str, Any] | None, own: Mapping[str, Any], today: date, threshold: Decimal,
) -> ContractView:
    """A PATCH. Metadata and the external id change on any contract and make no version: they are the caller's
    bookkeeping, not terms. Renewal settings make a new version (`_update_renewal_settings`)."""
    with session.begin():
        row = visible_contract(session, caller, contract_id, for_update=True)
        check_if_match(f"contract {row.number}", row.version, if_match)
        apply_changes(session, row, own)
        if renewal is not None:
            _update_renewal_settings(session, caller, row, renewal, today, threshold)
        elif own:
            audit.record(session, caller, "contract.updated", "contract", row.id, {"fields": sorted(own)})
        session.flush()
        return contract_as_of(session, row, today)


def _update_renewal_settings(session: Session, caller: Caller, row: Contract, renewal: dict[str, Any], today: date,
                             threshold: Decimal) -> None:
    """Change how the contract renews: a new contract version; its draft renewal quote is priced again."""
    if row.status != "active":
        raise Conflict(f"contract {row.number} is {row.status}; only an active contract's renewal changes")
    settings = dataclasses.replace(settings_of(row), **renewal)
    validate_terms(ContractTerms(row.term_months, row.billing_frequency, settings, row.mid_term_decrease,
                                 row.proration_method))
    row.auto_renew, row.renewal_pricing, row.uplift_percent = (
        settings.auto_renew, settings.pricing, settings.uplift_percent)
    row.renewal_term_months, row.renewal_lead_days, row.notice_days = (
        settings.term_months, settings.lead_days, settings.notice_days)
    records = records_of(session, row)
    _new_version(session, caller, records, "settings", today)
    refresh_renewal_quotes(session, records, threshold)
    refresh_due(records)
    audit.record(session, caller, "contract.renewal_updated", "contract", row.id,
                 {"renewal": {k: str(v) if isinstance(v, Decimal) else v for k, v in renewal.items()}})


@retry_transient
def request_cancellation(
    session: Session, *, caller: Caller, contract_id: uuid.UUID, if_match: frozenset[int] | None,
    requested_on: date, reason: str | None, today: date,
) -> ContractView:
    """Record when the contract ends by the notice rule; a termed one then does not renew."""
    with session.begin():
        row = visible_contract(session, caller, contract_id, for_update=True)
        check_if_match(f"contract {row.number}", row.version, if_match)
        if row.status != "active" or row.cancellation_effective_on is not None:
            state = "already being cancelled" if row.cancellation_effective_on else row.status
            raise Conflict(f"contract {row.number} is {state}; only an active contract can be cancelled")
        term = current_term(row)
        effective_on = renewals.cancellation_effective_on(
            anchor=row.billing_anchor, billing_frequency=row.billing_frequency, requested_on=requested_on,
            notice_days=row.notice_days, term_end=term.end)
        row.cancellation_requested_on, row.cancellation_effective_on = requested_on, effective_on
        row.cancellation_reason = reason
        records = records_of(session, row)
        quote = live_renewal_quote(records)
        if quote is not None:
            quote.status, quote.version = transition(quote.status, "cancel", number=quote.number), quote.version + 1
            quote.close_reason = "the contract is being cancelled"
            quote_events.append(session, quote, "quote.cancelled", row)
        _new_version(session, caller, records, "cancellation", today)
        refresh_due(records)
        event_repo.append(session, Event(
            id=new_id(), type="contract.cancellation_requested", contract_id=row.id, contract_version=row.version,
            payload={"number": row.number, "requested_on": requested_on.isoformat(),
                     "effective_on": effective_on.isoformat(), "reason": reason},
        ))
        audit.record(session, caller, "contract.cancellation_requested", "contract", row.id,
                     {"effective_on": effective_on.isoformat()})
        session.flush()
        return contract_as_of(session, row, today)


def _new_version(session: Session, caller: Caller, records: ContractRecords, kind: str, today: date) -> None:
    """A settings change is a version too: amendments and renewal quotes priced on the old one go stale."""
    store_change(session, records, ContractChange(kind), Recorded(caller, None, today, today))
