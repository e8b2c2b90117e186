"""The first invoice a document prints is the sum of the amounts printed above it, whatever the billing.

Each recurring line prints what one invoice bills for it (a billing period, or a shorter term), rounded once
as invoices round it: annual billing of 7 × 24.166675 prints 2,030.00, not 12 × the 169.17 a month would
suggest (2,030.04).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.documents.catalogs import translator
from app.documents.formatting import Formatter
from app.domain import money
from tests.builders import Keys, create_account, create_quote, finalize, seed_catalog
from tests.pdf_checks import reader

LINES = [{"sku": "TIX-PRO", "quantity": 7, "discount_percent": "3.3333"},
         {"sku": "CRM-MOD", "quantity": 3, "discount_percent": "3.3333"}, {"sku": "ONBOARDING", "quantity": 1}]
#: (billing, term months) → (months the first invoice bills, the column's English heading)
BILLINGS = {("annual", 12): (12, "Annual amount"), ("quarterly", 12): (3, "Quarterly amount"),
            ("annual", 6): (6, "Amount for the term")}


@pytest.mark.parametrize("locale", ["en", "fr", "de", "pl"])
@pytest.mark.parametrize(("billing", "term"), list(BILLINGS))
def test_the_printed_first_invoice_is_the_sum_of_the_printed_lines(
    client: TestClient, keys: Keys, session: Session, locale: str, billing: str, term: int,
) -> None:
    seed_catalog(session)
    account = create_account(client, keys, locale=locale)
    quote = finalize(client, keys, create_quote(client, keys, account_id=account["id"], lines=LINES,
                                                billing_frequency=billing, term_months=term)["id"])
    pdf = client.get(f"/v1/quotes/{quote['id']}/document", headers=keys.headers("sales")).content
    text = " ".join(page.extract_text() for page in reader(pdf).pages).replace("\n", " ")
    f, (months, heading) = Formatter(locale, "EUR"), BILLINGS[(billing, term)]
    recurring = [line for line in quote["lines"] if line["recurring"]]
    amounts = [money.period_amount(Decimal(line["net_unit_price"]), line["quantity"], months, "EUR")
               for line in recurring]
    one_time = Decimal(quote["totals"]["one_time"])
    for line, amount in zip(recurring, amounts, strict=True):
        assert f"{f.unit_price(Decimal(line['net_unit_price']))} {f.amount(amount)} {f.amount(Decimal(line['total']))}" \
            in text
    assert sum(amounts) + one_time == Decimal(quote["totals"]["first_invoice"])
    label = translator(locale).gettext(heading)
    assert f"{label} {f.amount(sum(amounts, Decimal(0)))}" in text
    assert f"{f.t.gettext('First invoice')} {f.amount(Decimal(quote['totals']['first_invoice']))}" in text
    if (billing, term) == ("annual", 12):  # the monthly rounding would have been off: the lines are not MRR × 12
        assert sum(amounts) != 12 * sum((Decimal(line["mrr"]) for line in recurring), Decimal(0))


