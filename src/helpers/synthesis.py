"""Applying the book's methods to rows of the evidence tables.

The therapy chapters all do the same things with ``data/``: pick estimates, draw them in a
forest plot, pool them where that is defensible, grade them with ESMO-MCBS, compute E-values
for non-randomised comparisons, and draw the curves a summary implies. Those steps live here
once, so that no chapter re-implements them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from helpers import benefit, effects, meta, observational, simulate, survival
from helpers.data import Evidence

__all__ = [
    "select_effects",
    "forest_frame",
    "subgroup_interaction",
    "pool_effects",
    "esmo_grades",
    "evalue_table",
    "with_recomputed_ci",
    "landmark_check",
    "fixed_sequence",
    "implied_trial",
    "implied_curves",
    "certainty_table",
    "risk_of_bias_matrix",
]


def select_effects(
    evidence: Evidence,
    chapter: str | None = None,
    study_ids: Sequence[str] | None = None,
    endpoints: Sequence[str] | None = None,
    populations: Sequence[str] | None = None,
    with_hr: bool = False,
) -> pd.DataFrame:
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


def forest_frame(
    rows: pd.DataFrame, group_col: str | None = None, label_col: str | None = None, group: str | None = None
) -> pd.DataFrame:
    """The frame :func:`helpers.plotting.forest_plot` draws: ``label``, ``hr``, ``hr_lower``,
    ``hr_upper`` (and ``group``), one line per estimate with a CI.

    ``group`` comes from the column ``group_col`` or is the one value ``group``; ``label`` from
    the column ``label_col`` (default: "study (analysis, population)")."""
    missing = rows[rows[["hr", "hr_ci_lower", "hr_ci_upper"]].isna().any(axis=1)]
    if len(missing):
        raise ValueError(f"forest plot needs a hazard ratio with both limits; missing for {list(missing.index)}")
    frame = pd.DataFrame(
        {
            "label": list(rows[label_col]) if label_col is not None else [_label(r) for _, r in rows.iterrows()],
            "hr": rows["hr"].to_numpy(float),
            "hr_lower": rows["hr_ci_lower"].to_numpy(float),
            "hr_upper": rows["hr_ci_upper"].to_numpy(float),
        },
        index=rows.index,
    )
    if group_col is not None and group is not None:
        raise ValueError("give group_col or group, not both")
    if group_col is not None:
        frame.insert(0, "group", rows[group_col].to_numpy())
    elif group is not None:
        frame.insert(0, "group", group)
    return frame


def subgroup_interaction(rows: pd.DataFrame, a: str, b: str) -> pd.Series:
    """The test of interaction (:func:`helpers.effects.interaction_test`) between two estimates
    of ``rows`` (effect ids ``a`` and ``b``): ratio of hazard ratios ``a / b`` with its CI, z and p.
    Valid only for independent (disjoint) subgroups."""
    missing = [e for e in (a, b) if e not in rows.index]
    if missing:
        raise KeyError(f"no estimate(s) {missing} in the rows given")
    ra, rb = rows.loc[a], rows.loc[b]
    return effects.interaction_test(
        ra["hr"], ra["hr_ci_lower"], ra["hr_ci_upper"], rb["hr"], rb["hr_ci_lower"], rb["hr_ci_upper"]
    )


def pool_effects(
    rows: pd.DataFrame, method: str = "REML", hartung_knapp: bool = False, level: float = 0.95
) -> meta.PooledEffect:
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
    return meta.pool(
        np.log(frame["hr"].to_numpy()),
        se,
        method=method,
        hartung_knapp=hartung_knapp,
        level=level,
        labels=list(rows["study"]),
    )


def esmo_grades(rows: pd.DataFrame) -> pd.DataFrame:
    """Preliminary ESMO-MCBS v1.1 grades (form 2a for OS, 2b for PFS/TTP) for randomised
    estimates that report the lower CI limit and both medians in months.

    Rows the forms cannot grade with verified thresholds, or whose CI includes 1 (no
    significant benefit to grade), get ``grade`` "not graded" and the reason; non-randomised
    rows are skipped with the reason that the scale does not apply.
    """
    out = []
    for effect_id, row in rows.iterrows():
        base = {
            "effect_id": effect_id,
            "study": row["study"],
            "endpoint": row["endpoint"],
            "population": row["population"],
            "analysis": row["analysis"],
        }
        if row["design"] != "rct":
            out.append(
                {
                    **base,
                    "grade": "not applicable",
                    "rule": "ESMO-MCBS grades comparative outcomes of randomised trials only",
                }
            )
            continue
        needed = ["hr_ci_lower", "median_experimental", "median_control"]
        if row["endpoint"] not in ("OS", "PFS", "TTP") or row[needed].isna().any() or row["median_unit"] != "months":
            out.append(
                {
                    **base,
                    "grade": "not graded",
                    "rule": "needs OS/PFS/TTP with the lower CI limit and both medians in months",
                }
            )
            continue
        if pd.notna(row["hr_ci_upper"]) and row["hr_ci_upper"] >= 1:
            out.append(
                {
                    **base,
                    "grade": "not graded",
                    "rule": "the CI of the HR includes 1: the scale grades statistically significant benefit only",
                }
            )
            continue
        gain = benefit.median_gain(row["median_experimental"], row["median_control"])
        try:
            upper = None if pd.isna(row["hr_ci_upper"]) else float(row["hr_ci_upper"])
            grade = benefit.esmo_mcbs_form2a(
                row["endpoint"], row["hr_ci_lower"], row["median_control"], gain, hr_ci_upper=upper
            )
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
        out.append(
            {
                "effect_id": effect_id,
                "study": row["study"],
                "hr": row["hr"],
                "hr_lower": None if pd.isna(lower) else float(lower),
                "hr_upper": None if pd.isna(upper) else float(upper),
                "ci_source": source,
                "e_value": float(ev["e_value"]),
                "e_value_ci": None if ev["e_value_ci"] is None else float(ev["e_value_ci"]),
            }
        )
    return pd.DataFrame(
        out, columns=["effect_id", "study", "hr", "hr_lower", "hr_upper", "ci_source", "e_value", "e_value_ci"]
    )


def with_recomputed_ci(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the confidence interval of every hazard ratio that has none recomputed from its
    p-value where possible (as :func:`evalue_table` does, with :func:`helpers.effects.ci_from_p`),
    and a column ``ci_source``: ``"reported"``, ``"recomputed from p"`` or ``"none"`` (no hazard
    ratio, or nothing to recompute from)."""
    out = rows.copy()
    out["ci_source"] = "none"
    found = evalue_table(rows).set_index("effect_id")
    out.loc[found.index, "ci_source"] = found["ci_source"]
    recomputed = found.index[found["ci_source"] == "recomputed from p"]
    out.loc[recomputed, "hr_ci_lower"] = found.loc[recomputed, "hr_lower"].astype(float)
    out.loc[recomputed, "hr_ci_upper"] = found.loc[recomputed, "hr_upper"].astype(float)
    return out


