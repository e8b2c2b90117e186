"""Commercial terms: billing frequency, proration method, mid-term decrease policy and renewal settings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.errors import InvalidInput
from app.domain.terms import ContractTerms, RenewalSettings, validate_terms


def renewal(
    *,
    auto_renew: bool = False,
    pricing: str = "same",
    uplift_percent: str | None = None,
    term_months: int | None = None,
    lead_days: int = 60,
    notice_days: int = 30,
) -> RenewalSettings:
    return RenewalSettings(
        auto_renew=auto_renew,
        pricing=pricing,
        uplift_percent=None if uplift_percent is None else Decimal(uplift_percent),
        term_months=term_months,
        lead_days=lead_days,
        notice_days=notice_days,
    )


def contract_terms(
    *,
    term_months: int | None = 12,
    billing_frequency: str = "monthly",
    renewal_settings: RenewalSettings | None = None,
    mid_term_decrease: str = "at_renewal",
    proration_method: str = "daily",
) -> ContractTerms:
    return ContractTerms(
        term_months=term_months,
        billing_frequency=billing_frequency,
        renewal=renewal_settings or renewal(),
        mid_term_decrease=mid_term_decrease,
        proration_method=proration_method,
    )


def refusal(terms: ContractTerms) -> list[tuple[str | int, ...]]:
    with pytest.raises(InvalidInput) as raised:
        validate_terms(terms)
    return [violation.loc for violation in raised.value.violations]


class TestRenewalSettings:
    def test_default_to_no_auto_renewal_at_the_same_price(self) -> None:
        settings = RenewalSettings()
        assert settings.auto_renew is False
        assert settings.pricing == "same"
        assert settings.uplift_percent is None

    def test_default_to_the_current_term_length_and_60_days_lead(self) -> None:
        settings = RenewalSettings()
        assert settings.term_months is None
        assert settings.lead_days == 60


class TestValidateTerms:
    def test_accepts_the_default_terms(self) -> None:
        assert validate_terms(contract_terms()) is None

    @pytest.mark.parametrize("frequency", ["monthly", "quarterly", "semiannual", "annual"])
    def test_accepts_every_billing_frequency(self, frequency: str) -> None:
        assert validate_terms(contract_terms(billing_frequency=frequency)) is None

    @pytest.mark.parametrize("method", ["daily", "monthly_daily", "none"])
    def test_accepts_every_proration_method(self, method: str) -> None:
        assert validate_terms(contract_terms(proration_method=method)) is None

    @pytest.mark.parametrize("policy", ["at_renewal", "credit", "forbid"])
    def test_accepts_every_mid_term_decrease_policy(self, policy: str) -> None:
        assert validate_terms(contract_terms(mid_term_decrease=policy)) is None

    @pytest.mark.parametrize("pricing", ["same", "list"])
    def test_accepts_renewal_pricing_without_uplift(self, pricing: str) -> None:
        assert validate_terms(contract_terms(renewal_settings=renewal(pricing=pricing))) is None

    def test_accepts_uplift_pricing_with_an_uplift_percent(self) -> None:
        settings = renewal(auto_renew=True, pricing="uplift", uplift_percent="5")
        assert validate_terms(contract_terms(renewal_settings=settings)) is None

    def test_accepts_an_uplift_of_zero_percent(self) -> None:
        settings = renewal(pricing="uplift", uplift_percent="0")
        assert validate_terms(contract_terms(renewal_settings=settings)) is None

    def test_accepts_an_evergreen_contract(self) -> None:
        assert validate_terms(contract_terms(term_months=None)) is None

    def test_accepts_zero_lead_and_notice_days(self) -> None:
        settings = renewal(lead_days=0, notice_days=0)
        assert validate_terms(contract_terms(renewal_settings=settings)) is None

    def test_refuses_an_unknown_billing_frequency(self) -> None:
        assert refusal(contract_terms(billing_frequency="weekly")) == [("billing_frequency",)]

    def test_refuses_an_unknown_proration_method(self) -> None:
        assert refusal(contract_terms(proration_method="hourly")) == [("proration_method",)]

    def test_refuses_an_unknown_mid_term_decrease_policy(self) -> None:
        assert refusal(contract_terms(mid_term_decrease="refund")) == [("mid_term_decrease",)]

    def test_refuses_an_unknown_renewal_pricing(self) -> None:
        assert refusal(contract_terms(renewal_settings=renewal(pricing="discount"))) == [("renewal", "pricing")]

    def test_refuses_uplift_pricing_without_an_uplift_percent(self) -> None:
        settings = renewal(pricing="uplift")
        assert refusal(contract_terms(renewal_settings=settings)) == [("renewal", "uplift_percent")]

    def test_refuses_a_negative_uplift_percent(self) -> None:
        settings = renewal(pricing="uplift", uplift_percent="-1")
        assert refusal(contract_terms(renewal_settings=settings)) == [("renewal", "uplift_percent")]

    @pytest.mark.parametrize("pricing", ["same", "list"])
    def test_refuses_an_uplift_percent_with_non_uplift_pricing(self, pricing: str) -> None:
        settings = renewal(pricing=pricing, uplift_percent="5")
        assert refusal(contract_terms(renewal_settings=settings)) == [("renewal", "uplift_percent")]

    def test_refuses_negative_lead_days(self) -> None:
        assert refusal(contract_terms(renewal_settings=renewal(lead_days=-1))) == [("renewal", "lead_days")]

    def test_refuses_negative_notice_days(self) -> None:
        assert refusal(contract_terms(renewal_settings=renewal(notice_days=-1))) == [("renewal", "notice_days")]

    def test_refuses_a_term_of_zero_months(self) -> None:
        assert refusal(contract_terms(term_months=0)) == [("term_months",)]

    def test_refuses_a_renewal_term_of_zero_months(self) -> None:
        assert refusal(contract_terms(renewal_settings=renewal(term_months=0))) == [("renewal", "term_months")]

    def test_names_every_bad_setting_at_once(self) -> None:
        terms = contract_terms(
            billing_frequency="weekly",
            proration_method="hourly",
            renewal_settings=renewal(pricing="uplift", lead_days=-1),
        )
        assert refusal(terms) == [
            ("billing_frequency",),
            ("proration_method",),
            ("renewal", "uplift_percent"),
            ("renewal", "lead_days"),
        ]

    def test_says_which_values_are_allowed(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            validate_terms(contract_terms(billing_frequency="weekly"))
        assert "monthly, quarterly, semiannual, annual" in raised.value.detail
