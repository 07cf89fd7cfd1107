"""Tables the book renders from ``data/``: one place that decides how a table looks.

Every function takes the validated :class:`helpers.data.Evidence` and returns a tidy
DataFrame; :func:`to_html` turns any of them into deterministic HTML (no random ids, so
committed notebook outputs re-run identically) with working links.
"""

from __future__ import annotations

import html
import ipaddress
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from IPython.display import HTML

from helpers.claims import VERDICTS
from helpers.data import Evidence
from helpers.formatting import format_ci, format_estimate_ci, format_number, format_p
from helpers.synthesis import certainty_table

__all__ = [
    "Markup",
    "escape",
    "safe_url",
    "COLUMN_LABELS",
    "INTERACTIVE_ROWS",
    "column_label",
    "VERDICT_SYMBOLS",
    "link",
    "source_link",
    "prediction_interval_text",
    "wrap_ids",
    "claims_table",
    "verdict_counts",
    "certainty_view",
    "risk_of_bias_view",
    "pooled_view",
    "sources_table",
    "studies_table",
    "evidence_table",
    "hr_text",
    "medians_text",
    "to_html",
    "LIVER_FACT_HEADERS",
    "NOT_FOUND",
    "liver_facts_table",
    "quoted_facts_cell",
    "per_drug_facts_table",
    "SUBGROUP_LABELS",
    "subgroup_label_counts",
    "context_facts_table",
]

_DESIGN_LABELS = {
    "rct": "randomised trial",
    "retrospective_cohort": "retrospective cohort",
    "prospective_cohort": "prospective cohort",
    "single_arm": "single-arm trial",
    "meta_analysis": "meta-analysis",
    "case_series": "case series",
    "registry_analysis": "registry analysis",
}


class Markup(str):
    """HTML built by these helpers from escaped parts: :func:`to_html` renders it as it is and
    escapes every other string. Joining keeps the guarantee: ``Markup + str`` and
    ``str + Markup`` escape the plain operand (as markupsafe does)."""

    __slots__ = ()

    def __html__(self) -> Markup:
        return self

    def __add__(self, other) -> Markup:
        return Markup(str.__add__(self, escape(other)))

    def __radd__(self, other) -> Markup:
        return Markup(str.__add__(escape(other), self))

    def join(self, parts) -> Markup:
        return Markup(str.join(self, [escape(p) for p in parts]))


def escape(value) -> Markup:
    """``value`` as HTML-safe text: :class:`Markup` is kept, anything else is escaped (``html.escape``)."""
    if isinstance(value, Markup):
        return value
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(html.escape(str(value)))


_HOST = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$", re.IGNORECASE
)


def safe_url(url) -> str | None:
    """``url`` when it may become a link: ``http(s)://`` with a host name (not an IP address, not
    ``localhost``), no whitespace, control characters or characters a URL must percent-encode
    (``"<>\\^`{|}``); else ``None``."""
    if url is None or not isinstance(url, str) or not url:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch in '"<>\\^`{|}' for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(host):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return url
    return None


def link(text: str, url: str | None) -> Markup:
    """An HTML link with escaped text, or the escaped text alone when there is no URL or the URL
    is not safe to link (:func:`safe_url`)."""
    href = None if url is None or (not isinstance(url, str) and pd.isna(url)) else safe_url(str(url))
    if href is None:
        return escape(text)
    return Markup(f'<a href="{html.escape(href, quote=True)}">{escape(text)}</a>')


def source_link(evidence: Evidence, source_id: str) -> str:
    """A link to a source for readers (its DOI, else its PubMed record, else the page it was read
    from), marked " (secondary)" when the source is not the primary report: the one place that
    marks secondary sources.

    Raises
    ------
    KeyError
        If ``source_id`` is not in ``data/sources.csv``.
    """
    if source_id not in evidence.sources.index:
        raise KeyError(f"no source {source_id!r} in data/sources.csv (column source_id)")
    source = evidence.sources.loc[source_id]
    href = safe_url(_source_href(source))  # its DOI, else its PubMed record, else the page read
    return _id_link(source_id, href) + ("" if source["kind"] == "primary" else " (secondary)")


def _id_link(identifier: str, url: str | None) -> Markup:
    """A link named by an id: "zou2025 breast pubmed" for ``zou2025_breast_pubmed``, the id itself
    in the tooltip (a table never shows a snake_case id)."""
    if "_" not in identifier:
        return link(identifier, url)
    words = link(identifier.replace("_", " "), url)
    if words.startswith("<a "):
        return Markup(f'<a title="{html.escape(identifier)}" ' + words[3:])
    return Markup(f'<span title="{html.escape(identifier)}">{words}</span>')


