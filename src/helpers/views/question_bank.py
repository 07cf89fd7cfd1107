"""The question-bank page (``chapters/question_bank.ipynb``) and the case vignettes
(``chapters/case_vignettes.ipynb``): the questions of ``data/questions.csv`` rendered per chapter
(:mod:`helpers.quiz`), and the values the vignettes glue.

The chapters are read for their titles and section labels (a line ``(label)=`` before a heading),
so a question's link text is the heading of the section it rests on, and a question pointing at
a label that no longer exists stops the page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from helpers import chapter, quiz
from helpers.data import Evidence, load_evidence

_LABEL = re.compile(r"^\((?P<label>[A-Za-z0-9_-]+)\)=\s*\n#+\s+(?P<title>.+)$", flags=re.M)


def chapter_sections(name: str, folder: str | Path = ".") -> tuple[str, dict[str, tuple[str, str]]]:
    """A chapter's title (its level-one heading) and ``{section label: (href, heading)}`` over the
    chapter and its appendix page (``<name>_appendix.ipynb``) when there is one; ``href`` is
    ``<page>.html#<label>``, relative to ``chapters/``.

    Raises
    ------
    FileNotFoundError
        If ``<folder>/<name>.ipynb`` does not exist.
    """
    path = Path(folder) / f"{name}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"chapter {name!r}: no notebook {path}")
    title, sections = None, {}
    for page in (path, Path(folder) / f"{name}_appendix.ipynb"):
        if not page.is_file():
            continue
        text = "\n".join(c.source for c in nbformat.read(page, as_version=4).cells if c.cell_type == "markdown")
        if title is None:
            title = next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))
        for match in _LABEL.finditer(text):
            sections.setdefault(match["label"], (f"{page.stem}.html#{match['label']}", match["title"].strip()))
    return title, sections


@dataclass
class Bank:
    """The validated question bank with the chapters' titles and section headings."""

    questions: pd.DataFrame
    evidence: Evidence
    titles: dict[str, str]
    sections: dict[str, dict[str, tuple[str, str]]]

    @property
    def chapters(self) -> list[str]:
        """The chapters with questions, in the order of ``data/questions.csv``."""
        return list(dict.fromkeys(self.questions["chapter"]))

    def html(self, name: str, reveal: bool = False) -> quiz.Html:
        """The questions of chapter ``name`` (:func:`helpers.quiz.to_html`), linked to its sections."""
        return quiz.to_html(self.questions, self.evidence, name, links=self.sections[name], reveal=reveal)

    def counts(self) -> pd.DataFrame:
        """Questions per chapter: ``chapter`` (its title) and ``questions``."""
        counts = self.questions.groupby("chapter", sort=False).size()
        return pd.DataFrame({"chapter": [self.titles[c] for c in counts.index], "questions": counts.to_numpy()})

    def glue(self) -> None:
        """Glue ``n_questions`` (all) and ``n_questions_<chapter>`` (each chapter)."""
        chapter.glue("n_questions", str(len(self.questions)))
        for name, n in self.questions.groupby("chapter", sort=False).size().items():
            chapter.glue(f"n_questions_{name}", str(n))


def load(folder: str | Path = ".", data_dir: str | Path | None = None) -> Bank:
    """Load and validate the question bank (:func:`helpers.quiz.validate_questions`, with the
    section labels read from the chapters in ``folder``).

    Raises
    ------
    helpers.data.DataValidationErrors
        If any question breaks a rule (each error names file, line, question, column and value).
    """
    evidence = load_evidence(data_dir)
    questions = quiz.load_questions(data_dir)
    titles, sections = {}, {}
    for name in dict.fromkeys(questions["chapter"]):
        titles[name], sections[name] = chapter_sections(name, folder)
    quiz.validate_questions(questions, evidence, {k: set(v) for k, v in sections.items()})
    return Bank(questions, evidence, titles, sections)


def glue_values(values: dict[str, str], data_dir: str | Path | None = None) -> pd.DataFrame:
    """Glue each ``{key: placeholder text}`` (e.g. ``{"v1_climb_os": "{hr:her2climb_os_itt_final}"}``)
    filled from the data (:func:`helpers.quiz.fill`); returns ``key`` and ``value``.

    Raises
    ------
    KeyError
        If a placeholder names an estimate or a fact that is not in the data.
    """
    evidence = load_evidence(data_dir)
    rows = []
    for key, text in values.items():
        if not quiz.PLACEHOLDER.search(text):
            raise ValueError(f"value {key!r}: {text!r} holds no placeholder ({{hr:...}}, {{med:...}} or {{fact:...}})")
        value = quiz.fill(text, evidence)
        chapter.glue(key, value)
        rows.append({"key": key, "value": value})
    return pd.DataFrame(rows, columns=["key", "value"])


def discussion(show: bool, questions: list[str]) -> quiz.Html | None:
    """A case's questions for discussion as a note box (HTML), or nothing when ``show`` is false
    (a handout without them)."""
    if not questions or any(not str(q).strip() for q in questions):
        raise ValueError(f"questions must be non-empty texts, got {questions!r}")
    if not show:
        return None
    items = "".join(f"<li>{html.escape(str(q))}</li>" for q in questions)
    return quiz.Html(
        '<div class="admonition note bclm-discussion"><p class="admonition-title">For discussion</p>'
        f"<ul>{items}</ul></div>"
    )
