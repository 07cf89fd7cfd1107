"""Meta-analysis: hand-computed truths, statsmodels, properties, and R's metafor as oracles."""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib.patches import Polygon
from statsmodels.stats.meta_analysis import combine_effects

from conftest import ROOT, assert_r_script_regenerates_reference
from helpers import meta, plotting

R_DATA = ROOT / "tests" / "reference" / "r_metafor_data.csv"
R_REFERENCE = ROOT / "tests" / "reference" / "r_metafor.csv"
R_SCRIPT = ROOT / "tests" / "r" / "metafor_reference.R"

METHODS = ["REML", "DL", "PM", "FE"]
RANDOM_EFFECTS = ["REML", "DL", "PM"]
KEYS = ["dataset", "method", "test", "quantity"]

# Deterministic property tests: the same examples on every run and every machine.
PROPERTIES = settings(derandomize=True, max_examples=150, deadline=None)


@st.composite
def studies(draw, min_k: int = 2, max_k: int = 8):
    """Log hazard ratios in [-2, 2] with standard errors in [0.05, 1]."""
    k = draw(st.integers(min_k, max_k))
    log_hr = draw(st.lists(st.floats(-2.0, 2.0, allow_subnormal=False), min_size=k, max_size=k))
    se = draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k))
    return np.array(log_hr), np.array(se)


def read_data() -> pd.DataFrame:
    return pd.read_csv(R_DATA)


def read_reference(path) -> pd.Series:
    return pd.read_csv(path).set_index(KEYS)["value"].sort_index()


@pytest.fixture(scope="module")
def r_values() -> pd.Series:
    return read_reference(R_REFERENCE)


@pytest.fixture(scope="module")
def five() -> pd.DataFrame:
    data = read_data()
    return data[data["dataset"] == "five"]


# Hand-computed truths.


def test_common_effect_against_hand_computation():
    # Two studies, log HR 0 and log 2 with SE 1 and 0.5: weights 1 and 4.
    result = meta.pool([0.0, math.log(2)], [1.0, 0.5], method="FE")
    assert result.estimate == pytest.approx(4 * math.log(2) / 5, abs=1e-15)
    assert result.se == pytest.approx(math.sqrt(1 / 5), abs=1e-15)
    assert result.weights.tolist() == pytest.approx([20.0, 80.0], abs=1e-12)
    # Q = 1 (0 - mu)^2 + 4 (log 2 - mu)^2
    mu = 4 * math.log(2) / 5
    assert result.q == pytest.approx(mu**2 + 4 * (math.log(2) - mu) ** 2, abs=1e-15)
    assert result.hr == pytest.approx(2 ** (4 / 5), abs=1e-14)


def test_dersimonian_laird_against_hand_computation():
    # Three studies, log HR -0.5, 0, 0.5, all SE 0.2: w = 25, Q = 25 * 0.5 = 12.5,
    # C = 75 - 3 * 625 / 75 = 50, tau² = (12.5 - 2) / 50 = 0.21 (DerSimonian & Laird 1986).
    result = meta.pool([-0.5, 0.0, 0.5], [0.2] * 3, method="DL")
    assert result.q == pytest.approx(12.5, abs=1e-12)
    assert result.tau2 == pytest.approx(0.21, abs=1e-15)
    assert result.estimate == pytest.approx(0.0, abs=1e-15)
    assert result.se == pytest.approx(math.sqrt((0.04 + 0.21) / 3), abs=1e-15)
    # I² = (Q - df) / Q = 10.5 / 12.5 (Higgins & Thompson 2002).
    assert result.i2 == pytest.approx(84.0, abs=1e-12)
    assert result.i2_q == pytest.approx(84.0, abs=1e-12)
    # PI: 0 ± t(0.975, 1) * sqrt(0.21 + SE²) (Higgins, Thompson & Spiegelhalter 2009).
    half = 12.706204736174707 * math.sqrt(0.21 + (0.04 + 0.21) / 3)
    assert result.pi_upper == pytest.approx(half, rel=1e-12)
    assert result.pi_df == 1


