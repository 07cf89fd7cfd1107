"""The tables and glued values of the chapter on emerging therapies (``chapters/emerging_therapies.ipynb``).

Each function takes the loaded chapter (``ch = chapter.load("emerging_therapies")``), after
:func:`label_rows`, and returns a tidy frame (or a few), glueing the values the prose cites under
fixed names (:func:`helpers.chapter.glue`). The chapter chooses which rows a function looks at
through the module constants below (effect ids of ``data/effects.csv``); the numbers come from
``data/`` only. Unit-tested on a miniature data set (``tests/test_views_emerging_therapies.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import benefit, chapter, effects, synthesis, tables
from helpers.formatting import format_ci, format_number, format_p

#: Words for the ``population_detail`` codes of ``data/effects.csv``.
POPULATION_LABELS = {
    "cps ge10": "CPS ≥10",
    "cps ge1": "CPS ≥1",
    "pdl1 ic pos": "PD-L1 IC-positive",
    "hr positive": "HR+ cohort",
    "hr negative": "HR− patients",
    "her2 low": "HER2-low",
    "no brain mets": "no brain metastases",
    "no visceral": "HR+ cohort, no visceral disease",
    "pd-l1 positive (all randomized)": "PD-L1-positive",
}
#: The chapter's drugs (generic names, as in ``data/drug_facts.csv`` before any brand in brackets).
DRUGS = ["trastuzumab deruxtecan", "sacituzumab govitecan", "datopotamab deruxtecan", "pembrolizumab", "atezolizumab"]
#: The approval history of pembrolizumab with chemotherapy in metastatic triple-negative breast
#: cancer with PD-L1 CPS >=10: glue name -> fact of ``data/drug_facts.csv``.
PEMBROLIZUMAB_APPROVAL = {
    "pembro_accelerated": "pembrolizumab_keytruda_approval_tnbc_accelerated",
    "pembro_regular": "pembrolizumab_keytruda_regular_approval_tnbc",
    "pembro_regular_date": "pembrolizumab_keytruda_regular_approval_tnbc_date_full",
}
#: The DESTINY-Breast04 subgroups with and without visceral disease (HR+ cohort).
VISCERAL = "destiny_breast04_pfs_visceral_hr_positive_subgroup"
NONVISCERAL = "destiny_breast04_pfs_no_visceral_hr_positive_subgroup"
#: Prespecified overall-survival testing orders of the checkpoint-inhibitor trials.
HIERARCHIES = {
    "KEYNOTE-355": ["keynote355_os_cps_ge10_final", "keynote355_os_cps_ge1_final", "keynote355_os_itt_final"],
    "IMpassion130": ["impassion130_os_itt_final", "impassion130_os_pdl1_pos_final"],
}
#: Dropped row -> kept row: one estimate at one data cut held in two rows whose numbers differ
#: (rows with identical numbers are found by :func:`duplicate_estimates`).
SAME_ESTIMATE = {
    "impassion130_pfs_pdl1_pos_primary": "impassion130_pfs_pdl1_pos_fda",
    "keynote355_os_cps_ge1_final_medians": "keynote355_os_cps_ge1_final",
}
#: Forest-plot groups of the ``population`` codes, in drawing order.
FOREST_GROUPS = {
    "ITT": "All randomised",
    "biomarker_subgroup": "Biomarker-selected populations",
    "visceral": "DESTINY-Breast04 HR+ cohort, by visceral disease",
    "nonvisceral": "DESTINY-Breast04 HR+ cohort, by visceral disease",
    "other_subgroup": "Other prespecified populations",
}
#: Labels short enough for the forest plot's label column.
FOREST_DETAIL = {
    "PD-L1 IC-positive": "PD-L1+",
    "HR+ cohort": "HR+",
    "HR− patients": "HR−",
    "no brain metastases": "no brain mets",
}
#: Analyses that are not the one that tested a result, as a caveat of the benefit table.
LATER_ANALYSIS = {
    "exploratory": "exploratory analysis",
    "post_hoc": "post hoc analysis",
    "interim": "interim analysis",
    "updated": "later update, after the analysis that tested it",
}


#: The setting (``data/studies.csv``) of a non-randomised study whose patients had no distant
#: metastases: treatment around surgery.
PRE_METASTATIC_SETTING = r"\b(?:neo)?adjuvant\b"
#: The setting of a study of an approach that no regulator has approved for breast cancer.
INVESTIGATIONAL_SETTING = r"\binvestigational\b"


def _percents(row: pd.Series) -> str:
    """``"a% and b%"`` of a row's two arms."""
    return f"{row['percent_experimental']:g}% and {row['percent_control']:g}%"


