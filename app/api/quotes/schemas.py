"""Quote payloads: the request a rep sends and the priced quote with its waterfall."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from app.api.contracts.schemas import ContractOut, RenewalOut
from app.api.schemas import (
    EMAIL_PATTERN,
    CalendarDate,
    Days,
    Metadata,
    MetadataOut,
    MetadataPatch,
    MoneyOut,
    Months,
    Out,
    Patch,
    PercentIn,
    Quantity,
    Schema,
    Sku,
    StrictBool,
    UnitPriceIn,
)
from app.domain.amendments import Change
from app.domain.pricing import LineRequest
from app.domain.terms import RenewalSettings
from app.services.views import QuoteView

Frequency = Literal["monthly", "quarterly", "semiannual", "annual"]
Decrease = Literal["at_renewal", "credit", "forbid"]
Proration = Literal["daily", "monthly_daily", "none"]


class LineIn(Schema):
    sku: Sku
    quantity: Quantity
    discount_percent: PercentIn | None = None
    discount_amount: UnitPriceIn | None = None

    def request(self) -> LineRequest:
        return LineRequest(self.sku, self.quantity, self.discount_percent, self.discount_amount)


#: Up to 10 000 lines: large quotes are priced whole, every rule on every line (a 5 000-line quote is benchmarked).
Lines = Annotated[list[LineIn], Field(min_length=1, max_length=10_000)]


class RenewalIn(Schema):
    auto_renew: StrictBool = False
    pricing: Literal["same", "list", "uplift"] = "same"
    uplift_percent: PercentIn | None = None
    term_months: Months | None = None
    lead_days: Days = 60
    notice_days: Days = 30

    def settings(self) -> RenewalSettings:
        return RenewalSettings(**self.model_dump())


class QuoteIn(Schema):
    account_id: uuid.UUID
    start_date: CalendarDate
    term_months: Months | None = Field(12, description="null for an evergreen quote")
    billing_frequency: Frequency = "monthly"
    renewal: RenewalIn = RenewalIn()
    mid_term_decrease: Decrease = "at_renewal"
    proration_method: Proration | None = Field(None, description="default: the deployment's (daily)")
    valid_until: CalendarDate | None = None
    lines: Lines
    metadata: Metadata = Field(default_factory=dict)


class ChangeIn(Schema):
    """One change of an amendment: which fields apply depends on the action."""

    action: Literal["add_quantity", "remove_quantity", "swap", "add_product", "remove_product"]
    sku: Sku | None = None
    quantity: Quantity | None = None
    from_sku: Sku | None = None
    to_sku: Sku | None = None
    discount_percent: PercentIn | None = Field(None, description="a rep's discount on a new product or swap")

    def change(self) -> Change:
        return Change(**self.model_dump())


Changes = Annotated[list[ChangeIn], Field(min_length=1, max_length=100)]


class AmendmentIn(Schema):
    effective_date: CalendarDate
    changes: Changes


class QuotePatch(Patch):
    """New-business quotes take the terms and lines; amendment quotes take effective_date and changes."""

    nullable = frozenset({"term_months", "valid_until"})

    start_date: CalendarDate | None = None
    term_months: Months | None = None
    billing_frequency: Frequency | None = None
    renewal: RenewalIn | None = None
    mid_term_decrease: Decrease | None = None
    proration_method: Proration | None = None
    valid_until: CalendarDate | None = None
    lines: Lines | None = None
    effective_date: CalendarDate | None = None
    changes: Changes | None = None
    metadata: MetadataPatch | None = Field(None, description="any draft quote's, whatever its type; merged in")


class AcceptIn(Schema):
    signer_name: Annotated[str, Field(min_length=1, max_length=200)]
    signer_email: Annotated[str, Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)]
    document_sha256: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]


class ReasonIn(Schema):
    reason: Annotated[str | None, Field(max_length=500)] = None


class QuoteLineOut(Out):
    sku: str
    quantity: int
    recurring: bool
    list_unit_price: MoneyOut
    regular_unit_price: MoneyOut
    contracted_unit_price: MoneyOut | None
    discount_percent: MoneyOut
    discount_amount: MoneyOut | None
    net_unit_price: MoneyOut
    start_date: date
    end_date: date | None
    mrr: MoneyOut
    total: MoneyOut
    change: str | None = Field(None, description="amendments: seat_expansion, upsell, cross_sell, decrease, "
                                                 "downgrade or removal")
    side: str | None = Field(None, description="amendments: charge, or credit for what is given back")
    quantity_before: int | None = None
    quantity_after: int | None = None
    proration_fraction: MoneyOut | None = None
    proration_due: MoneyOut | None = Field(None, description="amendments: the rest of the current billing period "
                                                              "(or a one-time price)")
    catch_up_due: MoneyOut | None = Field(None, description="amendments: whole periods already invoiced without "
                                                             "the change (back-dated)")
    amount_due_now: MoneyOut | None = Field(None, description="amendments: proration_due + catch_up_due, what "
                                                               "acceptance invoices")
    remaining_term_value: MoneyOut | None = None
    mrr_delta: MoneyOut | None = None
    scheduled: bool = Field(False, description="a decrease that applies at renewal (mid_term_decrease at_renewal)")
    previous_net_unit_price: MoneyOut | None = Field(
        None, description="renewal lines: the net unit price held at the end of the term")
    pricing_method: str | None = Field(None, description="renewal lines: same, list or uplift")
    price_capped: bool = Field(False, description="renewal lines: the uplift was capped at the list price")


class TotalsOut(Out):
    mrr: MoneyOut
    arr: MoneyOut
    one_time: MoneyOut
    total_contract_value: MoneyOut
    first_invoice: MoneyOut
    proration_due: MoneyOut | None = Field(None, description="amendments only, as on the lines")
    catch_up_due: MoneyOut | None = Field(None, description="amendments only, as on the lines")
    amount_due_now: MoneyOut | None = Field(None, description="amendments only: what acceptance invoices, "
                                                               "proration_due + catch_up_due")
    remaining_term_value: MoneyOut | None = Field(None, description="amendments only: the change in contract value")
    mrr_delta: MoneyOut | None = Field(None, description="amendments only")


class QuoteOut(Out):
    id: uuid.UUID
    number: str
    type: str
    status: str
    version: int
    account_id: uuid.UUID
    contract_id: uuid.UUID | None
    currency: str
    start_date: date
    end_date: date | None
    term_months: int | None
    billing_frequency: str
    renewal: RenewalOut
    mid_term_decrease: str
    proration_method: str
    valid_until: date | None
    lines: list[QuoteLineOut]
    totals: TotalsOut
    approved_at: datetime | None
    finalized_at: datetime | None
    document_sha256: str | None
    template_version: str | None
    document_revision: int = Field(description="how many documents the quote issued, the current one included: "
                                               "the version printed on it (0 before the first finalize)")
    created_at: datetime
    updated_at: datetime
    base_version: int | None = Field(None, description="amendments: the contract version they are built on")
    effective_date: date | None = None
    renewal_term: int | None = Field(None, description="renewal quotes: the term accepting it makes")
    metadata: MetadataOut = Field(description="your own key-value pairs; a new-business quote's are copied to "
                                              "the contract accepting it makes")


class AcceptanceOut(Out):
    quote: QuoteOut
    contract: ContractOut


_NOT_RECORDED = "; null when not recorded (acceptances made before the trail existed, or none was sent)"


class AcceptanceTrailOut(Out):
    """The evidence of a signature, written once at acceptance and never changed."""

    signer_name: str = Field(description="the name the signer gave")
    signer_email: str = Field(description="the e-mail address the signer gave")
    accepted_at: datetime = Field(description="when the acceptance was recorded (UTC)")
    client_ip: str | None = Field(description="the address the acceptance came from: the TCP peer, or behind a "
                                              "proxy listed in CPQ_TRUSTED_PROXIES the client it forwarded for"
                                              + _NOT_RECORDED)
    user_agent: str | None = Field(description="the User-Agent header, cut to 500 characters" + _NOT_RECORDED)
    document_sha256: str = Field(description="the SHA-256 of the exact PDF that was signed")
    api_key_id: uuid.UUID | None = Field(description="the API key that sent the acceptance" + _NOT_RECORDED)


def quote_json(view: QuoteView) -> dict[str, object]:
    """A quote exactly as GET /v1/quotes/{id} answers it, in JSON types: what finalize attaches to the PDF."""
    body: dict[str, object] = QuoteOut.model_validate(view).model_dump(mode="json")
    return body
