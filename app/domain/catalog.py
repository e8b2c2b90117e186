"""Products, list prices in effect on a date, discount schedules and product rules."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.domain.errors import Conflict, InvalidInput, ViolationList
from app.domain.periods import overlaps

PRODUCT_KINDS = ("plan", "addon", "service", "one_time")
RECURRING_KINDS = ("plan", "addon", "service")
PRICING_MODELS = ("per_unit", "volume", "graduated", "flat")
TIERED_MODELS = ("volume", "graduated")
SCHEDULE_TYPES = ("volume", "term")
#: The most units of one product a line or a contract holds (quantities are stored as 32-bit integers).
MAX_QUANTITY = 1_000_000_000


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    family: str
    kind: str
    tier_rank: int | None = None
    unit: str = "seat"
    included_quantity: int | None = None
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    active: bool = True

    @property
    def recurring(self) -> bool:
        return self.kind in RECURRING_KINDS


@dataclass(frozen=True)
class PriceTier:
    """Units up to `up_to` (inclusive, None for no limit) at `unit_price`."""

    up_to: int | None
    unit_price: Decimal


@dataclass(frozen=True)
class TierUse:
    """Units `first`..`last` of a graduated quantity, each at `unit_price`."""

    first: int
    last: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_price * (self.last - self.first + 1)


def graduated_uses(tiers: Sequence[PriceTier], quantity: int) -> tuple[TierUse, ...]:
    """The tiers a graduated price puts `quantity` units in: each tier prices the units inside it."""
    uses, below = [], 0
    for tier in tiers:
        top = quantity if tier.up_to is None else min(quantity, tier.up_to)
        if top > below:
            uses.append(TierUse(below + 1, top, tier.unit_price))
        below = max(below, top)
        if below >= quantity:
            break
    return tuple(uses)


@dataclass(frozen=True)
class PriceEntry:
    """A list price of one SKU in one currency for `[effective_from, effective_to)`."""

    sku: str
    currency: str
    pricing_model: str
    effective_from: date
    effective_to: date | None = None
    unit_price: Decimal | None = None
    tiers: tuple[PriceTier, ...] = ()

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


@dataclass(frozen=True)
class DiscountBand:
    start: int
    discount_percent: Decimal


@dataclass(frozen=True)
class DiscountSchedule:
    sku: str
    type: str
    bands: tuple[DiscountBand, ...] = field(default_factory=tuple)


class MissingPrice(InvalidInput):
    code = "missing_price"
    title = "No list price"


class OverlappingPriceEntry(Conflict):
    code = "overlapping_price_entry"
    title = "Overlapping price book entry"


class ProductRuleViolation(InvalidInput):
    code = "product_rule_violation"
    title = "Product rules violated"


def validate_price_entry(entry: PriceEntry) -> None:
    """Refuse entries whose shape does not fit their pricing model."""
    problems = ViolationList()
    if entry.pricing_model not in PRICING_MODELS:
        problems.add(("pricing_model",), f"pricing model must be one of {', '.join(PRICING_MODELS)}")
    if entry.effective_to is not None and entry.effective_to <= entry.effective_from:
        problems.add(("effective_to",), "effective_to must be after effective_from")
    if entry.pricing_model in TIERED_MODELS:
        if entry.unit_price is not None:
            problems.add(("unit_price",), f"a {entry.pricing_model} entry is priced by its tiers")
        _check_tiers(entry.tiers, problems)
    elif entry.pricing_model in PRICING_MODELS:
        if entry.unit_price is None:
            problems.add(("unit_price",), f"a {entry.pricing_model} entry needs a unit_price")
        elif entry.unit_price < 0:
            problems.add(("unit_price",), "unit_price must not be negative")
        if entry.tiers:
            problems.add(("tiers",), f"a {entry.pricing_model} entry has no tiers")
    problems.raise_if_any(InvalidInput, "invalid price book entry")


def _check_tiers(tiers: Sequence[PriceTier], problems: ViolationList) -> None:
    if not tiers:
        problems.add(("tiers",), "tiered pricing needs at least one tier")
        return
    previous = 0
    for index, tier in enumerate(tiers):
        if tier.unit_price < 0:
            problems.add(("tiers", index, "unit_price"), "tier prices must not be negative")
        if tier.up_to is None:
            if index != len(tiers) - 1:
                problems.add(("tiers", index, "up_to"), "only the last tier may be open (up_to null)")
            continue
        if tier.up_to <= previous:
            problems.add(("tiers", index, "up_to"), "tier bounds must increase")
        previous = tier.up_to
    if tiers[-1].up_to is not None:
        problems.add(("tiers", len(tiers) - 1, "up_to"), "the last tier must be open (up_to null)")


def entry_in_effect(entries: Iterable[PriceEntry], sku: str, currency: str, day: date) -> PriceEntry:
    """The price book entry of (sku, currency) in force on `day`, or MissingPrice."""
    for entry in entries:
        if entry.sku == sku and entry.currency == currency and entry.covers(day):
            return entry
    raise MissingPrice(f"{sku} has no list price in {currency} on {day.isoformat()}")


def entry_to_close(existing: Iterable[PriceEntry], new: PriceEntry) -> PriceEntry | None:
    """Which open-ended entry the new one supersedes (closed at its start); refuse any other overlap."""
    closing: PriceEntry | None = None
    for old in existing:
        if old.sku != new.sku or old.currency != new.currency:
            continue
        if old.effective_to is None and old.effective_from < new.effective_from:
            closing = old  # at most one open-ended entry exists: two would overlap
            continue
        if overlaps(old.effective_from, old.effective_to, new.effective_from, new.effective_to):
            raise OverlappingPriceEntry(
                f"{new.sku} in {new.currency} already has a price from "
                f"{old.effective_from.isoformat()} to {_bound(old.effective_to)}, which overlaps "
                f"{new.effective_from.isoformat()} to {_bound(new.effective_to)}"
            )
    return closing


def _bound(day: date | None) -> str:
    return "open end" if day is None else day.isoformat()


def validate_schedule(schedule: DiscountSchedule) -> None:
    """Bands start at distinct, increasing, non-negative values with a discount of 0–100 %."""
    problems = ViolationList()
    if schedule.type not in SCHEDULE_TYPES:
        problems.add(("type",), f"type must be one of {', '.join(SCHEDULE_TYPES)}")
    if not schedule.bands:
        problems.add(("bands",), "a schedule needs at least one band")
    starts = [band.start for band in schedule.bands]
    if starts != sorted(set(starts)):
        problems.add(("bands",), "band 'from' values must be distinct and increasing")
    for index, band in enumerate(schedule.bands):
        if band.start < 0:
            problems.add(("bands", index, "from"), "'from' must not be negative")
        if not 0 <= band.discount_percent <= 100:
            problems.add(("bands", index, "discount_percent"), "discount_percent must be between 0 and 100")
    problems.raise_if_any(InvalidInput, "invalid discount schedule")


def band_discount(bands: Iterable[DiscountBand], value: int) -> Decimal:
    """Discount % of the band with the largest `from` ≤ value (0 when none applies)."""
    applicable = [band for band in bands if band.start <= value]
    return max(applicable, key=lambda band: band.start).discount_percent if applicable else Decimal(0)


def validate_product_rules(sku: str, requires: Sequence[str], excludes: Sequence[str], known: Collection[str]) -> None:
    """Refuse rules no quote could meet or that contradict themselves, naming each entry.

    `requires` must name existing products; `excludes` may name one not created yet, since two plans
    that exclude each other cannot both be created first.
    """
    problems = ViolationList()
    for index, required in enumerate(requires):
        if required == sku:
            problems.add(("requires", index), f"{sku} cannot require itself")
        elif required not in known:
            problems.add(("requires", index), f"requires names {required!r}, which is not a product")
        if required in excludes:
            problems.add(("requires", index), f"{required} cannot be both required and excluded")
    for index, excluded in enumerate(excludes):
        if excluded == sku:
            problems.add(("excludes", index), f"{sku} cannot exclude itself")
    problems.raise_if_any(InvalidInput, "invalid product rules")


def check_product_rules(skus: Sequence[str], catalog: dict[str, Product]) -> None:
    """Refuse a set of lines that breaks `requires` / `excludes`, naming the lines concerned.

    `requires` is met by any one of its SKUs: an add-on that needs "a ticketing plan" lists every plan
    of the family, and since plans of one family exclude each other, "all of them" could never hold.
    """
    present = set(skus)
    problems = ViolationList()
    seen: set[str] = set()
    for index, sku in enumerate(skus):
        product = catalog[sku]
        if product.requires and not present.intersection(product.requires):
            needed = " or ".join(product.requires)
            problems.add(("lines", index, "sku"), f"{sku} requires {needed}, which is not on the quote")
        for excluded in product.excludes:
            if excluded in present:
                problems.add(("lines", index, "sku"), f"{sku} cannot be combined with {excluded}")
        if sku in seen:
            problems.add(("lines", index, "sku"), f"{sku} appears more than once; use one line")
        seen.add(sku)
    problems.raise_if_any(ProductRuleViolation, "product rules violated")


def product_wording(name: str, unit: str, translations: Mapping[str, Mapping[str, str]],
                    locale: str) -> tuple[str, str]:
    """A product's name and unit as a document in `locale` prints them.

    Each falls back on its own: the locale's translation (`en-US`), then its language's (`en`), then the
    product's default, so a French document never prints a message id or an empty name.
    """
    chain = [translations.get(locale, {}), translations.get(locale.split("-")[0], {})]
    return (next((t["name"] for t in chain if t.get("name")), name),
            next((t["unit"] for t in chain if t.get("unit")), unit))
