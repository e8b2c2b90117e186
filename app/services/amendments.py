"""Amendment use cases: a prorated quote built on a contract version, and its application on acceptance."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db.base import new_id
from app.db.models import Contract, Event, Quote, QuoteLine
from app.db.repositories import contracts as contract_repo
from app.db.repositories import events as event_repo
from app.db.repositories import quotes as quote_repo
from app.domain import acceptance
from app.domain.amendments import Amendment, Change, ContractSnapshot, needs_approval, price_amendment
from app.domain.contracts import Term
from app.domain.errors import Conflict, Forbidden, NotFound, Violation
from app.domain.invoicing import BillingSchedule, catch_up_moved
from app.domain.periods import period_months
from app.domain.proration import prorate
from app.services import audit, quote_events
from app.services.auth import Caller
from app.services.contract_records import ContractRecords, records_of
from app.services.contract_writes import CARRIED_TERMS, Recorded, quoted_lines, store_change
from app.services.holdings import account_holdings, scopes
from app.services.price_lists import price_list
from app.services.views import QuoteView, quote_view, to_segment

NINE_PLACES = Decimal("0.000000001")


class UnknownContract(NotFound):
    code = "unknown_contract"


class PortalPricing(Forbidden):
    """A customer's portal key asks for changes at list or contracted prices: only a rep gives discounts."""

    code = "portal_pricing_forbidden"
    title = "A portal key cannot set prices or discounts"


class CatchUpChanged(Conflict):
    """A billing period started since the amendment was priced: it would invoice more (or less) than it says."""

    code = "amendment_catch_up_changed"
    title = "Amount due changed since this amendment was priced"


def visible_contract(session: Session, caller: Caller, contract_id: uuid.UUID, *, for_update: bool = False) -> Contract:
    row = contract_repo.contract(session, contract_id, for_update=for_update)
    if row is None or (caller.account_id is not None and row.account_id != caller.account_id):
        raise UnknownContract(f"no contract {contract_id}")
    return row


def create_amendment(
    session: Session, *, caller: Caller, contract_id: uuid.UUID, effective_date: date, changes: Sequence[Change],
    today: date, threshold: Decimal,
) -> QuoteView:
    """Price the changes on the contract's current version, as a draft amendment quote."""
    with session.begin():
        contract = visible_contract(session, caller, contract_id)  # another account's contract is a 404 first
        _check_portal_pricing(caller, changes)
        if contract.status != "active":
            raise Conflict(f"contract {contract.number} is {contract.status}; only an active contract is amended")
        amendment = _price(session, contract, effective_date, changes, today)
        number = quote_repo.next_number(session, series="Q", year=today.year)
        row = Quote(
            number=f"Q-{today.year}-{number:06d}", type="amendment", version=1, account_id=contract.account_id,
            contract_id=contract.id, currency=contract.currency, created_by=caller.key_id, lines=[],
            **{name: getattr(contract, name) for name in CARRIED_TERMS},
        )
        _store(row, contract, amendment, effective_date, changes, threshold, today)
        session.add(row)
        session.flush()
        audit.record(session, caller, "quote.created", "quote", row.id, {"number": row.number, "type": "amendment"})
        quote_events.append(session, row, "quote.created", contract)
        return quote_view(row)


def _check_portal_pricing(caller: Caller, changes: Sequence[Change]) -> None:
    discounted = [index for index, change in enumerate(changes) if change.discount_percent is not None]
    if caller.role == "portal" and discounted:
        raise PortalPricing(
            "a portal key requests changes at list or contracted prices; discount_percent is for a sales rep",
            [Violation(("changes", index, "discount_percent"), "not allowed from a portal key")
             for index in discounted])


def reprice_amendment(
    session: Session, row: Quote, *, effective_date: date | None, changes: Sequence[Change] | None,
    threshold: Decimal, today: date,
) -> None:
    """An edit of a draft amendment: price it again, as of `today`, on the contract version it was built on."""
    contract = contract_repo.contract(session, row.contract_id) if row.contract_id else None
    assert contract is not None and row.effective_date is not None and row.changes is not None
    if contract.version != row.base_version:
        raise Conflict(f"contract {contract.number} changed since this amendment was prepared; prepare a new one")
    effective = effective_date or row.effective_date
    requested = list(changes) if changes is not None else [Change(**c) for c in _decoded(row.changes)]
    _store(row, contract, _price(session, contract, effective, requested, today), effective, requested, threshold,
           today)


def _decoded(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**c, "discount_percent": None if c.get("discount_percent") is None else Decimal(c["discount_percent"])}
            for c in changes]


def _price(session: Session, contract: Contract, effective_date: date, changes: Sequence[Change],
           today: date) -> Amendment:
    records = records_of(session, contract)
    segments = records.in_force(effective_date)
    skus = {s.sku for s in segments} | {sku for c in changes for sku in (c.sku, c.from_sku, c.to_sku) if sku}
    term = term_on(session, contract, effective_date)
    snapshot = ContractSnapshot(
        currency=contract.currency, anchor=contract.billing_anchor, term=term,
        billing_frequency=contract.billing_frequency, proration_method=contract.proration_method,
        mid_term_decrease=contract.mid_term_decrease, segments=tuple(to_segment(s) for s in segments),
        last_change_date=contract_repo.last_change_date(session, contract.id, before=term.end) or term.start,
        scheduled=records.will_hold(after=effective_date),
    )
    prices = price_list(session, account_id=contract.account_id, currency=contract.currency, skus=skus)
    return price_amendment(snapshot, changes, effective_date, prices, today=today)


