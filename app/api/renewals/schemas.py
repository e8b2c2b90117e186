"""Renewal run payloads: what to run, and the report of what it did."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from app.api.schemas import CalendarDate, Out, Schema, StrictBool


class RenewalRunIn(Schema):
    as_of: CalendarDate
    dry_run: StrictBool = Field(False, description="report what would happen and write nothing")


class RunErrorOut(Out):
    contract_id: uuid.UUID
    code: str
    detail: str


class RenewalRunOut(Out):
    id: uuid.UUID = Field(description="a dry run's id is not stored: reading it answers 404")
    as_of: date
    dry_run: bool
    workers: int
    status: str = Field(description="running, completed or failed")
    contracts_processed: int
    renewal_quotes_created: int
    contracts_renewed: int
    contracts_expired: int
    evergreen_uplifts: int
    cancellations_effective: int
    quotes_expired: int = Field(description="open quotes whose valid_until was before as_of, now expired")
    errors: list[RunErrorOut] = Field(description="contracts left as they were, with a code and the reason")
