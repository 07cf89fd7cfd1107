"""The HER2 tyrosine-kinase-inhibitor chapter (``chapters/her2_tkis.ipynb``): its tables and glue.

Every function takes the loaded chapter (``chapter.load("her2_tkis", ...)``) and, where the
chapter has a parameter, that parameter; it returns a tidy frame (the chapter renders it with
:func:`helpers.tables.to_html`) and writes the values the prose needs through
:func:`helpers.chapter.glue` under the fixed names listed in each docstring. The methods
themselves live in :mod:`helpers.synthesis`, :mod:`helpers.benefit`, :mod:`helpers.effects` and
:mod:`helpers.rounding`; this module only selects rows, labels them and formats them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from helpers import benefit, chapter, effects, meta, synthesis
from helpers.formatting import format_as_printed, format_ci, format_number, format_p

#: Endpoint families: progression (PFS, TTP) and overall survival; the forests and pools use them.
FAMILY = {"PFS": "progression", "TTP": "progression", "OS": "OS"}
#: The one pair of arms that two trials share (the pooling candidates).
PYRO = ("pyrotinib + capecitabine", "lapatinib + capecitabine")
#: Direction labels of the chapter's forest plots.
FAVOURS = ("favours the TKI arm", "favours control")
#: Populations that describe liver or visceral disease.
LIVER_POPULATIONS = ("liver_metastases", "visceral", "nonvisceral", "liver_or_lung")
#: Drugs of the chapter (rows of ``data/drug_facts.csv``).
DRUGS = "lapatinib|neratinib|pyrotinib|tucatinib"
#: Certainty levels in words for a reader without statistics (GRADE).
CERTAINTY_WORDS = {"high": "high", "moderate": "moderate", "low": "low", "very_low": "very low"}
_SENTENCE = r"(?<=[.;])\s+"


def _glue(key: str, value: object) -> None:
    chapter.glue(key, value)  # looked up at call time, so that tests can collect the values


def prognostic(ch) -> pd.Series:
    """``True`` for rows that compare groups of patients (population ``prognostic``), not treatments."""
    return ch.rows["population"].eq("prognostic")


def setup(ch, data_cut: str) -> pd.Series:
    """Glue the opening counts and every estimate (:meth:`Chapter.glue_opening`,
    :meth:`Chapter.glue_estimates` with "HR "), ``data_cut`` (in words), and add the columns
    ``result`` (``"<endpoint>, <analysis>[, prognostic]"``) and ``estimate`` (``"<study>, <result>"``
    and the population detail in brackets, the name a table shows for an estimate) to ``ch.rows``;
    returns :func:`prognostic`."""
    ch.glue_opening()
    ch.glue_estimates(label=True)
    is_prognostic = prognostic(ch)
    rows = ch.rows
    rows["result"] = [
        f"{r['endpoint']}, {r['analysis']}" + (", prognostic" if p else "")
        for (_, r), p in zip(rows.iterrows(), is_prognostic)
    ]
    rows["estimate"] = [
        f"{s}, {r}" + ("" if pd.isna(d) else f" ({d})")
        for s, r, d in zip(rows["short_name"], rows["result"], rows["population_detail"])
    ]
    _glue("data_cut", data_cut.replace("_", " "))
    return is_prognostic


def glue_secondary(ch) -> None:
    """Glue ``secondary_list``: each study with estimates read from secondary sources,
    ``"<name> (<k> of <n> estimates)"``."""
    rows = ch.rows
    by_study = rows["source_kind"].eq("secondary").groupby(rows["study_id"]).agg(["sum", "size"])
    _glue(
        "secondary_list",
        ", ".join(f"{ch.short_name(s)} ({k} of {n} estimates)" for s, (k, n) in by_study.iterrows() if k > 0),
    )


def drug_facts(ch) -> pd.DataFrame:
    """The drug facts (``data/drug_facts.csv``) of the four TKIs: drug, fact, value, source link, note."""
    table = ch.evidence.drug_facts
    facts = table[table["drug"].str.contains(DRUGS, case=False)]
    return facts[["drug", "fact", "value"]].assign(
        source=facts["source_id"].map(ch.source_link), note=facts["note"].fillna("")
    )


def check_matrix(ch, consistency) -> pd.DataFrame:
    """Verdict per estimate (named by the column ``estimate`` of :func:`setup`) and check
    (estimates with at least one checkable check; "–": not checkable), with the reported p-value
    and the two-sided p-value its interval implies. Checks no estimate could be run on are
    dropped and glued as ``never_checkable``."""
    rows, printed, checks = ch.rows, ch.printed, consistency.checks
    checkable = checks.groupby("effect_id")["verdict"].apply(lambda v: (v != "not_checkable").any())
    matrix = checks[checks["effect_id"].isin(checkable[checkable].index)].pivot(
        index="effect_id", columns="check", values="verdict"
    )
    p_rows = checks[checks["check"] == "CI ↔ p"].set_index("effect_id")
    matrix["p reported"] = [
        "–"
        if pd.isna(rows.loc[e, "p_value"])  # printed cells of an empty value are ""
        else ("< " if rows.loc[e, "p_operator"] == "<" else "") + format_as_printed(float(printed.loc[e, "p_value"]))
        for e in matrix.index
    ]
    matrix["p from the CI (two-sided)"] = [
        format_p(p_rows.loc[e, "recomputed"]) if pd.notna(p_rows.loc[e, "recomputed"]) else "–" for e in matrix.index
    ]
    matrix = matrix.reindex(rows.index.intersection(matrix.index)).replace({"not_checkable": "–"})
    never = [c for c in matrix.columns if (matrix[c] == "–").all()]
    _glue("never_checkable", ", ".join(never) or "none")
    matrix = matrix.drop(columns=never).rename_axis(None, axis=1)
    return matrix.set_axis(matrix.index.map(rows["estimate"]), axis=0).rename_axis("estimate").reset_index()


def glue_check_notes(ch, consistency) -> None:
    """Glue ``flagged_notes`` (the notes of the flagged estimates) and ``sided_notes`` (every
    sentence of the chapter's notes that mentions "one-sided")."""
    rows = ch.rows
    _glue("flagged_notes", " ".join(rows.loc[e, "note"] for e in consistency.flagged["effect_id"].unique()) or "none")
    sided = [s for s in re.split(_SENTENCE, " ".join(rows["note"].dropna())) if "one-sided" in s]
    _glue("sided_notes", " ".join(sided) or "none")


def landmarks(ch) -> pd.DataFrame:
    """Two-year survival reported against the value the hazard ratio implies
    (:func:`helpers.synthesis.landmark_check`); glues ``lm_<effect_id>_reported``, ``_implied``
    and ``_gap`` (absolute, percentage points)."""
    rows, printed = ch.rows, ch.printed
    found = synthesis.landmark_check(rows[~prognostic(ch)])
    for _, r in found.iterrows():
        _glue(f"lm_{r['effect_id']}_reported", printed.loc[r["effect_id"], "percent_experimental"])
        _glue(f"lm_{r['effect_id']}_implied", format_number(r["implied"], 1))
        _glue(f"lm_{r['effect_id']}_gap", format_number(abs(r["gap"]), 1))
    return pd.DataFrame(
        {
            "study": found["effect_id"].map(rows["short_name"]),
            "data cut": found["effect_id"].map(rows["analysis"]),
            "hazard ratio": [ch.hr_text(e, label=True) for e in found["hr_effect_id"]],
            "control, reported (%)": found["effect_id"].map(printed["percent_control"]),
            "experimental, reported (%)": found["effect_id"].map(printed["percent_experimental"]),
            "experimental, implied by HR (%)": [format_number(v, 1) for v in found["implied"]],
            "implied by the CI limits (%)": [
                format_ci(lo, hi, 1) for lo, hi in zip(found["implied_lower"], found["implied_upper"])
            ],
        }
    )


def response_difference(ch, effect_id: str, implied: dict) -> pd.DataFrame:
    """The response-rate lesson: responders implied by the printed rates (``implied``, from
    :func:`helpers.rounding.difference_of_printed_rates`), their difference and Wald interval
    against the reported difference. Glues ``orr_rates``, ``orr_naive``, ``orr_responders``,
    ``orr_exact``, ``orr_reported``, ``orr_reported_ci`` and ``orr_wald_ci``."""
    orr, shown = ch.rows.loc[effect_id], ch.printed.loc[effect_id]
    reported = shown[["percent_difference", "percent_difference_ci_lower", "percent_difference_ci_upper"]]
    wald_ci = format_ci(implied["lower"], implied["upper"], 1)
    _glue("orr_rates", f"{shown['percent_experimental']}% vs {shown['percent_control']}%")
    _glue("orr_naive", format_number(implied["difference_printed"], 1))
    _glue(
        "orr_responders",
        f"{implied['responders_experimental']} of {orr['n_experimental']} and "
        f"{implied['responders_control']} of {orr['n_control']}",
    )
    _glue("orr_exact", format_number(implied["difference"], 2))
    _glue("orr_reported", reported.iloc[0])
    _glue("orr_reported_ci", f"{reported.iloc[1]}–{reported.iloc[2]}")
    _glue("orr_wald_ci", wald_ci)
    return pd.DataFrame(
        {
            "quantity": [
                "responders implied (pyrotinib)",
                "responders implied (lapatinib)",
                "difference of the printed rates",
                "difference from the implied responders",
                "Wald 95% CI of that difference",
                "difference reported",
                "95% CI reported",
            ],
            "value": [
                f"{implied['responders_experimental']} of {orr['n_experimental']}",
                f"{implied['responders_control']} of {orr['n_control']}",
                format_number(implied["difference_printed"], 1) + " points",
                format_number(implied["difference"], 2) + " points",
                wald_ci + " points",
                reported.iloc[0] + " points",
                f"{reported.iloc[1]}–{reported.iloc[2]} points",
            ],
        }
    )


def data_cuts(ch, study_ids=("egf100151", "her2climb", "phoebe")) -> pd.DataFrame:
    """Forest rows (:func:`helpers.synthesis.forest_frame`, with ``group`` = study and ``label`` =
    endpoint, cut and detail) of every hazard ratio with its interval of the studies with several
    data cuts, progression before survival, earliest cut first. Also glues the EGF100151 crossover
    sentence (``egf_crossover_sentence``) and who assessed progression (``assess_<effect_id>``)."""
    rows = ch.rows
    multi = rows[rows["study_id"].isin(study_ids) & rows[["hr", "hr_ci_lower", "hr_ci_upper"]].notna().all(axis=1)]
    multi = ch.by_data_cut(multi.assign(_family=multi["endpoint"].map(FAMILY).eq("OS")), first=["study_id", "_family"])
    cuts = synthesis.forest_frame(multi)
    cuts.insert(0, "group", multi["short_name"].to_numpy())
    cuts["label"] = [
        f"{r['endpoint']}, {r['analysis'].replace('_', ' ')}"
        + ("" if pd.isna(r["population_detail"]) else f", {r['population_detail']}")
        for _, r in multi.iterrows()
    ]
    sentence = next(
        s for s in re.split(r"(?<=\.)\s+", rows.loc["egf100151_os_itt_final", "quote"]) if "crossed over" in s
    )
    _glue("egf_crossover_sentence", sentence)
    for key in [
        "phoebe_pfs_itt_interim",
        "phoebe_pfs_itt_updated",
        "her2climb_pfs_itt_final",
        "her2climb_pfs_first480_primary",
    ]:
        _glue(
            f"assess_{key}",
            rows.loc[key, "assessment"]
            .replace("central", "blinded independent central review")
            .replace("investigator", "investigators"),
        )
    return cuts


@dataclass
class Pooling:
    """The pyrotinib-versus-lapatinib pooling decision for one endpoint.

    Attributes
    ----------
    availability
        Per pyrotinib-versus-lapatinib trial: its estimates of the endpoint, whether one has a
        hazard ratio with its interval, who assessed it.
    to_pool
        The chosen estimates that are pooled (rows of ``ch.rows``).
    pooled
        :func:`helpers.synthesis.pool_effects` of ``to_pool``, or ``None`` (fewer than two).
    models
        The same pool under every model (FE, DL, PM, REML, each with and without Hartung–Knapp),
        or a one-row frame saying why there is no pool.
    """

    availability: pd.DataFrame
    to_pool: pd.DataFrame
    pooled: meta.PooledEffect | None
    models: pd.DataFrame


def pooling(ch, chosen: dict, endpoint: str, method: str, hartung_knapp: bool, level: float) -> Pooling:
    """Decide whether the pyrotinib-versus-lapatinib trials can be pooled for ``endpoint`` (PFS or
    OS), from the estimates ``chosen`` per family (:meth:`Chapter.chosen`), and pool them.

    Glues ``pool_decision``, ``pool_endpoint``, ``pool_rows``, ``pooled_sentence`` and
    ``pooled_hk_text``.
    """
    rows = ch.rows
    is_pyro = (rows["arm_experimental"] == PYRO[0]) & (rows["arm_control"] == PYRO[1])
    pyro_all = rows[is_pyro & (rows["endpoint"].map(FAMILY) == FAMILY[endpoint])]
    availability = pd.DataFrame(
        [
            {
                "trial": ch.short_name(s),
                "estimates of this endpoint": ", ".join(
                    f"{e} ({a})" for e, a in zip(found["endpoint"], found["analysis"])
                )
                or "none",
                "hazard ratio with CI": "yes"
                if found[["hr", "hr_ci_lower", "hr_ci_upper"]].notna().all(axis=1).any()
                else "no",
                "assessment": ", ".join(sorted(set(found["assessment"].str.replace("_", " ")))) or "–",
            }
            for s in sorted(set(rows.loc[is_pyro, "study_id"]))
            for found in [pyro_all[pyro_all["study_id"] == s]]
        ]
    )
    to_pool = chosen[FAMILY[endpoint]]
    to_pool = to_pool[(to_pool["arm_experimental"] == PYRO[0]) & (to_pool["arm_control"] == PYRO[1])]
    pooled = None
    if len(to_pool) >= 2:
        pooled = synthesis.pool_effects(to_pool, method=method, hartung_knapp=hartung_knapp, level=level)
        decision = (
            f"pooled: both trials report a {endpoint} hazard ratio with its interval, for the same drugs, "
            "comparator, endpoint and setting"
        )
    else:
        article = {"PFS": "a", "OS": "an"}[endpoint]
        decision = (
            f"not pooled: of the {len(availability)} pyrotinib-versus-lapatinib trials, only {len(to_pool)} has "
            f"{article} {endpoint} hazard ratio with its interval in the data"
        )
    _glue("pool_decision", decision)
    _glue("pool_endpoint", endpoint)
    _glue(
        "pool_rows",
        ", ".join(
            f"{r['short_name']} ({r['analysis']}, assessment {r['assessment'].replace('_', ' ')})"
            for _, r in to_pool.iterrows()
        )
        or "none",
    )
    if pooled is None:
        _glue("pooled_sentence", "There is no pooled result for this endpoint.")
        _glue("pooled_hk_text", "no pool is computed for this endpoint")
        return Pooling(availability, to_pool, None, pd.DataFrame({"model": ["none"], "result": [decision]}))
    pi_text = (
        f"from {format_ci(pooled.hr_pi_lower, pooled.hr_pi_upper)}"
        if pooled.hr_pi_lower is not None
        else f"not estimable ({pooled.pi_note})"
    )
    _glue(
        "pooled_sentence",
        (
            f"The pooled hazard ratio is {format_number(pooled.hr)} ({level * 100:g}% CI "
            f"{format_ci(pooled.hr_lower, pooled.hr_upper)}; {pooled.label}), with weights "
            + ", ".join(f"{s} {format_number(w, 1)}%" for s, w in zip(to_pool["short_name"], pooled.weights))
            + f"; I² = {format_number(pooled.i2, 0)}%, τ² = {format_number(pooled.tau2, 4)}, Cochran's Q p = "
            f"{format_p(pooled.q_p)}; prediction interval {pi_text}."
        ),
    )
    models = {}
    for name in ["FE", "DL", "PM", "REML"]:
        for hk in (False, True):
            p = synthesis.pool_effects(to_pool, method=name, hartung_knapp=hk, level=level)
            models[p.label] = {
                "pooled HR": format_number(p.hr),
                f"{level * 100:g}% CI": format_ci(p.hr_lower, p.hr_upper),
                "tau²": format_number(p.tau2, 4),
                "I² (%)": format_number(p.i2, 0),
            }
    models = pd.DataFrame(models).T.rename_axis("model").reset_index()
    hk_row = models[models["model"] == "REML, Hartung–Knapp"].iloc[0]
    _glue("pooled_hk_text", f"with REML it is {hk_row[f'{level * 100:g}% CI']}")
    return Pooling(availability, to_pool, pooled, models)


def forests(ch, chosen: dict, pool: Pooling, endpoint: str) -> dict:
    """Per family ("progression", "OS"): the keyword arguments of
    :func:`helpers.plotting.forest_plot` (``studies``, grouped by comparison and labelled
    ``"<study> ([TTP, ]<cut>[, detail])"``, and ``pooled``, the diamond of ``pool`` in the family
    of ``endpoint``). Also glues ``forest_pfs_studies``, ``forest_os_studies`` and
    ``n_liver_rows`` (liver or visceral subgroup estimates in the data, or "none")."""
    diamond = {ch.abbreviate(" vs ".join(PYRO)): pool.pooled} if pool.pooled is not None else None
    result = {}
    for family, frame in chosen.items():
        frame = frame.assign(group=[ch.comparison(e) for e in frame.index]).sort_values(["group", "study_id"])
        studies = synthesis.forest_frame(frame, group_col="group").assign(
            label=[
                f"{r['short_name']} ("
                + ("TTP, " if r["endpoint"] == "TTP" else "")
                + r["analysis"]
                + ("" if pd.isna(r["population_detail"]) else f", {r['population_detail']}")
                + ")"
                for _, r in frame.iterrows()
            ]
        )
        result[family] = {"studies": studies, "pooled": diamond if FAMILY[endpoint] == family else None}
    liver_rows = ch.rows[ch.rows["population"].isin(LIVER_POPULATIONS)]
    _glue("n_liver_rows", "none" if liver_rows.empty else f"{len(liver_rows)}")
    _glue("forest_pfs_studies", ", ".join(chosen["progression"]["short_name"]))
    _glue("forest_os_studies", ", ".join(chosen["OS"]["short_name"]))
    return result


def gains(ch, horizon_months: float) -> pd.DataFrame:
    """Gain in medians (:func:`helpers.benefit.median_gain`) and, for medians in months, the RMST
    difference to ``horizon_months`` under an exponential model
    (:func:`helpers.benefit.rmst_difference_exponential`), for every randomised time-to-event
    estimate with both medians. Glues ``gain_<effect_id>`` and ``rmst_horizon``."""
    rows = ch.rows
    with_medians = rows[
        rows[["median_experimental", "median_control"]].notna().all(axis=1)
        & ~prognostic(ch)
        & rows["endpoint"].isin(list(FAMILY))
    ]
    gain = pd.Series(
        [
            benefit.median_gain(e, c)
            for e, c in zip(with_medians["median_experimental"], with_medians["median_control"])
        ],
        index=with_medians.index,
    )
    for e, g in gain.items():
        _glue(f"gain_{e}", format_number(g, 1))
    _glue("rmst_horizon", f"{horizon_months}")
    rmst = [
        f"{format_number(benefit.rmst_difference_exponential(r['median_experimental'], r['median_control'], horizon_months)['difference'], 1)} months"  # noqa: E501
        if r["median_unit"] == "months"
        else "– (medians in weeks)"
        for _, r in with_medians.iterrows()
    ]
    return pd.DataFrame(
        {
            "study": with_medians["short_name"],
            "endpoint": with_medians["endpoint"],
            "data cut": with_medians["analysis"],
            "comparison": [ch.comparison(e) for e in with_medians.index],
            "medians": [ch.medians_text(e) for e in with_medians.index],
            "gain in median": [f"{format_number(g, 1)} {u}" for g, u in zip(gain, with_medians["median_unit"])],
            f"RMST difference to {horizon_months} months (exponential)": rmst,
        }
    ).reset_index(drop=True)


def esmo(ch) -> pd.DataFrame:
    """Preliminary ESMO-MCBS grades (:func:`helpers.synthesis.esmo_grades`) of the randomised
    time-to-event estimates: estimate, grade, rule. Glues ``n_esmo_rows``, ``n_esmo_graded`` and
    ``esmo_graded_list``."""
    rows = ch.rows
    grades = synthesis.esmo_grades(rows[rows["endpoint"].isin(list(FAMILY)) & ~prognostic(ch)])
    grades["study"] = grades["effect_id"].map(rows["short_name"])
    grades["estimate"] = [f"{s}, {e}, {a}" for s, e, a in zip(grades["study"], grades["endpoint"], grades["analysis"])]
    graded = grades[grades["grade"].str.isdigit()]
    _glue("n_esmo_rows", f"{len(grades)}")
    _glue("n_esmo_graded", f"{len(graded)}")
    _glue(
        "esmo_graded_list",
        "; ".join(
            f"{s} {e} {a}: grade {g}"
            for s, e, a, g in zip(graded["study"], graded["endpoint"], graded["analysis"], graded["grade"])
        ),
    )
    return grades[["estimate", "grade", "rule"]]


def illustrated(ch, effect_id: str) -> pd.Series:
    """The estimate ``effect_id`` (parameter ``illustrated_effect``), which must be a randomised
    estimate of the chapter."""
    if effect_id not in ch.rows.index or prognostic(ch).get(effect_id, False):
        raise ValueError(f"illustrated_effect must be a randomised estimate of this chapter, got {effect_id!r}")
    return ch.rows.loc[effect_id]


def glue_illustration(ch, example: pd.Series, assumptions: dict) -> None:
    """Glue ``implied_label`` and ``implied_assumptions`` of the curves implied by one estimate
    (:func:`helpers.synthesis.implied_curves`)."""
    _glue(
        "implied_label",
        f"{example['short_name']}, {example['endpoint']}, {example['analysis']} ({ch.medians_text(example.name)})",
    )
    arm_sizes = assumptions.get("arm_sizes")
    _glue(
        "implied_assumptions",
        "exponential"
        + (
            f" model with arm sizes {arm_sizes} (the data do not report them)"
            if arm_sizes
            else " model with the reported arm sizes"
        ),
    )


LIVER_COHORT = "li2025_pyrotinib_liver_os_liver_vs_no_liver_primary"


def liver_cohort(ch) -> pd.DataFrame:
    """Which design answers which question about pyrotinib and liver metastases, with what the
    data hold. Glues ``li_n_liver``, ``li_n_no_liver``, ``li_median_liver``,
    ``li_median_no_liver``, ``li_p``, ``li_hr_medians`` (the exponential hazard ratio the two
    medians imply, :func:`helpers.effects.hr_from_medians`) and ``phoebe_pfs_cut_text``."""
    li, printed = ch.rows.loc[LIVER_COHORT], ch.printed
    _glue("li_n_liver", f"{li['n_experimental']}")
    _glue("li_n_no_liver", f"{li['n_control']}")
    _glue("li_median_liver", printed.loc[li.name, "median_experimental"])
    _glue("li_median_no_liver", printed.loc[li.name, "median_control"])
    _glue("li_p", ch.p_text(li.name))
    _glue("li_hr_medians", format_number(effects.hr_from_medians(li["median_experimental"], li["median_control"]), 2))
    _glue(
        "phoebe_pfs_cut_text",
        ch.hr_text("phoebe_pfs_itt_interim", label=True)
        + " at the interim and "
        + ch.hr_text("phoebe_pfs_itt_updated", label=True)
        + " at the updated cut",
    )
    return pd.DataFrame(
        [
            {
                "question": "Do patients with liver metastases do worse on pyrotinib? (prognosis)",
                "what answers it": "pyrotinib-treated patients with vs without liver metastases",
                "in the data": f"{li['short_name']}: median OS {ch.medians_text(li.name)}, {ch.p_text(li.name)}",
            },
            {
                "question": "Does pyrotinib beat lapatinib, both with capecitabine? (treatment effect, all patients)",
                "what answers it": "randomised pyrotinib + C vs lapatinib + C",
                "in the data": f"PHOEBE: PFS {ch.hr_text('phoebe_pfs_itt_updated', label=True)}, "
                f"OS {ch.hr_text('phoebe_os_itt_updated', label=True)}; {ch.short_name('pyro_ph2_ma2019')}: "
                f"PFS {ch.hr_text('pyro_ph2_ma2019_pfs_itt_primary', label=True)}",
            },
            {
                "question": "Does adding pyrotinib to capecitabine help at all? (treatment effect vs no HER2 drug)",
                "what answers it": "randomised pyrotinib + C vs placebo + C (PHENIX)",
                "in the data": "not found in the sources searched",
            },
            {
                "question": "Does pyrotinib help patients with liver metastases? (treatment effect in the subgroup)",
                "what answers it": "the randomised comparison within patients with liver metastases",
                "in the data": "no liver subgroup result of PHOEBE or the phase II trial found",
            },
            {
                "question": "Is the benefit different with liver metastases? (effect modification)",
                "what answers it": "a treatment-by-liver-metastasis interaction in a randomised trial",
                "in the data": "not found",
            },
        ]
    )


def glue_design_facts(ch) -> None:
    """Glue DETECT III's design facts (``detect_blinding``, ``detect_phase``, ``detect_registry``,
    ``detect_screened``), its CTC-clearance comparison (``detect_medians``, ``detect_p``), its
    first author (``detect_first_author``) and HER2CLIMB's phase (``her2climb_phase``)."""
    detect = ch.studies.loc["detect3"]
    ctc = "detect3_os_mitt_primary_ctc_clearance"
    _glue("detect_blinding", detect["blinding"].replace("_", "-"))
    _glue("detect_phase", f"phase {detect['phase']}")
    _glue("detect_registry", detect["registry_id"])
    _glue("detect_screened", f"{detect['n_screened']}")
    _glue("detect_medians", ch.medians_text(ctc))
    _glue("detect_p", ch.p_text(ctc))
    _glue("detect_first_author", ch.sources.loc[detect["source_id"], "citation"].split(" et al.")[0])
    _glue("her2climb_phase", ch.studies.loc["her2climb", "phase"])


def analyses(ch) -> pd.DataFrame:
    """Data cut, outcome assessment and kind of source of every estimate (study, endpoint and
    population: the population detail where the data give one)."""
    rows = ch.rows
    return pd.DataFrame(
        {
            "study": rows["short_name"],
            "endpoint": rows["endpoint"],
            "population": rows["population_detail"].fillna(rows["population"]),
            "data cut": rows["analysis"],
            "assessment": rows["assessment"].str.replace("_", " "),
            "source kind": rows["source_kind"],
        }
    ).reset_index(drop=True)


def liver_statements(ch) -> pd.DataFrame:
    """Every sentence of the chapter's study and estimate notes that mentions liver or visceral
    disease: study, statement, where in the data (first occurrence of each sentence)."""
    rows, statements = ch.rows, []
    for sid in ch.studies.index:
        notes = [("study notes", ch.studies.loc[sid, "notes"])] + [
            (f"note of {rows.loc[e, 'result']}", n) for e, n in rows.loc[rows["study_id"] == sid, "note"].items()
        ]
        for where, text in notes:
            for sentence in re.split(_SENTENCE, str(text) if pd.notna(text) else ""):
                if re.search(r"visceral|liver", sentence, flags=re.I):
                    statements.append({"study": ch.short_name(sid), "statement": sentence, "where in the data": where})
    return pd.DataFrame(statements).drop_duplicates("statement").reset_index(drop=True)


#: Context trials shown beside the TKI trials in :func:`settings` (not TKI trials; never pooled
#: with them): first-line pertuzumab (CLEOPATRA) and trastuzumab deruxtecan against T-DM1.
CONTEXT_TRIALS = ("cleopatra", "destiny_breast03")


def settings(ch, data_cut: str) -> pd.DataFrame:
    """Where each randomised trial sits: trial, what it compared, who was enrolled and the setting
    (``data/studies.csv``), the TKI trials (those with a chosen estimate under ``data_cut``) first,
    then :data:`CONTEXT_TRIALS` marked as context (each trial's sources are linked in the
    evidence tables). Glues ``setting_<study_id>`` and ``population_<study_id>`` of every
    listed trial."""
    tki = list(dict.fromkeys(ch.choices(data_cut)["study_id"]))
    studies, effects_all = ch.evidence.studies, ch.evidence.effects
    table = []
    for sid in tki + [s for s in CONTEXT_TRIALS if s in studies.index]:
        first = effects_all[(effects_all["study_id"] == sid) & (effects_all["population"] == "ITT")].iloc[0]
        _glue(f"setting_{sid}", studies.loc[sid, "setting"])
        _glue(f"population_{sid}", studies.loc[sid, "population"])
        table.append(
            {
                "trial": ch.short_name(sid),
                "role": "TKI trial" if sid in tki else "context (not a TKI trial)",
                "compared": f"{first['arm_experimental']} vs {first['arm_control']}",
                "patients enrolled": studies.loc[sid, "population"],
                "setting": studies.loc[sid, "setting"],
            }
        )
    return pd.DataFrame(table)


def glue_key_points(ch, data_cut: str) -> None:
    """Glue the numbers of the key-points box: ``kp_n_trials`` (TKI trials with a chosen
    estimate under ``data_cut``), ``kp_n_pfs_below_one`` / ``kp_n_pfs`` (chosen progression
    estimates whose upper confidence limit lies below one), ``kp_n_os_below_one`` / ``kp_n_os``
    (the same for overall survival) and ``kp_certainty_liver`` (the certainty, in words, of each
    liver-metastasis comparison in ``data/appraisal/certainty_her2_tkis.csv``)."""
    choices = ch.choices(data_cut)
    _glue("kp_n_trials", f"{choices['study_id'].nunique()}")
    for family, key in (("progression", "pfs"), ("OS", "os")):
        chosen = ch.chosen(family, data_cut)
        _glue(f"kp_n_{key}", f"{len(chosen)}")
        _glue(f"kp_n_{key}_below_one", f"{int((chosen['hr_ci_upper'] < 1).sum())}")
    table = ch.evidence.certainty
    liver = table[(table["chapter"] == ch.name) & (table["population"] == "liver_metastases")]
    words = {"OS": "survival", "PFS": "progression", "TTP": "progression"}
    _glue(
        "kp_certainty_liver",
        "; ".join(
            f"{CERTAINTY_WORDS[c]} for {comparison.split(' ')[0]} ({words[e]})"
            for c, comparison, e in zip(liver["certainty"], liver["comparison"], liver["endpoint"])
        )
        or "not graded",
    )
