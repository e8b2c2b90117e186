"""A finalized quote as a plain snapshot, and its template context of already formatted, translated strings.

Formatting happens here, once, with Babel in the document's locale, so the template only places text
and the stored PDF depends on nothing but these values and the template version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from app.documents.translations import Translator, translator
from app.domain.money import HUNDRED, display_unit_price, round_amount

NO_VALUE = "—"

#: Document English is British English (15 January 2026, "cancelled"); the other locales are Babel's own.
_BABEL_LOCALES: dict[str, str] = {"en": "en_GB"}

_TITLES: dict[str, str] = {"new": "Quote", "amendment": "Amendment", "renewal": "Renewal quote"}
_FREQUENCIES: dict[str, str] = {
    "monthly": "monthly",
    "quarterly": "quarterly",
    "semiannual": "every six months",
    "annual": "annually",
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
    discount_percent: Decimal
    mrr: Decimal
    total: Decimal


@dataclass(frozen=True)
class DocumentTotals:
    mrr: Decimal
    arr: Decimal
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
    seller_name: str
    account_name: str
    billing_email: str
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


class _Formatter:
    """Babel formatting and translation bound to one document's locale and currency."""

    def __init__(self, locale: str, currency: str) -> None:
        self.t: Translator = translator(locale)
        self.locale = _BABEL_LOCALES.get(locale, locale)
        self.currency = currency

    def amount(self, value: Decimal) -> str:
        """An amount with exactly the currency's minor digits (EUR 2, JPY 0)."""
        return format_currency(round_amount(value, self.currency), self.currency, locale=self.locale)

    def unit_price(self, value: Decimal) -> str:
        """A unit price with every digit it carries: at least the currency's, at most 6."""
        return format_currency(
            display_unit_price(value, self.currency), self.currency, locale=self.locale, decimal_quantization=False
        )

    def percent(self, value: Decimal) -> str:
        return format_percent(value.normalize() / HUNDRED, locale=self.locale, decimal_quantization=False)

    def date(self, value: date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def count(self, singular: str, plural: str, n: int) -> str:
        return self.t.ngettext(singular, plural, n) % {"num": n}


def _choice(table: dict[str, str], key: str, what: str) -> str:
    """Look up a known code; an unknown one is a caller bug, reported as ValueError."""
    try:
        return table[key]
    except KeyError:
        raise ValueError(f"unknown {what} {key!r}; expected one of {', '.join(table)}") from None


def _term(document: QuoteDocument, f: _Formatter) -> str:
    frequency = f.t.gettext(_choice(_FREQUENCIES, document.billing_frequency, "billing frequency"))
    if document.term_months is None or document.end_date is None:
        notice = f.count("%(num)d day's notice", "%(num)d days' notice", document.notice_days)
        return f.t.gettext("Evergreen, billed %(frequency)s until cancelled (%(notice)s)") % {
            "frequency": frequency,
            "notice": notice,
        }
    return f.t.gettext("%(months)s from %(start)s to %(end)s, billed %(frequency)s") % {
        "months": f.count("%(num)d month", "%(num)d months", document.term_months),
        "start": f.date(document.start_date),
        "end": f.date(document.end_date),
        "frequency": frequency,
    }


def _renewal_pricing(document: QuoteDocument, f: _Formatter) -> str:
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


def _renewal(document: QuoteDocument, f: _Formatter) -> str:
    pricing = _renewal_pricing(document, f)
    if document.term_months is None:
        return f.t.gettext("Prices on each anniversary: %(pricing)s.") % {"pricing": pricing}
    renews = (
        f.t.gettext("Renews automatically at the end of the term.")
        if document.auto_renew
        else f.t.gettext("Does not renew automatically.")
    )
    return f"{renews} {f.t.gettext('Renewal prices: %(pricing)s.') % {'pricing': pricing}}"


def _line(line: DocumentLine, f: _Formatter) -> dict[str, object]:
    return {
        "sku": line.sku,
        "name": line.name,
        "unit": line.unit,
        "quantity": format_decimal(line.quantity, locale=f.locale),
        "recurring": line.recurring,
        "list_unit_price": f.unit_price(line.list_unit_price),
        "net_unit_price": f.unit_price(line.net_unit_price),
        "discount": f.percent(line.discount_percent) if line.discount_percent else NO_VALUE,
        "mrr": f.amount(line.mrr) if line.recurring else NO_VALUE,
        "total": f.amount(line.total),
    }


def build_context(document: QuoteDocument) -> dict[str, object]:
    """Domain values → plain, already formatted strings (Babel), so templates never format."""
    f = _Formatter(document.locale, document.currency)
    totals = document.totals
    return {
        "lang": document.locale,
        "title": f.t.gettext(_choice(_TITLES, document.quote_type, "quote type")),
        "number": document.number,
        "version": str(document.version),
        "currency": document.currency,
        "issue_date": f.date(document.issue_date),
        "valid_until": f.date(document.valid_until),
        "seller_name": document.seller_name,
        "account_name": document.account_name,
        "billing_email": document.billing_email,
        "start_date": f.date(document.start_date),
        "term": _term(document, f),
        "renewal": _renewal(document, f),
        "lines": [_line(line, f) for line in document.lines],
        "totals": {
            "mrr": f.amount(totals.mrr),
            "arr": f.amount(totals.arr),
            "one_time": f.amount(totals.one_time),
            "total_contract_value": f.amount(totals.total_contract_value),
            "first_invoice": f.amount(totals.first_invoice),
        },
    }
