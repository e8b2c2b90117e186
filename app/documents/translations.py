"""The documents' few words in fr, de and pl, as plain mappings (no .mo build step).

Message ids are the English text, so English needs no catalog. Plural messages are keyed by their
singular id and hold one text per CLDR plural category (Babel picks the category for the locale).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel import Locale

from app.documents.amendment_translations import AMENDMENT_MESSAGES

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "fr", "de", "pl")

_QUOTE_MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "Quote": "Devis",
        "Amendment": "Avenant",
        "Renewal quote": "Devis de renouvellement",
        "monthly": "mensuelle",
        "quarterly": "trimestrielle",
        "every six months": "semestrielle",
        "annually": "annuelle",
        "Evergreen, billed %(frequency)s until cancelled (%(notice)s)":
            "Durée indéterminée, facturation %(frequency)s jusqu'à résiliation (%(notice)s)",
        "%(months)s from %(start)s to %(end)s, billed %(frequency)s":
            "%(months)s du %(start)s au %(end)s, facturation %(frequency)s",
        "Renews automatically at the end of the term.": "Renouvellement automatique à la fin de la durée.",
        "Does not renew automatically.": "Pas de renouvellement automatique.",
        "Renewal prices: %(pricing)s.": "Prix au renouvellement\u00a0: %(pricing)s.",
        "Prices on each anniversary: %(pricing)s.": "Prix à chaque anniversaire\u00a0: %(pricing)s.",
        "unchanged": "inchangés",
        "list prices in force at the time": "prix catalogue en vigueur à cette date",
        "current prices plus %(percent)s, capped at list price":
            "prix actuels majorés de %(percent)s, dans la limite du prix catalogue",
        "Quote number": "Numéro de devis",
        "Version": "Version",
        "Issue date": "Date d'émission",
        "Valid until": "Valable jusqu'au",
        "Prepared for": "Préparé pour",
        "Billing e-mail": "E-mail de facturation",
        "Terms": "Conditions",
        "Start date": "Date de début",
        "Term": "Durée",
        "Renewal": "Renouvellement",
        "Product": "Produit",
        "Quantity": "Quantité",
        "List unit price": "Prix unitaire catalogue",
        "Discount": "Remise",
        "Net unit price": "Prix unitaire net",
        "Monthly amount": "Montant mensuel",
        "Total": "Total",
        "One-time fee": "Frais uniques",
        "Monthly recurring revenue (MRR)": "Revenu mensuel récurrent (MRR)",
        "Annual recurring revenue (ARR)": "Revenu annuel récurrent (ARR)",
        "One-time fees": "Frais uniques",
        "Total contract value": "Valeur totale du contrat",
        "First invoice": "Première facture",
        "All amounts in %(currency)s.": "Tous les montants sont en %(currency)s.",
        "Acceptance": "Acceptation",
        "By signing below, %(account)s accepts quote %(number)s and its terms.":
            "En signant ci-dessous, %(account)s accepte le devis %(number)s et ses conditions.",
        "This quote is valid until %(date)s.": "Ce devis est valable jusqu'au %(date)s.",
        "Name": "Nom",
        "Title": "Fonction",
        "Signature": "Signature",
        "Date": "Date",
        "Template": "Modèle",
        "Page": "Page",
        "of": "sur",
    },
    "de": {
        "Quote": "Angebot",
        "Amendment": "Vertragsänderung",
        "Renewal quote": "Verlängerungsangebot",
        "monthly": "monatlich",
        "quarterly": "vierteljährlich",
        "every six months": "halbjährlich",
        "annually": "jährlich",
        "Evergreen, billed %(frequency)s until cancelled (%(notice)s)":
            "Unbefristet, Abrechnung %(frequency)s bis zur Kündigung (%(notice)s)",
        "%(months)s from %(start)s to %(end)s, billed %(frequency)s":
            "%(months)s vom %(start)s bis %(end)s, Abrechnung %(frequency)s",
        "Renews automatically at the end of the term.": "Verlängert sich automatisch zum Laufzeitende.",
        "Does not renew automatically.": "Keine automatische Verlängerung.",
        "Renewal prices: %(pricing)s.": "Preise bei Verlängerung: %(pricing)s.",
        "Prices on each anniversary: %(pricing)s.": "Preise zu jedem Jahrestag: %(pricing)s.",
        "unchanged": "unverändert",
        "list prices in force at the time": "dann gültige Listenpreise",
        "current prices plus %(percent)s, capped at list price":
            "aktuelle Preise zuzüglich %(percent)s, höchstens Listenpreis",
        "Quote number": "Angebotsnummer",
        "Version": "Version",
        "Issue date": "Ausstellungsdatum",
        "Valid until": "Gültig bis",
        "Prepared for": "Erstellt für",
        "Billing e-mail": "Rechnungs-E-Mail",
        "Terms": "Konditionen",
        "Start date": "Beginn",
        "Term": "Laufzeit",
        "Renewal": "Verlängerung",
        "Product": "Produkt",
        "Quantity": "Menge",
        "List unit price": "Listenpreis je Einheit",
        "Discount": "Rabatt",
        "Net unit price": "Nettopreis je Einheit",
        "Monthly amount": "Monatlicher Betrag",
        "Total": "Gesamt",
        "One-time fee": "Einmalige Gebühr",
        "Monthly recurring revenue (MRR)": "Monatlich wiederkehrend (MRR)",
        "Annual recurring revenue (ARR)": "Jährlich wiederkehrend (ARR)",
        "One-time fees": "Einmalige Gebühren",
        "Total contract value": "Gesamtvertragswert",
        "First invoice": "Erste Rechnung",
        "All amounts in %(currency)s.": "Alle Beträge in %(currency)s.",
        "Acceptance": "Annahme",
        "By signing below, %(account)s accepts quote %(number)s and its terms.":
            "Mit der Unterschrift nimmt %(account)s das Angebot %(number)s zu seinen Konditionen an.",
        "This quote is valid until %(date)s.": "Dieses Angebot ist gültig bis %(date)s.",
        "Name": "Name",
        "Title": "Position",
        "Signature": "Unterschrift",
        "Date": "Datum",
        "Template": "Vorlage",
        "Page": "Seite",
        "of": "von",
    },
    "pl": {
        "Quote": "Oferta",
        "Amendment": "Aneks",
        "Renewal quote": "Oferta odnowienia",
        "monthly": "miesięczne",
        "quarterly": "kwartalne",
        "every six months": "półroczne",
        "annually": "roczne",
        "Evergreen, billed %(frequency)s until cancelled (%(notice)s)":
            "Na czas nieokreślony, rozliczenie %(frequency)s aż do rozwiązania umowy (%(notice)s)",
        "%(months)s from %(start)s to %(end)s, billed %(frequency)s":
            "%(months)s od %(start)s do %(end)s, rozliczenie %(frequency)s",
        "Renews automatically at the end of the term.": "Odnawia się automatycznie po zakończeniu okresu.",
        "Does not renew automatically.": "Nie odnawia się automatycznie.",
        "Renewal prices: %(pricing)s.": "Ceny przy odnowieniu: %(pricing)s.",
        "Prices on each anniversary: %(pricing)s.": "Ceny w każdą rocznicę: %(pricing)s.",
        "unchanged": "bez zmian",
        "list prices in force at the time": "ceny katalogowe obowiązujące w danym dniu",
        "current prices plus %(percent)s, capped at list price":
            "obecne ceny powiększone o %(percent)s, nie wyższe niż cena katalogowa",
        "Quote number": "Numer oferty",
        "Version": "Wersja",
        "Issue date": "Data wystawienia",
        "Valid until": "Ważna do",
        "Prepared for": "Przygotowano dla",
        "Billing e-mail": "E-mail do faktur",
        "Terms": "Warunki",
        "Start date": "Data rozpoczęcia",
        "Term": "Okres",
        "Renewal": "Odnowienie",
        "Product": "Produkt",
        "Quantity": "Ilość",
        "List unit price": "Cena katalogowa za jedn.",
        "Discount": "Rabat",
        "Net unit price": "Cena netto za jedn.",
        "Monthly amount": "Kwota miesięczna",
        "Total": "Razem",
        "One-time fee": "Opłata jednorazowa",
        "Monthly recurring revenue (MRR)": "Miesięczny przychód cykliczny (MRR)",
        "Annual recurring revenue (ARR)": "Roczny przychód cykliczny (ARR)",
        "One-time fees": "Opłaty jednorazowe",
        "Total contract value": "Łączna wartość umowy",
        "First invoice": "Pierwsza faktura",
        "All amounts in %(currency)s.": "Wszystkie kwoty w %(currency)s.",
        "Acceptance": "Akceptacja",
        "By signing below, %(account)s accepts quote %(number)s and its terms.":
            "Podpisując poniżej, %(account)s akceptuje ofertę %(number)s wraz z jej warunkami.",
        "This quote is valid until %(date)s.": "Oferta jest ważna do %(date)s.",
        "Name": "Imię i nazwisko",
        "Title": "Stanowisko",
        "Signature": "Podpis",
        "Date": "Data",
        "Template": "Szablon",
        "Page": "Strona",
        "of": "z",
    },
}

#: Every document's messages per locale: the quote's above, the amendment's (amendment_translations.py) added.
MESSAGES: dict[str, dict[str, str]] = {
    locale: {**messages, **AMENDMENT_MESSAGES.get(locale, {})} for locale, messages in _QUOTE_MESSAGES.items()
}

PLURALS: dict[str, dict[str, dict[str, str]]] = {
    "fr": {
        "%(num)d month": {"one": "%(num)d mois", "other": "%(num)d mois"},
        "%(num)d day's notice": {"one": "préavis de %(num)d jour", "other": "préavis de %(num)d jours"},
    },
    "de": {
        "%(num)d month": {"one": "%(num)d Monat", "other": "%(num)d Monate"},
        "%(num)d day's notice": {"one": "Kündigungsfrist %(num)d Tag", "other": "Kündigungsfrist %(num)d Tage"},
    },
    "pl": {
        "%(num)d month": {
            "one": "%(num)d miesiąc", "few": "%(num)d miesiące", "many": "%(num)d miesięcy", "other": "%(num)d miesiąca",
        },
        "%(num)d day's notice": {
            "one": "okres wypowiedzenia: %(num)d dzień", "few": "okres wypowiedzenia: %(num)d dni",
            "many": "okres wypowiedzenia: %(num)d dni", "other": "okres wypowiedzenia: %(num)d dnia",
        },
    },
}


@dataclass(frozen=True)
class Translator:
    """gettext/ngettext over one locale's mappings; an id without a translation reads as English."""

    locale: str
    messages: Mapping[str, str]
    plurals: Mapping[str, Mapping[str, str]]

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.plurals.get(singular)
        if forms is None:
            return singular if n == 1 else plural
        return forms.get(Locale.parse(self.locale).plural_form(n), forms["other"])


def translator(locale: str) -> Translator:
    """The translator for a supported locale; any other locale is a caller error (ValueError)."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported document locale {locale!r}; use one of {', '.join(SUPPORTED_LOCALES)}")
    return Translator(locale, MESSAGES.get(locale, {}), PLURALS.get(locale, {}))
