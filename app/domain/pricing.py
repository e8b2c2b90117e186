"""The pricing waterfall: list → regular (schedules) → contracted → net, and the quote totals.

Unit prices are kept to 6 places; amounts are rounded once per line (money.round_amount).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Literal, TypeVar

from app.domain import money
from app.domain.catalog import (
    DiscountSchedule,
    PriceEntry,
    Product,
    band_discount,
    check_product_rules,
    entry_in_effect,
    graduated_uses,
)
from app.domain.contracts import annual
from app.domain.errors import Conflict, InvalidInput, ViolationList
from app.domain.periods import MAX_DATE, overlaps, period_months, term_end

ZERO = Decimal(0)
#: A discount schedule's type, which says what its bands measure: the line's quantity or the quote's term.
ScheduleKind = Literal["volume", "term"]
#: Months of value counted for an evergreen line's total: its first year.
EVERGREEN_VALUE_MONTHS = 12


@dataclass(frozen=True)
class ContractedPrice:
    """A price negotiated with one account: a fixed unit price or a discount off list."""

    sku: str
    effective_from: date
    effective_to: date | None = None
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class OverlappingContractedPrice(Conflict):
    code = "overlapping_contracted_price"
    title = "Overlapping contracted price"


def validate_contracted_price(new: ContractedPrice, existing: Iterable[ContractedPrice]) -> None:
    """A fixed price or a discount, not both; a valid range; no overlap with another price of the SKU."""
    problems = ViolationList()
    if (new.unit_price is None) == (new.discount_percent is None):
        problems.add((), "give either unit_price or discount_percent")
    if new.unit_price is not None and new.unit_price < 0:
        problems.add(("unit_price",), "unit_price must not be negative")
    if new.discount_percent is not None and not ZERO <= new.discount_percent <= money.HUNDRED:
        problems.add(("discount_percent",), "discount_percent must be between 0 and 100")
    if new.effective_to is not None and new.effective_to <= new.effective_from:
        problems.add(("effective_to",), "effective_to must be after effective_from")
    problems.raise_if_any(InvalidInput, "invalid contracted price")
    for other in existing:
        if other.sku == new.sku and overlaps(other.effective_from, other.effective_to, new.effective_from,
                                             new.effective_to):
            raise OverlappingContractedPrice(
                f"{new.sku} already has a contracted price from {other.effective_from.isoformat()} "
                f"to {other.effective_to.isoformat() if other.effective_to else 'open end'}"
            )


@dataclass(frozen=True)
class LineRequest:
    """What the sales rep asks for on one line."""

    sku: str
    quantity: int
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None


@dataclass(frozen=True)
class QuoteTerms:
    currency: str
    start_date: date
    term_months: int | None
    billing_frequency: str


@dataclass(frozen=True)
class PricedLine:
    """One line with every step of the waterfall visible."""

    sku: str
    quantity: int
    recurring: bool
    list_unit_price: Decimal
    regular_unit_price: Decimal
    contracted_unit_price: Decimal | None
    discount_percent: Decimal
    discount_amount: Decimal | None
    net_unit_price: Decimal
    start_date: date
    end_date: date | None
    mrr: Decimal
    total: Decimal

    @property
    def rep_discount_percent(self) -> Decimal:
        return rep_discount_percent(self.regular_unit_price, self.contracted_unit_price, self.net_unit_price)


def rep_discount_percent(regular: Decimal, contracted: Decimal | None, net: Decimal) -> Decimal:
    """The rep's line discount as a percentage of the price before it: what approval is about."""
    return percent_below(regular if contracted is None else contracted, net)


def percent_below(base: Decimal, price: Decimal) -> Decimal:
    """How far `price` is below `base`, in percent of `base` (0 for a zero base)."""
    return ZERO if base == 0 else (base - price) / base * money.HUNDRED


@dataclass(frozen=True)
class QuoteTotals:
    mrr: Decimal
    arr: Decimal
    one_time: Decimal
    total_contract_value: Decimal
    first_invoice: Decimal


@dataclass(frozen=True)
class PricedQuote:
    lines: tuple[PricedLine, ...]
    totals: QuoteTotals