def landmark_check(rows: pd.DataFrame) -> pd.DataFrame:
    """Reported landmark survival (``OS_rate`` rows) against what the hazard ratio of the same
    study and data cut implies under proportional hazards (:func:`helpers.benefit.landmark_survival_gain`:
    :math:`S_E = S_C^{HR}`, from the reported control value).

    Returns
    -------
    pandas.DataFrame
        One row per landmark estimate: ``effect_id``, ``hr_effect_id`` (the OS estimate used),
        ``experimental`` (reported, %), ``implied`` and ``implied_lower``, ``implied_upper`` (from
        the HR's confidence limits, %), ``gap`` (reported minus implied, percentage points).
    """
    out = []
    for rate_id, rate in rows[rows["endpoint"] == "OS_rate"].iterrows():
        candidates = rows[
            (rows["study_id"] == rate["study_id"])
            & (rows["endpoint"] == "OS")
            & (rows["analysis"] == rate["analysis"])
            & rows["hr"].notna()
            & (rows["population"] != "prognostic")
        ]
        if candidates.empty:
            raise ValueError(f"{rate_id}: no OS hazard ratio of the same study and data cut in the rows given")
        hr_row = candidates.iloc[0]
        control = rate["percent_control"] / 100
        implied, low, high = (
            100 * benefit.landmark_survival_gain(h, control)["survival_experimental"]
            for h in (hr_row["hr"], hr_row["hr_ci_upper"], hr_row["hr_ci_lower"])
        )
        out.append(
            {
                "effect_id": rate_id,
                "hr_effect_id": hr_row.name,
                "experimental": rate["percent_experimental"],
                "implied": implied,
                "implied_lower": low,
                "implied_upper": high,
                "gap": rate["percent_experimental"] - implied,
            }
        )
    return pd.DataFrame(
        out, columns=["effect_id", "hr_effect_id", "experimental", "implied", "implied_lower", "implied_upper", "gap"]
    )


