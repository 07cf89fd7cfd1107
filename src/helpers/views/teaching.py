"""The teaching page's lists: every chapter's exercises and parameters, read from the chapters.

The chapters are the single source: an exercise or parameter added to a chapter appears here
without editing the teaching page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import nbformat
import pandas as pd

from helpers import tables

_EXERCISE = re.compile(r"```\{exercise\}[^\n]*\n:label: (\S+)\n\n(.*?)\n```", flags=re.S)
_GLUE = re.compile(r"\{glue(?::\w+)?\}`[^`]*`")
_ROLE = re.compile(r"\{\w+(?::\w+)?\}`([^`<]*?)\s*(?:<[^`]*>)?`")
_PARAMETER = re.compile(r"^(\w+)\s*=\s*(.+?)\s*(?:#\s*(.*))?$")


def _notebook(folder: Path, name: str):
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"chapter {name!r}: no notebook {path}")
    return nbformat.read(path, as_version=4)


#: LaTeX commands shown as the character they stand for in plain text.
_LATEX_SYMBOLS = {"tau": "τ", "le": "≤", "ge": "≥", "times": "×", "alpha": "α", "beta": "β", "log": "log", "exp": "exp"}
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def plain_maths(latex: str) -> str:
    """Inline LaTeX as readable plain text: ``\\text{}``, ``\\mathrm{}`` and similar keep their
    content, ``\\widehat{X}`` and ``\\hat{X}`` become X with a circumflex (X̂), ``_{x}`` becomes
    ``_x``, a numeric exponent a superscript (``I^2`` → I²), and a few symbols their character
    (``\\tau`` → τ); other commands lose their backslash."""
    text = latex
    for _ in range(3):  # nested groups, innermost first
        text = re.sub(r"\\(?:text|mathrm|mathit|mathbf|operatorname)\{([^{}]*)\}", r"\1", text)
        text = re.sub(r"\\(?:widehat|hat)\{([^{}]*)\}", lambda m: m.group(1) + "\u0302", text)
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    text = re.sub(r"\^\{?(\d+)\}?", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _LATEX_SYMBOLS.get(m.group(1), m.group(1)), text)
    return text.replace("{", "").replace("}", "")


def plain_text(markdown: str) -> str:
    """A MyST passage as plain text: glued values become "(value)" (they are in the chapter),
    other roles keep their text, inline maths becomes readable text (:func:`plain_maths`),
    emphasis marks are dropped, spaces collapsed."""
    text = _GLUE.sub("(value)", markdown)
    text = _ROLE.sub(r"\1", text)
    text = re.sub(r"\$([^$]*)\$", lambda m: plain_maths(m.group(1)), text)
    text = re.sub(r"(\*\*|\*|`)", "", text)
    return " ".join(text.split())


def exercises(chapters: Sequence[str], folder: str | Path = ".") -> pd.DataFrame:
    """One row per exercise of each chapter: chapter, exercise (its label without the ``ex-``
    prefix, as a link to the exercise in its chapter, ``<chapter>.html#<label>``), and the whole
    task as plain text."""
    folder = Path(folder)
    rows = []
    for name in chapters:
        text = "\n".join(c.source for c in _notebook(folder, name).cells if c.cell_type == "markdown")
        rows += [
            {
                "chapter": name.replace("_", " "),
                "exercise": _link(name, label, label.removeprefix("ex-").replace("-", " ")),
                "task": plain_text(body),
            }
            for label, body in _EXERCISE.findall(text)
        ]
    return pd.DataFrame(rows, columns=["chapter", "exercise", "task"])


def parameters(chapters: Sequence[str], folder: str | Path = ".") -> pd.DataFrame:
    """One row per parameter of each chapter (read from its parameters cell): default and meaning."""
    folder = Path(folder)
    rows = []
    for name in chapters:
        cell = next(c for c in _notebook(folder, name).cells if "parameters" in c.metadata.get("tags", []))
        for line in cell.source.splitlines():
            match = _PARAMETER.match(line)
            if match:
                rows.append(
                    {
                        "chapter": name.replace("_", " "),
                        "parameter": match.group(1),
                        "default": match.group(2),
                        "meaning": match.group(3) or "",
                    }
                )
    return pd.DataFrame(rows, columns=["chapter", "parameter", "default", "meaning"])


# --------------------------------------------------------------------------- class plans
#: The steps of a class, per length in minutes: (minutes, activity). Each plan is built around one
#: chapter; :func:`chapter_plans` says which case, sections, questions and exercise to use.
CLASS_PLANS = {
    45: [
        (
            5,
            "Open with the chapter's case: read the patient and her question; students say what they want to know.",
        ),
        (10, "Show the chapter's key points and the first section to show: which trials, which comparisons."),
        (10, "Show the other two sections: the forest plot and what the evidence means for liver metastases."),
        (10, "Students answer the chapter's questions in pairs, with Check my answer."),
        (10, "Return to the case: which evidence applies, how certain it is, what is unknown. Set the exercise."),
    ],
    90: [
        (10, "Open with the chapter's case and collect the students' questions."),
        (15, "Refresh hazard ratios, intervals and prognostic versus predictive (survival primer, methods)."),
        (20, "Walk through the three sections to show, including the recomputation of one reported number."),
        (
            15,
            "Re-run the chapter with another parameter value (papermill or Binder) and watch the glued numbers change.",
        ),
        (15, "Students answer the chapter's questions in pairs; discuss the ones most got wrong."),
        (15, "Discuss the case's questions; start the exercise (its no-code version: answer from the tables)."),
    ],
}
#: Per chapter: the sections to show (labels), and the case vignette to open with (label on
#: ``case_vignettes``).
PLAN_SECTIONS = {
    "her2_tkis": ["her2-tkis-evidence", "her2-tkis-forest", "her2-tkis-liver"],
    "local_therapies": ["local-therapies-bias", "local-therapies-forest", "local-therapies-liver"],
    "hr_positive_targeted": ["hr-positive-forest", "hr-positive-gap", "hr-positive-liver"],
    "emerging_therapies": ["emerging-hierarchy", "emerging-forest", "emerging-liver"],
    "liver": ["liver-facts", "liver-visceral-crisis", "liver-pseudocirrhosis"],
}
PLAN_CASES = {
    "her2_tkis": "case-her2-after-tdxd",
    "local_therapies": "case-oligometastases",
    "hr_positive_targeted": "case-esr1",
    "emerging_therapies": "case-her2-after-tdxd",
    "liver": "case-visceral-crisis",
}


def class_plans() -> pd.DataFrame:
    """The steps of each class plan: ``plan`` ("45 minutes"), ``minutes``, ``activity``.

    Raises
    ------
    ValueError
        If the steps of a plan do not add up to its length.
    """
    rows = []
    for length, steps in CLASS_PLANS.items():
        total = sum(minutes for minutes, _ in steps)
        if total != length:
            raise ValueError(f"class plan of {length} minutes: its steps add up to {total} minutes")
        rows += [{"plan": f"{length} minutes", "minutes": m, "activity": a} for m, a in steps]
    return pd.DataFrame(rows, columns=["plan", "minutes", "activity"])


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (up to the first full stop or question mark followed by a
    space), whole words only."""
    match = re.match(r"(.+?[.?])(\s|$)", text)
    return match.group(1) if match else text


def _link(page: str, label: str, text: str) -> tables.Markup:
    if not re.fullmatch(r"[a-z0-9_]+", page) or not re.fullmatch(r"[a-z0-9-]+", label):
        raise ValueError(f"not a page and label of the book: {page!r}, {label!r}")
    return tables.Markup(f'<a href="{page}.html#{label}">{tables.escape(text)}</a>')


def chapter_plans(chapters: Sequence[str], folder: str | Path = ".") -> pd.DataFrame:
    """What each chapter's class uses (links relative to ``chapters/``): ``chapter``, ``case``
    (the vignette to open with), ``show`` (the sections to show), ``questions`` (its part of the
    question bank) and ``exercise`` (its first exercise).

    Raises
    ------
    ValueError
        If a chapter has no plan, or a section label, case or exercise is not found.
    """
    from helpers.views import question_bank

    folder = Path(folder)
    unplanned = [name for name in chapters if name not in PLAN_SECTIONS]
    if unplanned:
        raise ValueError(f"chapter {unplanned[0]!r} has no class plan (PLAN_SECTIONS has {sorted(PLAN_SECTIONS)})")
    _, cases = question_bank.chapter_sections("case_vignettes", folder)
    rows = []
    for name in chapters:
        title, sections = question_bank.chapter_sections(name, folder)
        missing = [s for s in [*PLAN_SECTIONS[name]] if s not in sections]
        if missing or PLAN_CASES[name] not in cases:
            raise ValueError(f"chapter {name!r}: labels not found: {missing + [PLAN_CASES[name]]}")
        text = "\n".join(c.source for c in _notebook(folder, name).cells if c.cell_type == "markdown")
        found = _EXERCISE.findall(text)
        if not found:
            raise ValueError(f"chapter {name!r} has no exercise")
        show = tables.Markup(
            "; ".join(f'<a href="{sections[s][0]}">{tables.escape(sections[s][1])}</a>' for s in PLAN_SECTIONS[name])
        )
        label, task = found[0]
        rows.append(
            {
                "chapter": tables.Markup(f'<a href="{name}.html">{tables.escape(title)}</a>'),
                "case": _link("case_vignettes", PLAN_CASES[name], cases[PLAN_CASES[name]][1]),
                "show": show,
                "questions": _link("question_bank", f"questions-{name.replace('_', '-')}", "Questions"),
                "exercise": _link(name, label, first_sentence(plain_text(task))),
            }
        )
    return pd.DataFrame(rows, columns=["chapter", "case", "show", "questions", "exercise"])
