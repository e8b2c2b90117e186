"""A party's postal address, as accounts store it and documents print it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Address:
    """A postal address; `country` is ISO 3166-1 alpha-2 (FR, DE, PL), `postal_code` None where there is none."""

    street: str
    postal_code: str | None
    city: str
    country: str
