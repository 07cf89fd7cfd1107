"""Summary-of-findings rows in the GRADE style, computed from the data.

One row per certainty judgement (``data/appraisal/certainty_*.csv``): the relative effect
(hazard ratio with its confidence interval, pooled when several randomised trials contribute),
the assumed control risk and the corresponding absolute effect at a stated time, the number of
participants and studies, the certainty, and an informative statement in plain words.

Absolute effect from a hazard ratio
-----------------------------------
Under proportional hazards, :math:`h_E(t) = \\mathrm{HR}\\,h_C(t)`, so the cumulative hazards
satisfy :math:`H_E = \\mathrm{HR}\\,H_C` and, since :math:`S = e^{-H}`,

.. math:: S_E(t) = S_C(t)^{\\mathrm{HR}}

(:func:`helpers.benefit.landmark_survival_gain`; Cochrane Handbook for Systematic Reviews of
Interventions, chapter 14 "Completing 'Summary of findings' tables", section on time-to-event
outcomes: risks derived from the control risk and the hazard ratio). The events per 1,000
patients by time *t* are :math:`1000\\,(1 - S_C(t))` without and :math:`1000\\,(1 - S_C(t)^{HR})`
with the treatment; the limits of the HR give the limits of the absolute effect.

The control risk is *assumed*, as in every summary-of-findings table. By default it is read at
the control arm's median, where by definition :math:`S_C = 1/2`, so no shape of the survival
curve is assumed beyond proportional hazards. At any other time *t*, :func:`control_survival`
assumes exponential survival through the median, :math:`S_C(t) = 2^{-t/m}`.

When several trials contribute, the hazard ratio is pooled by :func:`helpers.synthesis.pool_effects`
(REML by default, as in the chapters), and the assumed control risk is read at the median of the
trials' control medians (GRADE's "median control group risk across studies"). Non-randomised
estimates are never pooled here: their relative effect is left to the chapter.

Informative statements follow Santesso N, Glenton C, Dahm P, et al. GRADE guidelines 26:
informative statements to communicate the findings of systematic reviews of interventions.
J Clin Epidemiol 2020;119:126-35 (doi:10.1016/j.jclinepi.2019.10.014): high certainty
"improves", moderate "probably improves", low "may improve", very low "the evidence is very
uncertain". The direction used here is statistical (whether the interval excludes no effect),
not a threshold of importance, which the data do not state.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers import _check, benefit, synthesis
from helpers.data import Evidence

__all__ = [
    "PER",
    "control_survival",
    "absolute_effect",
    "informative_statement",
    "chosen_estimates",
    "summary_of_findings",
]

#: Absolute effects are events per this many patients.
PER = 1000
#: Data cuts of the planned sequence, earliest first; other analyses (exploratory, post hoc) are
#: used only when no planned cut contributes.
PLANNED_CUTS = ("interim", "primary", "updated", "final")
#: The statement of a prognostic row (groups of patients, not treatments, compared).
PROGNOSTIC_STATEMENT = "This result compares groups of patients who received the same treatment, not treatments."
_OUTCOME = {"OS": "overall survival", "PFS": "progression-free survival", "TTP": "time to progression"}
_EVENT = {"OS": "died", "PFS": "progressed or died", "TTP": "progressed"}
_VERB = {
    "high": ("improves", "worsens", "makes little or no difference to"),
    "moderate": ("probably improves", "probably worsens", "probably makes little or no difference to"),
    "low": ("may improve", "may worsen", "may make little or no difference to"),
}


def control_survival(median_control: float, time: float | None = None) -> float:
    r"""Assumed control-arm survival at ``time`` from the control median *m*.

    At the median (``time`` ``None`` or equal to *m*) :math:`S_C = 1/2` by definition. At
    another time, exponential survival through the median: :math:`S_C(t) = 2^{-t/m}`
    (constant hazard :math:`\ln 2 / m`), an assumption real curves need not follow.
    """
    median = _check.positive(median_control, "median_control")
    if time is None:
        return 0.5
    time = _check.positive(time, "time")
    return 2.0 ** (-time / median)


def absolute_effect(hr: float, hr_lower: float, hr_upper: float, survival_control: float) -> pd.Series:
    r"""Events per :data:`PER` patients with and without treatment, and the difference.

    :math:`S_E = S_C^{\mathrm{HR}}` at each of the HR and its two limits
    (:func:`helpers.benefit.landmark_survival_gain`, proportional hazards).

    Returns
    -------
    pandas.Series
        ``control_events``, ``treated_events``, ``treated_events_lower``,
        ``treated_events_upper`` (from the lower and upper HR limits), ``fewer_events`` (control
        minus treated; negative means more events), ``fewer_events_lower`` and
        ``fewer_events_upper`` (from the upper and lower HR limits, so lower ≤ upper); all per
        :data:`PER`, unrounded.
    """
    hr = _check.positive(hr, "hr")
    lower = _check.positive(hr_lower, "hr_lower")
    upper = _check.positive(hr_upper, "hr_upper")
    if not lower <= hr <= upper:
        raise ValueError(f"hr {hr} must lie within its interval [{lower}, {upper}]")
    at = {k: benefit.landmark_survival_gain(v, survival_control) for k, v in (("hr", hr), ("lo", lower), ("hi", upper))}
    control = PER * (1 - at["hr"]["survival_control"])
    treated = {k: PER * (1 - s["survival_experimental"]) for k, s in at.items()}
    return pd.Series(
        {
            "control_events": control,
            "treated_events": treated["hr"],
            "treated_events_lower": treated["lo"],
            "treated_events_upper": treated["hi"],
            "fewer_events": control - treated["hr"],
            "fewer_events_lower": control - treated["hi"],
            "fewer_events_upper": control - treated["lo"],
        },
        name="absolute_effect",
    )


def informative_statement(
    certainty: str, hr_lower: float | None, hr_upper: float | None, intervention: str, endpoint: str
) -> str:
    """A GRADE informative statement (Santesso et al. 2020) for a hazard ratio's interval.

    ``certainty`` is one of ``high``, ``moderate``, ``low``, ``very_low``. The direction is
    "improves" when the whole interval lies below 1, "worsens" above 1, "little or no
    difference" when it contains 1; without an interval only very low certainty can be worded.
    """
    outcome = _OUTCOME.get(endpoint, endpoint)
    if certainty == "very_low":
        return f"The evidence is very uncertain about the effect of {intervention} on {outcome}."
    if certainty not in _VERB:
        raise ValueError(f"certainty must be one of ['high', 'moderate', 'low', 'very_low'], got {certainty!r}")
    if hr_lower is None or hr_upper is None or pd.isna(hr_lower) or pd.isna(hr_upper):
        return f"No hazard ratio with an interval is available for {intervention} on {outcome}."
    better, worse, none = _VERB[certainty]
    verb = better if hr_upper < 1 else worse if hr_lower > 1 else none
    return f"{intervention[:1].upper()}{intervention[1:]} {verb} {outcome}."


def _most_mature(rows: pd.DataFrame) -> pd.Series:
    planned = rows[rows["analysis"].isin(PLANNED_CUTS)]
    if len(planned):
        rank = planned["analysis"].map(PLANNED_CUTS.index)
        return planned.loc[rank[rank == rank.max()].index[0]]
    return rows.iloc[0]


def chosen_estimates(evidence: Evidence, effect_ids: list[str]) -> pd.DataFrame:
    """One estimate per study among ``effect_ids``: the most mature planned data cut (interim,
    primary, updated, final; the first listed on a tie), an exploratory or post hoc analysis only
    when the study has no planned cut; estimates with a hazard ratio and interval preferred.

    Returns the rows of ``evidence.effects`` with ``design`` and ``n_total`` of the study joined on.
    """
    unknown = [e for e in effect_ids if e not in evidence.effects.index]
    if unknown:
        raise KeyError(f"unknown effect_id(s) {unknown} (data/effects.csv, column effect_id)")
    rows = evidence.effects.loc[effect_ids]
    picked = []
    for _, group in rows.groupby("study_id", sort=False):
        with_ci = group[group[["hr", "hr_ci_lower", "hr_ci_upper"]].notna().all(axis=1)]
        picked.append(_most_mature(with_ci if len(with_ci) else group))
    frame = pd.DataFrame(picked)
    frame["design"] = frame["study_id"].map(evidence.studies["design"])
    frame["n_total"] = frame["study_id"].map(evidence.studies["n_total"])
    frame["study"] = frame["study_id"].map(evidence.studies["name"])
    return frame


def _participants(rows: pd.DataFrame) -> float:
    total = 0.0
    for _, row in rows.iterrows():
        if pd.notna(row["n_experimental"]) and pd.notna(row["n_control"]):
            total += row["n_experimental"] + row["n_control"]
        elif row["population"] == "ITT" and pd.notna(row["n_total"]):
            total += row["n_total"]
        else:
            return math.nan
    return total


def _intervention(comparison: str) -> tuple[str, str]:
    """(intervention, control) from a certainty row's question ``"A vs B, endpoint, ..."``."""
    question = comparison.split(", ")[0]
    if " vs " not in question:
        return question, ""
    intervention, control = question.split(" vs ", 1)
    return intervention, control


