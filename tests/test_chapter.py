"""The chapter layer (helpers.chapter) on a miniature data set written here, not on the committed data.

Oracle: the miniature tables themselves (which rows, names, sources and choices they hold) and,
for the consistency check, a p-value chosen far from the one its interval implies.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_data_validation import (
    EFFECT_CI,
    SEARCH_LOG,
    STUDY,
    study_rows,
    write_chapter_miniature,
    write_csv,
)

from helpers import chapter
from helpers.data import DataValidationErrors

SECONDARY = [
    "review2024",
    "A review",
    "Review of trials",
    "",
    "",
    "https://example.org/review",
    "secondary",
    "2026-11-24",
    "",
]
TRIAL = dict(
    STUDY,
    study_id="trial_a",
    name="TRIAL-A (drug vs placebo)",
    short_name="TRIAL-A",
    design="rct",
    blinding="double_blind",
    n_total="",
    n_group_experimental="",
    n_group_control="",
    follow_up_months="",
    chapter="her2_tkis",
)
# HR 0.50 (0.40-0.625) implies p < 0.0001; a printed p = 0.3 is inconsistent with it.
TRIAL_QUOTE = "HR 0.50 (95% CI 0.40-0.625), p = 0.3, at the interim and final analyses"
INTERIM = dict(
    EFFECT_CI,
    effect_id="trial_a_os_interim",
    study_id="trial_a",
    population="ITT",
    hr="0.50",
    hr_ci_lower="0.40",
    hr_ci_upper="0.625",
    p_value="0.3",
    p_operator="=",
    n_experimental="",
    n_control="",
    events_experimental="",
    events_control="",
    analysis="interim",
    source_id="review2024",
    quote=TRIAL_QUOTE,
)
FINAL = dict(INTERIM, effect_id="trial_a_os_final", analysis="final", source_id="zou2025", p_value="", p_operator="")
CHOICES = [
    ["os", "her2_tkis", "latest", "trial_a_os_final", "most mature cut"],
    ["os", "her2_tkis", "earliest", "trial_a_os_interim", "first reported cut"],
]


@pytest.fixture
def data_dir(tmp_path):
    """The validator's miniature data set plus one trial of chapter her2_tkis, read at two cuts."""
    return write_chapter_miniature(tmp_path / "data", [TRIAL], [INTERIM, FINAL], CHOICES, sources=[SECONDARY])


@pytest.fixture
def ch(data_dir):
    return chapter.load("her2_tkis", data_dir)


def test_load_gives_the_chapter_its_rows_and_studies(ch):
    assert list(ch.studies.index) == ["trial_a"]
    assert list(ch.rows.index) == ["trial_a_os_interim", "trial_a_os_final"]
    assert list(ch.rows["short_name"]) == ["TRIAL-A", "TRIAL-A"]
    assert list(ch.rows["source_kind"]) == ["secondary", "primary"]
    assert ch.printed.loc["trial_a_os_final", "hr_ci_upper"] == "0.625"


def test_load_rejects_an_unknown_chapter(data_dir):
    with pytest.raises(ValueError, match=r"chapter must be one of \['her2_tkis', 'local_therapies'\].*got 'her2'"):
        chapter.load("her2", data_dir)


def test_load_refuses_invalid_data(data_dir):
    write_csv(data_dir / "studies.csv", study_rows(STUDY, dict(TRIAL, short_name="")))
    with pytest.raises(DataValidationErrors, match="column short_name"):
        chapter.load("her2_tkis", data_dir)


def test_display_name_comes_from_the_data(ch):
    assert ch.short_name("trial_a") == "TRIAL-A"
    with pytest.raises(KeyError, match="no study 'nope' in data/studies.csv"):
        ch.short_name("nope")


def test_secondary_sources_are_marked_in_the_link(ch):
    assert ch.source_link("review2024") == '<a href="https://example.org/review">review2024</a> (secondary)'
    # A reader's link goes to the DOI first, then PubMed, then the page read.
    assert ch.source_link("zou2025") == '<a href="https://doi.org/10.1016/j.breast.2025.103876">zou2025</a>'


