"""The documents' gettext catalogs: complete, in step with the sources, and English wherever a text is missing."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from functools import cache
from gettext import c2py
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from app.documents import catalogs
from app.documents.catalogs import (
    PARTIAL_LOCALES,
    SUPPORTED_LOCALES,
    is_translated,
    po_path,
    read_catalog,
    translator,
)
from app.documents.context import build_context
from app.documents.environment import environment
from app.documents.render import render_amendment_html
from tests.unit.test_amendment_documents import amendment_document
from tests.unit.test_documents import quote_document

ROOT = Path(__file__).resolve().parents[2]
#: The input directories of `make messages-extract`, which babel.cfg's patterns are relative to.
SOURCES = ("app/documents", "pdf_templates")
#: The locales with a catalog, and those of them that must translate every message.
LOCALES = tuple(locale for locale in SUPPORTED_LOCALES if locale != "en")
COMPLETE_LOCALES = tuple(locale for locale in LOCALES if locale not in PARTIAL_LOCALES)
#: Every %-conversion, "%(name)s", "%(num)d" or "%%", and a stray "%" with what follows it, which `%` would reject.
CONVERSION = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]?")


@cache
def extracted() -> Catalog:
    """The messages the templates and code use, extracted from the sources by Babel with babel.cfg's mapping."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    catalog = Catalog()
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(ROOT / source, method_map, options_map):
            catalog.add(message, None, [(f"{source}/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def messages(catalog: Catalog) -> dict[tuple[str, str | None], Message]:
    """A catalog's messages (its header left out) by singular id and context."""
    return {(message_id(message), message.context): message for message in catalog if message.id}


def message_id(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def forms(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


def conversions(text: str) -> list[str]:
    return sorted(CONVERSION.findall(text))


def test_finds_the_messages_of_templates_and_code() -> None:
    found = messages(extracted())
    assert ("Amendment number", None) in found  # a template's _()
    assert ("Units before → after", None) in found  # a template's trans block
    assert ("Seat expansion", None) in found  # a table's N_()
    assert ("Renewal prices: %(pricing)s.", None) in found  # a gettext() call
    assert found["%(num)d month", None].id == ("%(num)d month", "%(num)d months")  # an ngettext() call


def test_the_committed_template_is_up_to_date() -> None:
    """messages.pot holds what the sources use, where they use it: else run `make messages-extract`."""
    with (catalogs.LOCALES_DIR / "messages.pot").open("rb") as file:
        committed = messages(read_po(file))
    wanted = messages(extracted())
    assert sorted(committed) == sorted(wanted)
    for key, message in wanted.items():
        pot = committed[key]
        assert (pot.id, {path for path, _ in pot.locations}, pot.flags) == (
            message.id, {path for path, _ in message.locations}, message.flags
        ), key


@pytest.mark.parametrize("locale", COMPLETE_LOCALES)
def test_translates_every_message_the_documents_use(locale: str) -> None:
    catalog = read_catalog(po_path(locale), locale)
    po = messages(catalog)
    for key, message in messages(extracted()).items():
        assert key in po, f"{message.id!r} is not in the {locale} catalog: run make messages-update"
        translation = po[key]
        assert translation.id == message.id, key
        assert is_translated(translation), f"{message.id!r} has no {locale} translation, or a fuzzy one"
        assert len(forms(translation)) == (catalog.num_plurals if translation.pluralizable else 1), key
    assert sorted(po) == sorted(messages(extracted())), "the catalog has messages no source uses: make messages-update"


@pytest.mark.parametrize("locale", PARTIAL_LOCALES)
def test_a_partial_catalog_is_in_step_and_translates_only_what_it_changes(locale: str) -> None:
    """en-US holds every message, as `make messages-update` leaves it, but translates only what US English spells
    otherwise; an empty one reads as the (British) source, which is right for a US reader too."""
    po = messages(read_catalog(po_path(locale), locale))
    assert sorted(po) == sorted(messages(extracted())), "the catalog lags behind the sources: make messages-update"
    changed = {message_id(message): message.string for message in po.values() if is_translated(message)}
    assert changed == {
        "Evergreen, billed %(frequency)s until cancelled (%(notice)s)":
            "Evergreen, billed %(frequency)s until canceled (%(notice)s)",
        "E-mail": "Email",
        "Billing e-mail": "Billing email",
    }
    assert translator(locale).gettext("Quote number") == "Quote number"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_of_their_message(locale: str) -> None:
    """Of the messages a catalog translates: an empty one (in en-US) is the source, placeholders and all."""
    for message in messages(read_catalog(po_path(locale), locale)).values():
        for text in filter(None, forms(message)):
            assert conversions(text) == conversions(message_id(message)), (locale, message.id, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_use_the_typographic_apostrophe(locale: str) -> None:
    """A customer reads "Date d’émission", not the typewriter's "Date d'émission"; English ids may keep theirs."""
    for message in messages(read_catalog(po_path(locale), locale)).values():
        for text in forms(message):
            assert "'" not in text, (locale, message.id, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_header_gives_one_form_per_cldr_category(locale: str) -> None:
    """Each gettext form the header picks for a count is one CLDR plural category, and every form is used."""
    catalog = read_catalog(po_path(locale), locale)
    plural = c2py(catalog.plural_expr)
    categories: dict[int, set[str]] = {}
    for n in range(1000):  # fr's CLDR "many" starts at 1 000 000; the documents count months and days
        categories.setdefault(plural(n), set()).add(Locale.parse(catalogs.gettext_name(locale)).plural_form(n))
    assert sorted(categories) == list(range(catalog.num_plurals))
    assert all(len(names) == 1 for names in categories.values()), categories


@pytest.mark.parametrize(
    ("locale", "counts"),
    [
        ("pl", {1: "1 miesiąc", 2: "2 miesiące", 5: "5 miesięcy", 12: "12 miesięcy", 22: "22 miesiące"}),
        ("fr", {0: "0 mois", 1: "1 mois", 2: "2 mois"}),
        ("de", {1: "1 Monat", 2: "2 Monate"}),
        ("en", {1: "1 month", 2: "2 months"}),
        ("en-US", {1: "1 month", 2: "2 months"}),
    ],
)
def test_counts_in_each_locale_plural_form(locale: str, counts: dict[int, str]) -> None:
    month = translator(locale)
    assert {n: month.ngettext("%(num)d month", "%(num)d months", n) % {"num": n} for n in counts} == counts


@pytest.fixture
def locales_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the catalogs that a test may edit, read in place of the committed ones."""
    copy = tmp_path / "locales"
    shutil.copytree(catalogs.LOCALES_DIR, copy)
    monkeypatch.setattr(catalogs, "LOCALES_DIR", copy)
    translator.cache_clear()
    environment.cache_clear()
    yield copy
    translator.cache_clear()
    environment.cache_clear()


def edit_catalog(
    locale: str, *, remove: tuple[str, ...] = (), fuzzy: tuple[str, ...] = (), empty: tuple[str, ...] = ()
) -> None:
    """Rewrite a locale's catalog (in the copy) with some messages removed, made fuzzy or emptied."""
    path = po_path(locale)
    catalog = read_catalog(path, locale)
    for message_id in remove:
        catalog.delete(message_id)
    for message_id in fuzzy:
        catalog[message_id].flags.add("fuzzy")
    for message_id in empty:
        message = catalog[message_id]
        message.string = ("",) * catalog.num_plurals if message.pluralizable else ""
    with path.open("wb") as file:
        write_po(file, catalog)


class TestMissingTranslation:
    def test_reads_as_the_english_message_with_its_values(self, locales_dir: Path) -> None:
        edit_catalog(
            "de",
            remove=("Amendment number", "Co-terminates with the contract on %(date)s"),
            fuzzy=("Changes",),
            empty=("All amounts in %(currency)s, excluding VAT.",),
        )
        html = render_amendment_html(amendment_document(locale="de"))
        assert "Amendment number" in html
        assert "Co-terminates with the contract on 15. Januar 2027" in html
        assert "Changes" in html and "Änderungen" not in html
        assert "All amounts in EUR, excluding VAT." in html
        assert "Vertragsänderung" in html  # what the catalog still translates stays German

    def test_a_plural_reads_as_the_english_form_for_the_count(self, locales_dir: Path) -> None:
        edit_catalog("pl", empty=("%(num)d month",))
        term = str(build_context(quote_document(locale="pl"))["term"])
        assert term.startswith("12 months od ")