@dataclass(frozen=True)
class PriceList:
    """Everything pricing needs to know about the catalog and the account, loaded up front.

    Lookups go through per-SKU indexes built once, so pricing n lines is linear in n.
    """

    products: Mapping[str, Product]
    entries: Sequence[PriceEntry]
    schedules: Sequence[DiscountSchedule] = ()
    contracted_prices: Sequence[ContractedPrice] = ()

    @cached_property
    def _entries_by_sku(self) -> dict[str, list[PriceEntry]]:
        return _by_sku(self.entries)

    @cached_property
    def _schedules_by_sku(self) -> dict[str, list[DiscountSchedule]]:
        return _by_sku(self.schedules)

    @cached_property
    def _contracted_by_sku(self) -> dict[str, list[ContractedPrice]]:
        return _by_sku(self.contracted_prices)

    def entries_of(self, sku: str) -> list[PriceEntry]:
        return self._entries_by_sku.get(sku, [])

    def schedules_of(self, sku: str) -> list[DiscountSchedule]:
        return self._schedules_by_sku.get(sku, [])

    def contracted_of(self, sku: str) -> list[ContractedPrice]:
        return self._contracted_by_sku.get(sku, [])


_Keyed = TypeVar("_Keyed", PriceEntry, DiscountSchedule, ContractedPrice)


def _by_sku(items: Iterable[_Keyed]) -> dict[str, list[_Keyed]]:
    index: dict[str, list[_Keyed]] = {}
    for item in items:
        index.setdefault(item.sku, []).append(item)
    return index


def list_amount(entry: PriceEntry, quantity: int) -> Decimal:
    """The list amount of the whole quantity under the entry's pricing model."""
    if entry.pricing_model == "flat":
        return _required(entry.unit_price)
    if entry.pricing_model == "per_unit":
        return _required(entry.unit_price) * quantity
    if entry.pricing_model == "volume":
        tier = next(t for t in entry.tiers if t.up_to is None or quantity <= t.up_to)
        return tier.unit_price * quantity
    return sum((use.amount for use in graduated_uses(entry.tiers, quantity)), ZERO)


def _required(value: Decimal | None) -> Decimal:
    if value is None:
        raise InvalidInput("price book entry has no unit_price")
    return value


def list_unit_price(entry: PriceEntry, quantity: int) -> Decimal:
    return money.round_unit_price(list_amount(entry, quantity) / quantity)


def schedule_discounts(
    schedules: Iterable[DiscountSchedule], sku: str, quantity: int, term_months: int | None
) -> tuple[tuple[ScheduleKind, Decimal], ...]:
    """The band each of the SKU's schedules gives the line, as (volume | term, percent), in compounding order."""
    measured: tuple[tuple[ScheduleKind, int], ...] = (("volume", quantity), ("term", term_months or 0))
    return tuple((kind, band_discount(schedule.bands, value)) for kind, value in measured
                 for schedule in schedules if schedule.sku == sku and schedule.type == kind)


def compounded(price: Decimal, percents: Iterable[Decimal]) -> Decimal:
    """`price` less each percentage in turn, each off the price the one before left."""
    for percent in percents:
        price = money.percent_off(price, percent)
    return price


def regular_unit_price(
    list_price: Decimal, schedules: Iterable[DiscountSchedule], sku: str, quantity: int, term_months: int | None
) -> Decimal:
    """List less the volume band, then the term band, compounded."""
    return compounded(list_price, (percent for _, percent in schedule_discounts(schedules, sku, quantity,
                                                                                 term_months)))


def contracted_unit_price(
    list_price: Decimal, contracted: Iterable[ContractedPrice], sku: str, day: date
) -> Decimal | None:
    """The account's negotiated price in force on `day`, which replaces the regular price."""
    for price in contracted:
        if price.sku == sku and price.covers(day):
            if price.unit_price is not None:
                return money.round_unit_price(price.unit_price)
            return money.percent_off(list_price, price.discount_percent or ZERO)
    return None


def net_unit_price(base: Decimal, request: LineRequest) -> Decimal:
    if request.discount_amount is not None:
        return money.round_unit_price(base - request.discount_amount)
    return money.percent_off(base, request.discount_percent or ZERO)


def price_line(request: LineRequest, terms: QuoteTerms, price_list: PriceList) -> PricedLine:
    product = price_list.products[request.sku]
    entry = entry_in_effect(price_list.entries_of(request.sku), request.sku, terms.currency, terms.start_date)
    listed = list_unit_price(entry, request.quantity)
    regular = regular_unit_price(listed, price_list.schedules_of(request.sku), request.sku, request.quantity,
                                 terms.term_months)
    contracted = contracted_unit_price(listed, price_list.contracted_of(request.sku), request.sku, terms.start_date)
    net = net_unit_price(regular if contracted is None else contracted, request)
    value = net * request.quantity
    if product.recurring:
        months = EVERGREEN_VALUE_MONTHS if terms.term_months is None else terms.term_months
        mrr, total = money.round_amount(value, terms.currency), money.round_amount(value * months, terms.currency)
    else:
        mrr, total = money.round_amount(ZERO, terms.currency), money.round_amount(value, terms.currency)
    return PricedLine(
        sku=request.sku,
        quantity=request.quantity,
        recurring=product.recurring,
        list_unit_price=listed,
        regular_unit_price=regular,
        contracted_unit_price=contracted,
        discount_percent=request.discount_percent or ZERO,
        discount_amount=request.discount_amount,
        net_unit_price=net,
        start_date=terms.start_date,
        end_date=term_end(terms.start_date, terms.term_months) if product.recurring else None,
        mrr=mrr,
        total=total,
    )


