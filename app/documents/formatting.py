"""Babel formatting and translation bound to one document's locale and currency, shared by every document.

Formatting happens once, here, so templates only place already formatted, translated strings.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from gettext import NullTranslations

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent, get_plus_sign_symbol

from app.documents.catalogs import N_, gettext_name, translator
from app.domain.money import HUNDRED, display_unit_price, round_amount

NO_VALUE = "—"

#: Document English is British English (15 January 2026, "cancelled"); the others are Babel's own, so en-US
#: is en_US (January 15, 2026, $1,234.50).
_BABEL_LOCALES: dict[str, str] = {"en": "en_GB"}

#: Billing frequency codes → the (translatable) word for how often the contract is billed.
FREQUENCIES: dict[str, str] = {
    "monthly": N_("monthly"),
    "quarterly": N_("quarterly"),
    "semiannual": N_("every six months"),
    "annual": N_("annually"),
}

_FRACTION_QUANTUM = Decimal("0.0001")  # a fraction shown as a percentage with 2 decimals
_SHARE_QUANTUM = Decimal("0.01")  # a percentage shown with at most 2 decimals


def choice(table: dict[str, str], key: str, what: str) -> str:
    """Look up a known code; an unknown one is a caller bug, reported as ValueError."""
    try:
        return table[key]
    except KeyError:
        raise ValueError(f"unknown {what} {key!r}; expected one of {', '.join(table)}") from None


class Formatter:
    """Babel formatting and translation bound to one document's locale and currency."""

    def __init__(self, locale: str, currency: str) -> None:
        self.t: NullTranslations = translator(locale)
        self.locale = _BABEL_LOCALES.get(locale, gettext_name(locale))
        self.currency = currency

    def amount(self, value: Decimal) -> str:
        """An amount with exactly the currency's minor digits (EUR 2, JPY 0); a negative one keeps its minus."""
        return format_currency(round_amount(value, self.currency), self.currency, locale=self.locale)

    def signed_amount(self, value: Decimal) -> str:
        """A change of amount, with the locale's plus sign when it grows: +€380.00, -€420.00, €0.00."""
        text = self.amount(value)
        return f"{get_plus_sign_symbol(self.locale)}{text}" if round_amount(value, self.currency) > 0 else text

    def unit_price(self, value: Decimal) -> str:
        """A unit price with every digit it carries: at least the currency's, at most 6."""
        return format_currency(
            display_unit_price(value, self.currency), self.currency, locale=self.locale, decimal_quantization=False
        )

    def percent(self, value: Decimal) -> str:
        """A percentage given in percent (16 → 16%), with the digits it carries."""
        return self._percent(value.normalize() / HUNDRED)

    def share(self, value: Decimal) -> str:
        """A derived percentage, given in percent, to at most 2 decimals half-up: 16%, 14.5%, 16.67%."""
        return self.percent(value.quantize(_SHARE_QUANTUM, rounding=ROUND_HALF_UP))

    def fraction(self, value: Decimal) -> str:
        """A ratio as a percentage with exactly 2 decimals, half-up, in the locale's pattern: 0.791780822 → 79.18%."""
        return self._percent(value.quantize(_FRACTION_QUANTUM, rounding=ROUND_HALF_UP), decimals=2)

    def _percent(self, ratio: Decimal, decimals: int | None = None) -> str:
        """Every percentage on a document, so each locale writes them one way: its CLDR pattern (fr/de 5 %, en/pl 5%).

        Without `decimals` the ratio keeps the digits it carries; with them, exactly that many.
        """
        if decimals is None:
            return format_percent(ratio, locale=self.locale, decimal_quantization=False)
        pattern = Locale.parse(self.locale).percent_formats[None].pattern
        return format_percent(ratio, format=pattern.replace("0", "0." + "0" * decimals, 1), locale=self.locale)

    def signed_fraction(self, value: Decimal) -> str:
        """A ratio's change as a percentage, with the locale's plus sign when it grows: +5.00%, -2.50%, 0.00%."""
        text = self.fraction(value)
        grows = value.quantize(_FRACTION_QUANTUM, rounding=ROUND_HALF_UP) > 0
        return f"{get_plus_sign_symbol(self.locale)}{text}" if grows else text

    def quantity(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: date) -> str:
        """The locale's long date; French writes the first of the month as an ordinal, "1er décembre 2026"."""
        pattern = Locale.parse(self.locale).date_formats["long"].pattern
        if value.day == 1 and self.locale == "fr":
            pattern = pattern.replace("d", "d'er'", 1)
        return format_date(value, format=pattern, locale=self.locale)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form for `n` with `%(num)d` filled in, as in the templates; named so Babel extracts the call."""
        return self.t.ngettext(singular, plural, n) % {"num": n}

    def frequency(self, code: str) -> str:
        return self.t.gettext(choice(FREQUENCIES, code, "billing frequency"))