def test_hartung_knapp_against_hand_computation():
    # Same three studies with DL: q = sum w* (y - mu)^2 / (k - 1), w* = 1 / 0.25 = 4,
    # so q = 4 * 0.5 / 2 = 1 and the HK SE equals the ordinary one; t with 2 df.
    result = meta.pool([-0.5, 0.0, 0.5], [0.2] * 3, method="DL", hartung_knapp=True)
    assert result.se == pytest.approx(math.sqrt(0.25 / 3), abs=1e-15)
    assert result.test == "t"
    assert result.df_test == 2
    assert result.upper == pytest.approx(4.302652729749464 * math.sqrt(0.25 / 3), rel=1e-12)


# statsmodels' combine_effects as the oracle for the parts it implements.


def test_dersimonian_laird_against_statsmodels_combine_effects(five):
    y, v = five["log_hr"].to_numpy(), five["se"].to_numpy() ** 2
    reference = combine_effects(y, v, method_re="dl")
    result = meta.pool(five["log_hr"], five["se"], method="DL")
    assert result.tau2 == pytest.approx(reference.tau2, abs=1e-14)
    assert result.estimate == pytest.approx(reference.mean_effect_re, abs=1e-14)
    assert result.se == pytest.approx(reference.sd_eff_w_re, abs=1e-14)
    assert result.q == pytest.approx(reference.q, abs=1e-12)


def test_paule_mandel_against_statsmodels_combine_effects(five):
    # statsmodels iterates until |Q(tau²) - (k - 1)| < 1e-5 (its default), hence abs=1e-7 here;
    # metafor, at tol 1e-15, is the tight oracle below.
    y, v = five["log_hr"].to_numpy(), five["se"].to_numpy() ** 2
    reference = combine_effects(y, v, method_re="pm")
    result = meta.pool(five["log_hr"], five["se"], method="PM")
    assert result.tau2 == pytest.approx(reference.tau2, abs=1e-7)
    assert result.estimate == pytest.approx(reference.mean_effect_re, abs=1e-7)


def test_paule_mandel_finds_the_root_where_a_tight_newton_iteration_resets_to_zero():
    # Two studies y = (1, -1.5), v = (1, 1): Q(tau²) = 3.125 / (1 + tau²) = 1 at tau² = 2.125.
    result = meta.pool([1.0, -1.5], [1.0, 1.0], method="PM")
    assert result.tau2 == pytest.approx(2.125, abs=1e-14)


def test_common_effect_against_statsmodels_combine_effects(five):
    reference = combine_effects(five["log_hr"].to_numpy(), five["se"].to_numpy() ** 2)
    result = meta.pool(five["log_hr"], five["se"], method="FE")
    assert result.estimate == pytest.approx(reference.mean_effect_fe, abs=1e-15)
    assert result.se == pytest.approx(reference.sd_eff_w_fe, abs=1e-15)


# R's metafor: the committed reference values (tests/r/metafor_reference.R).

DATASETS = ("five", "three", "homogeneous", "cycling")
GROUPS = [(d, m, t) for d in DATASETS for m in METHODS for t in ("z", "knha")]


@pytest.mark.parametrize("dataset, method, test", GROUPS)
def test_pool_against_r_metafor_rma(r_values, dataset, method, test):
    data = read_data()
    rows = data[data["dataset"] == dataset]
    result = meta.pool(rows["log_hr"], rows["se"], method=method, hartung_knapp=test == "knha", labels=rows["study"])
    expected = r_values.loc[(dataset, method, test)]
    ours = result.to_series()
    for quantity, value in expected.items():
        if quantity.startswith("weight_"):
            got = result.weights[quantity.removeprefix("weight_")]
        else:
            got = ours[quantity]
        # metafor: REML threshold 1e-12, PM uniroot tol 1e-15; I² and weights are percentages.
        assert got == pytest.approx(value, abs=1e-9), quantity
    assert ("pi_lower" in expected.index) == (method != "FE")
    assert set(expected.index) >= {"estimate", "se", "lower", "upper", "p", "tau2", "i2", "q"}


def test_r_reference_covers_every_method_test_and_dataset(r_values):
    groups = set(r_values.index.droplevel("quantity"))
    assert groups == set(GROUPS)