def test_printed_texts(ch):
    assert ch.hr_text("trial_a_os_final") == "0.50 (95% CI 0.40–0.625)"
    assert ch.p_text("trial_a_os_interim") == "p = 0.3"
    assert ch.p_text("trial_a_os_final") == "p not reported"


def test_chosen_estimate_per_data_cut_rule(ch):
    latest = ch.chosen("os", "latest")
    assert list(latest.index) == ["trial_a_os_final"]
    assert latest.loc["trial_a_os_final", "reason"] == "most mature cut"
    assert list(ch.chosen("os", "earliest").index) == ["trial_a_os_interim"]
    assert ch.chosen("os", "latest", exclude=("trial_a",)).empty
    assert list(ch.choices("latest").columns) == ["comparison", "study_id", "effect_id", "reason"]


def test_chosen_rejects_unknown_rules_and_comparisons(ch):
    with pytest.raises(ValueError, match=r"data_cut must be one of \['earliest', 'latest'\].*got 'newest'"):
        ch.chosen("os", "newest")
    with pytest.raises(ValueError, match=r"comparison must be one of \['os'\], got 'pfs'"):
        ch.chosen("pfs", "latest")


def test_rows_sort_from_the_earliest_to_the_most_mature_cut():
    frame = pd.DataFrame({"study_id": ["b", "a", "a", "a"], "analysis": ["interim", "exploratory", "final", "interim"]})
    ordered = chapter.Chapter.by_data_cut(frame, first=["study_id"])
    assert list(zip(ordered["study_id"], ordered["analysis"])) == [
        ("a", "interim"),
        ("a", "final"),
        ("a", "exploratory"),
        ("b", "interim"),
    ]
    with pytest.raises(ValueError, match=r"unknown analysis \['later'\]"):
        chapter.Chapter.by_data_cut(frame.assign(analysis="later"))


def test_consistency_counts_and_explains_under_fixed_names(ch, glued):
    result = ch.consistency()
    flagged = result.flagged
    assert list(flagged["effect_id"]) == ["trial_a_os_interim"]
    assert list(flagged["check"]) == ["CI ↔ p"]
    assert list(flagged["reason"]) == ["other_test"]
    assert flagged["explanation"].iloc[0].startswith("p-value larger than the interval implies")
    assert result.counts["n_checks"] == 8  # two estimates, four checks each
    assert result.counts["n_checks_inconsistent"] == 1
    assert glued["n_checks_inconsistent"] == "1"
    assert glued["flagged_ids"] == "trial_a_os_interim"
    assert glued["flagged_studies"] == "TRIAL-A"
    assert glued["flag_other_test"] == "TRIAL-A (trial_a_os_interim)"
    assert glued["n_flag_one_sided"] == "0" and glued["flag_one_sided"] == "none"
    assert set(glued) >= {f"flag_{r}" for r in chapter.FLAG_REASONS}


def test_consistency_takes_the_chapter_s_label(ch, glued):
    ch.consistency(label=lambda e: e.upper())
    assert glued["flag_other_test"] == "TRIAL_A_OS_INTERIM"


def test_opening_counts(ch, glued):
    counts = ch.glue_opening()
    assert counts == {"n_effects": 2, "n_studies": 1, "n_rct": 1, "n_secondary": 1}
    assert glued["name_trial_a"] == "TRIAL-A (drug vs placebo)"
    assert glued["n_trial_a"] == "not stated"


def test_glue_needs_a_key():
    with pytest.raises(ValueError, match="glue key must be a non-empty string, got ''"):
        chapter.glue("", "1")


def test_comparison_uses_the_chapter_s_abbreviations(data_dir):
    ch = chapter.load("her2_tkis", data_dir, abbreviations={"ablation": "A", "systemic": "S"})
    assert ch.abbreviate("ablation + systemic, ablations") == "A + S, ablations"
    assert ch.comparison("trial_a_os_final") == "A + S vs S"


def test_every_estimate_is_glued_as_printed(ch, glued):
    ch.glue_estimates(label=True)
    assert glued["hr_trial_a_os_final"] == "HR 0.50 (95% CI 0.40–0.625)"
    assert glued["p_trial_a_os_interim"] == "p = 0.3"
    assert glued["med_trial_a_os_final"] == "not reported"