def summary_of_findings(evidence: Evidence, chapter: str, method: str = "REML") -> pd.DataFrame:
    """The summary-of-findings rows of one chapter, one per certainty row, in the data's order.

    Columns: ``comparison_id``, ``comparison``, ``intervention``, ``control``, ``endpoint``,
    ``population``, ``certainty``, ``reasons``, ``n_studies``, ``participants`` (``nan`` when a
    contributing estimate does not give its numbers), ``effect_ids`` (the estimates used, one
    per study), ``estimate_populations`` (the populations those estimates were measured in: a
    question about patients with liver metastases answered with all-patient estimates is
    indirect, and says so), ``hr``, ``hr_lower``, ``hr_upper`` (pooled by ``method`` when several randomised
    trials contribute; ``nan`` when not estimable), ``pooled``, ``median_control`` and
    ``median_unit`` (the assumed control median: the trial's, or the median of the medians the
    trials report, when they share a unit),
    ``survival_control`` (at that median: one half), the events per 1,000 of
    :func:`absolute_effect` (``nan`` without a control median or an interval), and ``statement``
    (:func:`informative_statement`; :data:`PROGNOSTIC_STATEMENT` for a prognostic row).
    """
    rows = evidence.certainty[evidence.certainty["chapter"] == chapter]
    if rows.empty:
        chapters = sorted(set(evidence.certainty["chapter"]))
        raise ValueError(f"chapter must be one of {chapters} (column chapter of data/appraisal/certainty_*.csv)")
    out = []
    for comparison_id, row in rows.iterrows():
        chosen = chosen_estimates(evidence, str(row["effect_ids"]).split(";"))
        with_ci = chosen[["hr", "hr_ci_lower", "hr_ci_upper"]].notna().all(axis=1)
        hr = lower = upper = math.nan
        pooled = False
        if len(chosen) == 1 and with_ci.all():
            hr, lower, upper = chosen.iloc[0][["hr", "hr_ci_lower", "hr_ci_upper"]].astype(float)
        elif len(chosen) > 1 and with_ci.all() and (chosen["design"] == "rct").all():
            result = synthesis.pool_effects(chosen, method=method)
            hr, lower, upper, pooled = result.hr, result.hr_lower, result.hr_upper, True
        units = set(chosen["median_unit"].dropna())
        medians = chosen["median_control"].dropna()
        median = float(np.median(medians)) if len(medians) and len(units) == 1 else math.nan
        intervention, control = _intervention(str(row["comparison"]))
        entry = {
            "comparison_id": comparison_id,
            "comparison": row["comparison"],
            "intervention": intervention,
            "control": control,
            "endpoint": row["endpoint"],
            "population": row["population"],
            "certainty": row["certainty"],
            "reasons": row["reasons"],
            "n_studies": len(chosen),
            "participants": _participants(chosen),
            "effect_ids": list(chosen.index),
            "estimate_populations": sorted(set(chosen["population"])),
            "hr": hr,
            "hr_lower": lower,
            "hr_upper": upper,
            "pooled": pooled,
            "median_control": median,
            "median_unit": next(iter(units)) if not math.isnan(median) else None,
            "survival_control": math.nan,
        }
        absolute = {k: math.nan for k in absolute_effect(1, 1, 1, 0.5).index}
        if not math.isnan(median) and not math.isnan(lower):
            entry["survival_control"] = control_survival(median)
            absolute = absolute_effect(hr, lower, upper, entry["survival_control"]).to_dict()
        entry.update(absolute)
        if row["population"] == "prognostic":
            entry["statement"] = PROGNOSTIC_STATEMENT
        else:
            entry["statement"] = informative_statement(
                row["certainty"],
                None if math.isnan(lower) else lower,
                None if math.isnan(upper) else upper,
                intervention,
                row["endpoint"],
            )
        out.append(entry)
    return pd.DataFrame(out)
