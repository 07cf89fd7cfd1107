r"""Recomputing reported effects from summary statistics, and checking that reports add up.

Hazard ratios are handled on the log scale, where their sampling distribution is close to
normal: a reported ``HR (95% CI L–U)`` means :math:`\ln L = \ln \mathrm{HR} - z\,SE` and
:math:`\ln U = \ln \mathrm{HR} + z\,SE` with :math:`z = \Phi^{-1}(0.975) \approx 1.96`.

References
----------
Altman DG, Bland JM. How to obtain the confidence interval from a P value. BMJ 2011;343:d2090.
Altman DG, Bland JM. How to obtain the P value from a confidence interval. BMJ 2011;343:d2304.
Altman DG, Bland JM. Interaction revisited: the difference between two estimates. BMJ
2003;326:219.
Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
distributions. Biometrika 1981;68:316-9.
Tierney JF, Stewart LA, Ghersi D, Burdett S, Sydes MR. Practical methods for incorporating
summary time-to-event data into meta-analysis. Trials 2007;8:16.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from helpers import _check
from helpers._numbers import format_as_printed, format_significant

__all__ = [
    "z_for_level",
    "se_from_ci",
    "ci_from_p",
    "p_from_ci",
    "hr_from_medians",
    "events_from_se",
    "se_from_events",
    "decimals_of",
    "rounding_interval",
    "check_consistency",
    "consistency_summary",
    "explain_inconsistency",
    "interaction_test",
    "EVENTS_MODEL_TOLERANCE",
]

#: Relative tolerance for the events check: Schoenfeld's variance 1/(D p (1 - p)) is an
#: approximation (it ignores the HR's distance from 1 and stratification), so the events a CI
#: implies are compared with the reported events within ±15%, on top of rounding.
EVENTS_MODEL_TOLERANCE = 0.15


def z_for_level(level: float = 0.95) -> float:
    r"""Two-sided normal quantile :math:`z_{1-\alpha/2}` for a confidence level :math:`1-\alpha`."""
    return float(stats.norm.ppf(0.5 + _check.level(level) / 2))


def se_from_ci(lower: float, upper: float, level: float = 0.95) -> float:
    r"""Standard error of :math:`\ln \mathrm{HR}` from a confidence interval.

    :math:`SE = (\ln U - \ln L) / (2 z_{1-\alpha/2})` (Altman & Bland 2011, d2304, step 1).
    """
    lower, upper = _check.positive(lower, "lower"), _check.positive(upper, "upper")
    if lower >= upper:
        raise ValueError(f"lower limit {lower} must be below upper limit {upper}")
    return (math.log(upper) - math.log(lower)) / (2 * z_for_level(level))


def ci_from_p(hr: float, p: float, level: float = 0.95, sided: int = 2) -> tuple[float, float]:
    r"""Confidence interval of a hazard ratio from its estimate and p-value.

    :math:`z = \Phi^{-1}(1 - p/2)` (two-sided p) or :math:`\Phi^{-1}(1 - p)` (one-sided),
    :math:`SE = |\ln \mathrm{HR}| / z`, CI :math:`= \exp(\ln \mathrm{HR} \pm z_{1-\alpha/2} SE)`
    (Altman & Bland 2011, d2090). The paper approximates :math:`z` by
    :math:`-0.862 + \sqrt{0.743 - 2.404 \ln p}`; the exact normal quantile is used here.

    Raises
    ------
    ValueError
        If HR = 1 (no information on the SE), p is not in (0, 1), or a one-sided p is 0.5 or
        more (the estimate then lies on the null side of the one-sided alternative, whose
        direction is unknown here, so no SE can be recovered).
    """
    hr = _check.positive(hr, "hr")
    sided = _check.choice(_check.integer(sided, "sided"), "sided", [1, 2])
    if sided == 1:
        p = _check.number(
            p,
            "p",
            low=0,
            high=0.5,
            low_open=True,
            high_open=True,
            hint="a one-sided p of 0.5 or more has the estimate on the null side: the interval cannot be recovered",
        )
    else:
        p = _check.number(p, "p", low=0, high=1, low_open=True, high_open=True)
    level = _check.level(level)
    if hr == 1:
        raise ValueError("a hazard ratio of exactly 1 carries no information on its standard error")
    z = stats.norm.isf(p / 2 if sided == 2 else p)
    se = abs(math.log(hr)) / z
    half = z_for_level(level) * se
    return math.exp(math.log(hr) - half), math.exp(math.log(hr) + half)


def p_from_ci(hr: float, lower: float, upper: float, level: float = 0.95) -> float:
    r"""Two-sided p-value of a hazard ratio from its confidence interval.

    :math:`SE` from :func:`se_from_ci`, :math:`z = \ln \mathrm{HR} / SE`,
    :math:`p = 2\{1 - \Phi(|z|)\}` (Altman & Bland 2011, d2304; the paper approximates the
    normal tail by :math:`\exp(-0.717 z - 0.416 z^2)`, the exact tail is used here).
    """
    hr, lower, upper = _check.interval(hr, lower, upper, ("hr", "lower", "upper"))
    se = se_from_ci(lower, upper, level)
    return float(2 * stats.norm.sf(abs(math.log(hr)) / se))


def hr_from_medians(median_experimental: float, median_control: float) -> float:
    r"""Hazard ratio implied by two medians if survival were exponential.

    Under a constant hazard :math:`\lambda = \ln 2 / \text{median}`, so
    :math:`\mathrm{HR} = \lambda_E / \lambda_C = \text{median}_C / \text{median}_E`.

    Warning
    -------
    Real survival curves rarely have a constant hazard. The median-based HR misleads when the
    curves separate late or early, cross, plateau (a cured fraction), or when the medians sit
    where few patients remain at risk. It is a rough check of a reported HR, never a substitute.
    """
    return _check.positive(median_control, "median_control") / _check.positive(
        median_experimental, "median_experimental"
    )


def _allocation_fraction(allocation: float) -> float:
    allocation = _check.positive(allocation, "allocation", hint="the ratio experimental:control, e.g. 2 for 2:1")
    share = allocation / (1 + allocation)
    if not 0 < share < 1:
        raise ValueError(f"allocation must leave patients in both arms, got {allocation!r} (share {share!r})")
    return share


def events_from_se(se: float, allocation: float = 1.0) -> float:
    r"""Number of events implied by the SE of a log hazard ratio.

    Schoenfeld (1981): :math:`\mathrm{Var}(\ln \widehat{\mathrm{HR}}) \approx 1 / \{D\,\pi(1-\pi)\}`
    with :math:`\pi` the share of patients allocated to the experimental arm; so
    :math:`D = 1 / \{SE^2 \pi (1-\pi)\}`, which is :math:`4 / SE^2` for 1:1 allocation (Tierney
    et al. 2007). ``allocation`` is the ratio experimental:control (2 for a 2:1 trial).
    """
    se = _check.positive(se, "se")
    share = _allocation_fraction(allocation)
    try:
        events = 1.0 / (se**2 * share * (1 - share))
    except (OverflowError, ZeroDivisionError):
        events = math.nan
    if not math.isfinite(events) or events == 0:
        raise ValueError(f"se {se!r} with allocation {allocation!r} implies no finite positive number of events")
    return events


def se_from_events(events: float, allocation: float = 1.0) -> float:
    r"""SE of a log hazard ratio implied by a number of events: the inverse of :func:`events_from_se`.

    :math:`SE = 1 / \sqrt{D\,\pi(1-\pi)}`.
    """
    events = _check.positive(events, "events")
    share = _allocation_fraction(allocation)
    return 1.0 / math.sqrt(events * share * (1 - share))


# --------------------------------------------------------------------------- rounding
#: A number as printed in a source: sign, digits, optional decimals and exponent.
_PRINTED_NUMBER = re.compile(r"[-+−]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?")


def _decimals(value: float) -> int:
    """Decimals of the shortest representation of ``value`` (``0.048`` -> 3, ``9.83e-08`` -> 10).

    A trailing zero lost when the CSV was read (``0.540`` -> ``0.54``) gives one decimal fewer,
    hence a wider rounding interval: the checks err towards ``consistent``, never the reverse.
    """
    return decimals_of(repr(float(value)).removesuffix(".0"))


def decimals_of(printed: str) -> int:
    """Decimals of a number as printed: ``"0.540"`` -> 3, ``"29"`` -> 0, ``"9.83e-8"`` -> 10."""
    if not isinstance(printed, str):
        raise TypeError(f"printed must be a number as printed (a str), got {printed!r} ({type(printed).__name__})")
    text = printed.strip().lower()
    if not _PRINTED_NUMBER.fullmatch(text):
        raise ValueError(
            f"printed must be a number as printed (digits, optional sign, decimals and exponent), got {printed!r}"
        )
    mantissa, _, exponent = text.partition("e")
    digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return max(digits - (int(exponent) if exponent else 0), 0)


def rounding_interval(value: float, decimals: int | None = None) -> tuple[float, float]:
    """Values that round to ``value`` at its printed precision: ``0.48`` -> ``(0.475, 0.485)``.

    Rounding half-up is assumed; the interval is closed here so that a value exactly on a
    boundary counts as compatible (the checks never flag what rounding could explain).
    """
    value = _check.number(value, "value")
    decimals = _decimals(value) if decimals is None else _check.integer(decimals, "decimals", low=0)
    half = 0.5 * 10.0 ** (-decimals)
    return float(value) - half, float(value) + half


def _two_sided_p(log_hr_abs: float, se: float) -> float:
    return float(2 * stats.norm.sf(log_hr_abs / se))


# --------------------------------------------------------------------------- checks
_COLUMNS = [
    "effect_id",
    "check",
    "reported",
    "reported_lower",
    "reported_upper",
    "recomputed",
    "compatible_lower",
    "compatible_upper",
    "verdict",
    "detail",
]


def _row(
    effect_id,
    check,
    verdict,
    detail,
    reported=np.nan,
    reported_interval=(np.nan, np.nan),
    recomputed=np.nan,
    compatible=(np.nan, np.nan),
) -> dict:
    return {
        "effect_id": effect_id,
        "check": check,
        "reported": reported,
        "reported_lower": reported_interval[0],
        "reported_upper": reported_interval[1],
        "recomputed": recomputed,
        "compatible_lower": compatible[0],
        "compatible_upper": compatible[1],
        "verdict": verdict,
        "detail": detail,
    }


def _interval(row: pd.Series, column: str, printed: Mapping[str, str]) -> tuple[float, float]:
    """Rounding interval of a cell, at its printed precision when ``printed`` holds the string."""
    text = printed.get(column)
    decimals = decimals_of(text) if text else None
    return rounding_interval(float(row[column]), decimals)


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _missing(row: pd.Series, columns: list[str]) -> list[str]:
    return [c for c in columns if c not in row or pd.isna(row[c])]


def _level(row: pd.Series) -> float:
    return (float(row["ci_level"]) if "ci_level" in row and pd.notna(row["ci_level"]) else 95.0) / 100


def _se_range(row: pd.Series, level: float, printed: Mapping[str, str]):
    lower = float(row["hr_ci_lower"])
    lo_l, lo_u = _interval(row, "hr_ci_lower", printed)
    up_l, up_u = _interval(row, "hr_ci_upper", printed)
    lo_l = max(lo_l, lower * 1e-6)  # a limit printed as 0.0x cannot round from zero
    z = z_for_level(level)
    # Rounding can make the limits touch; the SE then has no positive lower bound.
    se_min = max((math.log(up_l) - math.log(lo_u)) / (2 * z), 1e-12)
    return (lo_l, lo_u), (up_l, up_u), (se_min, (math.log(up_u) - math.log(lo_l)) / (2 * z))


def _check_p(row: pd.Series, printed: Mapping[str, str]) -> dict:
    check = "CI ↔ p"
    missing = _missing(row, ["hr", "hr_ci_lower", "hr_ci_upper", "p_value"])
    if missing:
        return _row(row["effect_id"], check, "not_checkable", f"needs {', '.join(missing)}")
    hr, lower, upper, p = (float(row[c]) for c in ("hr", "hr_ci_lower", "hr_ci_upper", "p_value"))
    level = _level(row)
    sided = int(row["p_sided"]) if "p_sided" in row and pd.notna(row["p_sided"]) else 2
    recomputed = p_from_ci(hr, lower, upper, level) / (2 if sided == 1 else 1)
    hr_l, hr_u = _interval(row, "hr", printed)
    log_abs = sorted([abs(math.log(max(hr_l, 1e-12))), abs(math.log(hr_u))])
    if hr_l <= 1 <= hr_u:
        log_abs[0] = 0.0
    _, _, (se_min, se_max) = _se_range(row, level, printed)
    factor = 2 if sided == 1 else 1
    compatible = (_two_sided_p(log_abs[1], se_min) / factor, _two_sided_p(log_abs[0], se_max) / factor)
    operator = row.get("p_operator", "=") if pd.notna(row.get("p_operator", np.nan)) else "="
    reported_interval = (0.0, p) if operator == "<" else _interval(row, "p_value", printed)
    verdict = "consistent" if _overlaps(reported_interval, compatible) else "inconsistent"
    detail = (
        f"p recomputed from the CI ({'one' if sided == 1 else 'two'}-sided) is {format_significant(recomputed)}; "
        f"rounding of HR and CI allows {format_significant(compatible[0])} to {format_significant(compatible[1])}; "
        f"reported p {operator} {format_as_printed(p)}"
    )
    if verdict == "inconsistent" and sided == 2:
        one_sided = (compatible[0] / 2, compatible[1] / 2)
        if _overlaps(reported_interval, one_sided):
            detail += (
                "; the reported p matches a one-sided p (half the two-sided value), but the quote does "
                "not say it is one-sided"
            )
    return _row(row["effect_id"], check, verdict, detail, p, reported_interval, recomputed, compatible)


def _check_symmetry(row: pd.Series, printed: Mapping[str, str]) -> dict:
    check = "CI symmetry (log scale)"
    missing = _missing(row, ["hr", "hr_ci_lower", "hr_ci_upper"])
    if missing:
        return _row(row["effect_id"], check, "not_checkable", f"needs {', '.join(missing)}")
    hr, lower, upper = (float(row[c]) for c in ("hr", "hr_ci_lower", "hr_ci_upper"))
    recomputed = math.sqrt(lower * upper)
    (lo_l, lo_u), (up_l, up_u), _ = _se_range(row, _level(row), printed)
    compatible = (math.sqrt(lo_l * up_l), math.sqrt(lo_u * up_u))
    reported_interval = _interval(row, "hr", printed)
    verdict = "consistent" if _overlaps(reported_interval, compatible) else "inconsistent"
    detail = (
        f"the geometric midpoint of the CI is {recomputed:.3f} (rounding allows {compatible[0]:.3f} to "
        f"{compatible[1]:.3f}); reported HR {hr:g}"
    )
    return _row(row["effect_id"], check, verdict, detail, hr, reported_interval, recomputed, compatible)


def _check_medians(row: pd.Series, printed: Mapping[str, str]) -> dict:
    check = "medians ↔ HR"
    missing = _missing(row, ["median_experimental", "median_control", "hr", "hr_ci_lower", "hr_ci_upper"])
    if missing:
        return _row(row["effect_id"], check, "not_checkable", f"needs {', '.join(missing)}")
    me, mc = float(row["median_experimental"]), float(row["median_control"])
    recomputed = hr_from_medians(me, mc)
    me_l, me_u = _interval(row, "median_experimental", printed)
    mc_l, mc_u = _interval(row, "median_control", printed)
    compatible = (mc_l / me_u, mc_u / me_l)
    reported_interval = (_interval(row, "hr_ci_lower", printed)[0], _interval(row, "hr_ci_upper", printed)[1])
    verdict = "consistent" if _overlaps(reported_interval, compatible) else "inconsistent"
    detail = (
        f"exponential HR from the medians is {recomputed:.3f} ({compatible[0]:.3f} to {compatible[1]:.3f} "
        f"with rounding); compared with the reported CI {format_significant(float(row['hr_ci_lower']), 4)} to "
        f"{format_significant(float(row['hr_ci_upper']), 4)}. A mismatch signals non-exponential or "
        "non-proportional hazards, not necessarily an error"
    )
    return _row(row["effect_id"], check, verdict, detail, float(row["hr"]), reported_interval, recomputed, compatible)


def _check_events(row: pd.Series, printed: Mapping[str, str]) -> dict:
    check = "events ↔ CI width"
    missing = _missing(row, ["hr_ci_lower", "hr_ci_upper", "events_experimental", "events_control"])
    if missing:
        return _row(row["effect_id"], check, "not_checkable", f"needs {', '.join(missing)}")
    events = float(row["events_experimental"]) + float(row["events_control"])
    allocation = 1.0
    if (
        pd.notna(row.get("n_experimental", np.nan))
        and pd.notna(row.get("n_control", np.nan))
        and float(row["n_control"]) > 0
        and float(row["n_experimental"]) > 0
    ):
        allocation = float(row["n_experimental"]) / float(row["n_control"])
    lower, upper = float(row["hr_ci_lower"]), float(row["hr_ci_upper"])
    level = _level(row)
    recomputed = events_from_se(se_from_ci(lower, upper, level), allocation)
    _, _, (se_min, se_max) = _se_range(row, level, printed)
    compatible = (
        events_from_se(se_max, allocation) * (1 - EVENTS_MODEL_TOLERANCE),
        events_from_se(se_min, allocation) * (1 + EVENTS_MODEL_TOLERANCE),
    )
    verdict = "consistent" if compatible[0] <= events <= compatible[1] else "inconsistent"
    detail = (
        f"the CI width implies about {recomputed:.0f} events (Schoenfeld, allocation {allocation:.2f}:1; "
        f"{compatible[0]:.0f} to {compatible[1]:.0f} allowing rounding and ±{EVENTS_MODEL_TOLERANCE:.0%} "
        f"for the approximation); reported {events:.0f}"
    )
    return _row(row["effect_id"], check, verdict, detail, events, (events, events), recomputed, compatible)


_CHECKS = (_check_p, _check_symmetry, _check_medians, _check_events)


def check_consistency(effects: pd.DataFrame, printed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check that each reported estimate adds up, allowing for the rounding of what was printed.

    For each row of ``effects`` (columns as in ``data/effects.csv``) four checks run:

    - **CI ↔ p**: the p-value recomputed from HR and CI (:func:`p_from_ci`) against the
      reported p. A reported ``p < 0.001`` is the interval (0, 0.001].
    - **CI symmetry (log scale)**: the HR should be the geometric midpoint
      :math:`\\sqrt{L U}` of its CI.
    - **medians ↔ HR**: the exponential HR from the medians (:func:`hr_from_medians`) against
      the reported CI. A mismatch usually means the hazards are not constant.
    - **events ↔ CI width**: the events implied by the CI (:func:`events_from_se`, allocation
      from the arm sizes, ±15% for the approximation) against the reported events.

    Every reported number is taken as an interval of the values that round to it
    (:func:`rounding_interval`), at the precision it was printed with when ``printed`` (the
    numbers as strings, e.g. :attr:`helpers.data.Evidence.effects_printed`, same index) is
    given, else at the precision of the float (a lost trailing zero widens the interval); the
    recomputation is propagated through those intervals, and a
    row is ``inconsistent`` only if no combination of values compatible with the rounding
    reproduces what was reported. Missing inputs give ``not_checkable``. ``ci_level`` is in
    percent (95); a fraction such as 0.95 is refused, as it would read as a 0.95% interval.

    Returns
    -------
    pandas.DataFrame
        One row per estimate and check: ``effect_id``, ``check``, ``reported``,
        ``reported_lower``/``reported_upper`` (the reported value's rounding interval),
        ``recomputed``, ``compatible_lower``/``compatible_upper`` (recomputed values compatible
        with the rounding of the inputs), ``verdict`` and ``detail`` (a sentence).
    """
    required = {
        "effect_id",
        "hr",
        "hr_ci_lower",
        "hr_ci_upper",
        "p_value",
        "median_experimental",
        "median_control",
        "events_experimental",
        "events_control",
    }
    missing = sorted(required - set(effects.columns))
    if missing:
        raise KeyError(f"check_consistency needs the columns {missing} (as in data/effects.csv)")
    if "ci_level" in effects.columns:
        for effect_id, ci_level in zip(effects["effect_id"], effects["ci_level"]):
            if pd.notna(ci_level):
                try:
                    _check.percent_level(ci_level, "ci_level")
                except (TypeError, ValueError) as error:
                    raise type(error)(f"effect {effect_id}: {error}") from None
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for index, row in effects.iterrows():
            as_printed = (
                {c: v for c, v in printed.loc[index].items() if isinstance(v, str) and v}
                if printed is not None and index in printed.index
                else {}
            )
            for check in _CHECKS:
                rows.append(check(row, as_printed))
    return pd.DataFrame(rows, columns=_COLUMNS)


