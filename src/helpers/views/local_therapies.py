"""The tables and glued values of the chapter on local therapies for liver metastases.

Each function takes the loaded chapter (``ch = chapter.load("local_therapies")``) and the
chapter's parameters, returns a tidy frame (or a small result object) and, where the prose needs
them, glues values under the fixed names listed in its docstring (:func:`helpers.chapter.glue`).
The estimates the chapter discusses by name are the constants below; a function that needs
others takes them as arguments.

Every estimate is classified (:func:`kinds`) as a *randomised* comparison (its study is a
randomised trial), a non-randomised *comparison* of treatments, a *prognostic* comparison of groups
who all received the same treatment (``population == "prognostic"``), or a *single-arm* result
(no control arm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import benefit, chapter, effects, meta, observational, simulate, survival, synthesis, tables
from helpers.formatting import format_ci, format_estimate_ci, format_number, format_percent

#: Display order of the therapies (the classification itself is data:
#: ``data/appraisal/local_therapy_classes.csv``).
DISPLAY_ORDER = [
    "Hepatic resection",
    "Resection or ablation",
    "Thermal ablation",
    "Regional therapy (mixed)",
    "Chemoembolization (TACE)",
    "Radioembolization (TARE/SIRT)",
    "Hepatic arterial infusion",
    "SBRT",
    "Metastasis-directed therapy (SBRT or surgery)",
]
#: The Zou ablation strata (small lesions, its extrahepatic subset, larger or more lesions).
ZOU = {
    "small": "zou2025_os_psm_small_lesions_primary",
    "extra": "zou2025_os_psm_small_lesions_extrahepatic_primary",
    "large": "zou2025_os_psm_large_or_multiple_primary",
}
#: Studies whose group sizes the accounting table adds up (from ``data/studies.csv``), and the
#: meta-analysis estimate whose pooled arm sizes are in ``data/effects.csv``.
ACCOUNTED = ("zou2025", "sadot2016", "ruiz2018_ejc", "curie2013", "tasci2013")
POOLED_RESECTION = "ejso2024_ipd_ma_os_psm_pooled"
CURIE = "curie2013_os_case_matched_primary"
EICHBAUM = "eichbaum_bclm350_os_regional_vs_systemic"
RUIZ_MATCHED = "ruiz2018_ejc_os_matched_primary"
RUIZ_UNMATCHED = "ruiz2018_ejc_os_unmatched_primary"
SADOT = "sadot2016_os_isolated_bclm_primary"
LIU = "liu2022_ma"
#: The randomised trials of metastasis-directed therapy: two in breast cancer only, one of mixed
#: primary tumours; and the estimates the chapter discusses by name.
BREAST_TRIALS = ("nrg_br002", "extend_breast")
MIXED_TRIAL = "sabr_comet"
NRG_PFS = "nrg_br002_pfs_itt_primary"
NRG_MEDIANS = "nrg_br002_pfs_medians_itt_primary"
NRG_PFS_36 = "nrg_br002_pfs_rate_36m_itt_primary"
NRG_OS_36 = "nrg_br002_os_rate_36m_itt_primary"
EXTEND_PFS = "extend_breast_pfs_primary"
SABR_OS_5Y = "sabr_comet_os_rate_5y_itt_updated"
#: Order of data cuts, earliest first (the randomised forest rows take the latest with a hazard ratio).
CUT_ORDER = ["interim", "primary", "final", "updated"]
#: Short labels of the forest plot rows (by ``population_detail``) and its group titles.
FOREST_DETAIL = {
    "psm small lesions": "small lesions",
    "psm small lesions extrahepatic": "small, extrahepatic",
    "psm large or multiple lesions": "large or multiple",
    "psm studies pooled": "pooled PSM studies",
    "sensitivity hormone receptor status": "sens.: receptors",
    "sensitivity resection type": "sens.: resection type",
    "case matched": "matched",
}
FOREST_GROUPS = {
    "Thermal ablation": "Thermal ablation + systemic vs systemic alone",
    "Hepatic resection": "Hepatic resection vs no resection",
}
#: Marker of each kind of median in the dot plot.
MEDIAN_MARKERS = {
    "pooled across series": "D",
    "one series": "o",
    "treated arm of a comparison (control value missing)": "s",
    "comparison arm": "^",
}
#: How a time zero the data mark as unknown is written for readers.
TIME_ZERO_LABELS = {"not stated in the stored text": "not stated in the sources searched"}


def kinds(rows: pd.DataFrame) -> pd.Series:
    """``"randomised"`` (``design == "rct"``, when ``rows`` has a design column),
    ``"prognostic"`` (``population == "prognostic"``), ``"single-arm"`` (no control arm) or
    ``"comparison"`` (a non-randomised comparison of treatments), per estimate."""
    randomised = rows["design"].eq("rct") if "design" in rows else pd.Series(False, index=rows.index)
    kind = np.select(
        [randomised, rows["population"].eq("prognostic"), rows["arm_control"].isna()],
        ["randomised", "prognostic", "single-arm"],
        "comparison",
    )
    return pd.Series(kind, index=rows.index, name="kind")


def _rows(ch) -> pd.DataFrame:
    return ch.rows.assign(kind=kinds(ch.rows))


def _therapy_rank(therapy: pd.Series) -> pd.Series:
    return therapy.map(lambda t: DISPLAY_ORDER.index(t) if t in DISPLAY_ORDER else len(DISPLAY_ORDER))


def overview(ch) -> pd.DataFrame:
    """Glue the opening counts (:meth:`helpers.chapter.Chapter.glue_opening`, zero written
    "none"), every estimate as printed, and ``n_randomised_rows``, ``n_comparative_rows``,
    ``n_single_rows``, ``n_prognostic_rows``; return the studies per design."""
    ch.glue_opening(zero="none")
    ch.glue_estimates()
    kind = kinds(ch.rows)
    names = {
        "randomised": "randomised",
        "comparative": "comparison",
        "single": "single-arm",
        "prognostic": "prognostic",
    }
    for key, name in names.items():
        chapter.glue(f"n_{key}_rows", f"{(kind == name).sum()}")
    designs = ch.studies["design"].str.replace("_", " ").value_counts()
    return designs.rename_axis("design").reset_index(name="studies")


def evidence_table(ch) -> pd.DataFrame:
    """:func:`helpers.tables.evidence_table` of the chapter with the therapy and kind of each
    estimate, display names, in :data:`DISPLAY_ORDER`."""
    rows = _rows(ch)
    table = tables.evidence_table(ch.evidence, chapter=ch.name)
    table.insert(1, "local therapy", rows["therapy"].to_numpy())
    table.insert(2, "kind", rows["kind"].to_numpy())
    table["study"] = rows["short_name"].to_numpy()
    return table.sort_values("local therapy", key=lambda s: s.map(DISPLAY_ORDER.index), kind="stable")


def studies_without_estimates(ch) -> pd.DataFrame:
    """The chapter's studies without an estimate, with the reason (``notes``); glues
    ``no_row_studies`` (their names) and ``n_no_rows``."""
    no_rows = ch.studies[~ch.studies.index.isin(ch.rows["study_id"])]
    chapter.glue("no_row_studies", "; ".join(no_rows["name"]))
    chapter.glue("n_no_rows", f"{len(no_rows)}")
    return no_rows[["name", "design", "notes"]].rename(columns={"name": "study"})


def patient_accounting(ch, study_ids=ACCOUNTED, pooled: str | None = POOLED_RESECTION) -> pd.DataFrame:
    """Patients per group (``studies.csv`` group sizes, and the pooled arms of the estimate
    ``pooled``), their sum and the gap to the stated total.

    Glues, for the first study: ``zou_n_total``, ``zou_n_as`` (local-therapy group), ``zou_n_sys``
    (comparison group), ``zou_n_sum``, ``zou_n_gap`` (in neither group), ``zou_gap_percent``,
    ``zou_follow_up`` (median follow-up, months).
    """
    studies = ch.studies
    groups = [
        (s, studies.loc[s, "n_group_experimental"], studies.loc[s, "n_group_control"], "quote in studies.csv")
        for s in study_ids
    ]
    if pooled is not None:
        row = ch.rows.loc[pooled]
        groups.append((row["study_id"], row["n_experimental"], row["n_control"], "n cells in effects.csv"))
    table = pd.DataFrame(groups, columns=["study_id", "local therapy group", "comparison group", "read from"])
    table = table.set_index("study_id")
    if "ruiz2018_ejc" in table.index:
        table.loc["ruiz2018_ejc", "read from"] += " (before matching)"
    table.insert(0, "study", table.index.map(studies["short_name"]))
    table["n_total (studies.csv)"] = table.index.map(studies["n_total"]).astype("Int64")
    table["sum of groups"] = table["local therapy group"] + table["comparison group"]
    table["not in either group"] = table["n_total (studies.csv)"] - table["sum of groups"]
    first = table.iloc[0]
    chapter.glue("zou_n_total", f"{first['n_total (studies.csv)']:,}")
    chapter.glue("zou_n_as", f"{first['local therapy group']}")
    chapter.glue("zou_n_sys", f"{first['comparison group']}")
    chapter.glue("zou_n_sum", f"{first['sum of groups']}")
    chapter.glue("zou_n_gap", f"{first['not in either group']}")
    chapter.glue("zou_gap_percent", format_percent(first["not in either group"] / first["n_total (studies.csv)"], 1))
    chapter.glue("zou_follow_up", f"{studies.loc[table.index[0], 'follow_up_months']:g}")
    return table.reset_index(drop=True)


def glue_selection_examples(ch) -> None:
    """Glue what the prose on confounding by indication quotes: ``eichbaum_quote`` (the quote
    of :data:`EICHBAUM`, whose medians the data leave empty) and ``ruiz_matched_median`` (the
    resection median of :data:`RUIZ_MATCHED`)."""
    effects_table = ch.evidence.effects
    chapter.glue("eichbaum_quote", effects_table.loc[EICHBAUM, "quote"])
    chapter.glue("ruiz_matched_median", f"{effects_table.loc[RUIZ_MATCHED, 'median_experimental']:g}")


def prognostic_table(ch, rare_outcome: bool = False) -> pd.DataFrame:
    """The prognostic comparisons with their hazard ratio (reported, or implied by the medians
    under exponential survival, :func:`helpers.effects.hr_from_medians`) and its association with
    death on the risk-ratio scale oriented above one (:func:`helpers.observational.hr_to_rr`).

    Glues ``prog_rr_min`` and ``prog_rr_max``: the range of that association over the features
    known before treatment (groups not defined by response).
    """
    rows = _rows(ch)
    prognostic = rows[rows["kind"] == "prognostic"].copy()
    hr = "HR (reported or implied by medians)"
    rr = "association with death, risk-ratio scale"
    prognostic[hr] = [
        r["hr"] if pd.notna(r["hr"]) else effects.hr_from_medians(r["median_experimental"], r["median_control"])
        for _, r in prognostic.iterrows()
    ]
    prognostic["HR source"] = np.where(
        prognostic["hr"].notna(), "reported (multivariable Cox)", "implied by medians (exponential)"
    )
    prognostic[rr] = [
        1 / observational.hr_to_rr(h, rare_outcome) if h < 1 else observational.hr_to_rr(h, rare_outcome)
        for h in prognostic[hr]
    ]
    shown = prognostic[["short_name", "therapy", "arm_experimental", "arm_control", hr, "HR source", rr]].round(2)
    baseline = prognostic[~prognostic["arm_experimental"].str.contains("respond", case=False)]
    chapter.glue("prog_rr_min", format_number(baseline[rr].min(), 1))
    chapter.glue("prog_rr_max", format_number(baseline[rr].max(), 1))
    return shown.rename(columns={"short_name": "study", "arm_experimental": "group", "arm_control": "compared with"})


@dataclass(frozen=True)
class ImmortalTime:
    """One run of the immortal-time simulation (:func:`immortal_time`).

    Attributes
    ----------
    cohort
        The simulated patients (``time``, ``event``, ``group``, ``offered``, ``wait``).
    groups
        ``(ever treated, never treated)`` group labels.
    naive, landmark
        :func:`helpers.survival.cox_hazard_ratio` results counted from diagnosis (biased) and
        from a landmark at the end of the longest wait (time zero aligned).
    estimates
        Both hazard ratios with interval and p, one row each.
    """

    cohort: pd.DataFrame
    groups: tuple[str, str]
    naive: pd.Series
    landmark: pd.Series
    estimates: pd.DataFrame


def immortal_time(
    median: float, n: int, share_treated: float, wait: float, accrual: float, follow_up: float, seed: int
) -> ImmortalTime:
    """Simulate ``n`` patients with one exponential survival distribution (``median`` months):
    local therapy does nothing. A share ``share_treated`` is offered it after a uniform wait of at
    most ``wait`` months (:func:`helpers.simulate.assign_after_wait`, seed ``seed + 1``) and
    receives it only if alive; compare ever- with never-treated from diagnosis and from a
    landmark at ``wait`` (:func:`helpers.survival.landmark`)."""
    groups = ("local therapy (ever)", "no local therapy")
    cohort = simulate.simulate_trial(
        {"all patients": {"n": n, "median": median}}, accrual=accrual, follow_up=follow_up, seed=seed
    )
    cohort = simulate.assign_after_wait(
        cohort, max_wait=wait, share_offered=share_treated, seed=seed + 1, labels=groups
    )
    naive, _ = survival.cox_hazard_ratio(cohort, "time", "event", "group", groups[0])
    fixed, _ = survival.cox_hazard_ratio(survival.landmark(cohort, "time", wait), "time", "event", "group", groups[0])
    estimates = pd.DataFrame(
        [naive, fixed],
        index=["from diagnosis, ever-treated vs never (biased)", f"landmark at {wait:g} months (time zero aligned)"],
    )
    return ImmortalTime(cohort, groups, naive, fixed, estimates[["hr", "hr_lower", "hr_upper", "p"]].round(3))


def immortal_time_in_chapter(
    ch, n: int, share_treated: float, wait: float, accrual: float, seed: int, effect_id: str = ZOU["small"]
) -> ImmortalTime:
    """:func:`immortal_time` with the control median of ``effect_id`` and its study's median
    follow-up; glues ``sim_median``, ``sim_naive``, ``sim_naive_p``, ``sim_landmark``,
    ``sim_wait`` and ``sim_lost`` (offered patients who died before their therapy)."""
    row = ch.rows.loc[effect_id]
    median = float(row["median_control"])
    sim = immortal_time(median, n, share_treated, wait, accrual, follow_up(ch, row["study_id"]), seed)
    naive, fixed, cohort = sim.naive, sim.landmark, sim.cohort
    chapter.glue("sim_median", f"{median:g}")
    chapter.glue("sim_naive", format_estimate_ci(naive["hr"], naive["hr_lower"], naive["hr_upper"]))
    chapter.glue("sim_naive_p", chapter.p_phrase(naive["p"]))
    chapter.glue("sim_landmark", format_estimate_ci(fixed["hr"], fixed["hr_lower"], fixed["hr_upper"]))
    chapter.glue("sim_wait", f"{wait:g}")
    chapter.glue("sim_lost", f"{(cohort['offered'] & (cohort['time'] <= cohort['wait'])).sum()}")
    return sim


def follow_up(ch, study_id: str = "zou2025") -> float:
    """The study's median follow-up in months (``follow_up_months`` in ``data/studies.csv``)."""
    return float(ch.studies.loc[study_id, "follow_up_months"])


