"""Finalize against other writers, through real connections in threads, with the render paused by a test hook.

The render holds no lock, so other writes go on meanwhile; the commit checks the quote did not move; and
accepting one amendment while another of the same contract is finalized queues on the contract's row lock
instead of deadlocking (contract first, then quotes, everywhere).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.api.quotes.schemas import quote_json
from app.db.session import reading
from app.documents.parties import Party
from app.documents.render import RenderedDocument
from app.documents.storage import FileStorage
from app.domain.amendments import Change
from app.services import accounts, amendments, audit, contracts, documents, quotes
from app.services.auth import OPERATOR
from app.services.documents import DocumentSettings, QuoteChanged
from app.services.quotes import QuoteChanges
from app.services.views import QuoteView
from tests.builders import Keys, create_account, create_quote, seed_catalog, signed_contract
from tests.conftest import TODAY
from tests.db.test_concurrency import EFFECTIVE, _finalized_amendment

#: Long enough for any step here on a loaded machine; a test that waits this long has failed.
PATIENCE = 30.0


@dataclass
class Gate:
    """Holds a thread at a point until released, and says when one has reached it."""

    reached: threading.Event = field(default_factory=threading.Event)
    opened: threading.Event = field(default_factory=threading.Event)

    def pass_through(self) -> None:
        self.reached.set()
        assert self.opened.wait(PATIENCE), "the test never released the gate"


@pytest.fixture
def render_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """Every PDF render waits at this gate (the test hook standing in for a 25-second render)."""
    gate = Gate()

    render = documents.render_pdf

    def render_when_open(document: Any, data: bytes) -> RenderedDocument:
        gate.pass_through()
        return render(document, data)

    monkeypatch.setattr(documents, "render_pdf", render_when_open)
    yield gate
    gate.opened.set()


class Outcome:
    """The result of a call in another thread: its value, or the domain error it raised."""

    def __init__(self, call: Callable[[], object]) -> None:
        self.value: object = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[], object]) -> None:
        try:
            self.value = call()
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            self.error = error

    def finished_within(self, seconds: float) -> bool:
        self.thread.join(seconds)
        return not self.thread.is_alive()

    def result(self) -> object:
        assert self.finished_within(PATIENCE), "the call never finished"
        if self.error is not None:
            raise self.error
        return self.value


def _finalize(factory: sessionmaker[Session], storage_dir: Path, quote_id: uuid.UUID) -> Callable[[], QuoteView]:
    def call() -> QuoteView:
        with factory() as session:
            return documents.finalize_quote(session, caller=OPERATOR, quote_id=quote_id, if_match=None, today=TODAY,
                                            settings=DocumentSettings(FileStorage(storage_dir), 30, Party("test"), quote_json))
    return call


def _draft(client: TestClient, keys: Keys, session: Session) -> uuid.UUID:
    seed_catalog(session)
    return uuid.UUID(create_quote(client, keys, account_id=create_account(client, keys)["id"])["id"])


def test_other_writes_go_on_while_a_quote_renders(
    session_factory: sessionmaker[Session], session: Session, client: TestClient, keys: Keys, tmp_path: Path,
    render_gate: Gate,
) -> None:
    quote_id = _draft(client, keys, session)
    finalizing = Outcome(_finalize(session_factory, tmp_path, quote_id))
    assert render_gate.reached.wait(PATIENCE)

    def another_write() -> object:
        with session_factory() as own_connection:
            return accounts.create_account(own_connection, caller=OPERATOR, name="Opera Nord", currency="EUR",
                                           locale="fr", billing_email="o@example.org")

    writing = Outcome(another_write)
    assert writing.finished_within(5), "a write waited for the render: finalize holds the write lock"
    render_gate.opened.set()
    view = finalizing.result()
    assert isinstance(view, QuoteView) and view.status == "open" and writing.result() is not None


def test_an_edit_during_the_render_wins_and_the_rendered_file_is_discarded(
    session_factory: sessionmaker[Session], session: Session, client: TestClient, keys: Keys, tmp_path: Path,
    render_gate: Gate,
) -> None:
    quote_id = _draft(client, keys, session)
    finalizing = Outcome(_finalize(session_factory, tmp_path, quote_id))
    assert render_gate.reached.wait(PATIENCE)

    def edit() -> object:
        with session_factory() as own_connection:
            return quotes.update_quote(own_connection, caller=OPERATOR, quote_id=quote_id, if_match=None,
                                       changes=QuoteChanges({"valid_until": TODAY}), threshold=Decimal(20), today=TODAY)

    editing = Outcome(edit)
    assert editing.finished_within(5), "the edit waited for the render"
    render_gate.opened.set()
    with pytest.raises(QuoteChanged):
        finalizing.result()
    assert list(tmp_path.iterdir()) == []
    with session_factory() as fresh:
        after = quotes.get_quote(fresh, caller=OPERATOR, quote_id=quote_id)
    assert (after.status, after.version, after.document_sha256, after.valid_until) == ("draft", 2, None, TODAY)


def _wait_until_blocked(engine: Engine, outcome: Outcome) -> None:
    """Until `outcome`'s thread waits on a lock: asked of PostgreSQL; SQLite has no such view, so a pause."""
    if engine.dialect.name != "postgresql":
        outcome.finished_within(0.5)
        return
    deadline = time.monotonic() + PATIENCE
    with engine.connect() as connection:
        while time.monotonic() < deadline and not outcome.finished_within(0.05):
            waiting = connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )).scalar_one()
            connection.rollback()
            if waiting:
                return


