from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.core.money import (
    CURRENCY_MINOR_UNITS,
    MAX_AMOUNT,
    MoneyError,
    from_minor_units,
    minor_units,
    parse_amount,
    quantize,
    to_minor_units,
)

currencies = st.sampled_from(sorted(CURRENCY_MINOR_UNITS))


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("JPY", 0),
        ("CNY", 2),
        ("HKD", 2),
        ("TWD", 2),
        ("USD", 2),
        ("EUR", 2),
        ("KWD", 3),
        ("BHD", 3),
    ],
)
def test_minor_units_per_iso_4217(currency, places):
    assert minor_units(currency) == places


def test_unknown_currency_has_its_own_code():
    with pytest.raises(MoneyError) as exc:
        minor_units("XYZ")
    assert exc.value.code == "currency_unknown"
    assert "HKD" in str(exc.value.hint)


@given(currency=currencies, minor=st.integers(min_value=1, max_value=10**14))
def test_minor_unit_round_trip(currency, minor):
    amount = from_minor_units(minor, currency)
    assert to_minor_units(amount, currency) == minor
    assert parse_amount(str(amount), currency) == amount


@given(currency=currencies, minor=st.integers(min_value=1, max_value=10**14))
def test_parse_keeps_the_exact_value(currency, minor):
    amount = from_minor_units(minor, currency)
    assert parse_amount(amount, currency) == amount
    assert -amount.as_tuple().exponent == minor_units(currency)


@given(
    currency=currencies,
    minor=st.integers(min_value=1, max_value=10**12),
    extra=st.integers(min_value=1, max_value=9),
)
def test_more_decimals_than_the_currency_allows_are_refused(currency, minor, extra):
    amount = from_minor_units(minor, currency) + Decimal(extra).scaleb(-minor_units(currency) - 1)
    with pytest.raises(MoneyError) as exc:
        parse_amount(str(amount), currency)
    assert exc.value.code == "amount_too_precise"


@given(value=st.floats(allow_nan=True, allow_infinity=True), currency=currencies)
def test_no_float_is_ever_accepted(value, currency):
    with pytest.raises(MoneyError) as exc:
        parse_amount(value, currency)
    assert exc.value.code == "amount_float_not_accepted"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("NaN", "amount_not_finite"),
        ("Infinity", "amount_not_finite"),
        ("-5", "amount_not_positive"),
        ("0", "amount_not_positive"),
        ("abc", "amount_not_a_number"),
        ("", "amount_not_a_number"),
        (None, "amount_not_a_number"),
        ([1], "amount_not_a_number"),
        (True, "amount_float_not_accepted"),
        (str(MAX_AMOUNT + 1), "amount_too_large"),
        ("1e400", "amount_too_large"),
    ],
)
def test_bad_amounts_get_a_stable_code(value, code):
    with pytest.raises(MoneyError) as exc:
        parse_amount(value, "HKD")
    assert exc.value.code == code


def test_zero_only_when_allowed():
    assert parse_amount("0", "HKD", allow_zero=True) == Decimal("0.00")


def test_jpy_and_kwd_precision():
    assert parse_amount("1500", "JPY") == Decimal("1500")
    with pytest.raises(MoneyError):
        parse_amount("1500.5", "JPY")
    assert parse_amount("1.234", "KWD") == Decimal("1.234")
    with pytest.raises(MoneyError):
        parse_amount("1.2345", "KWD")


def test_quantize_uses_the_rounding_mode_given():
    assert quantize(Decimal("2.5"), "JPY", rounding=ROUND_HALF_EVEN) == Decimal("2")
    assert quantize(Decimal("2.5"), "JPY", rounding=ROUND_HALF_UP) == Decimal("3")
    assert quantize(Decimal("1.2349"), "KWD", rounding=ROUND_DOWN) == Decimal("1.234")
    with pytest.raises(TypeError):
        quantize(2.5, "JPY", rounding=ROUND_HALF_UP)


def test_minor_units_conversion_refuses_rounding_and_floats():
    with pytest.raises(ValueError):
        to_minor_units(Decimal("1.005"), "USD")
    with pytest.raises(TypeError):
        to_minor_units(1.0, "USD")
    with pytest.raises(TypeError):
        from_minor_units(1.5, "USD")
