"""Applying the book's methods to rows of the evidence tables.

The therapy chapters all do the same things with ``data/``: pick estimates, draw them in a
forest plot, pool them where that is defensible, grade them with ESMO-MCBS, compute E-values
for non-randomised comparisons, and draw the curves a summary implies. Those steps live here
once, so that no chapter re-implements them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers import benefit, effects, meta, observational, simulate
from helpers.data import Evidence

__all__ = [
    "select_effects",
    "forest_frame",
    "pool_effects",
    "esmo_grades",
    "evalue_table",
    "implied_trial",
    "certainty_table",
    "risk_of_bias_matrix",
]


def select_effects(evidence: Evidence, chapter: str | None = None, study_ids: Sequence[str] | None = None,
                   endpoints: Sequence[str] | None = None, populations: Sequence[str] | None = None,
                   with_hr: bool = False) -> pd.DataFrame:
    """Estimates filtered by chapter, study, endpoint and population, with the study's name,
    design and phase joined on (columns ``study``, ``design``, ``phase``).

    ``with_hr=True`` keeps only rows with a hazard ratio and both confidence limits.
    """
    rows = evidence.effects
    studies = evidence.studies
    if chapter is not None:
        rows = rows[rows["study_id"].map(studies["chapter"]) == chapter]
    if study_ids is not None:
        unknown = sorted(set(study_ids) - set(studies.index))
        if unknown:
            raise KeyError(f"unknown study_id(s) {unknown}")
        rows = rows[rows["study_id"].isin(study_ids)]
    if endpoints is not None:
        rows = rows[rows["endpoint"].isin(endpoints)]
    if populations is not None:
        rows = rows[rows["population"].isin(populations)]
    if with_hr:
        rows = rows[rows[["hr", "hr_ci_lower", "hr_ci_upper"]].notna().all(axis=1)]
    rows = rows.copy()
    rows["study"] = rows["study_id"].map(studies["name"])
    rows["design"] = rows["study_id"].map(studies["design"])
    rows["phase"] = rows["study_id"].map(studies["phase"])
    return rows


def _label(row: pd.Series) -> str:
    detail = row["population_detail"] if pd.notna(row["population_detail"]) else row["population"]
    return f"{row['study']} ({row['analysis'].replace('_', ' ')}, {detail})"


def forest_frame(rows: pd.DataFrame, group_col: str | None = None) -> pd.DataFrame:
    """The frame :func:`helpers.plotting.forest_plot` draws: ``label``, ``hr``, ``hr_lower``,
    ``hr_upper`` (and ``group`` from ``group_col``), one line per estimate with a CI."""
    missing = rows[rows[["hr", "hr_ci_lower", "hr_ci_upper"]].isna().any(axis=1)]
    if len(missing):
        raise ValueError(f"forest plot needs a hazard ratio with both limits; missing for {list(missing.index)}")
    frame = pd.DataFrame({
        "label": [_label(r) for _, r in rows.iterrows()],
        "hr": rows["hr"].to_numpy(float),
        "hr_lower": rows["hr_ci_lower"].to_numpy(float),
        "hr_upper": rows["hr_ci_upper"].to_numpy(float),
    }, index=rows.index)
    if group_col is not None:
        frame.insert(0, "group", rows[group_col].to_numpy())
    return frame


def pool_effects(rows: pd.DataFrame, method: str = "REML", hartung_knapp: bool = False,
                 level: float = 0.95) -> meta.PooledEffect:
    r"""Pool reported hazard ratios: :math:`y_i = \ln \mathrm{HR}_i`, :math:`SE_i` from each
    reported CI (:func:`helpers.effects.se_from_ci`, at the row's own ``ci_level``), then
    :func:`helpers.meta.pool`. Labels are the studies' names.

    Raises
    ------
    ValueError
        If a row lacks its CI, or a study appears twice (pool one estimate per study).
    """
    frame = forest_frame(rows)
    if rows["study_id"].duplicated().any():
        twice = sorted(set(rows.loc[rows["study_id"].duplicated(), "study_id"]))
        raise ValueError(f"pool one estimate per study; repeated: {twice}")
    levels = rows["ci_level"].fillna(95).to_numpy(float) / 100
    se = [effects.se_from_ci(lo, hi, lv) for lo, hi, lv in zip(frame["hr_lower"], frame["hr_upper"], levels)]
    return meta.pool(np.log(frame["hr"].to_numpy()), se, method=method, hartung_knapp=hartung_knapp,
                     level=level, labels=list(rows["study"]))


def esmo_grades(rows: pd.DataFrame) -> pd.DataFrame:
    """Preliminary ESMO-MCBS v1.1 grades (form 2a for OS, 2b for PFS/TTP) for randomised
    estimates that report the lower CI limit and both medians in months.

    Rows the forms cannot grade with verified thresholds, or whose CI includes 1 (no
    significant benefit to grade), get ``grade`` "not graded" and the reason; non-randomised
    rows are skipped with the reason that the scale does not apply.
    """
    out = []
    for effect_id, row in rows.iterrows():
        base = {"effect_id": effect_id, "study": row["study"], "endpoint": row["endpoint"],
                "population": row["population"], "analysis": row["analysis"]}
        if row["design"] != "rct":
            out.append({**base, "grade": "not applicable",
                        "rule": "ESMO-MCBS grades comparative outcomes of randomised trials only"})
            continue
        needed = ["hr_ci_lower", "median_experimental", "median_control"]
        if row["endpoint"] not in ("OS", "PFS", "TTP") or row[needed].isna().any() or row["median_unit"] != "months":
            out.append({**base, "grade": "not graded",
                        "rule": "needs OS/PFS/TTP with the lower CI limit and both medians in months"})
            continue
        if pd.notna(row["hr_ci_upper"]) and row["hr_ci_upper"] >= 1:
            out.append({**base, "grade": "not graded",
                        "rule": "the CI of the HR includes 1: the scale grades statistically significant benefit only"})
            continue
        gain = benefit.median_gain(row["median_experimental"], row["median_control"])
        try:
            upper = None if pd.isna(row["hr_ci_upper"]) else float(row["hr_ci_upper"])
            grade = benefit.esmo_mcbs_form2a(row["endpoint"], row["hr_ci_lower"], row["median_control"], gain,
                                             hr_ci_upper=upper)
            out.append({**base, "grade": str(grade["preliminary_grade"]), "rule": grade["rule"]})
        except NotImplementedError as reason:
            out.append({**base, "grade": "not graded", "rule": str(reason)})
    return pd.DataFrame(out, columns=["effect_id", "study", "endpoint", "population", "analysis", "grade", "rule"])


def evalue_table(rows: pd.DataFrame, rare_outcome: bool = False) -> pd.DataFrame:
    """E-values (VanderWeele & Ding 2017) for every row with a hazard ratio.

    Where a row has no CI but a p-value, the CI is first recomputed from the p-value
    (:func:`helpers.effects.ci_from_p`); ``ci_source`` says which.
    """
    out = []
    for effect_id, row in rows.iterrows():
        if pd.isna(row["hr"]):
            continue
        lower, upper, source = row["hr_ci_lower"], row["hr_ci_upper"], "reported"
        if pd.isna(lower) and pd.notna(row["p_value"]) and row.get("p_operator", "=") == "=" and row["hr"] != 1:
            sided = int(row["p_sided"]) if pd.notna(row["p_sided"]) else 2
            lower, upper = effects.ci_from_p(row["hr"], row["p_value"], sided=sided)
            source = "recomputed from p"
        if pd.isna(lower):
            ev = observational.evalue_hr(row["hr"], rare_outcome=rare_outcome)
            source = "none"
        else:
            ev = observational.evalue_hr(row["hr"], lower, upper, rare_outcome=rare_outcome)
        out.append({"effect_id": effect_id, "study": row["study"], "hr": row["hr"],
                    "hr_lower": None if pd.isna(lower) else float(lower),
                    "hr_upper": None if pd.isna(upper) else float(upper), "ci_source": source,
                    "e_value": float(ev["e_value"]),
                    "e_value_ci": None if ev["e_value_ci"] is None else float(ev["e_value_ci"])})
    return pd.DataFrame(out, columns=["effect_id", "study", "hr", "hr_lower", "hr_upper", "ci_source",
                                      "e_value", "e_value_ci"])


def implied_trial(row: pd.Series, seed: int, accrual: float = 24.0, follow_up: float = 24.0,
                  default_n: int = 200, shape: float = 1.0) -> pd.DataFrame:
    """Pseudo-patients implied by one estimate's medians and arm sizes (an ILLUSTRATION).

    Uses :func:`helpers.simulate.simulate_trial` with the arm names of the row; arm sizes
    default to ``default_n`` when the row does not report them (``attrs['assumptions']['arm_sizes']``).
    Medians must be in months.
    """
    if row["median_unit"] != "months" or pd.isna(row["median_experimental"]) or pd.isna(row["median_control"]):
        raise ValueError(f"{row.name}: implied curves need both medians in months")
    n_e = int(row["n_experimental"]) if pd.notna(row["n_experimental"]) else default_n
    n_c = int(row["n_control"]) if pd.notna(row["n_control"]) else default_n
    arms = {str(row["arm_experimental"]): {"n": n_e, "median": float(row["median_experimental"])},
            str(row["arm_control"]): {"n": n_c, "median": float(row["median_control"])}}
    trial = simulate.simulate_trial(arms, accrual=accrual, follow_up=follow_up, seed=seed, shape=shape)
    if pd.isna(row["n_experimental"]) or pd.isna(row["n_control"]):
        assumptions = dict(trial.attrs.get("assumptions", {}))
        assumptions["arm_sizes"] = f"not reported; {default_n} per arm assumed"
        trial.attrs["assumptions"] = assumptions
    return trial


_GRADE_ORDER = {"high": 4, "moderate": 3, "low": 2, "very_low": 1}


def certainty_table(evidence: Evidence, chapter: str) -> pd.DataFrame:
    """The chapter's GRADE-style certainty rows, ordered from highest to lowest certainty."""
    rows = evidence.certainty[evidence.certainty["chapter"] == chapter].copy()
    rows["_order"] = rows["certainty"].map(_GRADE_ORDER)
    rows = rows.sort_values(["_order", "comparison_id"], ascending=[False, True]).drop(columns="_order")
    return rows[["comparison", "endpoint", "population", "starting_level", "risk_of_bias", "inconsistency",
                 "indirectness", "imprecision", "publication_bias", "upgrade", "certainty", "reasons"]]


def risk_of_bias_matrix(evidence: Evidence, study_ids: Sequence[str]) -> pd.DataFrame:
    """Judgements as a study × domain matrix (study-level rows; result-specific rows are
    labelled ``study [effect_id]``), for :func:`helpers.plotting.traffic_light`."""
    rob = evidence.risk_of_bias[evidence.risk_of_bias["study_id"].isin(study_ids)]
    if rob.empty:
        raise ValueError(f"no risk-of-bias judgements for {list(study_ids)}")
    names = evidence.studies["name"]
    label = [names[s] if pd.isna(e) else f"{names[s]} [{e}]" for s, e in zip(rob["study_id"], rob["effect_id"])]
    frame = rob.assign(row=label)
    domains = list(dict.fromkeys(frame["domain"]))
    if "overall" in domains:
        domains = [d for d in domains if d != "overall"] + ["overall"]
    matrix = frame.pivot_table(index=["row", "tool"], columns="domain", values="judgement", aggfunc="first")
    return matrix.reindex(columns=domains)
