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
    The evidence was not found in the sources searched; the explanation says what was searched.

References
----------
Sumner P et al. The association between exaggeration in health related science news and
academic press releases: retrospective observational study. BMJ 2014;349:g7015.
Yavchitz A et al. Misrepresentation of randomized controlled trials in press releases and news
coverage: a cohort study. PLoS Med 2012;9:e1001308.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from helpers import effects
from helpers.data import Evidence
from helpers.rounding import NumberCheck, _as_float, claimed_numbers, compare_number, sum_of_printed_shares

__all__ = [
    "VERDICTS",
    "VERDICT_MEANINGS",
    "risk_reduction_from_hr",
    "hr_from_risk_reduction",
    "exponential_hr_from_medians",
    "implied_risk_reduction_from_medians",
    "implied_risk_reduction_interval",
    "share_from_counts",
    "parse_phase",
    "route_category",
    "year_in",
    "her2_positive_rows",
    "COMPUTATIONS",
    "evaluate_claim",
    "recompute_claims",
    "matching_effects",
]

#: The four verdicts, in the order the book lists them.
VERDICTS = ("consistent", "inconsistent", "misleading", "unverifiable")
#: What each verdict means, in one sentence.
VERDICT_MEANINGS = {
    "consistent": "The claim matches the data row it traces to (caveats, if any, are in the explanation).",
    "inconsistent": "The claim contradicts the traced data, or the article's own numbers do not fit together.",
    "misleading": "The numbers may be right, but the frame is not: a subgroup sold as everyone (or the reverse), "
    "a prognostic comparison sold as a drug effect, an association stated as an effect.",
    "unverifiable": "The evidence was not found in the sources searched; the explanation says what was searched.",
}


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
    e_lower, e_upper = effects.rounding_interval(
        _as_float(median_experimental), effects.decimals_of(median_experimental)
    )
    c_lower, c_upper = effects.rounding_interval(_as_float(median_control), effects.decimals_of(median_control))
    return 1.0 - c_upper / e_lower, 1.0 - c_lower / e_upper


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
        raise ValueError(f"claim {_cell(row, 'claim_id')}: needs {count} number(s) in claimed_value, found {numbers}")
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


def _medians_text(traced: Sequence[str], row: Mapping, evidence: Evidence) -> str:
    """Both printed medians with their unit: ``"9.5 vs 4.6 months"``."""
    return f"{traced[0]} vs {traced[1]} {evidence.effects.loc[_require(row, 'effect_id'), 'median_unit']}"


def _medians(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """Two medians (experimental, control) against the traced estimate, at printed precision."""
    traced, checks = _effect_cells(row, evidence, ["median_experimental", "median_control"])
    return _medians_text(traced, row, evidence), _verdict(checks)


def _medians_hr_p(row: Mapping, evidence: Evidence) -> tuple[str, str]:
    """Medians, hazard ratio and p-value against the traced estimate, at printed precision."""
    traced, checks = _effect_cells(row, evidence, ["median_experimental", "median_control", "hr", "p_value"])
    return f"{_medians_text(traced, row, evidence)}, HR {traced[2]}, p {traced[3]}", _verdict(checks)


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
    """ "About x% of breast cancers are HER2-positive": the sum of the registry's HER2-positive
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
        out.append(
            {
                "claim_id": claim_id,
                "computation": row["computation"],
                "claimed": row["claimed_value"],
                "recorded value": row["recomputed_value"],
                "recomputed value": value,
                "recorded verdict": row["verdict"],
                "recomputed verdict": verdict,
                "agrees": (row["recomputed_value"] == value) and (row["verdict"] == verdict),
            }
        )
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- data cuts
def matching_effects(
    evidence: Evidence, study_id: str, claimed: Sequence[str], endpoint: str | None = None
) -> pd.DataFrame:
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
        printed = {
            c: _cell(evidence.effects_printed.loc[effect_id], c) for c in ("median_experimental", "median_control")
        }
        checks = [
            compare_number(c, printed[col], "printed")
            for c, col in zip(claimed, ["median_experimental", "median_control"])
            if printed[col] is not None
        ]
        kind = evidence.sources.loc[row["source_id"], "kind"]
        medians = " vs ".join(printed[c] or "–" for c in ("median_experimental", "median_control"))
        out.append(
            {
                "effect_id": effect_id,
                "endpoint": row["endpoint"],
                "population": row["population"]
                if pd.isna(row["population_detail"])
                else f"{row['population']}: {row['population_detail']}",
                "analysis": row["analysis"],
                "assessment": row["assessment"],
                "medians": f"{medians} {row['median_unit']}",
                "source": f"{row['source_id']} ({kind})",
                "matches the claim": bool(checks) and all(c.consistent for c in checks),
            }
        )
    return pd.DataFrame(out)
