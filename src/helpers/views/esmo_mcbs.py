"""The view of the page ``esmo_mcbs``: our ESMO-MCBS v1.1 grades against ESMO's scorecards.

The rules are :mod:`helpers.benefit` (forms 2a and 2b, adjustments), the scorecards and the
comparison :mod:`helpers.esmo_scorecards`; this module only words them for readers and glues the
counts. Glue names: ``n_scorecards``, ``n_esmo_pages``, ``n_secondary_rows``, ``n_agree``,
``n_agree_adjusted``, ``n_not_graded``, ``n_final_not_computed``, ``n_differ``, ``differ_phrase``, ``agree_list``,
``not_graded_list``, ``final_not_computed_list``, ``long_sheet_list``, ``n_rules``, ``n_adjustments``,
``n_not_found`` (:func:`glue_counts`) and ``book_monaleesa_grades`` (:func:`glue_book_estimates`).
"""

from __future__ import annotations

import pandas as pd

from helpers import benefit, esmo_scorecards, tables
from helpers.chapter import glue
from helpers.data import Evidence
from helpers.formatting import format_number

#: Reader wording of the comparison's ``agreement``.
AGREEMENT_LABELS = {
    "agrees": "Agrees",
    "differs": "Differs",
    "not graded": "Not graded by us",
    "final not computed": "ESMO's adjustment not known",
}
#: Reader wording of the adjustments (:data:`helpers.benefit.ESMO_MCBS_ADJUSTMENTS`).
ADJUSTMENT_LABELS = {
    "none": "No adjustment",
    "qol_upgrade": "Quality of life better: one up",
    "less_toxicity_upgrade": "Less severe toxicity: one up",
    "toxicity_downgrade": "More toxicity: one down",
    "pfs_only_downgrade": "Only PFS improved: one down",
    "long_term_plateau_upgrade": "Plateau of the PFS curve: one up",
    "not_reported": "Not given by the source",
}


def comparison(evidence: Evidence, include_secondary: bool = True) -> pd.DataFrame:
    """:func:`helpers.esmo_scorecards.comparison` of the committed scorecards, trials named by
    their short names; secondary rows kept only with ``include_secondary``."""
    table = esmo_scorecards.comparison(esmo_scorecards.read_scorecards(), evidence.studies["short_name"].to_dict())
    if not include_secondary:
        table = table[table["read_from"] != "secondary table"]
    return table.reset_index(drop=True)


def _grades(preliminary, final) -> str:
    """ "3 → 4" (preliminary → final); a dash for a grade not given or not computed."""

    def one(value) -> str:
        return "–" if pd.isna(value) else str(int(value))

    if pd.isna(preliminary) and pd.isna(final):
        return "–"
    return f"{one(preliminary)} → {one(final)}"


def readable(evidence: Evidence, table: pd.DataFrame) -> pd.DataFrame:
    """The comparison for readers: the trial (a link to where ESMO's grade was read, marked
    secondary when not ESMO's own page), the graded outcome and form, ESMO's and our grades as
    "preliminary → final", agreement and the reason for a difference."""
    scorecards = esmo_scorecards.read_scorecards().set_index("scorecard_id")
    trials = []
    for _, row in table.iterrows():
        source = evidence.sources.loc[scorecards.loc[row["scorecard_id"], "source_id"]]
        secondary = row["read_from"] == "secondary table"
        trials.append(tables.link(row["trial"], source["url"]) + (" (secondary)" if secondary else ""))
    return pd.DataFrame(
        {
            "Trial (scorecard)": trials,
            "Outcome": [f"{o}, form {f}" for o, f in zip(table["evaluated_outcome"], table["form"])],
            "ESMO's grade": [_grades(p, f) for p, f in zip(table["esmo_preliminary"], table["esmo_final"])],
            "Our grade": [_grades(p, f) for p, f in zip(table["our_preliminary"], table["our_final"])],
            "Agreement": table["agreement"].map(AGREEMENT_LABELS),
            "Reason for a difference": table["difference_reason"].replace("", "–"),
        }
    )


#: Short reader labels of the sources of :data:`helpers.benefit.ESMO_MCBS_SOURCES`.
SOURCE_LABELS = {
    "dafni2017": "Dafni 2017, Table 1",
    "esmo_forms_v1.1": "ESMO forms v1.1",
    "cancercalc": "CancerCalc (secondary)",
    "esmo_forms_page": "ESMO evaluation forms",
    "esmo_scorecards": "ESMO scorecards",
    "esmo_open_2021": "ESMO Open 2021, Table 1 (secondary)",
    "scorecard_6": "ESMO scorecard 6",
    "scorecard_158": "ESMO scorecard 158",
    "scorecard_159": "ESMO scorecard 159",
    "scorecard_164": "ESMO scorecard 164",
    "scorecard_342": "ESMO scorecard 342",
    "busch2022": "Büsch 2022, Table 1 (secondary)",
    "busch2024": "Büsch 2024, appendix (secondary)",
}


