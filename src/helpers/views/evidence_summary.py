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
from helpers.tables import escape

#: The treatment chapters in the book's order, with the title each section uses.
CHAPTERS = {
    "her2_tkis": "HER2 tyrosine-kinase inhibitors",
    "hr_positive_targeted": "Hormone-receptor-positive targeted agents",
    "emerging_therapies": "Antibody–drug conjugates and immune checkpoint inhibitors",
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


#: Question populations whose answer, when measured in all patients, is indirect and says so.
INDIRECT_WHEN_MEASURED_IN = {"liver_metastases", "liver_or_lung", "visceral"}


def relative_effect_text(evidence: Evidence, row: pd.Series) -> str:
    """``HR 0.56 (95% CI 0.49–0.63)``: the estimate as printed for one study, the pooled value
    (two decimals, "pooled, k trials") for several; "not estimable" without an interval."""
    if pd.isna(row["hr_lower"]):
        return "not estimable from the data (no hazard ratio with an interval)"
    if not row["pooled"]:
        text = tables.hr_text(evidence, row["effect_ids"][0], label=True)
    else:
        text = f"HR {format_number(row['hr'])} (95% CI {format_ci(row['hr_lower'], row['hr_upper'])}), pooled"
    measured_in = [p for p in row.get("estimate_populations", []) if p != row["population"]]
    if row["population"] in INDIRECT_WHEN_MEASURED_IN and set(measured_in) & {"ITT"}:
        text += "; measured in all patients, not in this subgroup"
    return text


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
        if tables.estimates_judged_from(evidence, row["effect_ids"]).endswith("(provisional)"):
            certainty += ", provisional"
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


#: The summary page shows a chapter's table in full up to this many rows; a longer one is
#: interactive within the text column, so that no table is taller than about 3,000 px at 1366 px
#: (a row is about 200 px tall there; issue 17).
SOF_FULL_ROWS = 12


def sof_html(evidence: Evidence, chapter: str, method: str = "REML", compact: bool = False) -> HTML:
    """The chapter's table (:func:`helpers.tables.to_html`) followed by its footnotes.

    ``compact=True`` (a therapy chapter, where the table sits among others) renders the table
    interactive within the text column (its rows scroll in a box under a fixed header) and folds
    the footnotes into a "Why this certainty" disclosure, so the page stays readable; the summary
    page shows the footnotes in full, and the table too unless it has more than
    :data:`SOF_FULL_ROWS` rows (then it is interactive within the text column)."""
    frame = rows(evidence, chapter, method)
    shown = table_of(evidence, frame)
    boxed = compact or len(shown) > SOF_FULL_ROWS
    table = tables.to_html(shown, interactive=True if boxed else None, fit_width=boxed)
    notes = "".join(
        f"<li><b>{tables.escape(m)}.</b> {tables.escape(r)}</li>" for m, r in footnotes(frame).itertuples(index=False)
    )
    listed = f'<ul class="bclm-sof-notes" style="list-style: none; padding-left: 0; text-align: left">{notes}</ul>'
    if compact:
        return HTML(
            f'{table.data}<details class="bclm-sof-notes-fold" style="text-align: left">'
            f"<summary>Why this certainty (the reasons behind each row)</summary>{listed}</details>"
        )
    return HTML(f'{table.data}<p class="bclm-sof-notes-title" style="text-align: left">Why this certainty:</p>{listed}')


_ENFORCEMENT = {"error": "checked: a departure stops validation", "report": "checked: departures are listed"}


def rulebook_table(data_dir=None) -> pd.DataFrame:
    """The appraisal rulebook (``data/appraisal/rulebook.csv``) for people: tool, domain, the
    judgement the rule leads to, the rule, how it is checked, and the reference with a link to
    its DOI. Only these columns are shown: a column the rulebook gains (an id, a note) stays in
    the data."""
    book = appraisal_rules.load_rulebook(data_dir)
    how = [_ENFORCEMENT[e] if c else "applied by the reader" for c, e in zip(book["check"], book["enforcement"])]
    return pd.DataFrame(
        {
            "Tool": list(book["tool"]),
            "Domain": list(book["domain"]),
            "Leads to": [j.replace("_", " ") for j in book["judgement"]],
            "Rule": list(book["condition"]),
            "How it is checked": how,
            "Reference": [
                escape(f"{r}, ") + tables.link(f"doi:{d}", f"https://doi.org/{d}") if d else escape(r)
                for r, d in zip(book["reference"], book["doi"])
            ],
        }
    )


def glue_rulebook(data_dir=None) -> dict:
    """Glue ``n_rules``, ``n_rules_checked``, ``n_departures`` (departures from a rule listed for
    re-judgement by :func:`helpers.appraisal_rules.rule_findings`), ``n_departing_rows`` (the
    judgements with at least one) and ``rulebook_departures`` (a sentence saying how many
    judgements depart, or that none does), and return the counts."""
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
    rows = counts["n_departing_rows"]
    glue(
        "rulebook_departures",
        "At present every judgement follows the listed rules."
        if rows == 0
        else f"At present {rows} judgement{'s' if rows > 1 else ''} depart{'' if rows > 1 else 's'} from at least "
        "one listed rule; they are shown as they stand and will be revised against these rules.",
    )
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
