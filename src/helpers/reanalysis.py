r"""What a single hazard ratio hides: re-analysis of a two-arm trial's patient rows.

From one data frame of patient rows (a duration, an event flag and the arm), each function
returns a tidy frame that a chapter can show as it comes:

- :func:`rmst_differences`: the difference in restricted mean survival time (RMST) at one or
  more horizons, with the analytic (Klein & Moeschberger) confidence interval of
  :func:`helpers.survival.rmst_difference`, and how many patients are still followed there;
- :func:`milestone_survival`: the Kaplan–Meier estimate per arm at fixed times, with
  log(−log) confidence limits, and :func:`milestone_differences`, the difference between arms
  with a Greenwood standard error;
- :func:`piecewise_hazard_ratios`: the hazard ratio within consecutive time intervals (a Cox
  model per interval, patients entering it at its start: left truncation), the hazard ratio
  "over time";
- :func:`proportional_hazards_table`: the Grambsch–Therneau test of proportional hazards
  (:func:`helpers.survival.proportional_hazards_check`).

The rows are usually reconstructed from a published curve (:mod:`helpers.reconstruct`, or the
committed kmdata rows); everything here works the same on a trial's own data.

References
----------
Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio for the
design and analysis of randomized trials with a time-to-event outcome. BMC Med Res Methodol
2013;13:152.
Klein JP, Moeschberger ML. Survival Analysis, 2nd ed. Springer 2003 (sections 4.2 and 4.5).
Klein JP, Logan B, Harhoff M, Andersen PK. Analyzing survival curves at a fixed point in time.
Stat Med 2007;26:4505-19.
Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on weighted
residuals. Biometrika 1994;81:515-26.
Therneau TM, Crowson C, Atkinson E. Using time dependent covariates and time dependent
coefficients in the Cox model (the ``survSplit`` step function). R survival package vignette.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from helpers import _check, survival
from helpers.km import greenwood_at, numbers_at_risk

__all__ = [
    "rmst_differences",
    "milestone_survival",
    "milestone_differences",
    "piecewise_hazard_ratios",
    "proportional_hazards_table",
]


def _times(values, name: str) -> list[float]:
    """Positive, strictly increasing times (horizons, milestones or cut points)."""
    values = [float(v) for v in np.atleast_1d(np.asarray(values, dtype=float))]
    if not values:
        raise ValueError(f"{name} must list at least one time")
    for i, value in enumerate(values):
        _check.positive(value, f"{name}[{i}]")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"{name} must increase strictly, got {values}")
    return values


def _arm_rows(df: pd.DataFrame, group_col: str, arm) -> pd.DataFrame:
    rows = df[df[group_col] == arm]
    if rows.empty:
        raise ValueError(f"arm {arm!r} not found in column {group_col!r} (has {list(pd.unique(df[group_col]))})")
    return rows


def rmst_differences(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    experimental,
    control,
    horizons: Sequence[float],
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""RMST of each arm and their difference (experimental − control) at each horizon.

    :math:`\mathrm{RMST}(\tau) = \int_0^\tau \hat S(t)\,dt`, the mean event-free time over the
    first :math:`\tau` units; its variance is the Klein–Moeschberger sum of
    :func:`helpers.survival.restricted_mean` (as R ``print(survfit(...), rmean = tau)``), the
    difference's standard error :math:`\sqrt{SE_E^2 + SE_C^2}` and its CI
    :math:`\Delta \pm z_{1-\alpha/2}\,SE` (Royston & Parmar 2013).

    Returns
    -------
    pandas.DataFrame
        Index ``horizon``. Columns ``rmst_experimental``, ``rmst_control``, ``difference``,
        ``lower``, ``upper``, ``p`` and ``at_risk_experimental``, ``at_risk_control`` (patients
        still followed at the horizon: a horizon where few remain rests on a thin tail).

    Raises
    ------
    ValueError
        If a horizon lies beyond an arm's last follow-up time (naming the arm), or the horizons
        are not positive and increasing.
    """
    horizons = _times(horizons, "horizons")
    experimental_rows = _arm_rows(df, group_col, experimental)
    control_rows = _arm_rows(df, group_col, control)
    rows = []
    for horizon in horizons:
        result = survival.rmst_difference(
            df, duration_col, event_col, group_col, experimental, control, horizon, alpha=alpha
        )
        rows.append(
            {
                "horizon": horizon,
                **result.to_dict(),
                "at_risk_experimental": int(numbers_at_risk(experimental_rows[duration_col], [horizon])[0]),
                "at_risk_control": int(numbers_at_risk(control_rows[duration_col], [horizon])[0]),
            }
        )
    return pd.DataFrame(rows).set_index("horizon")


