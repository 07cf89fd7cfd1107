r"""Auditing what popular articles say against what the traced evidence shows.

``data/claims.csv`` holds every checkable statement of five popular articles, each traced to
the study, estimate or drug fact it should rest on, with a verdict. Where the verdict is
arithmetic (a trial size, two medians, a percentage, a "risk reduction", a route, a phase),
the ``computation`` column names a function of :data:`COMPUTATIONS`, and
:func:`evaluate_claim` recomputes the row from ``data/``: a test checks that the committed
``recomputed_value`` and ``verdict`` equal what this module gives, so the table cannot drift
from the data or from the code.

Every comparison is rounding-aware: a printed number stands for every value that rounds to
it (:func:`helpers.effects.rounding_interval`), and two numbers agree when their intervals
overlap. A claim is only called ``inconsistent`` when no values compatible with the printed
precision of both sides reproduce it.

Verdicts
--------
consistent
    The claim matches the traced data row (it may still come with a caveat in the explanation).
inconsistent
    The claim contradicts the traced data, or its own numbers do not fit together.
misleading
    The numbers may be right, but the claim puts them in a frame the evidence does not support:
    a subgroup presented as the whole population (or the reverse), a prognostic comparison
    presented as a drug effect, a non-randomised association stated as an effect.
unverifiable
    No stored page holds the evidence; the explanation says what was searched.

References
----------
Sumner P et al. The association between exaggeration in health related science news and
academic press releases: retrospective observational study. BMJ 2014;349:g7015.
Yavchitz A et al. Misrepresentation of randomized controlled trials in press releases and news
coverage: a cohort study. PLoS Med 2012;9:e1001308.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from helpers import effects
from helpers.data import Evidence
from helpers.tables import link, medians_text

__all__ = [
    "VERDICTS",
    "VERDICT_SYMBOLS",
    "VERDICT_MEANINGS",
    "ARTICLES",
    "NumberCheck",
    "claimed_numbers",
    "approximate_interval",
    "compare_number",
    "risk_reduction_from_hr",
    "hr_from_risk_reduction",
    "exponential_hr_from_medians",
    "implied_risk_reduction_from_medians",
    "implied_risk_reduction_interval",
    "sum_of_shares",
    "sum_of_printed_shares",
    "share_from_counts",
    "parse_phase",
    "route_category",
    "year_in",
    "her2_positive_rows",
    "COMPUTATIONS",
    "evaluate_claim",
    "recompute_claims",
    "matching_effects",
    "claims_table",
    "wrap_ids",
    "verdict_counts",
]

#: The four verdicts, in the order the book lists them.
VERDICTS = ("consistent", "inconsistent", "misleading", "unverifiable")
#: A symbol per verdict, so that a table shows the verdict without relying on colour.
VERDICT_SYMBOLS = {"consistent": "✓", "inconsistent": "✗", "misleading": "!", "unverifiable": "?"}
#: What each verdict means, in one sentence.
VERDICT_MEANINGS = {
    "consistent": "The claim matches the data row it traces to (caveats, if any, are in the explanation).",
    "inconsistent": "The claim contradicts the traced data, or the article's own numbers do not fit together.",
    "misleading": "The numbers may be right, but the frame is not: a subgroup sold as everyone (or the reverse), "
                  "a prognostic comparison sold as a drug effect, an association stated as an effect.",
    "unverifiable": "No stored page holds the evidence; the explanation says what was searched.",
}
#: Short labels of the five audited articles (file names in ``shared/articles/``).
ARTICLES = {
    "pyrotinib-liver-metastases-news.txt": "Pyrotinib news",
    "lapatinib-ctc-news.txt": "Lapatinib–CTC news",
    "bclm-treatment-options-explainer.txt": "BCLM explainer",
    "ablation-bclm-abstract-zou-2025.txt": "Zou 2025 abstract",
    "mbc-treatment-advances-news.txt": "MBC advances news",
}

_NUMBER = re.compile(r"\.?\d+(?:[.,]\d+)*")


# --------------------------------------------------------------------------- comparing numbers
def claimed_numbers(text: str | None) -> list[str]:
    """The numbers in a claimed value, as printed (thousands separators dropped).

    Uses the same pattern as the validator's check that claimed numbers appear in the quote:
    ``"65.5, 40.4, 0.48, .003"`` -> ``["65.5", "40.4", "0.48", ".003"]``.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    return [m.replace(",", "") for m in _NUMBER.findall(str(text))]


