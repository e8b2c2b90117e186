"""`cpq demo --history`'s scripted year, read back through the metrics API and checked against a hand calculation.

DOMAIN (Finance): a segment's MRR is its net unit price × quantity (prices are per unit per month, whatever the
billing frequency), rounded half-up to the cent once; an account's MRR on a day is the sum of the segments in
force that day. A change effective on day d counts in every window (from, to] that contains d.

Before the year, as the demo loads it (MRR on 2026-06-01):
  EUR Théâtre du Rhône   20 × TIX-PRO 21.00 (contracted)                                   = 420.00
  EUR Konzerthaus Nord   20 × TIX-PRO 21.00 (contracted; billed annually, MRR is monthly)   = 420.00  → EUR 840.00
  PLN Filharmonia        10 × TIX-STARTER 52.00 = 520.00; 5000 contacts, graduated:
                         1000 × 0.20 + 4000 × 0.12 = 680.00; onboarding is one-time (no MRR) = 1200.00 → PLN 1200.00
  USD Riverside Arena    15 × TIX-ENT 44.00 = 660.00; 15 × CRM-MOD 9.00 × 0.90 = 121.50     = 781.50  → USD 781.50

The steps (app/services/demo_history.py, STEPS):
  1. 2026-07-15 Théâtre +5 TIX-PRO: 5 × 21.00 = +105.00 seat expansion                     Théâtre 525.00
  2. 2026-09-15 Konzerthaus swaps 20 TIX-PRO 21.00 → 20 TIX-ENT at list 40.00 (no contracted price; a 12-month
     term is under the 24-month band): 20 × 40.00 − 20 × 21.00 = 800.00 − 420.00 = +380.00 upsell
  3. 2026-10-05 Harbour Jazz Festival (new, USD): 12 × TIX-PRO 27.00 (list; under the 50-seat band) = +324.00 new
  4. 2026-10-15 Théâtre adds 2 × MKT-SMS at 49.00 − 15 % (contracted) = 41.65: 2 × 41.65 = +83.30 cross-sell
                                                                                            Théâtre 608.30
  5. 2026-11-16 renewal run: the renewal quotes of 2027-01-15 (no MRR change)
  6. 2026-11-20 Filharmonia's cancellation is requested: a termed contract runs to its end, 2027-02-01
  7. 2026-12-10 Konzerthaus's renewal quote is edited to 16 × TIX-ENT and signed ("same" pricing, 40.00):
     from 2027-01-15 16 × 40.00 = 640.00: −4 × 40.00 = −160.00 contraction
  8. 2027-01-15 renewal run: Théâtre auto-renews with its 5 % uplift (capped at list):
     TIX-PRO 21.00 × 1.05 = 22.05 (list 25.00): 25 × 22.05 = 551.25 − 525.00 = +26.25
     MKT-SMS 41.65 × 1.05 = 43.7325 (list 49.00): 2 × 43.7325 = 87.465 → 87.47 − 83.30 = +4.17
     price increase 26.25 + 4.17 = +30.42                                                  Théâtre 638.72
  9. 2027-02-01 renewal run: Filharmonia's contract ends: −1200.00 (PLN MRR 0: churn)
 10. 2027-03-01 renewal run: Riverside's anniversary, 3 % uplift capped at list:
     CRM-MOD 8.10 × 1.03 = 8.343: 15 × 8.343 = 125.145 → 125.15 − 121.50 = +3.65
     TIX-ENT 44.00 × 1.03 = 45.32, capped at list 44.00: +0.00 → price increase +3.65      Riverside 785.15
 11. 2027-04-06 Filharmonia buys again: 8 × TIX-STARTER 52.00 = +416.00 reactivation
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.api.quotes.schemas import quote_json
from app.config import Settings
from app.services.demo import load_demo
from app.services.demo_history import play_history
from tests.builders import Keys
from tests.conftest import TODAY

YEAR = "from=2026-06-01&to=2027-06-01"
MOVEMENTS = ("new", "reactivation", "seat_expansion", "upsell", "cross_sell", "price_increase", "contraction",
             "churn")
ZERO = dict.fromkeys(MOVEMENTS, "0.00")

#: The year 2026-06-01 → 2027-06-01, per currency.
YEARLY = {
    # EUR 840.00 → Théâtre 638.72 + Konzerthaus 640.00 = 1278.72;
    # 105.00 + 380.00 + 83.30 + 30.42 − 160.00 = 438.72 = 1278.72 − 840.00;
    # NRR 1278.72 / 840.00 = 152.228… → 152.23; GRR (840.00 − 160.00) / 840.00 = 80.952… → 80.95
    "EUR": {**ZERO, "mrr_from": "840.00", "mrr_to": "1278.72", "seat_expansion": "105.00", "upsell": "380.00",
            "cross_sell": "83.30", "price_increase": "30.42", "contraction": "-160.00", "nrr": "152.23",
            "grr": "80.95"},
    # PLN 1200.00 → 416.00. Filharmonia has MRR on both days, so (DOMAIN: both > 0) its contract's end is
    # "anything that lowers MRR", a contraction of −1200.00, and its new contract, bought after it had stopped,
    # a reactivation of +416.00 (README, Finance metrics, Choices); −1200.00 + 416.00 = −784.00 = 416.00 − 1200.00;
    # NRR 416.00 / 1200.00 = 34.666… → 34.67; GRR (1200.00 − 1200.00) / 1200.00 = 0.00
    "PLN": {**ZERO, "mrr_from": "1200.00", "mrr_to": "416.00", "reactivation": "416.00", "contraction": "-1200.00",
            "nrr": "34.67", "grr": "0.00"},
    # USD 781.50 → Riverside 785.15 + Harbour 324.00 = 1109.15; 324.00 + 3.65 = 327.65 = 1109.15 − 781.50;
    # NRR over Riverside alone (Harbour had no MRR at `from`): 785.15 / 781.50 = 100.467… → 100.47; GRR 100.00
    "USD": {**ZERO, "mrr_from": "781.50", "mrr_to": "1109.15", "new": "324.00", "price_increase": "3.65",
            "nrr": "100.47", "grr": "100.00"},
}

#: Month by month (windows (from, to] from the 1st): the movements that are not zero, per currency.
MONTHLY: dict[str, dict[str, dict[str, str]]] = {
    "2026-07-01": {"EUR": {"seat_expansion": "105.00"}},                                  # step 1 (07-15)
    "2026-09-01": {"EUR": {"upsell": "380.00"}},                                          # step 2 (09-15)
    "2026-10-01": {"EUR": {"cross_sell": "83.30"}, "USD": {"new": "324.00"}},             # steps 3, 4
    # steps 7 and 8 (01-15); step 9: the contract ends on 02-01, so PLN MRR(02-01) = 0: −MRR(01-01) = −1200.00 churn
    "2027-01-01": {"EUR": {"price_increase": "30.42", "contraction": "-160.00"}, "PLN": {"churn": "-1200.00"}},
    "2027-02-01": {"USD": {"price_increase": "3.65"}},                                    # step 10 (03-01)
    # step 11: PLN MRR(04-01) = 0, MRR(05-01) = 416.00, and Filharmonia had MRR before: reactivation
    "2027-04-01": {"PLN": {"reactivation": "416.00"}},
}

#: Each account over the year (detail=true): what moved, and its MRR on both days.
ACCOUNTS = {
    "Théâtre du Rhône": {"mrr_from": "420.00", "mrr_to": "638.72", "seat_expansion": "105.00",
                         "cross_sell": "83.30", "price_increase": "30.42"},
    "Konzerthaus Nord": {"mrr_from": "420.00", "mrr_to": "640.00", "upsell": "380.00", "contraction": "-160.00"},
    "Filharmonia Krakowska": {"mrr_from": "1200.00", "mrr_to": "416.00", "reactivation": "416.00",
                              "contraction": "-1200.00"},
    "Riverside Arena": {"mrr_from": "781.50", "mrr_to": "785.15", "price_increase": "3.65"},
    "Harbour Jazz Festival": {"mrr_from": "0.00", "mrr_to": "324.00", "new": "324.00"},
}


@pytest.fixture
def history(session: Session, session_factory: sessionmaker[Session], settings: Settings) -> None:
    """The demo loaded on the tests' day, then its scripted year, as `cpq demo --history` does."""
    assert load_demo(session, settings=settings, today=TODAY, quote_json=quote_json)
    play_history(session_factory, settings=settings, quote_json=quote_json)