def _ids(ch, rct: bool) -> list[str]:
    return list(ch.studies.index[(ch.studies["design"] == "rct") == rct])


def label_rows(ch) -> pd.DataFrame:
    """Add ``label_detail`` (the population in words) and ``result_name`` ("endpoint, population
    (analysis)") to ``ch.rows`` and return them; glue the chapter's opening numbers
    (:meth:`helpers.chapter.Chapter.glue_opening`, :meth:`~helpers.chapter.Chapter.glue_estimates`)
    and ``n_other``, ``rct_phases``, ``n_double_blind``."""
    rows = ch.rows
    rows["label_detail"] = [
        POPULATION_LABELS.get(d, d)
        if pd.notna(d)
        else ("HR+ cohort, visceral disease" if p == "visceral" and e in ("OS", "PFS") else p.replace("_", " "))
        for d, p, e in zip(rows["population_detail"], rows["population"], rows["endpoint"])
    ]
    rows["result_name"] = [
        f"{e}, {d} ({a})" for e, d, a in zip(rows["endpoint"], rows["label_detail"], rows["analysis"])
    ]
    ch.glue_opening()
    ch.glue_estimates()
    rct = ch.studies.loc[_ids(ch, True)]
    chapter.glue("n_other", f"{len(_ids(ch, False))}")
    chapter.glue("rct_phases", ", ".join(sorted(set(rct["phase"]))))
    chapter.glue("n_double_blind", f"{(rct['blinding'] == 'double_blind').sum()}")
    return rows


#: Drug facts shown in the biomarker table (:mod:`helpers.views.biomarkers`), not in :func:`drug_facts`.
BIOMARKER_FACTS = ("biomarker_selection", "biomarker_test")


def drug_facts(ch) -> pd.DataFrame:
    """Route, schedule and approval rows of :data:`DRUGS` (``data/drug_facts.csv``) with a source
    link; glues ``route_tdxd``, ``route_pembro``, ``missing_facts`` (drugs without a route row),
    ``n_facts_other`` (rows of other chapters' drugs), ``n_facts_secondary`` and the US approval
    history of pembrolizumab in PD-L1-selected metastatic triple-negative disease, each as its
    source words it: ``pembro_accelerated``, ``pembro_regular`` and ``pembro_regular_date``
    (facts :data:`PEMBROLIZUMAB_APPROVAL`)."""
    facts = ch.evidence.drug_facts
    generic = facts["drug"].str.replace(r" \(.*\)$", "", regex=True)
    # Route, schedule and approval: the biomarker tests of these drugs have their own table
    # (helpers.views.biomarkers).
    ours = facts[generic.isin(DRUGS) & ~facts["fact"].isin(BIOMARKER_FACTS)].sort_values(["drug", "fact", "fact_id"])
    chapter.glue("route_tdxd", facts.loc["trastuzumab_deruxtecan_enhertu_route", "value"])
    chapter.glue("route_pembro", facts.loc["pembrolizumab_keytruda_route", "value"])
    chapter.glue(
        "missing_facts", ", ".join(d for d in DRUGS if d not in set(generic[facts["fact"] == "route"])) or "none"
    )
    for key, fact_id in PEMBROLIZUMAB_APPROVAL.items():
        chapter.glue(key, facts.loc[fact_id, "value"])
    chapter.glue("n_facts_other", f"{len(facts) - len(ours)}")
    chapter.glue("n_facts_secondary", f"{(ours['source_id'].map(ch.sources['kind']) == 'secondary').sum()}")
    return pd.DataFrame(
        {
            "drug": ours["drug"].to_numpy(),
            "fact": ours["fact"].to_numpy(),
            "value (as the source states it)": ours["value"].to_numpy(),
            "source": ours["source_id"].map(ch.source_link).to_numpy(),
            "note": ours["note"].fillna("–").to_numpy(),
        }
    )