def consistency_summary(checks: pd.DataFrame) -> pd.DataFrame:
    """Counts of verdicts per check (rows: checks; columns: verdicts), for a chapter's summary."""
    table = pd.crosstab(checks["check"], checks["verdict"])
    for verdict in ("consistent", "inconsistent", "not_checkable"):
        if verdict not in table.columns:
            table[verdict] = 0
    return table[["consistent", "inconsistent", "not_checkable"]]


def explain_inconsistency(checks: pd.DataFrame) -> pd.Series:
    """The most likely reason for each verdict of :func:`check_consistency`, in a sentence.

    One place decides how an inconsistent check is read, so that every chapter explains the
    same finding the same way:

    - **CI ↔ p** matching a one-sided p: the p-value is half the two-sided value the interval
      implies, which is what a one-sided p is (the quote does not say so);
    - **CI ↔ p** otherwise: the p-value comes from another test than the interval (e.g. a
      stratified log-rank test beside a Cox interval); the direction is stated;
    - **medians ↔ HR**: the hazards are not constant, so the ratio of medians is not the HR;
    - **CI symmetry (log scale)**: the interval is not centred on the estimate in the source
      (often a secondary or subgroup report, or an interval from another model);
    - **events ↔ CI width**: the interval is wider or narrower than the events allow
      (stratification, unequal follow-up, or an extraction error).

    Parameters
    ----------
    checks
        Rows returned by :func:`check_consistency` (any subset).

    Returns
    -------
    pandas.Series
        Same index as ``checks``; an empty string where the verdict is not ``inconsistent``.

    Raises
    ------
    KeyError
        If ``checks`` lacks a column that :func:`check_consistency` returns.
    ValueError
        For a check name this function does not know (a new check needs its explanation here).
    """
    required = {
        "check",
        "verdict",
        "detail",
        "reported_lower",
        "reported_upper",
        "compatible_lower",
        "compatible_upper",
    }
    missing = sorted(required - set(checks.columns))
    if missing:
        raise KeyError(f"explain_inconsistency needs the columns {missing} (as returned by check_consistency)")

    def explain(row: pd.Series) -> str:
        if row["verdict"] != "inconsistent":
            return ""
        if row["check"] == "CI ↔ p":
            if "one-sided p" in row["detail"]:
                return "the p-value equals a one-sided p; the quote does not say it is one-sided"
            smaller = row["reported_upper"] < row["compatible_lower"]
            # compatible_* are two-sided; half of them is the one-sided range.
            below_one_sided = row["reported_upper"] < row["compatible_lower"] / 2
            return (
                f"p-value {'smaller' if smaller else 'larger'} than the interval implies"
                f"{', even one-sided' if below_one_sided else ''}: probably a different test"
            )
        if row["check"] == "medians ↔ HR":
            return "hazards not constant: the medians imply a different effect than the Cox model"
        if row["check"] == "CI symmetry (log scale)":
            return "interval not centred on the estimate in the source (secondary or subgroup report)"
        if row["check"] == "events ↔ CI width":
            return "interval width does not match the events: stratification, unequal follow-up or an extraction error"
        raise ValueError(
            f"explain_inconsistency: no explanation for the check {row['check']!r} (effect {row.get('effect_id', '?')})"
        )

    return checks.apply(explain, axis=1).astype(str) if len(checks) else pd.Series([], dtype=str)


