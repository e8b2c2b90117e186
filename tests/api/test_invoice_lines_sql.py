"""The recurring lines PostgreSQL computes (`app.db.repositories.billing_sql`) are, line for line, the ones the
Python expansion (`app.domain.invoicing.recurring_lines`, the reference) makes from the same rows: on random
histories (sales on month ends and leap days at every billing frequency, amendments of every kind, some
accepted after their effective date, renewals with uplift, expiries, cancellations), for random date ranges
and filters. The CSV path, which prints the database's text as it comes, prints what the reference's lines print.
PostgreSQL only: elsewhere there is nothing to compare (SQLite bills in Python)."""

from __future__ import annotations

import random
from contextlib import closing
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.api.finance.schemas import InvoiceLinePageOut
from app.db.models import Contract, SubscriptionSegment
from app.db.repositories import billing_sql
from app.db.repositories.billing import Scope
from app.db.session import reading
from app.domain import money
from app.domain.periods import FREQUENCY_MONTHS, MIN_DATE, add_months
from app.services import catalog
from app.services.auth import OPERATOR
from app.services.billing import (
    InvoiceLinePage,
    InvoiceLineView,
    _text_fields,
    csv_row,
    python_lines_in,
    sql_lines_in,
    stream_csv_rows,
    totals,
)
from tests.api.test_metrics_property import _amend, _day, _post, _sign
from tests.builders import Keys, create_account, seed_catalog, set_today

PLANS = ("TIX-STARTER", "TIX-PRO", "TIX-ENT")
ADDONS = ("CRM-MOD", "MKT-SMS")
FREQUENCIES = ("monthly", "quarterly", "semiannual", "annual")
#: Anchors where clamping matters: month ends, the day before, a leap day (and its year's 02-28).
MONTH_ENDS = (date(2026, 1, 31), date(2026, 1, 30), date(2026, 1, 29), date(2026, 3, 31), date(2026, 5, 31),
              date(2026, 8, 31), date(2026, 12, 31), date(2027, 2, 28), date(2028, 2, 29), date(2028, 1, 31))
FIRST = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _postgresql_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the SQL path of invoice lines is PostgreSQL's (SQLite bills in Python)")


def _sale(client: TestClient, keys: Keys, rng: random.Random, account_id: str,
          start: date | None = None) -> dict[str, Any] | None:
    if start is None:
        start = rng.choice(MONTH_ENDS) if rng.random() < 0.6 else _day(rng, FIRST, 400)
    set_today(client, (start - timedelta(days=rng.choice([1, 5, 20]))).isoformat())
    lines = [{"sku": rng.choice(PLANS), "quantity": rng.randrange(3, 40)}]
    lines += [{"sku": sku, "quantity": rng.randrange(1, 8)} for sku in ADDONS if rng.random() < 0.5]
    for line in lines:  # odd discounts: unit prices with more digits than cents, amounts that round
        line["discount_percent"] = rng.choice([None, "5", "12.5", "3.3333", "7.77"])
    pricing = rng.choice(["same", "list", "uplift"])
    body = {"account_id": account_id, "start_date": start.isoformat(),
            "term_months": rng.choice([12, 12, 6, 24, None]), "billing_frequency": rng.choice(FREQUENCIES),
            "mid_term_decrease": rng.choice(["credit", "at_renewal"]), "lines": lines,
            "renewal": {"auto_renew": rng.random() < 0.7, "pricing": pricing,
                        "uplift_percent": rng.choice(["5", "3.5"]) if pricing == "uplift" else None}}
    signed = _sign(client, keys, _post(client, keys, "/v1/quotes", body))
    return None if signed is None else {**signed["contract"], "start": start, "billing_frequency": body["billing_frequency"]}


def _yen_prices(session: Session) -> None:
    """The demo catalog has no JPY prices: odd ones for the products the histories sell."""
    for sku, price in zip((*PLANS, *ADDONS), ("1333", "2777", "4449", "889", "5393"), strict=True):
        catalog.create_price_entry(session, caller=OPERATOR, sku=sku, currency="JPY", pricing_model="per_unit",
                                   effective_from=FIRST, effective_to=None, unit_price=Decimal(price), tiers=[])


