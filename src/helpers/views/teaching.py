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
_CITE = re.compile(r"\s*\{cite(?::\w+)?\}`[^`]*`")
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
    citations are dropped (the chapter gives them), other roles keep their text, inline maths
    becomes readable text (:func:`plain_maths`), emphasis marks are dropped, spaces collapsed."""
    text = _GLUE.sub("(value)", markdown)
    text = _CITE.sub("", text)
    text = _ROLE.sub(r"\1", text)
    text = re.sub(r"\$([^$]*)\$", lambda m: plain_maths(m.group(1)), text)
    text = re.sub(r"(\*\*|\*|`)", "", text)
    return " ".join(text.split())


def exercises(chapters: Sequence[str], folder: str | Path = ".") -> pd.DataFrame:
    """One row per exercise of each chapter: chapter, exercise (its label without the ``ex-``
    prefix, as a link to the exercise in its chapter, ``<chapter>.html#<label>``), and the whole
    task as plain text, followed by its version without code (:data:`NO_CODE`) when it has one."""
    folder = Path(folder)
    rows = []
    for name in chapters:
        text = "\n".join(c.source for c in _notebook(folder, name).cells if c.cell_type == "markdown")
        rows += [
            {
                "chapter": name.replace("_", " "),
                "exercise": _link(name, label, label.removeprefix("ex-").replace("-", " ")),
                "task": _task(label, body),
            }
            for label, body in _EXERCISE.findall(text)
        ]
    return pd.DataFrame(rows, columns=["chapter", "exercise", "task"])


def _task(label: str, body: str) -> str | tables.Markup:
    """The task as plain text, followed by its version without code when there is one."""
    text = plain_text(body)
    if label not in NO_CODE:
        return text
    return tables.Markup(f"{tables.escape(text)}<br><em>Without code:</em> {tables.escape(NO_CODE[label])}")


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


def parameter_table(chapters: Sequence[str], folder: str | Path = ".") -> pd.DataFrame:
    """:func:`parameters` for reading: ``chapter`` (a link to it), ``parameter`` (the assignment
    as it is written in the chapter, ``name = default``, in code type that may wrap anywhere, so
    that the table fits the page) and ``meaning``."""
    table = parameters(chapters, folder)
    chapter = [
        tables.Markup(f'<a href="{name.replace(" ", "_")}.html">{tables.escape(name)}</a>') for name in table["chapter"]
    ]
    code = [
        tables.Markup(f'<code style="overflow-wrap: anywhere">{tables.escape(f"{n} = {d}")}</code>')
        for n, d in zip(table["parameter"], table["default"])
    ]
    return pd.DataFrame({"chapter": chapter, "parameter": code, "meaning": table["meaning"]})


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
#: Versions without code of the exercises, by exercise label: the same question, answered from
#: the chapter's tables and figures, by reasoning or with a pocket calculator. Every exercise a
#: class plan sets (its chapter's first) has one; exercises that only make sense as code (re-running
#: a simulation, fitting a model) have none.
NO_CODE = {
    "ex-primer-rmst": (
        "Look at the two curves: does the area between them grow or shrink after three years? So is "
        "the absolute gain over three years larger or smaller than over five?"
    ),
    "ex-primer-exponential": (
        "Divide the median without hormone therapy by the median with it (table of medians) on a "
        "calculator and compare the result with the Cox hazard ratio printed in the chapter."
    ),
    "ex-methods-zou": (
        "From the printed p-value alone, say whether the missing confidence interval must include one; "
        "from the hazard ratio, say on which side of one most of it lies."
    ),
    "ex-methods-pooling": (
        "Look at the forest plot: do the studies disagree more than their intervals allow? Then say "
        "whether a random-effects interval should be wider or narrower than the fixed-effect one."
    ),
    "ex-liver-landmark": (
        "From RIGHT Choice's two medians, say what share of each arm is free of progression at the "
        "shorter median, why the number treated per event avoided depends on the time chosen, and why "
        "it is not the trial's own result."
    ),
    "ex-liver-labels": (
        "In the chapter's subgroup tables, count the estimates labelled liver metastases and those "
        "labelled visceral, and say whether a visceral subgroup may stand in for liver metastases."
    ),
    "ex-liver-p": (
        "From RIGHT Choice's hazard ratio and interval, say whether the interval includes one and so "
        "whether the two-sided p-value is above or below five per cent; compare with the reported one."
    ),
    "ex-her2-tkis-crossover": (
        "Compare EGF100151's final and crossover-adjusted overall-survival hazard ratios in the evidence "
        "tables and say which answers the question about assigning a patient to the treatment, and why."
    ),
    "ex-her2-tkis-prognostic": (
        "Every patient of the pyrotinib liver cohort received pyrotinib: what does the contrast of the "
        "two medians (liver versus no liver) measure? Which rows of the evidence tables would measure "
        "pyrotinib's effect?"
    ),
    "ex-her2-tkis-detect": "The task needs no code: answer it from the evidence tables.",
    "ex-local-therapies-nested": (
        "Read how the three Zou comparisons were formed and explain why pooling them gives a precise "
        "but meaningless number."
    ),
    "ex-local-therapies-immortal": (
        "Without the simulation: if patients must live through a wait before they can be treated, how "
        "does the wait favour the treated group, and how does a landmark at its end remove that?"
    ),
    "ex-hr-positive-onesided": (
        "Does the interval of BOLERO-2's final overall-survival hazard ratio include one? Compare that "
        "with the reported p-value: what does it suggest about the sidedness of the p-value?"
    ),
    "ex-hr-positive-interaction": (
        "Compare PALOMA-3's hazard ratios for lung involvement and for no visceral disease: why is "
        "overlap of the two intervals not a test of a difference, and could lung be compared with liver?"
    ),
    "ex-emerging-pool": (
        "In the forest plot, compare the two PD-L1-selected overall-survival estimates: same drug, "
        "comparator and selection rule? Why would one pooled number mislead?"
    ),
    "ex-emerging-medians": (
        "Divide the comparator's progression-free survival median in DESTINY-Breast03 by trastuzumab "
        "deruxtecan's on a calculator and compare the result with the reported hazard ratio and its "
        "interval: what does a gap say about the curves?"
    ),
    "ex-emerging-visceral": (
        "Read the DESTINY-Breast04 subgroups with and without visceral disease and say why they are not "
        "the benefit for patients with liver metastases."
    ),
    "ex-claims-audit-liver-share": (
        "From the Lin cohort's counts, work out on a calculator the share with liver metastases at first "
        "metastatic diagnosis; does the explainer say which patients its share counts?"
    ),
    "ex-claims-audit-paloma-os": (
        "Work out one minus PALOMA-3's final overall-survival hazard ratio as a percentage on a "
        "calculator, decide on a verdict and rewrite the sentence honestly."
    ),
    "ex-claims-audit-zou": (
        "For each Zou comparison, divide the shorter median by the longer on a calculator and compare "
        "the result with the reported hazard ratio: where is the gap largest?"
    ),
    "ex-her2-tkis-cut": (
        "In the forest plot and the evidence tables, compare PHOEBE's interim and updated "
        "progression-free survival hazard ratios; say which way the pooled estimate would move with the "
        "updated one, and which of the two you would report."
    ),
    "ex-local-therapies-curie": (
        "Invert the Curie study's ratio by hand (one divided by the estimate and by each "
        "limit) and explain why the lower limit becomes the upper one."
    ),
    "ex-hr-positive-cuts": (
        "In the evidence tables, find the first-line trials reported at more than one data "
        "cut, compare their confirmatory and most mature hazard ratios, and say whether the pooled "
        "estimate would move."
    ),
    "ex-emerging-hierarchy": (
        "For each KEYNOTE-355 overall-survival estimate, say whether its interval includes "
        "one and so whether its two-sided p-value is above or below five per cent; then say why the order "
        "of the trial's tests decides what may be called significant."
    ),
    "ex-liver-severe": (
        "From the chapter's table of liver facts, sort the drugs into those with a dose or a "
        "statement for severe hepatic impairment and those without, and say why a missing entry does not "
        "mean that no dose change is needed."
    ),
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
    """What each chapter's class uses (links relative to ``chapters/``): ``chapter`` (with its part
    of the question bank), ``case`` (the vignette to open with), ``show`` (the sections to show) and
    ``exercise`` (its first exercise, then its version without code from
    :data:`NO_CODE`).

    Raises
    ------
    ValueError
        If a chapter has no plan, or a section label, case or exercise is not found, or its first
        exercise has no version without code.
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
        if label not in NO_CODE:
            raise ValueError(f"chapter {name!r}: its first exercise {label!r} has no version without code (NO_CODE)")
        questions = _link("question_bank", f"questions-{name.replace('_', '-')}", "Its questions")
        rows.append(
            {
                "chapter": tables.Markup(f'<a href="{name}.html">{tables.escape(title)}</a><br>{questions}'),
                "case": _link("case_vignettes", PLAN_CASES[name], cases[PLAN_CASES[name]][1]),
                "show": show,
                "exercise": tables.Markup(
                    f"{_link(name, label, first_sentence(plain_text(task)))}<br>"
                    f"<em>Without code:</em> {tables.escape(NO_CODE[label])}"
                ),
            }
        )
    return pd.DataFrame(rows, columns=["chapter", "case", "show", "exercise"])
