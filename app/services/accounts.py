"""Customer accounts and the prices negotiated with them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import Account, ContractedPriceRow
from app.db.repositories import accounts as repo
from app.db.repositories import catalog as catalog_repo
from app.db.repositories.pagination import Page
from app.db.session import reading
from app.documents.catalogs import SUPPORTED_LOCALES
from app.domain import money
from app.domain.addresses import Address
from app.domain.errors import InvalidInput, NotFound
from app.domain.listing import EVERYTHING, Narrowing
from app.domain.metadata import NO_METADATA, merged
from app.domain.pricing import ContractedPrice, validate_contracted_price
from app.services import audit
from app.services.auth import Caller
from app.services.own_fields import apply_changes, claim_external_id

#: The locales documents are written in; the API's `Locale` literal must list the same (a test checks).
LOCALES = SUPPORTED_LOCALES


class UnknownAccount(NotFound):
    code = "unknown_account"


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}")


def visible_account(session: Session, caller: Caller, account_id: uuid.UUID) -> Account:
    """The account if the caller may see it; a portal key sees its own account only (404 otherwise)."""
    row = repo.account(session, account_id)
    if row is None or (caller.account_id is not None and caller.account_id != account_id):
        raise UnknownAccount(f"no account {account_id}")
    return row


def account_filter(caller: Caller, account_id: uuid.UUID | None) -> uuid.UUID | None:
    """The account a list is narrowed to: a portal key's own, whatever it asks; naming another account is the
    404 reading that account would be, not a silent swap for its own."""
    if caller.account_id is None:
        return account_id
    if account_id is not None and account_id != caller.account_id:
        raise UnknownAccount(f"no account {account_id}")
    return caller.account_id


def create_account(session: Session, *, caller: Caller, name: str, currency: str, locale: str,
                   billing_email: str, legal_name: str | None = None, billing_address: Address | None = None,
                   tax_id: str | None = None, metadata: Mapping[str, str] = NO_METADATA,
                   external_id: str | None = None) -> Account:
    money.minor_units(currency)
    _check_locale(locale)
    with session.begin():
        row = Account(name=name, currency=currency, locale=locale, billing_email=billing_email,
                      legal_name=legal_name, tax_id=tax_id, metadata_=merged({}, metadata))
        row.billing_address = billing_address
        session.add(row)
        claim_external_id(session, row, external_id)
        session.flush()
        audit.record(session, caller, "account.created", "account", row.id)
    return row


def get_account(session: Session, *, caller: Caller, account_id: uuid.UUID) -> Account:
    with reading(session):
        return visible_account(session, caller, account_id)


def update_account(session: Session, *, caller: Caller, account_id: uuid.UUID, changes: dict[str, Any]) -> Account:
    """Name, locale, billing e-mail and the legal details may change; the currency is fixed, since prices and
    contracts use it. A change shows on documents finalized after it: a finalized PDF is never re-rendered."""
    if "locale" in changes:
        _check_locale(changes["locale"])
    with session.begin():
        row = visible_account(session, caller, account_id)
        apply_changes(session, row, changes)
        audit.record(session, caller, "account.updated", "account", account_id, {"fields": sorted(changes)})
    return row


def list_accounts(session: Session, *, caller: Caller, limit: int, cursor: str | None,
                  by: Narrowing = EVERYTHING) -> Page[Account]:
    with reading(session):
        return repo.list_accounts(session, limit=limit, cursor=cursor, only_id=caller.account_id, by=by)


def create_contracted_price(
    session: Session, *, caller: Caller, account_id: uuid.UUID, sku: str, unit_price: Decimal | None,
    discount_percent: Decimal | None, effective_from: date, effective_to: date | None,
) -> ContractedPriceRow:
    """Record a negotiated price; two prices of one sku for one account may not overlap in time."""
    new = ContractedPrice(sku=sku, effective_from=effective_from, effective_to=effective_to,
                          unit_price=None if unit_price is None else money.round_unit_price(unit_price),
                          discount_percent=discount_percent)
    with session.begin():
        visible_account(session, caller, account_id)
        if catalog_repo.product_row(session, sku) is None:
            raise InvalidInput(f"unknown sku {sku!r}")
        existing = repo.contracted_price_rows(session, account_id=account_id, sku=sku)
        validate_contracted_price(new, [repo.to_contracted_price(row) for row in existing])
        row = ContractedPriceRow(
            account_id=account_id, sku=sku, effective_from=effective_from, effective_to=effective_to,
            unit_price=new.unit_price, discount_percent=discount_percent,
        )
        session.add(row)
        session.flush()
        audit.record(session, caller, "contracted_price.created", "contracted_price", row.id, {"sku": sku})
    return row


def list_contracted_prices(
    session: Session, *, caller: Caller, account_id: uuid.UUID, limit: int, cursor: str | None,
    by: Narrowing = EVERYTHING,
) -> Page[ContractedPriceRow]:
    with reading(session):
        visible_account(session, caller, account_id)
        return repo.list_contracted_prices(session, account_id=account_id, limit=limit, cursor=cursor, by=by)