def milestone_survival(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    times: Sequence[float],
    order: Sequence | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""Kaplan–Meier survival of each arm at fixed times ("milestones", "landmark rates").

    The estimate at :math:`t` is the step function's value there; its limits are lifelines'
    log(−log) limits from Greenwood's variance (R ``survfit(conf.type = "log-log")``), and
    ``se`` is Greenwood's standard error of :math:`\hat S(t)` itself (R ``summary(fit,
    times)$std.err``).

    Returns
    -------
    pandas.DataFrame
        One row per arm and time: ``arm`` (named as ``group_col``), ``time``, ``at_risk``,
        ``survival``, ``se``, ``lower``, ``upper``.

    Raises
    ------
    ValueError
        If a time lies beyond an arm's last follow-up (the curve is not defined there).
    """
    times = _times(times, "times")
    fitted = survival.fit_kaplan_meier(df, duration_col, event_col, group_col, order=order, alpha=alpha)
    rows = []
    for arm, kmf in fitted.items():
        durations, events = kmf.durations, kmf.event_observed
        if times[-1] > durations.max():
            raise ValueError(f"arm {arm!r}: time {times[-1]:g} lies beyond the last follow-up time {durations.max():g}")
        level, variance = greenwood_at(durations, events, times)
        band = kmf.confidence_interval_survival_function_
        for t, s, v in zip(times, level, variance):
            limits = band.loc[:t].iloc[-1]
            rows.append(
                {
                    group_col: arm,
                    "time": t,
                    "at_risk": int(numbers_at_risk(durations, [t])[0]),
                    "survival": float(s),
                    "se": float(np.sqrt(v)),
                    "lower": float(limits.iloc[0]),
                    "upper": float(limits.iloc[1]),
                }
            )
    return pd.DataFrame(rows)


def milestone_differences(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    experimental,
    control,
    times: Sequence[float],
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""Difference in Kaplan–Meier survival (experimental − control) at fixed times.

    :math:`\hat S_E(t) - \hat S_C(t) \pm z_{1-\alpha/2}\sqrt{\mathrm{Var}_E + \mathrm{Var}_C}`
    with Greenwood variances (independent arms; Klein et al. 2007, the untransformed test).

    Returns
    -------
    pandas.DataFrame
        Index ``time``. Columns ``survival_experimental``, ``survival_control``, ``difference``,
        ``lower``, ``upper``, ``p``.
    """
    alpha = _check.number(alpha, "alpha", low=0, high=1, low_open=True, high_open=True)
    table = milestone_survival(df, duration_col, event_col, group_col, times, order=[experimental, control])
    exp = table[table[group_col] == experimental].set_index("time")
    ctl = table[table[group_col] == control].set_index("time")
    difference = exp["survival"] - ctl["survival"]
    se = np.hypot(exp["se"], ctl["se"])
    z_crit = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.norm.sf(np.abs(difference) / se), np.nan)
    return pd.DataFrame(
        {
            "survival_experimental": exp["survival"],
            "survival_control": ctl["survival"],
            "difference": difference,
            "lower": difference - z_crit * se,
            "upper": difference + z_crit * se,
            "p": p,
        }
    )


