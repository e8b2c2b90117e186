"""A document says why each net price differs from list: volume and term bands, a negotiated price, the rep's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.documents.formatting import Formatter
from tests.builders import Keys, contract_price, create_account, create_quote, finalize, seed_catalog
from tests.pdf_checks import reader

#: locale → (volume 10 %, term 5 %, TIX-PRO's total off list, negotiated CRM price, rep's 3 % on CRM)
WORDS = {
    "en": ("Volume discount 10%", "Term discount 5%", "14.5%", "Negotiated price €7.00", "Additional discount 3%"),
    "fr": ("Remise sur volume 10\u00a0%", "Remise d’engagement 5\u00a0%", "14,5\u00a0%", "Prix négocié 7,00\u00a0€",
           "Remise supplémentaire 3\u00a0%"),
    "de": ("Mengenrabatt 10\u00a0%", "Laufzeitrabatt 5\u00a0%", "14,5\u00a0%", "Vereinbarter Preis 7,00\u00a0€",
           "Zusätzlicher Rabatt 3\u00a0%"),
    "pl": ("Rabat ilościowy 10%", "Rabat za okres umowy 5%", "14,5%", "Cena negocjowana 7,00\u00a0€",
           "Dodatkowy rabat 3%"),
}


def _schedule(client: TestClient, keys: Keys, kind: str, start: int, percent: str) -> None:
    body = {"sku": "TIX-PRO", "type": kind, "bands": [{"from": start, "discount_percent": percent}]}
    assert client.post("/v1/discount-schedules", headers=keys.headers("admin"), json=body).status_code == 201


@pytest.mark.parametrize("locale", list(WORDS))
def test_each_step_from_list_to_net_is_named_under_the_product(
    client: TestClient, keys: Keys, session: Session, locale: str,
) -> None:
    seed_catalog(session)
    _schedule(client, keys, "term", 12, "5")  # the demo catalog's volume bands give 100 seats 10 %
    account = create_account(client, keys, locale=locale)
    contract_price(client, keys, account_id=account["id"], sku="CRM-MOD", unit_price="7.00")
    lines = [{"sku": "TIX-PRO", "quantity": 100}, {"sku": "CRM-MOD", "quantity": 4, "discount_percent": "3"},
             {"sku": "ONBOARDING", "quantity": 1}]
    quote = finalize(client, keys, create_quote(client, keys, account_id=account["id"], lines=lines)["id"])
    tix, crm, _onboarding = quote["lines"]
    assert (tix["net_unit_price"], crm["net_unit_price"]) == ("21.375", "6.79")  # 25 × 0.9 × 0.95; 7.00 × 0.97
    pdf = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales")).content
    text = " ".join(page.extract_text() for page in reader(pdf).pages).replace("\n", " ")
    volume, term, off, negotiated, rep = WORDS[locale]
    f = Formatter(locale, "EUR")
    assert f"TIX-PRO {volume} {term}" in text
    assert f"{f.unit_price(Decimal('25.00'))} {off} {f.unit_price(Decimal('21.375'))}" in text
    assert f"CRM-MOD {negotiated} {rep}" in text
    assert "ONBOARDING" in text and text.count(volume) == 1 and negotiated not in text.split("CRM-MOD")[0]


#: locale → how 5 000 contacts of the demo's graduated PLN pack read (0.20 up to 1 000, then 0.12)
GRADUATED = {
    "en": "Graduated price, units {1}–{1000} at {0.20}, {1001}–{5000} at {0.12}",
    "fr": "Prix par paliers, unités {1}–{1000} à {0.20}, {1001}–{5000} à {0.12}",
    "de": "Staffelpreis, Einheiten {1}–{1000} zu {0.20}, {1001}–{5000} zu {0.12}",
    "pl": "Cena progowa, jednostki {1}–{1000} po {0.20}, {1001}–{5000} po {0.12}",
}


def _graduated(locale: str) -> str:
    """The wording with its numbers in the locale's format (1 000, 1.000, 1,000; 0,20 zł, PLN 0.20)."""
    f = Formatter(locale, "PLN")
    numbers = {f"{{{n}}}": f.quantity(n) for n in (1, 1000, 1001, 5000)}
    numbers |= {f"{{{p}}}": f.unit_price(Decimal(p)) for p in ("0.20", "0.12")}
    text = GRADUATED[locale]
    for placeholder, value in numbers.items():
        text = text.replace(placeholder, value)
    return text


@pytest.mark.parametrize("locale", list(GRADUATED))
def test_a_graduated_price_shows_its_tiers_not_only_their_average(
    client: TestClient, keys: Keys, session: Session, locale: str,
) -> None:
    seed_catalog(session)
    account = create_account(client, keys, locale=locale, currency="PLN")
    lines = [{"sku": "TIX-PRO", "quantity": 10}, {"sku": "MKT-CONTACTS", "quantity": 5000}]
    quote = finalize(client, keys, create_quote(client, keys, account_id=account["id"], lines=lines)["id"])
    assert quote["lines"][1]["list_unit_price"] == "0.136"  # (1 000 × 0.20 + 4 000 × 0.12) / 5 000
    pdf = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales")).content
    # A narrow column may wrap a range after its dash (1 001–⏎5 000).
    text = " ".join(page.extract_text() for page in reader(pdf).pages).replace("\n", " ").replace("– ", "–")
    assert f"MKT-CONTACTS {_graduated(locale)}" in text
    assert text.count(_graduated(locale)) == 1  # per-unit TIX-PRO has no tiers to show
