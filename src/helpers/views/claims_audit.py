"""The claims-audit chapter's tables and glued values (``chapters/claims_audit.ipynb``).

Every function takes the loaded chapter (:func:`helpers.chapter.load`) and returns a tidy frame
(ready for :func:`helpers.tables.to_html`) or writes glue under the fixed names listed in its
docstring. The arithmetic itself lives in :mod:`helpers.claims` and :mod:`helpers.rounding`;
this module only selects claims and estimates and words the results for the prose.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from helpers import chapter, claims, plotting, rounding, tables
from helpers.formatting import format_number, format_percent

__all__ = [
    "PATTERNS",
    "select_claims",
    "glue_counts",
    "verdict_legend",
    "verdict_chart",
    "claims_view",
    "claims_tables",
    "recomputed_claims",
    "recomputed_view",
    "cuts_view",
    "glue_bolero",
    "risk_reduction",
    "glue_risk_reduction",
    "SHOWN_DECIMALS",
    "share_as_shown",
    "her2_view",
    "glue_her2",
    "trial_rows",
    "glue_paloma",
    "glue_inavo",
    "glue_pattern_examples",
    "patterns_view",
    "glue_designs",
    "studies_view",
    "glue_liver",
]

#: The four patterns of the "Patterns" section and the claims that show them (a judgement made
#: for this chapter, by reading each claim's quote and explanation in ``data/claims.csv``).
PATTERNS = {
    "a number or design fact from another analysis, or from nowhere": [
        "expl_paloma3_medians",
        "expl_bolero2_medians",
        "lap_n_randomised",
        "lap_primary_endpoint",
        "expl_bolero2_phase",
    ],
    "subgroup presented as everyone, or everyone as a subgroup": [
        "expl_paloma3_liver_population",
        "expl_palbociclib_developed_for_bclm",
        "expl_everolimus_for_bclm",
        "adv_inavolisib_population",
        "lap_population",
    ],
    "prognostic comparison or association presented as a drug effect": [
        "pyro_headline_causal",
        "pyro_univariate_subgroups",
        "zou_abstract_conclusion",
        "expl_resection_gold_standard",
    ],
    "authority that cannot be traced": [
        "lap_mednews",
        "lap_jane_smith",
        "pyro_five_year_survival",
        "pyro_without_intervention",
        "adv_inavolisib_26",
    ],
}
_VERDICT_COLOURS = ("bluish_green", "vermillion", "orange", "sky_blue")  # in the order of claims.VERDICTS


def select_claims(ch: chapter.Chapter, article: str | None) -> pd.DataFrame:
    """The claims of ``article`` (a file name of ``data/articles.csv``), or every claim when
    ``article`` is None.

    Raises
    ------
    ValueError
        If ``article`` is not in ``data/articles.csv``.
    """
    evidence = ch.evidence
    known = evidence.articles.index
    if article is not None and article not in known:
        raise ValueError(f"article must be one of {sorted(known)} (data/articles.csv) or None, got {article!r}")
    return evidence.claims if article is None else evidence.claims[evidence.claims["article"] == article]


def glue_counts(ch: chapter.Chapter, selected: pd.DataFrame, article: str | None) -> None:
    """Glue the audit's headline counts over the ``selected`` claims.

    Glue names: ``n_claims``, ``n_<verdict>`` for each of :data:`helpers.claims.VERDICTS`,
    ``n_computed`` (verdicts with a named computation), ``share_consistent``, ``n_traced``
    (claims tracing to a study, estimate or drug fact) and ``scope`` ("the five articles" when
    ``data/articles.csv`` lists five, or "the article <label>").

    Raises
    ------
    ValueError
        If ``selected`` holds no claim.
    """
    if selected.empty:
        raise ValueError("selected must hold at least one claim, got none")
    counts = selected["verdict"].value_counts().reindex(list(claims.VERDICTS), fill_value=0)
    chapter.glue("n_claims", f"{len(selected)}")
    for verdict, count in counts.items():
        chapter.glue(f"n_{verdict}", f"{count}")
    chapter.glue("n_computed", f"{selected['computation'].notna().sum()}")
    chapter.glue("share_consistent", format_percent(counts["consistent"] / len(selected)))
    chapter.glue("n_traced", f"{selected[['study_id', 'effect_id', 'fact_id']].notna().any(axis=1).sum()}")
    labels = ch.evidence.articles["label"]
    scope = f"the {_count_word(len(labels))} articles" if article is None else f"the article {labels[article]}"
    chapter.glue("scope", scope)


def _count_word(n: int) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if n < len(words) else f"{n}"


def verdict_legend() -> pd.DataFrame:
    """The verdicts with their symbols and meanings (:data:`helpers.claims.VERDICT_MEANINGS`)."""
    return pd.DataFrame(
        {
            "symbol": [tables.VERDICT_SYMBOLS[v] for v in claims.VERDICTS],
            "verdict": list(claims.VERDICTS),
            "meaning": [claims.VERDICT_MEANINGS[v] for v in claims.VERDICTS],
        }
    )


def verdict_chart(verdict_table: pd.DataFrame) -> Figure:
    """Stacked bars of verdicts per article from :func:`helpers.tables.verdict_counts` (its
    "all articles" row and "all claims" column dropped), one colour and hatch per verdict."""
    shares = verdict_table.set_index("article").drop(index="all articles").drop(columns="all claims")
    return plotting.stacked_bars(
        shares, xlabel="number of claims", colors=[plotting.OKABE_ITO[c] for c in _VERDICT_COLOURS]
    )


def claims_view(ch: chapter.Chapter, article: str) -> pd.DataFrame:
    """One article's claims (:func:`helpers.tables.claims_table`) in four columns for people: the
    verdict with its symbol and the kind of claim; the article's words; what the claim traces to,
    with the recomputed value where the verdict is arithmetic; the explanation. The claim's id (the
    row of ``data/claims.csv``) is not shown."""
    full = tables.claims_table(ch.evidence, article=article)
    rows = ch.evidence.claims.loc[ch.evidence.claims["article"] == article]
    br = tables.Markup("<br>")
    return pd.DataFrame(
        {
            "verdict (kind of claim)": [
                tables.escape(v) + br + tables.escape(f"({t.replace('_', ' ')})")
                for v, t in zip(full["verdict"], full["type"])
            ],
            "what the article says (verbatim)": [f"“{q}”" for q in rows["quote"].fillna("")],
            "traced to": [
                t if r == "–" else tables.escape(t) + br + "recomputed: " + r
                for t, r in zip(full["traced to"], full["recomputed"])
            ],
            # plain text: helpers.tables.to_html escapes it and shows a machine id it names as words
            "explanation": list(rows["explanation"].fillna("")),
        }
    )


def claims_tables(ch: chapter.Chapter, article: str | None) -> HTML:
    """One claims table per article (:func:`claims_view`; every article when ``article`` is
    None), each under the article's label from ``data/articles.csv`` (a line of its own, not a
    ``<caption>``: the book keeps only the figure's caption when a cell shows several tables). The tables are
    interactive and fit the text column (:func:`helpers.tables.to_html`): a claim's row holds its
    verbatim quote and explanation, so even a short table is taller than a screen, and a reader
    filters and pages it instead."""
    labels = ch.evidence.articles["label"]
    return HTML(
        "".join(
            f'<p class="bclm-table-label"><strong>{tables.escape(label)}</strong></p>'
            + tables.to_html(claims_view(ch, name), interactive=True, fit_width=True).data
            for name, label in labels.items()
            if article in (None, name)
        )
    )


def recomputed_claims(ch: chapter.Chapter, selected: pd.DataFrame) -> pd.DataFrame:
    """:func:`helpers.claims.recompute_claims` for the ``selected`` claims; glues
    ``n_recomputed`` and ``n_agree`` (recorded value and verdict equal the recomputation)."""
    recomputed = claims.recompute_claims(ch.evidence)
    recomputed = recomputed[recomputed["claim_id"].isin(selected.index)]
    chapter.glue("n_recomputed", f"{len(recomputed)}")
    chapter.glue("n_agree", f"{recomputed['agrees'].sum()}")
    return recomputed


def recomputed_view(recomputed: pd.DataFrame) -> pd.DataFrame:
    """The recomputed claims side by side with what ``data/claims.csv`` records."""
    return tables.wrap_ids(
        pd.DataFrame(
            {
                "claim": recomputed["claim_id"],
                "computation": recomputed["computation"],
                "claimed": recomputed["claimed"],
                "recorded in claims.csv": recomputed["recorded value"] + "; " + recomputed["recorded verdict"],
                "recomputed now": recomputed["recomputed value"] + "; " + recomputed["recomputed verdict"],
            }
        ),
        ["claim", "computation"],
    )


def cuts_view(cuts: pd.DataFrame) -> pd.DataFrame:
    """The estimates :func:`helpers.claims.matching_effects` compared with a claim, with a ✓ on
    those that match it."""
    shown = cuts.drop(columns="endpoint")
    shown.insert(0, "match", shown.pop("matches the claim").map({True: "✓", False: ""}))
    return tables.wrap_ids(shown, ["effect_id", "population", "source"])


def _medians(ch: chapter.Chapter, effect_id: str) -> str:
    printed = ch.evidence.effects_printed
    return f"{printed.loc[effect_id, 'median_experimental']} vs {printed.loc[effect_id, 'median_control']}"


def _claimed(ch: chapter.Chapter, claim_id: str) -> str:
    return ch.evidence.claims.loc[claim_id, "claimed_value"]


def glue_bolero(ch: chapter.Chapter, cuts: pd.DataFrame) -> None:
    """Glue the BOLERO-2 example from the estimates ``cuts`` compared with the explainer's
    medians: ``bolero_claimed``, ``bolero_n_cuts``, ``bolero_n_matches``,
    ``bolero_match_analysis``, ``bolero_match_source``, ``bolero_interim``, ``bolero_central``
    and the phase claim (``bolero_phase_claimed``, ``bolero_phase_data``, ``bolero_phase_verdict``)."""
    evidence = ch.evidence
    match = evidence.effects.loc[cuts.loc[cuts["matches the claim"], "effect_id"].iloc[0]]
    chapter.glue("bolero_claimed", " vs ".join(rounding.claimed_numbers(_claimed(ch, "expl_bolero2_medians"))))
    chapter.glue("bolero_n_cuts", f"{len(cuts)}")
    chapter.glue("bolero_n_matches", f"{cuts['matches the claim'].sum()}")
    chapter.glue("bolero_match_analysis", f"{match['analysis']}, {match['assessment']}-assessed")
    chapter.glue("bolero_match_source", evidence.sources.loc[match["source_id"], "citation"])
    chapter.glue("bolero_interim", _medians(ch, "bolero2_pfs_itt_interim_local"))
    chapter.glue("bolero_central", _medians(ch, "bolero2_pfs_itt_final_central"))
    phase_value, phase_verdict = claims.evaluate_claim(evidence.claims.loc["expl_bolero2_phase"], evidence)
    chapter.glue("bolero_phase_claimed", _claimed(ch, "expl_bolero2_phase"))
    chapter.glue("bolero_phase_data", phase_value)
    chapter.glue("bolero_phase_verdict", phase_verdict)


def risk_reduction(median_experimental: str, median_control: str, stated_percent: str) -> pd.Series:
    """A "reduction in risk" checked against two medians under constant hazards:
    HR = m_c / m_e (:func:`helpers.claims.exponential_hr_from_medians`), reduction = 1 − HR, and
    the experimental median m_c / HR_stated that the stated reduction would need, with
    HR_stated = 1 − stated / 100. Arguments are the numbers as printed."""
    m_e, m_c, stated = float(median_experimental), float(median_control), float(stated_percent) / 100
    hr_stated = claims.hr_from_risk_reduction(stated)
    return pd.Series(
        {
            "median, lapatinib (months)": m_e,
            "median, control (months)": m_c,
            "HR implied by the medians": claims.exponential_hr_from_medians(m_e, m_c),
            "reduction implied": claims.implied_risk_reduction_from_medians(m_e, m_c),
            "reduction stated": stated,
            "HR the stated reduction means": hr_stated,
            "lapatinib median that HR would need (months)": m_c / hr_stated,
        }
    )


def glue_risk_reduction(ch: chapter.Chapter, claim_id: str = "lap_risk_reduction") -> None:
    """Glue the risk-reduction example (:func:`risk_reduction` of the claim ``claim_id``):
    ``risk_me``, ``risk_mc``, ``risk_stated``, ``risk_hr_implied``, ``risk_reduction``,
    ``risk_low``, ``risk_high`` (the reduction the medians' rounding allows), ``risk_hr_stated``,
    ``risk_median_needed``, ``risk_verdict``; and the trial-size claim: ``lap_n_claimed``, ``detect_n``."""
    evidence = ch.evidence
    m_e, m_c, stated = rounding.claimed_numbers(_claimed(ch, claim_id))
    risk = risk_reduction(m_e, m_c, stated)
    low, high = claims.implied_risk_reduction_interval(m_e, m_c)
    _, verdict = claims.evaluate_claim(evidence.claims.loc[claim_id], evidence)
    for key, value in {
        "risk_me": m_e,
        "risk_mc": m_c,
        "risk_stated": f"{stated}%",
        "risk_hr_implied": format_number(risk["HR implied by the medians"], 2),
        "risk_reduction": format_percent(risk["reduction implied"], 1),
        "risk_low": format_percent(low, 1),
        "risk_high": format_percent(high, 1),
        "risk_hr_stated": format_number(risk["HR the stated reduction means"], 2),
        "risk_median_needed": format_number(risk["lapatinib median that HR would need (months)"], 1),
        "risk_verdict": verdict,
    }.items():
        chapter.glue(key, value)
    n_value, _ = claims.evaluate_claim(evidence.claims.loc["lap_n_randomised"], evidence)
    chapter.glue("lap_n_claimed", _claimed(ch, "lap_n_randomised"))
    chapter.glue("detect_n", n_value)


#: The most decimals a share is shown with; a source that prints more is shown rounded, saying so.
SHOWN_DECIMALS = 4


def share_as_shown(printed: str, value: float) -> str:
    """A percentage as the source printed it (``printed``), or, when the source printed more than
    :data:`SHOWN_DECIMALS` decimals, ``value`` rounded to two decimals with the number of
    decimals the source printed ("3.97 (printed with 14 decimals)")."""
    decimals = len(printed.partition(".")[2])
    if decimals <= SHOWN_DECIMALS:
        return printed
    return f"{format_number(value, 2)} (printed with {decimals} decimals)"


def her2_view(ch: chapter.Chapter, her2_rows: pd.DataFrame) -> pd.DataFrame:
    """The registry rows behind the HER2-positive share (:func:`helpers.claims.her2_positive_rows`):
    subtype, share as printed (rounded to two decimals, saying so, where the source printed more
    than :data:`SHOWN_DECIMALS`: :func:`share_as_shown`), denominator and a link to the source."""
    evidence = ch.evidence
    printed = evidence.effects_printed.loc[her2_rows.index, "percent_experimental"]
    return pd.DataFrame(
        {
            "subtype": her2_rows["arm_experimental"],
            "share (%)": [share_as_shown(p, v) for p, v in zip(printed, her2_rows["percent_experimental"])],
            "denominator": her2_rows["population_detail"],
            "source": [tables.source_link(evidence, s) for s in her2_rows["source_id"]],
        }
    )


def glue_her2(
    ch: chapter.Chapter,
    her2_study: str,
    her2_rows: pd.DataFrame,
    claimed: str,
    total: tuple[float, float, float],
    check: rounding.NumberCheck,
    reading: str,
) -> None:
    """Glue the HER2-share example: ``her2_claimed``, ``her2_study_name``, ``her2_denominator``,
    ``her2_total``, ``her2_total_rounding`` (what the printed shares' rounding allows),
    ``her2_low``/``her2_high`` (what the claim covers), ``her2_reading`` and ``her2_verdict``.
    ``total`` is :func:`helpers.rounding.sum_of_printed_shares` of the rows, ``check`` the
    :func:`helpers.rounding.compare_number` of the claim with it."""
    value, low, high = total
    chapter.glue("her2_claimed", f"{claimed}%")
    chapter.glue("her2_study_name", ch.evidence.studies.loc[her2_study, "name"])
    chapter.glue("her2_denominator", her2_rows["population_detail"].iloc[0])
    chapter.glue("her2_total", format_number(value, 1) + "%")
    allowed = f"anywhere from {format_number(low, 2)}% to {format_number(high, 2)}%"
    chapter.glue(
        "her2_total_rounding",
        "the shares are printed to many decimals, so their rounding does not matter"
        if high - low < 0.005
        else f"given how the shares were printed, {allowed}",
    )
    chapter.glue("her2_low", format_number(check.claimed_interval[0], 1) + "%")
    chapter.glue("her2_high", format_number(check.claimed_interval[1], 1) + "%")
    chapter.glue("her2_reading", reading)
    chapter.glue("her2_verdict", check.verdict)


def trial_rows(
    ch: chapter.Chapter, study_id: str, endpoint: str | None = None, population: str | None = None
) -> pd.DataFrame:
    """A study's estimates (:func:`helpers.tables.evidence_table`), optionally one ``endpoint``
    and populations matching the regular expression ``population``, in the columns the
    examples show."""
    rows = tables.evidence_table(ch.evidence, study_ids=[study_id])
    if endpoint is not None:
        rows = rows[rows["endpoint"] == endpoint]
    if population is not None:
        rows = rows[rows["population"].str.match(population)]
    columns = ["population", "comparison", "endpoint", "medians", "HR (CI)", "analysis", "source"]
    return tables.wrap_ids(rows[columns], ["population", "source"] if population is not None else ["source"])


def glue_paloma(ch: chapter.Chapter, liver_effect: str = "paloma3_pfs_liver_metastases_post_hoc") -> None:
    """Glue the PALOMA-3 example: ``paloma_population``, ``paloma_n``, ``paloma_claimed`` and the
    liver subgroup ``liver_effect`` (``paloma_liver_medians``, ``paloma_liver_hr``,
    ``paloma_liver_analysis``)."""
    evidence, printed = ch.evidence, ch.evidence.effects_printed
    paloma = evidence.studies.loc["paloma3"]
    liver = evidence.effects.loc[liver_effect]
    chapter.glue("paloma_population", paloma["population"])
    chapter.glue("paloma_n", f"{paloma['n_total']}")
    chapter.glue("paloma_liver_medians", _medians(ch, liver_effect))
    hr, lower, upper = printed.loc[liver_effect, ["hr", "hr_ci_lower", "hr_ci_upper"]]
    chapter.glue("paloma_liver_hr", f"{hr} ({lower}–{upper})")
    chapter.glue("paloma_liver_analysis", liver["analysis"].replace("_", " "))
    chapter.glue("paloma_claimed", " vs ".join(rounding.claimed_numbers(_claimed(ch, "expl_paloma3_medians"))))


def glue_inavo(ch: chapter.Chapter) -> None:
    """Glue the unverifiable examples: ``inavo_claimed``, ``inavo_endpoints`` (the INAVO120
    endpoints the data hold), ``inavo_population`` and ``detect_citation``."""
    evidence = ch.evidence
    endpoints = sorted(set(evidence.effects.loc[evidence.effects["study_id"] == "inavo120", "endpoint"]))
    chapter.glue("inavo_claimed", f"{_claimed(ch, 'adv_inavolisib_26')}%")
    chapter.glue("inavo_endpoints", ", ".join(endpoints))
    chapter.glue("inavo_population", evidence.studies.loc["inavo120", "population"])
    chapter.glue("detect_citation", evidence.sources.loc["fehm2024_detect3", "citation"])


def glue_pattern_examples(ch: chapter.Chapter) -> None:
    """Glue the medians the "Patterns" section quotes (``paloma_interim``, ``paloma_post_hoc``,
    ``pyro_medians``, ``detect_ctc_medians``) and ``five_year_rate``."""
    for key, effect_id in {
        "paloma_interim": "paloma3_pfs_itt_interim",
        "paloma_post_hoc": "paloma3_pfs_itt_post_hoc",
        "pyro_medians": "li2025_pyrotinib_liver_os_liver_vs_no_liver_primary",
        "detect_ctc_medians": "detect3_os_mitt_primary_ctc_clearance",
    }.items():
        chapter.glue(key, _medians(ch, effect_id))
    rate = ch.evidence.effects_printed.loc["bmc2021_bclm_os_rate_5y_background_citation", "percent_experimental"]
    chapter.glue("five_year_rate", f"{rate}%")


def patterns_view(ch: chapter.Chapter, patterns: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """The claims that show each pattern (default :data:`PATTERNS`): pattern with verdict,
    article, quote and trace (:func:`helpers.tables.claims_table`)."""
    patterns = PATTERNS if patterns is None else patterns
    pairs = [(pattern, claim_id) for pattern, ids in patterns.items() for claim_id in ids]
    unknown = [c for _, c in pairs if c not in ch.evidence.claims.index]
    if unknown:
        raise ValueError(f"patterns name claims not in data/claims.csv: {unknown}")
    table = tables.claims_table(ch.evidence).set_index(ch.evidence.claims.index).loc[[c for _, c in pairs]]
    table.insert(0, "pattern", [p for p, _ in pairs])
    table["pattern, verdict"] = table["pattern"] + "<br>" + table["verdict"]
    return table[["pattern, verdict", "article", "what the article says (verbatim)", "traced to"]]


def glue_designs(ch: chapter.Chapter, selected: pd.DataFrame) -> None:
    """Glue how many ``selected`` claims trace to a randomised trial (``n_on_rct``), to another
    design (``n_on_nonrandomised``) and to no study (``n_on_nothing``)."""
    design = selected["study_id"].dropna().map(ch.evidence.studies["design"])
    chapter.glue("n_on_rct", f"{(design == 'rct').sum()}")
    chapter.glue("n_on_nonrandomised", f"{(design != 'rct').sum()}")
    chapter.glue("n_on_nothing", f"{selected['study_id'].isna().sum()}")


def studies_view(ch: chapter.Chapter, selected: pd.DataFrame) -> pd.DataFrame:
    """The studies the ``selected`` claims trace to (:func:`helpers.tables.studies_table`), with
    the symbols of the verdicts of the claims traced to each."""
    evidence = ch.evidence
    traced = selected["study_id"].dropna()
    verdicts = (
        selected.loc[traced.index, "verdict"]
        .map(tables.VERDICT_SYMBOLS)
        .groupby(traced)
        .agg(lambda v: " ".join(sorted(v)))
    )
    keep = evidence.studies.index.isin(verdicts.index)
    studies = tables.studies_table(evidence)[keep].copy()
    studies.insert(1, "claims traced here", verdicts.reindex(evidence.studies.index[keep]).to_numpy())
    return tables.wrap_ids(studies.drop(columns=["chapter", "registry"]), ["source"])


def glue_liver(ch: chapter.Chapter, selected: pd.DataFrame) -> None:
    """Glue the claims whose quote mentions the liver: ``n_liver_claims``, ``n_liver_supported``
    (consistent) and ``n_liver_other``; and ``liver_share_claimed`` (the explainer's share)."""
    liver = selected[selected["quote"].str.contains("liver", case=False)]
    supported = int((liver["verdict"] == "consistent").sum())
    chapter.glue("n_liver_claims", f"{len(liver)}")
    chapter.glue("n_liver_supported", f"{supported}")
    chapter.glue("n_liver_other", f"{len(liver) - supported}")
    chapter.glue("liver_share_claimed", f"{_claimed(ch, 'expl_liver_share')}%")