def test_i2_from_q_matches_metafor_common_effect_i2(r_values):
    # metafor's I² for FE is (Q - df) / Q; ours reports it as i2_q for every method.
    data = read_data()
    for dataset in DATASETS:
        rows = data[data["dataset"] == dataset]
        result = meta.pool(rows["log_hr"], rows["se"], method="REML")
        assert result.i2_q == pytest.approx(r_values.loc[(dataset, "FE", "z", "i2")], abs=1e-9)


def test_reml_where_plain_fisher_scoring_cycles_against_r_metafor_stepadj(r_values):
    # Data set "cycling": metafor's default Fisher scoring does not converge; with
    # stepadj = 0.5 it does, and the bracketed root found here agrees.
    result = meta.pool([0, 0, 0, 0, 1], [1, 1, 1, 1, 0.25], method="REML")
    assert result.tau2 == pytest.approx(r_values.loc[("cycling", "REML", "z", "tau2")], abs=1e-12)
    assert result.tau2 > 0.1


@pytest.mark.r_live
def test_r_metafor_reference_regenerates_identically(rscript, tmp_path):
    """Re-run the committed R script and compare with the committed reference values."""
    assert_r_script_regenerates_reference(rscript, R_SCRIPT, [R_DATA], R_REFERENCE, read_reference, tmp_path, 1e-10)


# Documented edge cases and errors.


def test_prediction_interval_needs_three_studies():
    result = meta.pool([-0.2, -0.4], [0.1, 0.2], method="REML")
    assert result.pi_lower is None and result.hr_pi_upper is None
    assert "k >= 3" in result.pi_note
    assert result.to_series()["pi_lower"] is None


def test_common_effect_has_no_prediction_interval(five):
    result = meta.pool(five["log_hr"], five["se"], method="FE")
    assert result.pi_lower is None
    assert "common-effect" in result.pi_note


def test_to_series_has_both_scales_and_the_model_label(five):
    series = meta.pool(five["log_hr"], five["se"], method="PM", hartung_knapp=True).to_series()
    assert series.name == "PM, Hartung–Knapp"
    assert series["hr"] == pytest.approx(math.exp(series["estimate"]), rel=1e-15)
    assert series["hr_pi_upper"] == pytest.approx(math.exp(series["pi_upper"]), rel=1e-15)
    assert series["tau"] == pytest.approx(math.sqrt(series["tau2"]), rel=1e-15)


def test_labels_name_the_studies(five):
    result = meta.pool(five["log_hr"], five["se"], labels=five["study"])
    assert list(result.studies.index) == ["A", "B", "C", "D", "E"]
    assert list(meta.pool([0.1, 0.2], [0.1, 0.1]).studies.index) == ["1", "2"]


def test_one_study_is_an_error():
    with pytest.raises(ValueError, match="pooling needs at least 2 studies, got 1"):
        meta.pool([0.1], [0.2])


def test_unknown_method_is_an_error():
    with pytest.raises(ValueError, match=r"unknown method 'SJ'; use one of \['FE', 'DL', 'PM', 'RE"):
        meta.pool([0.1, 0.2], [0.1, 0.1], method="SJ")


@pytest.mark.parametrize("se", [[0.1, 0.0], [0.1, -0.1], [0.1, math.nan]])
def test_non_positive_standard_error_is_an_error(se):
    with pytest.raises(ValueError, match="se must be positive and finite"):
        meta.pool([0.1, 0.2], se)


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError, match="equal length"):
        meta.pool([0.1, 0.2, 0.3], [0.1, 0.1])


def test_duplicate_labels_are_an_error():
    with pytest.raises(ValueError, match="labels must be unique"):
        meta.pool([0.1, 0.2], [0.1, 0.1], labels=["a", "a"])


def test_hartung_knapp_with_identical_estimates_is_an_error():
    with pytest.raises(ValueError, match="Hartung–Knapp variance multiplier is 0"):
        meta.pool([0.3, 0.3, 0.3], [0.1, 0.2, 0.3], hartung_knapp=True)


# Properties.


