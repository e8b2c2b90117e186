"""Invoice line ids and incremental pulls: the same line has the same id on every call, and `updated_after`
returns the lines a later change made, and nothing else."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app import cli
from app.config import Settings
from tests.builders import (
    Keys,
    accepted_amendment,
    invoice_lines,
    renew_by_hand,
    set_today,
    signed_contract,
    walk_invoice_lines,
)
from tests.problems import assert_problem

TERM = "from=2026-01-01&to=2028-06-01&limit=500"
SEATS = {"action": "add_quantity", "sku": "TIX-PRO", "quantity": 5}


def book(client: TestClient, keys: Keys, account_id: str) -> dict[str, dict[str, Any]]:
    """Three contracts: monthly with four amendments (two alike, on one day), quarterly amended, annual renewed."""
    monthly = signed_contract(client, keys, account_id=account_id, mid_term_decrease="credit",
                              lines=[{"sku": "TIX-PRO", "quantity": 20}, {"sku": "ONBOARDING", "quantity": 1}])
    for effective, change in (("2026-03-20", SEATS), ("2026-03-20", SEATS),
                              ("2026-06-20", {"action": "swap", "from_sku": "TIX-PRO", "to_sku": "TIX-ENT"}),
                              ("2026-09-01", {"action": "add_product", "sku": "CRM-MOD", "quantity": 7})):
        accepted_amendment(client, keys, monthly["id"], effective, change)
    quarterly = signed_contract(client, keys, account_id=account_id, billing_frequency="quarterly",
                                start_date="2026-02-01")
    accepted_amendment(client, keys, quarterly["id"], "2026-05-10", SEATS)
    annual = signed_contract(client, keys, account_id=account_id, billing_frequency="annual")
    renew_by_hand(client, keys, annual["id"])
    return {"monthly": monthly, "quarterly": quarterly, "annual": annual}


def every_line(client: TestClient, keys: Keys, query: str) -> list[dict[str, Any]]:
    page = invoice_lines(client, keys, query)
    assert page["next_cursor"] is None
    data: list[dict[str, Any]] = page["data"]
    return data


def by_id(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["id"]: line for line in lines}


class TestStableIds:
    def test_ids_are_unique_in_a_large_answer_even_for_lines_alike(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        book(client, keys, theatre["id"])
        lines = every_line(client, keys, TERM)
        assert len(lines) > 25 and {ln["kind"] for ln in lines} == {"recurring", "proration", "credit", "one_time"}
        assert len({ln["id"] for ln in lines}) == len(lines)
        # The two amendments of 03-20 made two proration lines alike in all but their source and id.
        alike = Counter(tuple(v for k, v in ln.items() if k not in ("id", "quote_id", "updated_at")) for ln in lines)
        assert max(alike.values()) == 2

    def test_the_same_line_has_the_same_id_on_every_call_page_range_and_filter(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contracts = book(client, keys, theatre["id"])
        lines = every_line(client, keys, TERM)
        assert every_line(client, keys, TERM) == lines
        assert walk_invoice_lines(client, keys, "from=2026-01-01&to=2028-06-01&limit=1") == lines
        months = [f"2026-{m:02d}-01" for m in range(1, 13)] + ["2027-01-01", "2028-06-01"]
        by_month = [ln for start, end in pairwise(months)
                    for ln in every_line(client, keys, f"from={start}&to={end}&limit=500")]
        assert by_id(by_month) == by_id(lines)
        monthly = every_line(client, keys, f"{TERM}&contract_id={contracts['monthly']['id']}")
        assert monthly and by_id(monthly) == {i: ln for i, ln in by_id(lines).items()
                                              if ln["contract_id"] == contracts["monthly"]["id"]}
        assert by_id(every_line(client, keys, f"{TERM}&account_id={theatre['id']}")) == by_id(lines)

    def test_csv_ids_and_times_are_the_json_ones(self, client: TestClient, keys: Keys, theatre: dict[str, Any]) -> None:
        book(client, keys, theatre["id"])
        response = client.get("/v1/invoice-lines?from=2026-01-01&to=2028-06-01",
                              headers=keys.headers("finance", Accept="text/csv"))
        assert response.status_code == 200, response.text
        header, *_ = response.text.splitlines()
        assert header.endswith(",quote_id,id,updated_at")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        lines = every_line(client, keys, TERM)
        assert [r["id"] for r in rows] == [ln["id"] for ln in lines]
        assert [datetime.fromisoformat(r["updated_at"]) for r in rows] == [
            datetime.fromisoformat(ln["updated_at"]) for ln in lines]

    def test_the_id_is_the_md5_postgresql_computes_from_the_source_row(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], session: Session
    ) -> None:
        """What lets issue 11 generate the lines in SQL with the ids finance already stored."""
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("md5(text)::uuid is PostgreSQL's")
        book(client, keys, theatre["id"])
        expected = {str(row[0]) for row in session.execute(text(
            "SELECT md5(concat_ws('|', contract_id::text, id::text, kind, to_char(invoice_date, 'YYYY-MM-DD'), "
            "coalesce(to_char(period_start, 'YYYY-MM-DD'), ''), coalesce(to_char(period_end, 'YYYY-MM-DD'), '')"
            "))::uuid FROM prorated_charges"))}
        assert expected == {ln["id"] for ln in every_line(client, keys, TERM) if ln["kind"] in ("proration", "credit")}


class TestUpdatedAfter:
    def test_a_late_amendment_is_pulled_alone_after_the_last_time_seen(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any]
    ) -> None:
        contracts = book(client, keys, theatre["id"])
        before = every_line(client, keys, TERM)
        seen = max(ln["updated_at"] for ln in before)
        assert every_line(client, keys, f"{TERM}&updated_after={seen}") == []
        set_today(client, "2026-09-02")  # back-dated: its proration and catch-up are dated on acceptance
        late = accepted_amendment(client, keys, contracts["quarterly"]["id"], "2026-05-20", SEATS)
        after = every_line(client, keys, TERM)
        pulled = every_line(client, keys, f"{TERM}&updated_after={seen}")
        assert pulled and {ln["quote_id"] for ln in pulled} == {late["id"]}
        assert by_id(pulled) == {i: ln for i, ln in by_id(after).items() if i not in by_id(before)}
        assert {ln["invoice_date"] for ln in pulled if ln["kind"] == "proration"} == {"2026-09-02"}
        assert all(ln["updated_at"] > seen for ln in pulled)
        # Lines dated before the acceptance are as they were: billed on what was known then.
        assert [ln for ln in before if ln["invoice_date"] < "2026-09-02"] == [
            ln for ln in after if ln["invoice_date"] < "2026-09-02" and ln["quote_id"] != late["id"]]

    def test_the_command_pulls_the_same_lines_as_the_api(
        self, client: TestClient, keys: Keys, theatre: dict[str, Any], database_url: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        contracts = book(client, keys, theatre["id"])
        seen = max(ln["updated_at"] for ln in every_line(client, keys, TERM))
        set_today(client, "2026-09-02")
        accepted_amendment(client, keys, contracts["quarterly"]["id"], "2026-05-20", SEATS)
        monkeypatch.setattr(cli, "get_settings", lambda: Settings(database_url=database_url))
        runner = CliRunner()
        printed = runner.invoke(cli.app, ["invoice-lines", "--from", "2026-01-01", "--to", "2028-06-01",
                                          "--updated-after", seen])
        assert printed.exit_code == 0, printed.output
        pulled = every_line(client, keys, f"{TERM}&updated_after={seen}")
        assert [json.loads(row)["id"] for row in printed.stdout.splitlines()] == [ln["id"] for ln in pulled]
        naive = runner.invoke(cli.app, ["invoice-lines", "--from", "2026-01-01", "--to", "2028-06-01",
                                        "--updated-after", seen[:19]])
        assert naive.exit_code == 2 and "RFC 3339" in naive.output

    def test_an_offset_is_an_instant_like_any_other(self, client: TestClient, keys: Keys,
                                                    theatre: dict[str, Any]) -> None:
        signed_contract(client, keys, account_id=theatre["id"])
        seen = datetime.fromisoformat(every_line(client, keys, TERM)[0]["updated_at"])
        ahead = seen.astimezone(timezone(timedelta(hours=2))).isoformat()  # the same instant
        for instant, count in ((seen.replace(microsecond=0).isoformat(), 12), (seen.isoformat(), 0), (ahead, 0)):
            response = client.get("/v1/invoice-lines", headers=keys.headers("finance"), params={
                "from": "2026-01-01", "to": "2027-01-01", "updated_after": instant})
            assert response.status_code == 200, response.text
            assert len(response.json()["data"]) == count, instant

    @pytest.mark.parametrize("value", ["yesterday", "2026-12-04", "2026-12-04T09:30:00", "1764840600",
                                       "2026-13-04T09:30:00Z", "2026-12-04T09:30:00 01:00"])
    def test_a_value_that_is_no_rfc_3339_instant_is_a_422_at_the_parameter(
        self, client: TestClient, keys: Keys, value: str
    ) -> None:
        response = client.get("/v1/invoice-lines", headers=keys.headers("finance"), params={
            "from": "2026-01-01", "to": "2027-01-01", "updated_after": value})
        assert_problem(response, 422, loc=["query", "updated_after"])
