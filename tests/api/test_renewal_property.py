"""Property: any sequence of renewal runs ending on D leaves contracts as one run on D does (catch-up and
repeatability are the same rule)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.builders import Keys, contract_price, create_account, seed_catalog, signed_contract

FIRST_RUN = date(2026, 1, 10)
UPLIFT = {"auto_renew": True, "pricing": "uplift", "uplift_percent": "5", "lead_days": 45, "notice_days": 30}

ends = st.dates(min_value=date(2026, 11, 1), max_value=date(2028, 12, 31))
earlier = st.lists(st.integers(min_value=0, max_value=1100), max_size=5)


def _book(client: TestClient, keys: Keys) -> list[str]:
    """One of each life: termed auto-renew with uplift, termed by hand, evergreen uplifted, evergreen cancelled."""
    account = create_account(client, keys)
    contract_price(client, keys, account_id=account["id"], sku="TIX-PRO", unit_price="21.00")
    made = [
        signed_contract(client, keys, account_id=account["id"], renewal=UPLIFT),
        signed_contract(client, keys, account_id=account["id"], start_date="2026-01-31", term_months=1,
                        renewal={"pricing": "list"}),
        signed_contract(client, keys, account_id=account["id"], start_date="2026-02-28", term_months=None,
                        renewal={**UPLIFT, "auto_renew": False}),
        signed_contract(client, keys, account_id=account["id"], start_date="2026-03-01", term_months=None),
    ]
    cancel = client.post(f"/v1/contracts/{made[3]['id']}/cancel", headers=keys.headers("sales"),
                         json={"requested_on": "2027-05-20", "reason": "budget"})
    assert cancel.status_code == 200, cancel.text
    return [c["id"] for c in made]


def _run(client: TestClient, keys: Keys, day: date) -> None:
    response = client.post("/v1/renewal-runs", headers=keys.headers("scheduler"), json={"as_of": day.isoformat()})
    assert response.status_code == 201 and response.json()["errors"] == [], response.text


def _state(client: TestClient, keys: Keys, contract_id: str, day: date) -> dict[str, Any]:
    """What a contract is, without the ids, numbers and timestamps that tell two equal histories apart."""
    contract = client.get(f"/v1/contracts/{contract_id}?as_of={day.isoformat()}", headers=keys.headers("sales")).json()
    versions = client.get(f"/v1/contracts/{contract_id}/versions?limit=500", headers=keys.headers("sales")).json()["data"]
    renewal = None
    if contract["renewal_quote_id"]:
        quote = client.get(f"/v1/quotes/{contract['renewal_quote_id']}", headers=keys.headers("sales")).json()
        renewal = (quote["status"], quote["start_date"], [(ln["sku"], ln["quantity"], ln["net_unit_price"])
                                                          for ln in quote["lines"]])
    return {
        "status": contract["status"], "end_date": contract["end_date"], "next_due_on": contract["next_due_on"],
        "terms": [(t["term"], t["start_date"], t["end_date"], t["outcome"]) for t in contract["terms"]],
        "segments": [(s["sku"], s["quantity"], s["net_unit_price"], s["start_date"], s["end_date"])
                     for s in contract["segments"]],
        "versions": [(v["version"], v["kind"], v["effective_on"]) for v in versions], "renewal": renewal,
    }


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(end=ends, offsets=earlier)
def test_any_sequence_of_runs_ending_on_a_date_equals_one_run_on_it(
    client: TestClient, keys: Keys, session: Session, end: date, offsets: list[int]
) -> None:
    if client.get("/v1/products/TIX-PRO", headers=keys.headers("sales")).status_code != 200:
        seed_catalog(session)
    stepwise = _book(client, keys)
    for day in sorted({min(FIRST_RUN + timedelta(days=n), end) for n in offsets} | {end}):
        _run(client, keys, day)
    _run(client, keys, end)  # a second run on the same date changes nothing
    at_once = _book(client, keys)
    _run(client, keys, end)
    if end >= date(2027, 1, 15):  # the termed contract's first end has passed: the runs did something
        assert len(_state(client, keys, stepwise[0], end)["terms"]) >= 2
    for a, b in zip(stepwise, at_once, strict=True):
        for day in (end, end + timedelta(days=400)):
            assert _state(client, keys, a, day) == _state(client, keys, b, day)
