"""Survival summaries: hand-computed truths and R's survival package as oracles."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, assert_r_script_regenerates_reference
from helpers import survival

R_REFERENCE = ROOT / "tests" / "reference" / "r_survival_gbsg2.csv"
R_SCRIPT = ROOT / "tests" / "r" / "survival_gbsg2.R"


@pytest.fixture(scope="module")
def gbsg(gbsg2) -> pd.DataFrame:
    return gbsg2


def read_reference(path) -> dict[str, float]:
    table = pd.read_csv(path, na_values=["NA"])
    return {q: (math.inf if pd.isna(v) else float(v)) for q, v in zip(table["quantity"], table["value"])}


@pytest.fixture(scope="module")
def r_values() -> dict[str, float]:
    return read_reference(R_REFERENCE)


# A four-patient example small enough to compute by hand:
# times 1, 2+, 3, 4 (2 censored). S = 3/4 after t=1, 3/8 after t=3, 0 after t=4.
TINY = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "e": [1, 0, 1, 1], "g": ["a"] * 4})


def test_restricted_mean_against_hand_computation():
    rmst, se = survival.restricted_mean(TINY["t"], TINY["e"], horizon=4.0)
    # Area: 1*1 + (3-1)*0.75 + (4-3)*0.375
    assert rmst == pytest.approx(2.875, abs=1e-12)
    # A_1 = 1.875, A_3 = 0.375; Var = 1.875^2*1/(4*3) + 0.375^2*1/(2*1); the t=4 term has n = d.
    assert se**2 == pytest.approx(1.875**2 / 12 + 0.375**2 / 2, abs=1e-12)


def test_restricted_mean_before_first_event_is_the_horizon():
    rmst, se = survival.restricted_mean(TINY["t"], TINY["e"], horizon=0.5)
    assert rmst == pytest.approx(0.5, abs=1e-12)
    assert se == 0.0


def test_median_against_hand_computation():
    table = survival.median_summary(TINY, "t", "e", "g")
    assert table.loc["a", "median"] == 3.0
    assert table.loc["a", "n"] == 4
    assert table.loc["a", "events"] == 3


def test_numbers_at_risk_counts_durations_at_or_after_each_time():
    assert survival.numbers_at_risk([1, 2, 3, 4], [0, 2, 2.5, 4, 5]).tolist() == [4, 3, 2, 1, 0]


def test_medians_against_r_survival(gbsg, r_values):
    table = survival.median_summary(gbsg, "time_months", "event", "hormone_therapy")
    for arm in ("no", "yes"):
        assert table.loc[arm, "median"] == pytest.approx(r_values[f"median_{arm}"], abs=1e-9)
        assert table.loc[arm, "median_lower"] == pytest.approx(r_values[f"median_lower_{arm}"], abs=1e-9)
        assert table.loc[arm, "median_upper"] == pytest.approx(r_values[f"median_upper_{arm}"], abs=1e-9)
        assert table.loc[arm, "events"] == r_values[f"events_{arm}"]
    assert math.isinf(table.loc["yes", "median_upper"])  # R: NA, the band never reaches 0.5


def test_logrank_against_r_survdiff(gbsg, r_values):
    result = survival.logrank(gbsg, "time_months", "event", "hormone_therapy")
    assert result["statistic"] == pytest.approx(r_values["logrank_chisq"], rel=1e-10)
    assert result["p"] == pytest.approx(r_values["logrank_p"], rel=1e-9)


def test_cox_hazard_ratio_against_r_coxph(gbsg, r_values):
    result, _ = survival.cox_hazard_ratio(gbsg, "time_months", "event", "hormone_therapy", "yes")
    # Both fitted with convergence tolerance 1e-12 (lifelines precision, R eps).
    assert result["coef"] == pytest.approx(r_values["cox_coef"], abs=1e-9)
    assert result["se"] == pytest.approx(r_values["cox_se"], abs=1e-9)
    assert result["hr"] == pytest.approx(r_values["cox_hr"], abs=1e-9)
    assert result["p"] == pytest.approx(r_values["cox_p"], abs=1e-9)
    assert result["hr_lower"] < result["hr"] < result["hr_upper"]


def test_rmst_against_r_survfit_rmean(gbsg, r_values):
    table = survival.rmst_summary(gbsg, "time_months", "event", "hormone_therapy", horizon=60)
    for arm in ("no", "yes"):
        assert table.loc[arm, "rmst"] == pytest.approx(r_values[f"rmst_{arm}"], abs=1e-9)
        assert table.loc[arm, "se"] == pytest.approx(r_values[f"rmst_se_{arm}"], abs=1e-9)


def test_proportional_hazards_check_against_r_cox_zph(gbsg, r_values):
    result = survival.proportional_hazards_check(gbsg, "time_months", "event", "hormone_therapy", "yes")
    # R >= 3.0's cox.zph uses the full score test; lifelines uses Grambsch–Therneau's
    # approximation with the same KM time transform. They agree to the second decimal here.
    assert result["statistic"] == pytest.approx(r_values["zph_km_chisq"], abs=0.02)
    assert result["p"] == pytest.approx(r_values["zph_km_p"], abs=0.01)


def test_rmst_difference_is_the_difference_of_the_arms(gbsg):
    diff = survival.rmst_difference(gbsg, "time_months", "event", "hormone_therapy", "yes", "no", 60)
    assert diff["difference"] == pytest.approx(diff["rmst_experimental"] - diff["rmst_control"], abs=1e-12)
    assert diff["lower"] < diff["difference"] < diff["upper"]


def test_rmst_horizon_beyond_follow_up_names_the_group(gbsg):
    with pytest.raises(ValueError, match=r"group 'no': horizon 1000 lies beyond the last follow-up"):
        survival.rmst_summary(gbsg, "time_months", "event", "hormone_therapy", horizon=1000)


def test_logrank_rejects_more_than_two_groups(gbsg):
    with pytest.raises(ValueError, match="log-rank here compares two groups"):
        survival.logrank(gbsg, "time_months", "event", "tgrade")


def test_unknown_experimental_group_is_an_error(gbsg):
    with pytest.raises(ValueError, match="experimental group 'maybe' not in column 'hormone_therapy'"):
        survival.cox_hazard_ratio(gbsg, "time_months", "event", "hormone_therapy", "maybe")


def test_missing_column_is_an_error(gbsg):
    with pytest.raises(KeyError, match=r"columns \['nope'\] not in data"):
        survival.median_summary(gbsg, "nope", "event", "hormone_therapy")


def test_unknown_time_unit_is_an_error():
    with pytest.raises(ValueError, match="unknown time unit 'fortnights'"):
        survival.days_to(np.array([1.0]), "fortnights")


@pytest.mark.r_live
def test_r_survival_reference_regenerates_identically(rscript, tmp_path):
    """Re-run the committed R script and compare with the committed reference values."""
    csv = tmp_path / "gbsg2.csv"
    from lifelines.datasets import load_gbsg2

    load_gbsg2().to_csv(csv, index=False)
    assert_r_script_regenerates_reference(rscript, R_SCRIPT, [csv], R_REFERENCE, read_reference, tmp_path, 1e-12)


def test_landmark_against_hand_computation():
    # Follow-up 2, 5, 5.5, 9 months; landmark at 5: only those followed beyond 5 remain, clock reset.
    frame = pd.DataFrame({"time": [2.0, 5.0, 5.5, 9.0], "event": [1, 0, 1, 0], "arm": list("abab")})
    kept = survival.landmark(frame, "time", 5.0)
    assert kept["time"].tolist() == [0.5, 4.0]
    assert kept["arm"].tolist() == ["a", "b"]
    assert frame["time"].tolist() == [2.0, 5.0, 5.5, 9.0], "the input must not change"


def test_landmark_after_the_last_follow_up_is_an_error():
    frame = pd.DataFrame({"time": [2.0, 3.0], "event": [1, 0]})
    with pytest.raises(ValueError, match="nobody is still followed after the landmark at 3"):
        survival.landmark(frame, "time", 3.0)
    with pytest.raises(ValueError, match="at must be a finite number ≥ 0, got -1.0"):
        survival.landmark(frame, "time", -1)


def test_landmark_refuses_a_missing_duration():
    frame = pd.DataFrame({"time": [2.0, float("nan"), 8.0], "event": [1, 0, 1]})
    with pytest.raises(ValueError, match=r"time is missing in row 1 \(1 row\(s\)\)"):
        survival.landmark(frame, "time", 1.0)