def evalue_table(ch, rare_outcome: bool = False) -> pd.DataFrame:
    """E-values of every comparative estimate (:func:`helpers.synthesis.evalue_table`); a
    comparison reported only as two medians gets a crude E-value of the hazard ratio the medians
    imply, without an interval.

    Glues ``ev_zou_small``, ``ev_zou_small_ci``, ``ev_ejso``, ``ev_ejso_ci``, ``ev_curie``,
    ``ev_zou_large_ci``, ``n_evalues``, and ``ev_min``/``ev_max`` (over estimates with a hazard
    ratio).
    """
    rows = _rows(ch)
    comparative = rows[rows["kind"] == "comparison"]
    with_hr = comparative[comparative["hr"].notna()]
    evalues = synthesis.evalue_table(with_hr, rare_outcome=rare_outcome)
    evalues.insert(2, "comparison", with_hr.loc[evalues["effect_id"], "population_detail"].to_numpy())
    medians_only = comparative[comparative["hr"].isna() & comparative["median_control"].notna()]
    crude = []
    for effect_id, r in medians_only.iterrows():
        implied = effects.hr_from_medians(r["median_experimental"], r["median_control"])
        crude.append(
            {
                "effect_id": effect_id,
                "study": r["study"],
                "comparison": r["population_detail"],
                "hr": implied,
                "hr_lower": None,
                "hr_upper": None,
                "ci_source": "none: HR implied by the medians (exponential)",
                "e_value": float(observational.evalue_hr(implied, rare_outcome=rare_outcome)["e_value"]),
                "e_value_ci": None,
            }
        )
    table = pd.DataFrame(evalues.to_dict("records") + crude)
    table["study"] = table["effect_id"].map(rows["short_name"])
    ev = evalues.set_index("effect_id")
    for key, (effect_id, column) in {
        "ev_zou_small": (ZOU["small"], "e_value"),
        "ev_zou_small_ci": (ZOU["small"], "e_value_ci"),
        "ev_ejso": (POOLED_RESECTION, "e_value"),
        "ev_ejso_ci": (POOLED_RESECTION, "e_value_ci"),
        "ev_curie": (CURIE, "e_value"),
        "ev_zou_large_ci": (ZOU["large"], "e_value_ci"),
    }.items():
        if effect_id in ev.index:
            chapter.glue(key, format_number(ev.loc[effect_id, column], 2))
    chapter.glue("n_evalues", f"{len(table)}")
    chapter.glue("ev_min", format_number(evalues["e_value"].min(), 1))
    chapter.glue("ev_max", format_number(evalues["e_value"].max(), 1))
    return table.drop(columns="effect_id").round(3)


