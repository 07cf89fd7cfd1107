"""ESMO's published ESMO-MCBS scorecards (``data/esmo_scorecards.csv``) against our grades.

Each row of the table holds the inputs ESMO printed on a scorecard (control median, gain, hazard
ratio with its 95% CI), the adjustment ESMO applied and ESMO's preliminary and final grade. Our
grade is recomputed from those same inputs with :func:`helpers.benefit.esmo_mcbs_form2a` and
:func:`helpers.benefit.esmo_mcbs_final`, so that a difference shows a difference of rules, not of
data. :func:`comparison` builds the table the book shows; :func:`scorecard_errors` is the
validator's check (``python -m helpers.validate``): numbers in their quotes, grades consistent
with the adjustment, and a recorded reason exactly where our grade is not ESMO's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers import benefit
from helpers.data import (
    MAX_QUOTE_WORDS,
    DataValidationError,
    find_data_dir,
    hr_statement_in_quote,
    load_descriptor,
    number_in_quote,
)

__all__ = ["FILE", "read_scorecards", "our_grades", "comparison", "scorecard_findings", "scorecard_errors"]

#: The table, relative to the data folder.
FILE = "esmo_scorecards.csv"
_FORM = {"OS": "2a", "PFS": "2b"}
_NUMBERS = ["control_median_months", "gain_months", "hr", "hr_ci_lower", "hr_ci_upper"]
_INTEGERS = ["scorecard_number", "esmo_preliminary", "esmo_final"]
#: Words the grade quote holds for each adjustment (what ESMO's scorecard prints).
_ADJUSTMENT_WORDS = {
    "qol_upgrade": ("QoL", "1+"),
    "less_toxicity_upgrade": ("1+",),
    "toxicity_downgrade": ("1-",),
    "pfs_only_downgrade": ("Only improved PFS", "1-"),
    "long_term_plateau_upgrade": ("plateau", "1+"),
}


def read_scorecards(data_dir: str | Path | None = None) -> pd.DataFrame:
    """``data/esmo_scorecards.csv`` as printed (strings; empty cells as ``""``), with ``line``.

    Raises
    ------
    FileNotFoundError
        If the data folder has no such table.
    """
    data_dir = Path(data_dir) if data_dir is not None else find_data_dir()
    frame = pd.read_csv(data_dir / FILE, dtype=str, keep_default_na=False, encoding="utf-8")
    frame.insert(0, "line", range(2, len(frame) + 2))
    return frame


def _number(text: str) -> float | None:
    return float(text) if str(text).strip() else None


def _integer(text: str) -> int | None:
    return int(text) if str(text).strip() else None


def our_grades(row: pd.Series) -> dict:
    """Our preliminary and final grade for one scorecard row, from the inputs ESMO printed.

    Returns
    -------
    dict
        ``our_preliminary`` and ``our_final`` (``None`` where they cannot be computed),
        ``our_rule`` (the form row that fired, or why no grade) and ``agreement``: "agrees" (our
        final and, where ESMO printed it, preliminary grade are ESMO's), "differs", "not graded"
        (a form sheet whose thresholds were not found) or "final not computed" (ESMO's adjustment
        is not known).
    """
    outcome = row["evaluated_outcome"]
    try:
        prelim = benefit.esmo_mcbs_form2a(
            outcome,
            _number(row["hr_ci_lower"]),
            _number(row["control_median_months"]),
            _number(row["gain_months"]),
            hr_ci_upper=_number(row["hr_ci_upper"]),
        )
    except NotImplementedError as reason:
        return {"our_preliminary": None, "our_final": None, "our_rule": str(reason), "agreement": "not graded"}
    grade = int(prelim["preliminary_grade"])
    if row["adjustment"] == "not_reported":
        return {
            "our_preliminary": grade,
            "our_final": None,
            "our_rule": prelim["rule"],
            "agreement": "final not computed",
        }
    final = benefit.esmo_mcbs_final(grade, prelim["form"], row["adjustment"])
    esmo_prelim, esmo_final = _integer(row["esmo_preliminary"]), _integer(row["esmo_final"])
    same = final["final_grade"] == esmo_final and (esmo_prelim is None or esmo_prelim == grade)
    return {
        "our_preliminary": grade,
        "our_final": int(final["final_grade"]),
        "our_rule": f"{prelim['rule']} {final['rule']}",
        "agreement": "agrees" if same else "differs",
    }


def comparison(scorecards: pd.DataFrame, study_names: dict[str, str] | None = None) -> pd.DataFrame:
    """ESMO's preliminary and final grade beside ours, one row per scorecard.

    Parameters
    ----------
    scorecards
        :func:`read_scorecards`.
    study_names
        ``study_id`` -> name shown for the trial (default: the ``study_id``).

    Returns
    -------
    pandas.DataFrame
        ``scorecard_id``, ``study_id``, ``trial``, ``evaluated_outcome``, ``form``, ``sheet``
        (:func:`helpers.benefit.esmo_mcbs_sheet`), ``read_from``
        ("ESMO scorecard <n>" or "secondary table"), ``esmo_preliminary``, ``esmo_final``,
        ``our_preliminary``, ``our_final`` (nullable integers), ``agreement``, ``our_rule`` and
        ``difference_reason`` (empty where the grades agree).
    """
    names = study_names or {}
    rows = []
    for _, row in scorecards.iterrows():
        number = _integer(row["scorecard_number"])
        rows.append(
            {
                "scorecard_id": row["scorecard_id"],
                "study_id": row["study_id"],
                "trial": names.get(row["study_id"], row["study_id"]),
                "evaluated_outcome": row["evaluated_outcome"],
                "form": _FORM[row["evaluated_outcome"]],
                "sheet": benefit.esmo_mcbs_sheet(row["evaluated_outcome"], float(row["control_median_months"])),
                "read_from": f"ESMO scorecard {number}" if number is not None else "secondary table",
                "esmo_preliminary": _integer(row["esmo_preliminary"]),
                "esmo_final": _integer(row["esmo_final"]),
                **our_grades(row),
                "difference_reason": row["difference_reason"],
            }
        )
    table = pd.DataFrame(rows)
    for column in ["esmo_preliminary", "esmo_final", "our_preliminary", "our_final"]:
        table[column] = table[column].astype("Int64")
    order = [
        "scorecard_id",
        "study_id",
        "trial",
        "evaluated_outcome",
        "form",
        "sheet",
        "read_from",
        "esmo_preliminary",
        "esmo_final",
        "our_preliminary",
        "our_final",
        "agreement",
        "our_rule",
        "difference_reason",
    ]
    return table[order]


def scorecard_findings(scorecards: pd.DataFrame) -> list[dict]:
    """Every broken rule of the scorecard table: ``line``, ``row_id``, ``column``, ``value``, ``rule``.

    Rules: every input number appears in ``data_quote`` (the hazard ratio and its limits as one
    statement), every grade in ``grade_quote``, each quote at most the house limit of words; the
    form is the one of the graded outcome; the CI holds the hazard ratio; a gain estimated from
    the hazard ratio says so in its quote; the adjustment's words are in the grade quote and it
    turns ESMO's preliminary grade into ESMO's final grade (:func:`helpers.benefit.esmo_mcbs_final`);
    and ``difference_reason`` is filled exactly where our grade is not ESMO's (:func:`our_grades`).
    """
    found = []

    def fail(row, column, value, rule):
        found.append(
            {
                "line": int(row["line"]),
                "row_id": f"scorecard_id={row['scorecard_id']}",
                "column": column,
                "value": value,
                "rule": rule,
            }
        )

    for _, row in scorecards.iterrows():
        if row["evaluated_outcome"] not in _FORM or not all(row[c].strip() for c in _NUMBERS):
            continue  # a required cell is empty or off its vocabulary: the schema checks name it
        data_quote, grade_quote = row["data_quote"], row["grade_quote"]
        for column in ["data_quote", "grade_quote"]:
            words = len(row[column].split())
            if words > MAX_QUOTE_WORDS:
                fail(row, column, f"{words} words", f"quote is longer than {MAX_QUOTE_WORDS} words")
        for column in ["control_median_months", "gain_months"]:
            if row[column] and not number_in_quote(row[column], data_quote):
                fail(row, column, row[column], "number does not appear in data_quote")
        if not hr_statement_in_quote(row["hr"], row["hr_ci_lower"], row["hr_ci_upper"], data_quote):
            fail(
                row,
                "hr",
                f"{row['hr']} ({row['hr_ci_lower']}-{row['hr_ci_upper']})",
                "hazard ratio and its 95% CI are not one statement of data_quote",
            )
        for column in ["esmo_preliminary", "esmo_final"]:
            if row[column] and not number_in_quote(row[column], grade_quote):
                fail(row, column, row[column], "grade does not appear in grade_quote")
        if row["form"] and row["form"] != _FORM[row["evaluated_outcome"]]:
            fail(
                row,
                "form",
                row["form"],
                f"form {_FORM[row['evaluated_outcome']]} grades {row['evaluated_outcome']} (2a OS, 2b PFS)",
            )
        hr, lower, upper = (_number(row[c]) for c in ["hr", "hr_ci_lower", "hr_ci_upper"])
        if not lower <= hr <= upper:
            fail(row, "hr", row["hr"], "the hazard ratio lies outside its confidence interval")
        if row["gain_basis"] == "estimated_from_hr" and "estimate" not in data_quote.lower():
            fail(row, "gain_basis", row["gain_basis"], "data_quote does not say the gain is an estimate")
        adjustment = row["adjustment"]
        for word in _ADJUSTMENT_WORDS.get(adjustment, ()):
            if word not in grade_quote:
                fail(row, "adjustment", adjustment, f"grade_quote does not hold {word!r}")
        prelim, final = _integer(row["esmo_preliminary"]), _integer(row["esmo_final"])
        if adjustment == "not_reported" and prelim is not None:
            fail(row, "adjustment", adjustment, "a row with ESMO's preliminary grade names the adjustment")
        if adjustment != "not_reported" and prelim is not None:
            try:
                expected = benefit.esmo_mcbs_final(prelim, _FORM[row["evaluated_outcome"]], adjustment)["final_grade"]
            except ValueError as error:
                fail(row, "adjustment", adjustment, str(error))
            else:
                if expected != final:
                    fail(
                        row,
                        "esmo_final",
                        row["esmo_final"],
                        f"adjustment {adjustment!r} turns preliminary grade {prelim} into {expected}",
                    )
        try:
            agreement = our_grades(row)["agreement"]
        except (TypeError, ValueError) as error:
            fail(row, "hr_ci_lower", row["hr_ci_lower"], f"our grade cannot be computed: {error}")
            continue
        reason = row["difference_reason"].strip()
        if agreement == "agrees" and reason:
            fail(row, "difference_reason", reason, "our grade agrees with ESMO's: no reason to record")
        if agreement != "agrees" and not reason:
            fail(row, "difference_reason", "", f"our grade is {agreement!r}: record why in difference_reason")
    return found


def scorecard_errors(data_dir: str | Path | None = None) -> list[DataValidationError]:
    """:func:`scorecard_findings` as validation errors; none when the data have no such table."""
    data_dir = Path(data_dir) if data_dir is not None else find_data_dir()
    if not any(r["name"] == "esmo_scorecards" for r in load_descriptor(data_dir)["resources"]):
        return []
    file = f"data/{FILE}"
    try:
        findings = scorecard_findings(read_scorecards(data_dir))
    except (FileNotFoundError, ValueError, KeyError) as error:  # a missing column or an unreadable cell
        return [DataValidationError(file, f"the ESMO scorecards could not be checked: {error!r}")]
    return [DataValidationError(file, f["rule"], f["line"], f["row_id"], f["column"], f["value"]) for f in findings]
