"""Every table, imported here so Alembic and the metadata see them all."""

from app.db.models.accounts import Account, ContractedPriceRow
from app.db.models.audit import AuditEntry, Event
from app.db.models.auth import ApiKey, IdempotencyRecord
from app.db.models.catalog import DiscountScheduleRow, PriceBookEntry, ProductRow
from app.db.models.contracts import (
    Contract,
    ContractTerm,
    ContractVersion,
    OneTimeCharge,
    ProratedCharge,
    ScheduledChange,
    SubscriptionSegment,
)
from app.db.models.quotes import NumberSequence, Quote, QuoteAcceptance, QuoteLine
from app.db.models.renewals import RenewalRun, RenewalRunError
from app.db.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account",
    "ApiKey",
    "AuditEntry",
    "Contract",
    "ContractTerm",
    "ContractVersion",
    "ContractedPriceRow",
    "DiscountScheduleRow",
    "Event",
    "IdempotencyRecord",
    "NumberSequence",
    "OneTimeCharge",
    "PriceBookEntry",
    "ProductRow",
    "ProratedCharge",
    "Quote",
    "QuoteAcceptance",
    "QuoteLine",
    "RenewalRun",
    "RenewalRunError",
    "ScheduledChange",
    "SubscriptionSegment",
    "WebhookDelivery",
    "WebhookEndpoint",
]