def _as_float(printed: str) -> float:
    text = printed.strip()
    return float("0" + text if text.startswith(".") else text)


def approximate_interval(printed: str) -> tuple[float, float]:
    r"""Values an approximate figure ("about 20%") can stand for: half a unit of its last
    significant digit either side.

    ``"20"`` -> (15, 25); ``"30"`` -> (25, 35); ``"26"`` -> (25.5, 26.5); ``"8.5"`` -> (8.45, 8.55).
    This is the generous reading: a round number is taken as rounded to one significant
    figure, so a claim found ``inconsistent`` under it is inconsistent under any reading.
    """
    text = printed.strip()
    value = _as_float(text)
    if "." in text:
        fraction = text.split(".")[1].rstrip("0")
        unit = 10.0 ** (-len(fraction))
    else:
        digits = text.lstrip("0") or "0"
        unit = 10.0 ** (len(digits) - len(digits.rstrip("0"))) if digits != "0" else 1.0
    return value - unit / 2, value + unit / 2


@dataclass(frozen=True)
class NumberCheck:
    """The outcome of :func:`compare_number`: both intervals and whether they overlap."""

    claimed: float
    traced: float
    claimed_interval: tuple[float, float]
    traced_interval: tuple[float, float]
    consistent: bool

    @property
    def verdict(self) -> str:
        return "consistent" if self.consistent else "inconsistent"


def _interval(value: str | float | tuple[float, float], exact: bool) -> tuple[float, float, float]:
    """(point, lower, upper) for a printed string, a float (exact) or an interval."""
    if isinstance(value, tuple):
        lower, upper = float(value[0]), float(value[1])
        return (lower + upper) / 2, lower, upper
    if isinstance(value, str):
        point = _as_float(value)
        if exact:
            return point, point, point
        lower, upper = effects.rounding_interval(point, effects.decimals_of(value))
        return point, lower, upper
    point = float(value)
    if not math.isfinite(point):
        raise ValueError(f"traced value must be finite, got {value!r}")
    return point, point, point


def compare_number(claimed: str, traced: str | float | tuple[float, float],
                   rounding: str = "printed") -> NumberCheck:
    r"""Whether a claimed number agrees with a traced one, allowing for rounding.

    Parameters
    ----------
    claimed
        The number as the article prints it (a string keeps its precision: ``"9.50"`` has
        two decimals).
    traced
        The value it is compared with: a string as printed in the data (its rounding interval
        is used), a float (an exact, recomputed value) or a ``(lower, upper)`` interval
        (e.g. a recomputation carried through the rounding of its inputs).
    rounding
        How to read the claim: ``"printed"`` (every value that rounds to it at its printed
        decimals, :func:`helpers.effects.rounding_interval`), ``"approximate"`` (half a unit of
        its last significant digit, :func:`approximate_interval`; for "about 20%") or
        ``"exact"`` (counts: the claim and a printed traced value must be equal).

    Returns
    -------
    NumberCheck
        ``consistent`` is True when the two intervals overlap:
        :math:`[c_L, c_U] \cap [t_L, t_U] \neq \emptyset`.
    """
    if rounding not in ("printed", "approximate", "exact"):
        raise ValueError(f"rounding must be 'printed', 'approximate' or 'exact', got {rounding!r}")
    claimed_value = _as_float(str(claimed))
    if rounding == "exact":
        c_interval = (claimed_value, claimed_value)
    elif rounding == "approximate":
        c_interval = approximate_interval(str(claimed))
    else:
        c_interval = effects.rounding_interval(claimed_value, effects.decimals_of(str(claimed)))
    t_point, t_lower, t_upper = _interval(traced, exact=rounding == "exact")
    consistent = c_interval[0] <= t_upper and t_lower <= c_interval[1]
    return NumberCheck(claimed_value, t_point, c_interval, (t_lower, t_upper), bool(consistent))


