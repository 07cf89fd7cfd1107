"""The page "What the evidence says": its wording of summary-of-findings rows, on the miniature
evidence of ``tests/test_sof.py`` (two identical trials) and on the committed data."""

from __future__ import annotations

import pytest
from test_sof import mini  # noqa: F401 (the fixture)

from conftest import DATA
from helpers import sof
from helpers.data import load_evidence
from helpers.views import evidence_summary as view


def test_pooled_row_reads_as_hand_computed(mini):  # noqa: F811
    # FE pool of two log HRs ln 0.5, each SE (ln 0.625 - ln 0.4) / (2 x 1.959964) = 0.113851:
    # pooled SE 0.080505, CI exp(ln 0.5 ± 1.959964 x 0.080505) = 0.4270–0.5854.
    # Per 1,000 by the control median (median of 6 and 8 = 7 months): 500 without;
    # 1000 (1 - 0.5 ** 0.5) = 292.9 with, 207 fewer; at 0.4270: 256.4 (244 fewer); at 0.5854: 333.8 (166 fewer).
    frame = sof.summary_of_findings(mini, "demo", method="FE")
    row = view.table_of(mini, frame).iloc[0]
    assert row["Effect"] == (
        "HR 0.50 (95% CI 0.43–0.59), pooled. Absolute effect: by 7.0 months (control median), 500 per 1,000 "
        "progressed or died without and 293 with the treatment: 207 fewer (95% CI 244 fewer to 166 fewer)."
    )
    assert row["Evidence and certainty"] == "2 studies (400 patients); ⊕⊕⊕◯ Moderate (a)"
    assert row["What it means"] == "Drug X probably improves progression-free survival."
    assert view.footnotes(frame).to_dict("records") == [{"mark": "a", "reasons": "Imprecise."}]


def test_footnote_marks_run_past_z():
    assert [view.footnote_mark(i) for i in (0, 25, 26, 27)] == ["a", "z", "aa", "ab"]


def test_a_difference_that_crosses_zero_reads_more_and_fewer():
    row = {"endpoint": "OS", "median_control": 26.6, "median_unit": "months", "hr_lower": 0.73}
    row |= sof.absolute_effect(0.89, 0.73, 1.10, 0.5).to_dict()
    # HR 1.10: 1000 (1 - 0.5 ** 1.1) = 533.5, i.e. 33 more; HR 0.73: 397.1, i.e. 103 fewer.
    assert view.absolute_effect_text(row).endswith("(95% CI 103 fewer to 33 more)")


def test_every_treatment_chapter_has_a_table_with_one_row_per_graded_question():
    evidence = load_evidence(DATA)
    for chapter in view.CHAPTERS:
        table = view.sof_table(evidence, chapter)
        assert len(table) == (evidence.certainty["chapter"] == chapter).sum()
        assert table.notna().all().all()


def test_an_unknown_chapter_is_named():
    with pytest.raises(ValueError, match="chapter must be one of"):
        view.rows(load_evidence(DATA), "demo")


def test_the_rulebook_table_shows_every_rule_in_words():
    table = view.rulebook_table(DATA)
    assert len(table) == len(view.appraisal_rules.load_rulebook(DATA))
    assert not table["Leads to"].str.contains("_").any()
    assert set(table["How it is checked"]) <= {
        "checked: a departure stops validation",
        "checked: departures are listed",
        "applied by the reader",
    }


def test_a_liver_question_answered_with_all_patient_estimates_says_so(mini):  # noqa: F811
    frame = sof.summary_of_findings(mini, "demo", method="FE")
    row = frame.iloc[0].copy()
    assert row["estimate_populations"] == ["ITT"]
    assert not view.relative_effect_text(mini, row).endswith("not in this subgroup")
    row["population"] = "liver_metastases"
    assert view.relative_effect_text(mini, row) == (
        "HR 0.50 (95% CI 0.43–0.59), pooled; measured in all patients, not in this subgroup"
    )


def test_glue_rulebook_words_the_departures_as_a_sentence(monkeypatch):
    glued = {}
    monkeypatch.setattr(view, "glue", lambda key, value: glued.__setitem__(key, value))
    counts = view.glue_rulebook(DATA)
    sentence = glued["rulebook_departures"]
    assert sentence.startswith("At present") and sentence.endswith(".")
    if counts["n_departing_rows"] == 0:
        assert sentence == "At present every judgement follows the listed rules."
    else:
        assert f"{counts['n_departing_rows']} judgement" in sentence


def test_a_judgement_from_an_abstract_is_marked_provisional(mini):  # noqa: F811
    frame = sof.summary_of_findings(mini, "demo", method="FE")
    assert view.table_of(mini, frame).iloc[0]["Evidence and certainty"].endswith("Moderate (a)")
    mini.extraction.loc["paper_b", "read_as"] = "abstract"
    assert view.table_of(mini, frame).iloc[0]["Evidence and certainty"] == (
        "2 studies (400 patients); ⊕⊕⊕◯ Moderate (a), provisional"
    )


def test_compact_table_scrolls_in_its_box_and_folds_its_footnotes(mini, monkeypatch):  # noqa: F811
    monkeypatch.setitem(view.CHAPTERS, "demo", "A demonstration chapter")
    full = view.sof_html(mini, "demo", method="FE").data
    compact = view.sof_html(mini, "demo", method="FE", compact=True).data
    assert "bclm-interactive" not in full and "<details" not in full and "Imprecise." in full
    assert "bclm-interactive bclm-fit-width" in compact
    assert compact.index("<details") < compact.index("Imprecise.") < compact.index("</details>")


def test_a_long_summary_table_is_interactive_on_the_summary_page(mini, monkeypatch):  # noqa: F811
    monkeypatch.setitem(view.CHAPTERS, "demo", "A demonstration chapter")
    monkeypatch.setattr(view, "SOF_FULL_ROWS", 0)
    full = view.sof_html(mini, "demo", method="FE").data
    assert "bclm-interactive bclm-fit-width" in full and "<details" not in full and "Imprecise." in full
