"""Renewal runs: the scheduler's daily call, and the reports of past runs."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from app.api.deps import Limit, Scheduler, SessionDep, SettingsDep, Today
from app.api.renewals.schemas import RenewalRunIn, RenewalRunOut
from app.services import renewal_runs

router = APIRouter(prefix="/v1/renewal-runs", tags=["renewals"])


@router.post("", status_code=201, response_model=RenewalRunOut,
             responses={200: {"model": RenewalRunOut, "description": "a dry run: what would happen, not stored"}})
def run_renewals(body: RenewalRunIn, request: Request, settings: SettingsDep, caller: Scheduler, today: Today,
                 response: Response) -> object:
    """Do everything due as of the date: renewal quotes, renewals, expiries, uplifts, cancellations."""
    report = renewal_runs.run_renewals(
        request.app.state.session_factory, caller=caller, as_of=body.as_of, today=today, workers=1, dry_run=body.dry_run,
        threshold=settings.approval_threshold_percent)
    response.status_code = 200 if body.dry_run else 201
    return report


@router.get("", response_model=list[RenewalRunOut])
def list_renewal_runs(session: SessionDep, caller: Scheduler, limit: Limit = 50) -> object:
    """Renewal runs, newest first, with their counts."""
    return renewal_runs.list_runs(session, limit=limit)


@router.get("/{run_id}", response_model=RenewalRunOut)
def get_renewal_run(run_id: uuid.UUID, session: SessionDep, caller: Scheduler) -> object:
    """One renewal run: its status, counts and the contracts it could not process."""
    return renewal_runs.get_run(session, run_id)
