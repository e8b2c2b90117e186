"""Amendments: a contract's segments in force + a list of changes + an effective date → prorated lines.

Each change is classified (seat expansion, upsell, cross-sell, decrease, downgrade, removal), priced
(existing products keep their net price; new products and swaps go through the waterfall) and
co-terminated with the contract. Decreases follow the contract's `mid_term_decrease` policy.
The shapes are in `amendment_model`, the refusals in `amendment_checks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from app.domain import money
from app.domain.amendment_checks import check_changes, check_date, check_rules, check_sizes
from app.domain.amendment_model import (
    ZERO,
    Amendment,
    AmendmentLine,
    AmendmentRefused,
    AmendmentTotals,
    Change,
    ContractSnapshot,
    StaleAmendment,
)
from app.domain.contracts import Segment
from app.domain.errors import Violation
from app.domain.invoicing import BillingSchedule, catch_up_charges
from app.domain.periods import add_months, period_months
from app.domain.pricing import LineRequest, PriceList, QuoteTerms, price_line, rep_discount_percent
from app.domain.proration import Proration, prorate, prorated_amounts

__all__ = ["Amendment", "AmendmentLine", "AmendmentRefused", "Change", "ContractSnapshot", "StaleAmendment",
           "needs_approval", "price_amendment"]


def price_amendment(
    contract: ContractSnapshot, changes: Sequence[Change], effective_date: date, price_list: PriceList, *,
    today: date,
) -> Amendment:
    """Price the changes as accepting them on `today` would invoice them (catch-up periods included)."""
    check_date(contract, effective_date)
    check_changes(contract, changes, price_list.products)
    months = period_months(contract.billing_frequency)
    end = contract.term.end
    proration = prorate(method=contract.proration_method, anchor=contract.anchor, billing_months=months,
                        term_end=end, effective_date=effective_date)
    pricer = _Pricer(contract, proration, end, price_list, today)
    lines = [line for index, change in enumerate(changes) for line in pricer.lines(index, change)]
    check_rules(contract, lines, price_list.products)
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
    check_sizes(lines, totals)
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


class _Pricer:
    """Turns one change into its lines, given the contract, the proration and the price list."""

    def __init__(self, contract: ContractSnapshot, proration: Proration, end: date | None, price_list: PriceList,
                 today: date):
        self.contract, self.proration, self.end, self.price_list = contract, proration, end, price_list
        self.held = {segment.sku: segment for segment in contract.segments}
        self.schedule = BillingSchedule(contract.anchor, period_months(contract.billing_frequency),
                                        contract.term.end, contract.currency)
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
        while add_months(self.contract.anchor, 12 * years) <= self.proration.effective_date:
            years += 1
        return add_months(self.contract.anchor, 12 * years)

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
        terms = QuoteTerms(self.contract.currency, self.proration.effective_date,
                           self.contract.term.months(self.contract.anchor),
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
