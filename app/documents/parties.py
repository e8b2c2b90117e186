"""The parties of every document: the seller and customer blocks (legal name, address laid out per country,
tax and registration numbers labelled in the document's language), the masthead, and the country list."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from babel import Locale

from app.documents.catalogs import N_
from app.documents.formatting import Formatter
from app.domain.addresses import Address

#: Babel's territories that are not ISO 3166-1 alpha-2 countries: reserved or exceptional codes (AC, CP, CQ, DG,
#: EA, IC, TA), unions and groupings (EU, EZ, UN), private-use codes (QO, XA, XB, XK) and "unknown" (ZZ).
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"})
#: ISO 3166-1 alpha-2: the 249 country codes an address may name.
COUNTRIES: tuple[str, ...] = tuple(sorted(
    code for code in map(str, Locale("en").territories) if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
))
#: Where the city comes before the postal code on its line ("Springfield 62701").
_CITY_FIRST = frozenset({"AU", "CA", "US"})
#: Where the postcode has a line of its own, after the city (Royal Mail, An Post).
_POSTCODE_LINE = frozenset({"GB", "IE"})
#: An image's first bytes → its media type, for the formats WeasyPrint draws (SVG is recognised by its tag).
_IMAGE_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass(frozen=True)
class Party:
    """What an order form says of one side; every detail but the name may be unknown (None)."""

    name: str
    address: Address | None = None
    #: The VAT identification number (the customer's tax id where it has none).
    tax_id: str | None = None
    #: The company registration (RCS, Handelsregister, KRS…): the seller's.
    registration_number: str | None = None
    email: str | None = None
    phone: str | None = None
    #: The seller's logo as a data: URI (`logo_data_uri`), embedded so the PDF depends on no file.
    logo: str | None = None


class Masthead(Protocol):
    """What every document shows in its masthead and parties blocks (read-only: documents are frozen)."""

    @property
    def locale(self) -> str: ...

    @property
    def number(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def currency(self) -> str: ...

    @property
    def issue_date(self) -> date: ...

    @property
    def valid_until(self) -> date: ...

    @property
    def seller(self) -> Party: ...

    @property
    def customer(self) -> Party: ...


def logo_data_uri(content: bytes) -> str:
    """A PNG, JPEG or SVG file as a data: URI; anything else is a ValueError, so a wrong file stops start-up
    rather than printing a broken image on every document."""
    media_type = next((kind for signature, kind in _IMAGE_SIGNATURES if content.startswith(signature)), None)
    if media_type is None and b"<svg" in content[:1024].lower():
        media_type = "image/svg+xml"
    if media_type is None:
        raise ValueError("the logo is not a PNG, JPEG or SVG image")
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def country_name(code: str, f: Formatter) -> str:
    """The country's name in the document's language (Allemagne, Niemcy)."""
    return str(Locale.parse(f.locale).territories[code])


def address_lines(address: Address, f: Formatter) -> list[str]:
    """The address as the post of its country writes it, then the country's name in the document's language."""
    lines = [address.street]
    if address.postal_code is None:
        lines.append(address.city)
    elif address.country in _POSTCODE_LINE:
        lines += [address.city, address.postal_code]
    elif address.country in _CITY_FIRST:
        lines.append(f"{address.city} {address.postal_code}")
    else:
        lines.append(f"{address.postal_code} {address.city}")
    return [*lines, country_name(address.country, f)]


#: The labels of a block's details, per side: the customer's tax id may be a VAT number or another tax number.
_SELLER_LABELS = (N_("VAT number"), N_("Registration number"), N_("E-mail"), N_("Phone"))
_CUSTOMER_LABELS = (N_("VAT / tax ID"), N_("Registration number"), N_("Billing e-mail"), N_("Phone"))


def _party(party: Party, labels: tuple[str, ...], f: Formatter) -> dict[str, object]:
    values = (party.tax_id, party.registration_number, party.email, party.phone)
    return {
        "name": party.name,
        "logo": party.logo,
        "address": [] if party.address is None else address_lines(party.address, f),
        "details": [{"label": f.t.gettext(label), "value": value} for label, value in zip(labels, values) if value],
    }


def masthead_context(document: Masthead, f: Formatter) -> dict[str, object]:
    """The masthead and the parties of any document, formatted once for every template."""
    return {
        "lang": document.locale,
        "number": document.number,
        "version": str(document.version),
        "currency": document.currency,
        "issue_date": f.date(document.issue_date),
        "valid_until": f.date(document.valid_until),
        "seller": _party(document.seller, _SELLER_LABELS, f),
        "customer": _party(document.customer, _CUSTOMER_LABELS, f),
    }