def checkable(ch, consistency: chapter.Consistency) -> pd.DataFrame:
    """The consistency checks the printed numbers allow (verdict not "not_checkable"), by study;
    glues ``n_inconsistent`` (written "none" when zero) and ``n_checkable_checks``."""
    checks = consistency.checks
    table = checks[checks["verdict"] != "not_checkable"].copy()
    table.insert(0, "study", table["effect_id"].map(ch.rows["short_name"]))
    chapter.glue("n_inconsistent", f"{len(consistency.flagged)}" if len(consistency.flagged) else "none")
    chapter.glue("n_checkable_checks", f"{len(table)}")
    return table[["study", "check", "verdict", "detail"]]


def zou_rows(ch, study_id: str = "zou2025") -> pd.DataFrame:
    """The estimates of one study (by default the Zou ablation cohort)."""
    return ch.rows[ch.rows["study_id"] == study_id]


def recomputed_intervals(ch, study_id: str = "zou2025", named: dict | None = None) -> pd.DataFrame:
    """95% intervals recomputed from each hazard ratio and printed p-value of ``study_id``
    (estimates without a p-value are left out)
    (:func:`helpers.effects.ci_from_p`), also at both ends of the p-value's rounding interval.

    Glues, per ``{key: effect_id}`` of ``named`` (default :data:`ZOU`): ``zou_<key>_hr_ci``,
    ``zou_<key>_p`` (as printed), ``zou_<key>_hr`` and ``zou_<key>_mhr`` (the hazard ratio the
    medians imply); and the population definitions ``zou_small_def`` and ``zou_large_def``.
    """
    named = ZOU if named is None else named
    rows, printed = zou_rows(ch, study_id), ch.printed
    rows = rows[rows["p_value"].notna()]  # an interval needs a p-value
    recomputed = []
    for effect_id, r in rows.iterrows():
        p_low, p_high = effects.rounding_interval(r["p_value"], effects.decimals_of(printed.loc[effect_id, "p_value"]))
        recomputed.append(
            {
                "subgroup": r["population_detail"],
                "HR": r["hr"],
                "p as printed": printed.loc[effect_id, "p_value"],
                "CI from p": format_ci(*effects.ci_from_p(r["hr"], r["p_value"]), 3),
                "CI if p were the lowest value rounding to it": format_ci(*effects.ci_from_p(r["hr"], p_low), 3),
                "CI if p were the highest value rounding to it": format_ci(*effects.ci_from_p(r["hr"], p_high), 3),
            }
        )
    for key, effect_id in named.items():
        r = rows.loc[effect_id]
        chapter.glue(f"zou_{key}_hr_ci", format_estimate_ci(r["hr"], *effects.ci_from_p(r["hr"], r["p_value"])))
        chapter.glue(f"zou_{key}_p", printed.loc[effect_id, "p_value"])
        chapter.glue(f"zou_{key}_hr", f"{r['hr']:g}")
        chapter.glue(
            f"zou_{key}_mhr", format_number(effects.hr_from_medians(r["median_experimental"], r["median_control"]), 2)
        )
    for key in ("small", "large"):
        if key in named:
            chapter.glue(f"zou_{key}_def", rows.loc[named[key], "population_definition"])
    return pd.DataFrame(recomputed)


