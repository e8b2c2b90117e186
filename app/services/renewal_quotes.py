"""Renewal quotes: one per contract term, priced by the contract's renewal method, kept fresh as it changes.

A renewal quote starts at the current term end and holds what is in force then, with the decreases agreed
`at_renewal` applied. It is a priced draft a rep may edit, have approved, finalize and send; accepting it
renews the contract (see `lifecycle.renew`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db import bulk
from app.db.base import new_id
from app.db.models import Event, Quote
from app.db.repositories import events as event_repo
from app.db.repositories import quotes as quote_repo
from app.domain import renewals
from app.domain.errors import Conflict, InvalidInput
from app.domain.pricing import LineRequest
from app.domain.quote_states import EDITABLE, can, transition
from app.services import audit, quote_events
from app.services.amendments import visible_contract
from app.services.auth import Caller
from app.services.contract_records import ContractRecords, records_of
from app.services.contract_writes import CARRIED_TERMS
from app.services.lifecycle import current_term, refresh_due, renewal_quote, settings_of
from app.services.price_lists import price_list
from app.services.quote_rows import priced_fields, quote_line
from app.services.views import QuoteView, quote_view


class NotRenewable(Conflict):
    code = "contract_not_renewable"
    title = "Contract cannot be renewed"


def renewal_quote_now(session: Session, *, caller: Caller, contract_id: uuid.UUID, today: date,
                      threshold: Decimal) -> tuple[QuoteView, bool]:
    """The current term's live renewal quote, made now if there is none (whatever the lead window)."""
    with session.begin():
        contract = visible_contract(session, caller, contract_id, for_update=True)
        records = records_of(session, contract)
        existing = live_renewal_quote(records)
        if existing is not None:
            return quote_view(existing), False
        row = make_renewal_quote(session, caller, records, today=today, threshold=threshold)
        session.flush()  # the view shows its timestamps
        return quote_view(row), True


def live_renewal_quote(records: ContractRecords) -> Quote | None:
    quote = renewal_quote(records, current_term(records.contract).number + 1)
    return quote if quote is not None and quote.status not in ("declined", "cancelled", "expired") else None


def make_renewal_quote(session: Session, caller: Caller, records: ContractRecords, *, today: date,
                       threshold: Decimal) -> Quote:
    """A priced draft renewal quote for the next term; the caller holds the contract's lock."""
    contract = records.contract
    term = current_term(contract)
    if contract.status != "active" or term.end is None or contract.cancellation_effective_on is not None:
        why = ("it is evergreen" if term.end is None else "its cancellation was requested"
               if contract.cancellation_effective_on else f"it is {contract.status}")
        raise NotRenewable(f"contract {contract.number} has no renewal quote to make: {why}")
    made = 0 if contract.renewal_quote_id is None else quote_repo.renewal_quotes_made(
        session, contract_id=contract.id, renewal_term=term.number + 1)
    row = Quote(
        number=f"{contract.number}-R{term.number + 1}" + (f".{made + 1}" if made else ""),
        type="renewal", version=1, account_id=contract.account_id, contract_id=contract.id,
        currency=contract.currency, created_by=caller.key_id, start_date=term.end, renewal_term=term.number + 1,
        priced_on=today, **_priced(session, records, term.end, threshold, {}, None),
    )
    end = row.end_date
    assert end is not None
    bulk.add(session, row)
    contract.renewal_quote_id, records.renewal_quote = row.id, row
    quote_events.append(session, row, "quote.created", contract)
    event_repo.append(session, Event(
        id=new_id(), type="renewal_quote.created", contract_id=contract.id, contract_version=contract.version,
        quote_id=row.id, payload={"number": row.number, "contract": contract.number, "term": term.number + 1,
                                  "start_date": term.end.isoformat(), "end_date": end.isoformat(),
                                  "mrr": str(row.mrr), "currency": row.currency},
    ))
    audit.record(session, caller, "quote.created", "quote", row.id, {"number": row.number, "type": "renewal"})
    refresh_due(records)
    return row


