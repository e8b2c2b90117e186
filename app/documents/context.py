"""A finalized quote as a plain snapshot, and its template context of already formatted, translated strings.

Formatting happens here, once, with Babel in the document's locale (app/documents/formatting.py), so the
template only places text and the stored PDF depends on nothing but these values and the template version.
The amendment document (app/documents/amendment_context.py) is re-exported from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.documents.amendment_context import (
    AmendmentDocument,
    AmendmentDocumentLine,
    AmendmentTotals,
    build_amendment_context,
)
from app.documents.catalogs import N_
from app.documents.formatting import NO_VALUE, Formatter, choice
from app.documents.parties import Party, masthead_context
from app.domain import money
from app.domain.catalog import TierUse
from app.domain.periods import period_months
from app.domain.price_steps import PriceStep
from app.domain.pricing import first_invoice_months, percent_below

__all__ = [
    "NO_VALUE",
    "AmendmentDocument",
    "AmendmentDocumentLine",
    "AmendmentTotals",
    "DocumentLine",
    "DocumentTotals",
    "QuoteDocument",
    "build_amendment_context",
    "build_context",
]

_TITLES: dict[str, str] = {"new": N_("Quote"), "amendment": N_("Amendment"), "renewal": N_("Renewal quote")}
#: The column of what each invoice bills per product, named by how often it comes.
_PERIOD_AMOUNTS: dict[str, str] = {
    "monthly": N_("Monthly amount"),
    "quarterly": N_("Quarterly amount"),
    "semiannual": N_("Semi-annual amount"),
    "annual": N_("Annual amount"),
}


@dataclass(frozen=True)
class DocumentLine:
    sku: str
    name: str
    unit: str
    quantity: int
    recurring: bool
    list_unit_price: Decimal
    net_unit_price: Decimal
    total: Decimal
    #: Why net differs from list, in order (app/domain/price_steps.py).
    steps: tuple[PriceStep, ...] = ()
    #: A graduated line's tiers, which its average list unit price is made of.
    tiers: tuple[TierUse, ...] = ()


@dataclass(frozen=True)
class DocumentTotals:
    one_time: Decimal
    total_contract_value: Decimal
    first_invoice: Decimal


@dataclass(frozen=True)
class QuoteDocument:
    """Everything the PDF shows, frozen at finalize; `end_date`/`term_months` None means evergreen."""

    number: str
    version: int
    quote_type: str
    locale: str
    currency: str
    issue_date: date
    valid_until: date
    seller: Party
    customer: Party
    start_date: date
    end_date: date | None
    term_months: int | None
    billing_frequency: str
    auto_renew: bool
    renewal_pricing: str
    uplift_percent: Decimal | None
    notice_days: int
    lines: tuple[DocumentLine, ...]
    totals: DocumentTotals


def _term(document: QuoteDocument, f: Formatter) -> str:
    frequency = f.frequency(document.billing_frequency)
    if document.term_months is None or document.end_date is None:
        notice = f.ngettext("%(num)d day's notice", "%(num)d days' notice", document.notice_days)
        return f.t.gettext("Evergreen, billed %(frequency)s until cancelled (%(notice)s)") % {
            "frequency": frequency,
            "notice": notice,
        }
    return f.t.gettext("%(months)s from %(start)s to %(end)s, billed %(frequency)s") % {
        "months": f.ngettext("%(num)d month", "%(num)d months", document.term_months),
        "start": f.date(document.start_date),
        "end": f.date(document.end_date),
        "frequency": frequency,
    }


def _renewal_pricing(document: QuoteDocument, f: Formatter) -> str:
    if document.renewal_pricing == "same":
        return f.t.gettext("unchanged")
    if document.renewal_pricing == "list":
        return f.t.gettext("list prices in force at the time")
    if document.renewal_pricing == "uplift" and document.uplift_percent is not None:
        return f.t.gettext("current prices plus %(percent)s, capped at list price") % {
            "percent": f.percent(document.uplift_percent)
        }
    raise ValueError(
        f"renewal pricing {document.renewal_pricing!r} with uplift {document.uplift_percent!r} is not valid"
    )


def _renewal(document: QuoteDocument, f: Formatter) -> str:
    pricing = _renewal_pricing(document, f)
    if document.term_months is None:
        return f.t.gettext("Prices on each anniversary: %(pricing)s.") % {"pricing": pricing}
    renews = (
        f.t.gettext("Renews automatically at the end of the term.")
        if document.auto_renew
        else f.t.gettext("Does not renew automatically.")
    )
    # Not inside the f-string: Babel's extractor does not look into one.
    prices = f.t.gettext("Renewal prices: %(pricing)s.") % {"pricing": pricing}
    return f"{renews} {prices}"


@dataclass(frozen=True)
class BilledPeriod:
    """What the first invoice bills of each recurring line: one billing period, or the whole of a shorter term.

    Printed per line and summed in the totals with the same rounding as the quote's first invoice, so the
    first invoice a customer reads is the sum of the amounts printed above it.
    """

    label: str
    months: int
    currency: str

    @classmethod
    def of(cls, document: QuoteDocument) -> BilledPeriod:
        months = first_invoice_months(document.billing_frequency, document.term_months)
        label = (N_("Amount for the term") if months < period_months(document.billing_frequency)
                 else choice(_PERIOD_AMOUNTS, document.billing_frequency, "billing frequency"))
        return cls(label, months, document.currency)

    def amount(self, line: DocumentLine) -> Decimal:
        return money.period_amount(line.net_unit_price, line.quantity, self.months, self.currency)

    def total(self, lines: tuple[DocumentLine, ...]) -> Decimal:
        return money.total((self.amount(line) for line in lines if line.recurring), self.currency)


def line_fields(line: DocumentLine, period: BilledPeriod, f: Formatter) -> dict[str, object]:
    """What every layout shows of a product line: the product, its quantity, its net price and amounts."""
    return {
        "sku": line.sku,
        "name": line.name,
        "unit": line.unit,
        "quantity": f.quantity(line.quantity),
        "recurring": line.recurring,
        "net_unit_price": f.unit_price(line.net_unit_price),
        "period_amount": f.amount(period.amount(line)) if line.recurring else NO_VALUE,
        "total": f.amount(line.total),
    }


#: How each waterfall step reads under a product's name.
_STEPS: dict[str, str] = {
    "volume": N_("Volume discount %(value)s"),
    "term": N_("Term discount %(value)s"),
    "volume_and_term": N_("Volume and term discount %(value)s"),
    "contracted": N_("Negotiated price %(value)s"),
    "rep_percent": N_("Additional discount %(value)s"),
    "rep_amount": N_("Additional discount of %(value)s per unit"),
}


def step_wording(step: PriceStep, f: Formatter) -> str:
    value = f.unit_price(step.value) if step.kind in ("contracted", "rep_amount") else f.share(step.value)
    return f.t.gettext(choice(_STEPS, step.kind, "price step")) % {"value": value}


def _line(line: DocumentLine, period: BilledPeriod, f: Formatter) -> dict[str, object]:
    """The Discount column is the whole way from list to net; the steps under the name say what made it."""
    off = percent_below(line.list_unit_price, line.net_unit_price)
    return {
        **line_fields(line, period, f),
        "list_unit_price": f.unit_price(line.list_unit_price),
        "discount": f.share(off) if off > 0 else NO_VALUE,
        "steps": [*_tiers(line, f), *(step_wording(step, f) for step in line.steps)],
    }


def _tiers(line: DocumentLine, f: Formatter) -> list[str]:
    """'Graduated price: units 1–1,000 at €0.05, 1,001–5,000 at €0.03', the average's parts, in one line."""
    if not line.tiers:
        return []
    parts = [f.t.gettext("%(first)s–%(last)s at %(price)s") % {
        "first": f.quantity(tier.first), "last": f.quantity(tier.last), "price": f.unit_price(tier.unit_price)}
        for tier in line.tiers]
    return [f.t.gettext("Graduated price, units %(tiers)s") % {"tiers": ", ".join(parts)}]


def build_context(document: QuoteDocument) -> dict[str, object]:
    """Domain values → plain, already formatted strings (Babel), so templates never format."""
    f = Formatter(document.locale, document.currency)
    totals, period = document.totals, BilledPeriod.of(document)
    return {
        **masthead_context(document, f),
        "title": f.t.gettext(choice(_TITLES, document.quote_type, "quote type")),
        "start_date": f.date(document.start_date),
        "term": _term(document, f),
        "renewal": _renewal(document, f),
        "period_label": f.t.gettext(period.label),
        "lines": [_line(line, period, f) for line in document.lines],
        "totals": {
            "period_amount": f.amount(period.total(document.lines)),
            "one_time": f.amount(totals.one_time),
            "total_contract_value": f.amount(totals.total_contract_value),
            "first_invoice": f.amount(totals.first_invoice),
        },
    }