def median_checks(ch, study_id: str = "zou2025") -> pd.DataFrame:
    """The "medians ↔ HR" check (:func:`helpers.effects.check_consistency`) of the study's
    estimates with intervals recomputed from p (:func:`helpers.synthesis.with_recomputed_ci`);
    glues ``zou_median_verdicts``."""
    rows = zou_rows(ch, study_id)
    filled = synthesis.with_recomputed_ci(rows)
    checks = effects.check_consistency(filled, ch.printed.loc[filled.index])
    checks = checks[checks["check"] == "medians ↔ HR"]
    chapter.glue("zou_median_verdicts", ", ".join(sorted(set(checks["verdict"]))))
    checks.insert(0, "subgroup", checks["effect_id"].map(rows["population_detail"]))
    return checks[["subgroup", "verdict", "detail"]]


def glue_curie(ch, effect_id: str = CURIE) -> pd.Series:
    """Glue the Curie ratio as printed (``curie_rr``), its confidence level (``curie_level``) and
    inverted (``curie_inverted``: 1/HR with the limits swapped); return the estimate."""
    curie = ch.rows.loc[effect_id]
    chapter.glue("curie_rr", format_estimate_ci(curie["hr"], curie["hr_ci_lower"], curie["hr_ci_upper"]))
    chapter.glue("curie_level", f"{curie['ci_level']:g}%")
    chapter.glue(
        "curie_inverted", format_estimate_ci(1 / curie["hr"], 1 / curie["hr_ci_upper"], 1 / curie["hr_ci_lower"])
    )
    return curie


