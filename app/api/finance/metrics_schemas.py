"""Metrics payloads: MRR and ARR per currency (and per account or family), MRR movements, NRR and GRR."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from app.api.schemas import MoneyOut, Out
from app.services.metrics import MovementsReport
from app.services.metrics_export import account_fields, movement_fields


class CurrencyMrrOut(Out):
    currency: str
    mrr: MoneyOut
    arr: MoneyOut = Field(description="12 × MRR")
    accounts: int = Field(description="accounts with MRR that day")


class MrrGroupOut(CurrencyMrrOut):
    account_id: uuid.UUID | None = Field(None, description="group_by=account")
    account_name: str | None = None
    family: str | None = Field(None, description="group_by=family")


class MrrOut(Out):
    as_of: date
    currencies: list[CurrencyMrrOut]
    groups: list[MrrGroupOut] | None = Field(None, description="only with group_by")


class MovementsOut(Out):
    currency: str
    mrr_from: MoneyOut
    new: MoneyOut = Field(description="accounts that never had MRR before `from`: their MRR at `to`")
    reactivation: MoneyOut = Field(description="accounts that had MRR before, none at `from`, some at `to`")
    seat_expansion: MoneyOut
    upsell: MoneyOut
    cross_sell: MoneyOut
    price_increase: MoneyOut
    contraction: MoneyOut
    churn: MoneyOut
    mrr_to: MoneyOut = Field(description="mrr_from + every movement")
    nrr: MoneyOut | None = Field(None, description="percent; null without MRR at `from`")
    grr: MoneyOut | None = Field(None, description="percent; null without MRR at `from`")


class ChangeBehindOut(Out):
    movement: str
    amount: MoneyOut
    contract_id: uuid.UUID
    contract_number: str
    version: int | None = Field(description="the contract version whose change made the amount")
    quote_id: uuid.UUID | None = Field(description="the quote behind that version (none for the renewal run's)")
    quote_number: str | None


class AccountMovementsOut(MovementsOut):
    account_id: uuid.UUID
    account_name: str
    changes: list[ChangeBehindOut]


class PeriodOut(Out):
    from_: date = Field(alias="from")
    to: date
    currencies: list[MovementsOut]


class MovementsReportOut(Out):
    from_: date = Field(alias="from")
    to: date
    currencies: list[MovementsOut]
    series: list[PeriodOut] | None = Field(None, description="only with interval=month")
    accounts: list[AccountMovementsOut] | None = Field(None, description="only with detail=true")


def report_out(report: MovementsReport) -> MovementsReportOut:
    return MovementsReportOut.model_validate({
        "from": report.start, "to": report.end,
        "currencies": [movement_fields(f) for f in report.currencies],
        "series": None if report.series is None else [
            {"from": p.start, "to": p.end, "currencies": [movement_fields(f) for f in p.currencies]}
            for p in report.series],
        "accounts": None if report.accounts is None else [account_fields(a) for a in report.accounts],
    })

