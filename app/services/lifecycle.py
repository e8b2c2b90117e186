"""A contract's life after the sale: renewal, expiry, evergreen uplift, cancellation taking effect.

Each function applies one `Action` of the planner (`app.domain.renewals.next_action`) under the contract's
row lock, in the caller's transaction, with its event; `refresh_due` then stores when the next one falls
due, which is what the renewal run claims contracts on.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.db.base import new_id
from app.db.models import Contract, ContractTerm, Event, Quote
from app.db.repositories import events as event_repo
from app.domain import acceptance, changes, renewals
from app.domain.catalog import entry_in_effect
from app.domain.contracts import Term
from app.domain.errors import Conflict
from app.domain.periods import MAX_DATE
from app.domain.pricing import list_unit_price
from app.domain.quote_states import transition
from app.domain.terms import RenewalSettings
from app.services import audit, quote_events
from app.services.auth import Caller
from app.services.contract_records import ContractRecords
from app.services.contract_writes import Recorded, quoted_lines, store_change
from app.services.holdings import account_holdings, scopes
from app.services.price_lists import price_entries
from app.services.views import to_segment


def settings_of(contract: Contract) -> RenewalSettings:
    return RenewalSettings(
        auto_renew=contract.auto_renew, pricing=contract.renewal_pricing, uplift_percent=contract.uplift_percent,
        term_months=contract.renewal_term_months, lead_days=contract.renewal_lead_days,
        notice_days=contract.notice_days,
    )


def current_term(contract: Contract) -> Term:
    """The contract's current term, as the contract row carries it (`contract_terms` holds them all)."""
    return Term(contract.term_number, contract.term_start, contract.end_date)


def renewal_quote(records: ContractRecords, term_number: int) -> Quote | None:
    """The renewal quote made last for `term_number` (a declined one too: it decides the term end)."""
    quote = records.renewal_quote
    return quote if quote is not None and quote.renewal_term == term_number else None


def lifecycle(records: ContractRecords) -> renewals.Lifecycle:
    contract = records.contract
    term = current_term(contract)
    quote = renewal_quote(records, term.number + 1) if term.end is not None else None
    return renewals.Lifecycle(
        status=contract.status, anchor=contract.billing_anchor, term_number=term.number, term_start=term.start,
        term_end=term.end, settings=settings_of(contract), renewal_quote_status=quote.status if quote else None,
        cancellation_effective_on=contract.cancellation_effective_on, last_uplift_on=contract.last_uplift_on,
        scheduled_on=() if term.end is not None else tuple(sorted({
            change.effective_on for change in records.scheduled_after(contract.last_uplift_on or contract.billing_anchor)
        })),
    )


def refresh_due(records: ContractRecords) -> None:
    """When the renewal run next has something to do for this contract (null: never again)."""
    action = renewals.next_action(lifecycle(records), MAX_DATE)
    records.contract.next_due_on = action.on if action else None


def renew(session: Session, caller: Caller, records: ContractRecords, quote: Quote, today: date, *,
          signer_name: str | None = None) -> None:
    """The next term on the same contract, at the renewal quote's prices: new version, segments, event."""
    contract = records.contract
    term = current_term(contract)
    if contract.status != "active" or quote.renewal_term != term.number + 1 or quote.start_date != term.end:
        raise Conflict(f"renewal quote {quote.number} renews term {quote.renewal_term} from {quote.start_date}, "
                       f"but contract {contract.number} is {contract.status} in term {term.number} ending "
                       f"{term.end}; it can no longer renew it")
    assert term.end is not None
    day_before = term.end - timedelta(days=1)
    ending = [to_segment(s) for s in records.in_force_or_ending(term.end) if s.end_date == term.end]
    change = acceptance.renewal(
        quoted_lines(quote), term=Term(term.number + 1, term.end, quote.end_date), ending=ending,
        holdings=account_holdings(session, contract.account_id, day_before,
                                  also=(s.sku for s in records.in_force(day_before))),
        scopes=scopes(session, {line.sku for line in quote.lines}), currency=contract.currency)
    version = store_change(session, records, change, Recorded(caller, quote, today, term.end, signer_name))
    contract.renewal_quote_id, records.renewal_quote = None, None
    event_repo.append(session, Event(
        id=new_id(), type="contract.renewed", contract_id=contract.id, contract_version=version, quote_id=quote.id,
        payload={"number": contract.number, "term": term.number + 1, "start_date": term.end.isoformat(),
                 "end_date": None if quote.end_date is None else quote.end_date.isoformat(),
                 "mrr": str(quote.mrr), "currency": contract.currency},
    ))
    audit.record(session, caller, "contract.renewed", "contract", contract.id, {"version": version})
    refresh_due(records)