def piecewise_hazard_ratios(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    experimental,
    cuts: Sequence[float],
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""Hazard ratio of ``experimental`` versus the other arm within each interval between ``cuts``.

    The time axis is split at the cuts into :math:`(0, c_1], (c_1, c_2], \dots, (c_k, \infty)`.
    Within :math:`(a, b]`, the patients still followed after :math:`a` enter at :math:`a` (left
    truncation), leave at :math:`\min(T, b)`, and count an event only if it happens by :math:`b`;
    a Cox model (Efron ties) on those rows gives the interval's HR with a Wald CI. Because each
    event time lies in one interval, this equals one Cox model with an arm-by-interval
    coefficient on R ``survSplit`` data: ``coxph(Surv(tstart, time, event) ~ arm:strata(interval))``.

    A pattern across intervals (benefit early, none later, or the reverse) is what a single
    hazard ratio averages away; each interval's estimate is also less precise than the overall one.

    Returns
    -------
    pandas.DataFrame
        One row per interval: ``start``, ``end`` (``inf`` for the last), ``at_risk`` (both arms at
        the start), ``events_experimental``, ``events_control``, ``hr``, ``lower``, ``upper``, ``p``.

    Raises
    ------
    ValueError
        If a cut lies beyond the last follow-up, or an arm has no event in an interval (its hazard
        ratio is then 0 or infinite): choose wider intervals.
    """
    _check.columns(df, [duration_col, event_col, group_col])
    _check.durations(df[duration_col], f"column {duration_col!r}")
    _check.event_flags(df[event_col], f"column {event_col!r}")
    cuts = _times(cuts, "cuts")
    alpha = _check.number(alpha, "alpha", low=0, high=1, low_open=True, high_open=True)
    if experimental not in set(df[group_col]):
        raise ValueError(f"experimental group {experimental!r} not in column {group_col!r}")
    durations = df[duration_col].to_numpy(dtype=float)
    events = df[event_col].to_numpy(dtype=int)
    treated = (df[group_col] == experimental).to_numpy(dtype=float)
    if cuts[-1] >= durations.max():
        raise ValueError(f"cut {cuts[-1]:g} lies at or beyond the last follow-up time {durations.max():g}")
    edges = [0.0, *cuts, np.inf]
    z_crit = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for start, end in zip(edges[:-1], edges[1:]):
        inside = durations > start
        exit_time = np.minimum(durations[inside], end)
        event_here = (events[inside] == 1) & (durations[inside] <= end)
        arm_here = treated[inside]
        counts = {
            "events_experimental": int(event_here[arm_here == 1].sum()),
            "events_control": int(event_here[arm_here == 0].sum()),
        }
        empty = [name for name, n in counts.items() if n == 0]
        if empty:
            raise ValueError(
                f"interval ({start:g}, {end:g}]: no {empty[0].removeprefix('events_')} event, so its hazard ratio "
                "is 0 or infinite; choose wider intervals"
            )
        design = pd.DataFrame({"entry": start, "exit": exit_time, "event": event_here.astype(int), "arm": arm_here})
        from lifelines import CoxPHFitter  # imported here: most chapters never fit a model

        cph = CoxPHFitter(alpha=alpha)
        cph.fit(
            design,
            duration_col="exit",
            event_col="event",
            entry_col="entry",
            fit_options={"precision": 1e-12, "max_steps": 100},
        )
        coef, se = float(cph.params_["arm"]), float(cph.standard_errors_["arm"])
        rows.append(
            {
                "start": start,
                "end": end,
                "at_risk": int(inside.sum()),
                **counts,
                "hr": float(np.exp(coef)),
                "lower": float(np.exp(coef - z_crit * se)),
                "upper": float(np.exp(coef + z_crit * se)),
                "p": float(2 * stats.norm.sf(abs(coef) / se)),
            }
        )
    return pd.DataFrame(rows)


def proportional_hazards_table(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    experimental,
    time_transforms: Sequence[str] = ("identity",),
) -> pd.DataFrame:
    r"""Grambsch–Therneau test of proportional hazards under each time transform.

    See :func:`helpers.survival.proportional_hazards_check` (lifelines'
    ``proportional_hazard_test``): the scaled Schoenfeld residuals :math:`r^*_i` of the arm
    are regressed on centred transformed event times :math:`g_i`, and
    :math:`\chi^2_1 = (\sum g_i r^*_i)^2 / (d\,\widehat{\mathrm{Var}}(\hat\beta) \sum g_i^2)`
    (the approximation R ``cox.zph`` used before survival 3.0; since then R computes the full
    score test, which differs in the second decimal). A small p says one hazard ratio summarises
    the comparison poorly; a large p does not prove the hazards proportional (the test has little
    power with few events).

    The default transform is ``identity`` (time itself): lifelines' ``km`` transform reads the
    Kaplan–Meier curve right-continuously at each event time, R's left-continuously, and on
    progression-free survival tied at scan dates they differ (PALOMA-3 rows: 0.77 against 0.50),
    whereas ``identity`` agrees with R's computation to 1e-6.

    Returns
    -------
    pandas.DataFrame
        Index ``time_transform``. Columns ``statistic`` (chi-squared, 1 df), ``p``.
    """
    rows = [
        survival.proportional_hazards_check(df, duration_col, event_col, group_col, experimental, transform)
        for transform in time_transforms
    ]
    return pd.DataFrame(rows).set_index("time_transform")[["statistic", "p"]].astype(float)
