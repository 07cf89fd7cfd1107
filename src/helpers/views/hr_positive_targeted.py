"""The tables, forest-plot rows and glued values of the chapter on HR-positive targeted agents.

Every function takes the loaded chapter (:func:`helpers.chapter.load`) and the chapter's
parameters, and returns a tidy frame, an HTML table (:func:`helpers.tables.to_html`) or a pooled
result; values for the prose are glued under the fixed names given in each docstring. The
method behind each step lives in :mod:`helpers.synthesis`, :mod:`helpers.meta`,
:mod:`helpers.effects` and :mod:`helpers.benefit`; this module only chooses the rows and labels
of this chapter. Which estimate a pool uses per data-cut rule is data
(``data/appraisal/estimate_choice_hr_positive_targeted.csv``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from helpers import benefit, effects, meta, synthesis, tables
from helpers.chapter import Chapter, glue
from helpers.formatting import format_estimate_ci, format_number

#: The two CDK4/6 inhibitor settings (prefix of the comparison keys in the estimate choices).
POOLS = {
    "first_line_ai": "First line, with an aromatase inhibitor",
    "after_et_fulvestrant": "After endocrine therapy, with fulvestrant",
}
SHORT = {"first_line_ai": "first line + AI", "after_et_fulvestrant": "after ET + fulvestrant"}
ENDPOINTS = ("PFS", "OS")
#: Words for population details in the prose (effect ids are too long to wrap on a phone).
DETAIL_WORDS = {
    "akt pathway altered": "AKT-pathway altered",
    "cdk46i ge12m": "after ≥12 months of CDK4/6 inhibitor",
    "cdk46i ge18m": "after ≥18 months of CDK4/6 inhibitor",
    "esr1 mutated": "ESR1 mutated",
    "esr1 mutated cdk46i ge12m": "ESR1 mutated after ≥12 months of CDK4/6 inhibitor",
    "esr1 mutated cdk46i ge12m liver or lung": "ESR1 mutated after ≥12 months of CDK4/6 inhibitor liver or lung",
    "esr1 mutated cdk46i ge18m": "ESR1 mutated after ≥18 months of CDK4/6 inhibitor",
    "pik3ca mutant": "PIK3CA mutant",
    "pik3ca nonmutant": "PIK3CA nonmutant",
}
#: Forest-plot labels of subgroup rows: (study whose name starts the label, what follows it).
SUBGROUP_LABELS = {
    "paloma3_pfs_liver_metastases_post_hoc": ("paloma3", " (post hoc)"),
    "paloma3_pfs_visceral_post_hoc": ("paloma3", " (post hoc)"),
    "paloma3_pfs_visceral_exploratory": ("paloma3", " (exploratory)"),
    "monarch2_pfs_visceral_first_line_exploratory": ("monarch2", ", first line"),
    "monarch2_pfs_visceral_second_line_exploratory": ("monarch2", ", second line"),
    "monarch2_os_visceral_first_line_exploratory": ("monarch2", ", first line"),
    "monarch2_os_visceral_second_line_exploratory": ("monarch2", ", second line"),
    "monarch3_os_visceral_final": ("monarch3", " (final)"),
    "schettini2020_meta_os_visceral_primary": (None, "Schettini: visceral"),
    "schettini2020_meta_os_no_visceral_primary": (None, "Schettini: no visceral"),
}
#: The trials whose data cuts are tabulated side by side.
CUT_TABLES = {
    "paloma3": (
        ["paloma3_pfs_itt_interim", "paloma3_pfs_itt_final_secondary", "paloma3_pfs_itt_post_hoc"],
        "PALOMA-3 progression-free survival at three data cuts",
    ),
    "bolero2": (
        [
            "bolero2_pfs_itt_interim_local",
            "bolero2_pfs_itt_interim_central",
            "bolero2_pfs_itt_interim_local_conf",
            "bolero2_pfs_itt_updated_12m_local_conf",
            "bolero2_pfs_itt_final_local",
            "bolero2_pfs_itt_final_central",
            "bolero2_os_itt_final",
        ],
        "BOLERO-2 at each data cut and assessment",
    ),
}
#: The other drug classes, drawn side by side without pooling: (group, effect ids, (study, label suffix)).
OTHER = {
    "PFS": [
        (
            "Everolimus + exemestane (BOLERO-2, final)",
            ["bolero2_pfs_itt_final_local", "bolero2_pfs_itt_final_central"],
            [("bolero2", ", investigator"), ("bolero2", ", central")],
        ),
        (
            "Alpelisib + fulvestrant (SOLAR-1, primary)",
            ["solar1_pfs_pik3ca_mutant_primary", "solar1_pfs_pik3ca_nonmutant_primary"],
            [("solar1", ", PIK3CA-mutated"), ("solar1", ", not mutated")],
        ),
        (
            "Capivasertib + fulvestrant (CAPItello-291, primary)",
            ["capitello291_pfs_itt_primary", "capitello291_pfs_akt_altered_primary"],
            [("capitello291", ", all"), ("capitello291", ", AKT-altered")],
        ),
        (
            "Elacestrant vs standard endocrine therapy (EMERALD, primary)",
            ["emerald_pfs_itt_primary", "emerald_pfs_esr1_mutated_primary"],
            [("emerald", ", all"), ("emerald", ", ESR1-mutated")],
        ),
        (
            "Inavolisib + palbociclib + fulvestrant (INAVO120, primary)",
            ["inavo120_pfs_itt_primary"],
            [("inavo120", ", all")],
        ),
    ],
    "OS": [
        ("Everolimus + exemestane (BOLERO-2)", ["bolero2_os_itt_final"], [("bolero2", ", all (final)")]),
        (
            "Alpelisib + fulvestrant (SOLAR-1, PIK3CA-mutated)",
            ["solar1_os_pik3ca_mutant_final", "solar1_os_lung_liver_metastases_final"],
            [("solar1", ", all mutated (final)"), ("solar1", ", lung and/or liver")],
        ),
    ],
}
#: Style of the forest plots (arguments of :func:`helpers.plotting.forest_plot`).
CDK_STYLE = dict(group_col="group", label_col="label", favours=("favours adding the drug", "favours control"))
OTHER_STYLE = dict(group_col="group", label_col="label", favours=("favours the new drug", "favours control"))
#: Trials outside the pools in the PFS/OS gap table: (study, setting, PFS estimate, OS estimate).
GAP_EXTRA = [
    ("bolero2", "after AI", "bolero2_pfs_itt_final_local", "bolero2_os_itt_final"),
    ("solar1", "after AI, PIK3CA-mutated", "solar1_pfs_pik3ca_mutant_primary", "solar1_os_pik3ca_mutant_final"),
]
#: Estimates graded with ESMO-MCBS besides the pooled ones.
BENCH_EXTRA = [
    "bolero2_pfs_itt_final_local",
    "bolero2_pfs_itt_final_central",
    "bolero2_os_itt_final",
    "solar1_pfs_pik3ca_mutant_primary",
    "solar1_os_pik3ca_mutant_final",
    "capitello291_pfs_itt_primary",
    "emerald_pfs_itt_primary",
    "inavo120_pfs_itt_primary",
    "paloma3_pfs_liver_metastases_post_hoc",
    "monarch3_os_visceral_final",
    "solar1_os_lung_liver_metastases_final",
]
#: Populations that are specific to liver metastases (alone or with lung metastases).
LIVER_POPULATIONS = ("liver_metastases", "liver_or_lung")
#: Certainty comparisons named in the key points: all comers (first-line PFS) and the liver subgroup.
KEY_CERTAINTY = {"kp_cert_all": "hrpos_cdk_first_line_pfs", "kp_cert_liver": "hrpos_cdk_liver_pfs"}


def _words(text: str) -> str:
    return str(text).replace("_", " ")


def _without(include_monaleesa7: bool) -> tuple[str, ...]:
    return () if include_monaleesa7 else ("monaleesa7",)


def _label(ch: Chapter, study_id: str | None, suffix: str) -> str:
    return suffix if study_id is None else f"{ch.evidence.studies.loc[study_id, 'name']}{suffix}"


def prepare(ch: Chapter) -> None:
    """Add the chapter's display columns to ``ch.rows`` and glue the opening values.

    Columns: ``described`` ("study (endpoint, population in words, data cut)"), ``result``
    ("endpoint, population in words, data cut": the name of an estimate within its study), ``gain`` (the
    median gain :func:`helpers.benefit.median_gain` in months, ``–`` without both medians) and
    ``forest_label`` (:data:`SUBGROUP_LABELS`, else "study (data cut)"). Glues
    :meth:`Chapter.glue_opening`, :meth:`Chapter.glue_estimates` and ``arm_ml7``, ``b2_phase``,
    ``b2_n``, ``p3_n``, ``p3_liver_control``, ``p3_itt_control``.
    """
    rows, studies = ch.rows, ch.studies
    ch.glue_opening()
    ch.glue_estimates()
    population = [
        (
            "all patients"
            if p == "ITT"
            else DETAIL_WORDS.get(d, d)
            if pd.notna(d)
            else _words(p.replace("liver_or_lung", "liver and/or lung"))
        )
        for p, d in zip(rows["population"], rows["population_detail"])
    ]
    rows["result"] = [f"{e}, {p}, {_words(a)}" for e, p, a in zip(rows["endpoint"], population, rows["analysis"])]
    rows["described"] = [f"{s} ({r})" for s, r in zip(rows["study"], rows["result"])]
    gains = [
        benefit.median_gain(e, c) if pd.notna(e) and pd.notna(c) else None
        for e, c in zip(rows["median_experimental"], rows["median_control"])
    ]
    rows["gain"] = ["–" if x is None else format_number(x, 1) for x in gains]
    rows["forest_label"] = [
        _label(ch, *SUBGROUP_LABELS[e]) if e in SUBGROUP_LABELS else f"{r['study']} ({_words(r['analysis'])})"
        for e, r in rows.iterrows()
    ]
    optional = {
        "arm_ml7": lambda: rows.loc["monaleesa7_pfs_itt_primary", "arm_experimental"],
        "b2_phase": lambda: f"phase {studies.loc['bolero2', 'phase']}",
        "b2_n": lambda: f"{studies.loc['bolero2', 'n_total']}",
        "p3_n": lambda: f"{studies.loc['paloma3', 'n_total']}",
        "p3_liver_control": lambda: ch.printed.loc["paloma3_pfs_liver_metastases_post_hoc", "median_control"],
        "p3_itt_control": lambda: ch.printed.loc["paloma3_pfs_itt_post_hoc", "median_control"],
    }
    for key, value in optional.items():
        try:
            glue(key, value())
        except KeyError:  # a miniature data set without that trial
            continue


def evidence_table(ch: Chapter):
    """:func:`helpers.tables.evidence_table` of the chapter with who assessed progression
    (``assessment``) after the data cut."""
    table = tables.evidence_table(ch.evidence, chapter=ch.name)
    table.insert(table.columns.get_loc("analysis") + 1, "assessment", ch.rows["assessment"].map(_words).to_numpy())
    return tables.to_html(table, caption="Every estimate of the chapter, as printed by its source")


def selection(ch: Chapter, data_cut: str) -> pd.DataFrame:
    """:meth:`Chapter.choices` under ``data_cut`` with the ``pool`` (key of :data:`POOLS`) and
    ``endpoint`` of each estimate."""
    selected = ch.choices(data_cut)
    selected["pool"] = [next(p for p in POOLS if c.startswith(p)) for c in selected["comparison"]]
    selected["endpoint"] = selected["effect_id"].map(ch.rows["endpoint"])
    return selected


def selection_table(ch: Chapter, data_cut: str):
    """The estimate used for each trial in the pools (named as in ``described``, :func:`prepare`),
    with its reason; glues ``data_cut_words``."""
    selected = selection(ch, data_cut)
    glue(
        "data_cut_words", {"most_mature": "the most mature cut", "confirmatory": "the confirmatory analyses"}[data_cut]
    )
    table = selected.assign(
        setting=selected["pool"].map(SHORT),
        estimate=selected["effect_id"].map(ch.rows["described"]),
        HR=selected["effect_id"].map(ch.hr_text),
        source=selected["effect_id"].map(ch.rows["source_id"]).map(ch.source_link),
        why=selected["reason"],
    )[["setting", "estimate", "HR", "source", "why"]]
    return tables.to_html(
        table,
        caption=f"Estimate used for each trial in the pools (data_cut = {data_cut}; "
        "AI: aromatase inhibitor, ET: endocrine therapy)",
    )


def cut_table(ch: Chapter, trial: str, spec: dict | None = None):
    """One trial's estimates at each data cut and assessment, side by side (:data:`CUT_TABLES`),
    each named by its ``result`` (:func:`prepare`)."""
    effect_ids, caption = (spec or CUT_TABLES)[trial]
    sub = ch.rows.loc[effect_ids]
    cuts = pd.DataFrame(
        {
            "estimate": sub["result"].to_numpy(),
            "assessment": sub["assessment"].map(_words).to_numpy(),
            "medians": [ch.medians_text(e) for e in effect_ids],
            "HR": [ch.hr_text(e) for e in effect_ids],
            "source": sub["source_id"].map(ch.source_link).to_numpy(),
        }
    )
    return tables.to_html(cuts, caption=caption)


def glue_p_values(ch: Chapter) -> None:
    """Glue the printed p-values the one-sided discussion quotes and the two-sided p-values their
    intervals imply (:func:`helpers.effects.p_from_ci`): ``b2_os_p``, ``b2_os_p_two``,
    ``b2_os_p_one``, ``p2_os_p``, ``p2_os_sided``, ``ml2_os_p``, ``ml7_pfs_p``, ``ml7_pfs_p_two``."""
    rows, printed = ch.rows, ch.printed
    b2 = rows.loc["bolero2_os_itt_final"]
    b2_two_sided = effects.p_from_ci(b2["hr"], b2["hr_ci_lower"], b2["hr_ci_upper"])
    glue("b2_os_p", printed.loc["bolero2_os_itt_final", "p_value"])
    glue("b2_os_p_two", format_number(b2_two_sided, 2))
    glue("b2_os_p_one", format_number(b2_two_sided / 2, 2))
    glue("p2_os_p", printed.loc["paloma2_os_itt_final", "p_value"])
    glue("p2_os_sided", "one-sided" if rows.loc["paloma2_os_itt_final", "p_sided"] == 1 else "two-sided")
    glue("ml2_os_p", f"{printed.loc['monaleesa2_os_itt_final', 'p_value']}")
    ml7 = rows.loc["monaleesa7_pfs_itt_primary"]
    glue("ml7_pfs_p", printed.loc["monaleesa7_pfs_itt_primary", "p_value"])
    glue("ml7_pfs_p_two", f"{effects.p_from_ci(ml7['hr'], ml7['hr_ci_lower'], ml7['hr_ci_upper']):.2g}")


def pools(ch: Chapter, data_cut: str, include_monaleesa7: bool, method: str, hartung_knapp: bool) -> dict:
    """Pool the CDK4/6 inhibitor trials per setting and end point
    (:func:`helpers.synthesis.pool_effects` over :meth:`Chapter.chosen`).

    Returns ``{(pool, endpoint): result}``. Glues ``ml7_decision``, ``pool_method``,
    ``<fl|et>_<pfs|os>_<hr|i2|tau2|pi|k>`` and, for the first-line PFS pool, the prediction
    interval's t quantile: ``k_ref``, ``pi_df`` (k − 2 degrees of freedom, Higgins et al. 2009),
    ``t_crit``, ``t_over_z``, ``z95``, ``t_crit_30``.
    """
    pooled = {
        (p, e): synthesis.pool_effects(
            ch.chosen(f"{p}_{e}", data_cut, exclude=_without(include_monaleesa7)),
            method=method,
            hartung_knapp=hartung_knapp,
        )
        for p in POOLS
        for e in ENDPOINTS
    }
    glue("ml7_decision", "included in this run" if include_monaleesa7 else "excluded from the pool in this run")
    glue("pool_method", pooled[("first_line_ai", "PFS")].label)
    for (p, e), r in pooled.items():
        key = f"{'fl' if p == 'first_line_ai' else 'et'}_{e.lower()}"
        glue(f"{key}_hr", format_estimate_ci(r.hr, r.hr_lower, r.hr_upper, level=r.level))
        glue(f"{key}_i2", format_number(r.i2, 0))
        glue(f"{key}_tau2", format_number(r.tau2, 4))
        glue(f"{key}_pi", tables.prediction_interval_text(r))
        glue(f"{key}_k", f"{r.k}")
    ref = pooled[("first_line_ai", "PFS")]
    z95, df = effects.z_for_level(0.95), ref.k - 2
    t_crit = stats.t.ppf(0.975, df)
    glue("k_ref", f"{ref.k}")
    glue("pi_df", f"{df} degree{'s' if df != 1 else ''}")
    glue("t_crit", format_number(t_crit, 2))
    glue("t_over_z", format_number(t_crit / z95, 1))
    glue("z95", format_number(z95, 2))
    glue("t_crit_30", format_number(stats.t.ppf(0.975, 30), 2))
    return pooled


def pools_table(pooled: dict):
    """:func:`helpers.tables.pooled_view` of :func:`pools`, settings in words."""
    table = tables.pooled_view({(POOLS[p], e): r for (p, e), r in pooled.items()}, keys=["setting", "endpoint"])
    return tables.to_html(
        table,
        caption="Pooled hazard ratios of CDK4/6 inhibitor trials by setting "
        f"({pooled[('first_line_ai', 'PFS')].label})",
    )


def visceral_pool(ch: Chapter, data_cut: str, method: str, hartung_knapp: bool):
    """Visceral PFS after endocrine therapy: PALOMA-3 pooled with MONARCH 2, whose visceral
    subgroup is reported only by line of therapy; its two disjoint line subgroups are first
    combined with a common-effect (line-stratified) pool (:func:`helpers.meta.pool`).

    Returns the pooled result. Glues ``m2_combined``, ``visceral_pool``, ``visceral_pool_pi``,
    ``visceral_pool_k``, ``p3_visceral_id``.
    """
    rows = ch.rows
    p3_visceral = "paloma3_pfs_visceral_post_hoc" if data_cut == "most_mature" else "paloma3_pfs_visceral_exploratory"
    m2_lines = rows.loc[
        ["monarch2_pfs_visceral_first_line_exploratory", "monarch2_pfs_visceral_second_line_exploratory"]
    ]
    m2_se = [effects.se_from_ci(lo, hi) for lo, hi in zip(m2_lines["hr_ci_lower"], m2_lines["hr_ci_upper"])]
    m2_combined = meta.pool(np.log(m2_lines["hr"].to_numpy()), m2_se, method="FE", labels=["first line", "second line"])
    p3v = rows.loc[p3_visceral]
    result = meta.pool(
        [math.log(p3v["hr"]), m2_combined.estimate],
        [effects.se_from_ci(p3v["hr_ci_lower"], p3v["hr_ci_upper"]), m2_combined.se],
        method=method,
        hartung_knapp=hartung_knapp,
        labels=[_label(ch, *SUBGROUP_LABELS[p3_visceral]), f"{_label(ch, 'monarch2', '')} (lines combined)"],
    )
    glue("m2_combined", format_estimate_ci(m2_combined.hr, m2_combined.hr_lower, m2_combined.hr_upper))
    glue("visceral_pool", format_estimate_ci(result.hr, result.hr_lower, result.hr_upper, level=result.level))
    glue("visceral_pool_pi", tables.prediction_interval_text(result))
    glue("visceral_pool_k", f"{result.k}")
    glue("p3_visceral_id", rows.loc[p3_visceral, "described"])
    return result


VISCERAL_GROUP = "Visceral, after endocrine therapy with fulvestrant (pooled)"


def cdk_forest(
    ch: Chapter, endpoint: str, data_cut: str, include_monaleesa7: bool, pooled: dict, visceral=None
) -> tuple[pd.DataFrame, dict]:
    """Rows and pooled diamonds of the CDK4/6 inhibitor forest plot of ``endpoint``: each setting's
    trials and pool, MONALEESA-7 beside the first-line pool when it is excluded, then the liver and
    visceral subgroups (for PFS, the :func:`visceral_pool` result ``visceral``)."""

    def frame(rows, group, label_col="forest_label"):
        return synthesis.forest_frame(rows, label_col=label_col, group=group)

    parts = [
        frame(ch.chosen(f"{p}_{endpoint}", data_cut, exclude=_without(include_monaleesa7)), f"{title} (all patients)")
        for p, title in POOLS.items()
    ]
    diamonds = {f"{title} (all patients)": pooled[(p, endpoint)] for p, title in POOLS.items()}
    if not include_monaleesa7:
        parts.append(
            frame(
                ch.chosen(f"first_line_ai_{endpoint}", data_cut).loc[lambda f: f["study_id"] == "monaleesa7"],
                "Premenopausal, first line (all patients; not pooled)",
            )
        )
    rows, monarch2 = ch.rows, ch.evidence.studies.loc["monarch2", "name"]
    if endpoint == "PFS":
        studies = visceral.studies.reset_index().rename(columns={"study": "label"})[
            ["label", "hr", "hr_lower", "hr_upper"]
        ]
        studies.insert(0, "group", VISCERAL_GROUP)
        parts += [
            frame(
                rows.loc[["paloma3_pfs_liver_metastases_post_hoc"]], "Liver metastases (post hoc subgroup; not pooled)"
            ),
            studies,
            frame(
                rows.loc[
                    ["monarch2_pfs_visceral_first_line_exploratory", "monarch2_pfs_visceral_second_line_exploratory"]
                ],
                f"{monarch2} visceral subgroups as reported, by line",
            ),
        ]
        diamonds[VISCERAL_GROUP] = visceral
    else:
        parts += [
            frame(
                rows.loc[
                    [
                        "monarch3_os_visceral_final",
                        "monarch2_os_visceral_first_line_exploratory",
                        "monarch2_os_visceral_second_line_exploratory",
                    ]
                ],
                "Visceral metastases (subgroups; not pooled)",
            ),
            frame(
                rows.loc[["schettini2020_meta_os_visceral_primary", "schettini2020_meta_os_no_visceral_primary"]],
                "Published meta-analysis of the trials' subgroups (Schettini)",
            ),
        ]
    return pd.concat(parts, ignore_index=True), diamonds


def sensitivity_table(ch: Chapter, method: str, hartung_knapp: bool):
    """The pools under each data-cut rule, with and without MONALEESA-7 in the first-line pool;
    glues ``sens_fl_pfs_range``."""
    sensitivity = {
        (
            POOLS[p],
            e,
            _words(cut),
            ("included" if with_ml7 else "excluded") if p == "first_line_ai" else "–",
        ): synthesis.pool_effects(
            ch.chosen(f"{p}_{e}", cut, exclude=_without(with_ml7)), method=method, hartung_knapp=hartung_knapp
        )
        for p in POOLS
        for e in ENDPOINTS
        for cut in ("most_mature", "confirmatory")
        for with_ml7 in ((False, True) if p == "first_line_ai" else (False,))
    }
    fl_pfs_hrs = [r.hr for key, r in sensitivity.items() if key[:2] == (POOLS["first_line_ai"], "PFS")]
    low, high = format_number(min(fl_pfs_hrs)), format_number(max(fl_pfs_hrs))
    glue("sens_fl_pfs_range", f"{low} in every variant" if low == high else f"between {low} and {high}")
    table = tables.pooled_view(sensitivity, keys=["setting", "endpoint", "data cut", "MONALEESA-7"])
    return tables.to_html(
        table[
            ["setting", "endpoint", "data cut", "MONALEESA-7", "k", "pooled HR (CI)", "I² (%)", "prediction interval"]
        ],
        caption="Pooled hazard ratios under each data-cut rule, with and without MONALEESA-7",
    )


def other_forest(ch: Chapter, endpoint: str, groups: dict | None = None) -> pd.DataFrame:
    """Forest-plot rows of the other drug classes (:data:`OTHER`), one group per trial, not pooled."""
    return pd.concat(
        [
            synthesis.forest_frame(
                ch.rows.loc[ids].assign(name=[_label(ch, *x) for x in labels]), label_col="name", group=title
            )
            for title, ids, labels in (groups or OTHER)[endpoint]
        ],
        ignore_index=True,
    )


def gap_table(ch: Chapter, data_cut: str, extra: list | None = None):
    """PFS and OS side by side, one estimate each per trial (the pooled trials' chosen estimates,
    then :data:`GAP_EXTRA`). Glues ``gap_<study>_<pfs|os>``, ``gap_<study>_<pfs|os>_gain``,
    ``n_gap_os_sig`` (OS intervals below one) and ``n_gap``."""
    selected, rows, names = selection(ch, data_cut), ch.rows, ch.evidence.studies["name"]
    gap_ids = [
        (
            s,
            SHORT[p],
            *selected[(selected["study_id"] == s) & (selected["pool"] == p)]
            .set_index("endpoint")
            .loc[["PFS", "OS"], "effect_id"],
        )
        for s, p in selected[["study_id", "pool"]].drop_duplicates().itertuples(index=False)
    ]
    gap_ids += GAP_EXTRA if extra is None else extra
    gap = pd.DataFrame(
        [
            {
                "trial": names[s],
                "setting": setting,
                "PFS HR (CI)": ch.hr_text(p),
                "PFS medians": ch.medians_text(p),
                "PFS gain (months)": rows.loc[p, "gain"],
                "OS HR (CI)": ch.hr_text(o),
                "OS medians": ch.medians_text(o),
                "OS gain (months)": rows.loc[o, "gain"],
                "OS interval excludes 1": "yes" if rows.loc[o, "hr_ci_upper"] < 1 else "no",
            }
            for s, setting, p, o in gap_ids
        ]
    )
    for s, _, p, o in gap_ids:
        glue(f"gap_{s}_pfs", ch.hr_text(p))
        glue(f"gap_{s}_os", ch.hr_text(o))
        glue(f"gap_{s}_pfs_gain", rows.loc[p, "gain"])
        glue(f"gap_{s}_os_gain", rows.loc[o, "gain"])
    glue("n_gap_os_sig", f"{(gap['OS interval excludes 1'] == 'yes').sum()}")
    glue("n_gap", f"{len(gap)}")
    return tables.to_html(
        gap,
        caption="Progression-free and overall survival side by side, one estimate each per trial "
        "(AI: aromatase inhibitor, ET: endocrine therapy)",
        interactive=True,
        fit_width=True,
    )


def bench(ch: Chapter, data_cut: str, extra: list | None = None) -> pd.DataFrame:
    """The estimates the chapter relies on: the pooled trials' chosen estimates, then
    :data:`BENCH_EXTRA`, each once."""
    ids = list(selection(ch, data_cut)["effect_id"]) + (BENCH_EXTRA if extra is None else extra)
    return ch.rows.loc[list(dict.fromkeys(ids))]


def esmo_table(ch: Chapter, data_cut: str, extra: list | None = None):
    """Median gains and preliminary ESMO-MCBS grades (:func:`helpers.synthesis.esmo_grades`) of
    :func:`bench`, each named as in ``described`` (:func:`prepare`). Glues ``n_graded``, ``n_bench``,
    ``n_os_bench``, ``n_os_ci_includes_1``, ``n_os_long_control``, ``n_os_no_inputs``,
    ``p3_liver_gain``, ``p3_itt_gain``."""
    graded = synthesis.esmo_grades(bench(ch, data_cut, extra))
    graded.insert(1, "median gain (months)", graded["effect_id"].map(ch.rows["gain"]).to_numpy())
    graded["estimate"] = graded["effect_id"].map(ch.rows["described"])
    glue("n_graded", f"{graded['grade'].str.isdigit().sum()}")
    glue("n_bench", f"{len(graded)}")
    os_rows = graded[graded["endpoint"] == "OS"]
    glue("n_os_bench", f"{len(os_rows)}")
    glue("n_os_ci_includes_1", f"{os_rows['rule'].str.contains('includes 1').sum()}")
    graded_os = os_rows[os_rows["grade"].str.isdigit()]
    long_sheet = [
        benefit.esmo_mcbs_sheet("OS", ch.rows.loc[e, "median_control"]) == ">24 months" for e in graded_os["effect_id"]
    ]
    glue("n_os_long_control", f"{sum(long_sheet)}")
    glue("n_os_no_inputs", f"{os_rows['rule'].str.startswith('needs').sum()}")
    for key, effect_id in (
        ("p3_liver_gain", "paloma3_pfs_liver_metastases_post_hoc"),
        ("p3_itt_gain", "paloma3_pfs_itt_post_hoc"),
    ):
        if effect_id in ch.rows.index:
            glue(key, ch.rows.loc[effect_id, "gain"])
    return tables.to_html(
        graded[["estimate", "median gain (months)", "grade", "rule"]],
        caption="Median gains and preliminary ESMO-MCBS v1.1 grades",
    )


def implied_curves(ch: Chapter, seed: int, follow_up_months: float) -> tuple[dict, np.ndarray]:
    """Curves implied by PALOMA-3's post hoc medians in all patients and with liver metastases
    (:func:`helpers.synthesis.implied_curves`) and the times to draw them at; glues
    ``implied_assumptions_<effect_id>``."""
    implied = {}
    for label, eid in (
        ("All patients", "paloma3_pfs_itt_post_hoc"),
        ("Liver metastases", "paloma3_pfs_liver_metastases_post_hoc"),
    ):
        curves, assumptions = synthesis.implied_curves(
            ch.rows.loc[eid],
            seed=seed,
            follow_up=follow_up_months,
            arm_label=lambda arm, label=label: f"{label}: {arm.split(' + ')[0]}",
        )
        implied.update(curves)
        glue(f"implied_assumptions_{eid}", str(assumptions))
    return implied, np.arange(0, 24.0 + follow_up_months + 1e-9, 6)


def design_table(ch: Chapter, data_cut: str, extra: list | None = None):
    """Data cut, assessment and source kind of every estimate of :func:`bench`; glues
    ``n_used_secondary`` and ``used_secondary`` (described rows, or "none")."""
    used = bench(ch, data_cut, extra)
    design = pd.DataFrame(
        {
            "study": used["study"],
            "endpoint": used["endpoint"],
            "population": used["population"].map(_words),
            "analysis": used["analysis"].map(_words),
            "assessment": used["assessment"].map(_words),
            "source": used["source_kind"],
        }
    )
    secondary = used.index[used["source_kind"] == "secondary"]
    glue("n_used_secondary", f"{len(secondary)}")
    glue("used_secondary", "; ".join(ch.rows.loc[secondary, "described"]) or "none")
    return tables.to_html(
        design, caption="Data cut, assessment and source kind of every estimate the chapter relies on"
    )


def risk_of_bias(ch: Chapter) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Risk-of-bias table and traffic-light matrix of the chapter's randomised trials, results
    named by their ``result`` (:func:`prepare`); glues ``rob_tool``."""
    rob_ids = list(ch.studies.index[ch.studies["design"] == "rct"])
    rob = ch.risk_of_bias_view(rob_ids, result_label=ch.rows["result"].get)
    glue("rob_tool", " and ".join(sorted(rob["tool"].unique())))
    return rob, ch.risk_of_bias_matrix(rob_ids, result_label=ch.rows["result"].get)