def test_p_phrase_keeps_the_operator():
    # Oracle: helpers.formatting.format_p writes "< 0.001" below 0.001 and the value otherwise.
    assert chapter.p_phrase(0.0312) == "= " + chapter.format_p(0.0312)
    assert chapter.p_phrase(1e-5).startswith("<")


def test_local_therapy_rows_carry_their_class(data_dir):
    local = chapter.load("local_therapies", data_dir)
    assert list(local.rows["therapy"]) == ["Thermal ablation", "Thermal ablation"]
    assert "therapy" not in chapter.load("her2_tkis", data_dir).rows.columns


def test_keep_chosen_drops_the_other_cuts_of_a_chosen_estimate(ch):
    both = ch.rows
    assert list(ch.keep_chosen(both, "latest").index) == ["trial_a_os_final"]
    assert list(ch.keep_chosen(both, "earliest").index) == ["trial_a_os_interim"]
    assert list(ch.keep_chosen(both, "latest", prefix="pfs").index) == list(both.index)  # no such comparison


def test_what_if_variants_are_checked_like_the_data(ch):
    # Oracle: HR 0.50 (0.40-0.625) implies p of about 1e-9: "p < 0.001" fits it, "p = 0.3" does not.
    checks = ch.check_variants(
        [
            ("trial_a_os_interim", "as stored", {}),
            ("trial_a_os_interim", "small p", {"p_value": (0.001, "0.001"), "p_operator": ("<", "<")}),
        ]
    )
    verdicts = checks[checks["check"] == "CI ↔ p"]["verdict"]
    assert list(verdicts.index) == ["trial_a_os_interim [as stored]", "trial_a_os_interim [small p]"]
    assert list(verdicts) == ["inconsistent", "consistent"]


def test_risk_of_bias_views_name_studies_by_display_name(data_dir):
    local = chapter.load("local_therapies", data_dir)
    view = local.risk_of_bias_view()
    assert view.to_dict("records") == [
        {
            "study": "Zou 2025",
            "result": "main results",
            "tool": "ROBINS-I",
            "domain": "confounding",
            "judgement": "serious",
            "reason": "Clinicians chose who had ablation.",
            "judged from": "abstract (provisional)",
        }
    ]
    matrix = local.risk_of_bias_matrix(["zou2025_ablation"])
    assert list(matrix.index) == [("Zou 2025", "ROBINS-I")] and list(matrix.columns) == ["confounding"]


def test_certainty_view_lists_the_domains_rated_down(data_dir):
    view = chapter.load("local_therapies", data_dir, abbreviations={"systemic": "S"}).certainty_view()
    assert view.to_dict("records") == [
        {
            "comparison": "ablation vs S, OS",
            "start": "high",
            "downgraded for": "risk of bias: very serious",
            "upgrade": "none",
            "certainty": "low",
            "reasons": "Non-randomised, judged with ROBINS-I; confounding by indication.",
            "judged from": "abstract (provisional)",
        }
    ]


def test_search_log_glues_the_chapters_last_search_and_returns_its_flow(data_dir, glued):
    write_csv(
        data_dir / "search_log.csv",
        SEARCH_LOG
        + [
            ["s-3", "her2_tkis", "Q", "t", "2026-11-30", "web_pages", "not_found", "not_in_sources_searched", "", ""],
            ["s-4", "her2_tkis", "Q2", "t", "2026-10-01", "drug_labels", "added", "", "zou2025", ""],
        ],
    )
    counts, reasons = chapter.load("her2_tkis", data_dir).glue_search_log()
    assert glued["last_searched"] == "30 November 2026" and glued["n_searches"] == 2
    assert counts.set_index("stage")["searches"].to_dict() == {
        "Searches run": 2,
        "Not found": 1,
        "Lead found": 1,
        "Excluded": 0,
        "Awaiting verification": 0,
        "Added to the data": 1,
    }
    assert reasons.to_dict("records") == [{"reason": "not found in the sources searched", "searches": 1}]