# --------------------------------------------------------------------------- arithmetic of claims
def risk_reduction_from_hr(hr: float) -> float:
    r"""The "x% reduction in the risk" a hazard ratio is usually reported as.

    :math:`\text{reduction} = 1 - \mathrm{HR}` (a fraction; 0.38 means "38% lower hazard").
    It is a reduction in the *hazard* (the instantaneous event rate), not in the probability of
    the event by some date, and not a gain in median survival.
    """
    hr = float(hr)
    if not math.isfinite(hr) or hr <= 0:
        raise ValueError(f"hr must be a positive finite number, got {hr!r}")
    return 1.0 - hr


def hr_from_risk_reduction(reduction: float) -> float:
    r"""The hazard ratio behind a stated relative risk reduction: :math:`\mathrm{HR} = 1 - r`.

    ``reduction`` is a fraction (0.38 for "38%"), below 1.
    """
    reduction = float(reduction)
    if not math.isfinite(reduction) or reduction >= 1:
        raise ValueError(f"reduction must be a finite fraction below 1, got {reduction!r}")
    return 1.0 - reduction


def exponential_hr_from_medians(median_experimental: float, median_control: float) -> float:
    r"""Hazard ratio two medians imply under exponential survival (constant hazards).

    :math:`\lambda = \ln 2 / \text{median}`, so :math:`\mathrm{HR} = \text{median}_C /
    \text{median}_E` (:func:`helpers.effects.hr_from_medians`, whose warning applies: a rough
    check, never a substitute for a reported hazard ratio).
    """
    return effects.hr_from_medians(median_experimental, median_control)


def implied_risk_reduction_from_medians(median_experimental: float, median_control: float) -> float:
    r"""The relative reduction in the hazard two medians imply under constant hazards.

    :math:`1 - \text{median}_C / \text{median}_E`. Medians of 23.9 and 17.3 months imply a
    hazard ratio of about 0.72, a reduction of about 28%.
    """
    return risk_reduction_from_hr(exponential_hr_from_medians(median_experimental, median_control))


def implied_risk_reduction_interval(median_experimental: str, median_control: str) -> tuple[float, float]:
    r"""The range of :func:`implied_risk_reduction_from_medians` over every pair of medians that
    round to the printed ones: :math:`[1 - c_U/e_L,\; 1 - c_L/e_U]`."""
    e_lower, e_upper = effects.rounding_interval(_as_float(median_experimental), effects.decimals_of(median_experimental))
    c_lower, c_upper = effects.rounding_interval(_as_float(median_control), effects.decimals_of(median_control))
    return 1.0 - c_upper / e_lower, 1.0 - c_lower / e_upper


def sum_of_shares(shares: Sequence[float]) -> float:
    r"""Total share (in percent) of mutually exclusive groups: :math:`\sum_i s_i`.

    Used for the HER2-positive share of breast cancer, which registries report as two subtypes
    (HR+/HER2+ and HR−/HER2+). Each share must lie in [0, 100] and the total cannot exceed 100.
    """
    values = [float(s) for s in shares]
    if not values:
        raise ValueError("sum_of_shares needs at least one share")
    for value in values:
        if not math.isfinite(value) or not 0 <= value <= 100:
            raise ValueError(f"each share must be a percentage in [0, 100], got {value!r}")
    total = math.fsum(values)
    if total > 100 + 1e-9:
        raise ValueError(f"shares of mutually exclusive groups cannot add up to more than 100% (got {total:g})")
    return total


def sum_of_printed_shares(printed: Sequence[str]) -> tuple[float, float, float]:
    r"""Total of printed shares (percent) with the range their rounding allows.

    Each printed share stands for every value that rounds to it
    (:func:`helpers.effects.rounding_interval` at its printed decimals), so the total is the
    point :math:`\sum_i s_i` with bounds :math:`[\sum_i s_{i,L}, \sum_i s_{i,U}]`: "10.3" and
    "4.6" give 14.9, anywhere from 14.80 to 15.00.

    Returns
    -------
    tuple of float
        ``(total, lower, upper)``.
    """
    texts = [str(p).strip() for p in printed]
    total = sum_of_shares([float(t) for t in texts])
    bounds = [effects.rounding_interval(float(t), effects.decimals_of(t)) for t in texts]
    lower = max(math.fsum(b[0] for b in bounds), 0.0)
    upper = min(math.fsum(b[1] for b in bounds), 100.0)
    return total, lower, upper


