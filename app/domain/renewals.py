"""Renewals: renewal pricing, term ends from the billing anchor, evergreen uplifts, cancellation, and the planner.

Every date is computed from the anchor (the first term's start), never chained from the previous term, so
month-end clamping never drifts (a 2028-02-29 anchor keeps its 29th wherever the month has one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from app.domain import money
from app.domain.errors import InvalidInput, ViolationList
from app.domain.periods import MONTHS_PER_YEAR, add_months, billing_period_index, months_between, period_months
from app.domain.pricing import (
    EVERGREEN_VALUE_MONTHS,
    LineRequest,
    PricedLine,
    PriceList,
    QuoteTerms,
    QuoteTotals,
    price_line,
    quote_totals,
    validate_request,
)
from app.domain.terms import RENEWAL_PRICING, RenewalSettings

ZERO = Decimal(0)
#: Renewal quote statuses under which an auto-renewing contract renews at its term end: the customer neither
#: accepted nor declined it (one past its validity included), so the contract renews on its own.
RENEWING_QUOTE_STATUSES = ("draft", "needs_approval", "approved", "open", "stale", "expired")


@dataclass(frozen=True)
class RenewalRequest:
    """One line of a renewal quote: the quantity in force at the term end, decreases agreed `at_renewal` applied."""

    sku: str
    quantity: int
    #: None: a product not held before, priced by the waterfall as under `list`.
    previous_net_unit_price: Decimal | None
    #: A rep's discount on top of the renewal method's price.
    discount_percent: Decimal | None = None


@dataclass(frozen=True)
class RenewalLine:
    """A renewal line: the waterfall at the renewal start, with the renewal price as its net."""

    priced: PricedLine
    previous_net_unit_price: Decimal | None
    #: "same" | "list" | "uplift": what priced this line ("list" for a new product).
    method: str
    #: The uplift hit the list-price cap.
    capped: bool


@dataclass(frozen=True)
class RenewalQuote:
    lines: tuple[RenewalLine, ...]
    totals: QuoteTotals


def next_term_end(anchor: date, current_end: date, months: int) -> date:
    """End of the term that follows one ending on `current_end`, counted from the anchor, not from that end."""
    return add_months(anchor, months_between(anchor, current_end) + months)


def renewal_due_on(end: date, lead_days: int) -> date:
    """The day the renewal quote is made: `lead_days` before the term end."""
    return end - timedelta(days=lead_days)


def uplifted_price(net: Decimal, percent: Decimal, list_price: Decimal) -> tuple[Decimal, bool]:
    """`net` raised by `percent` %, kept to unit-price precision, but never above the list price: (price, capped)."""
    raised = money.round_unit_price(net * (money.HUNDRED + percent) / money.HUNDRED)
    if raised > list_price:
        return list_price, True
    return raised, False


def price_renewal(
    requests: Sequence[RenewalRequest],
    *,
    settings: RenewalSettings,
    price_list: PriceList,
    currency: str,
    start: date,
    end: date | None,
    billing_frequency: str,
) -> RenewalQuote:
    """Price a renewal quote for the term `[start, end)` (end None: evergreen) under the contract's renewal pricing.

    Each line goes through the waterfall at `start` first, so it shows the list, regular and contracted prices
    the renewal is measured against; the renewal method then sets the price, and a rep's discount comes last.
    """
    terms = QuoteTerms(currency=currency, start_date=start, term_months=_term_months(start, end),
                       billing_frequency=billing_frequency)
    line_requests = [LineRequest(sku=r.sku, quantity=r.quantity, discount_percent=r.discount_percent)
                     for r in requests]
    _check_settings(settings)
    validate_request(line_requests, terms, price_list.products)
    _check_renewable(requests, price_list)
    lines = tuple(_renewal_line(request, terms, end, settings, price_list) for request in requests)
    totals = quote_totals([line.priced for line in lines], terms)
    if not all(money.storable(amount) for amount in (totals.arr, totals.total_contract_value)):
        raise InvalidInput(f"the renewal's totals (contract value {totals.total_contract_value}) are too large")
    return RenewalQuote(lines, totals)


@lru_cache(maxsize=65536)
def _term_months(start: date, end: date | None) -> int | None:
    """Whole months of the renewal term (memoized: the contracts a run renews on one day share their dates).

    `end` is counted from the anchor, so it can sit a few days off `start + n months` (anchor 01-31: a term
    [02-28, 03-31) is one month); the month count whose date lies nearest `end` is the term's length.
    """
    if end is None:
        return None
    if end <= start:
        raise InvalidInput(f"the renewal term must end after its start {start.isoformat()}, not {end.isoformat()}")
    delta = relativedelta(end, start)
    floor = delta.years * MONTHS_PER_YEAR + delta.months
    return min(range(max(floor, 1), floor + 2), key=lambda n: abs((add_months(start, n) - end).days))


def _check_settings(settings: RenewalSettings) -> None:
    problems = ViolationList()
    if settings.pricing not in RENEWAL_PRICING:
        problems.add(("renewal", "pricing"), f"renewal pricing must be one of {', '.join(RENEWAL_PRICING)}")
    if settings.pricing == "uplift" and (settings.uplift_percent is None or settings.uplift_percent < 0):
        problems.add(("renewal", "uplift_percent"), "uplift pricing needs a non-negative uplift_percent")
    problems.raise_if_any(InvalidInput, "invalid renewal settings")


def _check_renewable(requests: Sequence[RenewalRequest], price_list: PriceList) -> None:
    """One-time products were charged once and are not renewed; a previous price cannot be negative."""
    problems = ViolationList()
    for index, request in enumerate(requests):
        where, name = ("lines", index), f"line {index + 1}"
        if not price_list.products[request.sku].recurring:
            problems.add((*where, "sku"), f"{name}: {request.sku} is a one-time product and is not renewed")
        if request.previous_net_unit_price is not None and request.previous_net_unit_price < 0:
            problems.add((*where, "previous_net_unit_price"), f"{name}: previous_net_unit_price must not be negative")
    problems.raise_if_any(InvalidInput, "invalid renewal")


def _renewal_line(
    request: RenewalRequest, terms: QuoteTerms, end: date | None, settings: RenewalSettings, price_list: PriceList
) -> RenewalLine:
    waterfall = price_line(LineRequest(sku=request.sku, quantity=request.quantity), terms, price_list)
    previous = request.previous_net_unit_price
    method, capped = ("list" if previous is None else settings.pricing), False
    if previous is None or settings.pricing == "list":
        price = waterfall.net_unit_price
    elif settings.pricing == "same":
        price = money.round_unit_price(previous)
    else:
        price, capped = uplifted_price(previous, settings.uplift_percent or ZERO, waterfall.list_unit_price)
    discount = request.discount_percent or ZERO
    net = money.percent_off(price, discount)
    value = net * request.quantity
    months = EVERGREEN_VALUE_MONTHS if terms.term_months is None else terms.term_months
    priced = replace(
        waterfall, discount_percent=discount, net_unit_price=net, end_date=end,
        mrr=money.round_amount(value, terms.currency), total=money.round_amount(value * months, terms.currency),
    )
    if not money.storable(priced.total):
        raise InvalidInput(f"{request.sku}: its renewal total {priced.total} is too large")
    return RenewalLine(priced=priced, previous_net_unit_price=previous, method=method, capped=capped)


def needs_approval(lines: Sequence[RenewalLine], threshold_percent: Decimal) -> bool:
    """Only a rep's discount given now counts: a `same` price below list was negotiated before, not discounted now."""
    return any(line.priced.discount_percent > threshold_percent for line in lines)


