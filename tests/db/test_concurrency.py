"""Two acceptances at once, through real connections in two threads: exactly one wins, the other gets 409.

On PostgreSQL the contract's row lock queues them; on SQLite the write lock does. Either way the second
finds the contract at a new version and its amendment goes stale.
"""

from __future__ import annotations

import threading
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.api.quotes.schemas import quote_json
from app.documents.parties import Party
from app.documents.storage import FileStorage
from app.domain.amendments import Change
from app.domain.errors import Conflict
from app.services import amendments, contracts, documents
from app.services.auth import OPERATOR
from app.services.documents import DocumentSettings
from app.services.views import QuoteView
from tests.builders import Keys, create_account, seed_catalog, signed_contract
from tests.conftest import TODAY

EFFECTIVE = date(2026, 4, 1)


def _finalized_amendment(
    factory: sessionmaker[Session], documents_dir: Path, contract_id: uuid.UUID, change: Change
) -> QuoteView:
    with factory() as session:
        quote = amendments.create_amendment(session, caller=OPERATOR, contract_id=contract_id,
                                            effective_date=EFFECTIVE, changes=[change], today=TODAY,
                                            threshold=Decimal(20))
        return documents.finalize_quote(session, caller=OPERATOR, quote_id=quote.id, if_match=None, today=TODAY,
                                        settings=DocumentSettings(FileStorage(documents_dir), 30, Party("test"), quote_json))


def test_two_amendments_accepted_at_once_on_one_version_exactly_one_wins(
    session_factory: sessionmaker[Session], session: Session, client: TestClient, keys: Keys, tmp_path: Path
) -> None:
    seed_catalog(session)
    contract_id = uuid.UUID(signed_contract(client, keys, account_id=create_account(client, keys)["id"])["id"])
    seats = _finalized_amendment(session_factory, tmp_path, contract_id, Change("add_quantity", "TIX-PRO", 5))
    crm = _finalized_amendment(session_factory, tmp_path, contract_id, Change("add_product", "CRM-MOD", 3))
    start_together = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def accept(quote: QuoteView) -> None:
        with session_factory() as own_connection:
            start_together.wait()
            try:
                contracts.accept_quote(own_connection, caller=OPERATOR, quote_id=quote.id, if_match=None,
                                       today=TODAY, signer_name="S", signer_email="s@example.org",
                                       document_sha256=quote.document_sha256 or "", client_address=None,
                                       storage=FileStorage(tmp_path), threshold=Decimal(20))
                outcomes[quote.number] = "accepted"
            except Conflict as refusal:
                outcomes[quote.number] = refusal.code

    threads = [threading.Thread(target=accept, args=(quote,)) for quote in (seats, crm)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["accepted", "stale_amendment"]
    with session_factory() as fresh:
        view = contracts.get_contract(fresh, caller=OPERATOR, contract_id=contract_id, as_of=EFFECTIVE)
        history = contracts.contract_versions(fresh, caller=OPERATOR, contract_id=contract_id, limit=50, cursor=None)
    assert view.version == 2 and [v.version for v in history.data] == [1, 2]
    won_by_seats = outcomes[seats.number] == "accepted"
    expected = [("TIX-PRO", 25)] if won_by_seats else [("CRM-MOD", 3), ("TIX-PRO", 20)]
    assert [(s.sku, s.quantity) for s in view.segments] == expected
