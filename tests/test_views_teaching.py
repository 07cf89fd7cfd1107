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
            "exercise": "a ex 1",
            "task": (
                "Recompute the hazard ratio of \\log HR (value) from the table in tbl-x, then compare it with "
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
