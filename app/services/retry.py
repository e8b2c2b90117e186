"""Run a use case's transaction again when PostgreSQL undid it to break a deadlock or a serialization conflict.

Locks are taken in one order (contract, then quotes), so deadlocks should not happen; this is the safety
net for what the order cannot cover (foreign-key share locks, future code). The whole use case runs again,
so it re-reads everything it decided on: nothing from a failed attempt survives its rollback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session

from app.db.session import is_transient

P = ParamSpec("P")
R = TypeVar("R")

#: Attempts in all, the first included.
ATTEMPTS = 3
logger = logging.getLogger("cpq.services")


def retry_transient(function: Callable[P, R]) -> Callable[P, R]:
    """Call `function(session, ...)` again, up to ATTEMPTS times, when its transaction failed transiently."""

    @functools.wraps(function)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        for number in range(1, ATTEMPTS + 1):
            try:
                return function(*args, **kwargs)
            except Exception as error:
                if number == ATTEMPTS or not is_transient(error):
                    raise
                session = args[0] if args else kwargs["session"]
                assert isinstance(session, Session)
                session.rollback()  # `with session.begin()` already rolled back; this also clears a failed flush
                logger.warning("%s: transaction undone by the database (%s); attempt %d of %d",
                               function.__name__, type(error.__cause__ or error).__name__, number + 1, ATTEMPTS)
        raise AssertionError("unreachable")  # the loop returns or raises

    return attempt