def _history(client: TestClient, keys: Keys, rng: random.Random) -> None:
    """Three accounts (EUR, USD, JPY), two or three contracts each, then amendments (many accepted days or weeks
    after their effective date, many on period starts), cancellations and renewal runs over two and a half years,
    in date order of acceptance."""
    contracts = []
    for index, currency in enumerate(("EUR", "USD", "JPY")):
        account = create_account(client, keys, name=f"Account {index}", currency=currency)
        for _ in range(rng.choice([2, 3])):
            contract = _sale(client, keys, rng, account["id"])
            if contract is not None:
                contracts.append(contract)
    leap = _sale(client, keys, rng, account["id"], start=date(2028, 2, 29))  # anchored on a leap day
    assert leap is not None
    contracts.append(leap)
    timeline: list[tuple[date, str, dict[str, Any] | None, date | None]] = []
    for c in contracts:
        for _ in range(6):
            accepted_on, effective_on = _amendment_days(rng, c)
            timeline.append((accepted_on, "amend", c, effective_on))
    timeline += [(_day(rng, c["start"] + timedelta(days=30), 600), "cancel", c, None) for c in contracts
                 if rng.random() < 0.3]
    timeline += [(_day(rng, date(2026, 6, 1), 900), "run", None, None) for _ in range(8)]
    for day, kind, contract, effective in sorted(timeline, key=lambda event: (event[0], event[1])):
        set_today(client, day.isoformat())
        if kind == "run":
            assert _post(client, keys, "/v1/renewal-runs", {"as_of": day.isoformat()}) is not None
        elif kind == "cancel" and contract is not None:
            _post(client, keys, f"/v1/contracts/{contract['id']}/cancel", {"requested_on": day.isoformat()})
        elif contract is not None and effective is not None and effective > contract["start"]:
            _amend(client, keys, rng, contract, effective)  # accepted on `day`


