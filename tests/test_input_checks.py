"""Bad inputs to every method module: a clear error or a correct answer, never a silent result.

Oracle: the domain of each function (a probability lies in [0, 1], an interval contains its
estimate, an E-value is at least 1, a KM curve lies in [0, 1] and never rises). Hypothesis feeds
NaN, infinities, negative, zero, swapped, empty and wrongly typed values; each call must either
raise ``TypeError``/``ValueError``/``KeyError`` (or ``NotImplementedError`` where a rule has no
verified source) with a message naming the argument, or return a result inside the domain.
The cases found by the external API review (issue 23) are pinned as plain tests first.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import _check, benefit, effects, formatting, km, meta, observational, reconstruct, simulate, survival

PROPERTY = settings(derandomize=True, max_examples=150, deadline=None)
CLEAR_ERRORS = (TypeError, ValueError, KeyError, NotImplementedError)

#: Any scalar a caller might pass by mistake.
ANY_SCALAR = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, 1.0, 0.5, 2.0, 95.0, 1e-300, 1e300]),
    st.integers(-3, 3),
    st.booleans(),
    st.none(),
    st.sampled_from(["0.5", "no", "", "1"]),
)
#: Sequences of follow-up times with bad entries mixed in.
TIMES = st.lists(st.one_of(st.floats(0, 100), st.sampled_from([math.nan, math.inf, -1.0, 0.0])), max_size=8)
#: Status codes: 0/1, R's 1/2, booleans, NaN.
STATUS = st.lists(st.sampled_from([0, 1, 2, True, False, math.nan, -1]), max_size=8)


def clear_error_or(call, names: tuple[str, ...]):
    """Run ``call``; a raised error must be one of :data:`CLEAR_ERRORS` and name an argument.

    Returns the result, or ``None`` when the call raised.
    """
    try:
        return call()
    except CLEAR_ERRORS as error:
        message = str(error)
        assert any(name in message for name in names), f"message names no argument of {names}: {message!r}"
        return None


# --------------------------------------------------------------------------- the review's cases
def test_one_sided_p_above_one_half_is_an_error_not_an_inverted_interval():
    with pytest.raises(ValueError, match=r"p must be a number in \(0, 0.5\), got 0.6"):
        effects.ci_from_p(0.7, 0.6, sided=1)


def test_estimate_outside_its_interval_is_an_error():
    with pytest.raises(ValueError, match=r"hr 0.9 must lie within its interval \[0.5, 0.8\]"):
        effects.p_from_ci(0.9, 0.5, 0.8)
    with pytest.raises(ValueError, match=r"hr_b 2.0 must lie within its interval"):
        effects.interaction_test(0.7, 0.5, 0.9, 2.0, 0.5, 0.9)


def test_r_style_status_codes_are_refused_with_a_hint():
    frame = pd.DataFrame({"time": [1.0, 2.0, 3.0, 4.0], "status": [1, 2, 2, 1], "arm": ["a", "b", "a", "b"]})
    with pytest.raises(
        ValueError,
        match=r"column 'status' must be 1 \(event\) or 0 \(censored\); entry 1 is 2.0; "
        r"R-style status codes 1 = censored, 2 = event\? subtract 1",
    ):
        survival.logrank(frame, "time", "status", "arm")


@pytest.mark.parametrize("bad", [-1.0, math.nan])
def test_negative_or_missing_times_are_refused(bad):
    frame = pd.DataFrame({"time": [1.0, bad, 3.0, 4.0], "event": [1, 0, 1, 1], "arm": ["a", "b", "a", "b"]})
    with pytest.raises(ValueError, match=r"column 'time' must be finite times ≥ 0 with none missing; entry 1"):
        survival.median_summary(frame, "time", "event", "arm")
    with pytest.raises(ValueError, match="durations must be finite times ≥ 0"):
        survival.restricted_mean(frame["time"], frame["event"], 2.0)


def test_ci_level_as_a_fraction_is_refused_by_check_consistency():
    row = {
        "effect_id": "x",
        "hr": 0.5,
        "hr_ci_lower": 0.4,
        "hr_ci_upper": 0.7,
        "ci_level": 0.95,
        "p_value": 0.001,
        "median_experimental": np.nan,
        "median_control": np.nan,
        "events_experimental": np.nan,
        "events_control": np.nan,
    }
    with pytest.raises(ValueError, match="give the level in percent"):
        effects.check_consistency(pd.DataFrame([row]))


def test_truthy_strings_are_not_flags():
    with pytest.raises(TypeError, match="rare_outcome must be True or False, got 'no'"):
        observational.evalue_hr(0.7, 0.6, 0.8, rare_outcome="no")
    with pytest.raises(TypeError, match="hartung_knapp must be True or False, got 'no'"):
        meta.pool([0.1, 0.2], [0.1, 0.1], hartung_knapp="no")


def test_esmo_grade_refuses_a_lower_limit_at_or_above_one_without_the_upper_limit():
    with pytest.raises(ValueError, match="hr_ci_lower 1.2 is at least 1"):
        benefit.esmo_mcbs_form2a("OS", 1.2, 9.0, 3.0)


def test_km_value_at_with_no_event_is_one_everywhere():
    # Used to raise IndexError: a reconstruction with zero events broke curve_distance.
    assert km.km_value_at(km.km_steps([1, 2], [0, 0]), [0.5, 1.5, 9]).tolist() == [1.0, 1.0, 1.0]
    truth = pd.DataFrame({"time": [1.0, 2.0, 3.0], "event": [0, 0, 0]})
    assert km.curve_distance(truth, truth, min_at_risk=1) == 0.0


# --------------------------------------------------------------------------- _check itself
@PROPERTY
@given(value=ANY_SCALAR)
def test_check_number_returns_a_finite_float_or_names_the_argument(value):
    result = clear_error_or(lambda: _check.positive(value, "the_arg"), ("the_arg",))
    if result is not None:
        assert isinstance(result, float) and math.isfinite(result) and result > 0


@PROPERTY
@given(value=ANY_SCALAR)
def test_check_flag_accepts_only_bools(value):
    result = clear_error_or(lambda: _check.flag(value, "the_flag"), ("the_flag",))
    if result is not None:
        assert value is True or value is False


# --------------------------------------------------------------------------- effects
@PROPERTY
@given(hr=ANY_SCALAR, lower=ANY_SCALAR, upper=ANY_SCALAR, level=ANY_SCALAR)
def test_effects_p_from_ci_is_a_probability_or_a_clear_error(hr, lower, upper, level):
    p = clear_error_or(lambda: effects.p_from_ci(hr, lower, upper, level), ("hr", "lower", "upper", "level"))
    if p is not None:
        assert 0 <= p <= 1 and 0 < lower <= hr <= upper


@PROPERTY
@given(hr=ANY_SCALAR, p=ANY_SCALAR, sided=st.sampled_from([1, 2, 0, 3, True, 1.0, "2"]))
def test_effects_ci_from_p_contains_the_estimate_or_is_a_clear_error(hr, p, sided):
    result = clear_error_or(lambda: effects.ci_from_p(hr, p, sided=sided), ("hr", "p", "sided", "hazard ratio"))
    if result is not None:
        lower, upper = result
        assert 0 < lower <= hr <= upper and math.isfinite(upper)


@PROPERTY
@given(values=st.lists(ANY_SCALAR, min_size=6, max_size=6))
def test_effects_interaction_test_or_a_clear_error(values):
    names = ("hr_a", "lower_a", "upper_a", "hr_b", "lower_b", "upper_b", "lower limit")
    result = clear_error_or(lambda: effects.interaction_test(*values), names)
    if result is not None:
        assert 0 <= result["p"] <= 1 and result["lower"] <= result["ratio_of_hrs"] <= result["upper"]


@PROPERTY
@given(se=ANY_SCALAR, allocation=ANY_SCALAR, me=ANY_SCALAR, mc=ANY_SCALAR)
def test_effects_conversions_are_positive_or_a_clear_error(se, allocation, me, mc):
    for call, names in (
        (lambda: effects.events_from_se(se, allocation), ("se", "allocation")),
        (lambda: effects.se_from_events(se, allocation), ("events", "allocation")),
        (lambda: effects.hr_from_medians(me, mc), ("median_experimental", "median_control")),
    ):
        result = clear_error_or(call, names)
        if result is not None:
            assert result > 0


# --------------------------------------------------------------------------- formatting
@PROPERTY
@given(value=ANY_SCALAR, digits=st.sampled_from([0, 2, -1, 1.5, None]))
def test_formatting_writes_a_number_or_names_the_argument(value, digits):
    text = clear_error_or(lambda: formatting.format_number(value, digits), ("value", "digits"))
    if text is not None:
        assert text.replace("−", "").replace(".", "").isdigit()
    text = clear_error_or(lambda: formatting.format_p(value), ("p",))
    if text is not None:
        assert 0 <= value <= 1


# --------------------------------------------------------------------------- observational
@PROPERTY
@given(hr=ANY_SCALAR, lower=st.one_of(st.none(), ANY_SCALAR), upper=st.one_of(st.none(), ANY_SCALAR), rare=ANY_SCALAR)
def test_evalues_are_at_least_one_or_a_clear_error(hr, lower, upper, rare):
    result = clear_error_or(
        lambda: observational.evalue_hr(hr, lower, upper, rare_outcome=rare),
        ("hr", "lower", "upper", "rare_outcome", "confidence limits"),
    )
    if result is not None:
        assert result["e_value"] >= 1
        if result["e_value_ci"] is not None:
            assert 1 <= result["e_value_ci"] <= result["e_value"] + 1e-12


# --------------------------------------------------------------------------- benefit
@PROPERTY
@given(hr=ANY_SCALAR, survival_control=ANY_SCALAR, median=ANY_SCALAR, horizon=ANY_SCALAR)
def test_absolute_benefits_lie_in_their_domain_or_are_a_clear_error(hr, survival_control, median, horizon):
    gain = clear_error_or(lambda: benefit.landmark_survival_gain(hr, survival_control), ("hr", "survival_control_at_t"))
    if gain is not None:
        assert -1 <= gain["gain"] <= 1 and 0 <= gain["survival_experimental"] <= 1
    rmst = clear_error_or(lambda: benefit.rmst_exponential(median, horizon), ("median", "horizon"))
    if rmst is not None:
        assert 0 <= rmst <= horizon


@PROPERTY
@given(lower=ANY_SCALAR, median_control=ANY_SCALAR, gain=ANY_SCALAR, upper=st.one_of(st.none(), ANY_SCALAR))
def test_esmo_grade_is_one_to_four_or_a_clear_error(lower, median_control, gain, upper):
    names = ("hr_ci_lower", "median_control", "median_gain", "hr_ci_upper", "form 2a", "form 2b")
    result = clear_error_or(
        lambda: benefit.esmo_mcbs_form2a("OS", lower, median_control, gain, hr_ci_upper=upper), names
    )
    if result is not None:
        assert result["preliminary_grade"] in (1, 2, 3, 4) and lower < 1
        assert upper is None or upper < 1


# --------------------------------------------------------------------------- simulate
@PROPERTY
@given(n=ANY_SCALAR, median=ANY_SCALAR, accrual=ANY_SCALAR, seed=ANY_SCALAR)
def test_simulated_trials_are_valid_rows_or_a_clear_error(n, median, accrual, seed):
    result = clear_error_or(
        lambda: simulate.simulate_trial({"a": {"n": n, "median": median}}, accrual=accrual, follow_up=12, seed=seed),
        ("n", "median", "accrual", "seed"),
    )
    if result is not None:
        assert len(result) == n and (result["time"] >= 0).all() and result["event"].isin([0, 1]).all()


# --------------------------------------------------------------------------- km and survival
@PROPERTY
@given(times=TIMES, status=STATUS)
def test_km_curve_lies_in_zero_one_and_never_rises_or_is_a_clear_error(times, status):
    steps = clear_error_or(lambda: km.km_steps(times, status), ("durations", "events"))
    if steps is not None:
        assert set(np.asarray(status, dtype=float)) <= {0.0, 1.0}
        values = km.km_value_at(steps, np.linspace(0, 101, 50))
        assert ((values >= 0) & (values <= 1)).all() and (np.diff(values) <= 0).all()


@PROPERTY
@given(times=TIMES, status=STATUS, horizon=ANY_SCALAR)
def test_restricted_mean_lies_within_the_horizon_or_is_a_clear_error(times, status, horizon):
    result = clear_error_or(
        lambda: survival.restricted_mean(times, status, horizon), ("durations", "events", "horizon")
    )
    if result is not None:
        rmst, se = result
        assert 0 <= rmst <= horizon + 1e-9 and se >= 0


@PROPERTY
@given(times=TIMES, status=STATUS)
def test_survival_tables_refuse_bad_columns_clearly(times, status):
    size = min(len(times), len(status))
    frame = pd.DataFrame({"t": times[:size], "e": status[:size], "g": (["x", "y"] * 4)[:size]})
    result = clear_error_or(lambda: survival.median_summary(frame, "t", "e", "g"), ("'t'", "'e'", "g"))
    if result is not None:
        assert result["events"].sum() == int(np.nansum(np.asarray(status[:size], dtype=float)))


# --------------------------------------------------------------------------- meta
@PROPERTY
@given(log_hr=st.lists(ANY_SCALAR, max_size=4), se=st.lists(ANY_SCALAR, max_size=4), level=ANY_SCALAR, hk=ANY_SCALAR)
def test_pooling_gives_an_interval_or_a_clear_error(log_hr, se, level, hk):
    names = ("log_hr", "se", "level", "hartung_knapp", "studies", "multiplier", "could not convert", "numbers")
    result = clear_error_or(lambda: meta.pool(log_hr, se, level=level, hartung_knapp=hk), names)
    if result is not None:
        assert result.lower <= result.estimate <= result.upper


# --------------------------------------------------------------------------- reconstruct
@PROPERTY
@given(
    points=st.lists(st.tuples(ANY_SCALAR, ANY_SCALAR), max_size=5),
    at_risk=st.lists(st.tuples(ANY_SCALAR, ANY_SCALAR), max_size=3),
)
def test_reconstruction_gives_patient_rows_or_a_clear_error(points, at_risk):
    names = ("coords", "at_risk", "survival", "curve", "digitized", "table")
    result = clear_error_or(
        lambda: reconstruct.guyot(
            np.array(points, dtype=object).reshape(-1, 2), np.array(at_risk, dtype=object).reshape(-1, 2)
        ),
        names,
    )
    if result is not None:
        assert (result["time"] >= 0).all() and result["event"].isin([0, 1]).all()


def test_km_reading_at_a_missing_time_is_an_error():
    steps = km.km_steps([1.0, 2.0, 3.0], [1, 0, 1])
    with pytest.raises(ValueError, match="x must be times with none missing; entry 1 is nan"):
        km.km_value_at(steps, [0.5, math.nan])
    with pytest.raises(ValueError, match="times must be times with none missing"):
        km.numbers_at_risk([1.0, 2.0], [math.nan])
