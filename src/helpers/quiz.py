"""The question bank: multiple-choice questions per chapter, kept as data and rendered offline.

The questions live in ``data/questions.csv`` (one row per question; described in
``data/datapackage.json``, resource ``questions``): the chapter and section the answer rests on,
the question, its options joined by :data:`OPTION_SEPARATOR`, the answer (one of the options),
an explanation, and the ids of the estimates (``effect_ids``, rows of ``data/effects.csv``) and
facts (``fact_ids``, rows of ``data/drug_facts.csv``, ``data/liver_facts.csv`` or
``data/context_facts.csv``) it uses.

No number is typed into a question. A number enters through a placeholder that is filled from the
data when the page is built:

- ``{hr:<effect_id>}``: the hazard ratio with its interval, as printed
  (:func:`helpers.tables.hr_text`), e.g. "0.73 (95% CI 0.59–0.90)";
- ``{med:<effect_id>}``: both medians with their unit (:func:`helpers.tables.medians_text`);
- ``{fact:<fact_id>}``: the ``value`` of a drug, liver or context fact.

:func:`check_questions` states the rules (answer among the options, every id and placeholder
known, no digits outside placeholders except inside names such as HER2 or CDK4/6);
:func:`to_html` renders one chapter's questions as accessible HTML: a radio group per question,
a "Check my answer" button that ``_static/bclm-quiz.js`` wires up (feedback in a live region),
and a ``<details>`` reveal with the answer and explanation that works without JavaScript.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from helpers import tables
from helpers.data import DataValidationError, DataValidationErrors, Evidence, find_data_dir

__all__ = [
    "OPTION_SEPARATOR",
    "COLUMNS",
    "load_questions",
    "check_questions",
    "fill",
    "options",
    "to_html",
]

#: How the options of a question are joined in one cell of ``data/questions.csv``.
OPTION_SEPARATOR = " | "
COLUMNS = [
    "question_id",
    "chapter",
    "section",
    "question",
    "options",
    "answer",
    "explanation",
    "effect_ids",
    "fact_ids",
]
FILE = "data/questions.csv"
#: ``{kind:id}``: ``hr`` and ``med`` take an effect id, ``fact`` a fact id.
PLACEHOLDER = re.compile(r"\{(hr|med|fact):([A-Za-z0-9_]+)\}")
_TEXT_COLUMNS = ("question", "options", "answer", "explanation")


def load_questions(data_dir: str | Path | None = None) -> pd.DataFrame:
    """``data/questions.csv`` as strings (empty cells as ``""``), in file order, with ``line``
    (the 1-based line of the file, header = 1) for messages."""
    data_dir = Path(data_dir) if data_dir is not None else find_data_dir()
    path = data_dir / "questions.csv"
    if not path.is_file():
        raise FileNotFoundError(f"question bank not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{FILE}: header lacks column(s) {missing}")
    return frame.assign(line=range(2, len(frame) + 2))


def options(row: pd.Series) -> list[str]:
    """The options of one question, in the order stored."""
    return [o.strip() for o in str(row["options"]).split(OPTION_SEPARATOR.strip())]


def _ids(cell: str) -> list[str]:
    return str(cell).split()


def _facts(evidence: Evidence) -> pd.Series:
    """Every fact's value by fact id (drug, liver and context facts)."""
    return pd.concat(
        [evidence.drug_facts["value"], evidence.liver_facts["value"], evidence.context_facts["value"]]
    ).astype(str)


def _typed_numbers(text: str) -> list[str]:
    """Tokens with a digit and no letter, once placeholders are removed ("0.5", "(95%", "4-6")."""
    tokens = re.findall(r"\S+", PLACEHOLDER.sub(" ", text))
    return [t for t in tokens if re.search(r"\d", t) and not re.search(r"[A-Za-z]", t)]


