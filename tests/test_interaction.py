"""Within-trial interactions (helpers.interaction): hand computation, R's metafor, properties, bad input.

Oracles: the ratio of two hazard ratios computed by hand (Altman & Bland 2003); R's metafor
``rma()`` for the pooled within-trial ratio (REML with Hartung–Knapp, common effect) and for the
two subgroup pools of the naive comparison (committed values from tests/r/interaction_reference.R,
regenerated live when Rscript is installed); the invariance of within-trial ratios to a shift
shared by both subgroups of a trial (Fisher et al. 2017).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, assert_r_script_regenerates_reference
from helpers import interaction, meta

R_DATA = ROOT / "tests" / "reference" / "r_interaction_data.csv"
R_REFERENCE = ROOT / "tests" / "reference" / "r_interaction.csv"
R_SCRIPT = ROOT / "tests" / "r" / "interaction_reference.R"
KEYS = ["dataset", "analysis", "model", "quantity"]
DATASETS = ("three", "four", "two", "ninety")
MODELS = {"REML_knha": ("REML", True), "FE_z": ("FE", False)}


def read_reference(path) -> pd.Series:
    return pd.read_csv(path).set_index(KEYS)["value"].sort_index()


@pytest.fixture(scope="module")
def r_values() -> pd.Series:
    return read_reference(R_REFERENCE)


def pairs_of(dataset: str) -> pd.DataFrame:
    data = pd.read_csv(R_DATA)
    rows = data[data["dataset"] == dataset].drop(columns="dataset").reset_index(drop=True)
    return rows.assign(level_a=rows["level"] / 100, level_b=rows["level"] / 100).drop(columns="level")


def level_of(dataset: str) -> float:
    return float(pairs_of(dataset)["level_a"].iloc[0])


def two_trials(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "pair": ["X", "Y"],
            "study": ["x", "y"],
            "hr_a": [0.5, 0.8],
            "lower_a": [0.25, 0.6],
            "upper_a": [1.0, 1.1],
            "hr_b": [1.0, 0.7],
            "lower_b": [0.5, 0.5],
            "upper_b": [2.0, 0.95],
        }
    )
    for column, value in changes.items():
        frame[column] = value
    return frame


# Hand-computed truths.


def test_per_trial_ratio_against_hand_computation():
    # HR_a 0.5 (0.25-1.0) and HR_b 1.0 (0.5-2.0): both SE = ln 4 / (2 z), z = 1.959963984540054;
    # d = ln 0.5, SE(d) = sqrt(2) ln 4 / (2 z) = 0.5001409..., ratio 0.5 (Altman & Bland 2003).
    z = 1.959963984540054
    se_one = math.log(4) / (2 * z)
    row = interaction.per_trial_ratios(two_trials()).iloc[0]
    assert row["se_a"] == pytest.approx(se_one, rel=1e-14)
    assert row["se"] == pytest.approx(math.sqrt(2) * se_one, rel=1e-14)
    assert row["log_ratio"] == pytest.approx(math.log(0.5), abs=1e-15)
    assert row["ratio_of_hrs"] == pytest.approx(0.5, abs=1e-15)
    assert row["lower"] == pytest.approx(0.5 * math.exp(-z * math.sqrt(2) * se_one), rel=1e-14)
    assert row["upper"] == pytest.approx(0.5 * math.exp(z * math.sqrt(2) * se_one), rel=1e-14)
    assert row["z"] == pytest.approx(math.log(0.5) / (math.sqrt(2) * se_one), rel=1e-14)
    # two-sided p of z = -1.385...: 2 Phi(-|z|) (scipy-free check via math.erfc)
    assert row["p"] == pytest.approx(math.erfc(abs(row["z"]) / math.sqrt(2)), rel=1e-12)
    assert row["study"] == "x" and row["level"] == 0.95


def test_pooled_common_effect_ratio_against_hand_computation():
    # Two trials with log ratios ln 0.5 and 0 and SEs 0.5 and 0.25: weights 4 and 16.
    ratios = pd.DataFrame({"pair": ["X", "Y"], "log_ratio": [math.log(0.5), 0.0], "se": [0.5, 0.25]})
    pooled = interaction.pooled_ratio(ratios, method="FE", hartung_knapp=False)
    assert pooled.estimate == pytest.approx(4 * math.log(0.5) / 20, abs=1e-15)
    assert pooled.se == pytest.approx(math.sqrt(1 / 20), abs=1e-15)


# R's metafor: committed reference values (tests/r/interaction_reference.R).


@pytest.mark.parametrize("dataset", DATASETS)
def test_per_trial_ratios_against_r(r_values, dataset):
    ratios = interaction.per_trial_ratios(pairs_of(dataset)).set_index("pair")
    expected = r_values.loc[(dataset, "per_trial")]
    for (pair, quantity), value in expected.items():
        assert ratios.loc[pair, quantity] == pytest.approx(value, rel=1e-12, abs=1e-14), (pair, quantity)


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("model", MODELS)
def test_pooled_within_trial_ratio_against_r_metafor_rma(r_values, dataset, model):
    method, hk = MODELS[model]
    ratios = interaction.per_trial_ratios(pairs_of(dataset))
    pooled = interaction.pooled_ratio(ratios, method=method, hartung_knapp=hk, level=level_of(dataset))
    ours = {
        "log_ratio": pooled.estimate,
        "se": pooled.se,
        "lower": pooled.hr_lower,
        "upper": pooled.hr_upper,
        "statistic": pooled.statistic,
        "p": pooled.p,
        "tau2": pooled.tau2,
    }
    expected = r_values.loc[(dataset, "within", model)]
    assert set(expected.index) == set(ours)
    for quantity, value in expected.items():
        # metafor's REML stops at threshold 1e-12; the limits are on the ratio scale.
        assert ours[quantity] == pytest.approx(value, abs=1e-9), quantity


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("model", MODELS)
def test_naive_comparison_against_r_metafor_rma(r_values, dataset, model):
    method, hk = MODELS[model]
    ratios = interaction.per_trial_ratios(pairs_of(dataset))
    naive = interaction.naive_comparison(ratios, method=method, hartung_knapp=hk, level=level_of(dataset))
    expected = r_values.loc[(dataset, "naive", model)]
    for quantity, value in expected.items():
        assert naive[quantity] == pytest.approx(value, abs=1e-9), quantity


def test_r_reference_covers_every_dataset_analysis_and_model(r_values):
    groups = set(r_values.index.droplevel(["model", "quantity"]))
    assert groups == {(d, a) for d in DATASETS for a in ("per_trial", "within", "naive")}
    for dataset in DATASETS:
        assert set(r_values.loc[(dataset, "within")].index.get_level_values("model")) == set(MODELS)


@pytest.mark.r_live
def test_r_metafor_interaction_reference_regenerates_identically(rscript, tmp_path):
    """Re-run the committed R script and compare with the committed reference values."""
    assert_r_script_regenerates_reference(rscript, R_SCRIPT, [R_DATA], R_REFERENCE, read_reference, tmp_path, 1e-10)


# Properties.


def test_a_shift_shared_by_both_subgroups_of_a_trial_cancels_within_but_not_naively():
    # Multiply both subgroup HRs (and limits) of trial Y by 0.5: a between-trial difference.
    base = two_trials()
    shifted = base.copy()
    for column in ("hr_a", "lower_a", "upper_a", "hr_b", "lower_b", "upper_b"):
        shifted.loc[1, column] *= 0.5
    before, after = interaction.per_trial_ratios(base), interaction.per_trial_ratios(shifted)
    assert np.allclose(before["log_ratio"], after["log_ratio"], atol=1e-15)
    assert np.allclose(before["se"], after["se"], atol=1e-15)
    # The naive comparison with unequal weights across subgroups moves.
    naive_before = interaction.naive_comparison(before, method="FE", hartung_knapp=False)
    naive_after = interaction.naive_comparison(after, method="FE", hartung_knapp=False)
    assert abs(naive_after["log_ratio"] - naive_before["log_ratio"]) > 0.01


def test_within_trial_pool_is_meta_pool_of_the_log_ratios():
    ratios = interaction.per_trial_ratios(pairs_of("four"))
    direct = meta.pool(ratios["log_ratio"], ratios["se"], method="REML", hartung_knapp=True, labels=ratios["pair"])
    pooled = interaction.pooled_ratio(ratios)
    assert pooled.estimate == direct.estimate and pooled.se == direct.se


def test_compare_approaches_is_tidy_and_in_order():
    table = interaction.compare_approaches(interaction.per_trial_ratios(pairs_of("three")))
    assert list(table.columns) == interaction.COMPARISON_COLUMNS
    assert table[["approach", "model"]].values.tolist() == [
        ["within-trial", "REML, Hartung–Knapp"],
        ["within-trial", "FE"],
        ["naive across-trial", "REML, Hartung–Knapp"],
        ["naive across-trial", "FE"],
    ]
    assert table["test"].tolist() == ["t", "z", "z", "z"]
    assert table["df_test"].tolist() == [2.0, math.inf, math.inf, math.inf]
    assert not table.drop(columns="df_test").isna().any().any()


# Bad input: an exception naming the argument, the pair and the value.


@pytest.mark.parametrize(
    "frame, error, message",
    [
        (
            two_trials(level_a=[0.95, 0.95], level_b=[0.95, 0.9]),
            ValueError,
            r"pair 'Y': level_a 0.95 and level_b 0.9 differ",
        ),
        (two_trials(level_a=[95, 95], level_b=[95, 95]), ValueError, r"level_a of pair 'X'.*as a fraction"),
        (two_trials(level_a=[0.95, 0.95]), KeyError, r"both level_a and level_b"),
        (two_trials(hr_a=[0.5, 1.2]), ValueError, r"pair 'Y': hr_a 1.2 must lie within its interval \[0.6, 1.1\]"),
        (two_trials(lower_b=[0.5, 0.0]), ValueError, r"pair 'Y': lower_b must be a positive finite number, got 0.0"),
        (two_trials(lower_b=[2.0, 0.5]), ValueError, r"pair 'X': hr_b 1.0 must lie within its interval \[2.0, 2.0\]"),
        (two_trials(pair=["X", "X"]), ValueError, r"pair labels must be unique, got \['X'\]"),
        (two_trials().drop(columns="upper_b"), KeyError, r"\['upper_b'\] not in pairs"),
        (two_trials().iloc[:0], ValueError, r"pairs is empty"),
    ],
)
def test_per_trial_ratios_refuses_bad_input(frame, error, message):
    with pytest.raises(error, match=message):
        interaction.per_trial_ratios(frame)


def test_a_degenerate_interval_is_refused_with_its_pair():
    with pytest.raises(ValueError, match=r"pair 'X': lower limit 0.5 must be below upper limit 0.5"):
        interaction.per_trial_ratios(two_trials(hr_a=[0.5, 0.8], lower_a=[0.5, 0.6], upper_a=[0.5, 1.1]))


def test_pooling_one_trial_is_a_clear_error():
    ratios = interaction.per_trial_ratios(two_trials().iloc[:1])
    for pool in (interaction.pooled_ratio, interaction.naive_comparison):
        with pytest.raises(ValueError, match=r"pooling needs at least 2 trials reporting both subgroups, got 1"):
            pool(ratios)
    with pytest.raises(ValueError, match=r"at least 2 trials"):
        interaction.compare_approaches(ratios)


def test_two_pairs_of_one_trial_are_not_pooled():
    ratios = interaction.per_trial_ratios(two_trials(study=["x", "x"]))
    with pytest.raises(ValueError, match=r"study 'x' contributes more than one pair"):
        interaction.pooled_ratio(ratios)