def validate_request(requests: Sequence[LineRequest], terms: QuoteTerms, products: Mapping[str, Product]) -> None:
    """Refuse unknown or inactive SKUs, bad quantities and discounts, and broken product rules."""
    money.minor_units(terms.currency)
    period_months(terms.billing_frequency)
    problems = ViolationList()
    if terms.term_months is not None and terms.term_months < 1:
        problems.add(("term_months",), "term_months must be at least 1 (null for evergreen)")
    elif (end := term_end(terms.start_date, terms.term_months)) is not None and end > MAX_DATE:
        problems.add(("term_months",), f"the term would end on {end.isoformat()}, after {MAX_DATE.isoformat()}, "
                                       "the last date the service handles")
    if not requests:
        problems.add(("lines",), "a quote needs at least one line")
    for index, request in enumerate(requests):
        _check_line(index, request, products, problems)
    problems.raise_if_any(InvalidInput, "invalid quote")
    check_product_rules([r.sku for r in requests], dict(products))


def _check_line(index: int, request: LineRequest, products: Mapping[str, Product], problems: ViolationList) -> None:
    where, name = ("lines", index), f"line {index + 1}"
    product = products.get(request.sku)
    if product is None:
        problems.add((*where, "sku"), f"{name}: unknown sku {request.sku!r}")
    elif not product.active:
        problems.add((*where, "sku"), f"{name}: {request.sku} is inactive and cannot be sold")
    if request.quantity < 1:
        problems.add((*where, "quantity"), f"{name}: quantity must be at least 1")
    if request.discount_percent is not None and request.discount_amount is not None:
        problems.add(where, f"{name}: give discount_percent or discount_amount, not both")
    if request.discount_percent is not None and not ZERO <= request.discount_percent <= money.HUNDRED:
        problems.add((*where, "discount_percent"), f"{name}: discount_percent must be between 0 and 100")
    if request.discount_amount is not None and request.discount_amount < 0:
        problems.add((*where, "discount_amount"), f"{name}: discount_amount must not be negative")


def price_quote(requests: Sequence[LineRequest], terms: QuoteTerms, price_list: PriceList) -> PricedQuote:
    """Validate and price every line, then total them (totals are sums of rounded lines)."""
    validate_request(requests, terms, price_list.products)
    lines = tuple(price_line(request, terms, price_list) for request in requests)
    problems = ViolationList()
    for index, line in enumerate(lines):
        if line.net_unit_price < 0:
            problems.add(("lines", index, "discount_amount"), f"line {index + 1}: discount_amount exceeds the unit price")
        if not money.storable(line.total):
            problems.add(("lines", index, "quantity"), f"line {index + 1}: its total {line.total} is too large")
    problems.raise_if_any(InvalidInput, "invalid quote")
    totals = quote_totals(lines, terms)
    if not all(money.storable(amount) for amount in (totals.arr, totals.total_contract_value)):
        raise InvalidInput(f"the quote's totals (contract value {totals.total_contract_value}) are too large")
    return PricedQuote(lines, totals)


def first_invoice_months(billing_frequency: str, term_months: int | None) -> int:
    """Months the first invoice bills: one billing period, or the whole term when it is shorter."""
    months = period_months(billing_frequency)
    return months if term_months is None else min(months, term_months)


def quote_totals(lines: Sequence[PricedLine], terms: QuoteTerms) -> QuoteTotals:
    currency = terms.currency
    recurring = [line for line in lines if line.recurring]
    mrr = money.total((line.mrr for line in recurring), currency)
    one_time = money.total((line.total for line in lines if not line.recurring), currency)
    first_months = first_invoice_months(terms.billing_frequency, terms.term_months)
    first_invoice = one_time + money.total(
        (money.period_amount(line.net_unit_price, line.quantity, first_months, currency) for line in recurring), currency)
    return QuoteTotals(
        mrr=mrr,
        arr=annual(mrr),
        one_time=one_time,
        total_contract_value=money.total((line.total for line in lines), currency),
        first_invoice=first_invoice,
    )


def needs_approval(lines: Iterable[PricedLine], threshold_percent: Decimal) -> bool:
    """True when a rep's line discount is above the approval threshold."""
    return any(line.rep_discount_percent > threshold_percent for line in lines)