def get(client: TestClient, keys: Keys, url: str, **headers: str) -> Any:
    response = client.get(url, headers=keys.headers("finance", **headers))
    assert response.status_code == 200, response.text
    return response


def figures(currency: dict[str, Any]) -> dict[str, str]:
    """The movement figures of a currency row, without the fields the hand calculation does not make."""
    return {name: currency[name] for name in ("mrr_from", *MOVEMENTS, "mrr_to", "nrr", "grr")}


def test_the_year_s_movements_are_the_hand_calculation(client: TestClient, keys: Keys, history: None) -> None:
    report = get(client, keys, f"/v1/metrics/movements?{YEAR}").json()
    assert {c["currency"]: figures(c) for c in report["currencies"]} == YEARLY
    for currency in report["currencies"]:  # the movements add up to MRR(to) − MRR(from), per currency
        moved = sum(Decimal(currency[name]) for name in MOVEMENTS)
        assert moved == Decimal(currency["mrr_to"]) - Decimal(currency["mrr_from"]), currency["currency"]


def test_mrr_on_both_days_is_what_the_movements_start_and_end_from(client: TestClient, keys: Keys,
                                                                    history: None) -> None:
    start = get(client, keys, "/v1/metrics/mrr?as_of=2026-06-01").json()["currencies"]
    end = get(client, keys, "/v1/metrics/mrr?as_of=2027-06-01").json()["currencies"]
    # ARR = 12 × MRR: 840.00 × 12 = 10080.00, 1200.00 × 12 = 14400.00, 781.50 × 12 = 9378.00
    assert [(c["currency"], c["mrr"], c["arr"], c["accounts"]) for c in start] == [
        ("EUR", "840.00", "10080.00", 2), ("PLN", "1200.00", "14400.00", 1), ("USD", "781.50", "9378.00", 1)]
    # 1278.72 × 12 = 15344.64, 416.00 × 12 = 4992.00, 1109.15 × 12 = 13309.80
    assert [(c["currency"], c["mrr"], c["arr"], c["accounts"]) for c in end] == [
        ("EUR", "1278.72", "15344.64", 2), ("PLN", "416.00", "4992.00", 1), ("USD", "1109.15", "13309.80", 2)]
    # between the churn and the comeback Filharmonia has no MRR: PLN has no account paying on 2027-03-01
    march = get(client, keys, "/v1/metrics/mrr?as_of=2027-03-01").json()["currencies"]
    assert [(c["currency"], c["mrr"]) for c in march if c["currency"] == "PLN"] in ([], [("PLN", "0.00")])