def forest_rows(ch, endpoint: str = "OS", invert_curie: bool = True) -> pd.DataFrame:
    """The forest-plot rows (:func:`helpers.synthesis.forest_frame`, grouped by therapy) of every
    non-randomised comparative hazard ratio of ``endpoint``: intervals recomputed from p marked †,
    the Curie ratio inverted (‡) when ``invert_curie``. Glues ``n_forest`` and
    ``n_pfs_comparative``. Empty when there is no such estimate."""
    return _observational_forest(ch, endpoint, invert_curie, glue=True)


def _observational_forest(ch, endpoint: str, invert_curie: bool, glue: bool) -> pd.DataFrame:
    rows = _rows(ch)
    comparison = rows["kind"] == "comparison"
    plotted = synthesis.with_recomputed_ci(rows[comparison & (rows["endpoint"] == endpoint) & rows["hr"].notna()])
    suffix = pd.Series(np.where(plotted["ci_source"] == "recomputed from p", " †", ""), index=plotted.index)
    if CURIE in plotted.index:
        c = plotted.loc[CURIE]
        if invert_curie:
            plotted.loc[CURIE, ["hr", "hr_ci_lower", "hr_ci_upper"]] = [
                1 / c["hr"],
                1 / c["hr_ci_upper"],
                1 / c["hr_ci_lower"],
            ]
        suffix[CURIE] = " ‡" if invert_curie else " (as printed)"
    plotted["group"] = plotted["therapy"].map(FOREST_GROUPS).fillna(plotted["therapy"])
    if glue:
        chapter.glue("n_forest", f"{len(plotted)}")
        chapter.glue("n_pfs_comparative", f"{(comparison & (rows['endpoint'] == 'PFS')).sum()}")
    if plotted.empty:
        return pd.DataFrame()
    frame = synthesis.forest_frame(plotted, group_col="group")
    frame["label"] = [
        f"{plotted.loc[i, 'short_name']}: "
        f"{FOREST_DETAIL.get(plotted.loc[i, 'population_detail'], plotted.loc[i, 'population_detail'])}"
        f"{suffix[i]}"
        for i in frame.index
    ]
    return frame


def described_medians(ch) -> pd.DataFrame:
    """Median overall survival of treated groups without a usable comparator (single-arm series,
    pooled series, treated arms whose control value is missing) and of the systemic-therapy arms
    of comparative studies, with ``series`` (which kind of median), ``row label`` and the
    study's population (``who``), in :data:`DISPLAY_ORDER` then by median.

    Glues ``n_one_arm_medians``, ``ctrl_min`` and ``ctrl_max`` (range of the comparison arms).
    """
    rows = _rows(ch)
    one_arm = rows[
        (rows["endpoint"] == "OS")
        & rows["median_experimental"].notna()
        & rows["median_control"].isna()
        & (rows["kind"] != "prognostic")
    ].copy()
    one_arm["series"] = np.where(
        one_arm["design"] == "meta_analysis",
        "pooled across series",
        np.where(one_arm["kind"] == "single-arm", "one series", "treated arm of a comparison (control value missing)"),
    )
    one_arm["median"] = one_arm["median_experimental"]
    controls = rows[(rows["kind"] == "comparison") & rows["median_control"].notna() & (rows["endpoint"] == "OS")].copy()
    controls["therapy"] = "Systemic therapy alone (comparison arms)"
    controls["series"], controls["median"] = "comparison arm", controls["median_control"]
    described = pd.concat([one_arm, controls])
    described["who"] = described["study_id"].map(ch.studies["population"])
    described["time zero"] = described["time_zero"].replace(TIME_ZERO_LABELS)
    described["row label"] = described["short_name"] + ": " + described["population_detail"].astype(str)
    chapter.glue("n_one_arm_medians", f"{len(one_arm)}")
    chapter.glue("ctrl_min", f"{controls['median'].min():g}")
    chapter.glue("ctrl_max", f"{controls['median'].max():g}")
    return described


def medians_table(described: pd.DataFrame) -> pd.DataFrame:
    """The table of :func:`described_medians` (in its original order)."""
    return described[["therapy", "short_name", "population_detail", "series", "median", "time zero", "who"]].rename(
        columns={"short_name": "study", "population_detail": "detail", "median": "median OS (months)"}
    )


def medians_plot_rows(described: pd.DataFrame) -> pd.DataFrame:
    """:func:`described_medians` in :data:`DISPLAY_ORDER` of therapies, then by median."""
    ordered = described.assign(rank=_therapy_rank(described["therapy"]))
    return ordered.sort_values(["rank", "median"], kind="stable")


