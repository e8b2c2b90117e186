"""Demo data: a ticketing-software publisher's catalog, four customers and their contracts.

Loaded through the same use cases as the API, so the demo is also a smoke test of the whole flow.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal as D
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import ProductRow
from app.db.session import reading
from app.documents.storage import FileStorage
from app.domain.addresses import Address
from app.domain.catalog import PriceTier
from app.domain.pricing import LineRequest
from app.domain.terms import ContractTerms, RenewalSettings
from app.services import accounts, catalog, contracts, documents, quotes
from app.services.auth import OPERATOR
from app.services.documents import DocumentSettings, QuoteJson
from app.services.quotes import QuoteDraft

PLANS = ("TIX-STARTER", "TIX-PRO", "TIX-ENT")
PRODUCTS: list[dict[str, Any]] = [
    {"sku": "TIX-STARTER", "name": "Ticketing Starter", "family": "ticketing", "kind": "plan", "tier_rank": 1, "unit": "seat",
         "excludes": ["TIX-PRO", "TIX-ENT"]},
    {"sku": "TIX-PRO", "name": "Ticketing Pro", "family": "ticketing", "kind": "plan", "tier_rank": 2, "unit": "seat",
         "excludes": ["TIX-STARTER", "TIX-ENT"]},
    {"sku": "TIX-ENT", "name": "Ticketing Enterprise", "family": "ticketing", "kind": "plan", "tier_rank": 3, "unit": "seat",
         "excludes": ["TIX-STARTER", "TIX-PRO"]},
    {"sku": "MKT-SMS", "name": "Marketing module (SMS & e-mail campaigns)", "family": "marketing", "kind": "addon",
         "unit": "site", "requires": list(PLANS)},
    {"sku": "MKT-CONTACTS", "name": "E-mail contact pack", "family": "marketing", "kind": "addon", "unit": "contact",
         "requires": list(PLANS)},
    {"sku": "CRM-MOD", "name": "CRM module", "family": "crm", "kind": "addon", "unit": "seat"},
    {"sku": "ONBOARDING", "name": "Onboarding and training", "family": "services", "kind": "one_time", "unit": "package"},
]
#: What the French, German and Polish documents print instead of the English names and units.
NAMES: dict[str, dict[str, str]] = {
    "TIX-STARTER": {"fr": "Billetterie Starter", "de": "Ticketing Starter", "pl": "Bileteria Starter"},
    "TIX-PRO": {"fr": "Billetterie Pro", "de": "Ticketing Pro", "pl": "Bileteria Pro"},
    "TIX-ENT": {"fr": "Billetterie Entreprise", "de": "Ticketing Enterprise", "pl": "Bileteria Enterprise"},
    "MKT-SMS": {"fr": "Module marketing (campagnes SMS et e-mail)", "de": "Marketingmodul (SMS- und E-Mail-Kampagnen)",
                "pl": "Moduł marketingowy (kampanie SMS i e-mail)"},
    "MKT-CONTACTS": {"fr": "Pack de contacts e-mail", "de": "E-Mail-Kontaktpaket", "pl": "Pakiet kontaktów e-mail"},
    "CRM-MOD": {"fr": "Module CRM", "de": "CRM-Modul", "pl": "Moduł CRM"},
    "ONBOARDING": {"fr": "Mise en service et formation", "de": "Einführung und Schulung", "pl": "Wdrożenie i szkolenie"},
}
UNITS: dict[str, dict[str, str]] = {
    "seat": {"fr": "poste", "de": "Arbeitsplatz", "pl": "stanowisko"},
    "site": {"fr": "site", "de": "Standort", "pl": "obiekt"},
    "contact": {"fr": "contact", "de": "Kontakt", "pl": "kontakt"},
    "package": {"fr": "forfait", "de": "Paket", "pl": "pakiet"},
}
#: Per-unit monthly list prices (ONBOARDING: once) in EUR, PLN, USD.
PER_UNIT = {
    "TIX-STARTER": ("12.00", "52.00", "13.00"),
    "TIX-PRO": ("25.00", "110.00", "27.00"),
    "TIX-ENT": ("40.00", "175.00", "44.00"),
    "MKT-SMS": ("49.00", "210.00", "54.00"),
    "CRM-MOD": ("8.00", "35.00", "9.00"),
    "ONBOARDING": ("1500.00", "6500.00", "1600.00"),
}
#: Graduated contact packs, per contact per month: up to 1 000, up to 10 000, beyond.
CONTACT_TIERS = {"EUR": ("0.05", "0.03", "0.01"), "PLN": ("0.20", "0.12", "0.04"), "USD": ("0.06", "0.03", "0.01")}
CURRENCIES = ("EUR", "PLN", "USD")
PRICES_FROM = date(2026, 1, 1)


def load_demo(session: Session, *, settings: Settings, today: date, quote_json: QuoteJson) -> bool:
    """Load everything into an empty database; do nothing (and say so) when products exist.

    `quote_json` is the API's shape of a quote, which each finalized PDF attaches.
    """
    with reading(session):
        if session.scalars(select(ProductRow.id).limit(1)).first() is not None:
            return False
    load_catalog(session)
    _customers(session, settings, today, quote_json)
    return True


def load_catalog(session: Session) -> None:
    """The demo catalog alone (tests build on it too)."""
    for product in PRODUCTS:
        units = UNITS[product["unit"]]
        translations = {locale: {"name": name, "unit": units[locale]} for locale, name in NAMES[product["sku"]].items()}
        catalog.create_product(session, caller=OPERATOR, translations=translations, **product)
    for sku, prices in PER_UNIT.items():
        for currency, price in zip(CURRENCIES, prices, strict=True):
            catalog.create_price_entry(
                session, caller=OPERATOR, sku=sku, currency=currency, pricing_model="per_unit",
                effective_from=PRICES_FROM, effective_to=None, unit_price=D(price), tiers=[],
            )
    for currency, (first, second, beyond) in CONTACT_TIERS.items():
        catalog.create_price_entry(
            session, caller=OPERATOR, sku="MKT-CONTACTS", currency=currency, pricing_model="graduated",
            effective_from=PRICES_FROM, effective_to=None, unit_price=None,
            tiers=[PriceTier(1000, D(first)), PriceTier(10000, D(second)), PriceTier(None, D(beyond))],
        )
    catalog.create_schedule(session, caller=OPERATOR, sku="TIX-PRO", type="volume", bands=[(50, D(5)), (100, D(10))])
    catalog.create_schedule(session, caller=OPERATOR, sku="TIX-ENT", type="term", bands=[(24, D(5)), (36, D(10))])


def _customers(session: Session, settings: Settings, today: date, quote_json: QuoteJson) -> None:
    monthly = ContractTerms(12, "monthly", RenewalSettings(auto_renew=True, pricing="uplift", uplift_percent=D(5)),
                            "at_renewal", settings.proration_method)
    annual = ContractTerms(12, "annual", RenewalSettings(auto_renew=True, pricing="same"), "credit",
                           settings.proration_method)
    # Not renewed automatically: its renewal quote is sent, and without an acceptance it expires at its end.
    by_hand = ContractTerms(12, "monthly", RenewalSettings(auto_renew=False, pricing="list"), "at_renewal",
                            settings.proration_method)
    evergreen = ContractTerms(None, "monthly", RenewalSettings(pricing="uplift", uplift_percent=D(3)), "at_renewal",
                              settings.proration_method)
    theatre = _account(session, "Théâtre du Rhône", "EUR", "fr", "compta@theatre-du-rhone.example",
                       legal_name="Société d'exploitation du Théâtre du Rhône SAS", tax_id="FR60823456781",
                       billing_address=Address("8 quai Jean Moulin", "69001", "Lyon", "FR"))
    accounts.create_contracted_price(session, caller=OPERATOR, account_id=theatre, sku="TIX-PRO", unit_price=D("21.00"),
                                     discount_percent=None, effective_from=PRICES_FROM, effective_to=None)
    accounts.create_contracted_price(session, caller=OPERATOR, account_id=theatre, sku="MKT-SMS", unit_price=None,
                                     discount_percent=D(15), effective_from=PRICES_FROM, effective_to=None)
    konzert = _account(session, "Konzerthaus Nord", "EUR", "de", "buchhaltung@konzerthaus-nord.example",
                       legal_name="Konzerthaus Nord Betriebs-GmbH", tax_id="DE276815424",
                       billing_address=Address("Elbuferstraße 7", "20457", "Hamburg", "DE"))
    accounts.create_contracted_price(session, caller=OPERATOR, account_id=konzert, sku="TIX-PRO", unit_price=D("21.00"),
                                     discount_percent=None, effective_from=PRICES_FROM, effective_to=None)
    filharmonia = _account(session, "Filharmonia Krakowska", "PLN", "pl", "ksiegowosc@filharmonia.example",
                           legal_name="Filharmonia Krakowska sp. z o.o.", tax_id="PL5261047316",
                           billing_address=Address("ul. Zwierzyniecka 1", "31-103", "Kraków", "PL"))
    arena = _account(session, "Riverside Arena", "USD", "en", "billing@riverside-arena.example",
                     legal_name="Riverside Arena LLC", tax_id="36-4812937",
                     billing_address=Address("400 River Street", "62701", "Springfield, IL", "US"))
    start = date(2026, 1, 15)
    _sign(session, settings, today, quote_json, QuoteDraft(theatre, start, monthly, [LineRequest("TIX-PRO", 20)]))
    _sign(session, settings, today, quote_json, QuoteDraft(konzert, start, annual, [LineRequest("TIX-PRO", 20)]))
    _sign(session, settings, today, quote_json, QuoteDraft(filharmonia, date(2026, 2, 1), by_hand, [
        LineRequest("TIX-STARTER", 10), LineRequest("MKT-CONTACTS", 5000), LineRequest("ONBOARDING", 1),
    ]))
    _sign(session, settings, today, quote_json, QuoteDraft(arena, date(2026, 3, 1), evergreen, [
        LineRequest("TIX-ENT", 15), LineRequest("CRM-MOD", 15, discount_percent=D(10)),
    ]))


def _account(session: Session, name: str, currency: str, locale: str, email: str, *, legal_name: str, tax_id: str,
             billing_address: Address) -> uuid.UUID:
    return accounts.create_account(session, caller=OPERATOR, name=name, currency=currency, locale=locale,
                                   billing_email=email, legal_name=legal_name, billing_address=billing_address,
                                   tax_id=tax_id).id


def _sign(session: Session, settings: Settings, today: date, quote_json: QuoteJson, draft: QuoteDraft) -> None:
    """Quote, finalize and accept: the demo contracts exist exactly as a customer would have signed them."""
    quote = quotes.create_quote(session, caller=OPERATOR, today=today, draft=draft,
                                threshold=settings.approval_threshold_percent)
    storage = FileStorage(settings.documents_dir)
    document_settings = DocumentSettings.of(settings, storage, quote_json)
    quote = documents.finalize_quote(session, caller=OPERATOR, quote_id=quote.id, if_match=None, today=today,
                                     settings=document_settings)
    assert quote.document_sha256 is not None
    contracts.accept_quote(session, caller=OPERATOR, quote_id=quote.id, if_match=None, today=today,
                           signer_name="Demo Signer", signer_email="signer@example.org",
                           document_sha256=quote.document_sha256, client_address=None, storage=storage,
                           threshold=settings.approval_threshold_percent)