def populations(ch) -> pd.DataFrame:
    """The randomised populations with the sentence stating their size; glues the population
    definitions the prose cites (``db04_population``, ``db06_population``, ``cps10``, ``cps1``,
    ``imp130_pdl1``)."""
    chapter.glue("db04_population", ch.studies.loc["destiny_breast04", "population"])
    chapter.glue("db06_population", ch.studies.loc["destiny_breast06", "population"])
    chapter.glue("cps10", POPULATION_LABELS["cps ge10"])
    chapter.glue("cps1", POPULATION_LABELS["cps ge1"])
    chapter.glue("imp130_pdl1", ch.rows.loc["impassion130_pfs_pdl1_pos_primary", "population_definition"])
    rct = ch.studies.loc[_ids(ch, True)]
    return pd.DataFrame(
        {
            "study": rct["name"],
            "population": rct["population"],
            "setting": rct["setting"],
            "N": rct["n_total"].astype("string"),
            "size as the source states it": rct["quote"],
        }
    )


def evidence_tables(ch) -> dict[str, pd.DataFrame]:
    """:func:`helpers.tables.evidence_table` of the chapter split in three: ``"tte"`` (time to event
    in randomised trials), ``"other"`` (their response, landmark and prevalence rows, with the
    arms' percentages) and ``"investigational"`` (non-randomised studies)."""
    rows = ch.rows
    table = tables.evidence_table(ch.evidence, chapter=ch.name)
    if list(table["study"]) != list(rows["study"]):
        raise ValueError("evidence_table and ch.rows list different rows")
    table = table.drop(columns=["design", "phase", "N"])
    table.insert(
        table.columns.get_loc("HR (CI)") + 1,
        "percent",
        [
            "–" if pd.isna(e) else (f"{e:g}%" if pd.isna(c) else f"{e:g}% vs {c:g}%")
            for e, c in zip(rows["percent_experimental"], rows["percent_control"])
        ],
    )
    tte = (rows["design"] == "rct").to_numpy() & rows["endpoint"].isin(["OS", "PFS"]).to_numpy()
    other = (rows["design"] != "rct").to_numpy()
    return {
        "tte": table[tte].drop(columns="percent"),
        "other": table[~tte & ~other].drop(columns=["medians", "HR (CI)"]),
        "investigational": table[other].drop(columns=["medians", "HR (CI)"]),
    }


def flagged_table(ch, flagged: pd.DataFrame) -> pd.DataFrame:
    """The inconsistent verdicts (``Consistency.flagged``), each estimate named by its
    ``result_name`` (:func:`label_rows`); glues ``flagged_hr_medians`` (the
    exponential hazard ratio of the first flagged row's medians), ``flagged_hr`` and
    ``flagged_medians``."""
    if len(flagged):
        row = ch.rows.loc[flagged["effect_id"].iloc[0]]
        chapter.glue(
            "flagged_hr_medians",
            format_number(effects.hr_from_medians(row["median_experimental"], row["median_control"]), 2),
        )
        chapter.glue("flagged_hr", ch.hr_text(row.name))
        chapter.glue("flagged_medians", f"{row['median_experimental']:g} and {row['median_control']:g} months")
    named = flagged.assign(estimate=flagged["effect_id"].map(ch.rows["result_name"]))
    return named[["study", "estimate", "check", "detail", "explanation"]]


def interval_versions(
    ch, effect_id: str = "destiny_breast04_os_hr_positive_interim", other_id: str = "destiny_breast04_os_itt_interim"
) -> pd.DataFrame:
    """The p-value check of ``effect_id`` with its own interval and with the interval of
    ``other_id`` (a page version that printed that one instead): recomputed p, the range a
    rounded interval allows and the verdict. Glues ``db04_p_reported``, ``db04_p_data``,
    ``db04_p_alt``, ``db04_verdict_data`` and ``db04_verdict_alt``."""
    rows = ch.rows
    alternative = {c: (rows.loc[other_id, c], ch.printed.loc[other_id, c]) for c in ("hr_ci_lower", "hr_ci_upper")}
    checks = ch.check_variants(
        [(effect_id, "interval in the data", {}), (effect_id, "all-patient interval", alternative)]
    )
    checks = checks[checks["check"] == "CI ↔ p"].reset_index(drop=True)
    checks.insert(0, "version", ["interval in the data", "all-patient interval"])
    checks.insert(
        1,
        "interval",
        [format_ci(rows.loc[e, "hr_ci_lower"], rows.loc[e, "hr_ci_upper"]) for e in (effect_id, other_id)],
    )
    chapter.glue("db04_p_reported", f"{rows.loc[effect_id, 'p_value']:g}")
    for i, name in enumerate(("data", "alt")):
        chapter.glue(f"db04_p_{name}", format_number(checks["recomputed"].iloc[i], 4))
        chapter.glue(f"db04_verdict_{name}", checks["verdict"].iloc[i])
    return checks[
        ["version", "interval", "recomputed", "compatible_lower", "compatible_upper", "reported", "verdict"]
    ].round(4)


