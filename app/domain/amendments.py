"""Amendments: a contract's segments in force + a list of changes + an effective date → prorated lines.

Each change is classified (seat expansion, upsell, cross-sell, decrease, downgrade, removal), priced
(existing products keep their net price; new products and swaps go through the waterfall) and
co-terminated with the contract. Decreases follow the contract's `mid_term_decrease` policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from app.domain import money
from app.domain.catalog import MAX_QUANTITY, Product, check_product_rules
from app.domain.contracts import Segment, annual
from app.domain.errors import Conflict, InvalidInput, Violation, ViolationList
from app.domain.invoicing import BillingSchedule, catch_up_charges
from app.domain.periods import add_months, period_months
from app.domain.pricing import (
    LineRequest,
    PriceList,
    QuoteTerms,
    price_line,
    rep_discount_percent,
)
from app.domain.proration import Proration, prorate, prorated_amounts

ACTIONS = ("add_quantity", "remove_quantity", "swap", "add_product", "remove_product")
ZERO = Decimal(0)


class AmendmentRefused(InvalidInput):
    code = "amendment_refused"
    title = "Amendment refused"


class StaleAmendment(Conflict):
    """The contract moved on since the amendment was built: accepting it would lose a change."""

    code = "stale_amendment"
    title = "Contract changed since this amendment was prepared"


@dataclass(frozen=True)
class Change:
    action: str
    sku: str | None = None
    quantity: int | None = None
    from_sku: str | None = None
    to_sku: str | None = None
    discount_percent: Decimal | None = None


@dataclass(frozen=True)
class ContractSnapshot:
    """What an amendment needs to know about the contract on its effective date."""

    currency: str
    start_date: date
    term_months: int | None
    billing_frequency: str
    proration_method: str
    mid_term_decrease: str
    #: Segments in force on the effective date, at most one per SKU.
    segments: tuple[Segment, ...]
    #: The latest date a segment starts on: an amendment cannot take effect before it.
    last_change_date: date
    #: Decreases already agreed to apply at renewal: SKU → the units it will then hold.
    scheduled: Mapping[str, int] = field(default_factory=dict)

    def will_hold(self, sku: str, held: int) -> int:
        """What the contract will hold of `sku` once the agreed scheduled decreases apply."""
        return min(held, self.scheduled.get(sku, held))


@dataclass(frozen=True)
class AmendmentLine:
    change_index: int
    sku: str
    change: str
    #: "charge" adds value; "credit" gives back the rest of the period for what is taken away.
    side: str
    #: Signed change of units: +5 seats, −20 for the credit side of a swap.
    quantity: int
    quantity_before: int
    quantity_after: int
    recurring: bool
    list_unit_price: Decimal
    regular_unit_price: Decimal
    contracted_unit_price: Decimal | None
    discount_percent: Decimal
    net_unit_price: Decimal
    start_date: date
    end_date: date | None
    proration_fraction: Fraction
    #: What acceptance invoices: the rest of the current period (or a one-time price) ...
    proration_due: Decimal
    #: ... plus, when back-dated, the whole periods already invoiced without the change.
    catch_up_due: Decimal
    amount_due_now: Decimal
    remaining_term_value: Decimal
    mrr_delta: Decimal
    #: A decrease under `at_renewal`: recorded now, applied by the renewal quote.
    scheduled: bool = False


@dataclass(frozen=True)
class AmendmentTotals:
    proration_due: Decimal
    catch_up_due: Decimal
    amount_due_now: Decimal
    remaining_term_value: Decimal
    mrr_delta: Decimal
    #: One-time charges added by the amendment (part of amount_due_now).
    one_time: Decimal

    @property
    def arr_delta(self) -> Decimal:
        return annual(self.mrr_delta)


@dataclass(frozen=True)
class Amendment:
    proration: Proration
    lines: tuple[AmendmentLine, ...]
    totals: AmendmentTotals
    #: The segments to open on the effective date (each replaces the SKU's segment in force, if any).
    opened: tuple[Segment, ...]
    #: SKUs whose segment in force is closed on the effective date.
    closed: tuple[str, ...]
    #: Where the amendment's lines co-terminate: the term end, or an evergreen contract's period end.
    end_date: date


def price_amendment(
    contract: ContractSnapshot, changes: Sequence[Change], effective_date: date, price_list: PriceList, *,
    today: date,
) -> Amendment:
    """Price the changes as accepting them on `today` would invoice them (catch-up periods included)."""
    _check_date(contract, effective_date)
    _check_changes(contract, changes, price_list.products)
    months = period_months(contract.billing_frequency)
    proration = prorate(method=contract.proration_method, anchor=contract.start_date, billing_months=months,
                        term_months=contract.term_months, effective_date=effective_date)
    end = None if contract.term_months is None else add_months(contract.start_date, contract.term_months)
    pricer = _Pricer(contract, proration, end, price_list, today)
    lines = [line for index, change in enumerate(changes) for line in pricer.lines(index, change)]
    _check_rules(contract, lines, price_list.products)
    applied = [line for line in lines if not line.scheduled]
    currency = contract.currency
    totals = AmendmentTotals(
        proration_due=money.total((line.proration_due for line in lines), currency),
        catch_up_due=money.total((line.catch_up_due for line in lines), currency),
        amount_due_now=money.total((line.amount_due_now for line in lines), currency),
        remaining_term_value=money.total((line.remaining_term_value for line in lines), currency),
        mrr_delta=money.total((line.mrr_delta for line in lines), currency),
        one_time=money.total((line.amount_due_now for line in lines if not line.recurring), currency),
    )
    _check_sizes(lines, totals)
    # Every recurring SKU the amendment touches is re-opened with what is held from the effective date.
    opened = tuple(
        Segment(line.sku, line.quantity_after, line.net_unit_price, effective_date, end, line.list_unit_price)
        for line in applied if line.recurring and line.quantity_after > 0
    )
    closed = tuple(line.sku for line in applied if line.quantity_before > 0)
    return Amendment(proration, tuple(lines), totals, opened, closed, pricer.line_end())


def needs_approval(lines: Sequence[AmendmentLine], threshold_percent: Decimal) -> bool:
    """Same rule as for new quotes: a rep's discount above the threshold on a line priced now.

    Units already held keep the price negotiated when they were sold (below list, often): that is not a
    discount the rep gives now, so more of them never needs approval.
    """
    return any(
        rep_discount_percent(line.regular_unit_price, line.contracted_unit_price, line.net_unit_price)
        > threshold_percent
        for line in lines if line.side == "charge" and line.quantity_before == 0
    )


def _check_sizes(lines: Sequence[AmendmentLine], totals: AmendmentTotals) -> None:
    """Quantities and amounts must fit what the service stores exactly."""
    problems = ViolationList()
    for line in lines:
        where, name = ("changes", line.change_index), f"change {line.change_index + 1}"
        if line.quantity_after > MAX_QUANTITY:
            problems.add(where, f"{name}: {line.quantity_after} {line.sku} is more than {MAX_QUANTITY}")
        if not all(money.storable(a) for a in (line.amount_due_now, line.remaining_term_value, annual(line.mrr_delta))):
            problems.add(where, f"{name}: its amounts are too large")
    if not all(money.storable(a) for a in (totals.amount_due_now, totals.remaining_term_value, totals.arr_delta)):
        problems.add(("changes",), "the amendment's totals are too large")
    problems.raise_if_any(AmendmentRefused, "amendment refused")


def _check_date(contract: ContractSnapshot, day: date) -> None:
    end = None if contract.term_months is None else add_months(contract.start_date, contract.term_months)
    if day < contract.start_date or (end is not None and day >= end):
        bound = "open end" if end is None else end.isoformat()
        raise AmendmentRefused(
            f"effective date {day.isoformat()} is outside the current term "
            f"[{contract.start_date.isoformat()}, {bound})", [Violation(("effective_date",), "outside the current term")])
    if day < contract.last_change_date:
        raise AmendmentRefused(
            f"effective date {day.isoformat()} is before the contract's latest change on "
            f"{contract.last_change_date.isoformat()}", [Violation(("effective_date",), "before the latest change")])


def _check_changes(contract: ContractSnapshot, changes: Sequence[Change], products: Mapping[str, Product]) -> None:
    quantities = {segment.sku: segment.quantity for segment in contract.segments}
    held = set(quantities)
    problems = ViolationList()
    touched: list[str] = []
    if not changes:
        problems.add(("changes",), "an amendment needs at least one change")
    for index, change in enumerate(changes):
        where = ("changes", index)
        skus = [change.from_sku, change.to_sku] if change.action == "swap" else [change.sku]
        if change.action not in ACTIONS:
            problems.add((*where, "action"), f"change {index + 1}: action must be one of {', '.join(ACTIONS)}")
            continue
        if any(sku is None for sku in skus):
            needed = "from_sku and to_sku" if change.action == "swap" else "sku"
            problems.add(where, f"change {index + 1}: {change.action} needs {needed}")
            continue
        for sku in skus:
            assert sku is not None
            if sku in touched:
                problems.add(where, f"change {index + 1}: {sku} is changed twice; combine the changes")
            touched.append(sku)
            if sku not in products:
                problems.add(where, f"change {index + 1}: unknown sku {sku!r}")
        needs_quantity = change.action in ("add_quantity", "remove_quantity", "add_product")
        if (needs_quantity and change.quantity is None) or (change.quantity is not None and change.quantity < 1):
            problems.add((*where, "quantity"), f"change {index + 1}: quantity must be at least 1")
        remaining = contract.will_hold(change.sku or "", quantities.get(change.sku or "", 0))
        if change.action == "remove_quantity" and change.quantity and change.sku in held and (
                change.quantity > remaining):
            scheduled = " once the decreases already scheduled apply" if change.sku in contract.scheduled else ""
            problems.add((*where, "quantity"), f"change {index + 1}: only {remaining} {change.sku} will remain"
                                               f"{scheduled}; use remove_product to remove them all")
        if change.action in ("add_quantity", "remove_quantity", "remove_product") and change.sku not in held:
            problems.add(where, f"change {index + 1}: {change.sku} is not on the contract")
        if change.action == "add_product" and change.sku in held:
            problems.add(where, f"change {index + 1}: {change.sku} is already on the contract; use add_quantity")
        if change.action == "swap":
            _check_swap(index, change, quantities, products, problems)
        if change.action in ("add_product", "swap"):
            new = products.get((change.sku if change.action == "add_product" else change.to_sku) or "")
            if new is not None and not new.active:
                problems.add(where, f"change {index + 1}: {new.sku} is inactive and cannot be sold")
    problems.raise_if_any(AmendmentRefused, "amendment refused")


def _check_swap(index: int, change: Change, held: Mapping[str, int], products: Mapping[str, Product],
                problems: ViolationList) -> None:
    """A swap moves `quantity` units (default: all) of a held product to another of its family, one for one."""
    where = ("changes", index)
    if change.from_sku not in held:
        problems.add(where, f"change {index + 1}: {change.from_sku} is not on the contract")
    elif change.quantity is not None and change.quantity > held[change.from_sku or ""]:
        problems.add((*where, "quantity"), f"change {index + 1}: only {held[change.from_sku or '']} "
                                           f"{change.from_sku} are held; a swap moves at most those")
    if change.to_sku in held:
        problems.add(where, f"change {index + 1}: {change.to_sku} is already on the contract")
    old, new = products.get(change.from_sku or ""), products.get(change.to_sku or "")
    if old is not None and new is not None:
        if old.family != new.family:
            problems.add(where, f"change {index + 1}: cannot swap {old.sku} ({old.family}) for {new.sku} "
                                f"({new.family}); a swap stays in one family — add the product instead")
        if not new.recurring:
            problems.add(where, f"change {index + 1}: {new.sku} is not a subscription product")


def _check_rules(contract: ContractSnapshot, lines: Sequence[AmendmentLine], products: Mapping[str, Product]) -> None:
    """Product rules hold on the contract as it will be once every change, scheduled ones included, applies.

    Each broken rule points at the change that touched the product, or else at the changes that took
    products away (an add-on left without its plan).
    """
    quantities = {segment.sku: contract.will_hold(segment.sku, segment.quantity) for segment in contract.segments}
    for line in lines:
        if line.recurring:
            after = line.quantity_after
            quantities[line.sku] = after if line.scheduled else contract.will_hold(line.sku, after)
    remaining = [sku for sku, quantity in quantities.items() if quantity > 0]
    try:
        check_product_rules(remaining, dict(products))
    except InvalidInput as error:
        touched = {line.sku: line.change_index for line in lines}
        removals = sorted({line.change_index for line in lines if line.quantity_after == 0})
        violations = []
        for violation in error.violations:
            sku = remaining[int(violation.loc[1])]
            indexes = [touched[sku]] if sku in touched else removals
            violations += [Violation(("changes", index), violation.msg) for index in indexes]
        messages = "; ".join(v.msg for v in error.violations)
        raise AmendmentRefused(f"after this amendment the contract would break product rules: {messages}",
                               violations) from None


class _Pricer:
    """Turns one change into its lines, given the contract, the proration and the price list."""

    def __init__(self, contract: ContractSnapshot, proration: Proration, end: date | None, price_list: PriceList,
                 today: date):
        self.contract, self.proration, self.end, self.price_list = contract, proration, end, price_list
        self.held = {segment.sku: segment for segment in contract.segments}
        self.schedule = BillingSchedule(contract.start_date, period_months(contract.billing_frequency),
                                        contract.term_months, contract.currency)
        self.today = today

    def lines(self, index: int, change: Change) -> list[AmendmentLine]:
        if change.action == "add_quantity":
            segment = self.held[change.sku or ""]
            return [self._existing(index, segment, +(change.quantity or 0), "seat_expansion")]
        if change.action == "remove_quantity":
            segment = self.held[change.sku or ""]
            return self._decrease([self._existing(index, segment, -(change.quantity or 0), "decrease")])
        if change.action == "remove_product":
            segment = self.held[change.sku or ""]
            return self._decrease([self._existing(index, segment, -segment.quantity, "removal")])
        if change.action == "add_product":
            return [self._new(index, change.sku or "", change.quantity or 0, change.discount_percent, "cross_sell")]
        return self._swap(index, change)

    def _swap(self, index: int, change: Change) -> list[AmendmentLine]:
        """Only the units moved are credited and charged; the old product keeps the rest."""
        old = self.held[change.from_sku or ""]
        products = self.price_list.products
        quantity = change.quantity or old.quantity
        old_rank = products[old.sku].tier_rank or 0
        new_rank = products[change.to_sku or ""].tier_rank or 0
        charge = self._new(index, change.to_sku or "", quantity, change.discount_percent, "upsell")
        credit = self._existing(index, old, -quantity, "upsell")
        upward = new_rank > old_rank or (new_rank == old_rank and charge.mrr_delta >= -credit.mrr_delta)
        if upward:
            return [credit, charge]
        return self._decrease([replace(credit, change="downgrade"), replace(charge, change="downgrade")])

    def _decrease(self, lines: list[AmendmentLine]) -> list[AmendmentLine]:
        policy = self.contract.mid_term_decrease
        if policy == "forbid":
            line = lines[0]
            raise AmendmentRefused(
                f"change {line.change_index + 1}: this contract forbids mid-term decreases "
                f"({line.change} of {line.sku}); it can take effect at renewal only",
                [Violation(("changes", line.change_index), "mid-term decreases are forbidden on this contract")])
        if policy == "credit":
            return lines
        zero = money.round_amount(ZERO, self.contract.currency)
        return [replace(self._after_scheduled(line), scheduled=True, proration_fraction=Fraction(0),
                        start_date=self._renewal_date(), proration_due=zero, catch_up_due=zero, amount_due_now=zero,
                        remaining_term_value=zero, mrr_delta=zero) for line in lines]

    def _after_scheduled(self, line: AmendmentLine) -> AmendmentLine:
        """A decrease at renewal starts from what the decreases already scheduled leave, not from today's units."""
        if line.quantity_before == 0 or line.change not in ("decrease", "removal"):
            return line
        before = self.contract.will_hold(line.sku, line.quantity_before)
        quantity = -before if line.change == "removal" else line.quantity
        return replace(line, quantity=quantity, quantity_before=before, quantity_after=before + quantity)

    def _renewal_date(self) -> date:
        """When an `at_renewal` decrease applies: the term end, or an evergreen contract's next anniversary."""
        if self.end is not None:
            return self.end
        years = 1
        while add_months(self.contract.start_date, 12 * years) <= self.proration.effective_date:
            years += 1
        return add_months(self.contract.start_date, 12 * years)

    def _existing(self, index: int, segment: Segment, delta: int, change: str) -> AmendmentLine:
        """A change to units already held: they keep the net price they were sold at."""
        amounts = prorated_amounts(segment.net_unit_price * delta, self.proration, self.contract.currency)
        catch_up = self._catch_up(segment.net_unit_price * delta)
        return AmendmentLine(
            change_index=index, sku=segment.sku, change=change, side="charge" if delta > 0 else "credit",
            quantity=delta, quantity_before=segment.quantity, quantity_after=segment.quantity + delta,
            recurring=True, list_unit_price=segment.list_price, regular_unit_price=segment.list_price,
            contracted_unit_price=None, discount_percent=ZERO, net_unit_price=segment.net_unit_price,
            start_date=self.proration.effective_date, end_date=self.line_end(),
            proration_fraction=self.proration.fraction, proration_due=amounts.amount_due_now, catch_up_due=catch_up,
            amount_due_now=amounts.amount_due_now + catch_up, remaining_term_value=amounts.remaining_term_value,
            mrr_delta=amounts.mrr_delta,
        )

    def _new(self, index: int, sku: str, quantity: int, discount: Decimal | None, change: str) -> AmendmentLine:
        """A product new to the contract, priced by the waterfall on the effective date."""
        terms = QuoteTerms(self.contract.currency, self.proration.effective_date, self.contract.term_months,
                           self.contract.billing_frequency)
        priced = price_line(LineRequest(sku, quantity, discount_percent=discount), terms, self.price_list)
        if priced.recurring:
            amounts = prorated_amounts(priced.net_unit_price * quantity, self.proration, self.contract.currency)
            due, remaining, mrr = amounts.amount_due_now, amounts.remaining_term_value, amounts.mrr_delta
            catch_up = self._catch_up(priced.net_unit_price * quantity)
        else:
            due = remaining = priced.total
            mrr = catch_up = money.round_amount(ZERO, self.contract.currency)
        return AmendmentLine(
            change_index=index, sku=sku, change=change, side="charge", quantity=quantity, quantity_before=0,
            quantity_after=quantity, recurring=priced.recurring, list_unit_price=priced.list_unit_price,
            regular_unit_price=priced.regular_unit_price, contracted_unit_price=priced.contracted_unit_price,
            discount_percent=priced.discount_percent, net_unit_price=priced.net_unit_price,
            start_date=self.proration.effective_date, end_date=self.line_end() if priced.recurring else None,
            proration_fraction=self.proration.fraction if priced.recurring else Fraction(1),
            proration_due=due, catch_up_due=catch_up, amount_due_now=due + catch_up, remaining_term_value=remaining,
            mrr_delta=mrr,
        )

    def _catch_up(self, monthly_delta: Decimal) -> Decimal:
        """Whole periods after the effective one that started before `today`: invoiced without the change."""
        charges = catch_up_charges(self.schedule, monthly_delta=monthly_delta, after=self.proration.period.end,
                                   before=self.today)
        return money.total((charge.amount for charge in charges), self.contract.currency)

    def line_end(self) -> date:
        """Co-termination: the term end, or for an evergreen contract the end of the current period."""
        return self.end or self.proration.period.end
