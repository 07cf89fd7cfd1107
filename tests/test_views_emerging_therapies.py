"""The emerging-therapies chapter's view module on a miniature data set written here, not on the committed data.

Oracle: the miniature rows themselves (names, medians, intervals chosen so that the expected labels,
gains, counts and choices can be read off them) and, for the interval check, the two-sided p-value
of a Wald interval computed by hand: HR 0.70 with 95% CI 0.55-0.89 gives z = ln(0.70) / se with
se = (ln 0.89 - ln 0.55) / 3.92 = 0.1228, |z| = 2.905, p = 0.0037; with CI 0.62-0.91, se = 0.0979,
|z| = 3.64, p = 0.0003.
"""

from __future__ import annotations

import pytest
from test_data_validation import (
    CERTAINTY_HEADER,
    EFFECT,
    STUDY,
    write_chapter_miniature,
)

from helpers import chapter
from helpers.views import emerging_therapies as view

CHAPTER = "emerging_therapies"
TRIAL_A = dict(
    STUDY,
    study_id="trial_a",
    name="TRIAL-A (drug vs chemotherapy)",
    short_name="TRIAL-A",
    design="rct",
    phase="3",
    blinding="double_blind",
    n_total="",
    n_group_experimental="",
    n_group_control="",
    follow_up_months="",
    chapter=CHAPTER,
    design_quote="a randomised phase 3 trial",
    design_source_id="zou2025",
)
REGISTRY_B = dict(
    TRIAL_A,
    study_id="registry_b",
    name="Registry B (radioembolization)",
    short_name="Registry B",
    design="single_arm",
    phase="2",
    blinding="open_label",
    registry_id="NCT00000001",
    setting="liver-directed radioembolization (investigational)",
    design_quote="an open-label phase 2 study",
)


def estimate(effect_id, population, hr, lower, upper, medians=("", ""), analysis="final", p="", detail=""):
    quote = f"HR {hr} (95% CI {lower}-{upper})" + (
        f"; medians {medians[0]} vs {medians[1]} months" if medians[0] else ""
    )
    return dict(
        EFFECT,
        effect_id=effect_id,
        study_id="trial_a",
        endpoint="OS",
        population=population,
        population_detail=detail,
        arm_experimental="drug",
        arm_control="chemotherapy",
        hr=hr,
        hr_ci_lower=lower,
        hr_ci_upper=upper,
        ci_level="95",
        median_experimental=medians[0],
        median_control=medians[1],
        median_unit="months" if medians[0] else "",
        p_value=p,
        p_operator="=" if p else "",
        analysis=analysis,
        assessment="not_applicable",
        quote=quote + (f", p = {p}" if p else ""),
    )


ESTIMATES = [
    estimate("a_os_interim", "ITT", "0.70", "0.55", "0.89", ("20.0", "15.0"), "interim", p="0.003"),
    estimate("a_os_final", "ITT", "0.75", "0.62", "0.91", ("21.0", "15.5")),
    estimate("a_os_cps", "biomarker_subgroup", "0.60", "0.45", "0.80", detail="cps ge10"),
]
CHOICES = [
    [comparison, CHAPTER, rule, effect_id, "the cut of this rule"]
    for comparison in ("forest_os", "benefit_os")
    for rule, effect_id in (("latest", "a_os_final"), ("earliest", "a_os_interim"))
]
CERTAINTY = [
    CERTAINTY_HEADER,
    [
        "a_os",
        CHAPTER,
        "drug vs chemotherapy, OS",
        "OS",
        "ITT",
        "a_os_final",
        "high",
        "not_serious",
        "not_applicable",
        "serious",
        "not_serious",
        "undetected",
        "none",
        "moderate",
        "grade_start_randomised_high;grade_some_concerns_not_downgraded;grade_inconsistency_single_study;"
        "grade_indirect_population_or_outcome;grade_precise;grade_publication_bias_undetected;grade_arithmetic",
        "No liver-specific estimate.",
    ],
]


@pytest.fixture
def ch(tmp_path):
    """The validator's miniature data set plus one trial and one registry record of the chapter."""
    folder = write_chapter_miniature(
        tmp_path / "data", [TRIAL_A, REGISTRY_B], ESTIMATES, CHOICES, certainty=(CHAPTER, CERTAINTY)
    )
    loaded = chapter.load(CHAPTER, folder)
    view.label_rows(loaded)
    return loaded


def test_label_rows_names_populations_in_words_and_glues_the_opening(ch, glued):
    rows = view.label_rows(ch)
    assert rows.loc["a_os_cps", "label_detail"] == "CPS ≥10"
    assert rows.loc["a_os_final", "label_detail"] == "ITT"
    assert rows.loc["a_os_cps", "result_name"] == "OS, CPS ≥10 (final)"
    assert (glued["n_other"], glued["rct_phases"], glued["n_double_blind"]) == ("1", "3", "1")
    assert glued["hr_a_os_final"] == "0.75 (95% CI 0.62–0.91)"


