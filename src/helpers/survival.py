"""Survival summaries of patient-level data, as tidy pandas objects.

Thin, documented wrappers around lifelines so that every chapter computes a median, a
log-rank test, a Cox hazard ratio or a restricted mean survival time (RMST) the same way.
The Kaplan–Meier arithmetic that needs no confidence limits lives in :mod:`helpers.km`.

Every function checks its data first: durations must be finite and ≥ 0 with none missing, and
events coded 1 = event, 0 = censored. R's ``Surv`` coding (1 = censored, 2 = event) is refused
with a hint, since read as 0/1 it would count every patient as an event.

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. JASA 1958.
Mantel N. Evaluation of survival data and two new rank order statistics. Cancer Chemother Rep 1966.
Cox DR. Regression models and life-tables. JRSS B 1972.
Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio.
BMC Med Res Methodol 2013;13:152.
Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on weighted
residuals. Biometrika 1994;81:515-26.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from helpers import _check
from helpers.km import numbers_at_risk, product_limit

if TYPE_CHECKING:  # lifelines is imported where it is used: most chapters never fit a model
    from lifelines import CoxPHFitter

__all__ = [
    "TIME_UNITS_IN_DAYS",
    "days_to",
    "fit_kaplan_meier",
    "median_summary",
    "logrank",
    "cox_hazard_ratio",
    "restricted_mean",
    "rmst_summary",
    "rmst_difference",
    "proportional_hazards_check",
    "numbers_at_risk",  # defined in helpers.km, kept here for the chapters and plotting
    "landmark",
]

#: Length of one time unit in days (a month is 365.25 / 12 days).
TIME_UNITS_IN_DAYS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}


def days_to(days: pd.Series | np.ndarray | float, unit: str):
    """Convert durations in days to ``unit`` (``days``, ``weeks``, ``months`` or ``years``)."""
    if not isinstance(unit, str) or unit not in TIME_UNITS_IN_DAYS:
        raise ValueError(f"unknown time unit {unit!r}; use one of {sorted(TIME_UNITS_IN_DAYS)}")
    return days / TIME_UNITS_IN_DAYS[unit]


def _check_survival_data(df: pd.DataFrame, duration_col: str, event_col: str, group_col: str) -> None:
    """The columns exist, durations are finite and ≥ 0, events are coded 0/1 (not R's 1/2)."""
    _check.columns(df, [duration_col, event_col, group_col])
    _check.durations(df[duration_col], f"column {duration_col!r}")
    _check.event_flags(df[event_col], f"column {event_col!r}")


def _alpha(alpha: float) -> float:
    return _check.number(
        alpha, "alpha", low=0, high=1, low_open=True, high_open=True, hint="1 minus the confidence level, e.g. 0.05"
    )


def _groups(df: pd.DataFrame, group_col: str, order: Sequence | None) -> list:
    present = list(pd.unique(df[group_col]))
    if order is None:
        return sorted(present)
    unknown = [g for g in order if g not in present]
    if unknown:
        raise ValueError(f"groups {unknown} not found in column {group_col!r} (has {present})")
    return list(order)


def fit_kaplan_meier(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    order: Sequence | None = None,
    alpha: float = 0.05,
) -> dict:
    r"""Fit one Kaplan–Meier estimator per group.

    The survival function is :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i / n_i)`, with
    pointwise confidence limits from Greenwood's variance on the log(−log) scale (lifelines'
    default, the same as R ``survfit(conf.type = "log-log")``).

    Returns
    -------
    dict
        ``{group: KaplanMeierFitter}`` in ``order`` (sorted group labels by default).
    """
    _check_survival_data(df, duration_col, event_col, group_col)
    alpha = _alpha(alpha)
    from lifelines import KaplanMeierFitter

    fitted = {}
    for group in _groups(df, group_col, order):
        rows = df[df[group_col] == group]
        kmf = KaplanMeierFitter(alpha=alpha)
        kmf.fit(rows[duration_col], rows[event_col], label=str(group))
        fitted[group] = kmf
    return fitted


def median_summary(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    order: Sequence | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""Median survival per group with its confidence interval.

    The median is the smallest time at which :math:`\hat S(t) \le 0.5`; its limits are the
    times at which the pointwise confidence band crosses 0.5 (Brookmeyer & Crowley 1982).
    A median or limit that the curve never reaches is reported as ``inf`` (not estimable).

    Returns
    -------
    pandas.DataFrame
        Index: group. Columns: ``n``, ``events``, ``median``, ``median_lower``, ``median_upper``.
    """
    from lifelines.utils import median_survival_times

    rows = []
    for group, kmf in fit_kaplan_meier(df, duration_col, event_col, group_col, order, alpha).items():
        limits = median_survival_times(kmf.confidence_interval_)
        rows.append(
            {
                group_col: group,
                "n": int(kmf.event_observed.size),
                "events": int(kmf.event_observed.sum()),
                "median": float(kmf.median_survival_time_),
                "median_lower": float(limits.iloc[0, 0]),
                "median_upper": float(limits.iloc[0, 1]),
            }
        )
    return pd.DataFrame(rows).set_index(group_col)


def logrank(df: pd.DataFrame, duration_col: str, event_col: str, group_col: str) -> pd.Series:
    """Two-group log-rank test (Mantel 1966).

    The statistic is :math:`(O_1 - E_1)^2 / V_1`, chi-squared with one degree of freedom under
    equal hazards.

    Returns
    -------
    pandas.Series
        ``statistic``, ``df``, ``p``.
    """
    _check_survival_data(df, duration_col, event_col, group_col)
    groups = _groups(df, group_col, None)
    if len(groups) != 2:
        raise ValueError(f"log-rank here compares two groups; {group_col!r} has {groups}")
    a = df[df[group_col] == groups[0]]
    b = df[df[group_col] == groups[1]]
    from lifelines.statistics import logrank_test

    result = logrank_test(a[duration_col], b[duration_col], a[event_col], b[event_col])
    return pd.Series({"statistic": float(result.test_statistic), "df": 1, "p": float(result.p_value)})


def _cox_design(
    df: pd.DataFrame, duration_col: str, event_col: str, group_col: str, experimental
) -> tuple[pd.DataFrame, str]:
    """The one-covariate frame a two-group Cox model is fitted on (1 = experimental)."""
    _check_survival_data(df, duration_col, event_col, group_col)
    if experimental not in set(df[group_col]):
        raise ValueError(f"experimental group {experimental!r} not in column {group_col!r}")
    covariate = f"{group_col}={experimental}"
    design = pd.DataFrame(
        {
            duration_col: df[duration_col].to_numpy(),
            event_col: df[event_col].to_numpy(),
            covariate: (df[group_col] == experimental).astype(float).to_numpy(),
        }
    )
    return design, covariate


def cox_hazard_ratio(
    df: pd.DataFrame, duration_col: str, event_col: str, group_col: str, experimental, alpha: float = 0.05
) -> tuple[pd.Series, CoxPHFitter]:
    r"""Hazard ratio of ``experimental`` versus the other group from a Cox model (Efron ties).

    :math:`h(t \mid x) = h_0(t)\exp(\beta x)` with :math:`x = 1` for the experimental group;
    HR :math:`= e^{\hat\beta}`, Wald CI :math:`e^{\hat\beta \pm z_{1-\alpha/2} SE}`.

    Returns
    -------
    (pandas.Series, lifelines.CoxPHFitter)
        The series holds ``coef``, ``se``, ``hr``, ``hr_lower``, ``hr_upper``, ``z``, ``p``;
        the fitted model is returned for its ``summary`` and for diagnostics.
    """
    alpha = _alpha(alpha)
    design, covariate = _cox_design(df, duration_col, event_col, group_col, experimental)
    from lifelines import CoxPHFitter

    cph = CoxPHFitter(alpha=alpha)
    # Tight convergence so the estimate matches R coxph(eps = 1e-12) to 1e-9.
    cph.fit(design, duration_col=duration_col, event_col=event_col, fit_options={"precision": 1e-12, "max_steps": 100})
    row = cph.summary.loc[covariate]
    z_crit = stats.norm.ppf(1 - alpha / 2)
    coef, se = float(row["coef"]), float(row["se(coef)"])
    result = pd.Series(
        {
            "coef": coef,
            "se": se,
            "hr": float(np.exp(coef)),
            "hr_lower": float(np.exp(coef - z_crit * se)),
            "hr_upper": float(np.exp(coef + z_crit * se)),
            "z": float(row["z"]),
            "p": float(row["p"]),
        },
        name=covariate,
    )
    return result, cph


def restricted_mean(durations, events, horizon: float) -> tuple[float, float]:
    r"""RMST up to ``horizon`` and its standard error, computed exactly from the KM step function.

    :math:`\mathrm{RMST}(\tau) = \int_0^{\tau} \hat S(t)\,dt`, and

    .. math:: \widehat{\mathrm{Var}} = \sum_{t_i \le \tau} \frac{A_i^2\, d_i}{n_i (n_i - d_i)},
              \qquad A_i = \int_{t_i}^{\tau} \hat S(u)\,du,

    the Greenwood-type variance of Klein & Moeschberger (2003, section 4.5), the same as
    R ``survRM2::rmst2`` and ``print(survfit(...), rmean = tau)``. Terms with
    :math:`n_i = d_i` contribute nothing (the curve is then zero beyond :math:`t_i`).

    lifelines' ``restricted_mean_survival_time`` integrates the step function numerically and
    its variance can be inaccurate; this exact sum is used instead.
    """
    durations = _check.durations(durations, "durations")
    events = _check.event_flags(events, "events", size=durations.size)
    horizon = _check.positive(horizon, "horizon")
    if horizon > durations.max():
        raise ValueError(f"horizon {horizon:g} lies beyond the last follow-up time {durations.max():g}")
    table = product_limit(durations, events)
    table = table[table["time"] <= horizon]
    event_times = table["time"].to_numpy()
    at_risk, deaths = table["at_risk"].to_numpy(), table["events"].to_numpy()
    survival = table["survival"].to_numpy()
    # S is 1 on [0, t_1), survival[i] on [t_i, t_{i+1}), and the last value up to the horizon.
    edges = np.concatenate([[0.0], event_times, [horizon]])
    levels = np.concatenate([[1.0], survival])
    pieces = levels * np.diff(edges)
    rmst = float(pieces.sum())
    area_after = np.cumsum(pieces[::-1])[::-1][1:]  # A_i = area from t_i to the horizon
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > deaths, area_after**2 * deaths / (at_risk * (at_risk - deaths)), 0.0)
    return rmst, float(np.sqrt(terms.sum()))


def rmst_summary(
    df: pd.DataFrame, duration_col: str, event_col: str, group_col: str, horizon: float, order: Sequence | None = None
) -> pd.DataFrame:
    """Restricted mean survival time up to ``horizon`` per group (see :func:`restricted_mean`).

    Returns
    -------
    pandas.DataFrame
        Index: group. Columns: ``rmst``, ``se``.
    """
    _check_survival_data(df, duration_col, event_col, group_col)
    rows = []
    for group in _groups(df, group_col, order):
        sub = df[df[group_col] == group]
        try:
            mean, se = restricted_mean(sub[duration_col], sub[event_col], horizon)
        except ValueError as error:
            raise ValueError(f"group {group!r}: {error}") from None
        rows.append({group_col: group, "rmst": mean, "se": se})
    return pd.DataFrame(rows).set_index(group_col)


def rmst_difference(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    experimental,
    control,
    horizon: float,
    alpha: float = 0.05,
) -> pd.Series:
    r"""Difference in RMST (experimental − control) with a normal-approximation CI.

    :math:`\Delta = \mathrm{RMST}_E - \mathrm{RMST}_C`,
    :math:`SE_\Delta = \sqrt{SE_E^2 + SE_C^2}` (independent arms).

    Returns
    -------
    pandas.Series
        ``rmst_experimental``, ``rmst_control``, ``difference``, ``lower``, ``upper``, ``p``.
    """
    alpha = _alpha(alpha)
    table = rmst_summary(df, duration_col, event_col, group_col, horizon, order=[experimental, control])
    diff = table.loc[experimental, "rmst"] - table.loc[control, "rmst"]
    se = float(np.hypot(table.loc[experimental, "se"], table.loc[control, "se"]))
    z_crit = stats.norm.ppf(1 - alpha / 2)
    return pd.Series(
        {
            "rmst_experimental": float(table.loc[experimental, "rmst"]),
            "rmst_control": float(table.loc[control, "rmst"]),
            "difference": float(diff),
            "lower": float(diff - z_crit * se),
            "upper": float(diff + z_crit * se),
            "p": float(2 * stats.norm.sf(abs(diff) / se)),
        }
    )


def proportional_hazards_check(
    df: pd.DataFrame, duration_col: str, event_col: str, group_col: str, experimental, time_transform: str = "km"
) -> pd.DataFrame:
    """Test of proportional hazards on scaled Schoenfeld residuals (Grambsch & Therneau 1994).

    Refits the two-group Cox model of :func:`cox_hazard_ratio` and tests whether the scaled
    Schoenfeld residuals trend with transformed time (``km``: the Kaplan–Meier transform, as in
    R ``cox.zph``'s default; ``rank``, ``log`` or ``identity`` also work). A small p suggests that
    the log hazard ratio changes over time, so one hazard ratio summarises the comparison poorly.

    Returns
    -------
    pandas.Series
        ``statistic``, ``p``, ``time_transform``.
    """
    _check.choice(time_transform, "time_transform", ["km", "rank", "log", "identity"])
    design, covariate = _cox_design(df, duration_col, event_col, group_col, experimental)
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    cph = CoxPHFitter().fit(design, duration_col=duration_col, event_col=event_col)
    result = proportional_hazard_test(cph, design, time_transform=time_transform)
    return pd.Series(
        {
            "statistic": float(np.ravel(result.test_statistic)[0]),
            "p": float(np.ravel(result.p_value)[0]),
            "time_transform": time_transform,
        },
        name=covariate,
    )


def landmark(df: pd.DataFrame, duration_col: str, at: float) -> pd.DataFrame:
    """A landmark analysis's data: patients still followed at time ``at``, with the clock
    restarted there (``duration - at``).

    Comparing groups defined by something that happens after time zero (a treatment given after
    a wait, a response) from time zero credits the group with the time its members had to
    survive to join it (immortal time). Starting everyone's follow-up at a common landmark, and
    keeping only those still at risk then, removes that bias (Anderson JR, Cain KC, Gelber RD.
    Analysis of survival by tumor response. J Clin Oncol 1983;1:710-9). Group membership must be
    decided by the landmark.

    Parameters
    ----------
    df
        One row per patient.
    duration_col
        Follow-up time from the original time zero.
    at
        The landmark, in the same unit.

    Raises
    ------
    ValueError
        If ``at`` is negative, a duration is missing, or no patient is still followed at ``at``.
    """
    _check.columns(df, [duration_col])
    at = _check.non_negative(at, "at", hint="the landmark time")
    missing = df.index[df[duration_col].isna()]
    if len(missing):
        raise ValueError(
            f"landmark: {duration_col} is missing in row {missing[0]} "
            f"({len(missing)} row(s)); a patient without follow-up cannot be placed"
        )
    kept = df[df[duration_col] > at]
    if kept.empty:
        raise ValueError(f"nobody is still followed after the landmark at {at:g} ({duration_col})")
    return kept.assign(**{duration_col: kept[duration_col] - at})