def _source_links(cited: str) -> str:
    """The sources named in ``cited`` (a citation string of :mod:`helpers.benefit`) as short links."""
    links = []
    for key, citation in benefit.ESMO_MCBS_SOURCES.items():
        if citation in cited:
            url = citation.rsplit(", ", 1)[-1]
            links.append(tables.link(SOURCE_LABELS.get(key, key), url))
    return tables.Markup("; ".join(links)) if links else tables.escape(cited)


def inputs(evidence: Evidence) -> pd.DataFrame:
    """The inputs each grade is computed from, as ESMO printed them, with the adjustment."""
    scorecards = esmo_scorecards.read_scorecards()
    names = evidence.studies["short_name"]
    return pd.DataFrame(
        {
            "Trial": scorecards["study_id"].map(names),
            "Outcome": scorecards["evaluated_outcome"],
            "Control median (months)": scorecards["control_median_months"],
            "Gain (months)": [
                f"{g} (estimated from the HR)" if b == "estimated_from_hr" else g
                for g, b in zip(scorecards["gain_months"], scorecards["gain_basis"])
            ],
            "HR (95% CI)": [
                f"{h} ({lo}–{hi})"
                for h, lo, hi in zip(scorecards["hr"], scorecards["hr_ci_lower"], scorecards["hr_ci_upper"])
            ],
            "Adjustment ESMO applied": scorecards["adjustment"].map(ADJUSTMENT_LABELS),
        }
    )


def rules() -> pd.DataFrame:
    """The implemented rows of forms 2a and 2b (:func:`helpers.benefit.esmo_mcbs_thresholds`)."""
    table = benefit.esmo_mcbs_thresholds()
    return pd.DataFrame(
        {
            "Form": "form " + table["form"],
            "Control median": table["control_median_stratum"],
            "Grade": table["grade"],
            "Criterion": table["criterion"],
            "Source's words": table["quote"],
            "Source": [_source_links(c) for c in table["source"]],
        }
    )


def adjustments() -> pd.DataFrame:
    """The implemented adjustments (:func:`helpers.benefit.esmo_mcbs_adjustments`) with quotes."""
    table = benefit.esmo_mcbs_adjustments()
    table = table[table["adjustment"] != "none"]
    return pd.DataFrame(
        {
            "Adjustment": table["adjustment"].map(ADJUSTMENT_LABELS),
            "Forms": table["forms"],
            "Criterion": table["criterion"],
            "Quote": table["quote"],
            "Source": [_source_links(c) for c in table["source"]],
        }
    )


def not_found() -> pd.DataFrame:
    """What the sources searched did not give (:data:`helpers.benefit.ESMO_MCBS_NOT_FOUND`)."""
    return pd.DataFrame({"Not implemented (not found in the sources searched)": list(benefit.ESMO_MCBS_NOT_FOUND)})


def book_estimates(evidence: Evidence, study_ids: tuple[str, ...] = ("monaleesa3", "monaleesa7")) -> pd.DataFrame:
    """The book's own overall-survival estimates (all patients) of ``study_ids`` with both medians, graded with
    :func:`helpers.benefit.esmo_mcbs_form2a` (or the reason they cannot be)."""
    effects = evidence.effects
    rows = effects[
        effects["study_id"].isin(study_ids)
        & (effects["endpoint"] == "OS")
        & (effects["population"] == "ITT")
        & effects["median_control"].notna()
        & effects["median_experimental"].notna()
        & effects["hr_ci_lower"].notna()
    ]
    out = []
    for effect_id, row in rows.iterrows():
        gain = benefit.median_gain(row["median_experimental"], row["median_control"])
        try:
            grade = benefit.esmo_mcbs_form2a(
                "OS", row["hr_ci_lower"], row["median_control"], gain, hr_ci_upper=row["hr_ci_upper"]
            )
            result, rule = str(grade["preliminary_grade"]), grade["rule"]
        except NotImplementedError as reason:
            result, rule = "not graded", str(reason)
        out.append(
            {
                "Estimate": f"{evidence.studies.loc[row['study_id'], 'short_name']}, {row['analysis']} analysis",
                "Medians": tables.medians_text(evidence, effect_id),
                "Hazard ratio": tables.hr_text(evidence, effect_id),
                "Our grade": result,
                "Rule": rule,
            }
        )
    return pd.DataFrame(out)


