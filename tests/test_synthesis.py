"""Applying methods to evidence rows: selection, forest frames, pooling, grades, E-values."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import effects, meta, plotting, synthesis


def test_select_effects_filters_and_joins_study_facts(evidence):
    rows = synthesis.select_effects(evidence, study_ids=["zou2025"], endpoints=["OS"])
    assert len(rows) == 3
    assert set(rows["design"]) == {"retrospective_cohort"}
    assert rows["study"].iloc[0] == evidence.studies.loc["zou2025", "name"]


def test_select_effects_rejects_unknown_studies(evidence):
    with pytest.raises(KeyError, match=r"unknown study_id\(s\) \['nope'\]"):
        synthesis.select_effects(evidence, study_ids=["nope"])


def test_pool_effects_equals_pool_on_log_hr_and_se_from_ci(evidence):
    rows = synthesis.select_effects(
        evidence, chapter="hr_positive_targeted", endpoints=["PFS"], populations=["ITT"], with_hr=True
    ).drop_duplicates("study_id")
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
    rows = rows[
        rows["hr_ci_upper"].notna()
        & (rows["hr_ci_upper"] >= 1)
        & rows["median_experimental"].notna()
        & rows["median_control"].notna()
    ]
    assert len(rows) >= 1
    grades = synthesis.esmo_grades(rows)
    assert set(grades["grade"]) == {"not graded"}
    assert grades["rule"].str.contains("includes 1").all()


def test_risk_of_bias_matrix_takes_the_chapter_s_labels_in_the_same_order(evidence):
    # Oracle: the default matrix; a label function renames rows without reordering them.
    ids = ["her2climb", "pyro_ph2_ma2019", "phoebe"]
    default = synthesis.risk_of_bias_matrix(evidence, ids)
    labelled = synthesis.risk_of_bias_matrix(evidence, ids, label=lambda s, e: f"{s}|{e}")
    assert labelled.shape == default.shape

    def cells(matrix):
        return matrix.astype(object).fillna("").to_numpy().tolist()

    assert cells(labelled) == cells(default)
    names = evidence.studies["name"]
    for (old, tool), (new, new_tool) in zip(default.index, labelled.index):
        study, effect = new.split("|")
        assert tool == new_tool
        assert old == (names[study] if effect == "None" else f"{names[study]} [{effect}]")


def test_forest_frame_takes_labels_and_one_group(evidence):
    rows = synthesis.select_effects(evidence, study_ids=["paloma3"], with_hr=True).head(2)
    frame = synthesis.forest_frame(rows.assign(name=["a", "b"]), label_col="name", group="PALOMA-3")
    assert list(frame.columns) == ["group", "label", "hr", "hr_lower", "hr_upper"]
    assert list(frame["label"]) == ["a", "b"] and set(frame["group"]) == {"PALOMA-3"}
    with pytest.raises(ValueError, match="give group_col or group, not both"):
        synthesis.forest_frame(rows, group_col="study", group="x")


def test_subgroup_interaction_is_the_interaction_test_of_two_rows(evidence):
    # Oracle: helpers.effects.interaction_test called on the two rows' printed values.
    rows = synthesis.select_effects(evidence, study_ids=["paloma3"])
    a, b = "paloma3_pfs_visceral_post_hoc", "paloma3_pfs_no_visceral_post_hoc"
    expected = effects.interaction_test(
        *rows.loc[a, ["hr", "hr_ci_lower", "hr_ci_upper"]], *rows.loc[b, ["hr", "hr_ci_lower", "hr_ci_upper"]]
    )
    assert synthesis.subgroup_interaction(rows, a, b).equals(expected)
    with pytest.raises(KeyError, match=r"no estimate\(s\) \['nope'\]"):
        synthesis.subgroup_interaction(rows, a, "nope")


def test_implied_curves_are_the_kaplan_meier_fits_of_the_implied_trial(evidence):
    # Oracle: implied_trial + fit_kaplan_meier called by hand with the same seed.
    from helpers import survival

    row = synthesis.select_effects(evidence, study_ids=["zou2025"]).loc["zou2025_os_psm_small_lesions_primary"]
    curves, assumptions = synthesis.implied_curves(row, seed=3, arm_label=str.upper)
    trial = synthesis.implied_trial(row, seed=3)
    by_hand = survival.fit_kaplan_meier(
        trial, "time", "event", "arm", order=[row["arm_experimental"], row["arm_control"]]
    )
    assert list(curves) == [row["arm_experimental"].upper(), row["arm_control"].upper()]
    for (_, a), (_, b) in zip(curves.items(), by_hand.items()):
        assert a.survival_function_.to_numpy().tolist() == b.survival_function_.to_numpy().tolist()
    assert assumptions["arm_sizes"] == "not reported; 200 per arm assumed"


def test_recomputed_intervals_fill_only_rows_without_one(evidence):
    # Oracle: effects.ci_from_p on the Zou row (HR and p, no interval); reported intervals untouched.
    rows = synthesis.select_effects(evidence, study_ids=["zou2025", "curie2013"])
    filled = synthesis.with_recomputed_ci(rows)
    zou = "zou2025_os_psm_small_lesions_primary"
    assert filled.loc[zou, "ci_source"] == "recomputed from p"
    assert (filled.loc[zou, "hr_ci_lower"], filled.loc[zou, "hr_ci_upper"]) == pytest.approx(
        effects.ci_from_p(rows.loc[zou, "hr"], rows.loc[zou, "p_value"])
    )
    curie = "curie2013_os_case_matched_primary"
    assert filled.loc[curie, "ci_source"] == "reported"
    assert filled.loc[curie, "hr_ci_lower"] == rows.loc[curie, "hr_ci_lower"]


def test_fixed_sequence_stops_formal_testing_after_the_first_failure(evidence):
    # Oracle: KEYNOTE-355 OS: CPS >=10 significant, CPS >=1 not (interval reaches 1), so ITT is descriptive.
    rows = synthesis.select_effects(evidence, study_ids=["keynote355"])
    order = ["keynote355_os_cps_ge10_final", "keynote355_os_cps_ge1_final", "keynote355_os_itt_final"]
    walk = synthesis.fixed_sequence(rows, order)
    assert walk["significant"].tolist() == [True, False, False]
    assert walk["formally_tested"].tolist() == [True, True, False]
    with pytest.raises(KeyError, match=r"no estimate\(s\) \['nope'\]"):
        synthesis.fixed_sequence(rows, ["nope"])
    with pytest.raises(ValueError, match="proxy_level must lie between 0 and 1"):
        synthesis.fixed_sequence(rows, order, proxy_level=95)


def test_landmark_check_compares_reported_and_implied_survival(evidence):
    # Oracle: S_E = S_C ** HR with HER2CLIMB's final OS HR and its reported two-year control survival.
    rows = synthesis.select_effects(evidence, study_ids=["her2climb"])
    check = synthesis.landmark_check(rows).set_index("effect_id")
    final = check.loc["her2climb_os_rate_itt_final_24mo"]
    assert final["hr_effect_id"] == "her2climb_os_itt_final"
    control = rows.loc["her2climb_os_rate_itt_final_24mo", "percent_control"] / 100
    assert final["implied"] == pytest.approx(100 * control ** rows.loc["her2climb_os_itt_final", "hr"])
    assert final["implied_lower"] < final["implied"] < final["implied_upper"]
    with pytest.raises(ValueError, match="no OS hazard ratio of the same study and data cut"):
        synthesis.landmark_check(rows[rows["endpoint"] == "OS_rate"])