def interaction_test(
    hr_a: float, lower_a: float, upper_a: float, hr_b: float, lower_b: float, upper_b: float, level: float = 0.95
) -> pd.Series:
    r"""Test of interaction: do two independent subgroups have the same hazard ratio?

    The ratio of the two hazard ratios is estimated on the log scale (Altman & Bland 2003):

    .. math::

        d = \ln \mathrm{HR}_A - \ln \mathrm{HR}_B, \qquad
        SE(d) = \sqrt{SE_A^2 + SE_B^2}, \qquad z = d / SE(d),

    with each SE recovered from its interval (:func:`se_from_ci`), a two-sided normal p-value,
    and the interval :math:`\exp(d \pm z_{level}\,SE(d))`. For two estimates this is the same
    test as Cochran's Q of a common-effect meta-analysis (:math:`Q = z^2`, one degree of
    freedom). It is valid only for *disjoint* subgroups (e.g. visceral versus non-visceral),
    not for a subgroup against the whole population that contains it.

    Parameters
    ----------
    hr_a, lower_a, upper_a
        Hazard ratio of subgroup A and its confidence interval.
    hr_b, lower_b, upper_b
        The same for subgroup B (the reference of the ratio).
    level
        Confidence level of both reported intervals, also used for the returned one.

    Returns
    -------
    pandas.Series
        ``ratio_of_hrs``, ``lower``, ``upper``, ``z`` and ``p`` (two-sided).
    """
    hr_a, lower_a, upper_a = _check.interval(hr_a, lower_a, upper_a, ("hr_a", "lower_a", "upper_a"))
    hr_b, lower_b, upper_b = _check.interval(hr_b, lower_b, upper_b, ("hr_b", "lower_b", "upper_b"))
    se = math.hypot(se_from_ci(lower_a, upper_a, level), se_from_ci(lower_b, upper_b, level))
    d = math.log(hr_a) - math.log(hr_b)
    z = z_for_level(level)
    return pd.Series(
        {
            "ratio_of_hrs": math.exp(d),
            "lower": math.exp(d - z * se),
            "upper": math.exp(d + z * se),
            "z": d / se,
            "p": _two_sided_p(abs(d), se),
        }
    )
