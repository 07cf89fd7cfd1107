"""The HR-positive chapter's view module on a miniature data set written here, not on the committed data.

Oracle: the miniature rows themselves (names, medians, intervals chosen so that the expected
labels, gains and counts can be read off them).
"""

from __future__ import annotations

import pytest
from test_data_validation import (
    EFFECT,
    STUDY,
    write_chapter_miniature,
)

from helpers import chapter
from helpers.views import hr_positive_targeted as view

CHAPTER = "hr_positive_targeted"
TRIAL_A = dict(
    STUDY,
    study_id="trial_a",
    name="TRIAL-A (drug + AI)",
    short_name="TRIAL-A",
    design="rct",
    phase="",
    blinding="double_blind",
    n_total="",
    n_group_experimental="",
    n_group_control="",
    follow_up_months="",
    chapter=CHAPTER,
)
TRIAL_B = dict(TRIAL_A, study_id="trial_b", name="TRIAL-B (drug + fulvestrant)", short_name="TRIAL-B")


def estimate(effect_id, study_id, endpoint, population, hr, lower, upper, medians=("", ""), analysis="final"):
    numbers = f"HR {hr} (95% CI {lower}-{upper})" + (
        f"; medians {medians[0]} vs {medians[1]} months" if medians[0] else ""
    )
    return dict(
        EFFECT,
        effect_id=effect_id,
        study_id=study_id,
        endpoint=endpoint,
        population=population,
        arm_experimental="drug + endocrine therapy",
        arm_control="endocrine therapy",
        hr=hr,
        hr_ci_lower=lower,
        hr_ci_upper=upper,
        ci_level="95",
        median_experimental=medians[0],
        median_control=medians[1],
        median_unit="months" if medians[0] else "",
        p_value="",
        p_operator="",
        analysis=analysis,
        assessment="investigator",
        quote=numbers,
    )


ESTIMATES = [
    estimate("a_pfs", "trial_a", "PFS", "ITT", "0.58", "0.46", "0.72", ("24.8", "14.5")),
    estimate("a_os", "trial_a", "OS", "ITT", "0.81", "0.64", "1.03", ("53.9", "51.2")),
    estimate("a_pfs_liver", "trial_a", "PFS", "liver_metastases", "0.49", "0.36", "0.68", ("9.3", "4.2"), "post_hoc"),
    estimate("a_pfs_visceral", "trial_a", "PFS", "visceral", "0.60", "0.45", "0.80", analysis="post_hoc"),
    estimate("a_pfs_nonvisceral", "trial_a", "PFS", "nonvisceral", "0.50", "0.35", "0.71", analysis="post_hoc"),
    estimate("b_pfs", "trial_b", "PFS", "ITT", "0.46", "0.36", "0.59", ("9.5", "4.6")),
    estimate("b_os", "trial_b", "OS", "ITT", "0.76", "0.62", "0.93", ("34.9", "28.0")),
    estimate("b_os_liver_lung", "trial_b", "OS", "liver_or_lung", "0.68", "0.46", "1.00", analysis="post_hoc"),
]
CHOSEN = {
    "first_line_ai_PFS": "a_pfs",
    "first_line_ai_OS": "a_os",
    "after_et_fulvestrant_PFS": "b_pfs",
    "after_et_fulvestrant_OS": "b_os",
}
CHOICES = [
    [comparison, CHAPTER, rule, effect_id, "the only estimate"]
    for rule in ("most_mature", "confirmatory")
    for comparison, effect_id in CHOSEN.items()
]


@pytest.fixture
def ch(tmp_path):
    """The validator's miniature data set plus two trials of the HR-positive chapter."""
    return chapter.load(CHAPTER, write_chapter_miniature(tmp_path / "data", [TRIAL_A, TRIAL_B], ESTIMATES, CHOICES))


