"""Settings, read from the environment with the CPQ_ prefix. The only module that reads the environment."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    #: Proxies whose X-Forwarded-For is believed for the client address of an acceptance (addresses or CIDRs,
    #: comma-separated). None by default: a client could write any address into that header itself.
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = ()

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        """`10.0.0.0/8, 192.0.2.7` as the environment spells it; a bare address is a network of one."""
        if isinstance(value, str):
            return tuple(ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
