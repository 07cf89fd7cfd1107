"""Summary-of-findings rows: the absolute effect checked by hand, the statements against
Santesso et al. 2020, and the rows of a miniature evidence set."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from helpers import sof
from helpers.data import Evidence


def test_absolute_effect_at_the_control_median_matches_hand_computation():
    # S_C = 0.5 at the control median; HR 0.5: S_E = 0.5 ** 0.5 = 0.70710678...
    # events per 1,000: control 500, treated 1000 * (1 - 0.70710678) = 292.893..., fewer 207.107...
    # limits HR 0.25 and 1.0: treated 1000 * (1 - 0.5 ** 0.25) = 159.103... and 500.
    result = sof.absolute_effect(0.5, 0.25, 1.0, sof.control_survival(6.0))
    assert result["control_events"] == pytest.approx(500.0, abs=1e-9)
    assert result["treated_events"] == pytest.approx(292.8932, abs=1e-4)
    assert result["fewer_events"] == pytest.approx(207.1068, abs=1e-4)
    assert result["treated_events_lower"] == pytest.approx(159.1036, abs=1e-4)
    assert result["fewer_events_lower"] == pytest.approx(0.0, abs=1e-9)  # from the upper limit, HR 1
    assert result["fewer_events_upper"] == pytest.approx(340.8964, abs=1e-4)


def test_control_survival_is_exponential_away_from_the_median():
    # 2 ** (-12 / 6) = 0.25: two medians later a quarter remain.
    assert sof.control_survival(6.0, 12.0) == pytest.approx(0.25, abs=1e-12)
    assert sof.control_survival(6.0) == 0.5


def test_a_hazard_ratio_outside_its_interval_is_refused():
    with pytest.raises(ValueError, match=r"hr 0.9 must lie within its interval \[0.5, 0.8\]"):
        sof.absolute_effect(0.9, 0.5, 0.8, 0.5)


@pytest.mark.parametrize(
    ("certainty", "lower", "upper", "expected"),
    [
        ("high", 0.5, 0.7, "Drug X improves overall survival."),
        ("moderate", 0.5, 0.7, "Drug X probably improves overall survival."),
        ("low", 0.5, 0.7, "Drug X may improve overall survival."),
        ("moderate", 0.8, 1.1, "Drug X probably makes little or no difference to overall survival."),
        ("low", 1.1, 1.5, "Drug X may worsen overall survival."),
        ("very_low", 0.5, 0.7, "The evidence is very uncertain about the effect of drug X on overall survival."),
    ],
)
def test_statements_follow_santesso_2020(certainty, lower, upper, expected):
    assert sof.informative_statement(certainty, lower, upper, "drug X", "OS") == expected


def test_an_unknown_certainty_is_named():
    with pytest.raises(ValueError, match="certainty must be one of .* got 'medium'"):
        sof.informative_statement("medium", 0.5, 0.7, "drug X", "OS")


def _effect(effect_id, study_id, analysis, hr, lo, hi, median_control, n=(100, 100)):
    return {
        "effect_id": effect_id,
        "study_id": study_id,
        "source_id": f"paper_{study_id}",
        "endpoint": "PFS",
        "population": "ITT",
        "analysis": analysis,
        "hr": hr,
        "hr_ci_lower": lo,
        "hr_ci_upper": hi,
        "ci_level": 95.0,
        "median_control": median_control,
        "median_unit": "months",
        "n_experimental": n[0],
        "n_control": n[1],
        "population_detail": None,
    }


@pytest.fixture
def mini() -> Evidence:
    effects = pd.DataFrame(
        [
            _effect("a_interim", "a", "interim", 0.4, 0.3, 0.6, 5.0),
            _effect("a_final", "a", "final", 0.5, 0.4, 0.625, 6.0),
            _effect("b_primary", "b", "primary", 0.5, 0.4, 0.625, 8.0),
        ]
    ).set_index("effect_id")
    studies = pd.DataFrame(
        {"name": ["Trial A", "Trial B"], "design": ["rct", "rct"], "n_total": [200, 200]},
        index=pd.Index(["a", "b"], name="study_id"),
    )
    certainty = pd.DataFrame(
        [
            {
                "comparison_id": "x_pfs",
                "chapter": "demo",
                "comparison": "drug X vs placebo, PFS, all patients",
                "endpoint": "PFS",
                "population": "ITT",
                "effect_ids": "a_interim;a_final;b_primary",
                "certainty": "moderate",
                "reasons": "Imprecise.",
            }
        ]
    ).set_index("comparison_id")
    # Every table empty except the three the rows read (fields added later stay empty too).
    tables = {f.name: pd.DataFrame() for f in dataclasses.fields(Evidence)}
    extraction = pd.DataFrame(
        {"read_as": ["full_text", "full_text"]}, index=pd.Index(["paper_a", "paper_b"], name="source_id")
    )
    return Evidence(
        **{**tables, "studies": studies, "effects": effects, "certainty": certainty, "extraction": extraction}
    )


def test_one_estimate_per_study_the_most_mature_cut(mini):
    assert list(sof.chosen_estimates(mini, ["a_interim", "a_final", "b_primary"]).index) == ["a_final", "b_primary"]


def test_two_identical_trials_pool_to_their_common_estimate(mini):
    row = sof.summary_of_findings(mini, "demo", method="FE").iloc[0]
    # Two identical log HRs pool to the same HR; the control median is the median of 6 and 8.
    assert row["pooled"] and row["n_studies"] == 2 and row["participants"] == 400
    assert row["hr"] == pytest.approx(0.5, abs=1e-12)
    assert row["median_control"] == 7.0 and row["survival_control"] == 0.5
    assert row["fewer_events"] == pytest.approx(1000 * (0.5**0.5 - 0.5), abs=1e-9)
    assert row["statement"] == "Drug X probably improves progression-free survival."


def test_an_unknown_chapter_names_the_column(mini):
    with pytest.raises(ValueError, match=r"chapter must be one of \['demo'\]"):
        sof.summary_of_findings(mini, "nope")


def test_without_a_control_median_the_absolute_effect_is_missing(mini):
    mini.effects["median_control"] = math.nan
    row = sof.summary_of_findings(mini, "demo").iloc[0]
    assert math.isnan(row["control_events"]) and not math.isnan(row["hr"])


def test_a_prognostic_row_says_it_compares_patients_not_treatments(mini):
    mini.certainty["population"] = "prognostic"
    assert sof.summary_of_findings(mini, "demo").iloc[0]["statement"] == sof.PROGNOSTIC_STATEMENT
