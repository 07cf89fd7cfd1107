"""The question bank (helpers.quiz, helpers.views.question_bank): the committed questions keep the
rules, each rule catches a miniature broken bank, placeholders are filled from the data."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import DATA, ROOT
from helpers import quiz, tables
from helpers.views import question_bank

THERAPY_CHAPTERS = ["her2_tkis", "local_therapies", "hr_positive_targeted", "emerging_therapies"]


@pytest.fixture(scope="module")
def bank():
    return question_bank.load(ROOT / "chapters", DATA)


def test_committed_bank_keeps_every_rule_with_the_chapters_section_labels(bank):
    assert quiz.check_questions(bank.questions, bank.evidence, {k: set(v) for k, v in bank.sections.items()}) == []


@pytest.mark.parametrize("name", THERAPY_CHAPTERS)
def test_every_therapy_chapter_has_at_least_five_questions(bank, name):
    assert (bank.questions["chapter"] == name).sum() >= 5


def _one(**changes) -> pd.DataFrame:
    row = {
        "question_id": "q_one",
        "chapter": "her2_tkis",
        "section": "her2-tkis-liver",
        "question": "What is {hr:her2climb_os_itt_final}?",
        "options": "A hazard ratio | A median",
        "answer": "A hazard ratio",
        "explanation": "It compares rates.",
        "effect_ids": "her2climb_os_itt_final",
        "fact_ids": "",
        "line": 2,
    }
    row.update(changes)
    return pd.DataFrame([row])


@pytest.mark.parametrize(
    ("changes", "column", "rule"),
    [
        ({"answer": "A ratio"}, "answer", "must be exactly one of the options"),
        ({"options": "A hazard ratio"}, "options", "two or more distinct options"),
        ({"effect_ids": "her2climb_os_itt_final no_such_effect"}, "effect_ids", "must be an effect_id"),
        ({"fact_ids": "no_such_fact"}, "fact_ids", "must be a fact_id"),
        ({"effect_ids": ""}, "question", "placeholder names an id not listed in effect_ids"),
        ({"explanation": "It is 0.73 here."}, "explanation", "typed number"),
        ({"explanation": "See {hazard}."}, "explanation", "unknown placeholder"),
        ({"chapter": "nowhere"}, "chapter", "must be one of"),
        ({"section": "no-such-section"}, "section", "must be a section label"),
    ],
)
def test_each_rule_names_file_line_question_column_and_value(evidence, changes, column, rule):
    errors = quiz.check_questions(_one(**changes), evidence, {"her2_tkis": {"her2-tkis-liver"}})
    assert len(errors) == 1, [str(e) for e in errors]
    error = errors[0]
    assert (error.file, error.line, error.row_id, error.column) == (
        "data/questions.csv",
        2,
        "question_id=q_one",
        column,
    )
    assert rule in error.rule


def test_names_with_digits_are_not_typed_numbers(evidence):
    text = "HER2, CDK4/6, ESR1, PD-L1 and DESTINY-Breast03 in phase II"
    assert quiz.check_questions(_one(question=text, effect_ids=""), evidence) == []


def test_placeholders_are_filled_with_the_printed_values(evidence):
    text = "HR {hr:her2climb_os_itt_final}; {med:her2climb_os_itt_final}; {fact:cf_vc_definition_cohort}"
    expected = (
        f"HR {tables.hr_text(evidence, 'her2climb_os_itt_final')}; "
        f"{tables.medians_text(evidence, 'her2climb_os_itt_final')}; "
        f"{evidence.context_facts.loc['cf_vc_definition_cohort', 'value']}"
    )
    assert quiz.fill(text, evidence) == expected


def test_html_has_one_radio_group_per_question_one_correct_option_and_a_reveal(bank):
    page = str(bank.html("her2_tkis"))
    n = int((bank.questions["chapter"] == "her2_tkis").sum())
    assert page.count("<fieldset>") == page.count("<details") == n
    assert page.count('data-correct="true"') == n
    assert page.count('role="status"') == n
    assert "{hr:" not in page and "{med:" not in page and "{fact:" not in page
    assert " open>" not in page and str(bank.html("her2_tkis", reveal=True)).count(" open>") == n


def test_every_link_points_at_a_labelled_section_of_a_chapter_page(bank):
    for name in bank.chapters:
        for href in re.findall(r'<a href="([^"]+)">', str(bank.html(name))):
            page, label = href.split("#")
            notebook = nbformat.read(ROOT / "chapters" / page.replace(".html", ".ipynb"), as_version=4)
            assert any(f"({label})=" in c.source for c in notebook.cells if c.cell_type == "markdown"), href


def test_glue_values_refuses_text_without_a_placeholder():
    with pytest.raises(ValueError, match=r"value 'x': 'plain' holds no placeholder"):
        question_bank.glue_values({"x": "plain"}, DATA)


def test_discussion_is_left_out_when_not_shown():
    assert question_bank.discussion(False, ["Why?"]) is None
    assert "<li>Why?</li>" in str(question_bank.discussion(True, ["Why?"]))
    with pytest.raises(ValueError, match="non-empty texts"):
        question_bank.discussion(True, [])


def test_validate_command_checks_the_question_bank(tmp_path, capsys):
    from helpers import validate

    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    questions = pd.read_csv(data / "questions.csv", dtype=str, keep_default_na=False)
    first = questions.iloc[0]
    questions.loc[0, "answer"] = "none of these"
    questions.to_csv(data / "questions.csv", index=False, lineterminator="\n")
    assert validate.main([str(data)]) == 1
    err = capsys.readouterr().err
    assert (
        f"data/questions.csv, line 2 (question_id={first['question_id']}), column answer: value 'none of these'" in err
    )
    assert "must be exactly one of the options" in err
