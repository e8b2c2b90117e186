"""Contract payloads: segments in force on a date, MRR/ARR, versions."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from app.api.schemas import MoneyOut, Out


class RenewalOut(Out):
    auto_renew: bool
    pricing: str
    uplift_percent: MoneyOut | None
    term_months: int | None
    lead_days: int
    notice_days: int


class SegmentOut(Out):
    sku: str
    quantity: int
    list_unit_price: MoneyOut
    net_unit_price: MoneyOut
    start_date: date
    end_date: date | None
    mrr: MoneyOut


class ScheduledChangeOut(Out):
    sku: str
    change: str
    quantity_after: int
    effective_on: date
    quote_id: uuid.UUID


class ContractOut(Out):
    id: uuid.UUID
    number: str
    account_id: uuid.UUID
    currency: str
    status: str
    version: int
    start_date: date
    end_date: date | None
    term_months: int | None
    evergreen: bool
    billing_frequency: str
    renewal: RenewalOut
    mid_term_decrease: str
    proration_method: str
    source_quote_id: uuid.UUID
    as_of: date
    segments: list[SegmentOut]
    mrr: MoneyOut
    arr: MoneyOut
    created_at: datetime
    updated_at: datetime
    scheduled_changes: list[ScheduledChangeOut] = Field(description="decreases agreed to apply at renewal")


class ContractVersionOut(Out):
    version: int
    kind: str = Field(description="what made it: sale, amendment, renewal, uplift, cancellation")
    effective_on: date | None
    quote_id: uuid.UUID | None = Field(description="null for a change the renewal run makes alone (an uplift)")
    api_key_id: uuid.UUID | None
    signer_name: str | None
    created_at: datetime
