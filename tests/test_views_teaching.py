"""The teaching page's lists, read from miniature chapters (helpers.views.teaching)."""

from __future__ import annotations

import nbformat
import pytest

from helpers.views import teaching


@pytest.fixture
def folder(tmp_path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("level = 0.95   # confidence level\nseed = 1\n")
    params.metadata["tags"] = ["parameters"]
    task = (
        "Recompute the {term}`hazard ratio` of $\\log$ HR {glue:text}`hr_x` from the **table** in "
        "{numref}`tbl-x`, then compare it with the paper's value, which is longer than one hundred and "
        "sixty characters so that nothing may cut it anywhere in the middle of a word."
    )
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A"),
        params,
        nbformat.v4.new_markdown_cell("```{exercise}\n:label: a-ex-1\n\n" + task + "\n```"),
    ]
    nbformat.write(nb, tmp_path / "a_chapter.ipynb")
    return tmp_path


def test_exercises_show_the_whole_task_as_plain_text(folder):
    table = teaching.exercises(["a_chapter"], folder)
    assert table.to_dict("records") == [
        {
            "chapter": "a chapter",
            "exercise": '<a href="a_chapter.html#a-ex-1">a ex 1</a>',
            "task": (
                "Recompute the hazard ratio of log HR (value) from the table in tbl-x, then compare it with "
                "the paper's value, which is longer than one hundred and sixty characters so that nothing may "
                "cut it anywhere in the middle of a word."
            ),
        }
    ]


def test_parameters_are_read_with_default_and_meaning(folder):
    table = teaching.parameters(["a_chapter"], folder)
    assert table.to_dict("records") == [
        {"chapter": "a chapter", "parameter": "level", "default": "0.95", "meaning": "confidence level"},
        {"chapter": "a chapter", "parameter": "seed", "default": "1", "meaning": ""},
    ]


def test_a_missing_chapter_is_named(folder):
    with pytest.raises(FileNotFoundError, match="chapter 'nope': no notebook"):
        teaching.exercises(["nope"], folder)


def test_each_class_plan_adds_up_to_its_length():
    plans = teaching.class_plans()
    assert plans.groupby("plan")["minutes"].sum().to_dict() == {"45 minutes": 45, "90 minutes": 90}


def test_chapter_plans_link_the_case_sections_questions_and_first_exercise():
    from conftest import ROOT

    table = teaching.chapter_plans(list(teaching.PLAN_SECTIONS), ROOT / "chapters")
    assert len(table) == len(teaching.PLAN_SECTIONS)
    her2 = table.iloc[0]
    assert her2["case"].startswith('<a href="case_vignettes.html#case-her2-after-tdxd">')
    assert her2["questions"] == '<a href="question_bank.html#questions-her2-tkis">Questions</a>'
    assert her2["exercise"].startswith('<a href="her2_tkis.html#ex-')
    assert her2["show"].count("<a href=") == 3


def test_a_chapter_without_a_class_plan_is_named(folder):
    with pytest.raises(ValueError, match="chapter 'a_chapter' has no class plan"):
        teaching.chapter_plans(["a_chapter"], folder)


def test_inline_maths_reads_as_plain_text():
    latex = r"\widehat{\mathrm{HR}}_{\text{exp}} = \text{median}_{\text{no}} / \text{median}_{\text{yes}}"
    assert teaching.plain_maths(latex) == "HR\u0302_exp = median_no / median_yes"
    assert teaching.plain_text("How do $I^2$ and $\\tau^2$ change?") == "How do I² and τ² change?"
