"""The refusals of an amendment: its date, its changes, its sizes, and product rules on the contract as it will be."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from app.domain import money
from app.domain.amendment_model import (
    ACTIONS,
    AmendmentLine,
    AmendmentRefused,
    AmendmentTotals,
    Change,
    ContractSnapshot,
)
from app.domain.catalog import MAX_QUANTITY, Product, check_product_rules
from app.domain.contracts import annual
from app.domain.errors import InvalidInput, Violation, ViolationList


def check_sizes(lines: Sequence[AmendmentLine], totals: AmendmentTotals) -> None:
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


def check_date(contract: ContractSnapshot, day: date) -> None:
    term = contract.term
    if not term.contains(day):
        bound = "open end" if term.end is None else term.end.isoformat()
        raise AmendmentRefused(
            f"effective date {day.isoformat()} is outside the current term "
            f"[{term.start.isoformat()}, {bound})", [Violation(("effective_date",), "outside the current term")])
    if day < contract.last_change_date:
        raise AmendmentRefused(
            f"effective date {day.isoformat()} is before the contract's latest change on "
            f"{contract.last_change_date.isoformat()}", [Violation(("effective_date",), "before the latest change")])


def check_changes(contract: ContractSnapshot, changes: Sequence[Change], products: Mapping[str, Product]) -> None:
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


def check_rules(contract: ContractSnapshot, lines: Sequence[AmendmentLine], products: Mapping[str, Product]) -> None:
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
