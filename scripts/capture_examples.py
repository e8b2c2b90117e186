"""Writes app/api/response_examples.json: a real answer of every operation, as the OpenAPI document shows it.

The answers come from a live server over the demo data (`schemathesis_run.demo_service`), driven through the
README's walkthroughs: an account with its CRM id, a quote finalized and accepted, an amendment, a renewal run,
a webhook endpoint, the finance figures. Examples are answers the service really gave, never written by hand,
so they cannot drift from what it does; tests/api/test_openapi_lint.py checks each against its schema. Run it
again when a response schema changes: `python scripts/capture_examples.py`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "app" / "api" / "response_examples.json"
#: A list's example keeps this many items: enough to show its shape.
LIST_ITEMS = 2
CSV = {"Accept": "text/csv"}


def _demo_service() -> Any:
    spec = importlib.util.spec_from_file_location("schemathesis_run", ROOT / "scripts" / "schemathesis_run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.demo_service


class Recorder:
    """Calls the API and keeps the first successful answer of each operation, per media type, and a problem per
    error status."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.examples: dict[str, dict[str, Any]] = {}
        self.problems: dict[str, Any] = {}

    def refused(self, status: int, method: str, path: str, **kwargs: Any) -> None:
        response = self.client.request(method, path, **kwargs)
        if response.status_code != status or response.headers["content-type"] != "application/problem+json":
            raise SystemExit(f"{method} {path} answered {response.status_code}, not a {status} problem: {response.text}")
        self.problems[str(status)] = response.json()

    def call(self, operation_id: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client.request(method, path, **kwargs)
        if not response.is_success:
            raise SystemExit(f"{operation_id}: {method} {path} answered {response.status_code}: {response.text}")
        media_type = response.headers.get("content-type", "").split(";")[0]
        if response.status_code != 204 and media_type != "application/pdf":
            self.examples.setdefault(operation_id, {}).setdefault(media_type, _trimmed(response))
        return response

    def json(self, operation_id: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(operation_id, method, path, **kwargs).json()


def _trimmed(response: httpx.Response) -> Any:
    if not response.headers["content-type"].startswith("application/json"):
        return "\n".join(response.text.splitlines()[:1 + LIST_ITEMS]) + "\n"
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        body = {**body, "data": body["data"][:LIST_ITEMS]}
    return body


def walkthrough(api: Recorder) -> None:
    """One call (at least) of every operation, in an order where each has something to show."""
    api.call("get_health", "GET", "/health")
    api.call("get_metrics", "GET", "/metrics")
    api.json("create_product", "POST", "/v1/products", json={
        "sku": "TIX-PLUS", "name": "Ticketing Plus", "family": "ticketing", "kind": "plan", "unit": "seat",
        "tier_rank": 4})
    api.json("update_product", "PATCH", "/v1/products/TIX-PLUS", json={"name": "Ticketing Plus (2027)"})
    api.json("list_products", "GET", "/v1/products")
    api.json("get_product", "GET", "/v1/products/TIX-PRO")
    api.json("create_price_book_entry", "POST", "/v1/price-book-entries", json={
        "sku": "TIX-PLUS", "currency": "EUR", "pricing_model": "per_unit", "unit_price": "55.00",
        "effective_from": "2026-01-01"})
    api.json("list_price_book_entries", "GET", "/v1/price-book-entries", params={"sku": "TIX-PRO"})
    api.json("create_discount_schedule", "POST", "/v1/discount-schedules", json={
        "sku": "TIX-PLUS", "type": "volume", "bands": [{"from": 1, "discount_percent": "0"},
                                                        {"from": 50, "discount_percent": "10"}]})
    api.json("list_discount_schedules", "GET", "/v1/discount-schedules")

    account = api.json("create_account", "POST", "/v1/accounts", json={
        "name": "Opéra de Lyon", "currency": "EUR", "locale": "fr", "billing_email": "compta@opera.example",
        "legal_name": "Opéra National de Lyon", "tax_id": "FR60823456781",
        "billing_address": {"street": "1 place de la Comédie", "postal_code": "69001", "city": "Lyon",
                            "country": "FR"},
        "external_id": "0015g00000XyZ1", "metadata": {"crm_id": "0015g00000XyZ1"}})["id"]
    api.json("update_account", "PATCH", f"/v1/accounts/{account}", json={"billing_email": "factures@opera.example"})
    api.json("list_accounts", "GET", "/v1/accounts", params={"metadata[crm_id]": "0015g00000XyZ1"})
    api.json("get_account", "GET", f"/v1/accounts/{account}")
    api.json("create_contracted_price", "POST", f"/v1/accounts/{account}/contracted-prices", json={
        "sku": "TIX-PRO", "unit_price": "21.00", "effective_from": "2026-01-01"})
    api.json("list_contracted_prices", "GET", f"/v1/accounts/{account}/contracted-prices")
    _quotes(api, account)
    _contracts(api)
    _operations(api)
    _problems(api, account)


def _quotes(api: Recorder, account: str) -> None:
    lines = [{"sku": "TIX-PRO", "quantity": 20}, {"sku": "MKT-SMS", "quantity": 1}]
    quote = api.json("create_quote", "POST", "/v1/quotes", json={
        "account_id": account, "start_date": "2026-12-15", "term_months": 12, "billing_frequency": "monthly",
        "lines": lines, "metadata": {"opportunity": "006A000000Lx9"}})
    api.json("update_quote", "PATCH", f"/v1/quotes/{quote['id']}",
             headers={"If-Match": f'"{quote["version"]}"'}, json={"lines": [
                 {"sku": "TIX-PRO", "quantity": 25, "discount_percent": "5"}, lines[1]]})
    api.json("list_quotes", "GET", "/v1/quotes", params={"account_id": account})
    api.json("get_quote", "GET", f"/v1/quotes/{quote['id']}")
    api.json("get_quote_by_number", "GET", f"/v1/quotes/by-number/{quote['number']}")
    api.json("finalize_quote", "POST", f"/v1/quotes/{quote['id']}/finalize")
    pdf = api.call("download_quote_document", "GET", f"/v1/quotes/{quote['id']}/document").content
    api.json("accept_quote", "POST", f"/v1/quotes/{quote['id']}/accept", json={
        "signer_name": "Anne Martin", "signer_email": "anne@opera.example",
        "document_sha256": hashlib.sha256(pdf).hexdigest()})
    api.json("get_quote_acceptance", "GET", f"/v1/quotes/{quote['id']}/acceptance")

    large = api.json("create_quote", "POST", "/v1/quotes", json={
        "account_id": account, "start_date": "2026-12-15", "term_months": 12, "billing_frequency": "monthly",
        "lines": [{"sku": "TIX-PRO", "quantity": 20, "discount_percent": "30"}]})
    api.json("approve_quote", "POST", f"/v1/quotes/{large['id']}/approve")
    declined = api.json("create_quote", "POST", "/v1/quotes", json={
        "account_id": account, "start_date": "2026-12-15", "term_months": 12, "lines": lines})
    api.call("finalize_quote", "POST", f"/v1/quotes/{declined['id']}/finalize")
    api.json("decline_quote", "POST", f"/v1/quotes/{declined['id']}/decline",
             json={"reason": "budget moved to next year"})
    api.json("cancel_quote", "POST", f"/v1/quotes/{large['id']}/cancel", json={"reason": "replaced by a new quote"})


def _contracts(api: Recorder) -> None:
    contracts = api.json("list_contracts", "GET", "/v1/contracts")["data"]
    first = next(c for c in contracts if c["number"] == "C-2026-000001")
    api.json("get_contract", "GET", f"/v1/contracts/{first['id']}")
    api.json("get_contract_by_number", "GET", "/v1/contracts/by-number/C-2026-000001")
    api.json("list_contract_versions", "GET", f"/v1/contracts/{first['id']}/versions")
    api.json("update_contract", "PATCH", f"/v1/contracts/{first['id']}",
             headers={"If-Match": f'"{first["version"]}"'},
             json={"renewal": {"pricing": "uplift", "uplift_percent": "3"}})
    api.json("create_amendment", "POST", f"/v1/contracts/{first['id']}/amendments", json={
        "effective_date": "2026-12-15", "changes": [{"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5}]})
    api.json("create_renewal_quote", "POST", f"/v1/contracts/{first['id']}/renewal-quote")
    second = next(c for c in contracts if c["number"] == "C-2026-000002")
    api.json("cancel_contract", "POST", f"/v1/contracts/{second['id']}/cancel", json={
        "requested_on": "2026-12-02", "reason": "moving to another vendor"})


def _operations(api: Recorder) -> None:
    api.json("run_renewals", "POST", "/v1/renewal-runs", json={"as_of": "2026-12-31", "dry_run": True})
    run = api.json("run_renewals", "POST", "/v1/renewal-runs", json={"as_of": "2026-12-02"})  # a dry run is not kept
    api.json("list_renewal_runs", "GET", "/v1/renewal-runs")
    api.json("get_renewal_run", "GET", f"/v1/renewal-runs/{run['id']}")
    month = {"from": "2026-12-01", "to": "2027-01-01"}
    api.json("list_invoice_lines", "GET", "/v1/invoice-lines", params=month)
    api.call("list_invoice_lines", "GET", "/v1/invoice-lines", params=month, headers=CSV)
    api.json("list_events", "GET", "/v1/events")
    for media in ({}, CSV):
        api.call("get_mrr", "GET", "/v1/metrics/mrr", params={"as_of": "2026-12-02"}, headers=media)
        api.call("get_mrr_movements", "GET", "/v1/metrics/movements", headers=media,
                 params={"from": "2026-06-01", "to": "2026-12-02"})
    key = api.json("create_api_key", "POST", "/v1/api-keys", json={"role": "sales", "name": "CRM integration"})
    api.json("list_api_keys", "GET", "/v1/api-keys")
    api.call("revoke_api_key", "DELETE", f"/v1/api-keys/{key['id']}")
    endpoint = api.json("create_webhook_endpoint", "POST", "/v1/webhook-endpoints", json={
        "url": "https://hooks.example.com/cpq", "event_types": ["contract.created"], "description": "ERP billing sync"})
    api.json("list_webhook_endpoints", "GET", "/v1/webhook-endpoints")
    api.json("get_webhook_endpoint", "GET", f"/v1/webhook-endpoints/{endpoint['id']}")
    _a_delivery(api, endpoint["id"])
    api.call("delete_webhook_endpoint", "DELETE", f"/v1/webhook-endpoints/{endpoint['id']}")


def _a_delivery(api: Recorder, endpoint: str) -> None:
    """A contract event for the endpoint to be delivered (the worker records it), its list and a replay."""
    account = api.json("create_account", "POST", "/v1/accounts", json={
        "name": "Salle Pleyel", "currency": "EUR", "locale": "fr", "billing_email": "compta@pleyel.example"})["id"]
    quote = api.json("create_quote", "POST", "/v1/quotes", json={
        "account_id": account, "start_date": "2026-12-15", "term_months": 12,
        "lines": [{"sku": "TIX-PRO", "quantity": 5}]})
    api.call("finalize_quote", "POST", f"/v1/quotes/{quote['id']}/finalize")
    pdf = api.call("download_quote_document", "GET", f"/v1/quotes/{quote['id']}/document").content
    api.call("accept_quote", "POST", f"/v1/quotes/{quote['id']}/accept", json={
        "signer_name": "Paul Durand", "signer_email": "paul@pleyel.example",
        "document_sha256": hashlib.sha256(pdf).hexdigest()})
    path = f"/v1/webhook-endpoints/{endpoint}/deliveries"
    for _ in range(100):  # the worker beside `cpq serve` fans committed events out every few tenths of a second
        if (deliveries := api.client.get(path).json())["data"]:
            break
        time.sleep(0.1)
    else:
        raise SystemExit("no delivery was recorded for the new contract")
    api.json("list_webhook_deliveries", "GET", path)
    api.json("replay_webhook_delivery", "POST",
             f"/v1/webhook-endpoints/{endpoint}/deliveries/{deliveries['data'][0]['id']}/replay")


def _problems(api: Recorder, account: str) -> None:
    """An answer of each error status a caller can cause (500 and 503 are the service's own)."""
    contract = api.client.get("/v1/contracts/by-number/C-2026-000001")
    path, version, change = f"/v1/contracts/{contract.json()['id']}", contract.headers["ETag"], {"metadata": {}}
    api.refused(400, "PATCH", path, headers={"If-Match": "v1"}, json=change)
    api.refused(401, "GET", "/v1/quotes", headers={"Authorization": "Bearer cpq_not-a-key"})
    sales = api.json("create_api_key", "POST", "/v1/api-keys", json={"role": "sales", "name": "examples"})
    api.refused(403, "GET", "/v1/api-keys", headers={"Authorization": f"Bearer {sales['key']}"})
    api.refused(404, "GET", "/v1/quotes/01930a6e-1c2b-7d4e-8f00-00000000dead")
    api.refused(409, "POST", "/v1/accounts", json={
        "name": "Opéra (copy)", "currency": "EUR", "locale": "fr", "billing_email": "compta@opera.example",
        "external_id": "0015g00000XyZ1"})
    api.refused(412, "PATCH", path, headers={"If-Match": f'"{int(version.strip(chr(34))) + 1}"'}, json=change)
    api.refused(413, "POST", "/v1/accounts", content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                headers={"Content-Type": "application/json"})
    api.refused(422, "POST", "/v1/quotes", json={
        "account_id": account, "start_date": "2026-12-15", "term_months": 0,
        "lines": [{"sku": "TIX-PRO", "quantity": -1, "discount_percent": 1.5}]})


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cpq-examples-") as scratch, \
            _demo_service()(Path(scratch)) as (base_url, key), \
            httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        recorder = Recorder(client)
        walkthrough(recorder)
    captured = {"responses": recorder.examples, "problems": recorder.problems}
    TARGET.write_text(json.dumps(captured, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(recorder.examples)} operations' and {len(recorder.problems)} problems' examples written to "
          f"{TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
