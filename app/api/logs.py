"""The request id of the request being handled, and the "cpq" loggers' handler that prints it on every line.

Support needs one string that links a client's report, the problem body it got and the server's log lines: the
id lives in a context variable set by `RequestIdMiddleware`, so code deep in a service logs it without passing it.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from app.config import Settings

#: The Request-Id of the request this task is handling; None outside a request (CLI, webhook worker).
REQUEST_ID: ContextVar[str | None] = ContextVar("cpq_request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def current_request_id() -> str | None:
    return REQUEST_ID.get()


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` ("-" outside a request). On the handler, not a logger: a logger's filter would
    miss its children's records ("cpq.services"), and records reach pytest's caplog with the attribute set."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, so a log pipeline needs no parsing rule (a traceback stays inside its line)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to sys.stderr as it is at each record (as logging's last resort does), so a replaced stderr (pytest's
    capture, a test's capsys) gets the lines and a closed one is never written to."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:  # type: ignore[override]
        return sys.stderr


def configure_logging(settings: Settings) -> None:
    """Installs one handler on the "cpq" logger, replacing the one an earlier create_app installed. The root logger
    is left alone: uvicorn's lines keep their own handlers, and records still propagate to pytest's caplog."""
    logger = logging.getLogger("cpq")
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    handler = _StderrHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