def key_points(ch: Chapter) -> dict:
    """Glue the values of the key-points box and return them: ``kp_n_liver_trials`` (trials with
    any estimate in patients with liver metastases, alone or with lung), ``kp_n_liver_alone``
    (trials with an estimate in liver metastases alone), ``kp_n_liver_mixed`` (the others: liver
    only together with lung), ``kp_liver_os`` (trials with an OS
    estimate in liver metastases alone, in words) and the certainty of :data:`KEY_CERTAINTY`."""
    rows = ch.rows
    liver = rows[rows["population"].isin(LIVER_POPULATIONS)]
    alone = set(liver.loc[liver["population"] == "liver_metastases", "study_id"])
    alone_os = liver[(liver["population"] == "liver_metastases") & (liver["endpoint"] == "OS")]
    certainty = synthesis.certainty_table(ch.evidence, ch.name)["certainty"]
    values = {
        "kp_n_liver_trials": f"{liver['study_id'].nunique()}",
        "kp_n_liver_alone": f"{len(alone)}",
        "kp_n_liver_mixed": f"{len(set(liver['study_id']) - alone)}",
        "kp_liver_os": "no trial" if alone_os.empty else f"{alone_os['study_id'].nunique()} trial(s)",
    }
    values.update({key: _words(certainty[c]) for key, c in KEY_CERTAINTY.items() if c in certainty.index})
    for key, value in values.items():
        glue(key, value)
    return values
