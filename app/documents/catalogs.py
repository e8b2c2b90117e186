"""The documents' translations: gettext catalogs (.po) that Babel reads on first use, so there is no .mo to build.

Message ids are the English text, so English needs no catalog, and a message that a catalog lacks, holds empty
or only as fuzzy (a guess `pybabel update` made, which a translator has not checked) reads as English.
Every catalog but one translates every message. The exception is US English (`en-US`, catalog `en_US`): the
source messages are British English, which is already its text, so its catalog translates only the words a US
reader would spell otherwise ("cancelled" → "canceled") and leaves the rest empty, which reads as the source.
Translators edit `locales/<locale>/LC_MESSAGES/messages.po`; `make messages-extract` and `make messages-update`
keep the catalogs in step with the templates and with the code's `N_`, `gettext` and `ngettext` calls.
"""

from __future__ import annotations

from functools import cache
from gettext import GNUTranslations, NullTranslations
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: Document locales as the API names them (BCP 47, "en-US"); the single list accounts are checked against.
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "en-US", "fr", "de", "pl")
#: The one catalog that holds only the messages it changes; the others translate every message.
PARTIAL_LOCALES: tuple[str, ...] = ("en-US",)
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message id that a table holds, so extraction finds it; it is translated where the table is read."""
    return message


def gettext_name(locale: str) -> str:
    """A document locale as gettext and Babel name it: "en-US" → "en_US"."""
    return locale.replace("-", "_")


def po_path(locale: str) -> Path:
    """Where a locale's catalog lives (LOCALES_DIR is read at each call, so a test may point it elsewhere)."""
    return LOCALES_DIR / gettext_name(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"


def is_translated(message: Message) -> bool:
    """A message the documents may use: checked by a translator (not fuzzy) and, for a plural, in every form."""
    forms = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return not message.fuzzy and all(forms)


def read_catalog(po: Path, locale: str) -> Catalog:
    """A .po file as Babel's catalog; its Plural-Forms header, not Babel's default, picks the plural forms."""
    with po.open("rb") as file:
        return read_po(file, locale=gettext_name(locale), domain=DOMAIN)


def load(po: Path, locale: str) -> GNUTranslations:
    """The translated messages of a .po file as gettext's translations, compiled in memory."""
    catalog = read_catalog(po, locale)
    for message in list(catalog)[1:]:  # the first is the header
        if not is_translated(message):
            catalog.delete(message.id, context=message.context)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return GNUTranslations(compiled)


@cache
def translator(locale: str) -> NullTranslations:
    """A supported locale's translations, read once per process; any other locale is a caller error (ValueError)."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported document locale {locale!r}; use one of {', '.join(SUPPORTED_LOCALES)}")
    if locale == "en":
        return NullTranslations()
    return load(po_path(locale), locale)
