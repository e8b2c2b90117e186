"""Fixtures shared by the API tests."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import Keys, contract_price, create_account, seed_catalog


@pytest.fixture
def theatre(client: TestClient, keys: Keys, session: Session) -> dict[str, Any]:
    """docs/domain.md's customer, on the demo catalog: TIX-PRO contracted at 21.00 EUR (list 25.00; TIX-ENT 40.00)."""
    seed_catalog(session)
    account = create_account(client, keys)
    contract_price(client, keys, account_id=account["id"], sku="TIX-PRO", unit_price="21.00")
    return account
