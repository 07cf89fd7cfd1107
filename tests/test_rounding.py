"""Comparing printed numbers (helpers.rounding): oracles are hand-computed rounding intervals."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import claims, rounding


def test_sum_of_printed_shares_carries_their_rounding():
    total, lower, upper = rounding.sum_of_printed_shares(["10.3", "4.6"])
    assert (total, lower, upper) == pytest.approx((14.9, 14.80, 15.00), abs=1e-12)
    total, lower, upper = rounding.sum_of_printed_shares(["9.61621881170562", "3.97018395859337"])
    assert upper - lower == pytest.approx(2e-14, rel=0.01)  # each printed to 1e-14: half a unit either side


def test_sum_of_shares_and_share_from_counts():
    assert rounding.sum_of_shares([9.6, 4.0]) == pytest.approx(13.6)
    assert rounding.sum_of_shares([10.3, 4.6]) == pytest.approx(14.9)
    assert claims.share_from_counts(550, 2263) == pytest.approx(24.3040, abs=1e-4)
    assert claims.share_from_counts(0, 10) == 0
    with pytest.raises(ValueError):
        rounding.sum_of_shares([])
    with pytest.raises(ValueError):
        rounding.sum_of_shares([60, 50])
    with pytest.raises(ValueError):
        rounding.sum_of_shares([-1, 5])
    with pytest.raises(ValueError):
        claims.share_from_counts(3, 2)


def test_claimed_numbers_reads_numbers_as_printed():
    assert rounding.claimed_numbers("65.5, 40.4, 0.48, .003") == ["65.5", "40.4", "0.48", ".003"]
    assert rounding.claimed_numbers("1,021") == ["1021"]
    assert rounding.claimed_numbers("phase II") == []
    assert rounding.claimed_numbers(None) == []
    assert rounding.claimed_numbers(pd.NA) == []


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("20", (15, 25)),
        ("30", (25, 35)),
        ("26", (25.5, 26.5)),
        ("8.5", (8.45, 8.55)),
        ("100", (50, 150)),
        ("0.40", (0.35, 0.45)),
    ],
)
def test_approximate_interval_is_half_a_unit_of_the_last_significant_digit(printed, expected):
    assert rounding.approximate_interval(printed) == pytest.approx(expected)


def test_compare_number_allows_rounding_and_nothing_more():
    assert rounding.compare_number("9.5", "9.5").consistent
    assert not rounding.compare_number("9.5", "9.2").consistent
    assert rounding.compare_number("0.48", 0.485).consistent  # on the boundary: rounding explains it
    assert not rounding.compare_number("0.48", 0.4851).consistent
    assert rounding.compare_number(".003", "0.003").consistent  # missing leading zero
    assert rounding.compare_number("9.5", "9.50").consistent  # 9.5 stands for 9.45 to 9.55
    assert rounding.compare_number("38", (27.3, 28.0)).verdict == "inconsistent"
    assert rounding.compare_number("28", (27.3, 28.0)).verdict == "consistent"
    approx = rounding.compare_number("20", 13.6, "approximate")
    assert approx.claimed_interval == pytest.approx((15, 25)) and not approx.consistent
    assert rounding.compare_number("20", 15.0, "approximate").consistent
    assert not rounding.compare_number("20", 15.0, "printed").consistent
    assert not rounding.compare_number("321", "101", "exact").consistent
    assert rounding.compare_number("521", "521", "exact").verdict == "consistent"
    with pytest.raises(ValueError):
        rounding.compare_number("1", 1, "roughly")


def test_difference_of_printed_rates_undoes_the_rounding():
    # Oracle (hand-computed): 78.5% of 65 -> 51 responders, 57.1% of 63 -> 36; 51/65 - 36/63 = 0.213187;
    # Wald SE = sqrt(.784615*.215385/65 + .571429*.428571/63) = 0.080543.
    result = rounding.difference_of_printed_rates(78.5, 65, 57.1, 63)
    assert (result["responders_experimental"], result["responders_control"]) == (51, 36)
    assert result["difference_printed"] == pytest.approx(21.4)
    assert result["difference"] == pytest.approx(21.3187, abs=1e-4)
    assert result["lower"] == pytest.approx(21.3187 - 1.959964 * 8.0543, abs=1e-3)
    assert result["upper"] == pytest.approx(21.3187 + 1.959964 * 8.0543, abs=1e-3)
    with pytest.raises(ValueError, match="arm sizes must be positive"):
        rounding.difference_of_printed_rates(50, 0, 40, 10)
    with pytest.raises(ValueError, match=r"percent_control must be a percentage in \[0, 100\], got 140"):
        rounding.difference_of_printed_rates(50, 10, 140, 10)
    assert isinstance(result["responders_experimental"], int)