def share_from_counts(part: int, total: int) -> float:
    r"""A percentage from counts: :math:`100 \times \text{part} / \text{total}`."""
    part, total = int(part), int(total)
    if total <= 0 or not 0 <= part <= total:
        raise ValueError(f"need 0 <= part <= total and total > 0, got {part} of {total}")
    return 100.0 * part / total


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


def parse_phase(text: str) -> str:
    """A trial phase as the data code it (``"1"``, ``"1b"``, ``"1/2"``, ``"2"``, ``"2/3"``,
    ``"3"``, ``"4"``) from text such as ``"phase II"``, ``"Phase 3"`` or ``"phase I/II"``."""
    match = re.search(r"phase[\s-]*([ivx]+|\d)(b?)(?:\s*[/-]\s*([ivx]+|\d))?", str(text), flags=re.I)
    if not match:
        raise ValueError(f"no trial phase found in {text!r}")
    first = _ROMAN.get(match.group(1).lower(), match.group(1))
    if match.group(3):
        return f"{first}/{_ROMAN.get(match.group(3).lower(), match.group(3))}"
    return first + match.group(2).lower()


def route_category(text: str) -> str:
    """Classify a route of administration: ``"intravenous"``, ``"subcutaneous"``, ``"oral"``
    or ``"unknown"``. Recognises label wording ("intravenous infusion", "for intravenous use",
    "taken orally", "口服" = oral) and popular wording ("oral medications")."""
    lowered = str(text).lower()
    if re.search(r"intravenous|\binfusion\b|\bi\.v\.", lowered):
        return "intravenous"
    if re.search(r"subcutaneous", lowered):
        return "subcutaneous"
    if re.search(r"\boral(ly)?\b|by mouth|\btablets?\b|\bcapsules?\b", lowered) or "口服" in lowered:
        return "oral"
    return "unknown"


def year_in(text: str) -> str:
    """The (first) four-digit year in a text: ``"first market approval in China in August 2018"`` -> ``"2018"``."""
    match = re.search(r"\b(19|20)\d{2}\b", str(text))
    if not match:
        raise ValueError(f"no year found in {text!r}")
    return match.group(0)


# --------------------------------------------------------------------------- the registry
def _cell(row: Mapping, column: str) -> str | None:
    value = row[column] if column in row else None
    if value is None or (not isinstance(value, str) and pd.isna(value)) or str(value) == "":
        return None
    return str(value)


def _require(row: Mapping, column: str) -> str:
    value = _cell(row, column)
    if value is None:
        raise ValueError(f"claim {_cell(row, 'claim_id')}: computation {_cell(row, 'computation')!r} needs {column}")
    return value


def _numbers(row: Mapping, count: int) -> list[str]:
    numbers = claimed_numbers(_cell(row, "claimed_value"))
    if len(numbers) < count:
        raise ValueError(f"claim {_cell(row, 'claim_id')}: needs {count} number(s) in claimed_value, "
                         f"found {numbers}")
    return numbers


def _verdict(checks: Sequence[NumberCheck]) -> str:
    return "consistent" if all(c.consistent for c in checks) else "inconsistent"