def test_evidence_tables_split_time_to_event_rows_from_the_rest(ch):
    split = view.evidence_tables(ch)
    assert len(split["tte"]) == 3 and split["other"].empty and split["investigational"].empty
    assert "percent" not in split["tte"].columns


def test_interval_versions_recompute_the_p_value_of_each_interval(ch, glued):
    table = view.interval_versions(ch, "a_os_interim", other_id="a_os_final")
    assert list(table["version"]) == ["interval in the data", "all-patient interval"]
    assert list(table["interval"]) == ["0.55–0.89", "0.62–0.91"]
    assert table.loc[0, "recomputed"] == pytest.approx(0.0037, abs=1e-4)
    assert table.loc[1, "recomputed"] == pytest.approx(0.0003, abs=1e-4)
    assert glued["db04_p_reported"] == "0.003"
    assert glued["db04_verdict_alt"] == "inconsistent"


def test_hierarchy_walk_tests_in_order_and_stops_at_the_first_failure(ch, glued):
    # CPS row: 0.45-0.80 excludes one; interim ITT: 0.55-0.89 excludes one; final ITT: 0.62-0.91 too.
    walk = view.hierarchy_walk(ch, 0.95, {"TRIAL-A": ["a_os_cps", "a_os_interim"]}, itt_p="a_os_interim")
    assert list(walk["population"]) == ["CPS ≥10", "ITT"]
    assert list(walk["significant (proxy)"]) == ["yes", "yes"]
    assert list(walk["formally tested"]) == ["yes", "yes"]
    assert (glued["proxy_level"], glued["proxy_alpha"], glued["imp130_itt_p"]) == ("95%", "0.05", "0.003")


def test_forest_rows_keep_the_chosen_cut_and_group_the_populations(ch, glued):
    latest = view.forest_rows(ch, "latest")
    assert list(latest.index) == ["a_os_final", "a_os_cps"]
    assert list(latest["label"]) == ["TRIAL-A (drug vs chemotherapy)", "TRIAL-A (drug vs chemotherapy) CPS ≥10"]
    assert list(latest["group"].astype(str)) == ["All randomised", "Biomarker-selected populations"]
    assert glued["cut_choices"] == "TRIAL-A (drug vs chemotherapy) final"
    assert list(view.forest_rows(ch, "earliest").index) == ["a_os_interim", "a_os_cps"]
    frames = view.forest_frames(latest)
    assert len(frames["OS"]) == 2 and frames["PFS"].empty


def test_benefit_table_gives_the_median_gain_and_the_caveats(ch, glued):
    latest = view.benefit_table(ch, ch.rows, "latest")
    assert list(latest["gain (months)"]) == [5.5]  # 21.0 - 15.5 months; the CPS row has no medians
    assert list(latest["caveats"]) == ["–"]
    assert glued["n_benefit"] == "1"
    earliest = view.benefit_table(ch, ch.rows, "earliest")
    assert list(earliest["gain (months)"]) == [5.0]
    assert list(earliest["caveats"]) == ["interim analysis"]
    assert glued["n_clean"] == "0" and glued["clean_list"] == "none"
    assert glued["tropics_rule"] == "not in the table"


def test_key_points_count_from_the_data(ch, glued):
    values = view.key_points(ch)
    assert values == {
        "kp_n_trials": "1",
        "kp_n_liver_trials": "none",
        "kp_n_comparisons": "1",
        "kp_n_indirect": "all",
        "kp_n_no_result": "1",
    }
    assert glued["kp_n_indirect"] == "all"


def test_certainty_counts_each_level(ch, glued):
    table = view.certainty(ch)
    assert list(table["certainty"]) == ["moderate"]
    assert (glued["n_certainty_high"], glued["n_certainty_moderate"], glued["n_certainty_very_low"]) == ("0", "1", "0")


def test_analyses_show_no_auditors_notes(ch):
    table = view.analyses(view.forest_rows(ch, "latest"))
    assert list(table.columns) == ["study", "endpoint", "population", "analysis", "assessment", "source kind"]
    view.label_rows(ch)
    same = view.same_estimate(ch, {"a_os_interim": "a_os_final"})
    assert list(same.columns) == ["estimate", "dropped row, read from", "kept row, read from"]
    assert (
        same.loc[0, "estimate"] == "TRIAL-A (drug vs chemotherapy), OS, ITT (interim)"
        and "_" not in same.loc[0, "estimate"]
    )


