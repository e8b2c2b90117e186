"""Examples, by operation id: a request example for each POST and PATCH body (what /docs pre-fills, what
generated clients' docs show, what Schemathesis' examples phase sends first), and a response example for each
answer with a body. Request values follow the README walkthrough and the demo catalog (`cpq demo`); responses
are real answers, captured from a live server by scripts/capture_examples.py into response_examples.json.
tests/api/test_openapi_lint.py checks each against its schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.api.openapi_problems import PROBLEM

RESPONSES = Path(__file__).with_name("response_examples.json")

ACCOUNT_ID = "01930a6e-1c2b-7d4e-8f00-000000000001"
ADDRESS = {"street": "1 place de la Comédie", "postal_code": "69001", "city": "Lyon", "country": "FR"}
SIGNED = "9f2c4d1e6b8a7f3e5d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e"

EXAMPLES: dict[str, dict[str, Any]] = {
    "create_product": {"sku": "TIX-PLUS", "name": "Ticketing Plus", "family": "ticketing", "kind": "plan",
                       "unit": "seat", "tier_rank": 2},
    "update_product": {"name": "Ticketing Plus (2027)", "active": True},
    "create_price_book_entry": {"sku": "TIX-PRO", "currency": "EUR", "pricing_model": "per_unit",
                                "unit_price": "25.00", "effective_from": "2027-01-01"},
    "create_discount_schedule": {"sku": "TIX-PRO", "type": "volume", "bands": [
        {"from": 1, "discount_percent": "0"}, {"from": 50, "discount_percent": "10"}]},
    "create_account": {"name": "Opéra de Lyon", "currency": "EUR", "locale": "fr",
                       "billing_email": "compta@opera.example", "legal_name": "Opéra National de Lyon",
                       "tax_id": "FR60823456781", "billing_address": ADDRESS},
    "update_account": {"billing_email": "factures@opera.example"},
    "create_contracted_price": {"sku": "TIX-PRO", "unit_price": "21.00", "effective_from": "2026-01-01"},
    "create_quote": {"account_id": ACCOUNT_ID, "start_date": "2026-01-15", "term_months": 12,
                     "billing_frequency": "monthly",
                     "lines": [{"sku": "TIX-PRO", "quantity": 20}, {"sku": "MKT-SMS", "quantity": 1}]},
    "update_quote": {"lines": [{"sku": "TIX-PRO", "quantity": 25, "discount_percent": "5"}]},
    "accept_quote": {"signer_name": "Anne Martin", "signer_email": "anne@opera.example", "document_sha256": SIGNED},
    "decline_quote": {"reason": "budget moved to next year"},
    "cancel_quote": {"reason": "replaced by a new quote"},
    "update_contract": {"renewal": {"pricing": "uplift", "uplift_percent": "3"}},
    "create_amendment": {"effective_date": "2026-04-01",
                         "changes": [{"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5}]},
    "cancel_contract": {"requested_on": "2026-06-01", "reason": "moving to another vendor"},
    "run_renewals": {"as_of": "2026-12-31", "dry_run": True},
    "create_api_key": {"role": "sales", "name": "CRM integration"},
    "create_webhook_endpoint": {"url": "https://hooks.example.com/cpq", "event_types": ["contract.created"],
                                "description": "ERP billing sync"},
}


def add_examples(schema: dict[str, Any]) -> None:
    """Puts each example on its operation's JSON request body, on its successful answer's media types, and a
    problem of the status on each error answer (its shape; the `code` differs by operation)."""
    captured = json.loads(RESPONSES.read_text())
    responses: dict[str, dict[str, Any]] = captured["responses"]
    problems: dict[str, Any] = captured["problems"]
    for item in schema["paths"].values():
        for operation in item.values():
            example = EXAMPLES.get(operation["operationId"])
            if example is not None:
                operation["requestBody"]["content"]["application/json"]["example"] = example
            answered = responses.get(operation["operationId"], {})
            for status, response in operation["responses"].items():
                for media_type, content in response.get("content", {}).items():
                    if status.startswith("2") and media_type in answered:
                        content["example"] = answered[media_type]
                    elif media_type == PROBLEM and status in problems:
                        content["example"] = problems[status]