def _amendment_days(rng: random.Random, contract: dict[str, Any]) -> tuple[date, date]:
    """(acceptance, effective date) of an amendment: any day, or, where a `>` against a `>=` in the billing rule
    shows, effective on a period start, or back-dated across one and accepted on the next."""
    months = FREQUENCY_MONTHS[contract["billing_frequency"]]
    boundary = add_months(contract["start"], months * rng.randrange(1, 24 // months + 1))
    choice = rng.randrange(4)
    if choice == 0:
        return boundary + timedelta(days=rng.choice([0, 0, 9])), boundary
    if choice == 1:
        return boundary, boundary - timedelta(days=rng.choice([3, 17, 45]))
    accepted = _day(rng, contract["start"] + timedelta(days=1), 700)
    return accepted, accepted - timedelta(days=rng.choice([0, 0, 3, 17, 45]))


def _both(session: Session, scope: Scope) -> tuple[list[InvoiceLineView], list[InvoiceLineView]]:
    with reading(session):
        return list(sql_lines_in(session, scope)), list(python_lines_in(session, scope))


def _assert_same(sql: list[InvoiceLineView], reference: list[InvoiceLineView], scope: Scope) -> None:
    """Equal line for line: every field equal and of the same type, printed alike (Decimal places too)."""
    for index, (got, want) in enumerate(zip(sql, reference, strict=False)):
        assert (got == want and csv_row(got) == csv_row(want)
                and [type(v) for v in vars(got).values()] == [type(v) for v in vars(want).values()]), (
            scope, index, got, want)
    assert len(sql) == len(reference), (scope, len(sql), len(reference))


@pytest.mark.parametrize("seed", [11, 2028])
def test_sql_lines_are_the_python_reference_on_random_histories(
    client: TestClient, keys: Keys, session: Session, seed: int
) -> None:
    seed_catalog(session)
    _yen_prices(session)
    rng = random.Random(seed)
    _history(client, keys, rng)
    segments = session.scalars(select(SubscriptionSegment)).all()
    contracts = session.scalars(select(Contract)).all()
    # Not vacuous: what the predicates and the clamping are about is in the data.
    assert {"sale", "amendment", "renewal"} <= {s.origin for s in segments}, {s.origin for s in segments}
    assert {"amendment", "cancellation"} & {s.closed_by for s in segments}
    assert any(s.recorded_on is not None and s.recorded_on > s.start_date for s in segments)  # back-dated
    assert any(c.billing_anchor.day >= 29 for c in contracts if c.billing_anchor.month != 2)
    assert date(2028, 2, 29) in {c.billing_anchor for c in contracts}
    assert len({c.billing_frequency for c in contracts}) >= 3
    session.rollback()

    ranges = [(MIN_DATE, date(2030, 1, 1)), (date(2026, 2, 28), date(2026, 3, 1)), (date(2028, 2, 29),
                                                                                    date(2028, 3, 1))]
    for _ in range(8):
        start = _day(rng, date(2025, 12, 1), 1000)
        ranges.append((start, start + timedelta(days=rng.choice([1, 28, 31, 92, rng.randrange(1, 700)]))))
    every = 0
    for start, end in ranges:
        sql, reference = _both(session, Scope(start, end))
        _assert_same(sql, reference, Scope(start, end))
        assert list(stream_csv_rows(session, start=start, end=end)) == list(map(csv_row, reference))
        every += len(sql)
    assert every > 100, every

    everything, _ = _both(session, Scope(MIN_DATE, date(2030, 1, 1)))
    recurring = [ln for ln in everything if ln.kind == "recurring"]
    assert len(recurring) < len(everything)  # charges too, which the CSV path merges into the database's rows
    assert {ln.currency for ln in recurring} == {"EUR", "USD", "JPY"}
    assert any(ln.period_start and ln.period_end and ln.period_start.day != ln.period_end.day
               for ln in recurring)  # a clamped month end
    assert any(ln.unit_price != ln.unit_price.quantize(Decimal("0.01")) for ln in recurring)
    # Filters and increments select the same lines on both paths.
    account, contract = rng.choice(everything).account_id, rng.choice(everything).contract_id
    middle = sorted({ln.contract_id for ln in everything})[len({ln.contract_id for ln in everything}) // 2]
    instants = sorted(ln.updated_at for ln in everything)
    after = instants[len(instants) // 2].astimezone(UTC)
    for scope in (Scope(FIRST, date(2028, 6, 1), account_id=account),
                  Scope(FIRST, date(2028, 6, 1), contract_id=contract),
                  Scope(FIRST, date(2028, 6, 1), resume_at=middle),
                  Scope(FIRST, date(2028, 6, 1), account_ids=frozenset({account})),
                  Scope(FIRST, date(2028, 6, 1), updated_after=after)):
        sql, reference = _both(session, scope)
        assert reference, scope
        _assert_same(sql, reference, scope)
        if scope.resume_at is None and scope.account_ids is None:  # the CSV's filters
            text_rows = stream_csv_rows(session, start=scope.start, end=scope.end, contract_id=scope.contract_id,
                                        account_id=scope.account_id, updated_after=scope.updated_after)
            assert list(text_rows) == list(map(csv_row, reference)), scope
    # The JSON pages, read directly on the database (its first lines after the cursor, its sums), walk the
    # reference's lines in order with the reference's totals, whatever the page size and filters.
    for limit in (1, 7, 500):
        _assert_pages_walk(client, keys, everything, limit, Scope(MIN_DATE, date(2030, 1, 1)))
    for scope in (Scope(FIRST, date(2028, 6, 1), account_id=account),
                  Scope(FIRST, date(2028, 6, 1), contract_id=contract),
                  Scope(FIRST, date(2028, 6, 1), updated_after=after)):
        _assert_pages_walk(client, keys, _both(session, scope)[1], rng.choice([2, 3, 10]), scope)


def _assert_pages_walk(client: TestClient, keys: Keys, reference: list[InvoiceLineView], limit: int,
                       scope: Scope) -> None:
    """Every page of `GET /v1/invoice-lines` for `scope`, `limit` lines at a time: the reference's lines in
    order, each page with the reference's totals, and a cursor exactly when lines remain."""
    query: dict[str, Any] = {"from": scope.start.isoformat(), "to": scope.end.isoformat(), "limit": limit}
    query |= {name: str(value) for name in ("contract_id", "account_id") if (value := getattr(scope, name))}
    if scope.updated_after is not None:
        query["updated_after"] = scope.updated_after.isoformat()
    expected = InvoiceLinePageOut.model_validate(InvoiceLinePage(reference, None, totals(reference))).model_dump(
        mode="json")
    walked: list[dict[str, Any]] = []
    while True:
        page = client.get("/v1/invoice-lines", params=query, headers=keys.headers("finance")).json()
        assert page["totals"] == expected["totals"], (scope, len(walked))
        walked += page["data"]
        assert len(page["data"]) == (limit if page["next_cursor"] else len(page["data"])), page
        if page["next_cursor"] is None:
            break
        query["cursor"] = page["next_cursor"]
    assert walked == expected["data"], (scope, limit)


def test_postgresql_date_arithmetic_clamps_month_ends_like_the_domain(session: Session) -> None:
    """anchor + n months in PostgreSQL (what the SQL bills on) is `periods.add_months`, leap days included."""
    anchors = [date(y, m, d) for y in (2026, 2027, 2028) for m in (1, 2, 3, 5, 8, 12) for d in (1, 15, 28, 29, 30, 31)
               if d <= (29 if m == 2 and y == 2028 else 28 if m == 2 else 31)]
    rows = session.execute(text(
        "SELECT a, n, (a + make_interval(months => n))::date FROM unnest(CAST(:anchors AS date[])) AS a, "
        "generate_series(0, 60) AS n"), {"anchors": anchors}).all()
    assert len(rows) == len(anchors) * 61
    assert [(a, n, add_months(a, n)) for a, n, _ in rows] == [tuple(row) for row in rows]
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2028, 2, 29), 48) == date(2032, 2, 29)


def test_postgresql_rounding_is_the_domain_s_half_up(session: Session) -> None:
    """round(numeric, n) is `money.round_amount` (decimal's ROUND_HALF_UP: ties away from zero) on ties, both
    signs, both precisions."""
    values = [Decimal(v) for v in ("0.005", "0.015", "2.675", "1.0049999", "12.345", "-0.005", "-2.675", "0.5",
                                   "1.5", "2.5", "-2.5", "79.333333", "1234567.125")]
    for currency in ("EUR", "JPY"):
        digits = money.MINOR_UNITS[currency]
        rounded = session.execute(text("SELECT round(v, :d) FROM unnest(CAST(:values AS numeric[])) AS v"),
                                  {"values": values, "d": digits}).scalars().all()
        expected = [money.round_amount(v, currency) for v in values]
        assert rounded == expected
        # Printed alike too, but for the sign of a zero (-0.005 → "-0" in Python, "0" in PostgreSQL): that needs
        # a negative price, which pricing refuses (net unit prices are ≥ 0, quantities ≥ 1).
        assert [str(r) for r in rounded] == [str(abs(e)) if e.is_zero() else str(e) for e in expected]


def test_a_month_end_anchor_bills_clamped_periods(client: TestClient, keys: Keys, session: Session) -> None:
    """A contract anchored on 01-31 bills on 02-28, 03-31…, on both paths; an increment sees what was recorded after."""
    seed_catalog(session)
    set_today(client, "2026-01-01")
    account = create_account(client, keys)
    contract = _sign(client, keys, _post(client, keys, "/v1/quotes", {
        "account_id": account["id"], "start_date": "2026-01-31", "term_months": 12, "billing_frequency": "monthly",
        "lines": [{"sku": "TIX-PRO", "quantity": 7}]}))
    assert contract is not None
    scope = Scope(FIRST, date(2027, 3, 1))
    with reading(session):
        sql_text, params = billing_sql.statement(scope)
        driver = session.connection().connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            cursor.execute(sql_text, params)  # the rows are the view's fields in order: the view is made from them
            assert cursor.description is not None
            assert tuple(c.name for c in cursor.description) == billing_sql.COLUMNS == tuple(
                f.name for f in fields(InvoiceLineView))
        jit = session.execute(text("SHOW jit")).scalar_one()
        with closing(sql_lines_in(session, scope)) as lines:  # a reader that stops early (a page) …
            first = next(lines)
        # … leaves the transaction usable and `jit` as it was
        assert session.execute(text("SHOW jit")).scalar_one() == jit
        with closing(sql_lines_in(session, scope)) as again:
            assert next(again) == first
    sql, reference = _both(session, scope)
    _assert_same(sql, reference, scope)
    assert [str(ln.period_start) for ln in sql][:3] == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert len(sql) == 12 and sql[-1].period_end == date(2027, 1, 31)
    for limit in (1, 5, 12):  # recurring lines only: the page's last line and the next come from the database alone
        _assert_pages_walk(client, keys, reference, limit, scope)
    recorded = datetime.now(UTC) + timedelta(days=1)
    with session.begin():  # a segment known only later: the Python path and SQL both drop it from increments
        session.execute(text("UPDATE subscription_segments SET created_at = :t"), {"t": recorded})
    sql, reference = _both(session, Scope(FIRST, date(2027, 3, 1), updated_after=datetime.now(UTC)))
    assert len(sql) == len(reference) == 12


@pytest.mark.parametrize("microsecond", [0, 500_000, 120, 123_456, 999_999])
def test_recording_times_as_postgresql_writes_them_print_as_isoformat(session: Session, microsecond: int) -> None:
    """The CSV path prints `updated_at` from PostgreSQL's text, which drops trailing zeros of the fraction."""
    instant = datetime(2026, 1, 31, 9, 5, 7, microsecond, tzinfo=UTC)
    written = session.execute(text("SELECT set_config('TimeZone', 'UTC', true), CAST(:at AS timestamptz)::text"),
                              {"at": instant}).one()[1]
    row = ("id", *("x",) * 13, written)
    assert _text_fields(row)[-1] == instant.isoformat(), written