def fixed_sequence(rows: pd.DataFrame, order: Sequence[str], proxy_level: float = 0.95) -> pd.DataFrame:
    """Walk a fixed-sequence (hierarchical) testing plan through estimates of ``rows``: each step
    is formally tested only if every earlier step was significant; once a step fails, the later
    ones are descriptive, whatever their p-value.

    A step counts as significant when its confidence interval lies below 1, or, without an
    interval, when its p-value is below ``1 - proxy_level`` (a proxy for the trial's own
    alpha split, which the data do not hold).

    Returns
    -------
    pandas.DataFrame
        ``step`` (from 1), ``effect_id``, ``significant``, ``formally_tested`` and ``basis``
        (``"interval"`` or ``"p-value"``).
    """
    if not 0 < proxy_level < 1:
        raise ValueError(f"proxy_level must lie between 0 and 1, got {proxy_level!r}")
    missing = [e for e in order if e not in rows.index]
    if missing:
        raise KeyError(f"no estimate(s) {missing} in the rows given")
    out, open_gate = [], True
    for step, effect_id in enumerate(order, start=1):
        row = rows.loc[effect_id]
        if pd.notna(row["hr_ci_upper"]):
            significant, basis = bool(row["hr_ci_upper"] < 1), "interval"
        elif pd.notna(row["p_value"]):
            significant, basis = bool(row["p_value"] < 1 - proxy_level), "p-value"
        else:
            raise ValueError(f"{effect_id}: a step needs an interval or a p-value")
        out.append(
            {
                "step": step,
                "effect_id": effect_id,
                "significant": significant,
                "formally_tested": open_gate,
                "basis": basis,
            }
        )
        open_gate = open_gate and significant
    return pd.DataFrame(out, columns=["step", "effect_id", "significant", "formally_tested", "basis"])


def implied_trial(
    row: pd.Series, seed: int, accrual: float = 24.0, follow_up: float = 24.0, default_n: int = 200, shape: float = 1.0
) -> pd.DataFrame:
    """Pseudo-patients implied by one estimate's medians and arm sizes (an ILLUSTRATION).

    Uses :func:`helpers.simulate.simulate_trial` with the arm names of the row; arm sizes
    default to ``default_n`` when the row does not report them (``attrs['assumptions']['arm_sizes']``).
    Medians must be in months.
    """
    if row["median_unit"] != "months" or pd.isna(row["median_experimental"]) or pd.isna(row["median_control"]):
        raise ValueError(f"{row.name}: implied curves need both medians in months")
    n_e = int(row["n_experimental"]) if pd.notna(row["n_experimental"]) else default_n
    n_c = int(row["n_control"]) if pd.notna(row["n_control"]) else default_n
    arms = {
        str(row["arm_experimental"]): {"n": n_e, "median": float(row["median_experimental"])},
        str(row["arm_control"]): {"n": n_c, "median": float(row["median_control"])},
    }
    trial = simulate.simulate_trial(arms, accrual=accrual, follow_up=follow_up, seed=seed, shape=shape)
    if pd.isna(row["n_experimental"]) or pd.isna(row["n_control"]):
        assumptions = dict(trial.attrs.get("assumptions", {}))
        assumptions["arm_sizes"] = f"not reported; {default_n} per arm assumed"
        trial.attrs["assumptions"] = assumptions
    return trial