def anniversaries(anchor: date, after: date, through: date) -> list[date]:
    """The anniversaries `anchor + 12 n` (n ≥ 1) in `(after, through]`, in date order."""
    n = _next_anniversary_index(anchor, after)
    found: list[date] = []
    while (day := add_months(anchor, MONTHS_PER_YEAR * n)) <= through:
        found.append(day)
        n += 1
    return found


def _next_anniversary_index(anchor: date, after: date) -> int:
    """The n ≥ 1 of the first anniversary after `after`."""
    if after < anchor:
        return 1
    return billing_period_index(anchor, MONTHS_PER_YEAR, after) + 1


def cancellation_effective_on(
    *, anchor: date, billing_frequency: str, requested_on: date, notice_days: int, term_end: date | None
) -> date:
    """The day a cancellation requested on `requested_on` ends the contract.

    A termed contract runs to its term end (it then does not renew); an evergreen one ends at the first billing
    period boundary after the anchor on or after `requested_on + notice_days`.
    """
    months = period_months(billing_frequency)
    if notice_days < 0:
        raise InvalidInput("notice_days must not be negative")
    if requested_on < anchor:
        raise InvalidInput(f"a cancellation cannot be requested on {requested_on.isoformat()}, "
                           f"before the contract starts on {anchor.isoformat()}")
    if term_end is not None:
        if requested_on >= term_end:
            raise InvalidInput(f"a cancellation requested on {requested_on.isoformat()} comes after the term "
                               f"ended on {term_end.isoformat()}: there is nothing left to cancel")
        return term_end
    earliest = requested_on + timedelta(days=notice_days)
    index = billing_period_index(anchor, months, earliest)
    if index >= 1 and add_months(anchor, index * months) == earliest:
        return earliest
    return add_months(anchor, (index + 1) * months)