NEWS = ["news2025", "News page, 2025", "A news page", "", "", "https://example.org/news", "secondary", "2026-12-01", ""]
PILOT_C = dict(
    REGISTRY_B,
    study_id="pilot_c",
    name="Pilot C (intratumoral virus before surgery)",
    short_name="Pilot C",
    phase="1",
    registry_id="NCT00000002",
    setting="neoadjuvant; oncolytic virus, investigational",
    design_quote="a phase 1 study",
)
SINGLE_ARM_D = dict(
    PILOT_C,
    study_id="single_arm_d",
    name="Single-arm D (approved drug)",
    short_name="Single-arm D",
    phase="3",
    registry_id="NCT00000003",
    setting="after one line",
    design_quote="a single-arm phase 3 study",
)


def one_arm_result(effect_id, study_id, endpoint, population, arm, percent, quote):
    """A percentage reported for one arm (no comparator, no hazard ratio or medians)."""
    return dict(
        EFFECT,
        effect_id=effect_id,
        study_id=study_id,
        endpoint=endpoint,
        population=population,
        arm_experimental=arm,
        arm_control="",
        median_experimental="",
        median_control="",
        median_unit="",
        hr="",
        p_value="",
        p_operator="",
        percent_experimental=percent,
        analysis="primary",
        quote=quote,
    )


MORE_ESTIMATES = [
    # Sorts before every other id, so a table built from index-aligned columns would misplace it.
    dict(
        estimate("0_pfs_itt", "ITT", "0.50", "0.40", "0.62", ("8.0", "4.0"), "primary"),
        endpoint="PFS",
        assessment="central",
    ),
    # The final OS estimate again, from a secondary page: drawn once, from the primary source.
    dict(estimate("a_os_final_news", "ITT", "0.75", "0.62", "0.91"), source_id="news2025"),
    one_arm_result(
        "c_pcr", "pilot_c", "pCR", "ITT", "virus + chemotherapy", "45.9", "45.9% had a pathological complete response"
    ),
    one_arm_result(
        "d_orr", "single_arm_d", "ORR", "cohort", "approved drug", "62.7", "the objective response rate was 62.7%"
    ),
]


@pytest.fixture
def ch_more(tmp_path):
    """The miniature of :func:`ch` plus a PFS estimate, a copy of the final OS estimate from a
    secondary page, a pre-metastatic pilot study with a result and a single-arm study of an
    approved drug."""
    folder = write_chapter_miniature(
        tmp_path / "data",
        [TRIAL_A, REGISTRY_B, PILOT_C, SINGLE_ARM_D],
        ESTIMATES + MORE_ESTIMATES,
        CHOICES,
        sources=[NEWS],
        certainty=(CHAPTER, CERTAINTY),
    )
    loaded = chapter.load(CHAPTER, folder)
    view.label_rows(loaded)
    return loaded


def test_benefit_table_keeps_each_row_with_its_own_numbers(ch_more, glued):
    table = view.benefit_table(ch_more, ch_more.rows, "latest")
    # Row by row: the PFS row (8.0 vs 4.0 months, HR 0.50) and the final OS row (21.0 vs 15.5, HR 0.75).
    pfs, os_ = table.loc["0_pfs_itt"], table.loc["a_os_final"]
    assert (pfs["endpoint"], pfs["medians (months)"], pfs["gain (months)"]) == ("PFS", "8 vs 4", 4.0)
    assert pfs["HR (CI)"].startswith("0.50")
    assert (os_["endpoint"], os_["medians (months)"], os_["gain (months)"]) == ("OS", "21 vs 15.5", 5.5)
    assert os_["HR (CI)"].startswith("0.75")


def test_duplicate_estimates_draw_a_copy_from_another_source_once(ch_more, glued):
    assert view.duplicate_estimates(ch_more) == {"a_os_final_news": "a_os_final"}
    assert "a_os_final_news" not in view.forest_rows(ch_more, "latest").index
    same = view.same_estimate(ch_more)
    assert list(same["estimate"]) == ["TRIAL-A (drug vs chemotherapy), OS, ITT (final)"]
    assert "(secondary)" in same.loc[0, "dropped row, read from"]


def test_investigational_says_what_kind_of_evidence_each_study_gives(ch_more, glued):
    table = view.investigational(ch_more).set_index("study")
    assert (
        table.loc["Registry B (radioembolization)", "stage of evidence"] == "registry record only (phase 2): no result"
    )
    assert table.loc["Pilot C (intratumoral virus before surgery)", "stage of evidence"] == (
        "single arm (phase 1), before metastases"
    )
    assert table.loc["Single-arm D (approved drug)", "approach"] == "approved drug"
    assert table.loc["Single-arm D (approved drug)", "stage of evidence"] == "single arm (phase 3), metastatic disease"
    assert list(table["approach"]) == ["investigational", "investigational", "approved drug"]
    assert (glued["n_investigational"], glued["n_pre_metastatic"], glued["n_registry_only"]) == ("2", "1", "1")
    assert glued["tvec_pcr"] == "45.9%"
