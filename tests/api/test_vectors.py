"""Every seat-addition vector of tests/data/seat-additions.json through the API: contract, then an amendment quote."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import Keys, contract_price, create_account, seed_catalog, signed_contract
from tests.vectors import seat_addition_vectors

FREQUENCY = {1: "monthly", 3: "quarterly", 6: "semiannual", 12: "annual"}
VECTORS = seat_addition_vectors()


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{v['contract_start']}+{v['effective_date']}" for v in VECTORS])
def test_a_seat_addition_is_priced_as_the_vector_says(
    client: TestClient, keys: Keys, session: Session, vector: dict[str, Any]
) -> None:
    seed_catalog(session)
    account = create_account(client, keys)
    contract_price(client, keys, account_id=account["id"], sku="TIX-PRO", unit_price=vector["net_unit_price"],
                   effective_from=vector["contract_start"])
    contract = signed_contract(
        client, keys, account_id=account["id"], start_date=vector["contract_start"],
        term_months=vector["term_months"], billing_frequency=FREQUENCY[vector["billing_period_months"]],
        proration_method=vector["proration_method"], lines=[{"sku": "TIX-PRO", "quantity": 10}],
    )
    response = client.post(f"/v1/contracts/{contract['id']}/amendments", headers=keys.headers("sales"), json={
        "effective_date": vector["effective_date"],
        "changes": [{"action": "add_quantity", "sku": "TIX-PRO", "quantity": vector["added_quantity"]}],
    })
    assert response.status_code == 201, response.text
    (line,) = response.json()["lines"]
    assert line["proration_fraction"] == vector["proration_fraction"]
    assert line["amount_due_now"] == vector["amount_due_now"]
    assert line["remaining_term_value"] == vector["remaining_term_value"]
    assert line["mrr_delta"] == vector["mrr_delta"]