def single_group_rates(ch) -> pd.DataFrame:
    """Percentages reported for single groups (response, control, landmark survival), in
    :data:`DISPLAY_ORDER`; glues ``liu_recist`` and ``liu_mrecist`` (the SIRT meta-analysis's
    response rates by criterion)."""
    rows = ch.rows
    rates = rows[rows["percent_experimental"].notna() & rows["arm_control"].isna()]
    columns = ["therapy", "short_name", "endpoint", "population_detail", "percent_experimental", "analysis"]
    rates = rates[columns].rename(
        columns={"short_name": "study", "population_detail": "detail", "percent_experimental": "percent"}
    )
    liu = rates[(rates["study"] == ch.short_name(LIU)) & (rates["endpoint"] == "ORR")].set_index("detail")["percent"]
    chapter.glue("liu_recist", f"{liu['sirt studies recist']:g}%")
    chapter.glue("liu_mrecist", f"{liu['sirt studies mrecist']:g}%")
    return rates.sort_values("therapy", key=lambda s: s.map(DISPLAY_ORDER.index), kind="stable")


def median_gains(ch) -> pd.DataFrame:
    """Differences in median survival of the comparative estimates with both medians
    (:func:`helpers.benefit.median_gain`); glues ``gain_zou_small``, ``gain_ruiz`` (unmatched)
    and ``gain_sadot``."""
    rows = _rows(ch)
    gains = rows[(rows["kind"] == "comparison") & rows["median_control"].notna()].copy()
    gain = "difference in medians (months)"
    gains[gain] = [benefit.median_gain(e, c) for e, c in zip(gains["median_experimental"], gains["median_control"])]
    gains = gains[
        ["short_name", "therapy", "population", "population_detail", "median_experimental", "median_control", gain]
    ].rename(
        columns={
            "short_name": "study",
            "population_detail": "detail",
            "median_experimental": "median, local therapy",
            "median_control": "median, comparison",
        }
    )
    for key, effect_id, digits in (
        ("gain_zou_small", ZOU["small"], 1),
        ("gain_ruiz", RUIZ_UNMATCHED, 0),
        ("gain_sadot", SADOT, 0),
    ):
        if effect_id in gains.index:
            chapter.glue(key, format_number(gains.loc[effect_id, gain], digits))
    return gains.round(1)


def esmo_summary(ch) -> pd.DataFrame:
    """:func:`helpers.synthesis.esmo_grades` of the time-to-event estimates, counted by design,
    grade and rule; glues ``n_esmo_rows``, ``n_esmo_na`` (not applicable) and ``n_esmo_not_graded``."""
    rows = ch.rows
    grades = synthesis.esmo_grades(rows[rows["endpoint"].isin(["OS", "PFS", "TTP"])])
    grades["design"] = grades["effect_id"].map(rows["design"])
    chapter.glue("n_esmo_rows", f"{len(grades)}")
    chapter.glue("n_esmo_na", f"{(grades['grade'] == 'not applicable').sum()}")
    chapter.glue("n_esmo_not_graded", f"{(grades['grade'] == 'not graded').sum()}")
    return grades.groupby(["design", "grade", "rule"]).size().rename("estimates").reset_index()


def design_table(ch) -> pd.DataFrame:
    """:func:`helpers.tables.studies_table` of the chapter with the data cuts and outcome
    assessments of each study's estimates; glues ``n_open`` (unblinded studies)."""
    table = tables.studies_table(ch.evidence, chapter=ch.name).drop(columns="chapter")
    cuts = ch.rows.groupby("study_id").agg(
        analyses=("analysis", lambda s: ", ".join(sorted(set(s)))),
        assessment=("assessment", lambda s: ", ".join(sorted(set(s)))),
    )
    table["analyses (effects.csv)"] = ch.studies.index.map(cuts["analyses"]).fillna("–")
    table["assessment (effects.csv)"] = ch.studies.index.map(cuts["assessment"]).fillna("–")
    chapter.glue("n_open", f"{(ch.studies['blinding'] == 'none').sum()}")
    return table


def judged_studies(ch, tool: str = "ROBINS-I") -> list[str]:
    """The chapter's studies with a risk-of-bias judgement made with ``tool`` ("ROBINS-I" or
    "RoB 2"); glues ``n_rob_studies``, ``n_rob_critical`` and ``n_rob_serious`` (overall
    study-level judgements) for ROBINS-I, and ``n_rob2_studies`` for RoB 2."""
    rob = ch.evidence.risk_of_bias
    rob = rob[rob["tool"] == tool]
    judged = [s for s in ch.studies.index if s in set(rob["study_id"])]
    if tool == "RoB 2":
        chapter.glue("n_rob2_studies", f"{len(judged)}")
        return judged
    overall = rob[(rob["domain"] == "overall") & rob["effect_id"].isna()].set_index("study_id")
    overall = overall.reindex(judged)["judgement"]
    chapter.glue("n_rob_studies", f"{len(judged)}")
    chapter.glue("n_rob_critical", f"{(overall == 'critical').sum()}")
    chapter.glue("n_rob_serious", f"{(overall == 'serious').sum()}")
    return judged


def certainty(ch) -> pd.DataFrame:
    """:meth:`helpers.chapter.Chapter.certainty_view`; glues ``n_certainty`` and
    ``certainty_levels`` (the distinct levels, sorted)."""
    view = ch.certainty_view()
    chapter.glue("n_certainty", f"{len(view)}")
    chapter.glue("certainty_levels", ", ".join(sorted(set(view["certainty"]))))
    return view


