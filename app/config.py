"""Settings, read from the environment with the CPQ_ prefix. The only module that reads the environment."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPQ_", extra="ignore")

    database_url: str = "sqlite:///./var/cpq.db"
    documents_dir: Path = Path("./var/documents")
    #: A rep's line discount above this percentage needs an approver.
    approval_threshold_percent: Decimal = Decimal(20)
    #: Days a finalized quote stays open when it has no explicit valid_until.
    quote_validity_days: int = 30
    #: Default proration method of new quotes (docs/domain.md: deployment default `daily`).
    proration_method: str = "daily"
    #: The publisher's name printed on documents.
    seller_name: str = "cpq demo publisher"
    #: Worker processes rendering PDFs; unset, one per CPU core; 0 renders in the calling thread.
    pdf_workers: int | None = None
    #: Idempotency keys are remembered this long.
    idempotency_ttl_hours: int = 24
    #: How long a stored key without its response yet counts as "in progress" (its work committed, its answer is
    #: being stored); past it, the server is taken to have stopped in between.
    idempotency_lease_seconds: int = 60
    #: Request bodies above this many bytes are refused with 413 before they are read (a 500-line quote is ~60 kB).
    max_body_bytes: int = 2 * 1024 * 1024


@lru_cache
def get_settings() -> Settings:
    return Settings()