def slide_readings(ch, effect_ids: tuple[str, str] = (VISCERAL, NONVISCERAL)) -> pd.DataFrame:
    """The events check of every candidate interval of the two subgroups ``effect_ids``
    (``data/appraisal/alternative_readings.csv``): which intervals fit each subgroup's events.
    Glues ``ocr_visceral_fit``, ``ocr_nonvisceral_fit`` and ``ocr_mapping_confirmed``."""
    rows, alternatives = ch.rows, ch.evidence.alternative_readings
    readings = alternatives[alternatives["effect_id"].isin(effect_ids)]
    intervals = [
        f"{h} ({lo}–{hi})" for h, lo, hi in zip(readings["hr"], readings["hr_ci_lower"], readings["hr_ci_upper"])
    ]
    checks = ch.check_variants(
        [
            (r["effect_id"], i, {c: (float(r[c]), r[c]) for c in ("hr", "hr_ci_lower", "hr_ci_upper")})
            for i, (_, r) in zip(intervals, readings.iterrows())
        ]
    )
    checks = checks[checks["check"] == "events ↔ CI width"].reset_index(drop=True)
    checks["subgroup"] = np.where(checks["effect_id"] == effect_ids[0], "visceral disease", "no visceral disease")
    checks["interval"] = intervals
    fits = {
        e: list(checks.loc[(checks["effect_id"] == e) & (checks["verdict"] == "consistent"), "interval"])
        for e in effect_ids
    }
    in_data = {
        e: f"{rows.loc[e, 'hr']:.2f} ({rows.loc[e, 'hr_ci_lower']:.2f}–{rows.loc[e, 'hr_ci_upper']:.2f})"
        for e in effect_ids
    }
    chapter.glue("ocr_visceral_fit", " or ".join(fits[effect_ids[0]]) or "none")
    chapter.glue("ocr_nonvisceral_fit", " or ".join(fits[effect_ids[1]]) or "none")
    chapter.glue(
        "ocr_mapping_confirmed",
        "confirmed for both subgroups"
        if all(fits[e] == [in_data[e]] for e in fits)
        else "not confirmed: see the table",
    )
    return checks[
        ["subgroup", "interval", "reported", "recomputed", "compatible_lower", "compatible_upper", "verdict"]
    ].round(1)


def merge_split_rows(ch, checks: pd.DataFrame) -> pd.DataFrame:
    """``ch.rows`` with the KEYNOTE-355 CPS ≥1 overall-survival estimate, held in two rows (medians
    in one, interval in the other), merged into one row. Glues ``kn_cps1_hr``, ``kn_cps1_verdict``
    (medians check of the merged row), ``imp130_review``, ``imp130_fda`` and ``imp130_fda_events``
    (the events check of the FDA row in ``checks``, the chapter's consistency checks)."""
    rows = ch.rows
    kn_ci, kn_med = "keynote355_os_cps_ge1_final", "keynote355_os_cps_ge1_final_medians"
    if rows.loc[kn_ci, "hr"] != rows.loc[kn_med, "hr"] or rows.loc[kn_ci, "analysis"] != rows.loc[kn_med, "analysis"]:
        raise ValueError(f"{kn_ci} and {kn_med} are not the same estimate (hazard ratio or analysis differ)")
    columns = ["median_experimental", "median_control", "median_unit"]
    merged_check = ch.check_variants(
        [
            (
                kn_ci,
                "merged",
                {
                    c: (rows.loc[kn_med, c], ch.evidence.effects_printed.loc[kn_med].get(c, rows.loc[kn_med, c]))
                    for c in columns
                },
            )
        ]
    )
    merged = rows.drop(index=kn_med)
    merged.loc[kn_ci, columns] = rows.loc[kn_med, columns]
    fda, review = "impassion130_pfs_pdl1_pos_fda", "impassion130_pfs_pdl1_pos_primary"
    events = checks[(checks["effect_id"] == fda) & (checks["check"] == "events ↔ CI width")].iloc[0]
    chapter.glue("kn_cps1_hr", f"{rows.loc[kn_ci, 'hr']:g}")
    chapter.glue("kn_cps1_verdict", merged_check.loc[merged_check["check"] == "medians ↔ HR", "verdict"].iloc[0])
    chapter.glue("imp130_review", f"{ch.hr_text(review)}, medians {ch.medians_text(review)}")
    chapter.glue("imp130_fda", f"{ch.hr_text(fda)}, medians {ch.medians_text(fda)}")
    chapter.glue(
        "imp130_fda_events",
        f"{events['verdict']}: about {events['recomputed']:.0f} events implied, {events['reported']:.0f} reported",
    )
    return merged