def strata_interaction(ch, a: str = ZOU["small"], b: str = ZOU["large"]):
    """Cochran's Q test of the difference between two disjoint strata (log hazard ratios with
    standard errors from the intervals recomputed from p, fixed effect,
    :func:`helpers.meta.pool`); glues ``zou_interaction_p`` and ``zou_ratio_of_hr``."""
    strata = ch.rows.loc[[a, b]]
    se = [effects.se_from_ci(*effects.ci_from_p(h, p)) for h, p in zip(strata["hr"], strata["p_value"])]
    difference = meta.pool(
        np.log(strata["hr"].to_numpy(float)), se, method="FE", labels=list(strata["population_detail"])
    )
    chapter.glue("zou_interaction_p", chapter.p_phrase(difference.q_p))
    chapter.glue("zou_ratio_of_hr", format_number(strata["hr"].iloc[0] / strata["hr"].iloc[1], 2))
    return difference


def _levels(view: pd.DataFrame) -> str:
    """The certainty levels of ``view``: one level, the levels joined, or "none" (no row)."""
    levels = sorted(set(view["certainty"]))
    return ", ".join(levels) if levels else "none"


def glue_key_points(ch) -> None:
    """Glue the values of the key-points box: ``kp_n_comparative_studies`` (studies with a
    non-randomised comparative estimate), ``kp_certainty`` (the certainty of the key
    non-randomised comparisons: one level, or the levels), ``kp_certainty_rct`` (the same for
    the comparisons resting on randomised trials) and ``kp_n_rct_breast`` (the trials of
    :data:`BREAST_TRIALS` in the data, as a word)."""
    rows = _rows(ch)
    chapter.glue("kp_n_comparative_studies", f"{rows.loc[rows['kind'] == 'comparison', 'study_id'].nunique()}")
    printed = ch.certainty_view()
    # Evidence judged with ROBINS-I also starts high (GRADE guidance for ROBINS-I): tell the
    # randomised comparisons by the starting rule they cite, in the view's order.
    cited = ch.evidence.certainty.loc[synthesis.certainty_table(ch.evidence, ch.name).index, "rules"]
    randomised = cited.str.split(";").map(lambda rules: "grade_start_randomised_high" in rules).to_numpy()
    chapter.glue("kp_certainty", _levels(printed[~randomised]))
    chapter.glue("kp_certainty_rct", _levels(printed[randomised]))
    chapter.glue("kp_n_rct_breast", _count_word(len([s for s in BREAST_TRIALS if s in ch.studies.index])))


def _count_word(n: int) -> str:
    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    return words[n] if n < len(words) else f"{n}"


# ---------------------------------------------------------------------------- randomised trials
def ci95(row: pd.Series) -> tuple[float, float, str]:
    """The 95% interval of a hazard ratio and where it comes from: ``"reported"``, ``"rescaled
    from the <level>% interval"`` (same standard error, :func:`helpers.effects.se_from_ci`:
    :math:`SE = (\\ln U - \\ln L) / (2 z_{level})`, then :math:`HR \\exp(\\pm 1.96\\,SE)`), or
    ``"recomputed from p"`` (:func:`helpers.effects.ci_from_p`, with the printed sidedness).

    Raises
    ------
    ValueError
        If the row has no hazard ratio, or neither an interval nor a p-value.
    """
    hr, lower, upper = row["hr"], row["hr_ci_lower"], row["hr_ci_upper"]
    if pd.isna(hr):
        raise ValueError(f"row {row.name!r}: a 95% interval needs a hazard ratio (column hr), got none")
    if pd.notna(lower) and pd.notna(upper):
        level = 95.0 if pd.isna(row["ci_level"]) else float(row["ci_level"])
        if level == 95.0:
            return float(lower), float(upper), "reported"
        se = effects.se_from_ci(lower, upper, level / 100)
        z = effects.z_for_level(0.95)
        return float(hr * np.exp(-z * se)), float(hr * np.exp(z * se)), f"rescaled from the {level:g}% interval"
    if pd.notna(row["p_value"]):
        sided = 1 if row.get("p_sided") == 1 else 2
        lo, hi = effects.ci_from_p(hr, row["p_value"], sided=sided)
        return lo, hi, "recomputed from p"
    raise ValueError(f"row {row.name!r}: a 95% interval needs hr_ci_lower/hr_ci_upper or p_value, got neither")


def randomised_rows(ch) -> pd.DataFrame:
    """The randomised trials' hazard ratios, one per trial and endpoint (PFS, OS): the latest data
    cut (:data:`CUT_ORDER`) with a hazard ratio, with its 95% interval (:func:`ci95`) in
    ``hr_ci_lower``/``hr_ci_upper`` and ``ci_source``."""
    rows = _rows(ch)
    rct = rows[(rows["kind"] == "randomised") & rows["hr"].notna() & rows["endpoint"].isin(["PFS", "OS"])].copy()
    rct["cut_rank"] = rct["analysis"].map(CUT_ORDER.index)
    latest = rct.sort_values("cut_rank").groupby(["study_id", "endpoint"], sort=False).tail(1)
    intervals = [ci95(r) for _, r in latest.iterrows()]
    latest["hr_ci_lower"] = [i[0] for i in intervals]
    latest["hr_ci_upper"] = [i[1] for i in intervals]
    latest["ci_source"] = [i[2] for i in intervals]
    order = list(BREAST_TRIALS) + [MIXED_TRIAL]
    latest["trial_rank"] = latest["study_id"].map(lambda s: order.index(s) if s in order else len(order))
    return latest.sort_values(["trial_rank", "endpoint"], ascending=[True, False]).drop(
        columns=["cut_rank", "trial_rank"]
    )


