"""The tables and glued values of the page "What the evidence says" (``chapters/evidence_summary``).

One summary-of-findings table per treatment chapter, computed by :func:`helpers.sof.summary_of_findings`
from the chapter's certainty rows (``data/appraisal/certainty_<chapter>.csv``) and the estimates they
rest on; this module only words and arranges them. Glued names (:func:`glue_overview`): ``per``
(the denominator of absolute effects, written out), ``n_questions``, ``n_<certainty>`` for each
certainty level, ``n_chapters``, and per chapter ``n_questions_<chapter>``.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from helpers import appraisal_rules, sof, tables
from helpers.chapter import glue
from helpers.data import Evidence
from helpers.formatting import format_ci, format_number

#: The treatment chapters in the book's order, with the title each section uses.
CHAPTERS = {
    "her2_tkis": "HER2 tyrosine-kinase inhibitors",
    "hr_positive_targeted": "Hormone-receptor-positive targeted agents",
    "emerging_therapies": "Antibody–drug conjugates, immunotherapy and investigational approaches",
    "local_therapies": "Local therapies for liver metastases",
}
CERTAINTY_WORDS = {"high": "High", "moderate": "Moderate", "low": "Low", "very_low": "Very low"}
_EVENT = {"OS": "died", "PFS": "progressed or died", "TTP": "progressed"}
_SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very_low": "⊕◯◯◯"}


def rows(evidence: Evidence, chapter: str, method: str = "REML") -> pd.DataFrame:
    """:func:`helpers.sof.summary_of_findings` of ``chapter`` (``method`` pools several trials)."""
    if chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {list(CHAPTERS)}, got {chapter!r}")
    return sof.summary_of_findings(evidence, chapter, method=method)


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _difference(fewer: float) -> str:
    word = "fewer" if fewer >= 0 else "more"
    return f"{_count(abs(fewer))} {word}"


def relative_effect_text(evidence: Evidence, row: pd.Series) -> str:
    """``HR 0.56 (95% CI 0.49–0.63)``: the estimate as printed for one study, the pooled value
    (two decimals, "pooled, k trials") for several; "not estimable" without an interval."""
    if pd.isna(row["hr_lower"]):
        return "not estimable from the data (no hazard ratio with an interval)"
    if not row["pooled"]:
        return tables.hr_text(evidence, row["effect_ids"][0], label=True)
    return f"HR {format_number(row['hr'])} (95% CI {format_ci(row['hr_lower'], row['hr_upper'])}), pooled"


def absolute_effect_text(row: pd.Series) -> str:
    """Events per 1,000 by the control median, without and with the treatment, and the difference."""
    if pd.isna(row["control_events"]):
        if pd.isna(row["hr_lower"]):
            return "not estimable"
        return "not estimable (no control-arm median in the data)"
    event = _EVENT.get(row["endpoint"], "had the event")
    lower, upper = sorted((row["fewer_events_lower"], row["fewer_events_upper"]))
    return (
        f"By {format_number(row['median_control'], 1)} {row['median_unit']} (control median), "
        f"{_count(row['control_events'])} per {_count(sof.PER)} {event} without and "
        f"{_count(row['treated_events'])} with the treatment: {_difference(row['fewer_events'])} "
        f"(95% CI {_difference(upper)} to {_difference(lower)})"
    )


def studies_text(row: pd.Series) -> str:
    """``3 studies (1,827 patients)``; patients "not reported" when a result lacks them."""
    k = row["n_studies"]
    noun = "study" if k == 1 else "studies"
    people = "patients not reported" if pd.isna(row["participants"]) else f"{_count(row['participants'])} patients"
    return f"{k} {noun} ({people})"


def footnote_mark(index: int) -> str:
    """The footnote mark of the ``index``-th row (0-based): a, b, …, z, aa, ab, …"""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return (
        letters[index] if index < len(letters) else letters[index // len(letters) - 1] + letters[index % len(letters)]
    )


def sof_table(evidence: Evidence, chapter: str, method: str = "REML") -> pd.DataFrame:
    """The chapter's summary-of-findings table for people: one row per question."""
    return table_of(evidence, rows(evidence, chapter, method))


