"""The cpq app for the crash tests: one step of a POST /v1/accounts waits to be killed.

`CPQ_TEST_BLOCK=work` stops the first account creation inside its transaction (its rows written, not committed);
`CPQ_TEST_BLOCK=response` stops after the work committed, before its response is stored. Either way the file named
by `CPQ_TEST_BLOCKED` is created first, so the test knows when to send SIGKILL.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from app.main import create_app as create_cpq_app
from app.services import audit, idempotency


def create_app() -> FastAPI:
    step, original = os.environ["CPQ_TEST_BLOCK"], (audit.record, idempotency.complete)

    def wait_to_be_killed() -> None:
        Path(os.environ["CPQ_TEST_BLOCKED"]).touch()
        time.sleep(60)

    def record(session: Any, caller: Any, action: str, *args: Any, **kwargs: Any) -> None:
        original[0](session, caller, action, *args, **kwargs)
        if step == "work" and action == "account.created":
            session.flush()
            wait_to_be_killed()

    def complete(*args: Any, **kwargs: Any) -> None:
        wait_to_be_killed()
        original[1](*args, **kwargs)

    audit.record = record  # type: ignore[assignment]
    if step == "response":
        idempotency.complete = complete  # type: ignore[assignment]
    return create_cpq_app()
