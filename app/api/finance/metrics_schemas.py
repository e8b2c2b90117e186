"""Metrics payloads: MRR, ARR and ARPA per currency (and per account or family), MRR movements, NRR and GRR,
and per account its lifetime value."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from app.api.schemas import MoneyOut, Out
from app.services.metrics import MovementsReport
from app.services.metrics_export import account_fields, currency_fields


class CurrencyMrrOut(Out):
    currency: str
    mrr: MoneyOut
    arr: MoneyOut = Field(description="12 × MRR")
    accounts: int = Field(description="accounts with MRR that day")
    arpa: MoneyOut | None = Field(description="average revenue per account: mrr / accounts, rounded half-up to "
                                              "the currency's minor unit; null without accounts")


class MrrGroupOut(CurrencyMrrOut):
    account_id: uuid.UUID | None = Field(None, description="group_by=account")
    account_name: str | None = None
    family: str | None = Field(None, description="group_by=family")


class MrrOut(Out):
    as_of: date
    currencies: list[CurrencyMrrOut]
    groups: list[MrrGroupOut] | None = Field(None, description="only with group_by")


class MovementFiguresOut(Out):
    """What a currency's totals and an account's figures share."""

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


class MovementsOut(MovementFiguresOut):
    arpa: MoneyOut | None = Field(None, description="average revenue per account at `to`: mrr_to / accounts with "
                                                    "MRR at `to`, half-up to the minor unit; null without any")


class ChangeBehindOut(Out):
    movement: str
    amount: MoneyOut
    contract_id: uuid.UUID
    contract_number: str
    version: int | None = Field(description="the contract version whose change made the amount")
    quote_id: uuid.UUID | None = Field(description="the quote behind that version (none for the renewal run's)")
    quote_number: str | None


class AccountMovementsOut(MovementFiguresOut):
    account_id: uuid.UUID
    account_name: str
    changes: list[ChangeBehindOut]
    invoiced_to_date: MoneyOut = Field(description="the invoice lines of the account's contracts in this currency "
                                                   "dated before `to` (credits and prorations included)")
    remaining_committed: MoneyOut = Field(description="the lines dated from `to` to the end of each contract's "
                                                      "commitment on `to`: its term in force (not a renewal); "
                                                      "evergreen, the earliest end of a cancellation asked on `to`")
    lifetime_value: MoneyOut = Field(description="invoiced_to_date + remaining_committed")


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
        "currencies": [currency_fields(f) for f in report.currencies],
        "series": None if report.series is None else [
            {"from": p.start, "to": p.end, "currencies": [currency_fields(f) for f in p.currencies]}
            for p in report.series],
        "accounts": None if report.accounts is None else [account_fields(a) for a in report.accounts],
    })