def _store(row: Quote, contract: Contract, amendment: Amendment, effective_date: date, changes: Sequence[Change],
           threshold: Decimal, today: date) -> None:
    row.base_version, row.effective_date, row.start_date = contract.version, effective_date, effective_date
    row.end_date, row.priced_on = amendment.end_date, today
    row.changes = [{**asdict(c), "discount_percent": None if c.discount_percent is None else str(c.discount_percent)}
                   for c in changes]
    row.lines = [
        QuoteLine(
            position=position, sku=line.sku, recurring=line.recurring, quantity=line.quantity,
            discount_percent=line.discount_percent or None, list_unit_price=line.list_unit_price,
            regular_unit_price=line.regular_unit_price, contracted_unit_price=line.contracted_unit_price,
            net_unit_price=line.net_unit_price, start_date=line.start_date, end_date=line.end_date,
            mrr=line.mrr_delta, total=line.remaining_term_value, change_index=line.change_index,
            change=line.change, side=line.side, quantity_before=line.quantity_before,
            quantity_after=line.quantity_after, scheduled=line.scheduled,
            proration_fraction=(Decimal(line.proration_fraction.numerator) / line.proration_fraction.denominator)
            .quantize(NINE_PLACES),
            proration_due=line.proration_due, catch_up_due=line.catch_up_due, amount_due_now=line.amount_due_now,
            remaining_term_value=line.remaining_term_value, mrr_delta=line.mrr_delta,
        )
        for position, line in enumerate(amendment.lines)
    ]
    totals = amendment.totals
    row.amount_due_now, row.remaining_term_value, row.mrr_delta = (
        totals.amount_due_now, totals.remaining_term_value, totals.mrr_delta)
    row.proration_due, row.catch_up_due = totals.proration_due, totals.catch_up_due
    row.mrr, row.arr, row.one_time = totals.mrr_delta, totals.arr_delta, totals.one_time
    row.total_contract_value, row.first_invoice = totals.remaining_term_value, totals.amount_due_now
    row.status = "needs_approval" if needs_approval(amendment.lines, threshold) else "draft"
    row.approved_by = row.approved_at = None


def apply_amendment(session: Session, caller: Caller, quote: Quote, records: ContractRecords, today: date,
                    signer_name: str) -> None:
    """Store what the domain says accepting the amendment writes, as the contract's next version.

    The caller holds the contract's row lock and has checked that the quote's base version is current.
    """
    contract = records.contract
    effective = quote.effective_date
    assert effective is not None
    schedule, period_end = _billing(session, contract, effective)
    change = acceptance.amendment(
        quoted_lines(quote), effective=effective, term_end=schedule.end, schedule=schedule, period_end=period_end,
        today=today, holdings=account_holdings(session, contract.account_id, effective,
                                               also=(s.sku for s in records.in_force(effective))),
        scopes=scopes(session, {line.sku for line in quote.lines}))
    version = store_change(session, records, change, Recorded(caller, quote, today, effective, signer_name))
    event_repo.append(session, Event(
        id=new_id(), type="contract.amended", contract_id=contract.id, contract_version=version, quote_id=quote.id,
        payload={"number": contract.number, "effective_date": effective.isoformat(), "currency": contract.currency,
                 "amount_due_now": str(quote.amount_due_now), "mrr_delta": str(quote.mrr_delta),
                 "remaining_term_value": str(quote.remaining_term_value)},
    ))
    quote_repo.mark_stale_amendments(session, contract_id=contract.id, current_version=version)
    audit.record(session, caller, "contract.amended", "contract", contract.id, {"version": version})


def catch_up_changed(session: Session, quote: Quote, contract: Contract, today: date) -> bool:
    """Whether accepting on `today` would invoice other catch-up periods than the amendment was priced with."""
    if quote.priced_on is None or quote.effective_date is None:  # priced before catch-ups were shown
        return False
    if not any(line.recurring and not line.scheduled and line.mrr_delta for line in quote.lines):
        return False
    schedule, period_end = _billing(session, contract, quote.effective_date)
    return catch_up_moved(schedule, after=period_end, priced_on=quote.priced_on, today=today)


def _billing(session: Session, contract: Contract, effective: date) -> tuple[BillingSchedule, date]:
    """How the contract bills in the term of `effective`, and the end of the period it falls in (where
    catch-ups start)."""
    term = term_on(session, contract, effective)
    schedule = BillingSchedule(contract.billing_anchor, period_months(contract.billing_frequency), term.end,
                               contract.currency)
    proration = prorate(method=contract.proration_method, anchor=schedule.anchor, billing_months=schedule.months,
                        term_end=term.end, effective_date=effective)
    return schedule, proration.period.end


def term_on(session: Session, contract: Contract, day: date) -> Term:
    """The contract's term containing `day`, else its last (which the domain then refuses `day` against)."""
    terms = [Term(t.number, t.start_date, t.end_date) for t in contract_repo.terms(session, contract.id)]
    return next((term for term in terms if term.contains(day)), terms[-1])
