"""The HER2 TKI chapter's views (helpers.views.her2_tkis) on a miniature data set written here.

Oracle: the miniature tables themselves (two pyrotinib-versus-lapatinib trials, one read from a
secondary source, one liver-metastasis certainty row) and, for the pool, the inverse-variance
(common-effect) average of the two log hazard ratios computed by hand in the test.
"""

from __future__ import annotations

import math

import pytest
from test_data_validation import (
    CERTAINTY,
    EFFECT,
    STUDY,
    write_chapter_miniature,
)

from helpers import chapter
from helpers.views import her2_tkis as view

SECONDARY = ["news2021", "A news page", "Trial news", "", "", "https://example.org/news", "secondary", "2026-11-24", ""]
TRIAL_P = dict(
    STUDY,
    study_id="trial_p",
    name="TRIAL-P (pyrotinib vs lapatinib)",
    short_name="TRIAL-P",
    design="rct",
    phase="3",
    blinding="open_label",
    n_total="",
    n_group_experimental="",
    n_group_control="",
    follow_up_months="",
    design_quote="A randomised phase 3 trial",
    population="HER2-positive metastatic breast cancer after trastuzumab",
    setting="after trastuzumab",
    chapter="her2_tkis",
    notes="Liver metastases were a stratification factor.",
)
TRIAL_Q = dict(
    TRIAL_P,
    study_id="trial_q",
    name="TRIAL-Q (pyrotinib vs lapatinib)",
    short_name="TRIAL-Q",
    phase="2",
    notes="",
    setting="after taxanes",
    design_quote="A randomised phase 2 trial",
)
ARMS = dict(
    arm_experimental="pyrotinib + capecitabine",
    arm_control="lapatinib + capecitabine",
    n_experimental="",
    n_control="",
    events_experimental="",
    events_control="",
    p_value="",
    p_operator="",
    ci_level="95",
    population="ITT",
    analysis="primary",
    assessment="central",
)
P_PFS = dict(
    EFFECT,
    **ARMS,
    effect_id="p_pfs",
    study_id="trial_p",
    source_id="news2021",
    endpoint="PFS",
    median_experimental="12.5",
    median_control="6.8",
    median_unit="months",
    hr="0.40",
    hr_ci_lower="0.30",
    hr_ci_upper="0.53",
    quote="median PFS 12.5 vs 6.8 months, HR 0.40 (95% CI 0.30-0.53)",
    note="The p-value is one-sided. Liver metastases were not analysed separately.",
)
Q_PFS = dict(
    P_PFS,
    effect_id="q_pfs",
    study_id="trial_q",
    source_id="zou2025",
    median_experimental="",
    median_control="",
    median_unit="",
    hr="0.50",
    hr_ci_lower="0.35",
    hr_ci_upper="0.71",
    quote="HR 0.50 (95% CI 0.35-0.71)",
    note="",
)
P_OS = dict(
    Q_PFS,
    effect_id="p_os",
    study_id="trial_p",
    endpoint="OS",
    hr="0.70",
    hr_ci_lower="0.50",
    hr_ci_upper="0.98",
    quote="OS HR 0.70 (95% CI 0.50-0.98)",
    assessment="not_applicable",
)
CHOICES = [
    [family, "her2_tkis", rule, effect_id, "the only estimate"]
    for rule in ("most_mature", "first_reported")
    for family, effect_id in (("progression", "p_pfs"), ("progression", "q_pfs"), ("OS", "p_os"))
]
LIVER_CERTAINTY = [
    "pyro_pfs_liver",
    "her2_tkis",
    "pyrotinib + capecitabine vs lapatinib + capecitabine, PFS, liver",
    "PFS",
    "liver_metastases",
    "p_pfs;q_pfs",
    "high",
    "not_serious",
    "not_serious",
    "serious",
    "not_serious",
    "undetected",
    "none",
    "moderate",
    "grade_start_randomised_high;grade_indirect_population_or_outcome;grade_arithmetic",
    "Extrapolated from all patients.",
]


@pytest.fixture
def ch(tmp_path):
    folder = write_chapter_miniature(
        tmp_path / "data",
        [TRIAL_P, TRIAL_Q],
        [P_PFS, Q_PFS, P_OS],
        CHOICES,
        sources=[SECONDARY],
        certainty=("her2_tkis", [CERTAINTY[0], LIVER_CERTAINTY]),
    )
    return chapter.load("her2_tkis", folder)


def chosen(ch, rule="most_mature"):
    return {family: ch.chosen(family, rule) for family in ("progression", "OS")}


