"""Customer lifetime value per account and currency on a day (`app.domain.lifetime` defines it).

Both parts are sums of the invoice lines `GET /v1/invoice-lines` returns (`app.services.billing`), read in one
stream over the accounts' contracts, so what counts as invoiced or still owed follows the rules finance
invoices by. Only the per-account detail asks for it: it reads every line of those accounts' histories.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.db.repositories import metrics as repo
from app.db.repositories.billing import Scope
from app.domain import money
from app.domain.lifetime import LifetimeValue, committed_until
from app.domain.periods import MIN_DATE
from app.services.billing import lines_in

Key = tuple[uuid.UUID, str]


def lifetime_values(session: Session, accounts: Collection[Key], day: date) -> dict[Key, LifetimeValue]:
    """Per (account, currency) of `accounts`: what its contracts invoiced before `day`, and what they still
    oblige from `day`; in the caller's transaction."""
    wanted = set(accounts)
    ids = {account for account, _ in wanted}
    until = {c.contract_id: committed_until(c, day) for c in repo.commitments(session, day, ids)}
    invoiced: dict[Key, list[Decimal]] = defaultdict(list)
    remaining: dict[Key, list[Decimal]] = defaultdict(list)
    if until:
        bound = frozenset(ids) if len(ids) <= repo.MAX_BOUND_IDS else None  # past the bound: read all, keep ours
        for line in lines_in(session, Scope(MIN_DATE, max(day, *until.values()), account_ids=bound)):
            key = (line.account_id, line.currency)
            if key not in wanted:
                continue
            if line.invoice_date < day:
                invoiced[key].append(line.amount)
            elif line.invoice_date < until.get(line.contract_id, day):
                remaining[key].append(line.amount)
    return {key: LifetimeValue(money.total(invoiced[key], key[1]), money.total(remaining[key], key[1]))
            for key in wanted}