def auto_renew(session: Session, caller: Caller, records: ContractRecords, quote: Quote, on: date) -> None:
    """At the term end, an auto-renew contract renews with its renewal quote as it stands."""
    quote.status = transition(quote.status, "auto_renew", number=quote.number)
    quote.version += 1
    mark = event_repo.pending_mark(session)
    renew(session, caller, records, quote, on)
    quote_events.append(session, quote, "quote.accepted", records.contract, at=mark)


def expire(session: Session, caller: Caller, records: ContractRecords, on: date) -> None:
    """The term ended without renewal: the contract expires; a renewal quote still open lapses with it."""
    contract = records.contract
    _end(session, caller, records, "expired", on)
    quote = renewal_quote(records, current_term(contract).number + 1)
    if quote is not None and quote.status not in ("declined", "cancelled", "expired", "accepted"):
        quote.status, quote.version = transition(quote.status, "expire", number=quote.number), quote.version + 1
        quote_events.append(session, quote, "quote.expired", contract)


def cancel_effective(session: Session, caller: Caller, records: ContractRecords, on: date) -> None:
    """The cancellation takes effect: an evergreen contract's segments stop that day (a period boundary)."""
    contract = records.contract
    if current_term(contract).end is None:
        held = [to_segment(s) for s in records.in_force(on)]
        store_change(session, records, acceptance.cancellation(held, on=on), Recorded(caller, None, on, on))
        _term(records).end_date = contract.end_date = on
    _end(session, caller, records, "cancelled", on)


def _term(records: ContractRecords) -> ContractTerm:
    assert records.term is not None, "a contract that has changed since its sale has a current term"
    return records.term


def _end(session: Session, caller: Caller, records: ContractRecords, status: str, on: date) -> None:
    contract = records.contract
    contract.status = _term(records).outcome = status
    contract.next_due_on = None
    ending = changes.EXPIRY if status == "expired" else changes.CANCELLATION
    for segment in records.segments:  # what reaches its planned end that day ends with the contract
        if segment.end_date == on and segment.closing_change is None and (segment.closed_on or on) >= on:
            segment.closing_change, segment.closed_in_version = ending, contract.version
    event_repo.append(session, Event(
        id=new_id(), type=f"contract.{status}", contract_id=contract.id, contract_version=contract.version,
        payload={"number": contract.number, "effective_on": on.isoformat(), "currency": contract.currency},
    ))
    audit.record(session, caller, f"contract.{status}", "contract", contract.id, {"on": on.isoformat()})


def anniversary(session: Session, caller: Caller, records: ContractRecords, on: date) -> None:
    """An evergreen anniversary: the decreases agreed for it apply, then the uplift, capped at that day's list."""
    contract = records.contract
    settings = settings_of(contract)
    percent = settings.uplift_percent if settings.pricing == "uplift" and settings.uplift_percent else None
    held = [to_segment(s) for s in records.in_force(on)]
    entries = price_entries(session, currency=contract.currency, skus={s.sku for s in held})
    list_prices = {} if percent is None else {
        s.sku: list_unit_price(entry_in_effect(entries, s.sku, contract.currency, on), s.quantity) for s in held}
    will_hold: dict[str, int] = {}
    for decrease in records.scheduled_after(on - timedelta(days=1)):
        if decrease.effective_on == on:
            will_hold[decrease.sku] = min(decrease.quantity_after, will_hold.get(decrease.sku, decrease.quantity_after))
    change = acceptance.anniversary(held, percent=percent, list_prices=list_prices, will_hold=will_hold, on=on,
                                    currency=contract.currency)
    version = store_change(session, records, change, Recorded(caller, None, on, on))
    contract.last_uplift_on = on
    event_repo.append(session, Event(
        id=new_id(), type="contract.uplifted", contract_id=contract.id, contract_version=version,
        payload={"number": contract.number, "effective_on": on.isoformat(),
                 "uplift_percent": None if percent is None else str(percent), "currency": contract.currency,
                 "segments": [{"sku": s.sku, "quantity": s.quantity, "net_unit_price": str(s.net_unit_price)}
                              for s in change.opened]},
    ))
    audit.record(session, caller, "contract.uplifted", "contract", contract.id, {"on": on.isoformat()})
    refresh_due(records)