def table_of(evidence: Evidence, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`helpers.sof.summary_of_findings` worded for people, four columns: the
    question, the effect (relative, then absolute), the evidence (studies, certainty and the mark
    of its footnote, :func:`footnotes`) and the plain-language statement."""
    effect, evidence_cells = [], []
    for i, (_, row) in enumerate(frame.reset_index(drop=True).iterrows()):
        absolute = absolute_effect_text(row)
        effect.append(f"{relative_effect_text(evidence, row)}. Absolute effect: {absolute[:1].lower()}{absolute[1:]}.")
        certainty = f"{_SYMBOLS[row['certainty']]} {CERTAINTY_WORDS[row['certainty']]} ({footnote_mark(i)})"
        evidence_cells.append(f"{studies_text(row)}; {certainty}")
    return pd.DataFrame(
        {
            "Question": list(frame["comparison"]),
            "Effect": effect,
            "Evidence and certainty": evidence_cells,
            "What it means": list(frame["statement"]),
        }
    )


def footnotes(frame: pd.DataFrame) -> pd.DataFrame:
    """The reasons for each row's certainty, keyed by the marks of :func:`table_of`."""
    return pd.DataFrame({"mark": [footnote_mark(i) for i in range(len(frame))], "reasons": list(frame["reasons"])})


def sof_html(evidence: Evidence, chapter: str, method: str = "REML") -> HTML:
    """The chapter's table (:func:`helpers.tables.to_html`) followed by its footnotes."""
    frame = rows(evidence, chapter, method)
    table = tables.to_html(table_of(evidence, frame))
    notes = "".join(
        f"<li><b>{tables.escape(m)}.</b> {tables.escape(r)}</li>" for m, r in footnotes(frame).itertuples(index=False)
    )
    return HTML(
        f'{table.data}<p class="bclm-sof-notes-title" style="text-align: left">Why this certainty:</p>'
        f'<ul class="bclm-sof-notes" style="list-style: none; padding-left: 0; text-align: left">{notes}</ul>'
    )


_ENFORCEMENT = {"error": "checked: a departure stops validation", "report": "checked: departures are listed"}


def rulebook_table(data_dir=None) -> pd.DataFrame:
    """The appraisal rulebook (``data/appraisal/rulebook.csv``) for people: tool, domain, the
    judgement the rule leads to, the rule, how it is checked, and the reference."""
    book = appraisal_rules.load_rulebook(data_dir)
    how = [_ENFORCEMENT[e] if c else "applied by the reader" for c, e in zip(book["check"], book["enforcement"])]
    return pd.DataFrame(
        {
            "Tool": list(book["tool"]),
            "Domain": list(book["domain"]),
            "Leads to": [j.replace("_", " ") for j in book["judgement"]],
            "Rule": list(book["condition"]),
            "How it is checked": how,
            "Reference": [f"{r}, doi:{d}" for r, d in zip(book["reference"], book["doi"])],
        }
    )


def glue_rulebook(data_dir=None) -> dict:
    """Glue ``n_rules``, ``n_rules_checked`` and ``n_departures`` (judgements listed for
    re-judgement by :func:`helpers.appraisal_rules.rule_findings`) and return them."""
    book = appraisal_rules.load_rulebook(data_dir)
    findings = appraisal_rules.rule_findings(data_dir)
    counts = {
        "n_rules": len(book),
        "n_rules_checked": int((book["check"] != "").sum()),
        "n_departures": len(findings),
        "n_departing_rows": int(findings[["file", "line"]].drop_duplicates().shape[0]),
    }
    for key, value in counts.items():
        glue(key, f"{value}" if value else "none")
    return counts


def glue_overview(evidence: Evidence, method: str = "REML") -> dict:
    """Glue the page's counts (see the module docstring) and return them."""
    certainty = evidence.certainty[evidence.certainty["chapter"].isin(CHAPTERS)]
    counts = {"per": _count(sof.PER), "n_questions": len(certainty), "n_chapters": len(CHAPTERS)}
    for level in CERTAINTY_WORDS:
        counts[f"n_{level}"] = int((certainty["certainty"] == level).sum())
    for chapter in CHAPTERS:
        counts[f"n_questions_{chapter}"] = int((certainty["chapter"] == chapter).sum())
    estimable = [rows(evidence, c, method)["control_events"].notna().sum() for c in CHAPTERS]
    counts["n_absolute"] = int(sum(estimable))
    for key, value in counts.items():
        glue(key, f"{value}" if value else "none")
    return counts