def hierarchy_walk(
    ch, proxy_level: float = 0.95, hierarchies: dict | None = None, itt_p: str = "impassion130_os_itt_final"
) -> pd.DataFrame:
    """The overall-survival testing hierarchies (``{trial: [effect_id, ...]}`` in testing order,
    default :data:`HIERARCHIES`) walked with :func:`helpers.synthesis.fixed_sequence`: each
    step's estimate, whether its ``proxy_level`` interval excludes one (or, without an interval,
    whether p < 1 - ``proxy_level``), and whether it was formally tested. Glues ``proxy_level``,
    ``proxy_alpha`` and ``imp130_itt_p`` (the p-value of the estimate ``itt_p``)."""
    rows = ch.rows
    hierarchies = HIERARCHIES if hierarchies is None else hierarchies
    steps = pd.concat(
        [synthesis.fixed_sequence(rows, order, proxy_level).assign(trial=trial) for trial, order in hierarchies.items()]
    )
    chapter.glue("proxy_level", f"{proxy_level:.0%}")
    chapter.glue("proxy_alpha", f"{1 - proxy_level:.2f}")
    chapter.glue("imp130_itt_p", f"{rows.loc[itt_p, 'p_value']:g}")
    return pd.DataFrame(
        {
            "trial": steps["trial"],
            "step": steps["step"],
            "population": steps["effect_id"].map(rows["label_detail"]),
            "estimate": [
                ch.hr_text(e) if b == "interval" else f"HR not found; p = {rows.loc[e, 'p_value']:g}"
                for e, b in zip(steps["effect_id"], steps["basis"])
            ],
            "significant (proxy)": np.where(steps["significant"], "yes", "no"),
            "formally tested": np.where(steps["formally_tested"], "yes", "no (an earlier step failed)"),
        }
    ).reset_index(drop=True)


def forest_rows(ch, data_cut: str) -> pd.DataFrame:
    """The randomised trials' hazard ratios with an interval, one row per estimate (the
    ``data_cut`` analysis chosen in ``data/appraisal/estimate_choice_emerging_therapies.csv``,
    comparisons ``forest_*``), grouped (:data:`FOREST_GROUPS`) and labelled for the plot. Glues
    ``data_cut`` and ``cut_choices`` (the estimates chosen among several data cuts)."""
    rows = ch.rows
    tte = rows[(rows["design"] == "rct") & rows["endpoint"].isin(["OS", "PFS"])]
    tte = tte.drop(index=[e for e in duplicate_estimates(ch) if e in tte.index])
    chosen = ch.keep_chosen(
        tte[tte[["hr", "hr_ci_lower", "hr_ci_upper"]].notna().all(axis=1)], data_cut, prefix="forest_"
    )
    chosen = chosen.assign(
        group=pd.Categorical(
            chosen["population"].map(FOREST_GROUPS), list(dict.fromkeys(FOREST_GROUPS.values())), ordered=True
        )
    )
    chosen = chosen.sort_values(["group", "study"], kind="stable")
    choices = ch.choices(data_cut)
    choices = choices[
        choices["comparison"].str.startswith("forest_") & ~choices["effect_id"].isin(SAME_ESTIMATE.values())
    ]
    chapter.glue("data_cut", data_cut)
    chapter.glue(
        "cut_choices",
        "; ".join(dict.fromkeys(f"{rows.loc[e, 'study']} {rows.loc[e, 'analysis']}" for e in choices["effect_id"])),
    )
    chosen["label"] = [
        s
        if p == "ITT"
        else {"visceral": "with visceral disease", "nonvisceral": "without visceral disease"}.get(
            p, f"{s} {FOREST_DETAIL.get(d, d)}"
        )
        for s, p, d in zip(chosen["study"], chosen["population"], chosen["label_detail"])
    ]
    return chosen