@PROPERTIES
@given(data=studies(), method=st.sampled_from(METHODS), hartung_knapp=st.booleans())
def test_pooled_estimate_lies_within_the_range_of_the_studies(data, method, hartung_knapp):
    log_hr, se = data
    assume(not hartung_knapp or np.ptp(log_hr) > 1e-6)
    result = meta.pool(log_hr, se, method=method, hartung_knapp=hartung_knapp)
    assert log_hr.min() - 1e-12 <= result.estimate <= log_hr.max() + 1e-12
    assert result.lower <= result.estimate <= result.upper
    assert result.tau2 >= 0
    assert 0 <= result.i2 <= 100 and 0 <= result.i2_q <= 100
    assert result.weights.sum() == pytest.approx(100, abs=1e-9)
    assert (result.weights > 0).all()


@PROPERTIES
@given(data=studies())
def test_common_effect_is_the_inverse_variance_weighted_mean(data):
    log_hr, se = data
    w = 1 / se**2
    result = meta.pool(log_hr, se, method="FE")
    assert result.estimate == pytest.approx(np.sum(w * log_hr) / np.sum(w), abs=1e-12)
    assert result.se == pytest.approx(np.sum(w) ** -0.5, rel=1e-12)
    assert result.tau2 == 0


@PROPERTIES
@given(data=studies(min_k=3), method=st.sampled_from(RANDOM_EFFECTS), hartung_knapp=st.booleans())
def test_prediction_interval_contains_the_confidence_interval(data, method, hartung_knapp):
    log_hr, se = data
    assume(not hartung_knapp or np.ptp(log_hr) > 1e-6)
    result = meta.pool(log_hr, se, method=method, hartung_knapp=hartung_knapp)
    assert result.pi_lower <= result.lower and result.upper <= result.pi_upper


@PROPERTIES
@given(data=studies(), method=st.sampled_from(METHODS), shift=st.floats(-1.0, 1.0))
def test_shifting_every_study_shifts_the_pool_and_keeps_tau2(data, method, shift):
    log_hr, se = data
    base = meta.pool(log_hr, se, method=method)
    moved = meta.pool(log_hr + shift, se, method=method)
    assert moved.estimate == pytest.approx(base.estimate + shift, abs=1e-9)
    assert moved.tau2 == pytest.approx(base.tau2, abs=1e-9)


@PROPERTIES
@given(data=studies(), method=st.sampled_from(METHODS))
def test_study_order_does_not_matter(data, method):
    log_hr, se = data
    base = meta.pool(log_hr, se, method=method)
    reversed_ = meta.pool(log_hr[::-1], se[::-1], method=method)
    assert reversed_.estimate == pytest.approx(base.estimate, abs=1e-12)
    assert reversed_.tau2 == pytest.approx(base.tau2, abs=1e-10)


@PROPERTIES
@given(data=studies())
def test_paule_mandel_solves_its_estimating_equation(data):
    # Paule & Mandel 1982: sum (y - mu)^2 / (v + tau²) = k - 1 when tau² > 0, and Q <= k - 1
    # when tau² = 0.
    log_hr, se = data
    result = meta.pool(log_hr, se, method="PM")
    w = 1 / (se**2 + result.tau2)
    generalised_q = np.sum(w * (log_hr - result.estimate) ** 2)
    if result.tau2 > 0:
        assert generalised_q == pytest.approx(len(log_hr) - 1, rel=1e-9)
    else:
        assert result.q <= len(log_hr) - 1


@PROPERTIES
@given(data=studies())
def test_reml_is_a_maximum_of_the_restricted_likelihood(data):
    # Viechtbauer 2005: the restricted log-likelihood is no higher at nearby tau² >= 0.
    log_hr, se = data
    tau2 = meta.pool(log_hr, se, method="REML").tau2
    v = se**2

    def loglik(t2):
        w = 1 / (v + t2)
        mu = np.sum(w * log_hr) / np.sum(w)
        return -0.5 * np.sum(np.log(v + t2)) - 0.5 * np.log(np.sum(w)) - 0.5 * np.sum(w * (log_hr - mu) ** 2)

    step = 1e-4 * (1 + tau2)
    assert loglik(tau2) >= loglik(tau2 + step) - 1e-12
    assert loglik(tau2) >= loglik(max(0.0, tau2 - step)) - 1e-12


