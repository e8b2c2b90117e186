"""Products carry their name and unit per document locale; a document prints them, else the default wording."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.domain.catalog import product_wording
from tests.builders import Keys, create_account, create_quote, finalize, seed_catalog
from tests.pdf_checks import reader
from tests.problems import assert_problem

PRODUCT = {"sku": "TIX-PRO", "name": "Ticketing Pro", "family": "ticketing", "kind": "plan", "unit": "seat"}
FRENCH = {"fr": {"name": "Billetterie Pro", "unit": "poste"}}


def _product(client: TestClient, keys: Keys) -> dict[str, Any]:
    return client.get("/v1/products/TIX-PRO", headers=keys.headers("admin")).json()


def _text(client: TestClient, keys: Keys, quote: dict[str, Any]) -> str:
    pdf = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales")).content
    return " ".join(page.extract_text() for page in reader(pdf).pages).replace("\n", " ")


class TestOverTheApi:
    def test_translations_are_set_on_create_replaced_by_patch_and_returned(self, client: TestClient,
                                                                            keys: Keys) -> None:
        created = client.post("/v1/products", headers=keys.headers("admin"), json={**PRODUCT, "translations": FRENCH})
        assert created.status_code == 201 and created.json()["translations"] == FRENCH
        patched = client.patch("/v1/products/TIX-PRO", headers=keys.headers("admin"),
                               json={"translations": {"de": {"unit": "Arbeitsplatz"}}})
        assert patched.status_code == 200 and patched.json()["translations"] == {"de": {"unit": "Arbeitsplatz"}}
        assert _product(client, keys)["translations"] == {"de": {"unit": "Arbeitsplatz"}}

    def test_a_product_without_translations_answers_an_empty_map(self, client: TestClient, keys: Keys) -> None:
        assert client.post("/v1/products", headers=keys.headers("admin"), json=PRODUCT).json()["translations"] == {}

    @pytest.mark.parametrize(("translations", "loc"), [
        ({"it": {"name": "Biglietteria Pro"}}, ["body", "translations", "it", "[key]"]),
        ({"fr": {}}, ["body", "translations", "fr"]),
        ({"fr": {"unit": "u" * 33}}, ["body", "translations", "fr", "unit"]),
        ({"fr": {"name": "Billetterie", "colour": "bleu"}}, ["body", "translations", "fr", "colour"]),
    ])
    def test_a_bad_translation_is_a_422_naming_it_and_changes_nothing(
        self, client: TestClient, keys: Keys, translations: dict[str, Any], loc: list[str],
    ) -> None:
        before = client.post("/v1/products", headers=keys.headers("admin"), json={**PRODUCT, "translations": FRENCH})
        response = client.patch("/v1/products/TIX-PRO", headers=keys.headers("admin"),
                                json={"translations": translations})
        assert_problem(response, 422, code="validation_error", loc=loc)
        assert _product(client, keys) == before.json()


class TestOnTheDocument:
    @pytest.mark.parametrize(("locale", "name", "unit"), [
        ("fr", "Billetterie Pro", "poste"), ("de", "Ticketing Pro", "Arbeitsplatz"), ("pl", "Bileteria Pro", "stanowisko"),
        ("en", "Ticketing Pro", "seat"),
    ])
    def test_a_document_prints_the_products_wording_in_the_customers_language(
        self, client: TestClient, keys: Keys, session: Session, locale: str, name: str, unit: str,
    ) -> None:
        seed_catalog(session)
        account = create_account(client, keys, locale=locale)
        text = _text(client, keys, finalize(client, keys, create_quote(client, keys, account_id=account["id"])["id"]))
        assert f"{name} TIX-PRO" in text and unit in text
        if locale in ("fr", "pl"):
            assert "Ticketing Pro" not in text

    def test_a_locale_without_a_translation_prints_the_default_name(
        self, client: TestClient, keys: Keys, session: Session,
    ) -> None:
        seed_catalog(session)
        client.patch("/v1/products/TIX-PRO", headers=keys.headers("admin"), json={"translations": {}})
        account = create_account(client, keys, locale="fr")
        text = _text(client, keys, finalize(client, keys, create_quote(client, keys, account_id=account["id"])["id"]))
        assert "Ticketing Pro TIX-PRO" in text


@pytest.mark.parametrize(("locale", "expected"), [
    ("fr", ("Billetterie Pro", "poste")),
    ("de", ("Ticketing Pro", "Arbeitsplatz")),  # the unit alone is translated: the name stays the default
    ("en-US", ("Ticketing Pro (US)", "seat")),
    ("en", ("Ticketing Pro", "seat")),
    ("pl", ("Ticketing Pro", "seat")),
])
def test_each_part_of_the_wording_falls_back_on_its_own(locale: str, expected: tuple[str, str]) -> None:
    translations = {**FRENCH, "de": {"unit": "Arbeitsplatz"}, "en-US": {"name": "Ticketing Pro (US)"}, "pl": {}}
    assert product_wording("Ticketing Pro", "seat", translations, locale) == expected


def test_a_regional_locale_falls_back_to_its_language_first() -> None:
    assert product_wording("Ticketing Pro", "seat", {"en": {"unit": "licence"}}, "en-US") == ("Ticketing Pro",
                                                                                              "licence")
