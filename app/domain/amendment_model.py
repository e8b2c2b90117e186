"""What an amendment is made of: the changes asked, the contract they apply to, the priced lines and totals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from app.domain.contracts import Segment, Term, annual
from app.domain.errors import Conflict, InvalidInput
from app.domain.proration import Proration

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
    #: Billing periods count from it: the first term's start, kept across renewals.
    anchor: date
    #: The term the effective date falls in: the amendment co-terminates with it.
    term: Term
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
