"""A contract's rows that its changes read and write, loaded once: segments, scheduled decreases, current term.

Renewals, expiries, uplifts, cancellations and amendments read what a contract holds and write what follows
it. They work on these records rather than querying as they go, so the renewal run loads a whole batch of
contracts in a few queries, changes them in memory (a change also appends what it writes here, so the next
change of a catch-up sees it), and writes the batch in one flush.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from app.db.models import Contract, ContractTerm, Quote, ScheduledChange, SubscriptionSegment


@dataclass
class ContractRecords:
    contract: Contract
    #: Every segment of the contract, in the order written.
    segments: list[SubscriptionSegment]
    #: Every decrease agreed to apply at a renewal or anniversary.
    scheduled: list[ScheduledChange]
    #: The row of the current term (None only while a sale writes the first).
    term: ContractTerm | None
    #: The renewal quote made last (`contract.renewal_quote_id`), with its lines.
    renewal_quote: Quote | None = None

    def in_force(self, day: date) -> list[SubscriptionSegment]:
        """Started by `day`, and neither at its planned end nor closed early by then; by SKU, then start."""
        return sorted((s for s in self.segments if _in_force(s, day)), key=lambda s: (s.sku, s.start_date))

    def in_force_or_ending(self, day: date) -> list[SubscriptionSegment]:
        """In force on `day`, then those of other SKUs whose term ended that day (a renewal follows them)."""
        held = self.in_force(day)
        skus = {s.sku for s in held}
        return held + [s for s in self.segments if s.sku not in skus and s.end_date == day
                       and (s.closed_on is None or s.closed_on >= day)]

    def scheduled_after(self, day: date) -> list[ScheduledChange]:
        """Decreases still to apply after `day`, by date then SKU."""
        return sorted((c for c in self.scheduled if c.effective_on > day), key=lambda c: (c.effective_on, c.sku))

    def will_hold(self, *, after: date) -> dict[str, int]:
        """SKU → the units the decreases agreed to apply after `after` leave.

        Each decrease was checked against the ones before it, so the fewest units any of them leaves remains.
        """
        held: dict[str, int] = {}
        for change in self.scheduled_after(after):
            held[change.sku] = min(change.quantity_after, held.get(change.sku, change.quantity_after))
        return held


def _in_force(segment: SubscriptionSegment, day: date) -> bool:
    return (segment.start_date <= day and (segment.end_date is None or segment.end_date > day)
            and (segment.closed_on is None or segment.closed_on > day))


def new_contract(contract: Contract) -> ContractRecords:
    """The records of a contract being made: nothing written yet."""
    return ContractRecords(contract, [], [], None)


def records_of(session: Session, contract: Contract) -> ContractRecords:
    return load(session, [contract])[contract.id]


def load(session: Session, contracts: Sequence[Contract]) -> dict[uuid.UUID, ContractRecords]:
    """The records of many contracts in five queries at most."""
    ids = [c.id for c in contracts]
    records = {c.id: ContractRecords(c, [], [], None) for c in contracts}
    if not ids:
        return records
    segments = select(SubscriptionSegment).where(SubscriptionSegment.contract_id.in_(ids))
    for segment in session.scalars(segments.order_by(SubscriptionSegment.contract_id, SubscriptionSegment.id)):
        records[segment.contract_id].segments.append(segment)
    for change in session.scalars(select(ScheduledChange).where(ScheduledChange.contract_id.in_(ids))):
        records[change.contract_id].scheduled.append(change)
    current = tuple_(ContractTerm.contract_id, ContractTerm.number).in_([(c.id, c.term_number) for c in contracts])
    for term in session.scalars(select(ContractTerm).where(current)):
        records[term.contract_id].term = term
    quote_ids = [c.renewal_quote_id for c in contracts if c.renewal_quote_id is not None]
    if quote_ids:
        quotes = select(Quote).where(Quote.id.in_(quote_ids)).options(selectinload(Quote.lines))
        by_id = {quote.id: quote for quote in session.scalars(quotes)}
        for contract in contracts:
            if contract.renewal_quote_id is not None:
                records[contract.id].renewal_quote = by_id[contract.renewal_quote_id]
    return records