def glue_book_estimates(table: pd.DataFrame) -> None:
    """Glue ``book_monaleesa_grades``: the distinct grades of :func:`book_estimates`, in words
    ("4", "3 and 4")."""
    grades = sorted(set(table["Our grade"]))
    glue("book_monaleesa_grades", " and ".join(grades))


def grade(
    outcome: str, hr_ci_lower: float, median_control: float, gain: float, adjustment: str = "none"
) -> pd.DataFrame:
    """One grade worked through (for the exercises): the preliminary grade of
    :func:`helpers.benefit.esmo_mcbs_form2a`, then :func:`helpers.benefit.esmo_mcbs_final`, with
    the rule that fired at each step."""
    preliminary = benefit.esmo_mcbs_form2a(outcome, hr_ci_lower, median_control, gain)
    final = benefit.esmo_mcbs_final(int(preliminary["preliminary_grade"]), preliminary["form"], adjustment)
    return pd.DataFrame(
        {
            "Step": ["Preliminary grade", "After the adjustment"],
            "Grade": [int(preliminary["preliminary_grade"]), int(final["final_grade"])],
            "Rule": [preliminary["rule"], final["rule"]],
        }
    )


def _scorecard(scorecard_id: str) -> pd.Series:
    table = esmo_scorecards.read_scorecards().set_index("scorecard_id")
    if scorecard_id not in table.index:
        raise ValueError(
            f"scorecard_id must be one of {list(table.index)} (data/esmo_scorecards.csv), got {scorecard_id!r}"
        )
    return table.loc[scorecard_id]


def scorecard_grade(scorecard_id: str, adjustment: str | None = None) -> pd.DataFrame:
    """:func:`grade` on the inputs ESMO printed on one scorecard (``data/esmo_scorecards.csv``),
    with ESMO's adjustment unless ``adjustment`` names another (for the exercises)."""
    row = _scorecard(scorecard_id)
    return grade(
        row["evaluated_outcome"],
        float(row["hr_ci_lower"]),
        float(row["control_median_months"]),
        float(row["gain_months"]),
        row["adjustment"] if adjustment is None else adjustment,
    )


def scorecard_gain_from_hr(scorecard_id: str) -> str:
    """:func:`gain_from_hr` from one scorecard's control median and hazard ratio (point estimate)."""
    row = _scorecard(scorecard_id)
    return gain_from_hr(float(row["control_median_months"]), float(row["hr"]))


def gain_from_hr(median_control: float, hr: float) -> str:
    """:func:`helpers.benefit.median_gain_from_hr`, in months with one decimal (for the exercises)."""
    return f"{format_number(benefit.median_gain_from_hr(median_control, hr), 1)} months"


def glue_counts(table: pd.DataFrame) -> None:
    """Glue the counts and trial lists of :func:`comparison` (see the module docstring)."""
    agreement = table["agreement"]

    def names(kind: str) -> str:
        return ", ".join(table.loc[agreement == kind, "trial"])

    adjusted = (agreement == "agrees") & (table["esmo_final"] != table["esmo_preliminary"])
    glue("n_scorecards", len(table))
    glue("n_esmo_pages", int((table["read_from"] != "secondary table").sum()))
    glue("n_secondary_rows", int((table["read_from"] == "secondary table").sum()))
    glue("n_agree", int((agreement == "agrees").sum()))
    glue("n_agree_adjusted", int(adjusted.fillna(False).sum()))
    glue("n_not_graded", int((agreement == "not graded").sum()))
    glue("n_final_not_computed", int((agreement == "final not computed").sum()))
    n_differ = int((agreement == "differs").sum())
    glue("n_differ", n_differ)
    glue(
        "differ_phrase", "none of ours contradicts ESMO's" if n_differ == 0 else f"{n_differ} of ours contradict ESMO's"
    )
    glue("agree_list", names("agrees"))
    glue("not_graded_list", names("not graded"))
    glue("final_not_computed_list", names("final not computed"))
    on_long_sheet = table["sheet"] == ">24 months"
    glue("long_sheet_list", ", ".join(table.loc[on_long_sheet, "trial"]))
    glue("n_rules", len(benefit.esmo_mcbs_thresholds()))
    glue("n_adjustments", len(benefit.ESMO_MCBS_ADJUSTMENTS) - 1)
    glue("n_not_found", len(benefit.ESMO_MCBS_NOT_FOUND))
