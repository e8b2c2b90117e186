"""A finalized renewal quote: the quote's snapshot plus what it renews, and how each price moved from the term before.

The layout (pdf_templates/renewal.html) shares the quote's masthead, parties, terms wording and totals, so its
context is the quote's (app/documents/context.py) with the renewed contract and per-line price changes added.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.documents.context import BilledPeriod, DocumentLine, QuoteDocument, build_context, line_fields, step_wording
from app.documents.formatting import NO_VALUE, Formatter


@dataclass(frozen=True, kw_only=True)
class RenewalDocumentLine(DocumentLine):
    """A renewed product; `previous_net_unit_price` None means it was not held before (priced at list)."""

    previous_net_unit_price: Decimal | None
    pricing_method: str
    price_capped: bool = False


@dataclass(frozen=True, kw_only=True)
class RenewalDocument(QuoteDocument):
    """A renewal quote's document: the new term's quote, for the next term of `contract_number`."""

    contract_number: str
    lines: tuple[RenewalDocumentLine, ...]


def pricing_method(line: RenewalDocumentLine, uplift_percent: Decimal | None, f: Formatter) -> str:
    """How the line's new price was set, in words the customer can check against the contract's terms."""
    if line.pricing_method == "same":
        return f.t.gettext("unchanged price")
    if line.pricing_method == "list":
        return f.t.gettext("list price")
    if line.pricing_method == "uplift" and uplift_percent is not None:
        percent = {"percent": f.percent(uplift_percent)}
        if line.price_capped:
            return f.t.gettext("uplift of %(percent)s, capped at list price") % percent
        return f.t.gettext("uplift of %(percent)s") % percent
    raise ValueError(f"renewal pricing method {line.pricing_method!r} with uplift {uplift_percent!r} is not valid")


def _price_change(line: RenewalDocumentLine, f: Formatter) -> str:
    previous = line.previous_net_unit_price
    if not previous:
        return NO_VALUE
    return f.signed_fraction((line.net_unit_price - previous) / previous)


def _line(line: RenewalDocumentLine, uplift_percent: Decimal | None, period: BilledPeriod,
          f: Formatter) -> dict[str, object]:
    previous = line.previous_net_unit_price
    return {
        **line_fields(line, period, f),
        "previous_net_unit_price": NO_VALUE if previous is None else f.unit_price(previous),
        "change": _price_change(line, f),
        "method": pricing_method(line, uplift_percent, f),
        "steps": [step_wording(step, f) for step in line.steps],
    }


def build_renewal_context(document: RenewalDocument) -> dict[str, object]:
    """The quote's context with the renewed contract and the lines' previous and new prices."""
    f, period = Formatter(document.locale, document.currency), BilledPeriod.of(document)
    return {
        **build_context(document),
        "contract_number": document.contract_number,
        "lines": [_line(line, document.uplift_percent, period, f) for line in document.lines],
    }