def check_questions(
    questions: pd.DataFrame, evidence: Evidence, sections: dict[str, set[str]] | None = None
) -> list[DataValidationError]:
    """Every broken rule of the question bank, each naming file, line, question, column, value.

    Rules: ids are unique; at least two distinct options; the answer is one of them; every id in
    ``effect_ids`` is a row of ``effects.csv`` and every id in ``fact_ids`` a drug, liver or
    context fact; every placeholder names an id listed in its row; no typed numbers outside
    placeholders; the chapter is one of the evidence's chapters (or ``liver``); and, when
    ``sections`` (``{chapter: labels}``) is given, the section is a label of that chapter.
    """
    errors: list[DataValidationError] = []
    facts = _facts(evidence)
    chapters = set(evidence.studies["chapter"]) | {"liver"}
    seen: dict[str, int] = {}

    def error(row, column, value, rule):
        errors.append(
            DataValidationError(FILE, rule, int(row["line"]), f"question_id={row['question_id']}", column, value)
        )

    for _, row in questions.iterrows():
        qid = row["question_id"]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", qid):
            error(row, "question_id", qid, "must be lower-case letters, digits and underscores")
        if qid in seen:
            error(row, "question_id", qid, f"duplicate key: also on line {seen[qid]}")
        seen.setdefault(qid, int(row["line"]))
        if row["chapter"] not in chapters:
            error(row, "chapter", row["chapter"], f"must be one of {sorted(chapters)}")
        elif sections is not None and row["section"] not in sections.get(row["chapter"], set()):
            error(row, "section", row["section"], f"must be a section label of chapters/{row['chapter']}.ipynb")
        for column in COLUMNS[:7]:
            if not str(row[column]).strip():
                error(row, column, row[column], "required cell is empty")
        choices = options(row)
        if len(choices) < 2 or len(set(choices)) != len(choices) or "" in choices:
            error(row, "options", row["options"], f"needs two or more distinct options joined by '{OPTION_SEPARATOR}'")
        if row["answer"] not in choices:
            error(row, "answer", row["answer"], "must be exactly one of the options")
        effect_ids, fact_ids = _ids(row["effect_ids"]), _ids(row["fact_ids"])
        for effect_id in effect_ids:
            if effect_id not in evidence.effects.index:
                error(row, "effect_ids", effect_id, "must be an effect_id of data/effects.csv")
        for fact_id in fact_ids:
            if fact_id not in facts.index:
                error(
                    row,
                    "fact_ids",
                    fact_id,
                    "must be a fact_id of drug_facts.csv, liver_facts.csv or context_facts.csv",
                )
        for column in _TEXT_COLUMNS:
            text = str(row[column])
            for kind, key in PLACEHOLDER.findall(text):
                listed, where = (fact_ids, "fact_ids") if kind == "fact" else (effect_ids, "effect_ids")
                if key not in listed:
                    error(row, column, f"{{{kind}:{key}}}", f"placeholder names an id not listed in {where}")
            stray = [t for t in re.findall(r"\{[^}]*\}", PLACEHOLDER.sub("", text))]
            if stray:
                error(row, column, stray[0], "unknown placeholder (use {hr:...}, {med:...} or {fact:...})")
            typed = _typed_numbers(text)
            if typed:
                error(row, column, typed[0], "typed number: take numbers from the data with a placeholder")
    return errors


def validate_questions(
    questions: pd.DataFrame, evidence: Evidence, sections: dict[str, set[str]] | None = None
) -> None:
    """Raise :class:`helpers.data.DataValidationErrors` listing every broken rule, if any."""
    errors = check_questions(questions, evidence, sections)
    if errors:
        raise DataValidationErrors(errors)


def fill(text: str, evidence: Evidence) -> str:
    """``text`` with every placeholder replaced by its value from the data (see the module)."""
    facts = _facts(evidence)

    def value(match: re.Match) -> str:
        kind, key = match.groups()
        if kind == "hr":
            return tables.hr_text(evidence, key)
        if kind == "med":
            return tables.medians_text(evidence, key)
        if key not in facts.index:
            raise KeyError(f"no fact {key!r} in drug_facts.csv, liver_facts.csv or context_facts.csv")
        return facts[key]

    return PLACEHOLDER.sub(value, text)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Html(str):
    """A string of HTML that a notebook shows as HTML (``text/html``)."""

    def _repr_html_(self) -> str:
        return str(self)


def to_html(
    questions: pd.DataFrame,
    evidence: Evidence,
    chapter: str,
    links: dict[str, tuple[str, str]] | None = None,
    reveal: bool = False,
) -> Html:
    """One chapter's questions as HTML, numbered from one.

    Each question is a ``<fieldset>`` of radio buttons (the question is its ``<legend>``), a
    "Check my answer" button (hidden until ``_static/bclm-quiz.js`` runs), a live region for the
    feedback, and a ``<details>`` element with the answer, the explanation and a link to the
    section it rests on. ``links`` maps section labels to ``(href, text)``; by default a link
    goes to ``<chapter>.html#<section>`` (pages sit side by side in ``chapters/``) and reads as
    the chapter's name. ``reveal`` opens every ``<details>`` (an answer key for printing).
    """
    rows = questions[questions["chapter"] == chapter]
    if rows.empty:
        raise ValueError(f"chapter {chapter!r} has no questions in {FILE}")
    esc = html.escape
    parts = [f'<div class="bclm-quiz-set" data-chapter="{esc(chapter)}">']
    for number, (_, row) in enumerate(rows.iterrows(), start=1):
        qid = f"q-{_slug(row['question_id'])}"
        answer = fill(row["answer"], evidence)
        href, link_text = (links or {}).get(
            row["section"], (f"{row['chapter']}.html#{row['section']}", chapter.replace("_", " "))
        )
        parts.append(f'<div class="bclm-quiz" id="{qid}">')
        parts.append(
            f'<fieldset><legend><span class="bclm-quiz-number">Question {number}.</span> '
            f"{esc(fill(row['question'], evidence))}</legend>"
        )
        for index, option in enumerate(options(row)):
            text = fill(option, evidence)
            correct = ' data-correct="true"' if option == row["answer"] else ""
            parts.append(
                f'<label class="bclm-quiz-option"><input type="radio" name="{qid}" value="{index}"{correct}> '
                f"<span>{esc(text)}</span></label>"
            )
        parts.append("</fieldset>")
        parts.append('<button type="button" class="bclm-quiz-check" hidden>Check my answer</button>')
        parts.append('<p class="bclm-quiz-feedback" role="status" aria-live="polite"></p>')
        parts.append(
            f'<details class="bclm-quiz-answer"{" open" if reveal else ""}><summary>Show the answer</summary>'
            f"<p><strong>Answer:</strong> {esc(answer)}</p>"
            f'<p class="bclm-quiz-explanation">{esc(fill(row["explanation"], evidence))}</p>'
            f'<p>Read more: <a href="{esc(href)}">{esc(link_text)}</a></p>'
            "</details>"
        )
        parts.append("</div>")
    parts.append("</div>")
    return Html("\n".join(parts))