@pytest.fixture
def glued(monkeypatch):
    """Every value the chapter layer and the view glue, by name."""
    store: dict[str, str] = {}
    monkeypatch.setattr(chapter, "glue", lambda key, value: store.__setitem__(key, value))
    monkeypatch.setattr(view, "glue", lambda key, value: store.__setitem__(key, value))
    return store


def test_prepare_adds_display_columns_and_opening_glue(ch, glued):
    view.prepare(ch)
    rows = ch.rows
    assert rows.loc["a_pfs_liver", "described"] == "TRIAL-A (drug + AI) (PFS, liver metastases, post hoc)"
    assert rows.loc["a_pfs", "described"] == "TRIAL-A (drug + AI) (PFS, all patients, final)"
    assert rows.loc["b_os_liver_lung", "described"] == "TRIAL-B (drug + fulvestrant) (OS, liver and/or lung, post hoc)"
    assert rows.loc["a_pfs_liver", "gain"] == "5.1"  # 9.3 - 4.2 months
    assert rows.loc["a_pfs_visceral", "gain"] == "–"  # no medians
    assert rows.loc["b_pfs", "forest_label"] == "TRIAL-B (drug + fulvestrant) (final)"
    assert glued["n_studies"] == "2"
    assert glued["hr_a_pfs"] == "0.58 (95% CI 0.46–0.72)"
    assert "b2_phase" not in glued  # the miniature has no BOLERO-2


def test_selection_puts_each_choice_in_its_pool(ch):
    selected = view.selection(ch, "most_mature")
    assert list(selected["pool"]) == ["first_line_ai", "first_line_ai", "after_et_fulvestrant", "after_et_fulvestrant"]
    assert list(selected["endpoint"]) == ["PFS", "OS", "PFS", "OS"]


def test_cut_table_shows_the_cuts_without_the_auditors_notes(ch, glued):
    view.prepare(ch)
    html = view.cut_table(ch, "a", {"a": (["a_pfs", "a_pfs_liver"], "TRIAL-A at two cuts")}).data
    assert "TRIAL-A at two cuts" in html and "PFS, liver metastases, post hoc" in html and "24.8" in html
    assert "note" not in html and "a_pfs" not in html  # estimates by name, never by id


def test_tables_name_estimates_not_ids(ch, glued):
    view.prepare(ch)
    assert ch.rows.loc["a_pfs_liver", "result"] == "PFS, liver metastases, post hoc"
    html = view.esmo_table(ch, "most_mature", extra=[]).data + view.selection_table(ch, "most_mature").data
    assert "TRIAL-A (drug + AI) (PFS, all patients, final)" in html
    assert "a_pfs" not in html and "b_os" not in html


def test_gap_table_counts_overall_survival_intervals_below_one(ch, glued):
    view.prepare(ch)
    view.gap_table(ch, "most_mature", extra=[])
    assert glued["n_gap"] == "2"
    assert glued["n_gap_os_sig"] == "1"  # TRIAL-B's OS interval ends at 0.93, TRIAL-A's at 1.03
    assert glued["gap_trial_a_pfs_gain"] == "10.3"  # 24.8 - 14.5 months


def test_other_forest_labels_each_row_with_its_study(ch):
    frame = view.other_forest(ch, "PFS", {"PFS": [("Drug B", ["b_pfs"], [("trial_b", ", all")])]})
    assert list(frame["label"]) == ["TRIAL-B (drug + fulvestrant), all"]
    assert list(frame["group"]) == ["Drug B"]


def test_design_table_names_secondary_sources_or_none(ch, glued):
    view.prepare(ch)
    view.design_table(ch, "most_mature", extra=[])
    assert glued["n_used_secondary"] == "0"
    assert glued["used_secondary"] == "none"


def test_key_points_count_trials_with_liver_results(ch, glued):
    values = view.key_points(ch)
    assert values == {
        "kp_n_liver_trials": "2",
        "kp_n_liver_alone": "1",
        "kp_n_liver_mixed": "1",
        "kp_liver_os": "no trial",
    }
    assert glued["kp_liver_os"] == "no trial"
