"""The teaching page's lists, read from miniature chapters (helpers.views.teaching)."""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers import tables
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


def test_parameter_table_shows_each_assignment_as_written(folder):
    table = teaching.parameter_table(["a_chapter"], folder)
    assert list(table.columns) == ["chapter", "parameter", "meaning"]
    assert table["parameter"].tolist() == [
        '<code style="overflow-wrap: anywhere">level = 0.95</code>',
        '<code style="overflow-wrap: anywhere">seed = 1</code>',
    ]
    assert table["chapter"][0] == '<a href="a_chapter.html">a chapter</a>'


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
    assert her2["chapter"].endswith('<br><a href="question_bank.html#questions-her2-tkis">Its questions</a>')
    assert her2["exercise"].startswith('<a href="her2_tkis.html#ex-')
    assert her2["show"].count("<a href=") == 3
    label = her2["exercise"].split("#", 1)[1].split('"', 1)[0]
    assert her2["exercise"].endswith(f"<br><em>Without code:</em> {tables.escape(teaching.NO_CODE[label])}")


def test_a_planned_exercise_without_a_version_without_code_is_named(monkeypatch):
    from conftest import ROOT

    monkeypatch.setattr(teaching, "NO_CODE", {})
    with pytest.raises(
        ValueError, match=r"chapter 'her2_tkis': its first exercise 'ex-her2-tkis-[a-z-]+' has no version"
    ):
        teaching.chapter_plans(["her2_tkis"], ROOT / "chapters")


def test_a_chapter_without_a_class_plan_is_named(folder):
    with pytest.raises(ValueError, match="chapter 'a_chapter' has no class plan"):
        teaching.chapter_plans(["a_chapter"], folder)


def test_an_exercise_with_a_version_without_code_shows_it_under_the_task(folder, monkeypatch):
    monkeypatch.setitem(teaching.NO_CODE, "a-ex-1", "Read it <off> the table.")
    task = teaching.exercises(["a_chapter"], folder)["task"][0]
    assert task.endswith("<br><em>Without code:</em> Read it &lt;off&gt; the table.")


def test_every_version_without_code_belongs_to_an_exercise_of_the_book():
    from conftest import ROOT

    labels = set()
    for notebook in (ROOT / "chapters").glob("*.ipynb"):
        labels.update(re.findall(r":label: (ex-[a-z0-9-]+)", notebook.read_text(encoding="utf-8")))
    assert set(teaching.NO_CODE) - labels == set()


def test_citations_are_dropped_from_plain_text():
    text = "the cohort of Lin and colleagues (`lin2021`) {cite}`claims_lin2021` with {cite:p}`a_b`, then"
    assert teaching.plain_text(text) == "the cohort of Lin and colleagues (lin2021) with, then"


def test_inline_maths_reads_as_plain_text():
    latex = r"\widehat{\mathrm{HR}}_{\text{exp}} = \text{median}_{\text{no}} / \text{median}_{\text{yes}}"
    assert teaching.plain_maths(latex) == "HR\u0302_exp = median_no / median_yes"
    assert teaching.plain_text("How do $I^2$ and $\\tau^2$ change?") == "How do I² and τ² change?"
