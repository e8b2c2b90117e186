"""Commercial terms set on a quote and carried to its contract: billing, renewal and mid-term policies."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.domain.errors import InvalidInput, ViolationList
from app.domain.periods import FREQUENCY_MONTHS
from app.domain.proration import PRORATION_METHODS

RENEWAL_PRICING = ("same", "list", "uplift")
MID_TERM_DECREASE = ("at_renewal", "credit", "forbid")


@dataclass(frozen=True)
class RenewalSettings:
    auto_renew: bool = False
    pricing: str = "same"
    uplift_percent: Decimal | None = None
    #: Null means "the same length as the current term".
    term_months: int | None = None
    lead_days: int = 60
    notice_days: int = 30


@dataclass(frozen=True)
class ContractTerms:
    term_months: int | None
    billing_frequency: str
    renewal: RenewalSettings
    mid_term_decrease: str
    proration_method: str


def validate_terms(terms: ContractTerms) -> None:
    """Refuse settings that docs/domain.md does not define, naming each one."""
    problems = ViolationList()
    if terms.term_months is not None and terms.term_months < 1:
        problems.add(("term_months",), "term_months must be at least 1, or null for an evergreen contract")
    if terms.billing_frequency not in FREQUENCY_MONTHS:
        problems.add(("billing_frequency",), f"billing_frequency must be one of {', '.join(FREQUENCY_MONTHS)}")
    if terms.mid_term_decrease not in MID_TERM_DECREASE:
        problems.add(("mid_term_decrease",), f"mid_term_decrease must be one of {', '.join(MID_TERM_DECREASE)}")
    if terms.proration_method not in PRORATION_METHODS:
        problems.add(("proration_method",), f"proration_method must be one of {', '.join(PRORATION_METHODS)}")
    renewal = terms.renewal
    if renewal.pricing not in RENEWAL_PRICING:
        problems.add(("renewal", "pricing"), f"renewal pricing must be one of {', '.join(RENEWAL_PRICING)}")
    if renewal.pricing == "uplift" and (renewal.uplift_percent is None or renewal.uplift_percent < 0):
        problems.add(("renewal", "uplift_percent"), "uplift pricing needs a non-negative uplift_percent")
    if renewal.pricing != "uplift" and renewal.uplift_percent is not None:
        problems.add(("renewal", "uplift_percent"), "uplift_percent applies only to uplift pricing")
    if renewal.term_months is not None and renewal.term_months < 1:
        problems.add(("renewal", "term_months"), "renewal term_months must be at least 1")
    if renewal.lead_days < 0:
        problems.add(("renewal", "lead_days"), "lead_days must not be negative")
    if renewal.notice_days < 0:
        problems.add(("renewal", "notice_days"), "notice_days must not be negative")
    problems.raise_if_any(InvalidInput, "invalid contract terms")
