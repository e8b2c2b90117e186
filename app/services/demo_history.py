"""A scripted year for the demo: sales, amendments, renewals, a churn and a comeback, through the real services.

`cpq demo --history` plays it after `load_demo`, so the finance metrics (MRR, movements, NRR, GRR) have every
kind of movement to show, each made the way a rep, a customer or the renewal run would make it: quotes created,
finalized (with their PDF) and accepted, amendments, an edited renewal quote, a cancellation request and renewal
runs. Nothing here writes a segment itself, so the figures are the services' own.

The steps have fixed dates because the demo's contracts do (they start 2026-01-15, 02-01 and 03-01, so their
renewals and anniversary fall on 2027-01-15, 02-01 and 03-01). Each step is done on its own date: that date is
the `today` the services are given (the day a quote is priced and accepted, or the date a run is made as of);
nothing reads the clock. The script prints nothing; it returns what it did.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.models import Account, Contract
from app.db.session import reading
from app.documents.storage import FileStorage
from app.domain.addresses import Address
from app.domain.amendment_model import Change
from app.domain.pricing import LineRequest
from app.domain.terms import ContractTerms, RenewalSettings
from app.services import accounts, amendments, contract_changes, contracts, documents, quotes, renewal_quotes
from app.services.auth import OPERATOR
from app.services.documents import DocumentSettings, QuoteJson
from app.services.quotes import QuoteChanges, QuoteDraft
from app.services.renewal_runs import run_renewals

THEATRE, KONZERT, FILHARMONIA, ARENA = ("Théâtre du Rhône", "Konzerthaus Nord", "Filharmonia Krakowska",
                                        "Riverside Arena")
HARBOUR = "Harbour Jazz Festival"


@dataclass(frozen=True)
class Customer:
    """A customer the history brings in (the demo's four exist already)."""

    name: str
    currency: str
    locale: str
    billing_email: str
    legal_name: str
    tax_id: str
    billing_address: Address


#: Made up, like the demo's: a festival that buys its first contract during the year (the new deal).
CUSTOMERS = {HARBOUR: Customer(HARBOUR, "USD", "en", "accounts@harbour-jazz.example", "Harbour Jazz Festival Inc.",
                               "47-2938475", Address("12 Pier Road", "02110", "Boston, MA", "US"))}


@dataclass(frozen=True)
class Step:
    """One dated thing that happens to an account in the scripted year.

    `what`: `sale` (a new-business quote of `lines`, signed), `amendment` (of `changes` on the account's active
    contract, effective `on`, signed), `renewal_edit` (the rep edits the contract's renewal quote to `lines`,
    then it is signed), `cancellation` (requested `on`; a termed contract then ends at its term end), or
    `renewal_run` (as of `on`: renewal quotes, auto-renewals, expiries, anniversaries, cancellations due).
    `movement` says which movement the step shows in the metrics, for the reader.
    """

    on: date
    what: str
    movement: str
    account: str | None = None
    lines: tuple[LineRequest, ...] = ()
    changes: tuple[Change, ...] = ()
    terms: str = "monthly"


#: The scripted year, in date order (DOMAIN, Finance: the movement each step makes, and why).
STEPS: tuple[Step, ...] = (
    Step(date(2026, 7, 15), "amendment", "seat expansion: 5 more seats of the plan Théâtre holds", THEATRE,
         changes=(Change("add_quantity", sku="TIX-PRO", quantity=5),)),
    Step(date(2026, 9, 15), "amendment", "upsell: Pro → Enterprise, a higher tier of the ticketing family",
         KONZERT, changes=(Change("swap", from_sku="TIX-PRO", to_sku="TIX-ENT"),)),
    Step(date(2026, 10, 5), "sale", "new: a customer that never bought signs its first contract", HARBOUR,
         lines=(LineRequest("TIX-PRO", 12),)),
    Step(date(2026, 10, 15), "amendment", "cross-sell: the Marketing add-on, another family", THEATRE,
         changes=(Change("add_product", sku="MKT-SMS", quantity=2),)),
    Step(date(2026, 11, 16), "renewal_run", "none: the lead window makes the 2027-01-15 renewal quotes"),
    Step(date(2026, 11, 20), "cancellation", "none yet: Filharmonia will not renew, its term runs to 2027-02-01",
         FILHARMONIA),
    Step(date(2026, 12, 10), "renewal_edit", "contraction at renewal: Konzerthaus renews 4 seats fewer", KONZERT,
         lines=(LineRequest("TIX-ENT", 16),)),
    Step(date(2027, 1, 15), "renewal_run", "price increase: Théâtre auto-renews with its 5 % uplift"),
    Step(date(2027, 2, 1), "renewal_run", "churn: Filharmonia's cancelled contract ends, its MRR goes to 0"),
    Step(date(2027, 3, 1), "renewal_run", "price increase: Riverside Arena's anniversary, 3 % on its CRM module"),
    Step(date(2027, 4, 6), "sale", "reactivation: Filharmonia, which had stopped, buys again", FILHARMONIA,
         lines=(LineRequest("TIX-STARTER", 8),)),
)


@dataclass(frozen=True)
class HistorySummary:
    """What the script did: how many steps of each kind, over which days."""

    counts: dict[str, int]
    first: date
    last: date

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {kind.replace('_', ' ')}{'s' if n > 1 else ''}" for kind, n in self.counts.items())
        return f"{sum(self.counts.values())} steps from {self.first} to {self.last} ({kinds})"


def play_history(factory: sessionmaker[Session], *, settings: Settings, quote_json: QuoteJson,
                 steps: tuple[Step, ...] = STEPS) -> HistorySummary:
    """Play the steps, in order, on a database the demo was just loaded into.

    A factory, not a session: the renewal run opens sessions of its own, as it does when the API or cron runs it.
    """
    player = _Player(factory, settings, quote_json)
    for step in steps:
        player.play(step)
    return HistorySummary(dict(Counter(step.what for step in steps)), steps[0].on, steps[-1].on)


class _Player:
    """Calls the service functions each kind of step needs, with the step's date as `today`."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings, quote_json: QuoteJson) -> None:
        self.factory, self.settings = factory, settings
        self.storage = FileStorage(settings.documents_dir)
        self.documents = DocumentSettings.of(settings, self.storage, quote_json)
        self.threshold = settings.approval_threshold_percent
        self.terms = {
            "monthly": ContractTerms(12, "monthly", RenewalSettings(auto_renew=True, pricing="same"), "at_renewal",
                                     settings.proration_method),
        }

    def play(self, step: Step) -> None:
        if step.what == "renewal_run":
            run_renewals(self.factory, caller=OPERATOR, as_of=step.on, today=step.on, threshold=self.threshold)
            return
        assert step.account is not None
        with self.factory() as session:
            if step.what == "sale":
                account = self._account(session, step.account)
                draft = QuoteDraft(account, step.on, self.terms[step.terms], list(step.lines))
                made = quotes.create_quote(session, caller=OPERATOR, today=step.on, draft=draft,
                                           threshold=self.threshold)
                self._sign(session, made.id, step.on)
            elif step.what == "amendment":
                made = amendments.create_amendment(
                    session, caller=OPERATOR, contract_id=self._contract(session, step.account), effective_date=step.on,
                    changes=list(step.changes), today=step.on, threshold=self.threshold)
                self._sign(session, made.id, step.on)
            elif step.what == "renewal_edit":
                renewal, _ = renewal_quotes.renewal_quote_now(
                    session, caller=OPERATOR, contract_id=self._contract(session, step.account), today=step.on,
                    threshold=self.threshold)
                quotes.update_quote(session, caller=OPERATOR, quote_id=renewal.id, if_match=None,
                                    changes=QuoteChanges(lines=list(step.lines)), threshold=self.threshold,
                                    today=step.on)
                self._sign(session, renewal.id, step.on)
            elif step.what == "cancellation":
                contract_changes.request_cancellation(
                    session, caller=OPERATOR, contract_id=self._contract(session, step.account), if_match=None,
                    requested_on=step.on, reason="the customer does not renew", today=step.on)
            else:
                raise ValueError(f"unknown step {step.what!r}")

    def _sign(self, session: Session, quote_id: uuid.UUID, day: date) -> None:
        """Finalize (the PDF) and accept with the document's hash, on the step's day, as a signer would."""
        quote = documents.finalize_quote(session, caller=OPERATOR, quote_id=quote_id, if_match=None, today=day,
                                         settings=self.documents)
        assert quote.document_sha256 is not None
        contracts.accept_quote(session, caller=OPERATOR, quote_id=quote_id, if_match=None, today=day,
                               signer_name="Demo Signer", signer_email="signer@example.org",
                               document_sha256=quote.document_sha256, client_address=None, storage=self.storage,
                               threshold=self.threshold)

    def _account(self, session: Session, name: str) -> uuid.UUID:
        """The named account; a customer of CUSTOMERS is created the first time it buys."""
        with reading(session):
            found = session.scalars(select(Account.id).where(Account.name == name)).first()
        if found is not None:
            return found
        customer = CUSTOMERS[name]
        return accounts.create_account(
            session, caller=OPERATOR, name=customer.name, currency=customer.currency, locale=customer.locale,
            billing_email=customer.billing_email, legal_name=customer.legal_name,
            billing_address=customer.billing_address, tax_id=customer.tax_id).id

    def _contract(self, session: Session, name: str) -> uuid.UUID:
        """The account's active contract (each demo account has one at a time)."""
        with reading(session):
            found = session.scalars(
                select(Contract.id).join(Account, Account.id == Contract.account_id)
                .where(Account.name == name, Contract.status == "active")
                .order_by(Contract.start_date.desc())).first()
        if found is None:
            raise LookupError(f"{name} has no active contract")
        return found

