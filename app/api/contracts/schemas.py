"""Contract payloads: segments in force on a date, MRR/ARR, versions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from app.api.schemas import (
    CalendarDate,
    Days,
    ExternalId,
    MetadataOut,
    MetadataPatch,
    MoneyOut,
    Months,
    Out,
    Patch,
    PercentIn,
    Schema,
    StrictBool,
)


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


class TermOut(Out):
    term: int
    start_date: date
    end_date: date | None = Field(description="null while an evergreen term runs")
    quote_id: uuid.UUID = Field(description="the quote that made it: the sale's, or the renewal quote")
    outcome: str | None = Field(description="renewed, expired or cancelled; null while current")


class CancellationOut(Out):
    requested_on: date
    effective_on: date
    reason: str | None


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
    terms: list[TermOut]
    renewal_quote_id: uuid.UUID | None = Field(description="the renewal quote of the current term, once made")
    cancellation: CancellationOut | None
    next_due_on: date | None = Field(description="when the renewal run next has something to do for it")
    metadata: MetadataOut = Field(description="your own key-value pairs; copied from the new-business quote "
                                              "that made it, then changed only by PATCH")
    external_id: str | None


class ContractVersionOut(Out):
    version: int
    kind: str = Field(description="what made it: sale, amendment, renewal, uplift, cancellation")
    effective_on: date | None
    quote_id: uuid.UUID | None = Field(description="null for a change the renewal run makes alone (an uplift)")
    api_key_id: uuid.UUID | None
    signer_name: str | None
    created_at: datetime


class RenewalPatch(Patch):
    """The renewal settings to change; absent ones stay. `uplift_percent` and `term_months` may be cleared."""

    nullable = frozenset({"uplift_percent", "term_months"})

    auto_renew: StrictBool | None = None
    pricing: Literal["same", "list", "uplift"] | None = None
    uplift_percent: PercentIn | None = None
    term_months: Months | None = Field(None, description="null: renew for the current term's length")
    lead_days: Days | None = None
    notice_days: Days | None = None


class ContractPatch(Patch):
    """Absent fields stay. Metadata is merged in and `external_id` cleared with null; neither makes a new
    version. Renewal settings do, and only an active contract's change."""

    nullable = frozenset({"external_id"})

    renewal: RenewalPatch | None = None
    metadata: MetadataPatch | None = None
    external_id: ExternalId | None = Field(None, description="null: none; another contract's is a 409")

    def own(self) -> dict[str, object]:
        """The fields that are the caller's own (app.services.own_fields)."""
        return {name: value for name, value in self.updates().items() if name != "renewal"}


class CancelIn(Schema):
    requested_on: CalendarDate
    reason: Annotated[str | None, Field(max_length=500)] = None