def randomised_table(ch) -> pd.DataFrame:
    """One line per randomised trial: who was randomised, how many (the stated total, or the sum of
    the two arms when only they are printed), the local therapy, and the latest hazard ratio of
    progression-free and of overall survival as printed (with its data cut), or "not reported",
    and links to the sources of those estimates.

    Glues ``extend_n_total`` (the sum of the EXTEND arms) and ``n_trial_patients`` (all patients
    randomised in the trials)."""
    trials = ch.studies[ch.studies["design"] == "rct"]
    latest = randomised_rows(ch)
    out = []
    for study_id, s in trials.iterrows():
        if pd.notna(s["n_total"]):
            n, n_text = int(s["n_total"]), f"{int(s['n_total'])}"
        else:
            n = int(s["n_group_experimental"] + s["n_group_control"])
            n_text = f"{n} (sum of the two arms)"
        cells, sources = {}, []
        for endpoint, column in (("PFS", "progression-free survival, HR"), ("OS", "overall survival, HR")):
            hit = latest[(latest["study_id"] == study_id) & (latest["endpoint"] == endpoint)]
            cells[column] = f"{ch.hr_text(hit.index[0])} ({hit['analysis'].iloc[0]})" if len(hit) else "not reported"
            sources += [s_id for s_id in hit["source_id"] if s_id not in sources]
        cells["sources"] = tables.Markup(", ".join(ch.source_link(s_id) for s_id in sources))
        out.append(
            {
                "trial": s["short_name"],
                "who": s["population"],
                "randomised": n_text,
                "n": n,
                "local therapy": s["setting"],
                **cells,
            }
        )
    table = pd.DataFrame(out)
    if "extend_breast" in trials.index:
        chapter.glue("extend_n_total", f"{table.loc[table['trial'] == ch.short_name('extend_breast'), 'n'].iloc[0]}")
    chapter.glue("n_trial_patients", f"{table['n'].sum()}")
    return table.drop(columns="n")


def glue_randomised(ch) -> None:
    """Glue what the prose on the randomised trials recomputes:

    - ``nrg_pfs95``: the NRG-BR002 hazard ratio with its 95% interval rescaled from the printed
      70% one (:func:`ci95`), ``nrg_ci_level`` (the printed level);
    - ``nrg_mhr``: the hazard ratio its medians imply under exponential survival
      (:func:`helpers.effects.hr_from_medians`, experimental over control medians inverted);
    - ``nrg_pfs36_diff``, ``nrg_os36_diff``, ``sabr_os5y_diff``: differences of landmark rates
      (experimental minus control, percentage points);
    - ``extend_pfs95_upper``: the upper limit of the EXTEND interval."""
    rows = ch.rows
    nrg = rows.loc[NRG_PFS]
    lo, hi, _ = ci95(nrg)
    chapter.glue("nrg_pfs95", format_estimate_ci(nrg["hr"], lo, hi))
    chapter.glue("nrg_ci_level", f"{nrg['ci_level']:g}%")
    med = rows.loc[NRG_MEDIANS]
    chapter.glue(
        "nrg_mhr", format_number(effects.hr_from_medians(med["median_experimental"], med["median_control"]), 2)
    )
    for key, effect_id in (
        ("nrg_pfs36_diff", NRG_PFS_36),
        ("nrg_os36_diff", NRG_OS_36),
        ("sabr_os5y_diff", SABR_OS_5Y),
    ):
        r = rows.loc[effect_id]
        chapter.glue(key, format_number(r["percent_experimental"] - r["percent_control"], 1))
    chapter.glue("extend_pfs95_upper", format_number(rows.loc[EXTEND_PFS, "hr_ci_upper"], 2))


def trial_facts(ch) -> pd.DataFrame:
    """The facts about the randomised trials (``data/context_facts.csv``, topic
    ``local_therapy_trials``) as :func:`helpers.tables.context_facts_table` shows them; glues each
    value, quoted as the source states it, as ``fact_<fact_id>``."""
    facts = ch.evidence.context_facts
    for fact_id, value in facts.loc[facts["topic"] == "local_therapy_trials", "value"].items():
        chapter.glue(f"fact_{fact_id}", f"“{value}”")
    return tables.context_facts_table(ch.evidence, "local_therapy_trials")


def harms_table(ch) -> pd.DataFrame:
    """The harms of the local therapies (``data/context_facts.csv``, topic
    ``local_therapy_harms``) as :func:`helpers.tables.context_facts_table` shows them; glues
    ``n_harm_facts`` and ``n_harm_secondary`` (facts from secondary sources)."""
    facts = ch.evidence.context_facts
    harms = facts[facts["topic"] == "local_therapy_harms"]
    chapter.glue("n_harm_facts", f"{len(harms)}")
    chapter.glue("n_harm_secondary", f"{(harms['source_id'].map(ch.sources['kind']) == 'secondary').sum()}")
    return tables.context_facts_table(ch.evidence, "local_therapy_harms")


def randomised_beside_observational(ch, endpoint: str = "OS", invert_curie: bool = True) -> pd.DataFrame:
    """The forest frame of the randomised hazard ratios (:func:`randomised_rows`; § marks an
    interval rescaled to 95%) above the non-randomised ones of ``endpoint`` (:func:`forest_rows`);
    labels name the endpoint of each randomised estimate."""
    rct = randomised_rows(ch)
    mark = {"reported": "", "recomputed from p": " †"}
    rct["label"] = [f"{r['short_name']}: {r['endpoint']}{mark.get(r['ci_source'], ' §')}" for _, r in rct.iterrows()]
    rct["group"] = np.where(
        rct["study_id"].isin(BREAST_TRIALS), "Randomised, breast cancer", "Randomised, mixed primaries"
    )
    frame = synthesis.forest_frame(rct, group_col="group", label_col="label")
    observational = _observational_forest(ch, endpoint, invert_curie, glue=False)
    if not observational.empty:
        observational = observational.assign(group="Non-randomised: " + observational["group"])
    return pd.concat([frame, observational])