@dataclass(frozen=True)
class Lifecycle:
    """What the planner needs to know about one contract, as the service loaded it."""

    status: str  # "active" | "expired" | "cancelled"
    anchor: date
    term_number: int
    term_start: date
    term_end: date | None  # None: evergreen
    settings: RenewalSettings
    #: Status of the live renewal quote made for term_number + 1 (None: none yet).
    renewal_quote_status: str | None
    cancellation_effective_on: date | None
    #: The latest anniversary already applied (None: none).
    last_uplift_on: date | None
    #: Evergreen: the dates decreases agreed `at_renewal` take effect on (its anniversaries).
    scheduled_on: tuple[date, ...] = ()


@dataclass(frozen=True)
class Action:
    kind: str  # "renewal_quote" | "renew" | "expire" | "uplift" | "cancel"
    on: date  # the date it fell due


def next_action(state: Lifecycle, as_of: date) -> Action | None:
    """The one thing due next for a contract on `as_of`, or None.

    The service applies it, reloads and asks again, so a run after months without runs catches up in date order.
    """
    if state.status != "active":
        return None
    if state.term_end is None:
        return _next_evergreen_action(state, as_of)
    end, cancel = state.term_end, state.cancellation_effective_on
    if cancel is not None:
        # A contract being cancelled gets no renewal quote and is not renewed.
        return Action("cancel", cancel) if cancel <= as_of else None
    due = renewal_due_on(end, state.settings.lead_days)
    if state.renewal_quote_status is None:
        return Action("renewal_quote", due) if as_of >= due else None
    if as_of < end:
        return None
    if state.settings.auto_renew and state.renewal_quote_status in RENEWING_QUOTE_STATUSES:
        return Action("renew", end)
    return Action("expire", end)


def _next_evergreen_action(state: Lifecycle, as_of: date) -> Action | None:
    """The earlier of the next uplift anniversary and the cancellation; on a tie the contract ends, unraised."""
    cancel = state.cancellation_effective_on
    anniversary = _next_uplift_on(state)
    if cancel is not None and cancel <= as_of and (anniversary is None or cancel <= anniversary):
        return Action("cancel", cancel)
    if anniversary is not None and anniversary <= as_of and (cancel is None or anniversary < cancel):
        return Action("uplift", anniversary)
    return None


def _next_uplift_on(state: Lifecycle) -> date | None:
    """The next anniversary with something to do: an uplift, or decreases agreed to apply then."""
    settings = state.settings
    after = state.anchor if state.last_uplift_on is None else state.last_uplift_on
    due = [d for d in state.scheduled_on if d > after]
    if settings.pricing == "uplift" and (settings.uplift_percent or ZERO) > 0:
        due.append(add_months(state.anchor, MONTHS_PER_YEAR * _next_anniversary_index(state.anchor, after)))
    return min(due, default=None)