def test_setup_labels_results_and_glues_the_cut(ch, glued):
    prognostic = view.setup(ch, "most_mature")
    assert not prognostic.any()
    assert ch.rows.loc["p_pfs", "result"] == "PFS, primary"
    assert ch.rows.loc["p_pfs", "estimate"] == "TRIAL-P, PFS, primary"  # what a table shows, never the id
    assert glued["data_cut"] == "most mature"
    assert glued["n_studies"] == "2"


def test_secondary_list_counts_estimates_per_study(ch, glued):
    view.glue_secondary(ch)
    assert glued["secondary_list"] == "TRIAL-P (1 of 2 estimates)"


def test_two_trials_pool_with_inverse_variance_weights(ch, glued):
    pool = view.pooling(ch, chosen(ch), "PFS", "FE", False, 0.95)
    se = [(math.log(0.53) - math.log(0.30)) / (2 * 1.959964), (math.log(0.71) - math.log(0.35)) / (2 * 1.959964)]
    w = [1 / s**2 for s in se]
    expected = math.exp((w[0] * math.log(0.40) + w[1] * math.log(0.50)) / sum(w))
    assert pool.pooled.hr == pytest.approx(expected, abs=1e-3)
    assert list(pool.availability["trial"]) == ["TRIAL-P", "TRIAL-Q"]
    assert len(pool.models) == 8
    assert glued["pool_decision"].startswith("pooled:")
    assert glued["pool_rows"] == "TRIAL-P (primary, assessment central), TRIAL-Q (primary, assessment central)"


def test_one_trial_is_not_pooled(ch, glued):
    pool = view.pooling(ch, chosen(ch), "OS", "REML", False, 0.95)
    assert pool.pooled is None
    assert list(pool.models.columns) == ["model", "result"]
    assert glued["pool_decision"].startswith("not pooled: of the 2 pyrotinib-versus-lapatinib trials, only 1 has an OS")
    assert glued["pooled_sentence"] == "There is no pooled result for this endpoint."


def test_forests_draw_the_diamond_in_the_pooled_family_only(ch, glued):
    pool = view.pooling(ch, chosen(ch), "PFS", "FE", False, 0.95)
    forests = view.forests(ch, chosen(ch), pool, "PFS")
    assert list(forests["progression"]["studies"]["label"]) == ["TRIAL-P (primary)", "TRIAL-Q (primary)"]
    assert forests["progression"]["pooled"] is not None and forests["OS"]["pooled"] is None
    assert glued["n_liver_rows"] == "none"
    assert glued["forest_os_studies"] == "TRIAL-P"


def test_gain_in_medians(ch, glued):
    table = view.gains(ch, 24)
    assert list(table["gain in median"]) == ["5.7 months"]  # 12.5 - 6.8
    assert glued["gain_p_pfs"] == "5.7"


def test_key_points_count_intervals_below_one_and_name_the_certainty(ch, glued):
    view.glue_key_points(ch, "most_mature")
    assert glued["kp_n_trials"] == "2"
    assert (glued["kp_n_pfs_below_one"], glued["kp_n_pfs"]) == ("2", "2")
    assert (glued["kp_n_os_below_one"], glued["kp_n_os"]) == ("1", "1")
    assert glued["kp_certainty_liver"] == "moderate for pyrotinib (progression)"


def test_settings_list_the_tki_trials_with_their_setting(ch, glued):
    table = view.settings(ch, "most_mature")
    assert list(table["trial"]) == ["TRIAL-P", "TRIAL-Q"]
    assert set(table["role"]) == {"TKI trial"}
    assert glued["setting_trial_q"] == "after taxanes"


def test_notes_sentences_on_sidedness_and_the_liver(ch, glued):
    view.setup(ch, "most_mature")
    consistency = ch.consistency(write=False)
    view.glue_check_notes(ch, consistency)
    assert glued["sided_notes"] == "The p-value is one-sided."
    statements = view.liver_statements(ch)
    assert list(statements["statement"]) == [
        "Liver metastases were a stratification factor.",
        "Liver metastases were not analysed separately.",
    ]


def test_esmo_rules_never_show_workshop_words(ch, glued):
    table = view.esmo(ch)
    assert not table["rule"].str.contains("stored").any()
    assert glued["n_esmo_rows"] == str(len(table))


def test_illustrated_effect_must_belong_to_the_chapter(ch):
    with pytest.raises(ValueError, match="illustrated_effect must be a randomised estimate"):
        view.illustrated(ch, "zou_os")
    assert view.illustrated(ch, "p_pfs").name == "p_pfs"
