"""Settings, read from the environment with the CPQ_ prefix. The only module that reads the environment."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.documents.parties import COUNTRIES, logo_data_uri


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPQ_", extra="ignore")

    database_url: str = "sqlite:///./var/cpq.db"
    documents_dir: Path = Path("./var/documents")
    #: Where `cpq serve` listens unless --host / --port say otherwise.
    host: str = "127.0.0.1"
    port: int = 8000
    #: A rep's line discount above this percentage needs an approver.
    approval_threshold_percent: Decimal = Decimal(20)
    #: Days a finalized quote stays open when it has no explicit valid_until.
    quote_validity_days: int = 30
    #: Default proration method of new quotes (docs/domain.md: deployment default `daily`).
    proration_method: str = "daily"
    #: The publisher as its documents name it, the seller of every order form: its legal name, address, numbers
    #: and contact. The defaults are the demo's.
    seller_name: str = "cpq demo publisher SAS"
    seller_street: str = "12 rue de la République"
    seller_postal_code: str = "69002"
    seller_city: str = "Lyon"
    #: ISO 3166-1 alpha-2.
    seller_country: str = "FR"
    seller_registration_number: str | None = "RCS Lyon 912 345 678"
    seller_vat_number: str | None = "FR74912345678"
    seller_email: str | None = "sales@cpq-demo.example"
    seller_phone: str | None = "+33 4 72 00 00 00"
    #: A PNG, JPEG or SVG file printed in the documents' masthead; read once at start-up.
    seller_logo: Path | None = None
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
    #: Webhook endpoints may be loopback or private addresses (a receiver on this machine, in tests and the demo).
    #: Off by default: an admin key could otherwise make the worker probe the internal network.
    webhook_allow_private_urls: bool = False
    #: One attempt to deliver a webhook waits this long for the receiver's answer.
    webhook_timeout_seconds: float = 10.0
    #: Webhooks one worker sends at once.
    webhook_concurrency: int = 8
    #: `cpq serve` starts a webhook worker beside the API (off: run `cpq webhooks deliver` elsewhere).
    webhooks_worker: bool = True
    #: Log lines of the "cpq" loggers: text for a terminal, json (one object a line) for a log pipeline.
    log_format: Literal["text", "json"] = "text"
    #: FastAPI's OpenTelemetry spans, metrics and logs, sent to the providers an OpenTelemetry SDK configures.
    #: Off unless asked: on, every request first asks whether a provider is configured, which cost a read of a
    #: quote or a contract 6 % of its time with none (the Prometheus metrics at /metrics are always on).
    opentelemetry: bool = False

    _seller_logo_uri: str | None = PrivateAttr(default=None)

    @field_validator("seller_country")
    @classmethod
    def _country(cls, value: str) -> str:
        if value not in COUNTRIES:
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (FR, DE, PL…)")
        return value

    @model_validator(mode="after")
    def _read_logo(self) -> Settings:
        """Read the logo now: a missing, unreadable or non-image file stops start-up with its path, instead of
        every finalize failing (or printing a broken image) later."""
        if self.seller_logo is not None:
            try:
                self._seller_logo_uri = logo_data_uri(self.seller_logo.read_bytes())
            except OSError as error:
                raise ValueError(f"CPQ_SELLER_LOGO {self.seller_logo}: cannot be read ({error.strerror})") from error
            except ValueError as error:
                raise ValueError(f"CPQ_SELLER_LOGO {self.seller_logo}: {error}") from error
        return self

    @property
    def seller_logo_uri(self) -> str | None:
        """The logo read at start-up, as the data: URI documents embed."""
        return self._seller_logo_uri

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
