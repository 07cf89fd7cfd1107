"""How numbers are written in prose."""

import math

import pytest

from helpers.formatting import (
    format_as_printed,
    format_ci,
    format_estimate_ci,
    format_number,
    format_p,
    format_percent,
    format_significant,
)


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0004, "< 0.001"),
        (0.0036, "0.0036"),
        (0.047, "0.047"),
        (0.21, "0.21"),
        (1.0, "1.00"),
    ],
)
def test_format_p_follows_journal_style(p, text):
    assert format_p(p) == text


def test_format_number_uses_a_true_minus_and_never_a_negative_zero():
    assert format_number(-1.234, 1) == "−1.2"
    assert format_number(-0.001, 2) == "0.00"


def test_format_estimate_ci():
    assert format_estimate_ci(0.6949, 0.5438, 0.8879) == "0.69 (95% CI 0.54–0.89)"
    assert format_ci(1, 2, 0) == "1–2"
    assert format_percent(0.234) == "23%"


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_values_are_errors(bad):
    with pytest.raises(ValueError, match="must be a finite number"):
        format_number(bad)


def test_p_outside_unit_interval_is_an_error():
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\], got 1.5"):
        format_p(1.5)


def test_format_significant_keeps_three_digits_and_at_most_four_decimals():
    # Oracle: the values written out by hand.
    assert format_significant(0.425397, 4) == "0.4254"
    assert format_significant(0.0123) == "0.0123"
    assert format_significant(0.000919) == "9.19e-04"
    assert format_significant(0.01908, 4) == "0.0191" and format_significant(0.00123) == "0.0012"
    assert format_significant(12345.678, 4) == "12345.678" and format_significant(0.09, 4) == "0.09"
    assert format_significant(1.0552489807736103, 4) == "1.055"
    assert format_significant(0) == "0"
    with pytest.raises(ValueError, match="digits must be at least 1"):
        format_significant(0.5, 0)


def test_format_as_printed_keeps_the_sources_digits():
    assert format_as_printed(0.059) == "0.059"
    assert format_as_printed(0.00455) == "4.55e-03"
    assert format_as_printed(0.00001) == "1e-05"
    assert format_as_printed(0.0001) == "0.0001"
