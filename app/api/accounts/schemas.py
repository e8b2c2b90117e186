"""Account and contracted-price payloads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, field_serializer

from app.api.schemas import (
    EMAIL_PATTERN,
    CalendarDate,
    Currency,
    ExternalId,
    Metadata,
    MetadataOut,
    MetadataPatch,
    MoneyOut,
    Out,
    Patch,
    PercentIn,
    Schema,
    Sku,
    UnitPriceIn,
)
from app.documents.parties import COUNTRIES
from app.domain import money
from app.domain.addresses import Address


def _country(code: str) -> str:
    if code not in COUNTRIES:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code (FR, DE, PL…)")
    return code


Name = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)]
#: A literal so the schema lists the values; app.services.accounts.LOCALES is the same list (a test checks).
Locale = Literal["en", "en-US", "fr", "de", "pl"]
LegalName = Annotated[str, Field(min_length=1, max_length=200, description="the name printed on documents; "
                                                                           "null: the account's name")]
TaxId = Annotated[str, Field(min_length=2, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$",
                             description="VAT number (FR74912345678), or another tax id where there is none")]
#: Validated against the list, and the list is in the schema, so a client learns the codes from it.
Country = Annotated[str, AfterValidator(_country),
                    WithJsonSchema({"type": "string", "enum": list(COUNTRIES), "description": "ISO 3166-1 alpha-2"})]


class AddressIn(Schema):
    street: Annotated[str, Field(min_length=1, max_length=200)]
    postal_code: Annotated[str | None, Field(min_length=1, max_length=16)] = None
    city: Annotated[str, Field(min_length=1, max_length=100)]
    country: Country

    def address(self) -> Address:
        return Address(self.street, self.postal_code, self.city, self.country)


class AccountIn(Schema):
    name: Name
    currency: Currency
    locale: Locale = "en"
    billing_email: Email
    legal_name: LegalName | None = None
    billing_address: AddressIn | None = None
    tax_id: TaxId | None = None
    metadata: Metadata = Field(default_factory=dict)
    external_id: ExternalId | None = None

    def details(self) -> dict[str, Any]:
        """The fields as the service takes them: the address as a domain value."""
        return {**self.model_dump(exclude={"billing_address"}),
                "billing_address": None if self.billing_address is None else self.billing_address.address()}


class AccountPatch(Patch):
    """Absent fields stay; `legal_name`, `billing_address`, `tax_id` and `external_id` are cleared with null,
    an address is replaced whole, and metadata is merged in."""

    nullable: ClassVar[frozenset[str]] = frozenset({"legal_name", "billing_address", "tax_id", "external_id"})

    name: Name | None = None
    locale: Locale | None = None
    billing_email: Email | None = None
    legal_name: LegalName | None = None
    billing_address: AddressIn | None = None
    tax_id: TaxId | None = None
    metadata: MetadataPatch | None = None
    external_id: ExternalId | None = Field(None, description="null: none; another account's is a 409")

    def changes(self) -> dict[str, object]:
        fields = self.updates()
        if "billing_address" in fields:
            fields["billing_address"] = None if self.billing_address is None else self.billing_address.address()
        return fields


class AddressOut(Out):
    street: str
    postal_code: str | None
    city: str
    country: str = Field(description="ISO 3166-1 alpha-2")


class AccountOut(Out):
    id: uuid.UUID
    name: str
    currency: str
    locale: str
    billing_email: str
    legal_name: str | None = Field(description="null: not given, documents print the account's name")
    billing_address: AddressOut | None
    tax_id: str | None
    metadata: MetadataOut
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class ContractedPriceIn(Schema):
    sku: Sku
    unit_price: UnitPriceIn | None = None
    discount_percent: PercentIn | None = None
    effective_from: CalendarDate
    effective_to: CalendarDate | None = None


class ContractedPriceOut(Out):
    id: uuid.UUID
    account_id: uuid.UUID
    sku: str
    unit_price: MoneyOut | None
    discount_percent: MoneyOut | None
    effective_from: date
    effective_to: date | None
    created_at: datetime

    @field_serializer("unit_price")
    def _unit_price(self, value: Decimal | None) -> str | None:
        # Shown with at least two decimals; the account's currency is applied when it prices a line.
        return None if value is None else str(money.display_unit_price(value, "EUR"))

    @field_serializer("discount_percent")
    def _percent(self, value: Decimal | None) -> str | None:
        return None if value is None else format(value.normalize(), "f")
