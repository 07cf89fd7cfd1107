"""Applying methods to evidence rows: selection, forest frames, pooling, grades, E-values."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import data, effects, meta, plotting, synthesis

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def evidence():
    return data.load_evidence(ROOT / "data")


def test_select_effects_filters_and_joins_study_facts(evidence):
    rows = synthesis.select_effects(evidence, study_ids=["zou2025"], endpoints=["OS"])
    assert len(rows) == 3
    assert set(rows["design"]) == {"retrospective_cohort"}
    assert rows["study"].iloc[0] == evidence.studies.loc["zou2025", "name"]


def test_select_effects_rejects_unknown_studies(evidence):
    with pytest.raises(KeyError, match=r"unknown study_id\(s\) \['nope'\]"):
        synthesis.select_effects(evidence, study_ids=["nope"])


def test_pool_effects_equals_pool_on_log_hr_and_se_from_ci(evidence):
    rows = synthesis.select_effects(evidence, chapter="hr_positive_targeted", endpoints=["PFS"],
                                    populations=["ITT"], with_hr=True).drop_duplicates("study_id")
    pooled = synthesis.pool_effects(rows, method="DL")
    se = [effects.se_from_ci(lo, hi) for lo, hi in zip(rows["hr_ci_lower"], rows["hr_ci_upper"])]
    direct = meta.pool(np.log(rows["hr"].to_numpy(float)), se, method="DL")
    assert pooled.estimate == pytest.approx(direct.estimate, abs=1e-12)
    assert pooled.tau2 == pytest.approx(direct.tau2, abs=1e-12)


def test_pool_effects_refuses_two_estimates_of_one_study(evidence):
    rows = synthesis.select_effects(evidence, study_ids=["paloma3"], with_hr=True)
    with pytest.raises(ValueError, match=r"pool one estimate per study; repeated: \['paloma3'\]"):
        synthesis.pool_effects(rows)


def test_forest_frame_needs_intervals(evidence):
    rows = synthesis.select_effects(evidence, study_ids=["zou2025"])
    with pytest.raises(ValueError, match="forest plot needs a hazard ratio with both limits"):
        synthesis.forest_frame(rows)


def test_evalue_table_recomputes_missing_intervals_from_p(evidence):
    rows = synthesis.select_effects(evidence, study_ids=["zou2025"])
    table = synthesis.evalue_table(rows).set_index("effect_id")
    row = table.loc["zou2025_os_psm_small_lesions_primary"]
    lower, upper = effects.ci_from_p(0.48, 0.003)
    assert row["ci_source"] == "recomputed from p"
    assert row["hr_upper"] == pytest.approx(upper, rel=1e-12)
    # VanderWeele & Ding's E-value for HR 0.48 with a common outcome
    rr = (1 - 0.5 ** math.sqrt(1 / 0.48)) / (1 - 0.5 ** math.sqrt(0.48))
    assert row["e_value"] == pytest.approx(rr + math.sqrt(rr * (rr - 1)), rel=1e-12)


def test_esmo_grades_skip_non_randomised_rows(evidence):
    rows = synthesis.select_effects(evidence, study_ids=["zou2025"])
    grades = synthesis.esmo_grades(rows)
    assert set(grades["grade"]) == {"not applicable"}


def test_implied_trial_is_labelled_and_deterministic(evidence):
    rows = synthesis.select_effects(evidence, study_ids=["zou2025"])
    row = rows.loc["zou2025_os_psm_small_lesions_primary"]
    first = synthesis.implied_trial(row, seed=1)
    second = synthesis.implied_trial(row, seed=1)
    assert first.equals(second)
    assert first.attrs["illustration"] is True
    assert first.attrs["assumptions"]["arm_sizes"] == "not reported; 200 per arm assumed"
    assert first.attrs["assumptions"]["seed"] == 1  # the simulator's own record is kept


def test_traffic_light_draws_one_marker_per_judgement(evidence):
    matrix = synthesis.risk_of_bias_matrix(evidence, ["zou2025"])
    fig = plotting.traffic_light(matrix)
    ax = fig.axes[0]
    assert len(ax.collections) == matrix.notna().sum().sum()
    assert [t.get_text() for t in ax.get_yticklabels()][0].endswith("(ROBINS-I)")
    plt.close(fig)


def test_traffic_light_rejects_unknown_judgements(evidence):
    matrix = synthesis.risk_of_bias_matrix(evidence, ["zou2025"]).replace("serious", "dreadful")
    with pytest.raises(ValueError, match=r"unknown judgement\(s\) \['dreadful'\]"):
        plotting.traffic_light(matrix)


def test_esmo_grades_do_not_grade_non_significant_results(evidence):
    rows = synthesis.select_effects(evidence, study_ids=["solar1"], endpoints=["OS"])
    rows = rows[rows["hr_ci_upper"].notna() & (rows["hr_ci_upper"] >= 1)
                & rows["median_experimental"].notna() & rows["median_control"].notna()]
    assert len(rows) >= 1
    grades = synthesis.esmo_grades(rows)
    assert set(grades["grade"]) == {"not graded"}
    assert grades["rule"].str.contains("includes 1").all()
