r"""The Kaplan–Meier product-limit estimate in plain numpy: one home for the book's KM arithmetic.

:mod:`helpers.survival` (RMST, numbers at risk under a plot), :mod:`helpers.reconstruct`
(simulated digitizing, round-trip scores) and ``benchmarks/bench_reconstruction.py`` all count
patients at risk and step the curve here; lifelines' fitter is used where its confidence limits
are needed (:func:`helpers.survival.fit_kaplan_meier`).

With distinct event times :math:`t_1 < \dots < t_m`, :math:`n_i` patients at risk (duration
:math:`\ge t_i`) and :math:`d_i` events at :math:`t_i`,

.. math:: \hat S(t) = \prod_{t_i \le t} \left(1 - \frac{d_i}{n_i}\right),

a right-continuous step function equal to 1 before the first event (Kaplan & Meier 1958). A
censoring at an event time counts as still at risk at that time, as in R ``survfit`` and
lifelines.

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. JASA 1958;53:457-81.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import _check

__all__ = [
    "numbers_at_risk",
    "product_limit",
    "greenwood_at",
    "km_steps",
    "km_value_at",
    "km_median",
    "km_area",
    "curve_distance",
]


def _query_times(values, name: str) -> np.ndarray:
    """Times at which a curve is read: numbers, none missing (before 0 and infinity are allowed)."""
    array = np.asarray(values, dtype=float)
    if np.isnan(array).any():
        i = int(np.flatnonzero(np.isnan(array).ravel())[0])
        raise ValueError(f"{name} must be times with none missing; entry {i} is nan")
    return array


def numbers_at_risk(durations, times) -> np.ndarray:
    """Number still at risk (duration ≥ t) at each of ``times``, as printed under KM plots."""
    durations = _check.durations(durations, "durations", empty=True)
    times = _query_times(times, "times")
    return (durations[None, :] >= times[:, None]).sum(axis=1)


def product_limit(durations, events) -> pd.DataFrame:
    r"""The KM table: one row per distinct event time.

    Returns
    -------
    pandas.DataFrame
        ``time`` (:math:`t_i`, increasing), ``at_risk`` (:math:`n_i`), ``events``
        (:math:`d_i`) and ``survival`` (:math:`\hat S(t_i)`, the estimate just after
        :math:`t_i`). No rows when there is no event.

    Raises
    ------
    ValueError
        If a duration is missing, negative or infinite, an event flag is not 0/1, or the two
        lengths differ.
    """
    durations = _check.durations(durations, "durations", empty=True)
    events = _check.event_flags(events, "events", size=durations.size)
    times = np.unique(durations[events])
    at_risk = (durations[None, :] >= times[:, None]).sum(axis=1)
    deaths = ((durations[None, :] == times[:, None]) & events[None, :]).sum(axis=1)
    return pd.DataFrame(
        {"time": times, "at_risk": at_risk, "events": deaths, "survival": np.cumprod(1 - deaths / at_risk)}
    )


def greenwood_at(durations, events, times) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`\hat S(t)` and Greenwood's :math:`\widehat{\mathrm{Var}}\,\hat S(t) = \hat S(t)^2
    \sum_{t_i \le t} d_i / (n_i (n_i - d_i))` at each of ``times`` (Klein & Moeschberger 4.2).

    A term with :math:`n_i = d_i` (the last patients at risk all have the event) is left out,
    as the curve is 0 from there and so is its variance.

    Returns
    -------
    tuple of numpy.ndarray
        The estimate and its variance at each time (1 and 0 before the first event).
    """
    table = product_limit(durations, events)
    times = _query_times(times, "times")
    if table.empty:  # no event: the curve is 1 with no variance
        return np.ones_like(times), np.zeros_like(times)
    at_risk, deaths = table["at_risk"].to_numpy(), table["events"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > deaths, deaths / (at_risk * (at_risk - deaths)), 0.0)
    index = np.searchsorted(table["time"].to_numpy(), times, side="right") - 1
    level = np.where(index < 0, 1.0, table["survival"].to_numpy()[np.maximum(index, 0)])
    summed = np.where(index < 0, 0.0, np.cumsum(terms)[np.maximum(index, 0)])
    return level, level**2 * summed


def km_steps(durations, events) -> tuple[np.ndarray, np.ndarray]:
    """Event times and the Kaplan–Meier estimate just after each (the curve's steps).

    Both arrays are empty when there is no event (the curve stays at 1).
    """
    table = product_limit(durations, events)
    return table["time"].to_numpy(), table["survival"].to_numpy()


def km_value_at(steps: tuple[np.ndarray, np.ndarray], x) -> np.ndarray:
    """The step function of :func:`km_steps` evaluated at ``x`` (1 before the first event)."""
    times, surv = (np.asarray(a, dtype=float) for a in steps)
    x = _query_times(x, "x")
    if surv.size == 0:  # no event: the curve is 1 everywhere
        return np.ones_like(x)
    index = np.searchsorted(times, x, side="right") - 1
    return np.where(index < 0, 1.0, surv[np.maximum(index, 0)])


def km_median(steps: tuple[np.ndarray, np.ndarray]) -> float:
    r"""Smallest time with :math:`\hat S(t) \le 0.5` (lifelines' median); ``inf`` if never reached."""
    times, surv = steps
    below = np.flatnonzero(np.asarray(surv) <= 0.5)
    return float(times[below[0]]) if below.size else np.inf


def km_area(steps: tuple[np.ndarray, np.ndarray], horizon: float) -> float:
    r"""Area under the KM step function from 0 to ``horizon``, :math:`\int_0^\tau \hat S(t)\,dt` (the RMST)."""
    horizon = _check.positive(horizon, "horizon")
    times, surv = steps
    inside = times <= horizon
    edges = np.concatenate([[0.0], times[inside], [horizon]])
    levels = np.concatenate([[1.0], surv[inside]])
    return float(np.sum(levels * np.diff(edges)))


def curve_distance(truth: pd.DataFrame, rows: pd.DataFrame, min_at_risk: int = 10) -> float:
    r"""sup :math:`|\hat S_{rows}(t) - \hat S_{truth}(t)|` over both data sets' times at which at least
    ``min_at_risk`` true patients are still at risk (the reconstruction benchmark's ``sup_dKM``; 0
    when no time qualifies). Both frames have ``time`` and ``event``."""
    _check.columns(truth, ["time", "event"], "truth")
    _check.columns(rows, ["time", "event"], "rows")
    min_at_risk = _check.integer(min_at_risk, "min_at_risk", low=0)
    grid = np.unique(
        np.r_[
            _check.durations(truth["time"], "truth['time']", empty=True),
            _check.durations(rows["time"], "rows['time']", empty=True),
        ]
    )
    grid = grid[numbers_at_risk(truth["time"], grid) >= min_at_risk]
    if not grid.size:
        return 0.0
    true_km, rec_km = km_steps(truth["time"], truth["event"]), km_steps(rows["time"], rows["event"])
    return float(np.max(np.abs(km_value_at(rec_km, grid) - km_value_at(true_km, grid))))
