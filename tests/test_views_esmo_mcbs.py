"""The view of the page esmo_mcbs (helpers.views.esmo_mcbs), on the committed data."""

from __future__ import annotations

import pytest

from helpers import chapter
from helpers.views import esmo_mcbs as view


@pytest.fixture(scope="module")
def evidence():
    return chapter.load_evidence()


def test_readable_comparison_shows_names_grades_and_links(evidence):
    table = view.readable(evidence, view.comparison(evidence))
    assert list(table.columns) == [
        "Trial (scorecard)",
        "Outcome",
        "ESMO's grade",
        "Our grade",
        "Agreement",
        "Reason for a difference",
    ]
    first = table.iloc[0]
    assert (
        first["Trial (scorecard)"].startswith('<a href="https://www.esmo.org/')
        and "PALOMA-3" in first["Trial (scorecard)"]
    )
    assert (first["Outcome"], first["ESMO's grade"], first["Our grade"], first["Agreement"]) == (
        "PFS, form 2b",
        "3 → 4",
        "3 → 4",
        "Agrees",
    )
    secondary = table[table["Trial (scorecard)"].str.endswith("(secondary)")]
    assert list(secondary["ESMO's grade"]) == ["– → 4", "– → 4"]
    assert list(secondary["Our grade"]) == ["4 → –", "4 → –"]
    assert not table.apply(lambda c: c.astype(str).str.contains("nan|<NA>|None")).any().any()


def test_secondary_rows_can_be_left_out(evidence):
    table = view.comparison(evidence, include_secondary=False)
    assert (table["read_from"] != "secondary table").all()
    assert len(table) == 12


def test_rule_and_adjustment_tables_link_short_source_names():
    rules = view.rules()
    assert rules["Source"].str.contains(">Dafni 2017, Table 1</a>").any()
    adjustments = view.adjustments()
    assert "No adjustment" not in set(adjustments["Adjustment"])
    assert adjustments["Source"].str.contains("<a href=").all()


def test_book_estimates_of_monaleesa_are_graded_on_the_sheet_above_24_months(evidence):
    table = view.book_estimates(evidence)
    assert table["Estimate"].str.startswith(("MONALEESA-3", "MONALEESA-7")).all()
    assert set(table["Our grade"]) == {"4"}
    assert table["Rule"].str.contains(r"\(>24 months\): HR lower 95% limit ≤ 0.70 AND median gain ≥ 9 months").all()


def test_worked_grade_and_gain():
    worked = view.grade("PFS", 0.36, 4.6, 4.9, "qol_upgrade")
    assert list(worked["Grade"]) == [3, 4]
    assert view.gain_from_hr(40.9, 0.71) == "16.7 months"


def test_glue_counts(evidence, monkeypatch):
    glued = {}
    monkeypatch.setattr(view, "glue", lambda key, value: glued.__setitem__(key, value))
    view.glue_counts(view.comparison(evidence))
    assert {k: glued[k] for k in ("n_scorecards", "n_agree", "n_agree_adjusted", "n_not_graded", "n_differ")} == {
        "n_scorecards": 14,
        "n_agree": 12,
        "n_agree_adjusted": 4,
        "n_not_graded": 0,
        "n_differ": 0,
    }
    assert glued["not_graded_list"] == ""


def test_long_sheet_trials_and_book_grades_are_glued(evidence, monkeypatch):
    glued = {}
    monkeypatch.setattr(view, "glue", lambda key, value: glued.__setitem__(key, value))
    view.glue_counts(view.comparison(evidence))
    view.glue_book_estimates(view.book_estimates(evidence))
    assert glued["long_sheet_list"] == "MONALEESA-7, MONALEESA-3"
    assert glued["book_monaleesa_grades"] == "4"


def test_rule_table_quotes_the_words_of_each_source():
    rules = view.rules()
    assert (rules["Source's words"].str.len() > 0).all()
    long_sheet = rules[rules["Control median"] == ">24 months"]
    assert len(long_sheet) == 6
    assert long_sheet["Source"].str.contains(">Büsch 2022, Table 1 (secondary)</a>", regex=False).all()
    assert long_sheet["Source"].str.contains('href="https://doi.org/10.1177/0272989X241239928"', regex=False).all()


def test_scorecard_exercises_read_their_inputs_from_the_data():
    # PALOMA-3: form 2b, 3, QoL 1+ -> 4; MONARCH 3 without its downgrade stays 3; MONALEESA-3 4, 4.
    assert list(view.scorecard_grade("esmo_6")["Grade"]) == [3, 4]
    assert list(view.scorecard_grade("esmo_159", adjustment="none")["Grade"]) == [3, 3]
    assert list(view.scorecard_grade("esmo_161")["Grade"]) == [4, 4]
    assert view.scorecard_gain_from_hr("esmo_158") == "16.7 months"  # 40.9 * (1 / 0.71 - 1)
    with pytest.raises(ValueError, match=r"scorecard_id must be one of .*got 'esmo_0'"):
        view.scorecard_grade("esmo_0")