def duplicate_estimates(ch) -> dict[str, str]:
    """Rows that repeat another row's estimate from another source, as ``{dropped: kept}``: the
    same study, endpoint, population, analysis and assessment with the same hazard ratio and
    interval. The row read from a primary source is kept (the first in the data among equals).
    Rows of :data:`SAME_ESTIMATE` (the same estimate printed with different numbers) come first."""
    rows = ch.rows
    keys = ["study_id", "endpoint", "population", "population_detail", "analysis", "assessment"]
    numbers = ["hr", "hr_ci_lower", "hr_ci_upper"]
    pairs = {dropped: kept for dropped, kept in SAME_ESTIMATE.items() if dropped in rows.index}
    full = rows[rows[numbers].notna().all(axis=1) & ~rows.index.isin(list(pairs))]
    signature = full[keys + numbers].astype(object).where(full[keys + numbers].notna(), None).apply(tuple, axis=1)
    for _, group in full.groupby(signature, sort=False):
        if len(group) > 1:
            kept = group.index[np.argsort((group["source_kind"] != "primary").to_numpy(), kind="stable")[0]]
            pairs.update({dropped: kept for dropped in group.index if dropped != kept})
    return pairs


def same_estimate(ch, pairs: dict[str, str] | None = None) -> pd.DataFrame:
    """``pairs`` (dropped row: kept row, default :func:`duplicate_estimates`) as a table: the rows
    that are the same estimate (study and ``result_name``, :func:`label_rows`), the source of the
    row dropped and of the row drawn."""
    rows, pairs = ch.rows, duplicate_estimates(ch) if pairs is None else pairs
    return pd.DataFrame(
        {
            "estimate": [f"{rows.loc[e, 'study']}, {rows.loc[e, 'result_name']}" for e in pairs],
            "dropped row, read from": [ch.source_link(rows.loc[e, "source_id"]) for e in pairs],
            "kept row, read from": [ch.source_link(rows.loc[e, "source_id"]) for e in pairs.values()],
        }
    )


