"""The one number format: two decimals, integers exactly, tiny or huge blocks scaled by a
power of ten on their label; never a crash, down to subnormal floats."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepper.views.numbers import block_exponent, factor_text, number_text, scaled, widest_text


def test_plain_values_read_with_two_decimals_and_integers_exactly():
    assert [number_text(v) for v in (0.3049, -1.37, -0.001, 1.0, 0.0, -0.0, 12.5)] == [
        "0.30",
        "-1.37",
        "0.00",
        "1",
        "0",
        "0",
        "12.50",
    ]
    assert [number_text(v) for v in (math.nan, math.inf, -math.inf)] == ["NaN", "∞", "-∞"]


def test_tiny_blocks_get_one_factor_and_readable_digits():
    exponent = block_exponent(0.0034)
    assert exponent == -3 and factor_text(exponent) == "×1e-3"
    assert number_text(0.0034, exponent) == "3.40"
    assert number_text(-0.00012, exponent) == "-0.12"
    assert block_exponent(0.5) == 0 and factor_text(0) == ""
    assert block_exponent(2.5e4) == 4 and number_text(2.5e4, 4) == "2.50"


@pytest.mark.parametrize("value", [5e-324, -5e-324, 2.2e-308, 1e-320])
def test_subnormal_values_never_crash_the_formatter(value):
    """An `init_scale: 5e-324` lesson: 10.0**-324 is 0.0, so dividing by it would crash."""
    exponent = block_exponent(abs(value))
    assert exponent < -300
    text = number_text(value, exponent)
    expected = float(Decimal(value) / Decimal(10) ** exponent)  # exact arithmetic, no floats
    assert float(text) == pytest.approx(expected, abs=0.005)
    assert abs(float(text)) >= 1  # readable digits, not 0.00
    assert widest_text(abs(value), exponent)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_scaled_numbers_say_the_value(value):
    """Read back through its factor, a shown number is within half a last digit of the value."""
    exponent = block_exponent(abs(value))
    shown = float(number_text(value, exponent))
    assert abs(shown - scaled(value, exponent)) <= 0.005 + 1e-9 * abs(shown)
    assert abs(scaled(value, exponent)) < 1000