def _n_total(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """Trial size: the claimed count against ``studies.n_total`` (exact)."""
    study = _require(row, "study_id")
    n_total = evidence.studies.loc[study, "n_total"]
    if pd.isna(n_total):
        raise ValueError(f"study {study} has no n_total")
    check = compare_number(_numbers(row, 1)[0], str(int(n_total)), "exact")
    return str(int(n_total)), check.verdict


def _printed(evidence: Evidence, effect_id: str, column: str) -> str:
    value = evidence.effects_printed.loc[effect_id, column]
    if pd.isna(value) or value == "":
        raise ValueError(f"effect {effect_id} has no {column}")
    return str(value)


def _effect_cells(row: Mapping, evidence: Evidence, columns: Sequence[str]) -> tuple[list[str], list[NumberCheck]]:
    effect_id = _require(row, "effect_id")
    numbers = _numbers(row, len(columns))
    traced = [_printed(evidence, effect_id, c) for c in columns]
    return traced, [compare_number(n, t, "printed") for n, t in zip(numbers, traced)]


def _medians(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """Two medians (experimental, control) against the traced estimate, at printed precision."""
    _, checks = _effect_cells(row, evidence, ["median_experimental", "median_control"])
    return medians_text(evidence, _require(row, "effect_id")), _verdict(checks)


def _medians_hr_p(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """Medians, hazard ratio and p-value against the traced estimate, at printed precision."""
    traced, checks = _effect_cells(row, evidence, ["median_experimental", "median_control", "hr", "p_value"])
    medians = medians_text(evidence, _require(row, "effect_id"))
    return f"{medians}, HR {traced[2]}, p {traced[3]}", _verdict(checks)


def _percent(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """A percentage against ``percent_experimental`` of the traced estimate."""
    traced, checks = _effect_cells(row, evidence, ["percent_experimental"])
    return f"{traced[0]}%", _verdict(checks)


def _trial_phase(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """The phase the article states against ``studies.phase``."""
    study = _require(row, "study_id")
    phase = evidence.studies.loc[study, "phase"]
    if pd.isna(phase):
        raise ValueError(f"study {study} has no phase in the data")
    claimed = parse_phase(_require(row, "claimed_value"))
    return f"phase {phase}", "consistent" if claimed == str(phase) else "inconsistent"


def _route(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """The route the article states against the drug fact's route (label wording)."""
    fact = evidence.drug_facts.loc[_require(row, "fact_id")]
    if fact["fact"] != "route":
        raise ValueError(f"fact {fact['fact_id']} is not a route")
    traced = route_category(fact["value"])
    claimed = route_category(_require(row, "claimed_value"))
    return traced, "consistent" if claimed == traced else "inconsistent"


def _approval_year(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """The year of approval the article states against the drug fact's approval text."""
    fact = evidence.drug_facts.loc[_require(row, "fact_id")]
    if fact["fact"] != "approval":
        raise ValueError(f"fact {fact['fact_id']} is not an approval")
    traced = year_in(fact["value"])
    check = compare_number(year_in(_require(row, "claimed_value")), traced, "exact")
    return traced, check.verdict


def her2_positive_rows(evidence: Evidence, study_id: str) -> pd.DataFrame:
    """Prevalence rows of one registry study whose subtype is HER2-positive (HR+/HER2+ and
    HR−/HER2+), the inputs of the HER2-positive share."""
    rows = evidence.effects[(evidence.effects["study_id"] == study_id) & (evidence.effects["endpoint"] == "prevalence")]
    rows = rows[rows["arm_experimental"].str.contains(r"HER2\+", regex=True)]
    if len(rows) < 2:
        raise ValueError(f"study {study_id} has fewer than two HER2-positive prevalence rows")
    return rows


def _her2_positive_share(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """"About x% of breast cancers are HER2-positive": the sum of the registry's HER2-positive
    subtype shares as printed, with the range their rounding allows
    (:func:`sum_of_printed_shares`), compared with the claim read generously
    (:func:`approximate_interval`)."""
    rows = her2_positive_rows(evidence, _require(row, "study_id"))
    total, lower, upper = sum_of_printed_shares(evidence.effects_printed.loc[rows.index, "percent_experimental"])
    check = compare_number(_numbers(row, 1)[0], (lower, upper), "approximate")
    allows = f" (rounding allows {lower:.2f}–{upper:.2f}%)" if upper - lower >= 0.005 else ""
    return f"{total:.1f}%{allows}", check.verdict


def _implied_risk_reduction(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """A stated "x% reduction in the risk" against the reduction the article's own two medians
    imply under constant hazards, carried through the rounding of the medians."""
    median_e, median_c, percent = _numbers(row, 3)[:3]
    point = implied_risk_reduction_from_medians(_as_float(median_e), _as_float(median_c))
    lower, upper = implied_risk_reduction_interval(median_e, median_c)
    check = compare_number(percent, (100 * lower, 100 * upper), "printed")
    return f"{100 * point:.1f}% (rounding allows {100 * lower:.1f}–{100 * upper:.1f}%)", check.verdict


def _parts_of_total(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """Group sizes printed as parts of a study ("of these, a had X and b had Y") against its
    total: the groups are subsets, so they may leave patients out ("of these" does not say they
    are all), but together they cannot exceed the total. Which patients are left out is for the
    explanation to say."""
    study = _require(row, "study_id")
    n_total = int(evidence.studies.loc[study, "n_total"])
    parts = [int(_as_float(n)) for n in claimed_numbers(_require(row, "claimed_value"))]
    total = sum(parts)
    return f"{total} of {n_total}", "consistent" if total <= n_total else "inconsistent"


#: Every computation a claim can name in its ``computation`` column.
COMPUTATIONS: dict[str, Callable[[Mapping, Evidence], tuple[str, str]]] = {
    "n_total": _n_total,
    "medians": _medians,
    "medians_hr_p": _medians_hr_p,
    "percent": _percent,
    "trial_phase": _trial_phase,
    "route": _route,
    "approval_year": _approval_year,
    "her2_positive_share": _her2_positive_share,
    "implied_risk_reduction_from_medians": _implied_risk_reduction,
    "parts_of_total": _parts_of_total,
}


def evaluate_claim(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """Recompute one claim: ``(recomputed_value, verdict)`` from the computation it names.

    Parameters
    ----------
    row
        A row of ``evidence.claims`` (or any mapping with its columns).
    evidence
        The validated evidence tables (:func:`helpers.data.load_evidence`).

    Raises
    ------
    ValueError
        If the row names no computation, or the traced data lack what it needs.
    KeyError
        If the computation is not in :data:`COMPUTATIONS`.
    """
    name = _cell(row, "computation")
    if name is None:
        raise ValueError(f"claim {_cell(row, 'claim_id')} names no computation")
    if name not in COMPUTATIONS:
        raise KeyError(f"unknown computation {name!r} (known: {sorted(COMPUTATIONS)})")
    return COMPUTATIONS[name](row, evidence)


def recompute_claims(evidence: Evidence) -> pd.DataFrame:
    """Every claim with a computation: what ``claims.csv`` records and what the code gives now."""
    claims = evidence.claims[evidence.claims["computation"].notna()]
    out = []
    for claim_id, row in claims.iterrows():
        value, verdict = evaluate_claim(row, evidence)
        out.append({"claim_id": claim_id, "computation": row["computation"], "claimed": row["claimed_value"],
                    "recorded value": row["recomputed_value"], "recomputed value": value,
                    "recorded verdict": row["verdict"], "recomputed verdict": verdict,
                    "agrees": (row["recomputed_value"] == value) and (row["verdict"] == verdict)})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- data cuts
def matching_effects(evidence: Evidence, study_id: str, claimed: Sequence[str], endpoint: str | None = None) -> pd.DataFrame:
    """Which reported estimates of a study a pair of claimed medians matches.

    Every estimate of ``study_id`` (and ``endpoint``) with at least an experimental median is
    compared with the claimed ``(median_experimental, median_control)``, rounding-aware. The
    answer tells which analysis (data cut, assessment, population, source) a popular article
    quotes, or that it quotes none of them.
    """
    rows = evidence.effects[evidence.effects["study_id"] == study_id]
    if endpoint is not None:
        rows = rows[rows["endpoint"] == endpoint]
    rows = rows[rows["median_experimental"].notna()]
    out = []
    for effect_id, row in rows.iterrows():
        printed = {c: _cell(evidence.effects_printed.loc[effect_id], c) for c in ("median_experimental", "median_control")}
        checks = [compare_number(c, printed[col], "printed")
                  for c, col in zip(claimed, ["median_experimental", "median_control"]) if printed[col] is not None]
        kind = evidence.sources.loc[row["source_id"], "kind"]
        medians = " vs ".join(printed[c] or "–" for c in ("median_experimental", "median_control"))
        out.append({"effect_id": effect_id, "endpoint": row["endpoint"],
                    "population": row["population"] if pd.isna(row["population_detail"])
                    else f"{row['population']}: {row['population_detail']}",
                    "analysis": row["analysis"], "assessment": row["assessment"],
                    "medians": f"{medians} {row['median_unit']}", "source": f"{row['source_id']} ({kind})",
                    "matches the claim": bool(checks) and all(c.consistent for c in checks)})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- tables
def _breakable(html_text: str) -> str:
    """Let long identifiers wrap after underscores in a table cell (``<wbr>``)."""
    return re.sub(r"_(?=[^<>]*(<|$))", "_<wbr>", html_text)


def wrap_ids(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy of ``table`` whose ``columns`` may wrap after underscores when rendered as HTML
    (long ids such as ``paloma3_pfs_liver_metastases_post_hoc`` otherwise widen a table past
    the page). Cells must already be HTML-safe: plain ids, escaped text or links."""
    out = table.copy()
    for column in columns:
        out[column] = [v if not isinstance(v, str) else _breakable(v) for v in out[column]]
    return out


def _trace(row: pd.Series, evidence: Evidence) -> str:
    parts = []
    if pd.notna(row["study_id"]):
        study = evidence.studies.loc[row["study_id"]]
        parts.append(link(study["name"], evidence.sources.loc[study["source_id"], "url"]))
    for column, table in (("effect_id", evidence.effects), ("fact_id", evidence.drug_facts)):
        if pd.notna(row[column]):
            source = evidence.sources.loc[table.loc[row[column], "source_id"]]
            text = _breakable(link(row[column], source["url"]))
            parts.append(text + ("" if source["kind"] == "primary" else " (secondary)"))
    return "<br>".join(parts) if parts else "none found"


def _esc(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def claims_table(evidence: Evidence, article: str | None = None, columns: Sequence[str] | None = None,
                 compact: bool = False) -> pd.DataFrame:
    """Every claim (or one article's) with its verdict and symbol ("✓ consistent"), claim id,
    verbatim quote, trace, recomputed value and explanation, ready for :func:`helpers.tables.to_html` (text is
    HTML-escaped; traces link to the page each number was read from).

    ``compact=True`` merges the columns into four that fit a page: verdict with the claim's id,
    type (and article when all articles are shown); the quote; the trace with the recomputed
    value; the explanation.
    """
    claims = evidence.claims
    if article is not None:
        if article not in ARTICLES:
            raise KeyError(f"unknown article {article!r} (known: {sorted(ARTICLES)})")
        claims = claims[claims["article"] == article]
    table = pd.DataFrame({
        "verdict": [f"{VERDICT_SYMBOLS[v]} {v}" for v in claims["verdict"]],
        "claim": [_breakable(html.escape(c)) for c in claims["claim_id"]],
        "article": [ARTICLES[a] for a in claims["article"]],
        "what the article says (verbatim)": [f"“{_esc(q)}”" for q in claims["quote"]],
        "type": claims["claim_type"].to_numpy(),
        "traced to": [_trace(r, evidence) for _, r in claims.iterrows()],
        "recomputed": [_esc(v) or "–" for v in claims["recomputed_value"]],
        "explanation": [_breakable(_esc(e)) for e in claims["explanation"]],
    })
    if compact:
        first = [f"{v}<br>{c}<br>({t})" + ("" if article is not None else f"<br>{a}")
                 for v, c, t, a in zip(table["verdict"], table["claim"], table["type"], table["article"])]
        trace = [t if r == "–" else f"{t}<br>recomputed: {r}" for t, r in zip(table["traced to"], table["recomputed"])]
        table = pd.DataFrame({"verdict, claim (type)": first,
                              "what the article says (verbatim)": table["what the article says (verbatim)"],
                              "traced to": trace, "explanation": table["explanation"]})
    if columns is not None:
        table = table[list(columns)]
    return table.reset_index(drop=True)


def verdict_counts(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims per article and verdict (rows: articles; columns: verdicts with their symbols; totals)."""
    labels = claims["article"].map(ARTICLES)
    counts = pd.crosstab(labels, claims["verdict"]).reindex(columns=list(VERDICTS), fill_value=0)
    counts = counts.reindex([a for a in ARTICLES.values() if a in set(labels)])
    counts.columns = [f"{VERDICT_SYMBOLS[v]} {v}" for v in counts.columns]
    counts["all claims"] = counts.sum(axis=1)
    counts.loc["all articles"] = counts.sum(axis=0)
    return counts.rename_axis("article").reset_index()
