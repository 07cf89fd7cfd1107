"""Simulated pseudo patient-level data: determinism, design invariants, recovery of the inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import simulate, survival

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=50)

TWO_ARMS = {"control": {"n": 300, "median": 6.0}, "experimental": {"n": 300, "median": 9.0}}


def test_same_seed_gives_identical_data_and_another_seed_does_not():
    first = simulate.simulate_trial(TWO_ARMS, accrual=24, follow_up=12, seed=2024)
    again = simulate.simulate_trial(TWO_ARMS, accrual=24, follow_up=12, seed=2024)
    pd.testing.assert_frame_equal(first, again)
    assert first.attrs == again.attrs
    other = simulate.simulate_trial(TWO_ARMS, accrual=24, follow_up=12, seed=2025)
    assert not np.array_equal(first["time"].to_numpy(), other["time"].to_numpy())


def test_columns_arm_sizes_and_order_follow_the_input():
    df = simulate.simulate_trial(TWO_ARMS, accrual=24, follow_up=12, seed=1)
    assert list(df.columns) == ["time", "event", "arm"]
    assert df["time"].dtype == np.float64 and df["event"].dtype == np.int64
    assert list(pd.unique(df["arm"])) == ["control", "experimental"]
    assert df["arm"].value_counts().to_dict() == {"control": 300, "experimental": 300}
    assert set(df["event"]) <= {0, 1}


def test_every_frame_is_flagged_as_an_illustration():
    df = simulate.simulate_trial(TWO_ARMS, accrual=24, follow_up=12, seed=1, shape=1.3)
    assert simulate.is_illustration(df)
    assert simulate.is_illustration(df[df["arm"] == "control"])  # survives selection
    assert df.attrs["note"] == simulate.ILLUSTRATION_NOTE
    assert "ILLUSTRATION" in df.attrs["note"] and "not trial data" in df.attrs["note"]
    assert df.attrs["assumptions"]["distribution"] == "Weibull, common shape 1.3"
    assert df.attrs["assumptions"]["seed"] == 1
    assert not simulate.is_illustration(pd.DataFrame({"time": [1.0]}))


def test_without_dropout_censoring_is_administrative_only():
    # Entry in [0, 24], analysis at 36: a censored patient has been followed 12 to 36 months.
    df = simulate.simulate_trial(TWO_ARMS, accrual=24, follow_up=12, seed=3)
    censored = df.loc[df["event"] == 0, "time"]
    assert len(censored) > 0
    assert censored.min() >= 12.0
    assert df["time"].max() <= 36.0


def test_without_accrual_everyone_alive_is_censored_at_the_follow_up():
    df = simulate.simulate_trial(TWO_ARMS, accrual=0, follow_up=10, seed=4)
    assert (df.loc[df["event"] == 0, "time"] == 10.0).all()


def test_dropout_fraction_matches_its_hazard():
    # Events practically never happen (median 10^6); with no accrual and follow-up 10, the
    # fraction who drop out before 10 is 1 - exp(-0.05 * 10) = 0.3935. With n = 20000 its
    # binomial SE is 0.0035; tolerance 0.015.
    arms = {"a": {"n": 20000, "median": 1e6}}
    df = simulate.simulate_trial(arms, accrual=0, follow_up=10, seed=5, dropout_hazard=0.05)
    assert (df["time"] < 10).mean() == pytest.approx(1 - math.exp(-0.5), abs=0.015)


LARGE = {"control": {"n": 20000, "median": 6.0}, "experimental": {"n": 20000, "median": 9.0}}


@pytest.mark.parametrize(("shape", "dropout_hazard"), [(1.0, 0.0), (0.7, 0.0), (1.5, 0.0), (1.0, 0.02)])
def test_kaplan_meier_median_recovers_the_input_median(shape, dropout_hazard):
    # n = 20000 per arm: the SE of a KM median is about m / (sqrt(n) k ln 2), 1-1.5% of m here,
    # so a 5% relative tolerance is 3-5 standard errors.
    df = simulate.simulate_trial(LARGE, accrual=24, follow_up=24, seed=11, shape=shape, dropout_hazard=dropout_hazard)
    table = survival.median_summary(df, "time", "event", "arm")
    for arm, spec in LARGE.items():
        assert table.loc[arm, "median"] == pytest.approx(spec["median"], rel=0.05)


@pytest.mark.parametrize("shape", [1.0, 1.5])
def test_cox_fit_recovers_the_hazard_ratio_implied_by_the_medians(shape):
    # Common Weibull shape k: HR = (m_C / m_E) ** k; exponential (k = 1): 6 / 9 = 0.667.
    # n = 4000 per arm, about 7000 events: SE(log HR) is about 0.024; tolerance 0.08 on log HR.
    arms = {"control": {"n": 4000, "median": 6.0}, "experimental": {"n": 4000, "median": 9.0}}
    df = simulate.simulate_trial(arms, accrual=12, follow_up=18, seed=12, shape=shape)
    result, _ = survival.cox_hazard_ratio(df, "time", "event", "arm", "experimental")
    assert result["coef"] == pytest.approx(shape * math.log(6.0 / 9.0), abs=0.08)


@PROPERTY
@given(
    n_control=st.integers(1, 60),
    n_experimental=st.integers(1, 60),
    median_control=st.floats(0.5, 60),
    median_experimental=st.floats(0.5, 60),
    accrual=st.floats(0, 48),
    follow_up=st.floats(0.5, 60),
    shape=st.floats(0.3, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_design_invariants_hold_for_any_valid_input(
    n_control, n_experimental, median_control, median_experimental, accrual, follow_up, shape, seed
):
    arms = {
        "control": {"n": n_control, "median": median_control},
        "experimental": {"n": n_experimental, "median": median_experimental},
    }
    df = simulate.simulate_trial(arms, accrual=accrual, follow_up=follow_up, seed=seed, shape=shape)
    assert len(df) == n_control + n_experimental
    assert (df["time"] > 0).all()
    assert (df["time"] <= accrual + follow_up).all()
    assert (df.loc[df["event"] == 0, "time"] >= follow_up).all()


@pytest.mark.parametrize(
    ("arms", "kwargs", "error", "message"),
    [
        ({}, {}, ValueError, "arms must be a non-empty mapping"),
        ({"a": {"n": 10, "median": 0.0}}, {}, ValueError, "arm 'a': median must be a positive finite number, got 0.0"),
        (
            {"a": {"n": 10, "median": -3.0}},
            {},
            ValueError,
            "arm 'a': median must be a positive finite number, got -3.0",
        ),
        (
            {"a": {"n": 10, "median": math.inf}},
            {},
            ValueError,
            "arm 'a': median must be a positive finite number, got inf",
        ),
        ({"a": {"n": 0, "median": 6.0}}, {}, ValueError, "arm 'a': n must be an integer ≥ 1, got 0"),
        ({"a": {"n": 10.5, "median": 6.0}}, {}, TypeError, r"arm 'a': n must be an integer ≥ 1, got 10.5 \(float\)"),
        ({"a": {"n": 10}}, {}, ValueError, r"arm 'a': expected keys \['median', 'n'\], missing \['median'\]"),
        ({"a": {"n": 10, "median": 6.0, "hr": 0.7}}, {}, ValueError, r"unknown \['hr'\]"),
        ({"a": [10, 6.0]}, {}, TypeError, "arm 'a': expected a mapping"),
        (TWO_ARMS, {"accrual": -1}, ValueError, "accrual must be a finite number ≥ 0, got -1.0"),
        (TWO_ARMS, {"follow_up": 0}, ValueError, "follow_up must be a positive finite number, got 0.0"),
        (TWO_ARMS, {"shape": 0}, ValueError, "shape must be a positive finite number, got 0.0"),
        (TWO_ARMS, {"dropout_hazard": -0.1}, ValueError, "dropout_hazard must be a finite number ≥ 0, got -0.1"),
        (TWO_ARMS, {"seed": 1.5}, TypeError, r"seed must be an integer ≥ 0, got 1.5 \(float\)"),
        (TWO_ARMS, {"seed": -1}, ValueError, "seed must be an integer ≥ 0, got -1"),
    ],
)
def test_invalid_inputs_are_errors(arms, kwargs, error, message):
    arguments = {"accrual": 12, "follow_up": 12, "seed": 0}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        simulate.simulate_trial(arms, **arguments)


def _null_cohort(seed: int = 3) -> pd.DataFrame:
    return simulate.simulate_trial({"all": {"n": 2000, "median": 20.0}}, accrual=12, follow_up=36, seed=seed)


def test_assign_after_wait_treats_only_patients_followed_past_their_wait():
    cohort = simulate.assign_after_wait(
        _null_cohort(), max_wait=24, share_offered=0.4, seed=5, labels=("treated", "untreated")
    )
    treated = cohort["group"] == "treated"
    assert (cohort.loc[treated, "time"] > cohort.loc[treated, "wait"]).all()
    assert cohort.loc[treated, "offered"].all()
    assert ((cohort["wait"] >= 0) & (cohort["wait"] < 24)).all()
    # Offered patients who died or were censored during their wait stay untreated.
    lost = cohort["offered"] & (cohort["time"] <= cohort["wait"])
    assert lost.sum() > 0 and (cohort.loc[lost, "group"] == "untreated").all()
    assert simulate.is_illustration(cohort)
    assert cohort.attrs["immortal_time"] == {
        "max_wait": 24.0,
        "share_offered": 0.4,
        "seed": 5,
        "labels": ["treated", "untreated"],
    }


def test_immortal_time_bias_appears_from_time_zero_and_vanishes_at_the_landmark():
    # The treatment does nothing (one survival distribution), yet counted from time zero the
    # ever-treated look protected; at a landmark after the longest wait the HR is compatible with 1.
    cohort = simulate.assign_after_wait(
        _null_cohort(), max_wait=24, share_offered=0.4, seed=5, labels=("treated", "untreated")
    )
    naive, _ = survival.cox_hazard_ratio(cohort, "time", "event", "group", "treated")
    aligned, _ = survival.cox_hazard_ratio(survival.landmark(cohort, "time", 24), "time", "event", "group", "treated")
    assert naive["hr_upper"] < 0.8
    assert aligned["hr_lower"] < 1 < aligned["hr_upper"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_wait": 0, "share_offered": 0.5}, "max_wait must be a positive finite number, got 0.0"),
        ({"max_wait": 12, "share_offered": 1.5}, r"share_offered must be a number in \[0, 1\], got 1.5"),
    ],
)
def test_assign_after_wait_rejects_impossible_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate.assign_after_wait(_null_cohort(), seed=1, **kwargs)


def test_assign_after_wait_refuses_a_missing_duration():
    cohort = _null_cohort()
    cohort.loc[7, "time"] = np.nan
    with pytest.raises(ValueError, match="time is missing in row 7"):
        simulate.assign_after_wait(cohort, max_wait=12, share_offered=0.5, seed=1)