def implied_curves(
    row: pd.Series,
    seed: int,
    accrual: float = 24.0,
    follow_up: float = 24.0,
    default_n: int = 200,
    level: float = 0.95,
    arm_label: Callable[[str], str] | None = None,
) -> tuple[dict, dict]:
    """Kaplan–Meier curves of the pseudo-patients one estimate implies (an ILLUSTRATION):
    :func:`implied_trial`, then :func:`helpers.survival.fit_kaplan_meier` at confidence ``level``,
    experimental arm first. ``arm_label(arm)`` names the curves (default: the arms as in the data).

    Returns
    -------
    tuple
        ``({arm label: fitted curve}, assumptions)``; the assumptions are those of the simulation
        (``attrs['assumptions']`` of :func:`implied_trial`).
    """
    trial = implied_trial(row, seed=seed, accrual=accrual, follow_up=follow_up, default_n=default_n)
    label = arm_label or str
    trial["arm"] = trial["arm"].map(label)
    order = [label(str(row["arm_experimental"])), label(str(row["arm_control"]))]
    curves = survival.fit_kaplan_meier(trial, "time", "event", "arm", order=order, alpha=1 - level)
    return curves, dict(trial.attrs["assumptions"])


_GRADE_ORDER = {"high": 4, "moderate": 3, "low": 2, "very_low": 1}


def certainty_table(evidence: Evidence, chapter: str) -> pd.DataFrame:
    """The chapter's GRADE-style certainty rows, ordered from highest to lowest certainty."""
    rows = evidence.certainty[evidence.certainty["chapter"] == chapter].copy()
    rows["_order"] = rows["certainty"].map(_GRADE_ORDER)
    rows = rows.sort_values(["_order", "comparison_id"], ascending=[False, True]).drop(columns="_order")
    return rows[
        [
            "comparison",
            "endpoint",
            "population",
            "starting_level",
            "risk_of_bias",
            "inconsistency",
            "indirectness",
            "imprecision",
            "publication_bias",
            "upgrade",
            "certainty",
            "reasons",
        ]
    ]


def risk_of_bias_matrix(
    evidence: Evidence, study_ids: Sequence[str], label: Callable[[str, str | None], str] | None = None
) -> pd.DataFrame:
    """Judgements as a study × domain matrix, for :func:`helpers.plotting.traffic_light`.

    Rows are ordered by study name and, within a study, study-level judgements before
    result-specific ones (``effect_id``). ``label(study_id, effect_id)`` names each row
    (``effect_id`` is ``None`` for a study-level row); by default the study's name, and
    ``name [effect_id]`` for a result. The chapter chooses the label; the order does not depend
    on it.
    """
    rob = evidence.risk_of_bias[evidence.risk_of_bias["study_id"].isin(study_ids)]
    if rob.empty:
        raise ValueError(f"no risk-of-bias judgements for {list(study_ids)}")
    names = evidence.studies["name"]
    keys = list(zip(rob["study_id"], rob["effect_id"].astype(object).where(rob["effect_id"].notna(), None)))
    order = [names[s] if e is None else f"{names[s]} [{e}]" for s, e in keys]
    frame = rob.assign(row=order)
    domains = list(dict.fromkeys(frame["domain"]))
    if "overall" in domains:
        domains = [d for d in domains if d != "overall"] + ["overall"]
    matrix = frame.pivot_table(index=["row", "tool"], columns="domain", values="judgement", aggfunc="first")
    matrix = matrix.reindex(columns=domains)
    if label is not None:
        chosen = {o: label(s, e) for o, (s, e) in zip(order, keys)}
        matrix.index = pd.MultiIndex.from_tuples(
            [(chosen[r], tool) for r, tool in matrix.index], names=matrix.index.names
        )
    return matrix
