"""Currencies and the one rounding rule: amounts half-up to the currency's minor unit, once per line.

Unit prices are kept to 6 decimal places (half-up) and never rounded to cents.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

from app.domain.errors import InvalidInput, Violation

#: ISO 4217 minor units of the currencies the service accepts.
MINOR_UNITS: dict[str, int] = {
    "EUR": 2, "USD": 2, "PLN": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2,
    "SEK": 2, "NOK": 2, "DKK": 2, "CZK": 2, "JPY": 0,
}
UNIT_PRICE_PLACES = 6
#: The quantum of n decimal places (0.01 for 2), made once: quantizing is on every amount a read shows.
_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(UNIT_PRICE_PLACES + 1)}
_UNIT_PRICE_QUANTUM = _QUANTUM[UNIT_PRICE_PLACES]
#: Each currency's amount quantum (0.01 for EUR, 1 for JPY).
_AMOUNT_QUANTUM = {currency: _QUANTUM[places] for currency, places in MINOR_UNITS.items()}
#: Half-up rounding as a context of its own (the default precision and traps otherwise): its `quantize` costs a
#: third of a `quantize(..., rounding=ROUND_HALF_UP)`, and a read rounds every amount and unit price it shows.
_HALF_UP = Context(rounding=ROUND_HALF_UP)
HUNDRED = Decimal(100)
ZERO = Decimal(0)
#: Amounts are stored as NUMERIC(18, 2): anything this large or larger cannot be kept exactly.
MAX_AMOUNT = Decimal(10) ** 16


class UnknownCurrency(InvalidInput):
    code = "unknown_currency"
    title = "Unknown currency"


def minor_units(currency: str, loc: tuple[str | int, ...] | None = None) -> int:
    """The currency's decimals; an unknown one is refused, pointing at `loc` when the caller knows the input."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        reason = f"currency {currency!r} is not supported; use one of {', '.join(sorted(MINOR_UNITS))}"
        raise UnknownCurrency(reason, None if loc is None else [Violation(loc, reason)]) from None


def _amount_quantum(currency: str) -> Decimal:
    """The currency's minor unit as a quantum; an unknown currency is refused (`minor_units`)."""
    return _AMOUNT_QUANTUM.get(currency) or _QUANTUM[minor_units(currency)]


def round_amount(value: Decimal, currency: str) -> Decimal:
    """Round an amount half-up to the currency's minor unit (EUR 2 places, JPY 0)."""
    return _HALF_UP.quantize(value, _amount_quantum(currency))


def total(amounts: Iterable[Decimal], currency: str) -> Decimal:
    """A sum of amounts already rounded per line, with the currency's digits even when empty."""
    return sum(amounts, round_amount(ZERO, currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount already rounded to the currency as a whole number of its minor unit (cents), which SQL sums
    exactly on every database (SQLite keeps decimals as text)."""
    return int(amount.scaleb(minor_units(currency)))


def from_minor(units: int, currency: str) -> Decimal:
    return round_amount(Decimal(units).scaleb(-minor_units(currency)), currency)


def storable(amount: Decimal) -> bool:
    return abs(amount) < MAX_AMOUNT


def round_unit_price(value: Decimal) -> Decimal:
    """Keep a unit price to 6 decimal places, half-up."""
    return _HALF_UP.quantize(value, _UNIT_PRICE_QUANTUM)


def display_unit_price(value: Decimal, currency: str) -> Decimal:
    """A unit price with at least the currency's digits and at most 6: 21 → 21.00, 79.3333333 → 79.333333."""
    short = _HALF_UP.quantize(value, _amount_quantum(currency))
    if short == value:  # no more decimals than the currency's, as most prices: no need to count them
        return short
    six = round_unit_price(value)
    exponent = six.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) else 0
    return six.quantize(_QUANTUM[max(minor_units(currency), min(places, UNIT_PRICE_PLACES))])


def percent_off(value: Decimal, percent: Decimal) -> Decimal:
    """`value` less `percent` %, kept to unit-price precision."""
    return round_unit_price(value * (HUNDRED - percent) / HUNDRED)


def round_fraction(value: Fraction, currency: str) -> Decimal:
    """Round an exact ratio half-up (away from zero) to the currency's minor unit: no intermediate rounding."""
    scale = 10 ** minor_units(currency)
    scaled = abs(value) * scale
    units = scaled.numerator // scaled.denominator
    if (scaled - units) * 2 >= 1:
        units += 1
    signed = units if value >= 0 else -units
    return Decimal(signed).scaleb(-minor_units(currency))


def period_amount(unit_price: Decimal, quantity: int, months: int, currency: str) -> Decimal:
    """A recurring line's amount for `months`, rounded once: what an invoice line bills, and what a document
    prints per billing period, so a first invoice is the sum of the amounts printed."""
    return round_amount(unit_price * quantity * months, currency)