def reprice_renewal_quote(session: Session, row: Quote, records: ContractRecords, threshold: Decimal,
                          requests: Sequence[LineRequest] | None = None) -> None:
    """Price again on the contract as it stands: the rep's lines if given, else what is held at the end
    (the rep's discounts kept per SKU). A stale quote becomes a draft again."""
    if can(row.status, "reprice"):
        row.status = transition(row.status, "reprice", number=row.number)
    elif not can(row.status, "edit"):
        raise Conflict(f"renewal quote {row.number} is {row.status}; only a draft renewal quote is re-priced")
    discounts = {line.sku: line.discount_percent for line in row.lines}
    for name, value in _priced(session, records, row.start_date, threshold, discounts, requests).items():
        setattr(row, name, value)


def refresh_renewal_quotes(session: Session, records: ContractRecords, threshold: Decimal) -> None:
    """After the contract changed: its draft renewal quote is re-priced, a finalized one goes stale."""
    row = live_renewal_quote(records)
    if row is None or row.base_version == records.contract.version:
        return
    if row.status in EDITABLE:
        reprice_renewal_quote(session, row, records, threshold)
        row.version += 1
    elif row.status == "open":
        row.status, row.version = transition(row.status, "go_stale", number=row.number), row.version + 1


def _priced(session: Session, records: ContractRecords, start: date, threshold: Decimal,
            discounts: Mapping[str, Decimal | None], requests: Sequence[LineRequest] | None) -> dict[str, Any]:
    """The renewal quote's fields, priced for the term from `start` as the contract's settings say now (term
    length included): the rep's lines if given, else what is held at the end with the rep's `discounts` by SKU."""
    contract = records.contract
    term_months = contract.renewal_term_months or current_term(contract).months(contract.billing_anchor)
    end = renewals.next_term_end(contract.billing_anchor, start, term_months or 12)
    held = _held_at_end(records, start)
    if requests is None:
        wanted = [renewals.RenewalRequest(sku, quantity, price, discounts.get(sku))
                  for sku, (quantity, price) in held.items()]
    else:
        wanted = [renewals.RenewalRequest(r.sku, r.quantity, held[r.sku][1] if r.sku in held else None,
                                          r.discount_percent) for r in requests]
        if any(r.discount_amount is not None for r in requests):
            raise InvalidInput("a renewal line takes a discount_percent on top of its renewal price, "
                               "not a discount_amount")
    if not wanted:
        raise NotRenewable(f"contract {contract.number} holds nothing at the end of its term to renew")
    prices = price_list(session, account_id=contract.account_id, currency=contract.currency,
                        skus={r.sku for r in wanted})
    priced = renewals.price_renewal(wanted, settings=settings_of(contract), price_list=prices,
                                    currency=contract.currency, start=start, end=end,
                                    billing_frequency=contract.billing_frequency)
    lines = [
        quote_line(index, line.priced, LineRequest(request.sku, request.quantity, request.discount_percent),
                   previous_net_unit_price=line.previous_net_unit_price, pricing_method=line.method,
                   price_capped=line.capped)
        for index, (line, request) in enumerate(zip(priced.lines, wanted, strict=True))
    ]
    return {
        **{name: getattr(contract, name) for name in CARRIED_TERMS}, "term_months": term_months, "end_date": end,
        **priced_fields(lines, priced.totals, needs_approval=renewals.needs_approval(priced.lines, threshold)),
        "base_version": contract.version,
    }


def _held_at_end(records: ContractRecords, end: date) -> dict[str, tuple[int, Decimal]]:
    """SKU → (units, net unit price) in force on the term's last day, after the agreed decreases."""
    last_day = end - timedelta(days=1)
    will_hold = records.will_hold(after=last_day)
    held: dict[str, tuple[int, Decimal]] = {}
    for segment in records.in_force(last_day):
        quantity = min(segment.quantity, will_hold.get(segment.sku, segment.quantity))
        if quantity > 0:
            held[segment.sku] = (quantity, segment.net_unit_price)
    return held
