"""Property: after any sequence of accepted amendments, reading the contract as of any date gives the
quantities a simple model of that history predicts."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.builders import Keys, accept, amend, create_account, finalize, seed_catalog, signed_contract

START, END = date(2026, 1, 15), date(2027, 1, 15)

#: (days after the previous change, signed change of seats) — the effective dates only move forward.
steps = st.lists(st.tuples(st.integers(min_value=0, max_value=90), st.integers(min_value=-15, max_value=15)
                           .filter(bool)), min_size=1, max_size=4)


def _quantity_on(history: list[tuple[date, int]], day: date) -> int:
    """The model: 20 seats from the start, each change holding from its effective date on."""
    return 20 + sum(delta for effective, delta in history if effective <= day)


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=steps)
def test_reading_as_of_any_date_agrees_with_the_history(
    client: TestClient, keys: Keys, session: Session, changes: list[tuple[int, int]]
) -> None:
    if client.get("/v1/products/TIX-PRO", headers=keys.headers("sales")).status_code != 200:
        seed_catalog(session)
    account = create_account(client, keys)
    contract = signed_contract(client, keys, account_id=account["id"], mid_term_decrease="credit")
    history: list[tuple[date, int]] = []
    effective = START
    for gap, delta in changes:
        effective += timedelta(days=gap)
        if effective >= END or _quantity_on(history, effective) + delta < 1:
            continue
        action = "add_quantity" if delta > 0 else "remove_quantity"
        quote = amend(client, keys, contract["id"], effective.isoformat(),
                      {"action": action, "sku": "TIX-PRO", "quantity": abs(delta)})
        accept(client, keys, finalize(client, keys, quote["id"]))
        history.append((effective, delta))
    days = {START, END - timedelta(days=1)} | {d for e, _ in history for d in (e - timedelta(days=1), e)}
    for day in sorted(d for d in days if START <= d < END):
        read = client.get(f"/v1/contracts/{contract['id']}?as_of={day.isoformat()}", headers=keys.headers("sales"))
        quantities = [s["quantity"] for s in read.json()["segments"] if s["sku"] == "TIX-PRO"]
        assert quantities == [_quantity_on(history, day)], (day, history, read.json()["segments"])
    assert read.json()["version"] == 1 + len(history)