def test_month_by_month_each_step_moves_in_its_month(client: TestClient, keys: Keys, history: None) -> None:
    report = get(client, keys, f"/v1/metrics/movements?{YEAR}&interval=month").json()
    assert len(report["series"]) == 12
    moved = {period["from"]: {c["currency"]: {name: c[name] for name in MOVEMENTS if c[name] != "0.00"}
                              for c in period["currencies"] if any(c[name] != "0.00" for name in MOVEMENTS)}
             for period in report["series"]}
    assert {month: figures for month, figures in moved.items() if figures} == MONTHLY
    for before, after in pairwise(report["series"]):  # the months chain up
        assert {c["currency"]: c["mrr_to"] for c in before["currencies"]} == {
            c["currency"]: c["mrr_from"] for c in after["currencies"]}
    for period in report["series"]:
        for currency in period["currencies"]:
            assert sum(Decimal(currency[name]) for name in MOVEMENTS) == (
                Decimal(currency["mrr_to"]) - Decimal(currency["mrr_from"]))


def test_each_account_s_year(client: TestClient, keys: Keys, history: None) -> None:
    accounts = get(client, keys, f"/v1/metrics/movements?{YEAR}&detail=true").json()["accounts"]
    assert {a["account_name"]: {k: v for k, v in a.items() if k in ("mrr_from", "mrr_to") or (
        k in MOVEMENTS and v != "0.00")} for a in accounts} == ACCOUNTS


def test_the_csv_says_the_same(client: TestClient, keys: Keys, history: None) -> None:
    response = get(client, keys, f"/v1/metrics/movements?{YEAR}", accept="text/csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["currency"]: figures(row) for row in rows} == YEARLY
    assert all((row["from"], row["to"], row["account_id"]) == ("2026-06-01", "2027-06-01", "") for row in rows)
    mrr = get(client, keys, "/v1/metrics/mrr?as_of=2027-06-01", accept="text/csv").text
    assert [(r["currency"], r["mrr"], r["arr"]) for r in csv.DictReader(io.StringIO(mrr))] == [
        ("EUR", "1278.72", "15344.64"), ("PLN", "416.00", "4992.00"), ("USD", "1109.15", "13309.80")]
