""""In force on a day" is written four times: in SQL (API reads, and the metrics' aggregations), over a
contract's loaded records (the renewal run and amendments) and in the domain (billing). On random segments and days,
the four must agree."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Contract, SubscriptionSegment
from app.db.repositories import contracts as contract_repo
from app.db.repositories import metrics as metrics_repo
from app.services import contract_records
from app.services.views import to_segment
from tests.builders import Keys, signed_contract

FIRST = date(2026, 1, 15)


def _day(rng: random.Random, span: int = 500) -> date:
    return FIRST + timedelta(days=rng.randrange(span))


def test_sql_records_and_domain_agree_on_what_is_in_force(client: TestClient, keys: Keys, session: Session,
                                                           theatre: dict[str, Any]) -> None:
    contract_id = uuid.UUID(signed_contract(client, keys, account_id=theatre["id"])["id"])
    rng = random.Random(20261202)
    with session.begin():
        sold = session.scalars(select(SubscriptionSegment).where(SubscriptionSegment.contract_id == contract_id)).first()
        assert sold is not None
        for _ in range(80):
            start = _day(rng)
            end = rng.choice([None, start + timedelta(days=rng.randrange(1, 400))])
            session.add(SubscriptionSegment(
                contract_id=contract_id, contract_version=1, quote_line_id=sold.quote_line_id, sku=sold.sku,
                quantity=1, list_unit_price=sold.list_unit_price, net_unit_price=sold.net_unit_price,
                start_date=start, end_date=end, origin="amendment", recorded_on=start,
                closed_on=rng.choice([None, None, start + timedelta(days=rng.randrange(400))]),
                closed_by="amendment", opening_change="seat_expansion", mrr_minor=100,
            ))
    with session.begin():
        contract = session.get(Contract, contract_id)
        assert contract is not None
        records = contract_records.records_of(session, contract)
        assert len(records.segments) > 80
        days = [_day(rng, 900) for _ in range(150)] + [s.start_date for s in records.segments] + [
            s.end_date for s in records.segments if s.end_date] + [s.closed_on for s in records.segments if s.closed_on]
        for day in days:
            in_sql = {s.id for s in contract_repo.segments_in_force(session, contract_id, day)}
            in_records = {s.id for s in records.in_force(day)}
            in_domain = {s.id for s in records.segments if to_segment(s).in_force(day)}
            in_metrics = set(session.scalars(select(SubscriptionSegment.id).where(
                SubscriptionSegment.contract_id == contract_id, metrics_repo.in_force(day))))
            assert in_sql == in_records == in_domain == in_metrics, day
        assert any(contract_repo.segments_in_force(session, contract_id, day) for day in days)
