"""Money: one rounding rule (half-up to the currency's minor unit), unit prices kept to 6 places."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from app.domain.errors import InvalidInput
from app.domain.money import (
    UnknownCurrency,
    display_unit_price,
    minor_units,
    percent_off,
    round_amount,
    round_unit_price,
)


class TestMinorUnits:
    def test_euro_has_two_decimal_places(self) -> None:
        assert minor_units("EUR") == 2

    def test_yen_has_no_decimal_places(self) -> None:
        assert minor_units("JPY") == 0

    def test_an_unknown_currency_is_refused(self) -> None:
        with pytest.raises(UnknownCurrency) as raised:
            minor_units("XYZ")
        assert "XYZ" in raised.value.detail

    def test_an_unknown_currency_is_invalid_input(self) -> None:
        assert issubclass(UnknownCurrency, InvalidInput)
        assert UnknownCurrency.code == "unknown_currency"


class TestRoundAmount:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("0.005", "0.01"),
            ("2.675", "2.68"),
            ("-0.005", "-0.01"),
            ("0.004", "0.00"),
            ("2.665", "2.67"),
            ("47.420", "47.42"),
            ("21", "21.00"),
        ],
    )
    def test_rounds_euro_half_up_to_cents(self, value: str, expected: str) -> None:
        assert str(round_amount(Decimal(value), "EUR")) == expected

    def test_rounds_yen_half_up_to_whole_yen(self) -> None:
        assert round_amount(Decimal("4742.5"), "JPY") == Decimal(4743)
        assert str(round_amount(Decimal("4742.5"), "JPY")) == "4743"

    def test_rounds_yen_below_half_down(self) -> None:
        assert round_amount(Decimal("4742.49"), "JPY") == Decimal(4742)

    def test_refuses_an_unknown_currency(self) -> None:
        with pytest.raises(UnknownCurrency):
            round_amount(Decimal("1.00"), "XYZ")

    def test_rounds_a_full_precision_prorated_amount_once(self) -> None:
        # docs/domain.md: 5 × 21.00 × 14/31 = 47.4193… → 47.42
        assert round_amount(Decimal(5) * Decimal("21.00") * 14 / 31, "EUR") == Decimal("47.42")

    def test_serializes_with_exactly_the_currency_digits(self) -> None:
        assert str(round_amount(Decimal(5) * Decimal("21.00") * 14 / 31, "EUR")) == "47.42"
        assert str(round_amount(Decimal("47.420"), "EUR")) == "47.42"
        assert str(round_amount(Decimal("47.4"), "EUR")) == "47.40"


class TestRoundUnitPrice:
    def test_keeps_six_decimal_places(self) -> None:
        assert str(round_unit_price(Decimal(2380) / 30)) == "79.333333"

    def test_rounds_half_up_at_the_sixth_place(self) -> None:
        assert round_unit_price(Decimal("0.0000005")) == Decimal("0.000001")
        assert round_unit_price(Decimal("1.2345665")) == Decimal("1.234567")

    def test_rounds_below_half_down_at_the_sixth_place(self) -> None:
        assert round_unit_price(Decimal("1.23456749")) == Decimal("1.234567")

    def test_never_rounds_to_cents(self) -> None:
        assert round_unit_price(Decimal("21.375")) == Decimal("21.375000")
        assert str(round_unit_price(Decimal("21.375"))) == "21.375000"


class TestDisplayUnitPrice:
    @pytest.mark.parametrize(
        ("value", "currency", "expected"),
        [
            ("21", "EUR", "21.00"),
            ("79.3333333", "EUR", "79.333333"),
            ("0.05", "EUR", "0.05"),
            ("100", "JPY", "100"),
            ("22.050000", "EUR", "22.05"),
            ("21.375000", "EUR", "21.375"),
            ("100", "EUR", "100.00"),
            ("1E+2", "EUR", "100.00"),
            ("0", "EUR", "0.00"),
            ("1580.5", "JPY", "1580.5"),
        ],
    )
    def test_shows_at_least_the_currency_digits_and_at_most_six(
        self, value: str, currency: str, expected: str
    ) -> None:
        assert str(display_unit_price(Decimal(value), currency)) == expected

    def test_rounds_half_up_beyond_six_places(self) -> None:
        assert str(display_unit_price(Decimal("0.0000005"), "EUR")) == "0.000001"

    @pytest.mark.parametrize("currency", ["EUR", "JPY"])
    def test_random_prices_print_their_digits_trimmed_to_the_currency_s(self, currency: str) -> None:
        """Against the rule written on the text: six places half-up, trailing zeros dropped down to the currency's."""
        rng = random.Random(20261207)
        for _ in range(2000):
            value = Decimal(rng.randrange(0, 10**rng.randrange(1, 12))).scaleb(-rng.randrange(0, 10))
            whole, _, fraction = f"{round_unit_price(value):f}".partition(".")
            fraction = fraction.rstrip("0").ljust(minor_units(currency), "0")
            assert str(display_unit_price(value, currency)) == whole + ("." + fraction if fraction else ""), value

    def test_refuses_an_unknown_currency(self) -> None:
        with pytest.raises(UnknownCurrency):
            display_unit_price(Decimal(1), "XYZ")


class TestPercentOff:
    def test_takes_the_percentage_off_the_value(self) -> None:
        assert percent_off(Decimal("25.00"), Decimal(10)) == Decimal("22.500000")

    def test_keeps_unit_price_precision(self) -> None:
        assert str(percent_off(Decimal("25.00"), Decimal(5))) == "23.750000"

    def test_rounds_half_up_to_six_places(self) -> None:
        # 1 × (100 − 33.33335) / 100 = 0.6666665: half-up gives 0.666667 (half-even would give 0.666666)
        assert percent_off(Decimal(1), Decimal("33.33335")) == Decimal("0.666667")

    def test_zero_percent_leaves_the_value(self) -> None:
        assert percent_off(Decimal("21.00"), Decimal(0)) == Decimal("21.000000")

    def test_hundred_percent_gives_zero(self) -> None:
        assert percent_off(Decimal("21.00"), Decimal(100)) == Decimal("0.000000")