# The forest plot (helpers.plotting.forest_plot).


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_forest_plot_prints_weights_and_draws_the_pooled_diamond(five):
    result = meta.pool(five["log_hr"], five["se"], labels=five["study"])
    fig = plotting.forest_plot(result.studies, result, favours=("Favours A", "Favours B"))
    ax = fig.axes[0]
    printed = texts(fig)
    for study, weight in result.weights.items():
        assert study in printed
        assert f"{weight:.1f}%" in printed
    assert "Pooled (REML)" in printed and "Prediction interval" in printed
    assert f"{result.hr_pi_lower:.2f}–{result.hr_pi_upper:.2f}" in printed
    diamonds = [p for p in ax.patches if isinstance(p, Polygon)]
    assert len(diamonds) == 1
    xs = diamonds[0].get_xy()[:, 0]
    assert xs.min() == pytest.approx(result.hr_lower) and xs.max() == pytest.approx(result.hr_upper)
    assert ax.get_xscale() == "log"
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.get_lines())  # HR = 1 line
    mpl.pyplot.close(fig)


def test_forest_plot_draws_groups_without_pooling():
    studies_ = pd.DataFrame(
        {
            "group": ["Overall", "Overall", "Liver metastases"],
            "study": ["Trial 1", "Trial 2", "Trial 1"],
            "hr": [0.8, 0.7, 0.6],
            "hr_lower": [0.6, 0.5, 0.3],
            "hr_upper": [1.1, 0.95, 1.2],
        }
    )
    fig = plotting.forest_plot(studies_, group_col="group", label_col="study")
    printed = texts(fig)
    assert "Overall" in printed and "Liver metastases" in printed
    assert printed.count("Trial 1") == 2
    assert "0.60 (0.30–1.20)" in printed
    assert not [p for p in fig.axes[0].patches if isinstance(p, Polygon)]
    assert "Weight" not in printed
    mpl.pyplot.close(fig)


def test_forest_plot_pools_some_groups(five):
    overall = meta.pool(five["log_hr"], five["se"], labels=five["study"])
    subgroup = meta.pool([-0.3, -0.6], [0.2, 0.3], labels=["X", "Y"])
    frame = pd.concat({"Overall": overall.studies, "Liver metastases": subgroup.studies}, names=["group"])
    fig = plotting.forest_plot(frame, {"Overall": overall, "Liver metastases": subgroup}, group_col="group")
    printed = texts(fig)
    assert printed.count("Pooled (REML)") == 2
    assert "not estimable (k = 2)" in printed
    mpl.pyplot.close(fig)


def test_forest_plot_rejects_a_pool_for_an_unknown_group(five):
    result = meta.pool(five["log_hr"], five["se"])
    frame = result.studies.assign(group="Overall")
    with pytest.raises(ValueError, match=r"pooled results for groups \['Other'\]"):
        plotting.forest_plot(frame, {"Other": result}, group_col="group")


def test_forest_plot_rejects_an_estimate_outside_its_interval():
    frame = pd.DataFrame({"hr": [0.5], "hr_lower": [0.6], "hr_upper": [0.9]}, index=["Bad"])
    with pytest.raises(ValueError, match="study 'Bad': need 0 < lower <= HR <= upper"):
        plotting.forest_plot(frame)


def test_forest_plot_names_a_missing_column():
    frame = pd.DataFrame({"hr": [0.5], "hr_lower": [0.4]})
    with pytest.raises(KeyError, match="'hr_upper' is neither a column nor an index level"):
        plotting.forest_plot(frame)


def test_nearly_identical_estimates_pool_without_a_warning():
    # Found by the Paule–Mandel property test: Q is tiny but not zero, and statsmodels' unused
    # I² overflowed (a RuntimeWarning, an error under the test configuration).
    result = meta.pool(np.array([0.0, 2.20742039e-163]), np.array([1.0, 0.125]), method="PM")
    assert result.tau2 == 0.0
    assert result.estimate == pytest.approx(2.20742039e-163 * 64 / 65, rel=1e-9)
