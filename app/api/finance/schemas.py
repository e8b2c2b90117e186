"""Finance payloads: invoice lines with per-currency sums, and contract events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from app.api.schemas import MoneyOut, Out


class InvoiceLineOut(Out):
    id: uuid.UUID = Field(description="the same for the same line on every call, whatever range, filters or page: "
                                      "store lines by it (upsert)")
    contract_id: uuid.UUID
    contract_number: str
    account_id: uuid.UUID
    sku: str
    kind: str = Field(description="recurring, proration, credit or one_time")
    invoice_date: date
    period_start: date | None
    period_end: date | None
    quantity: int
    unit_price: MoneyOut
    amount: MoneyOut
    currency: str
    quote_id: uuid.UUID | None
    updated_at: datetime = Field(description="when the change that made the line was recorded (UTC); lines never "
                                             "change after that: see `updated_after`")


class CurrencyTotalOut(Out):
    currency: str
    amount: MoneyOut
    lines: int


class InvoiceLinePageOut(Out):
    data: list[InvoiceLineOut]
    next_cursor: str | None
    totals: list[CurrencyTotalOut] = Field(description="sums per currency over the whole range and filters")


class EventOut(Out):
    sequence: int
    id: uuid.UUID
    type: str
    #: Null for a new-business quote's events before it is accepted (there is no contract yet).
    contract_id: uuid.UUID | None
    contract_version: int | None
    quote_id: uuid.UUID | None
    payload: dict[str, Any]
    created_at: datetime


class EventPageOut(Out):
    data: list[EventOut]
    next_after: int
