"""Tables the book renders from ``data/``: one place that decides how a table looks.

Every function takes the validated :class:`helpers.data.Evidence` and returns a tidy
DataFrame; :func:`to_html` turns any of them into deterministic HTML (no random ids, so
committed notebook outputs re-run identically) with working links.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
from IPython.display import HTML

from helpers.data import Evidence

__all__ = ["link", "sources_table", "studies_table", "evidence_table", "hr_text", "medians_text", "to_html"]

_DESIGN_LABELS = {
    "rct": "randomised trial", "retrospective_cohort": "retrospective cohort",
    "prospective_cohort": "prospective cohort", "single_arm": "single-arm trial",
    "meta_analysis": "meta-analysis", "case_series": "case series", "registry_analysis": "registry analysis",
}


def link(text: str, url: str | None) -> str:
    """An HTML link (escaped), or the escaped text alone when there is no URL."""
    if url is None or pd.isna(url) or not str(url):
        return html.escape(str(text))
    return f'<a href="{html.escape(str(url), quote=True)}">{html.escape(str(text))}</a>'


def _identifiers(row: pd.Series) -> str:
    parts = []
    if pd.notna(row["doi"]):
        parts.append(link(f"doi:{row['doi']}", f"https://doi.org/{row['doi']}"))
    if pd.notna(row["pmid"]):
        parts.append(link(f"PMID {row['pmid']}", f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/"))
    return ", ".join(parts)


def sources_table(evidence: Evidence) -> pd.DataFrame:
    """Every source with its citation, identifiers, kind and access date."""
    s = evidence.sources.sort_values("source_id")
    return pd.DataFrame({
        "source": s["source_id"],
        "citation (link to the page read)": [link(c, u) for c, u in zip(s["citation"], s["url"])],
        "identifiers": [_identifiers(r) for _, r in s.iterrows()],
        "kind": s["kind"],
        "accessed": s["accessed"].dt.strftime("%Y-%m-%d"),
    }).reset_index(drop=True)


def studies_table(evidence: Evidence, chapter: str | None = None) -> pd.DataFrame:
    """Studies with design, phase, blinding, size and where their design facts were read."""
    st = evidence.studies
    if chapter is not None:
        st = st[st["chapter"] == chapter]
    sources = evidence.sources
    return pd.DataFrame({
        "study": st["name"],
        "design": st["design"].map(_DESIGN_LABELS),
        "phase": st["phase"].fillna("–"),
        "blinding": st["blinding"].str.replace("_", " "),
        "N": st["n_total"].astype("string").fillna("–"),
        "chapter": st["chapter"].str.replace("_", " "),
        "registry": st["registry_id"].fillna("–"),
        "source": [link(sid, sources.loc[sid, "url"]) + ("" if sources.loc[sid, "kind"] == "primary" else " (secondary)")
                   for sid in st["source_id"]],
    }).reset_index(drop=True)


def _printed_row(evidence: Evidence, effect_id: str) -> pd.Series:
    if effect_id not in evidence.effects_printed.index:
        raise KeyError(f"no effect {effect_id!r} in data/effects.csv (column effect_id)")
    return evidence.effects_printed.loc[effect_id]


def hr_text(evidence: Evidence, effect_id: str, *, label: bool = False) -> str:
    """A hazard ratio and its interval for prose and tables, exactly as the source printed them.

    Parameters
    ----------
    evidence
        The validated evidence (:func:`helpers.data.load_evidence`).
    effect_id
        A row of ``data/effects.csv``.
    label
        Prefix ``"HR "``.

    Returns
    -------
    str
        ``"0.69 (95% CI 0.48–0.98)"``; ``"0.69 (no interval reported)"`` when only the estimate
        was printed; ``"not reported"`` when there is none. The printed strings
        (:attr:`helpers.data.Evidence.effects_printed`) keep trailing zeros that floats lose
        ("0.50", not "0.5").

    Raises
    ------
    KeyError
        If ``effect_id`` is not in the data.
    """
    printed = _printed_row(evidence, effect_id)
    prefix = "HR " if label else ""
    if not printed["hr"]:
        return "not reported"
    if not printed["hr_ci_lower"]:
        return f"{prefix}{printed['hr']} (no interval reported)"
    return (f"{prefix}{printed['hr']} ({printed['ci_level'] or '95'}% CI "
            f"{printed['hr_ci_lower']}–{printed['hr_ci_upper']})")


# "Median PFS ... has not been reached", "The median OS was not reached for pyrotinib": a median,
# not a significance boundary, within one clause.
_MEDIAN_NOT_REACHED = re.compile(r"median[^.;]{0,120}?\bnot (?:yet |been )?reached", re.IGNORECASE)


def medians_text(evidence: Evidence, effect_id: str) -> str:
    """Median survival in the experimental and control arms, as printed: ``"7.4 vs 3.2 months"``.

    A blank median is never guessed. It reads "not reached" only when the other arm's median
    is given and the row's quote says a median was not reached ("The median OS was not reached
    for pyrotinib and was 26.9 months in the lapatinib group"); otherwise "not reported". A row
    with no median in either arm reads "not reported", even if its quote mentions unreached
    medians (a landmark-rate row, for instance, records no medians). A single group without a
    comparator (a case series, a pooled review of series) shows its one median.

    Parameters
    ----------
    evidence
        The validated evidence (:func:`helpers.data.load_evidence`).
    effect_id
        A row of ``data/effects.csv``.

    Raises
    ------
    KeyError
        If ``effect_id`` is not in the data.
    """
    printed = _printed_row(evidence, effect_id)
    row = evidence.effects.loc[effect_id]
    given = [printed[c] for c in ("median_experimental", "median_control")]
    if not any(given):
        return "not reported"
    unit = f" {row['median_unit']}" if pd.notna(row["median_unit"]) else ""
    if pd.isna(row["arm_control"]) and not given[1]:  # one group, no comparator
        return f"{given[0]}{unit}"
    missing = "not reached" if _MEDIAN_NOT_REACHED.search(str(row["quote"])) else "not reported"
    values = [v or missing for v in given]
    if not given[1]:  # the unit belongs to the number
        return f"{values[0]}{unit} vs {missing}"
    return f"{values[0]} vs {values[1]}{unit}"


def evidence_table(evidence: Evidence, study_ids: list[str] | None = None, chapter: str | None = None) -> pd.DataFrame:
    """One line per reported estimate: study, design, phase, N, population, comparison,
    endpoint, medians, HR with CI, analysis and a link to the source. Medians and hazard ratios
    are shown as the source printed them (:func:`medians_text`, :func:`hr_text`)."""
    effects = evidence.effects
    studies = evidence.studies
    if chapter is not None:
        effects = effects[effects["study_id"].map(studies["chapter"]) == chapter]
    if study_ids is not None:
        effects = effects[effects["study_id"].isin(study_ids)]
    st = studies.loc[effects["study_id"]]
    sources = evidence.sources.loc[effects["source_id"]]
    population = [p if pd.isna(d) else f"{p}: {d}" for p, d in zip(effects["population"], effects["population_detail"])]
    comparison = [e if pd.isna(c) else f"{e} vs {c}" for e, c in zip(effects["arm_experimental"], effects["arm_control"])]
    return pd.DataFrame({
        "study": st["name"].to_numpy(),
        "design": st["design"].map(_DESIGN_LABELS).to_numpy(),
        "phase": st["phase"].fillna("–").to_numpy(),
        "N": st["n_total"].astype("string").fillna("–").to_numpy(),
        "population": population,
        "comparison": comparison,
        "endpoint": effects["endpoint"].to_numpy(),
        "medians": [medians_text(evidence, e) for e in effects.index],
        "HR (CI)": [hr_text(evidence, e) for e in effects.index],
        "analysis": effects["analysis"].str.replace("_", " ").to_numpy(),
        "source": [link(sid, u) + ("" if k == "primary" else " (secondary)")
                   for sid, u, k in zip(effects["source_id"], sources["url"], sources["kind"])],
    })


def to_html(table: pd.DataFrame, caption: str | None = None) -> HTML:
    """Deterministic HTML for a table whose cells may hold links (already escaped)."""
    # pandas' na_rep covers numpy float columns only (kept as floats so each column keeps one
    # precision); extension dtypes (Int64, string) and objects print "<NA>"/"None": fill those.
    table = table.copy()
    for column in table.columns:
        values = table[column]
        if not (values.dtype.kind == "f" and isinstance(values.dtype, np.dtype)):
            table[column] = values.astype(object).where(values.notna(), "–")
    # A named column axis (e.g. after pivot_table) would add an empty first cell to every row.
    table = table.rename_axis(columns=None)
    body = table.to_html(index=False, escape=False, border=0, classes="bclm-table", na_rep="–", justify="left")
    if caption:
        body = re.sub(r"(<table[^>]*>)", lambda m: f"{m.group(1)}<caption>{html.escape(caption)}</caption>",
                      body, count=1)
    return HTML(f'<div class="bclm-table-wrap">{body}</div>')
