"""A finalized amendment quote as a plain snapshot, and its template context of formatted, translated strings.

The amounts arrive computed (prorated, rounded, signed) by the domain; this module only words and formats
them in the document's locale, as app/documents/context.py does for quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.documents.catalogs import N_
from app.documents.formatting import NO_VALUE, Formatter, choice
from app.documents.parties import Party, masthead_context

#: Amendment line motions → their (translatable) name on the document.
CHANGES: dict[str, str] = {
    "seat_expansion": N_("Seat expansion"),
    "upsell": N_("Upsell"),
    "cross_sell": N_("Cross-sell"),
    "decrease": N_("Decrease"),
    "downgrade": N_("Downgrade"),
    "removal": N_("Removal"),
}
#: Contract proration methods → how the document words them.
PRORATION_METHODS: dict[str, str] = {
    "daily": N_("by days"),
    "monthly_daily": N_("by months then days"),
    "none": N_("not prorated"),
}
SIDES: tuple[str, ...] = ("charge", "credit")


@dataclass(frozen=True)
class AmendmentDocumentLine:
    """One changed product; `scheduled` lines take effect at renewal (`start_date`) with zero amounts now."""

    sku: str
    name: str
    unit: str
    change: str
    side: str
    quantity: int
    quantity_before: int
    quantity_after: int
    recurring: bool
    net_unit_price: Decimal
    proration_fraction: Decimal
    amount_due_now: Decimal
    remaining_term_value: Decimal
    mrr_delta: Decimal
    scheduled: bool
    start_date: date
    end_date: date | None
    #: The part of amount_due_now for whole periods invoiced before a back-dated acceptance.
    catch_up_due: Decimal = Decimal(0)

    @property
    def proration_due(self) -> Decimal:
        return self.amount_due_now - self.catch_up_due


@dataclass(frozen=True)
class AmendmentTotals:
    amount_due_now: Decimal
    remaining_term_value: Decimal
    mrr_delta: Decimal
    mrr_before: Decimal
    mrr_after: Decimal
    catch_up_due: Decimal = Decimal(0)

    @property
    def proration_due(self) -> Decimal:
        return self.amount_due_now - self.catch_up_due


@dataclass(frozen=True)
class AmendmentDocument:
    """Everything the amendment PDF shows, frozen at finalize; `term_end` None means an evergreen contract."""

    number: str
    version: int
    locale: str
    currency: str
    issue_date: date
    valid_until: date
    seller: Party
    customer: Party
    contract_number: str
    effective_date: date
    term_end: date | None
    billing_frequency: str
    proration_method: str
    lines: tuple[AmendmentDocumentLine, ...]
    totals: AmendmentTotals


def _co_termination(document: AmendmentDocument, f: Formatter) -> str:
    if document.term_end is None:
        return f.t.gettext("At the end of the current billing period, then continues period by period")
    return f.t.gettext("Co-terminates with the contract on %(date)s") % {"date": f.date(document.term_end)}


def _change(line: AmendmentDocumentLine, f: Formatter) -> str:
    change = f.t.gettext(choice(CHANGES, line.change, "amendment change"))
    if line.side not in SIDES:
        raise ValueError(f"unknown amendment line side {line.side!r}; expected one of {', '.join(SIDES)}")
    if line.side == "credit":
        return f.t.gettext("%(change)s (credit)") % {"change": change}
    return change


def _change_row(line: AmendmentDocumentLine, f: Formatter) -> dict[str, object]:
    schedule = f.t.gettext("at renewal on %(date)s") % {"date": f.date(line.start_date)} if line.scheduled else ""
    return {
        "sku": line.sku,
        "name": line.name,
        "unit": line.unit,
        "change": _change(line, f),
        "schedule": schedule,
        "quantity_before": f.quantity(line.quantity_before),
        "quantity_after": f.quantity(line.quantity_after),
        "net_unit_price": f.unit_price(line.net_unit_price),
        "mrr_delta": f.signed_amount(line.mrr_delta) if line.recurring else NO_VALUE,
    }


def _period(line: AmendmentDocumentLine, f: Formatter) -> str:
    if not line.recurring:
        return f.t.gettext("One-time fee")
    start = f.date(line.start_date)
    if line.end_date is None:
        return f.t.gettext("from %(start)s") % {"start": start}
    return f.t.gettext("from %(start)s to %(end)s") % {"start": start, "end": f.date(line.end_date)}


def _amount_row(line: AmendmentDocumentLine, f: Formatter) -> dict[str, object]:
    return {
        "sku": line.sku,
        "name": line.name,
        "period": _period(line, f),
        "fraction": f.fraction(line.proration_fraction) if line.recurring else NO_VALUE,
        "proration_due": f.amount(line.proration_due),
        "catch_up_due": f.amount(line.catch_up_due),
        "amount_due_now": f.amount(line.amount_due_now),
        "remaining_term_value": f.amount(line.remaining_term_value),
    }


def _has_amounts(line: AmendmentDocumentLine) -> bool:
    return not line.scheduled and bool(line.amount_due_now or line.remaining_term_value)


def build_amendment_context(document: AmendmentDocument) -> dict[str, object]:
    """Domain values → plain, already formatted strings (Babel), so the template never formats."""
    f = Formatter(document.locale, document.currency)
    totals = document.totals
    return {
        **masthead_context(document, f),
        "title": f.t.gettext("Contract amendment"),
        "contract_number": document.contract_number,
        "effective_date": f.date(document.effective_date),
        "co_termination": _co_termination(document, f),
        "billing": f.frequency(document.billing_frequency),
        "proration": f.t.gettext(choice(PRORATION_METHODS, document.proration_method, "proration method")),
        "changes": [_change_row(line, f) for line in document.lines],
        "amounts": [_amount_row(line, f) for line in document.lines if _has_amounts(line)],
        # A back-dated amendment also bills the periods invoiced without it: the document shows both parts.
        "catch_up": bool(totals.catch_up_due),
        "totals": {
            "proration_due": f.amount(totals.proration_due),
            "catch_up_due": f.amount(totals.catch_up_due),
            "mrr_before": f.amount(totals.mrr_before),
            "mrr_delta": f.signed_amount(totals.mrr_delta),
            "mrr_after": f.amount(totals.mrr_after),
            "amount_due_now": f.amount(totals.amount_due_now),
            "remaining_term_value": f.signed_amount(totals.remaining_term_value),
        },
    }