def prediction_interval_text(result) -> str:
    """The prediction interval of a pooled result (:class:`helpers.meta.PooledEffect`) for a table:
    the interval, or why there is none (a common-effect model has none; with too few studies it
    is not estimable)."""
    if result.hr_pi_lower is None:
        if result.method == "FE":
            return "not defined for a common-effect model"
        return f"not estimable with k = {result.k}"
    return format_ci(result.hr_pi_lower, result.hr_pi_upper)


def pooled_view(results: dict, keys: Sequence[str]) -> pd.DataFrame:
    """Pooled results (:class:`helpers.meta.PooledEffect`) as a table, one row per result: the
    result's key (a tuple, one value per name in ``keys``), then k, studies, "pooled HR (CI)",
    τ², I² (%), the Q p-value, the prediction interval (:func:`prediction_interval_text`) and the
    weights (%)."""
    out = []
    for key, r in results.items():
        values = key if isinstance(key, tuple) else (key,)
        if len(values) != len(keys):
            raise ValueError(f"result key {key!r} does not have one value per name in {list(keys)}")
        out.append(
            {
                **dict(zip(keys, values)),
                "k": r.k,
                "studies": ", ".join(r.studies.index),
                "pooled HR (CI)": format_estimate_ci(r.hr, r.hr_lower, r.hr_upper, level=r.level),
                "τ²": format_number(r.tau2, 4),
                "I² (%)": format_number(r.i2, 0),
                "Q p-value": format_p(r.q_p),
                "prediction interval": prediction_interval_text(r),
                "weights (%)": ", ".join(format_number(w, 1) for w in r.weights),
            }
        )
    return pd.DataFrame(out)


