"""The Jinja2 environment for document templates: autoescaped, strict, and translated per locale."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.documents.catalogs import translator

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "pdf_templates"


@cache
def environment(locale: str) -> Environment:
    """One environment per locale, its `_`/`{% trans %}` bound to that locale's catalog (ValueError if unknown)."""
    catalog = translator(locale)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    # Added by the i18n extension at runtime, hence unknown to the type checker.
    env.install_gettext_callables(catalog.gettext, catalog.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env