def test_accepting_one_amendment_while_another_is_finalized_queues_instead_of_deadlocking(
    session_factory: sessionmaker[Session], session: Session, client: TestClient, keys: Keys, tmp_path: Path,
    engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_catalog(session)
    contract_id = uuid.UUID(signed_contract(client, keys, account_id=create_account(client, keys)["id"])["id"])
    seats = _finalized_amendment(session_factory, tmp_path, contract_id, Change("add_quantity", "TIX-PRO", 5))
    with session_factory() as own_connection:
        crm = amendments.create_amendment(own_connection, caller=OPERATOR, contract_id=contract_id,
                                          effective_date=EFFECTIVE, changes=[Change("add_product", "CRM-MOD", 3)],
                                          today=TODAY, threshold=Decimal(20)).id

    # Finalize of the CRM amendment stops inside its write transaction, holding whatever locks it took.
    commit_gate = Gate()
    record = audit.record

    def record_when_open(*args: Any, **kwargs: Any) -> None:
        if args[2] == "quote.finalized":
            commit_gate.pass_through()
        record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", record_when_open)
    finalizing = Outcome(_finalize(session_factory, tmp_path, crm))
    assert commit_gate.reached.wait(PATIENCE)

    def accept_seats() -> object:
        with session_factory() as own_connection:
            return contracts.accept_quote(own_connection, caller=OPERATOR, quote_id=seats.id, if_match=None,
                                          today=TODAY, signer_name="S", signer_email="s@example.org",
                                          document_sha256=seats.document_sha256 or "", client_address=None,
                                          storage=FileStorage(tmp_path), threshold=Decimal(20))

    accepting = Outcome(accept_seats)
    _wait_until_blocked(engine, accepting)
    commit_gate.opened.set()
    finalized = finalizing.result()
    accepted = accepting.result()
    assert isinstance(finalized, QuoteView) and finalized.status == "open"
    assert isinstance(accepted, tuple) and accepted[0].status == "accepted"
    with session_factory() as fresh:
        after = quotes.get_quote(fresh, caller=OPERATOR, quote_id=crm)
    assert after.status == "stale"  # finalized first, then overtaken by the accepted seats amendment


def test_finalize_freezes_the_quote_from_one_snapshot(session: Session, engine: Engine) -> None:
    """Its lines, account and contract are read as of one moment, and the connection goes back as it was."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a SQLite read transaction is always one snapshot")
    with reading(session, snapshot=True):
        assert session.execute(text("SHOW transaction_isolation")).scalar_one() == "repeatable read"
    with reading(session):
        assert session.execute(text("SHOW transaction_isolation")).scalar_one() == "read committed"


@pytest.mark.parametrize("use_case", ["update", "cancel"])
def test_changing_an_amendment_locks_its_contract_before_the_quote(
    session_factory: sessionmaker[Session], session: Session, client: TestClient, keys: Keys, engine: Engine,
    use_case: str,
) -> None:
    """While another transaction holds the contract, the change waits on it without holding the quote's lock."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite locks the whole database, not rows: there is no order to get wrong")
    seed_catalog(session)
    contract_id = uuid.UUID(signed_contract(client, keys, account_id=create_account(client, keys)["id"])["id"])
    with session_factory() as own_connection:
        draft = amendments.create_amendment(own_connection, caller=OPERATOR, contract_id=contract_id,
                                            effective_date=EFFECTIVE, changes=[Change("add_quantity", "TIX-PRO", 5)],
                                            today=TODAY, threshold=Decimal(20)).id

    def change() -> object:
        with session_factory() as own_connection:
            if use_case == "cancel":
                return quotes.cancel_quote(own_connection, caller=OPERATOR, quote_id=draft, if_match=None, reason=None)
            return quotes.update_quote(own_connection, caller=OPERATOR, quote_id=draft, if_match=None,
                                       changes=QuoteChanges({"valid_until": TODAY}), threshold=Decimal(20), today=TODAY)

    with engine.connect() as holder:
        holder.execute(text("SELECT id FROM contracts WHERE id = :id FOR UPDATE"), {"id": contract_id})
        changing = Outcome(change)
        _wait_until_blocked(engine, changing)
        assert changing.thread.is_alive(), "the change did not wait for the contract's lock"
        with engine.connect() as probe:  # NOWAIT fails at once if the change already holds the quote
            probe.execute(text("SELECT id FROM quotes WHERE id = :id FOR UPDATE NOWAIT"), {"id": draft})
            probe.rollback()
        holder.rollback()
    assert isinstance(changing.result(), QuoteView)
