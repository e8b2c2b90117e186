"""Storing what the domain decided a change writes: segments opened and closed, charges, terms, a version.

Nothing here decides anything: `app.domain.acceptance` (and the renewal run's domain) returns a
`ContractChange`, and this module turns it into rows, in the caller's transaction, under its contract lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.db import bulk
from app.db.models import (
    ContractTerm,
    ContractVersion,
    OneTimeCharge,
    ProratedCharge,
    Quote,
    ScheduledChange,
    SubscriptionSegment,
)
from app.domain import money
from app.domain.acceptance import ZERO, ContractChange, QuotedLine
from app.domain.contracts import Term
from app.services.auth import Caller
from app.services.contract_records import ContractRecords

#: The commercial terms a quote carries to its contract, and a contract to its amendment and renewal quotes.
CARRIED_TERMS = ("term_months", "billing_frequency", "auto_renew", "renewal_pricing", "uplift_percent",
                 "renewal_term_months", "renewal_lead_days", "notice_days", "mid_term_decrease", "proration_method")


@dataclass(frozen=True)
class Recorded:
    """Who and what a new contract version records."""

    caller: Caller
    quote: Quote | None
    today: date
    effective_on: date
    signer_name: str | None = None


def quoted_lines(quote: Quote) -> list[QuotedLine]:
    """A quote's lines as the domain reads them on acceptance."""
    return [
        QuotedLine(
            position=line.position, sku=line.sku, recurring=line.recurring, quantity=line.quantity,
            list_unit_price=line.list_unit_price, net_unit_price=line.net_unit_price, total=line.total,
            start_date=line.start_date, end_date=line.end_date, change=line.change,
            quantity_before=line.quantity_before or 0, quantity_after=line.quantity_after or 0,
            scheduled=line.scheduled, proration_due=line.proration_due or ZERO,
            amount_due_now=line.amount_due_now or ZERO, change_index=line.change_index,
            mrr_delta=line.mrr_delta or ZERO,
        )
        for line in quote.lines
    ]


def store_change(session: Session, records: ContractRecords, change: ContractChange, recorded: Recorded) -> int:
    """Write `change` as the contract's next version; returns that version.

    The rows are added to the session (the next flush writes them) and to `records`, where the contract's
    next change finds them.
    """
    contract = records.contract
    version = contract.version + 1 if contract.version else 1
    line_ids: Mapping[int, uuid.UUID] = (
        {line.position: line.id for line in recorded.quote.lines} if recorded.quote is not None else {})
    follows = change.closed or change.ended or any(opened.replaces for opened in change.opened)
    held = {s.sku: s for s in records.in_force_or_ending(recorded.effective_on)} if follows else {}
    for closing in change.closed:
        segment = held[closing.sku]
        segment.closed_on, segment.closed_in_version = closing.on, version
        segment.closed_by, segment.closure_recorded_on = closing.by, recorded.today
        segment.closing_change = closing.change
    for ended in change.ended:
        held[ended.sku].closing_change, held[ended.sku].closed_in_version = ended.change, version
    for opened in change.opened:
        replaced = held.get(opened.replaces) if opened.replaces else None
        line_id = line_ids[opened.line] if opened.line is not None else (replaced.quote_line_id if replaced else None)
        assert line_id is not None, "a segment always comes from a quote line, its own or the one it follows"
        segment = SubscriptionSegment(
            contract_id=contract.id, contract_version=version, quote_line_id=line_id, sku=opened.sku,
            quantity=opened.quantity, list_unit_price=opened.list_unit_price, net_unit_price=opened.net_unit_price,
            start_date=opened.start_date, end_date=opened.end_date, origin=opened.origin,
            replaces_id=replaced.id if replaced else None,
            recorded_on=None if change.origin == "sale" else recorded.today, opening_change=opened.change,
            mrr_minor=money.to_minor(opened.mrr(contract.currency), contract.currency),
            price_change_minor=money.to_minor(opened.price_change, contract.currency),
        )
        bulk.add(session, segment)
        records.segments.append(segment)
    quote_id = recorded.quote.id if recorded.quote is not None else None
    for charge in change.charges:
        assert quote_id is not None
        bulk.add(session, ProratedCharge(
            contract_id=contract.id, quote_id=quote_id, sku=charge.sku, kind=charge.kind,
            invoice_date=charge.invoice_date, period_start=charge.period_start, period_end=charge.period_end,
            quantity=charge.quantity, unit_price=charge.unit_price, amount=charge.amount,
        ))
    for one_time in change.one_time:
        bulk.add(session, OneTimeCharge(
            contract_id=contract.id, quote_line_id=line_ids[one_time.line], sku=one_time.sku,
            quantity=one_time.quantity, unit_price=one_time.unit_price, amount=one_time.amount,
            charge_date=one_time.charge_date,
        ))
    for decrease in change.scheduled:
        assert quote_id is not None
        scheduled = ScheduledChange(
            contract_id=contract.id, contract_version=version, quote_id=quote_id, sku=decrease.sku,
            change=decrease.change, quantity_after=decrease.quantity_after, effective_on=decrease.effective_on,
        )
        bulk.add(session, scheduled)
        records.scheduled.append(scheduled)
    if change.term is not None:
        add_term(session, records, change.term, quote_id)
    contract.version = version
    bulk.add(session, ContractVersion(
        contract_id=contract.id, version=version, kind=change.origin, effective_on=recorded.effective_on,
        quote_id=quote_id, api_key_id=recorded.caller.key_id, signer_name=recorded.signer_name,
        accepted_on=recorded.today,
    ))
    return version


def add_term(session: Session, records: ContractRecords, term: Term, quote_id: uuid.UUID | None) -> None:
    """Record the term; the contract's end and term length follow its last term."""
    assert quote_id is not None, "every term is made by a quote"
    contract = records.contract
    if records.term is not None:
        assert records.term.number == term.number - 1
        records.term.outcome = "renewed"
    records.term = ContractTerm(contract_id=contract.id, number=term.number, start_date=term.start,
                                end_date=term.end, quote_id=quote_id)
    bulk.add(session, records.term)
    contract.term_number, contract.term_start, contract.end_date = term.number, term.start, term.end
    contract.term_months = term.months(contract.billing_anchor)