def forest_frames(chosen: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """:func:`helpers.synthesis.forest_frame` of :func:`forest_rows` per endpoint (``"OS"``, ``"PFS"``)."""
    return {
        e: synthesis.forest_frame(chosen[chosen["endpoint"] == e], group_col="group", label_col="label").astype(
            {"group": str}
        )
        for e in ("OS", "PFS")
    }


def analyses(chosen: pd.DataFrame) -> pd.DataFrame:
    """Analysis, assessment and source kind of every estimate of :func:`forest_rows` (the data
    notes, written for auditors, are not shown)."""
    return pd.DataFrame(
        {
            "study": chosen["study"],
            "endpoint": chosen["endpoint"],
            "population": chosen["label_detail"],
            "analysis": chosen["analysis"].str.replace("_", " "),
            "assessment": chosen["assessment"].str.replace("_", " "),
            "source kind": chosen["source_kind"],
        }
    )


def benefit_table(ch, merged: pd.DataFrame, data_cut: str) -> pd.DataFrame:
    """Median gain (:func:`helpers.benefit.median_gain`), hazard ratio and preliminary ESMO-MCBS
    grade (:func:`helpers.synthesis.esmo_grades`) of every randomised time-to-event estimate of
    ``merged`` (:func:`merge_split_rows`) with both medians, one per estimate at ``data_cut``
    (comparisons ``benefit_*``), with the caveats of each row. Glues ``n_benefit``, ``n_graded``,
    ``n_clean`` (graded, no caveat), ``clean_list`` and ``tropics_rule``."""
    with_medians = merged[
        (merged["design"] == "rct")
        & merged["endpoint"].isin(["OS", "PFS"])
        & merged[["median_experimental", "median_control"]].notna().all(axis=1)
    ]
    rows = ch.keep_chosen(with_medians, data_cut, prefix="benefit_")
    grades = synthesis.esmo_grades(rows).set_index("effect_id")
    caveats = pd.DataFrame(
        {  # one column per caveat, empty where it does not apply
            "ci": np.where(rows["hr_ci_upper"].fillna(0) >= 1, "CI includes 1: no demonstrated benefit to grade", ""),
            "tested": np.where(
                rows["note"].str.contains("not formally tested", case=False, na=False), "not formally tested", ""
            ),
            "subgroup": np.where(rows["population"] != "ITT", "subgroup", ""),
            "analysis": rows["analysis"].map(LATER_ANALYSIS).fillna(""),
            "source": np.where(rows["source_kind"] == "secondary", "secondary source", ""),
        },
        index=rows.index,
    )
    table = pd.DataFrame(  # positional columns only: one line of the table per row of ``rows``
        {
            "study": rows["study"].to_numpy(),
            "endpoint": rows["endpoint"].to_numpy(),
            "population": rows["label_detail"].to_numpy(),
            "analysis": rows["analysis"].to_numpy(),
            "medians (months)": [
                f"{e:g} vs {c:g}" for e, c in zip(rows["median_experimental"], rows["median_control"])
            ],
            "gain (months)": [
                benefit.median_gain(e, c) for e, c in zip(rows["median_experimental"], rows["median_control"])
            ],
            "HR (CI)": [ch.hr_text(e) for e in rows.index],
            "ESMO-MCBS (preliminary)": grades.loc[rows.index, "grade"].to_numpy(),
            "caveats": ["; ".join(c for c in r if c) or "–" for r in caveats.itertuples(index=False)],
        },
        index=rows.index,
    ).round({"gain (months)": 1})
    graded = table["ESMO-MCBS (preliminary)"].str.isdigit()
    clean = graded & (table["caveats"] == "–")
    chapter.glue("n_benefit", f"{len(table)}")
    chapter.glue("n_graded", f"{graded.sum()}")
    chapter.glue("n_clean", f"{clean.sum()}")
    chapter.glue(
        "clean_list",
        ", ".join(f"{s} {e}" for s, e in zip(table.loc[clean, "study"], table.loc[clean, "endpoint"])) or "none",
    )
    chapter.glue(
        "tropics_rule",
        grades.loc["tropics02_os_itt_final", "rule"]
        if "tropics02_os_itt_final" in grades.index
        else "not in the table",
    )
    return table


def illustration(merged: pd.DataFrame, effect_id: str) -> pd.Series:
    """The row of ``merged`` whose medians the implied-curve illustration uses; glues
    ``illustration_name``."""
    row = merged.loc[effect_id]
    chapter.glue(
        "illustration_name", f"{row['study']} ({row['endpoint']}, {row['label_detail']}, {row['analysis']} analysis)"
    )
    return row


def rob_matrices(ch) -> dict[str, pd.DataFrame]:
    """Risk-of-bias matrices (``"rct"``, ``"other"``) with domain codes D1, D2, ... and Overall, so
    that the traffic light stays legible; glues ``tool_rct`` and ``tool_nrs``."""
    label = ch.rows["result_name"].get
    matrices = {key: ch.risk_of_bias_matrix(_ids(ch, key == "rct"), result_label=label) for key in ("rct", "other")}
    for matrix in matrices.values():
        matrix.columns = [f"D{i}" for i in range(1, matrix.shape[1])] + ["Overall"]
    rob = ch.risk_of_bias_view(result_label=label)
    for key, glued in (("rct", "tool_rct"), ("other", "tool_nrs")):
        chapter.glue(
            glued, rob.loc[rob["study"].isin(ch.studies.loc[_ids(ch, key == "rct"), "short_name"]), "tool"].iloc[0]
        )
    return matrices


def certainty(ch) -> pd.DataFrame:
    """:meth:`helpers.chapter.Chapter.certainty_view`; glues ``n_certainty_high``,
    ``n_certainty_moderate``, ``n_certainty_low`` and ``n_certainty_very_low``."""
    table = ch.certainty_view()
    for level in ("high", "moderate", "low", "very low"):
        chapter.glue(f"n_certainty_{level.replace(' ', '_')}", f"{(table['certainty'] == level).sum()}")
    return table


def prevalence(ch) -> pd.DataFrame:
    """Share of patients with liver or visceral metastases at entry, by arm; glues
    ``tb01_liver``, ``db04_liver_itt``, ``db04_liver_hrpos`` and ``tropics_visceral``."""
    rows = ch.rows
    chapter.glue("tb01_liver", _percents(rows.loc["tropion_breast01_prevalence_liver_itt"]))
    chapter.glue("db04_liver_itt", _percents(rows.loc["destiny_breast04_prevalence_liver_itt"]))
    chapter.glue("db04_liver_hrpos", _percents(rows.loc["destiny_breast04_prevalence_liver_hr_positive"]))
    chapter.glue("tropics_visceral", f"{rows.loc['tropics02_prevalence_visceral_itt', 'percent_experimental']:g}%")
    shares = rows[rows["endpoint"] == "prevalence"]
    return pd.DataFrame(
        {
            "study": shares["study"],
            "what": ["liver metastases" if "_liver_" in e else "visceral disease" for e in shares.index],
            "patients": [
                "HR+ cohort" if d == "hr positive" else "all randomised" for d in shares["population_detail"].fillna("")
            ],
            "experimental arm (%)": shares["percent_experimental"],
            "control arm (%)": shares["percent_control"],
            "arms": shares["arm_experimental"] + " / " + shares["arm_control"].fillna("–"),
        }
    )


def investigational(ch) -> pd.DataFrame:
    """What kind of evidence each non-randomised study gives: the approach (investigational, by
    :data:`INVESTIGATIONAL_SETTING`, or an approved drug), whether its patients had metastases
    (:data:`PRE_METASTATIC_SETTING`), whether the data hold any result, and the stage of evidence
    in words. Glues ``n_investigational`` (studies of investigational approaches),
    ``n_pre_metastatic`` (of the studies with a result, those before metastases),
    ``n_registry_only`` (no result in the data) and ``tvec_pcr`` (the percentage of the first
    result of the first pre-metastatic study with a result, "none" without one: the
    pathological complete response of the T-VEC trial)."""
    rows = ch.rows
    studies = ch.studies.loc[_ids(ch, False)]
    n_results = rows.groupby("study_id").size().reindex(studies.index, fill_value=0)
    setting = studies["setting"].fillna("")
    novel = setting.str.contains(INVESTIGATIONAL_SETTING, regex=True).to_numpy()
    before = setting.str.contains(PRE_METASTATIC_SETTING, regex=True).to_numpy()
    phase = [f"phase {p}" for p in studies["phase"].fillna("not stated")]
    stage = [
        f"registry record only ({p}): no result"
        if n == 0
        else f"single arm ({p}), {'before metastases' if b else 'metastatic disease'}"
        for n, p, b in zip(n_results, phase, before)
    ]
    chapter.glue("n_investigational", f"{novel.sum()}")
    chapter.glue("n_pre_metastatic", f"{(before & (n_results > 0).to_numpy()).sum()}")
    chapter.glue("n_registry_only", f"{(n_results == 0).sum()}")
    published_before = studies.index[before & (n_results > 0).to_numpy()]
    chapter.glue(
        "tvec_pcr",
        f"{rows[rows['study_id'] == published_before[0]].iloc[0]['percent_experimental']:g}%"
        if len(published_before)
        else "none",
    )
    return pd.DataFrame(
        {
            "study": studies["name"].to_numpy(),
            "approach": np.where(novel, "investigational", "approved drug"),
            "population": studies["population"].to_numpy(),
            "stage of evidence": stage,
            "registry": studies["registry_id"].to_numpy(),
        }
    ).sort_values("approach", ascending=False, kind="stable", ignore_index=True)


def visceral_interaction(ch, effect_ids: tuple[str, str] = (VISCERAL, NONVISCERAL)) -> dict:
    """The interaction test (:func:`helpers.effects.interaction_test`, the ratio of the two hazard
    ratios) of the subgroups with and without visceral disease ``effect_ids``; glues
    ``visc_interaction_p`` and returns the test."""
    rows = ch.rows
    interaction = effects.interaction_test(
        *rows.loc[effect_ids[0], ["hr", "hr_ci_lower", "hr_ci_upper"]],
        *rows.loc[effect_ids[1], ["hr", "hr_ci_lower", "hr_ci_upper"]],
    )
    chapter.glue("visc_interaction_p", format_p(interaction["p"]))
    return interaction


def key_points(ch) -> dict[str, str]:
    """The numbers of the key-points box, glued and returned: ``kp_n_trials`` (randomised trials),
    ``kp_n_liver_trials`` (of them, trials with an efficacy result in patients with liver
    metastases; "none" for zero), ``kp_n_comparisons`` (comparisons rated for certainty),
    ``kp_n_indirect`` (of them, rated down for indirectness; "all" when every one is) and
    ``kp_n_no_result`` (non-randomised studies without any result in the data)."""
    rows, studies = ch.rows, ch.studies
    liver = rows[
        (rows["design"] == "rct") & (rows["population"] == "liver_metastases") & ~rows["endpoint"].isin(["prevalence"])
    ]
    grade = ch.evidence.certainty
    grade = grade[grade["chapter"] == ch.name]
    indirect = int(grade["indirectness"].isin(["serious", "very_serious"]).sum())
    other = studies.index[studies["design"] != "rct"]
    values = {
        "kp_n_trials": f"{(studies['design'] == 'rct').sum()}",
        "kp_n_liver_trials": f"{liver['study_id'].nunique() or 'none'}",
        "kp_n_comparisons": f"{len(grade)}",
        "kp_n_indirect": "all" if indirect == len(grade) else f"{indirect}",
        "kp_n_no_result": f"{sum(s not in set(rows['study_id']) for s in other)}",
    }
    for key, value in values.items():
        chapter.glue(key, value)
    return values