def _identifiers(row: pd.Series) -> str:
    parts = []
    if pd.notna(row["doi"]):
        parts.append(link(f"doi:{row['doi']}", f"https://doi.org/{row['doi']}"))
    if pd.notna(row["pmid"]):
        parts.append(link(f"PMID {row['pmid']}", f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/"))
    return Markup(", ").join(parts)


def sources_table(evidence: Evidence) -> pd.DataFrame:
    """Every source with its citation, identifiers, kind and access date."""
    s = evidence.sources.sort_values("source_id")
    return pd.DataFrame(
        {
            "source": s["source_id"],
            "citation (link to the page)": [
                link(c, page_address(row)) for c, (_, row) in zip(s["citation"], s.iterrows())
            ],
            "identifiers": [_identifiers(r) for _, r in s.iterrows()],
            "kind": s["kind"],
            "read from": [read_from(evidence, sid) for sid in s["source_id"]],
            "accessed": s["accessed"].dt.strftime("%Y-%m-%d"),
        }
    ).reset_index(drop=True)


def studies_table(evidence: Evidence, chapter: str | None = None) -> pd.DataFrame:
    """Studies with design, phase, blinding, size and where their design facts were read."""
    st = evidence.studies
    if chapter is not None:
        st = st[st["chapter"] == chapter]
    return pd.DataFrame(
        {
            "study": st["name"],
            "design": st["design"].map(_DESIGN_LABELS),
            "phase": st["phase"].fillna("–"),
            "blinding": st["blinding"].str.replace("_", " "),
            "N": st["n_total"].astype("string").fillna("–"),
            "chapter": st["chapter"].str.replace("_", " "),
            "registry": st["registry_id"].fillna("–"),
            "source": [source_link(evidence, sid) for sid in st["source_id"]],
        }
    ).reset_index(drop=True)


_GRADE_DOMAINS = ["risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias"]


#: Readings of a source (``data/extraction.csv`` ``read_as``) complete enough for a final
#: appraisal; a judgement resting only on other readings (abstract, conference abstract, registry
#: record, copies, summaries by others) is provisional.
FULL_READINGS = ("full_text", "label", "report")
#: Readings from most to least complete: a study-level judgement rests on the study's best one.
_READING_ORDER = [
    "full_text",
    "label",
    "report",
    "abstract",
    "conference_abstract",
    "registry",
    "label_copy",
    "registry_copy",
    "secondary_summary",
]


def _readings(evidence: Evidence, source_ids) -> list[str]:
    """The distinct ``read_as`` of ``source_ids`` (blanks and unknown sources skipped), most
    complete first."""
    known = evidence.extraction["read_as"]
    found = {known[s] for s in source_ids if isinstance(s, str) and s in known.index}
    return sorted(found, key=_READING_ORDER.index)


def _judged_from(readings: list[str]) -> str:
    """``"full text"``; ``"abstract (provisional)"`` when no reading is complete."""
    if not readings:
        return "–"
    shown = [r for r in readings if r in FULL_READINGS] or readings
    text = ", ".join(READ_FROM_LABELS[r] for r in shown)
    return text if shown[0] in FULL_READINGS else f"{text} (provisional)"


def estimates_judged_from(evidence: Evidence, effect_ids) -> str:
    """What a judgement resting on the estimates ``effect_ids`` was made from: the readings of
    their sources (``data/extraction.csv``) that are not complete, marked "(provisional)", when
    any source was read only as an abstract, conference abstract, registry record or summary by
    others; otherwise the complete readings ("full text", "label")."""
    source_of = evidence.effects["source_id"]
    readings = _readings(evidence, [source_of.get(e) for e in effect_ids if e])
    partial = [r for r in readings if r not in FULL_READINGS]
    return _judged_from(partial or readings)


def certainty_view(evidence: Evidence, chapter: str, comparison_label=None) -> pd.DataFrame:
    """A chapter's GRADE-style certainty rows (:func:`helpers.synthesis.certainty_table`, highest
    certainty first) as the book shows them: comparison, starting level, the domains rated down
    with their level ("risk of bias: serious; indirectness: serious", or "none"), upgrade,
    certainty, reasons, and what the estimates were read from (``judged from``: every reading
    that is not complete, marked "(provisional)", when any estimate's source was read only as an
    abstract, conference abstract, registry record or summary by others; see
    :data:`FULL_READINGS`). ``comparison_label`` rewrites the comparison (e.g. abbreviations)."""
    rows = certainty_table(evidence, chapter)
    label = comparison_label or (lambda text: text)
    judged_from = [
        estimates_judged_from(evidence, str(effect_ids).split(";"))
        for effect_ids in evidence.certainty.loc[rows.index, "effect_ids"]
    ]
    return pd.DataFrame(
        {
            "comparison": rows["comparison"].map(label),
            "start": rows["starting_level"],
            "downgraded for": [
                "; ".join(
                    f"{d.replace('_', ' ')}: {r[d].replace('_', ' ')}"
                    for d in _GRADE_DOMAINS
                    if r[d] in ("serious", "very_serious")
                )
                or "none"
                for _, r in rows.iterrows()
            ],
            "upgrade": rows["upgrade"].str.replace("_", " "),
            "certainty": rows["certainty"].str.replace("_", " "),
            "reasons": rows["reasons"],
            "judged from": judged_from,
        }
    ).reset_index(drop=True)


def risk_of_bias_view(evidence: Evidence, study_ids, study_label=None, result_label=None) -> pd.DataFrame:
    """The risk-of-bias judgements of ``study_ids`` with their reasons: study, result ("main
    results" for study-level judgements), tool, domain, judgement, reason, and what the judgement
    was made from (``judged from``): for one result, its source's reading; for the main results,
    the most complete reading among the study's sources and its results' sources. A judgement
    made without a complete reading (:data:`FULL_READINGS`) is marked "(provisional)". In the
    data's order. ``study_label(study_id)`` and ``result_label(effect_id)`` name studies and
    results (default: the study's name and the effect id)."""
    rob = evidence.risk_of_bias[evidence.risk_of_bias["study_id"].isin(list(study_ids))]
    study_label = study_label or (lambda s: evidence.studies.loc[s, "name"])
    result_label = result_label or (lambda e: e)
    effects = evidence.effects

    def judged_from(study_id, effect_id) -> str:
        if not pd.isna(effect_id):
            return _judged_from(_readings(evidence, [effects.loc[effect_id, "source_id"]]))
        study = evidence.studies.loc[study_id]
        sources = [study["source_id"], study["design_source_id"]]
        sources += list(effects.loc[effects["study_id"] == study_id, "source_id"])
        return _judged_from(_readings(evidence, sources)[:1])

    return pd.DataFrame(
        {
            "study": [study_label(s) for s in rob["study_id"]],
            "result": ["main results" if pd.isna(e) else result_label(e) for e in rob["effect_id"]],
            "tool": rob["tool"].to_numpy(),
            "domain": rob["domain"].to_numpy(),
            "judgement": rob["judgement"].str.replace("_", " ").to_numpy(),
            "reason": rob["reason"].to_numpy(),
            "judged from": [judged_from(s, e) for s, e in zip(rob["study_id"], rob["effect_id"])],
        }
    )


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
    return (
        f"{prefix}{printed['hr']} ({printed['ci_level'] or '95'}% CI {printed['hr_ci_lower']}–{printed['hr_ci_upper']})"
    )


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
    """One line per reported estimate: study, endpoint, HR with CI, medians (the answer first),
    population, comparison, design, phase, N, analysis, and a link to the source with what it was
    read from (:func:`read_from`) under it. Medians and hazard ratios
    are shown as the source printed them (:func:`medians_text`, :func:`hr_text`)."""
    effects = evidence.effects
    studies = evidence.studies
    if chapter is not None:
        effects = effects[effects["study_id"].map(studies["chapter"]) == chapter]
    if study_ids is not None:
        effects = effects[effects["study_id"].isin(study_ids)]
    st = studies.loc[effects["study_id"]]
    population = [p if pd.isna(d) else f"{p}: {d}" for p, d in zip(effects["population"], effects["population_detail"])]
    comparison = [
        e if pd.isna(c) else f"{e} vs {c}" for e, c in zip(effects["arm_experimental"], effects["arm_control"])
    ]
    return pd.DataFrame(
        {  # the answer (HR, medians) first, the study's design after it
            "study": st["name"].to_numpy(),
            "endpoint": effects["endpoint"].to_numpy(),
            "HR (CI)": [hr_text(evidence, e) for e in effects.index],
            "medians": [medians_text(evidence, e) for e in effects.index],
            "population": population,
            "comparison": comparison,
            "design": st["design"].map(_DESIGN_LABELS).to_numpy(),
            "phase": st["phase"].fillna("–").to_numpy(),
            "N": st["n_total"].astype("string").fillna("–").to_numpy(),
            "analysis": effects["analysis"].str.replace("_", " ").to_numpy(),
            # The link, then what was read (extraction confidence) under it: one column, so the
            # table still prints within the page.
            "source": [
                Markup("<br>").join([source_link(evidence, sid), read_from(evidence, sid)])
                for sid in effects["source_id"]
            ],
        }
    )


#: Reader wording of ``data/extraction.csv`` ``read_as``: what a source's numbers were read from.
READ_FROM_LABELS = {
    "full_text": "full text",
    "abstract": "abstract",
    "conference_abstract": "conference abstract",
    "label": "drug label",
    "registry": "registry record",
    "report": "official report",
    "label_copy": "copy of a label",
    "registry_copy": "copy of a registry record",
    "secondary_summary": "summary by others",
}


def read_from(evidence: Evidence, source_id: str) -> str:
    """What a source's numbers were read from, in words (extraction confidence, shown beside the
    source and never used to judge the trial)."""
    return READ_FROM_LABELS[evidence.extraction.loc[source_id, "read_as"]]


#: Reader wording of ``data/appraisal/treatment_line.csv``, in the order of the sequence.
SUBTYPE_LABELS = {
    "hr_positive_her2_negative": "HR-positive, HER2-negative",
    "her2_positive": "HER2-positive",
    "triple_negative": "Triple-negative",
}
LINE_LABELS = {
    "first_line": "First line",
    "after_endocrine_therapy": "After endocrine therapy",
    "after_cdk46_inhibitor": "After a CDK4/6 inhibitor",
    "after_trastuzumab_and_taxane": "After trastuzumab and a taxane",
    "after_chemotherapy": "After chemotherapy",
    "later_line": "Later lines",
}


def sequencing_table(evidence: Evidence) -> pd.DataFrame:
    """Where each randomised trial sits in the sequence of treatments for advanced disease: one
    row per subtype and point in the sequence (in that order), listing the trials (with what
    they compared, from their intention-to-treat estimates) and what a reader must know about
    each trial's population. Words only: the results are in the chapters."""
    placed = evidence.treatment_line
    if placed.empty:
        raise ValueError("sequencing_table: data/appraisal/treatment_line.csv places no trial")
    effects = evidence.effects
    rows = []
    for subtype, subtype_label in SUBTYPE_LABELS.items():
        for line, line_label in LINE_LABELS.items():
            here = placed[(placed["subtype"] == subtype) & (placed["line"] == line)]
            if here.empty:
                continue
            trials = []
            for study_id, note in zip(here["study_id"], here["note"]):
                itt = effects[(effects["study_id"] == study_id) & (effects["population"] == "ITT")]
                name = evidence.studies.loc[study_id, "name"]
                arms = (
                    f" ({itt['arm_experimental'].iloc[0]} vs {itt['arm_control'].iloc[0]})"
                    if not itt.empty and pd.notna(itt["arm_control"].iloc[0])
                    else ""
                )
                trials.append(f"{name}{arms}" + ("" if pd.isna(note) or not note else f": {note}"))
            rows.append(
                {"subtype": subtype_label, "point in the sequence": line_label, "trials": Markup("<br>").join(trials)}
            )
    return pd.DataFrame(rows)


#: Column headers of :func:`liver_facts_table`, one per kind of fact in ``data/liver_facts.csv``.
LIVER_FACT_HEADERS = {
    "hepatotoxicity_warning": "Liver warning in the label",
    "liver_monitoring": "Liver tests while on treatment",
    "hepatic_impairment_mild": "Mild hepatic impairment",
    "hepatic_impairment_moderate": "Moderate hepatic impairment",
    "hepatic_impairment_severe": "Severe hepatic impairment",
    "trial_liver_eligibility": "Liver limits for entering the pivotal trial",
}
#: What a table shows for a fact that no source searched states.
NOT_FOUND = "not found in the sources searched"


def _source_href(source: pd.Series) -> str:
    """Where a reader should go for a source: its DOI, else its PubMed record, else the page
    (its public address when it was read on a mirror or preview copy: :func:`page_address`)."""
    if pd.notna(source["doi"]):
        return f"https://doi.org/{source['doi']}"
    if pd.notna(source["pmid"]):
        return f"https://pubmed.ncbi.nlm.nih.gov/{source['pmid']}/"
    return page_address(source)


def page_address(source: pd.Series) -> str:
    """The address of the page a source was read on, for readers: ``public_url`` when the page
    was read on a mirror, a preview copy or a proxy (``url`` keeps where it was read), else ``url``."""
    public = source.get("public_url")
    return str(public) if public is not None and pd.notna(public) else str(source["url"])


def quoted_facts_cell(evidence: Evidence, rows: pd.DataFrame) -> str:
    """One table cell for facts of ``data/liver_facts.csv`` or ``data/drug_facts.csv``: each traced
    value in quotation marks, with what it applies to (``scope``, where the table has it) and a
    link to its source (:func:`_source_href`), marked "secondary" when the page was not the label
    or paper itself; several values are stacked. :data:`NOT_FOUND` when no row is traced."""
    if "status" in rows:
        rows = rows[rows["status"] == "found"]
    if rows.empty:
        return NOT_FOUND
    parts = []
    for _, row in rows.iterrows():
        source = evidence.sources.loc[row["source_id"]]
        where = link("source", _source_href(source)) + ("" if source["kind"] == "primary" else ", secondary")
        scope = escape(f"{row['scope']}; ") if pd.notna(row.get("scope")) else ""
        parts.append(Markup("“") + str(row["value"]) + Markup("” (") + scope + where + Markup(")"))
    return Markup("<br>").join(parts)


def per_drug_facts_table(
    facts: pd.DataFrame,
    evidence: Evidence,
    headers: dict[str, str],
    drugs: Sequence[str],
    known: Sequence[str],
    file: str,
) -> pd.DataFrame:
    """One line per drug of ``drugs`` (each must be in ``known``, the drugs of ``file``), one
    column per kind of fact in ``headers`` (fact key -> column header), cells by
    :func:`quoted_facts_cell`."""
    unknown = [d for d in drugs if d not in known]
    if unknown:
        raise ValueError(f"drugs must be among {list(known)} ({file}, column drug), got {unknown}")
    out = []
    for drug in drugs:
        own = facts[facts["drug"] == drug]
        out.append(
            {"Drug": drug, **{h: quoted_facts_cell(evidence, own[own["fact"] == f]) for f, h in headers.items()}}
        )
    return pd.DataFrame(out, columns=["Drug", *headers.values()])


def liver_facts_table(
    evidence: Evidence, facts: Sequence[str] | None = None, drugs: Sequence[str] | None = None
) -> pd.DataFrame:
    """One line per drug, one column per kind of liver fact (``data/liver_facts.csv``), ready for
    :func:`to_html`.

    A cell holds each traced value in quotation marks with what it applies to (the label or trial,
    and the kind of copy read) and a link to its source (its DOI or PubMed record when the data
    have one, else the page read), marked "secondary" when the page was not the primary label or
    paper; several values (a US and an EU label, two trials) are stacked. A
    kind of fact no source states reads :data:`NOT_FOUND`. Drugs keep the order of the data file.

    Parameters
    ----------
    evidence
        The validated evidence (:func:`helpers.data.load_evidence`).
    facts
        Kinds of fact to show, in order (keys of :data:`LIVER_FACT_HEADERS`); default all six.
    drugs
        Drugs to show, as spelled in the data; default every drug.

    Raises
    ------
    ValueError
        If a kind of fact or a drug is unknown.
    """
    liver = evidence.liver_facts
    facts = list(LIVER_FACT_HEADERS) if facts is None else list(facts)
    unknown = [f for f in facts if f not in LIVER_FACT_HEADERS]
    if unknown:
        raise ValueError(f"facts must be among {list(LIVER_FACT_HEADERS)}, got {unknown}")
    known = list(dict.fromkeys(liver["drug"]))
    drugs = known if drugs is None else list(drugs)
    headers = {f: LIVER_FACT_HEADERS[f] for f in facts}
    return per_drug_facts_table(liver, evidence, headers, drugs, known, "data/liver_facts.csv")


#: Subgroup labels of ``data/effects.csv`` (column ``population``) that describe where the disease
#: is, in the words a table shows.
SUBGROUP_LABELS = {
    "liver_metastases": "liver metastases",
    "liver_or_lung": "liver and/or lung metastases",
    "visceral": "visceral disease",
    "nonvisceral": "no visceral disease",
}


def subgroup_label_counts(evidence: Evidence) -> pd.DataFrame:
    """How often each site-of-disease subgroup label occurs in ``data/effects.csv``: per label, the
    number of estimates, how many come from randomised trials, how many of those have a hazard
    ratio, and those randomised trials (display names), in the order of :data:`SUBGROUP_LABELS`."""
    effects = evidence.effects
    studies = evidence.studies
    out = []
    for key, label in SUBGROUP_LABELS.items():
        rows = effects[effects["population"] == key]
        randomised = rows[rows["study_id"].map(studies["design"]).eq("rct")]
        out.append(
            {
                "Subgroup label": label,
                "Estimates": len(rows),
                "From randomised trials": len(randomised),
                "Randomised, with a hazard ratio": int(randomised["hr"].notna().sum()),
                "Randomised trials": ", ".join(dict.fromkeys(randomised["study_id"].map(studies["short_name"])))
                or "none",
            }
        )
    return pd.DataFrame(out)


def context_facts_table(evidence: Evidence, topic: str) -> pd.DataFrame:
    """The context facts of one topic (``data/context_facts.csv``): what each fact is, the value
    in quotation marks as the source states it, and a link to the source ("secondary" marked),
    in the order of the data file.

    Raises
    ------
    ValueError
        If no fact has the topic.
    """
    facts = evidence.context_facts
    topics = list(dict.fromkeys(facts["topic"]))
    if topic not in topics:
        raise ValueError(f"topic must be one of {topics} (data/context_facts.csv, column topic), got {topic!r}")
    rows = facts[facts["topic"] == topic]
    sources = evidence.sources.loc[rows["source_id"]]
    return pd.DataFrame(
        {
            "What": [str(v) for v in rows["label"]],
            "As the source states it": [f"“{v}”" for v in rows["value"]],
            "Source": [
                link("source", _source_href(s)) + ("" if s["kind"] == "primary" else " (secondary)")
                for _, s in sources.iterrows()
            ],
        }
    ).reset_index(drop=True)


#: Readable column headers for the variable names tables and chapter frames carry: one place that
#: names a column for a reader. Other headers read with spaces for underscores, first letter capital.
COLUMN_LABELS = {
    "hr": "HR",
    "hr_lower": "HR lower limit",
    "hr_upper": "HR upper limit",
    "hr_ci_lower": "HR lower limit",
    "hr_ci_upper": "HR upper limit",
    "hr_pi_lower": "Prediction interval, lower",
    "hr_pi_upper": "Prediction interval, upper",
    "HR (CI)": "Hazard ratio (CI)",
    "hr_from_medians": "HR from the medians",
    "p": "p",
    "p_value": "p-value",
    "p_recomputed": "p recomputed",
    "p_from_ci": "p from the CI",
    "q_p": "Q p-value",
    "q": "Q",
    "k": "Studies (k)",
    "se": "SE",
    "z": "z",
    "coef": "Coefficient",
    "ci": "CI",
    "ci_source": "Where the CI comes from",
    "ci_limit": "CI limit",
    "e_value": "E-value",
    "e_value_ci": "E-value of the CI limit",
    "rr": "RR",
    "rr_lower": "RR lower limit",
    "rr_upper": "RR upper limit",
    "rare_outcome": "Rare outcome",
    "effect_id": "Estimate",
    "study_id": "Study",
    "population_detail": "Population detail",
    "median_experimental": "Median, experimental arm",
    "median_control": "Median, control arm",
    "median_lower": "Median, lower limit",
    "median_upper": "Median, upper limit",
    "arm_experimental": "Experimental arm",
    "arm_control": "Control arm",
    "n_total (studies.csv)": "N",
    "n": "N",
    "ms_per_arm": "Milliseconds per arm",
    "abs_dlogHR": "|Δ log HR|",
    "sup_dKM": "sup |ΔS|",
    "max_abs_dmedian": "Largest |Δ median|",
    "max_abs_dRMST": "Largest |Δ RMST|",
    "d_events": "Δ events",
    "rmst_experimental": "RMST, experimental arm",
    "rmst_control": "RMST, control arm",
    "compatible_lower": "Compatible, lower",
    "compatible_upper": "Compatible, upper",
    "not_checkable": "Not checkable",
    "most_mature": "Most mature",
    "label_detail": "Label detail",
    "control_median_stratum": "Control median stratum",
    "hormone_therapy": "Hormone therapy",
    "menostat": "Menopausal status",
}
#: Tables with more rows than this render as interactive tables (``_static/bclm-tables.js``:
#: sorting, a filter box, pages of 25 rows); every row stays in the HTML.
INTERACTIVE_ROWS = 25

_SNAKE_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_SNAKE_TOKEN = re.compile(r"(?<![\w/.#&;-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])")
_SAFE_TAGS = re.compile(r"&lt;(br|wbr)\s*/?&gt;")


def _text_html(value: str) -> Markup:
    """Plain text as HTML: escaped, except line-break tags ``<br>``/``<wbr>`` (no attributes),
    which tables written before :class:`Markup` use to stack values."""
    if isinstance(value, Markup):
        return value
    # Machine ids ("liver_metastases", "other_subgroup: …") read as words, the id kept as a tooltip;
    # file names and paths ("risk_of_bias_x.csv") are left alone.
    escaped = _SAFE_TAGS.sub(lambda m: f"<{m.group(1)}>", html.escape(value))
    return Markup(
        _SNAKE_TOKEN.sub(lambda m: f'<span title="{m.group(0)}">{m.group(0).replace("_", " ")}</span>', escaped)
    )


def column_label(name) -> str:
    """The header a reader sees for column ``name`` (:data:`COLUMN_LABELS`)."""
    name = str(name)
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    text = name.replace("_", " ") if _SNAKE_ID.match(name) else name
    return text[:1].upper() + text[1:] if text[:1].isascii() and text[:1].islower() else text


def _decimals(values: np.ndarray, most: int = 4) -> int:
    """The fewest decimals (at most ``most``) that print every value as it rounds at ``most``."""
    finite = values[np.isfinite(values)]
    if np.any((finite != 0) & (np.round(finite, most) == 0)):  # shown as "<0.0001": full precision
        return most
    for d in range(most + 1):
        if np.allclose(np.round(finite, d), np.round(finite, most), rtol=0, atol=10.0 ** -(most + 2)):
            return d
    return most


def _number_text(value, decimals: int = 4) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(value)
    value = float(value)
    if not np.isfinite(value):
        return "–" if np.isnan(value) else ("∞" if value > 0 else "−∞")
    if value != 0 and round(value, decimals) == 0:  # never "0.0000" for a value that is not zero
        bound = f"{10.0**-decimals:.{decimals}f}"
        return f"<{bound}" if value > 0 else f">−{bound}"
    return f"{value:.{decimals}f}"


def _cell(value, decimals: int = 4) -> Markup:
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return Markup("–")
    if isinstance(value, str):
        return _text_html(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return escape(_number_text(value, decimals))
    return escape(value)


def to_html(
    table: pd.DataFrame, caption: str | None = None, interactive: bool | None = None, fit_width: bool = False
) -> HTML:
    """Deterministic HTML for a table for people.

    Every cell is escaped (:func:`escape`) unless a helper built it as :class:`Markup` (links,
    stacked values); machine ids (snake_case) show as words with the id as a tooltip; numbers are
    rounded to at most four decimals, one precision per column; headers are humanised
    (:func:`column_label`). A table longer than :data:`INTERACTIVE_ROWS` rows gets the class
    ``bclm-interactive`` (sortable, filterable and paged by ``_static/bclm-tables.js``, in a box
    with a fixed header row; all rows stay in the HTML, for readers without JavaScript and for
    print); ``interactive=True`` asks for that form whatever the number of rows (a table of few
    but tall rows, such as verbatim quotes with their explanations, or one too wide for the
    page), ``interactive=False`` never. An interactive table takes the width its columns need and
    scrolls sideways in its box; ``fit_width=True`` keeps it within the text column instead,
    wrapping its text (for a few columns of prose, such as quotes and explanations).
    ``caption`` is dropped by the book when the cell's figure metadata already gives one
    (``_ext/tablenumbers.py``).
    """
    table = table.rename_axis(columns=None)
    rows = []
    decimals = {}
    for column in table.columns:
        values = table[column]
        if values.dtype.kind == "f":
            decimals[column] = _decimals(values.to_numpy(dtype=float))
        elif values.dtype.kind in "iub":
            decimals[column] = 0
        else:
            floats = np.array([v for v in values if isinstance(v, (float, np.floating))], dtype=float)
            decimals[column] = _decimals(floats) if len(floats) else 4
    for _, row in table.iterrows():
        rows.append("<tr>" + "".join(f"<td>{_cell(v, decimals[c])}</td>" for c, v in zip(table.columns, row)) + "</tr>")
    head = "".join(f"<th>{escape(column_label(c))}</th>" for c in table.columns)
    if interactive is None:
        interactive = len(table) > INTERACTIVE_ROWS
    classes = "dataframe bclm-table" + (" bclm-interactive" if interactive else "")
    classes += " bclm-fit-width" if fit_width else ""
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    body = (
        f'<table class="{classes}">{caption_html}<thead><tr style="text-align: left;">{head}</tr></thead>'
        f"<tbody>" + "".join(rows) + "</tbody></table>"
    )
    return HTML(f'<div class="bclm-table-wrap">{body}</div>')


# --------------------------------------------------------------------------- claims audit
#: A symbol per verdict of the claims audit, so that a table shows the verdict without relying on colour.
VERDICT_SYMBOLS = {"consistent": "✓", "inconsistent": "✗", "misleading": "!", "unverifiable": "?"}


def _breakable(html_text) -> Markup:
    """Let long identifiers wrap after underscores in a table cell (``<wbr>``); plain text is
    escaped first (:func:`escape`)."""
    return Markup(re.sub(r"_(?=[^<>]*(<|$))", "_<wbr>", escape(html_text)))


def wrap_ids(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy of ``table`` whose ``columns`` may wrap after underscores when rendered as HTML
    (long ids such as ``paloma3_pfs_liver_metastases_post_hoc`` otherwise widen a table past
    the page). Plain text is escaped (:func:`escape`, keeping line breaks ``<br>``); links and
    other :class:`Markup` are kept."""
    out = table.copy()
    for column in columns:
        out[column] = [v if not isinstance(v, str) else _breakable(_text_html(v)) for v in out[column]]
    return out


def _trace(row: pd.Series, evidence: Evidence) -> str:
    parts = []
    if pd.notna(row["study_id"]):
        study = evidence.studies.loc[row["study_id"]]
        parts.append(link(study["name"], safe_url(_source_href(evidence.sources.loc[study["source_id"]]))))
    for column, table in (("effect_id", evidence.effects), ("fact_id", evidence.drug_facts)):
        if pd.notna(row[column]):
            traced = table.loc[row[column]]
            source = evidence.sources.loc[traced["source_id"]]
            # The estimate or fact in words (its id stays in the tooltip), never the id itself.
            if column == "effect_id":
                words = ", ".join(
                    str(traced[c]).replace("_", " ")
                    for c in ("endpoint", "population", "analysis")
                    if pd.notna(traced[c])
                )
            else:
                words = f"{traced['drug']}: {str(traced['fact']).replace('_', ' ')}"
            anchor = link(words, safe_url(_source_href(source)))
            if anchor.startswith("<a "):
                anchor = Markup(f'<a title="{html.escape(str(row[column]))}" ' + anchor[3:])
            parts.append(anchor + ("" if source["kind"] == "primary" else " (secondary)"))
    return Markup("<br>").join(parts) if parts else "none found"


def _esc(value) -> Markup:
    return Markup("") if value is None or (not isinstance(value, str) and pd.isna(value)) else escape(value)


def claims_table(
    evidence: Evidence, article: str | None = None, columns: Sequence[str] | None = None, compact: bool = False
) -> pd.DataFrame:
    """Every claim of the audit (``data/claims.csv``, or one article's) with its verdict and symbol
    ("✓ consistent"), claim id, verbatim quote, trace, recomputed value and explanation, ready for
    :func:`to_html` (text is HTML-escaped; traces link to the page each number was read from).

    ``compact=True`` merges the columns into four that fit a page: verdict with the claim's id,
    type (and article when all articles are shown); the quote; the trace with the recomputed
    value; the explanation.

    Raises
    ------
    KeyError
        If ``article`` is not in ``data/articles.csv``.
    """
    labels = evidence.articles["label"]
    claims = evidence.claims
    if article is not None:
        if article not in labels.index:
            raise KeyError(f"unknown article {article!r} (known: {sorted(labels.index)}, data/articles.csv)")
        claims = claims[claims["article"] == article]
    table = pd.DataFrame(
        {
            "verdict": [f"{VERDICT_SYMBOLS[v]} {v}" for v in claims["verdict"]],
            "claim": [_breakable(escape(c)) for c in claims["claim_id"]],
            "article": [labels[a] for a in claims["article"]],
            "what the article says (verbatim)": [Markup("“") + _esc(q) + Markup("”") for q in claims["quote"]],
            "type": claims["claim_type"].to_numpy(),
            "traced to": [_trace(r, evidence) for _, r in claims.iterrows()],
            "recomputed": [_esc(v) or "–" for v in claims["recomputed_value"]],
            "explanation": [_breakable(_esc(e)) for e in claims["explanation"]],
        }
    )
    if compact:
        br = Markup("<br>")
        first = [
            escape(v) + br + c + br + f"({t})" + ("" if article is not None else br + a)
            for v, c, t, a in zip(table["verdict"], table["claim"], table["type"], table["article"])
        ]
        trace = [
            t if r == "–" else escape(t) + br + "recomputed: " + r
            for t, r in zip(table["traced to"], table["recomputed"])
        ]
        table = pd.DataFrame(
            {
                "verdict, claim (type)": first,
                "what the article says (verbatim)": table["what the article says (verbatim)"],
                "traced to": trace,
                "explanation": table["explanation"],
            }
        )
    if columns is not None:
        table = table[list(columns)]
    return table.reset_index(drop=True)


def verdict_counts(evidence: Evidence, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Claims per article and verdict (rows: articles, labelled from ``data/articles.csv`` in its
    order; columns: verdicts with their symbols; totals). ``claims`` defaults to every claim."""
    claims = evidence.claims if claims is None else claims
    order = evidence.articles["label"]
    labels = claims["article"].map(order)
    counts = pd.crosstab(labels, claims["verdict"]).reindex(columns=list(VERDICTS), fill_value=0)
    counts = counts.reindex([a for a in order if a in set(labels)])
    counts.columns = [f"{VERDICT_SYMBOLS[v]} {v}" for v in counts.columns]
    counts["all claims"] = counts.sum(axis=1)
    counts.loc["all articles"] = counts.sum(axis=0)
    return counts.rename_axis("article").reset_index()
