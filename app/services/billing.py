"""Invoice lines for finance: recurring (billed in advance), proration and credit, one-time; in [from, to).

Lines are derived from the contracts' history, not stored: they are always consistent with it. They are
produced contract by contract in id batches, so a month over 100 000 contracts streams in flat memory.
"""

from __future__ import annotations

import base64
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.db.models import Contract
from app.db.repositories import billing as repo
from app.db.session import reading
from app.domain import money
from app.domain.errors import InvalidInput
from app.domain.invoicing import BillingSchedule, recurring_lines
from app.domain.periods import period_months
from app.services.views import to_segment

BATCH = 500
KIND_ORDER = {"recurring": 0, "proration": 1, "credit": 2, "one_time": 3}


@dataclass(frozen=True)
class InvoiceLineView:
    contract_id: uuid.UUID
    contract_number: str
    account_id: uuid.UUID
    sku: str
    kind: str
    invoice_date: date
    period_start: date | None
    period_end: date | None
    quantity: int
    unit_price: Decimal
    amount: Decimal
    currency: str
    quote_id: uuid.UUID | None


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: Decimal
    lines: int


@dataclass(frozen=True)
class InvoiceLinePage:
    data: list[InvoiceLineView]
    next_cursor: str | None
    totals: list[CurrencyTotal]


def check_range(start: date, end: date) -> None:
    if end <= start:
        raise InvalidInput("'to' must be after 'from': invoice lines are those dated in [from, to)")


def stream_invoice_lines(
    session: Session, *, start: date, end: date, contract_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None, resume_at: uuid.UUID | None = None,
) -> Iterator[InvoiceLineView]:
    """Every line in the range, contract by contract (in id order), each contract's lines by date."""
    check_range(start, end)
    after: uuid.UUID | None = None
    with reading(session):
        while True:
            contracts = repo.contract_batch(session, after=after, resume_at=resume_at if after is None else None,
                                            limit=BATCH, contract_id=contract_id, account_id=account_id)
            if not contracts:
                return
            yield from _batch_lines(session, contracts, start, end)
            after = contracts[-1].id
            session.expunge_all()  # flat memory over any number of contracts


def _batch_lines(session: Session, contracts: Sequence[Contract], start: date, end: date) -> Iterator[InvoiceLineView]:
    ids = [c.id for c in contracts]
    lines: dict[uuid.UUID, list[InvoiceLineView]] = defaultdict(list)
    by_id = {c.id: c for c in contracts}
    for segment, quote_id in repo.segments_billing_in(session, ids, start, end):
        contract = by_id[segment.contract_id]
        schedule = BillingSchedule(contract.start_date, period_months(contract.billing_frequency),
                                   contract.term_months, contract.currency)
        for line in recurring_lines(to_segment(segment), schedule, start, end):
            lines[contract.id].append(_line(contract, line.sku, "recurring", line.invoice_date, line.period_start,
                                            line.period_end, line.quantity, line.unit_price, line.amount, quote_id))
    for charge in repo.prorated_charges_in(session, ids, start, end):
        lines[charge.contract_id].append(_line(
            by_id[charge.contract_id], charge.sku, charge.kind, charge.invoice_date, charge.period_start,
            charge.period_end, charge.quantity, charge.unit_price, charge.amount, charge.quote_id))
    for one_time, quote_id in repo.one_time_charges_in(session, ids, start, end):
        lines[one_time.contract_id].append(_line(
            by_id[one_time.contract_id], one_time.sku, "one_time", one_time.charge_date, None, None,
            one_time.quantity, one_time.unit_price, one_time.amount, quote_id))
    for contract in contracts:
        yield from sorted(lines[contract.id], key=lambda ln: (ln.invoice_date, ln.sku, KIND_ORDER[ln.kind]))


def _line(contract: Contract, sku: str, kind: str, invoice_date: date, period_start: date | None,
          period_end: date | None, quantity: int, unit_price: Decimal, amount: Decimal,
          quote_id: uuid.UUID | None) -> InvoiceLineView:
    currency = contract.currency
    return InvoiceLineView(
        contract_id=contract.id, contract_number=contract.number, account_id=contract.account_id, sku=sku,
        kind=kind, invoice_date=invoice_date, period_start=period_start, period_end=period_end, quantity=quantity,
        unit_price=money.display_unit_price(unit_price, currency), amount=money.round_amount(amount, currency),
        currency=currency, quote_id=quote_id,
    )


def invoice_line_page(
    session: Session, *, start: date, end: date, contract_id: uuid.UUID | None, account_id: uuid.UUID | None,
    limit: int, cursor: str | None,
) -> InvoiceLinePage:
    """A page of lines, and the sums per currency over the whole range and filters.

    The cursor names the contract to resume at and how many of its lines were already given: a contract's
    lines for one range are always the same, so this is stable.
    """
    resume_at, skip = _decode(cursor) if cursor else (None, 0)
    page: list[InvoiceLineView] = []
    given: dict[uuid.UUID, int] = defaultdict(int)
    next_cursor = None
    for line in stream_invoice_lines(session, start=start, end=end, contract_id=contract_id,
                                     account_id=account_id, resume_at=resume_at):
        if line.contract_id == resume_at and given[line.contract_id] < skip:
            given[line.contract_id] += 1
            continue
        if len(page) == limit:
            next_cursor = _encode(line.contract_id, given[line.contract_id])
            break
        page.append(line)
        given[line.contract_id] += 1
    totals = invoice_totals(session, start=start, end=end, contract_id=contract_id, account_id=account_id)
    return InvoiceLinePage(page, next_cursor, totals)


def invoice_totals(session: Session, *, start: date, end: date, contract_id: uuid.UUID | None,
                   account_id: uuid.UUID | None) -> list[CurrencyTotal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for line in stream_invoice_lines(session, start=start, end=end, contract_id=contract_id, account_id=account_id):
        sums[line.currency] += line.amount
        counts[line.currency] += 1
    return [CurrencyTotal(c, money.round_amount(sums[c], c), counts[c]) for c in sorted(sums)]


def _encode(contract_id: uuid.UUID, offset: int) -> str:
    return base64.urlsafe_b64encode(contract_id.bytes + offset.to_bytes(4, "big")).decode().rstrip("=")


def _decode(cursor: str) -> tuple[uuid.UUID, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if len(raw) != 20:
            raise ValueError(cursor)
        return uuid.UUID(bytes=raw[:16]), int.from_bytes(raw[16:], "big")
    except ValueError:
        raise InvalidInput("cursor is not one this API issued") from None
