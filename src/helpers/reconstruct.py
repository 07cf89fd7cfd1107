"""Approximate patient-level data from a digitized Kaplan–Meier curve (Guyot et al. 2012).

A published Kaplan–Meier (KM) curve and the numbers-at-risk table printed under it are enough
to rebuild rows of ``time`` and ``event`` whose KM curve retraces the published one, and which
can then be re-analysed like any patient-level data (Cox model, log-rank test, RMST, see
:mod:`helpers.survival`). The inputs are the (time, survival) points read off the figure with a
digitizer such as WebPlotDigitizer, and the table of numbers at risk.

The algorithm (Guyot, Ades, Ouwens & Welton 2012) works interval by interval of the at-risk
table. On interval :math:`[T_i, T_{i+1})`, with :math:`n_i` at risk at :math:`T_i`:

1. guess the number censored, :math:`c_i = \\operatorname{round}(n_i S(T_{i+1}) / S(T_i) - n_{i+1})`,
   and spread the censoring times evenly over the interval;
2. walk through the digitized points :math:`t_k` of the interval, with :math:`\\hat n_k` at
   risk, taking :math:`d_k = \\operatorname{round}(\\hat n_k (1 - S(t_k) / \\hat S_{last}))`
   events, where :math:`\\hat S_{last}` is the reconstructed KM value after the last event, and
   :math:`\\hat n_{k+1} = \\hat n_k - d_k - (\\text{censored between } t_k, t_{k+1})`;
3. if the reconstructed number at risk at :math:`T_{i+1}` differs from the table, add the
   difference to :math:`c_i` and repeat from 1.

After the last at-risk time the censoring rate of the earlier intervals is carried on, and a
published total number of events, when given, fixes the censoring of that last interval.

This implementation follows that scheme and adds five refinements, each reported in the
result's ``attrs`` and, when it changed the input, as a :class:`ReconstructionWarning`:

- **Cleaning.** What a careful person clicking in WebPlotDigitizer produces is accepted: readings
  up to :data:`AXIS_TOLERANCE` above 1 (axis calibration) are set to 1; a step's upper click
  landing a little right of its lower click (a step back in time of up to
  :data:`MAX_BACKSTEP` of the time span) is put back in order; points are sorted, the curve is
  made non-increasing (isotonic regression, i.e. least squares under the constraint), points
  before time 0 or after the table reaches zero at risk are dropped, and the curve is started
  at (0, 1). Impossible inputs are errors that name the offending point or row, and so are a
  curve and a table in different time units and an at-risk table with only its time-0 row
  (:func:`clean_digitized`, :func:`guyot`).
- **Drops at an at-risk time.** A drop clicked within the same tolerance of an at-risk time is
  put on the side of it that the table allows (on the other side it would need a negative
  number censored).
- **Exact drops.** When the coordinates are exact (extracted from a vector figure, or an ideal
  digitizer), every drop of a KM curve is a ratio :math:`d/n` of two integers, so each drop
  reveals the number at risk at that time. Those numbers are added to the at-risk table, and
  the interval algorithm then runs between consecutive drops. Rounded or noisy coordinates are
  recognised and left to the plain algorithm.
- **Event times on sampled curves.** When the points are samples along the curve (a
  digitizer's automatic trace: many consecutive points on the same level) or sparse clicks
  (drops of two or more events each on average) rather than the foot of each drop, a drop
  happened somewhere between two points, so its events are spread evenly over that gap instead
  of being put at its right end.
- **Total events.** When a total is given and the last interval cannot absorb the
  difference (for instance when the table runs past the last digitized point), the rest is
  removed, as Guyot does, at the end of follow-up: events become censorings (or the reverse)
  at the latest drops whose rounding in step 2 went the other way. Every number at risk in the
  table is kept. A total far from what the curve and table imply (by more than 30% and 10
  events) is refused: it is most likely another arm's or another endpoint's.

Conventions: censoring times are the evenly spread times of step 1 (Guyot's code puts them at
the midpoints between digitized points), and a censoring at a point's own time is counted after
that point's events, as in a KM estimate; patients still at risk after the last point are
censored there. When the table runs past the last digitized point, the curve is taken as flat
up to the table's end and the table's counts there become censorings; points after the last
table time form Guyot's last interval. Guyot's adjustment loop has no bound and can cycle; here
it stops when a censoring count repeats, keeping the closest match, and such mismatches are
reported in ``attrs["notes"]``.

Speed: the walk of step 2 is sequential (each rounding depends on the number left at risk by
the one before) and runs on plain Python floats; everything else (cleaning, the exact-drop
search, censoring and event times, assembling the rows) is vectorised with numpy. A 700-patient
arm takes about 1 ms.

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data:
reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res Methodol
2012;12:9. doi:10.1186/1471-2288-12-9
Liu N, Zhou Y, Lee JJ. IPDfromKM: reconstruct individual patient data from published
Kaplan-Meier survival curves. BMC Med Res Methodol 2021;21:111.
Barlow RE, Bartholomew DJ, Bremner JM, Brunk HD. Statistical inference under order
restrictions. Wiley 1972 (isotonic regression).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import isotonic_regression

from helpers import _check
from helpers._numbers import format_significant
from helpers.km import curve_distance, km_steps, km_value_at, numbers_at_risk

__all__ = [
    "ReconstructionWarning",
    "simulate_digitizing",
    "at_risk_table",
    "curve_distance",  # defined in helpers.km; the reconstruction chapter calls it from here
    "CleanedInput",
    "clean_digitized",
    "guyot",
    "reconstruct_trial",
]

#: Column names recognised for the digitized points and the at-risk table (case-insensitive);
#: otherwise the first two columns are used.
_TIME_NAMES = ("time", "t", "times", "trisk", "x")
_SURVIVAL_NAMES = ("survival", "surv", "s", "km", "y", "probability")
_AT_RISK_NAMES = ("n_at_risk", "at_risk", "n", "nrisk", "n.risk", "nar", "number_at_risk")

#: Relative tolerance within which a drop d/n counts as an exact ratio of integers.
_EXACT_RATIO_TOLERANCE = 1e-6
#: Share of drops that must be exact ratios before exact drops are used at all.
_EXACT_DROPS_MIN_SHARE = 0.5
#: A curve whose points sit on the same level this often is taken as sampled along the curve.
_SAMPLED_FLAT_SHARE = 0.25
#: Largest number of censoring adjustments tried per interval (Guyot's loop has no bound).
_MAX_ITERATIONS = 100
#: Axis calibration tolerance: survival read up to this far above 1 (or below 0) is taken as 1
#: (or 0). One percentage point is several pixels on any printed figure.
AXIS_TOLERANCE = 0.01
#: Default largest back-step in time, as a share of the curve's time span, that is taken as a
#: click placed a little off the vertical segment of a step (1%: about 4 pixels of a 450-pixel
#: axis). Larger back-steps are errors.
MAX_BACKSTEP = 0.01
#: Clicks whose drops average at least this many events each are sparse (not the foot of every
#: step): their events are spread over the gap between two clicks.
_SPARSE_EVENTS_PER_DROP = 2.0
#: The curve running past the at-risk table's last time (or the reverse) by more than this
#: factor, with many still at risk there, points to two different time units.
_UNIT_RATIO = 3.0
#: ... and "many" is at least this share of the patients at time 0.
_UNIT_MIN_SHARE = 0.1
#: ``total_events`` further than this share (and than :data:`_TOTAL_MIN_GAP` events) from what
#: the curve and table imply is refused as implausible.
_TOTAL_MAX_SHARE = 0.3
_TOTAL_MIN_GAP = 10


#: Cleaning changes that need no warning: they change nothing a reader would check.
#: (The curve is drawn flat after its last drop up to the last follow-up, which the table may pass.)
_ROUTINE_CHANGES = ("sorted the points by time (", "started the curve at (0, 1)", "the at-risk table goes on to time")


def _routine(change: str) -> bool:
    return change.startswith(_ROUTINE_CHANGES[::2]) or change == _ROUTINE_CHANGES[1]


class ReconstructionWarning(UserWarning):
    """The reconstruction changed its input or could not match it exactly (details in ``attrs``)."""


@dataclass(frozen=True)
class CleanedInput:
    """Digitized points and at-risk table after :func:`clean_digitized`.

    Attributes
    ----------
    time, survival
        The curve: sorted, non-increasing, starting at (0, 1).
    risk_time, risk_n
        The at-risk table (times strictly increasing from 0, counts non-increasing).
    changes
        One sentence per change made to the input, in the order made (empty if none).
    """

    time: np.ndarray
    survival: np.ndarray
    risk_time: np.ndarray
    risk_n: np.ndarray
    changes: tuple[str, ...]


# --------------------------------------------------------------------------- input handling
def _two_columns(data, preferred_second: Sequence[str], what: str) -> tuple[np.ndarray, np.ndarray]:
    """The (time, value) columns of a DataFrame, a 2-column array or a sequence of pairs."""
    if isinstance(data, pd.DataFrame):
        lower = {str(c).lower(): c for c in data.columns}
        time_col = next((lower[n] for n in _TIME_NAMES if n in lower), None)
        value_col = next((lower[n] for n in preferred_second if n in lower), None)
        if time_col is None or value_col is None or time_col == value_col:
            if data.shape[1] < 2:
                raise ValueError(f"{what} needs two columns (time and value), got {list(data.columns)}")
            time_col, value_col = data.columns[0], data.columns[1]
        first, second = data[time_col].to_numpy(), data[value_col].to_numpy()
    else:
        array = np.asarray(data)
        if array.ndim != 2 or array.shape[1] != 2:
            raise ValueError(f"{what} must be a DataFrame or an (n, 2) array of pairs, got shape {array.shape}")
        first, second = array[:, 0], array[:, 1]
    try:
        first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must hold numbers only") from None
    if first.size == 0:
        raise ValueError(f"{what} is empty")
    bad = np.flatnonzero(~(np.isfinite(first) & np.isfinite(second)))
    if bad.size:
        i = bad[0]
        raise ValueError(f"{what} row {i + 1} is not a finite number pair: ({first[i]}, {second[i]})")
    return first, second


def _check_at_risk(times: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Validate the at-risk table; return the counts as integers."""
    if times[0] != 0:
        raise ValueError(
            f"the at-risk table must start at time 0 (the number randomised), but its first row is at time {times[0]:g}"
        )
    steps = np.diff(times)
    if np.any(steps <= 0):
        i = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise ValueError(
            f"at-risk table times out of order: row {i + 1} (time {times[i]:g}) "
            f"does not come after row {i} (time {times[i - 1]:g})"
        )
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        i = int(np.flatnonzero((counts < 0) | (counts != np.round(counts)))[0])
        raise ValueError(
            f"at-risk table row {i + 1} (time {times[i]:g}): {counts[i]:g} is not a whole number of patients"
        )
    if counts[0] <= 0:
        raise ValueError(f"the at-risk table starts with {counts[0]:g} patients at time 0")
    rises = np.diff(counts)
    if np.any(rises > 0):
        i = int(np.flatnonzero(rises > 0)[0]) + 1
        raise ValueError(
            f"the at-risk table increases: {counts[i]:g} at risk at time {times[i]:g} "
            f"(row {i + 1}) after {counts[i - 1]:g} at time {times[i - 1]:g}"
        )
    return counts.astype(np.int64)


def _looks_like_time_and_survival_swapped(time: np.ndarray, survival: np.ndarray) -> bool:
    """The first column in [0, 1] falling as the second (≥ 0, beyond 1) grows: columns swapped."""
    if survival.max() <= 1 + AXIS_TOLERANCE or time.min() < -AXIS_TOLERANCE or time.max() > 1 + AXIS_TOLERANCE:
        return False
    order = np.argsort(survival, kind="stable")
    return bool(np.all(np.diff(time[order]) <= AXIS_TOLERANCE) and survival.min() >= 0)


def _check_units(last_point: float, risk_time: np.ndarray, risk_n: np.ndarray) -> None:
    """Refuse a curve and an at-risk table that look like two time units (weeks against months):
    the curve running past the table's last time by more than :data:`_UNIT_RATIO` times, or the
    table still counting at least :data:`_UNIT_MIN_SHARE` of its patients that far past the curve."""
    if risk_time.size < 2 or last_point <= 0:
        return
    many = risk_n >= _UNIT_MIN_SHARE * risk_n[0]
    hint = (
        "are the curve and the table in the same time unit (weeks against months: a factor of 4.35; "
        "months against years: 12)? Convert one of them"
    )
    if last_point > _UNIT_RATIO * risk_time[-1]:
        raise ValueError(
            f"the curve runs to time {last_point:g}, more than {_UNIT_RATIO:g} times the at-risk "
            f"table's last time {risk_time[-1]:g} (a table printed under a figure spans its axis): "
            f"{hint}"
        )
    late = np.flatnonzero((risk_time > _UNIT_RATIO * last_point) & many)
    if late.size:
        i = late[0]
        raise ValueError(
            f"the at-risk table has {risk_n[i]} of {risk_n[0]} still at risk at time "
            f"{risk_time[i]:g} (row {i + 1}), more than {_UNIT_RATIO:g} times the curve's last "
            f"time {last_point:g}: {hint}"
        )


def _fix_backsteps(
    time: np.ndarray, survival: np.ndarray, original: np.ndarray, max_increase: float, window: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, float]:
    """Pool the times of clicks that step back in time across a drop (see :func:`clean_digitized`).

    ``time`` is sorted. A point more than ``max_increase`` above the points just before it is a
    top-corner click placed right of the bottom-corner click(s) of the same step when those points
    lie within ``window`` of it in time: the point moves before them, and the clicked times stay
    in increasing order (the step's events are then spread between its clicks, where it was seen).
    Returns the times, survival and original point numbers reordered, the number of points
    involved and the largest back-step.
    """
    moved, largest = 0, 0.0
    for _ in range(time.size):
        rise = np.diff(survival)
        big = np.flatnonzero(rise > max_increase)
        if big.size == 0:
            break
        j = int(big[0]) + 1
        # The points just before j that lie below it: those more than max_increase below must be
        # within the window (clicks beside the same step); the others are reading noise.
        first, fixable = j, True
        while first > 0 and survival[first - 1] < survival[j]:
            if time[j] - time[first - 1] > window:
                fixable = survival[first - 1] >= survival[j] - max_increase
                break
            first -= 1
        if not fixable:
            break
        largest = max(largest, float(time[j] - time[first]))
        moved += j + 1 - first
        # Point j goes before the block; the times stay where they were clicked, in order.
        order = np.r_[np.arange(first), j, np.arange(first, j), np.arange(j + 1, time.size)]
        survival, original = survival[order], original[order]
    return time, survival, original, moved, largest


def clean_digitized(coords, at_risk, max_increase: float = 0.02, *, max_backstep: float = MAX_BACKSTEP) -> CleanedInput:
    """Validate and tidy digitized KM points and their at-risk table.

    Parameters
    ----------
    coords
        The digitized curve: a DataFrame with columns ``time`` and ``survival`` (or ``surv``;
        otherwise its first two columns), or an ``(n, 2)`` array. Survival is a probability in
        [0, 1], not a percentage.
    at_risk
        The published numbers-at-risk table, the same way: columns ``time`` and ``n_at_risk``
        (or ``n``, ``nrisk``, ``NAR``; otherwise the first two). It starts at time 0.
    max_increase
        The largest rise of the curve accepted as digitizing noise in survival (default 0.02,
        i.e. two percentage points). Smaller rises are removed by isotonic regression.
    max_backstep
        The largest step back in time accepted as a click placed beside a step's vertical
        segment, as a share of the curve's time span (default :data:`MAX_BACKSTEP`, 1%). A
        rise of more than ``max_increase`` within that window is such a back-step (a step's
        top-corner click landing a pixel right of its bottom-corner click): the clicks get
        their mean time, so that the step is vertical again.

    Returns
    -------
    CleanedInput
        The cleaned curve and table, and one sentence per change made.

    Raises
    ------
    ValueError
        For impossible inputs, naming the offending point or row: survival outside [0, 1] by
        more than :data:`AXIS_TOLERANCE` (with a hint when the values look like percentages or
        the columns look swapped), a rise that is neither noise nor a back-step, an at-risk
        table that increases, does not start at 0, or whose times are out of order.

    Notes
    -----
    Changes made: survival up to :data:`AXIS_TOLERANCE` above 1 or below 0 (axis calibration)
    is set to 1 or 0, and times up to ``max_backstep`` of the span before 0 to 0; points are
    sorted by time (then by decreasing survival); back-steps are pooled; other points before
    time 0, or after a table time with nobody at risk, are dropped; small rises are removed;
    the curve is started at (0, 1) when no point is there (lower readings at time 0 stay, as a
    drop at time 0); and when the table goes on past the last point, the curve is taken to
    stay flat up to the table's last time.
    """
    time, survival = _two_columns(coords, _SURVIVAL_NAMES, "coords")
    risk_time, risk_counts = _two_columns(at_risk, _AT_RISK_NAMES, "at_risk")
    risk_n = _check_at_risk(risk_time, risk_counts)
    if not 0 <= max_increase < 1:
        raise ValueError(f"max_increase must be in [0, 1), got {max_increase!r}")
    max_backstep = _check.number(max_backstep, "max_backstep", low=0, high=0.1)
    changes: list[str] = []

    outside = np.flatnonzero((survival < -AXIS_TOLERANCE) | (survival > 1 + AXIS_TOLERANCE))
    if outside.size:
        i = outside[0]
        if _looks_like_time_and_survival_swapped(time, survival):
            hint = (
                " (the columns look swapped: the first holds values in [0, 1] that fall as the "
                "second grows; pass time first, or name the columns 'time' and 'survival')"
            )
        elif 1.5 < survival.max() <= 100 + 100 * AXIS_TOLERANCE:
            hint = " (percentages? divide them by 100)"
        else:
            hint = ""
        raise ValueError(f"survival {survival[i]:g} at time {time[i]:g} (point {i + 1}) lies outside [0, 1]{hint}")
    over = (survival > 1) | (survival < 0)
    if over.any():
        worst = float(np.max(np.maximum(survival - 1, -survival)))
        changes.append(
            f"set {over.sum()} survival reading(s) just outside [0, 1] (by at most {format_significant(worst, 4)}, "
            f"axis calibration) to the axis"
        )
        survival = np.clip(survival, 0.0, 1.0)
    span = float(max(time.max(), 0.0))
    window = max_backstep * span
    early = (time < 0) & (time >= -window)
    if early.any():
        changes.append(
            f"set {early.sum()} time(s) just before 0 (by at most {format_significant(-time[early].min(), 4)}) to 0"
        )
        time = np.where(early, 0.0, time)

    _check_units(float(time.max()), risk_time, risk_n)
    order = np.lexsort((-survival, time))
    if np.any(order != np.arange(time.size)):
        moved = int(np.sum(order != np.arange(time.size)))
        changes.append(f"sorted the points by time ({moved} of {time.size} moved)")
    time, survival, original = time[order], survival[order], order + 1

    before = time < 0
    if before.any():
        changes.append(f"dropped {before.sum()} point(s) before time 0 (first: time {time[before][0]:g})")
        time, survival, original = time[~before], survival[~before], original[~before]
    zero = np.flatnonzero(risk_n == 0)
    if zero.size:
        end = risk_time[zero[0]]
        after = time > end
        if after.any():
            changes.append(f"dropped {after.sum()} point(s) after time {end:g}, when nobody is at risk")
            time, survival, original = time[~after], survival[~after], original[~after]
    if time.size == 0:
        raise ValueError("no digitized point lies within the at-risk table's span")

    # Back-steps: a step's top-corner click a little right of its bottom-corner click.
    rise = np.diff(survival)
    if rise.size and rise.max() > max_increase:
        time, survival, original, moved, largest = _fix_backsteps(time, survival, original, max_increase, window)
        if moved:
            changes.append(
                f"reordered {moved} click(s) at steps whose upper click lay right of the lower one, "
                f"by at most {format_significant(largest, 4)} (within max_backstep={max_backstep:g} of the time span): "
                f"the step now falls from its upper to its lower click between their times"
            )
    rise = np.diff(survival)
    if rise.size and rise.max() > max_increase:
        j = int(np.argmax(rise > max_increase)) + 1
        raise ValueError(
            f"the curve rises from {survival[j - 1]:g} to {survival[j]:g} at time {time[j]:g} "
            f"(point {original[j]}): more than digitizing noise (max_increase={max_increase:g}) "
            f"and further back in time than a click beside a step (max_backstep={max_backstep:g} "
            f"of the time span, i.e. {format_significant(window, 4)}); is this point on the other arm's curve?"
        )
    if rise.size and rise.max() > 0:
        fitted = isotonic_regression(survival, increasing=False).x
        changed = np.abs(fitted - survival) > 1e-12
        changes.append(
            f"made the curve non-increasing: {changed.sum()} point(s) moved by at most "
            f"{format_significant(np.abs(fitted - survival).max(), 4)} (isotonic regression)"
        )
        survival = np.clip(fitted, 0.0, 1.0)

    # The curve starts at (0, 1). Lower readings at time 0 are kept as a drop at time 0: it
    # gives no event unless it is at least half an event high.
    start = np.flatnonzero((time == 0) & (survival == 1))
    if start.size:
        keep = np.ones(time.size, dtype=bool)
        keep[start[1:]] = False
        time, survival = time[keep], survival[keep]
    else:
        changes.append(
            "started the curve at (0, 1)"
            + (f"; the first point is ({time[0]:g}, {survival[0]:g})" if survival[0] < 1 - max_increase else "")
        )
        time, survival = np.concatenate([[0.0], time]), np.concatenate([[1.0], survival])

    beyond = risk_time > time[-1]
    if beyond.any():
        last = risk_time[zero[0]] if zero.size else risk_time[-1]
        changes.append(
            f"the at-risk table goes on to time {risk_time[-1]:g}, past the last point "
            f"(time {time[-1]:g}): the curve is taken as flat (no events) up to time {last:g}"
        )
    return CleanedInput(time, survival, risk_time, risk_n, tuple(changes))


# --------------------------------------------------------------------------- exact drops
def _level_before(time: np.ndarray) -> np.ndarray:
    """Index of the last point strictly before each point's time (-1 if none)."""
    return np.searchsorted(time, time, side="left") - 1


def _exact_drop_anchors(
    time: np.ndarray, survival: np.ndarray, risk_time: np.ndarray, risk_n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Numbers at risk revealed by drops that are exact ratios of integers.

    At a KM step :math:`S_k = S_{k-1}(1 - d/n)`, so :math:`q = 1 - S_k/S_{k-1} = d/n`. With exact
    coordinates, the integer pairs :math:`(d, n)` with :math:`d/q = n` whole (to a relative
    :data:`_EXACT_RATIO_TOLERANCE`) and :math:`n` allowed by the at-risk table (at most the count
    at the table time before, at least :math:`d` more than the count at the table time after) are
    the candidates; a drop with one candidate fixes the number at risk at its time. Drops with
    several (ties: 2/200 = 1/100) are narrowed down by the bounds their neighbours put on them
    (the number at risk falls by at least the events of each drop), and failing that take the
    fewest events.

    Returns ``(times, n_at_risk)`` of the anchors, empty unless at least
    :data:`_EXACT_DROPS_MIN_SHARE` of the drops are exact ratios and the survival values are not
    rounded to four or fewer decimals (such values give exact-looking ratios by accident).
    """
    empty = (np.empty(0), np.empty(0, dtype=np.int64))
    inner = survival[(survival > 0) & (survival < 1)]
    for decimals in range(1, 5):
        scaled = inner * 10**decimals
        if inner.size and np.all(np.abs(scaled - np.round(scaled)) < 1e-9 * np.maximum(scaled, 1)):
            return empty
    prev = _level_before(time)
    last_at_time = np.r_[time[1:] != time[:-1], True]
    is_drop = (prev >= 0) & last_at_time
    is_drop[is_drop] &= survival[prev[is_drop]] > survival[is_drop]
    drops = np.flatnonzero(is_drop & (survival[np.maximum(prev, 0)] > 0))
    if drops.size < 5:
        return empty
    q = 1 - survival[drops] / survival[prev[drops]]
    interval = np.searchsorted(risk_time, time[drops], side="right") - 1
    hi = risk_n[interval].astype(float)
    has_next = interval + 1 < risk_n.size
    after = np.where(has_next, risk_n[np.minimum(interval + 1, risk_n.size - 1)], 0).astype(float)
    max_events = int(np.ceil(np.max(q * hi))) + 1
    events = np.arange(1, max_events + 1, dtype=float)[None, :]
    n = events / q[:, None]
    whole = np.abs(n - np.round(n)) <= _EXACT_RATIO_TOLERANCE * n
    n = np.round(n)
    allowed = whole & (n <= hi[:, None]) & (n >= after[:, None] + events)
    count = allowed.sum(axis=1)
    if np.mean(count > 0) < _EXACT_DROPS_MIN_SHARE:
        return empty

    # Bounds on each drop's number at risk n_j, narrowed by the neighbours until stable. With
    # f_j the fewest events drop j can have (1 if it has no candidate), moving on in time
    # n_{j+1} <= n_j - f_j, so n_j <= min_{k<=j} (upper_k + C_k) - C_j with C the running sum of
    # f before j; looking back, n_j - d_j >= n_{j+1} >= (n_{j+1} - d_{j+1}) + f_{j+1}, so the
    # bound on n_j - d_j ("lower", first the table's count after the drop) is
    # max_{k>=j} (lower_k + F_k) - F_j with F the running sum of f up to and including j.
    # A drop's own candidates bound it too (largest n; smallest n - d).
    upper, lower = hi.copy(), after.copy()
    for _ in range(20):
        inside = allowed & (n <= upper[:, None]) & (n >= lower[:, None] + events)
        some = inside.any(axis=1)
        fewest = np.where(some, events[0, np.argmax(inside, axis=1)], 1.0)
        top = np.where(some, np.max(np.where(inside, n, -np.inf), axis=1), upper)
        rest = np.where(some, np.min(np.where(inside, n - events, np.inf), axis=1), lower)
        before = np.cumsum(fewest) - fewest
        through = np.cumsum(fewest)
        new_upper = np.minimum(top, np.minimum.accumulate(top + before) - before)
        new_lower = np.maximum(rest, np.maximum.accumulate((rest + through)[::-1])[::-1] - through)
        if np.array_equal(new_upper, upper) and np.array_equal(new_lower, lower):
            break
        upper, lower = new_upper, new_lower
    inside = allowed & (n <= upper[:, None]) & (n >= lower[:, None] + events)
    count = inside.sum(axis=1)
    known = np.full(drops.size, -1.0)
    known_events = np.zeros(drops.size)
    # One candidate left: that is the number at risk. Several (typically the last drop, with no
    # neighbour after it): the fewest events, ties being rarer than single events.
    usable = count >= 1
    pick = np.argmax(inside, axis=1)
    known[usable] = n[usable, pick[usable]]
    known_events[usable] = events[0, pick[usable]]
    keep = known >= 0
    anchor_time, anchor_n, anchor_d = time[drops][keep], known[keep], known_events[keep]
    # Mutual consistency: each n at most the previous n minus its events; drop both of a pair
    # that breaks it, until none does.
    while anchor_n.size > 1:
        bad = anchor_n[1:] > anchor_n[:-1] - anchor_d[:-1]
        if not bad.any():
            break
        ok = np.ones(anchor_n.size, dtype=bool)
        ok[1:] &= ~bad
        ok[:-1] &= ~bad
        anchor_time, anchor_n, anchor_d = anchor_time[ok], anchor_n[ok], anchor_d[ok]
    return anchor_time, anchor_n.astype(np.int64)


# --------------------------------------------------------------------------- the algorithm
def _censored_before(x: float, start: float, end: float, total: int) -> int:
    """How many of the ``total`` censoring times spread evenly over (start, end) are < x.

    The times are :math:`start + j (end - start) / (total + 1)`, j = 1..total (Guyot). A
    censoring at a point's own time counts after that point's events, as in a KM estimate
    (those censored at t are at risk at t).
    """
    if total == 0 or x <= start:
        return 0
    if x > end:
        return total
    return min(max(math.ceil((total + 1) * (x - start) / (end - start) - 1e-9) - 1, 0), total)


def _spread_times(start: float, end: float, total: int, first: int, last: int) -> np.ndarray:
    """Censoring times number first..last (1-based) of ``total`` spread evenly over (start, end)."""
    return start + (end - start) * np.arange(first, last + 1) / (total + 1)


def _interval_pass(
    t: list,
    s: list,
    lo: int,
    hi: int,
    n_start: int,
    n_censor: int,
    start: float,
    end: float,
    km_last: float,
    no_event_at_lo: bool,
):
    """One pass of Guyot's step 2 over points lo..hi with ``n_censor`` spread over (start, end).

    Returns ``(events, censored, residuals, km_last, n_end)``, per point: events, censored in
    the gap after the point, and the rounding residual of the event count.
    """
    at_risk = n_start
    events, censored, residuals = [], [], []
    below = _censored_before(t[lo], start, end, n_censor)
    for k in range(lo, hi + 1):
        if (no_event_at_lo and k == lo) or km_last <= 0 or at_risk <= 0:
            d, residual = 0, 0.0
        else:
            expected = at_risk * (1 - s[k] / km_last)
            d = min(max(int(round(expected)), 0), at_risk)
            residual = expected - d
            if d:
                km_last *= 1 - d / at_risk
        right = t[k + 1] if k < hi else end
        upto = _censored_before(right, start, end, n_censor)
        c = min(upto - below, at_risk - d)
        below = upto
        at_risk -= d + c
        events.append(d)
        censored.append(c)
        residuals.append(residual)
    return events, censored, residuals, km_last, at_risk


def _guyot_counts(t: np.ndarray, s: np.ndarray, lower: np.ndarray, n_risk: np.ndarray, total_events: int | None):
    """Events and censoring per point by Guyot's interval algorithm.

    ``lower[i]`` is the index of the point at anchor time i (every anchor time is a point).
    Returns per-point arrays ``events``, ``censored`` (in the gap after the point) and rounding
    residuals (events expected minus events taken), the censoring times, and notes.
    """
    tl, sl = t.tolist(), s.tolist()
    n_points, n_int = len(tl), len(lower)
    n_risk = [int(v) for v in n_risk]
    events = [0] * n_points
    censored = [0] * n_points
    residuals = [0.0] * n_points
    spans: list[tuple] = []  # (start, end, censorings spread, first point, last point)
    n_censor_by_interval = [0] * n_int
    km_last = 1.0
    notes: list[str] = []

    for i in range(n_int - 1):
        lo, hi = int(lower[i]), int(lower[i + 1]) - 1
        target = n_risk[i + 1]
        start, end = tl[lo], tl[lower[i + 1]]
        guess = n_risk[i] * sl[lower[i + 1]] / sl[lo] - target if sl[lo] > 0 else n_risk[i] - target
        n_censor = max(int(round(guess)), 0)
        tried: dict[int, tuple] = {}
        while True:
            result = _interval_pass(tl, sl, lo, hi, n_risk[i], n_censor, start, end, km_last, i == 0)
            tried[n_censor] = result
            n_end = result[4]
            if n_end == target or (n_end < target and n_censor == 0):
                break
            following = max(n_censor + (n_end - target), 0)
            if following in tried or len(tried) >= _MAX_ITERATIONS:
                n_censor = min(tried, key=lambda c: (abs(tried[c][4] - target), tried[c][4] < target))
                result = tried[n_censor]
                break
            n_censor = following
        ev, cen, res, km_last, n_end = result
        events[lo : hi + 1], censored[lo : hi + 1], residuals[lo : hi + 1] = ev, cen, res
        n_censor_by_interval[i] = sum(cen)
        spans.append((start, end, n_censor, lo, hi))
        if n_end != target:
            notes.append(f"at time {end:g} the reconstruction has {n_end} at risk, the table {target}")
            if n_end < target:
                n_risk[i + 1] = n_end  # as Guyot: carry on from what was reached

    # Last interval: censoring at the average rate of the earlier intervals.
    lo, hi = int(lower[-1]), n_points - 1
    start, end = tl[lo], tl[hi]
    if n_int > 1 and end > start:
        span = tl[lower[-1] - 1] - tl[lower[0]]
        rate = sum(n_censor_by_interval[:-1]) / span if span > 0 else 0.0
        n_censor = min(int(round(rate * (end - start))), n_risk[-1])
    else:
        n_censor = 0
    before = sum(events[:lo])

    def last_pass(count):
        return _interval_pass(tl, sl, lo, hi, n_risk[-1], count, start, end, km_last, n_int == 1)

    result = last_pass(n_censor)
    if total_events is not None and end > start and before < total_events:
        tried = {n_censor: result}
        while True:
            total = before + sum(result[0])
            if total == total_events or (total < total_events and n_censor == 0):
                break
            following = min(max(n_censor + (total - total_events), 0), n_risk[-1])
            if following in tried or len(tried) >= _MAX_ITERATIONS:
                n_censor = min(tried, key=lambda c: abs(before + sum(tried[c][0]) - total_events))
                result = tried[n_censor]
                break
            n_censor = following
            result = tried[n_censor] = last_pass(n_censor)
    ev, cen, res, _, _ = result
    events[lo : hi + 1], censored[lo : hi + 1], residuals[lo : hi + 1] = ev, cen, res
    spans.append((start, end, n_censor, lo, hi))
    censor_times = _censor_times(tl, censored, spans)
    return (
        np.array(events, dtype=np.int64),
        np.array(censored, dtype=np.int64),
        np.array(residuals),
        censor_times,
        notes,
    )


def _censor_times(tl: list, censored: list, spans: list) -> np.ndarray:
    """The censoring times: per interval, the evenly spread times that were used.

    A spread time is unused only when nobody was left at risk in its gap; the used ones are
    then taken gap by gap.
    """
    pieces = []
    for start, end, spread, lo, hi in spans:
        if spread == 0:
            continue
        if sum(censored[lo : hi + 1]) == spread:
            pieces.append(_spread_times(start, end, spread, 1, spread))
            continue
        below = _censored_before(tl[lo], start, end, spread)
        for k in range(lo, hi + 1):
            upto = _censored_before(tl[k + 1] if k < hi else end, start, end, spread)
            pieces.append(_spread_times(start, end, spread, below + 1, below + censored[k]))
            below = upto
    return np.concatenate(pieces) if pieces else np.empty(0)


def _match_total_events(t, events, censor_times, residuals, interval_of, lower, total_events):
    """Swap events and censorings so that the events add up to ``total_events``.

    Like Guyot's own correction, which changes only the last interval, the difference is
    absorbed at the end of follow-up, where the curve rests on the fewest patients: the latest
    drops whose rounding went the other way (a rounding residual of the needed sign) come first,
    then the other drops, latest first. An extra event becomes a censoring at the same time; a
    missing event takes the place of the nearest censoring in the same interval of the at-risk
    table. Either way every number at risk in the table is kept.

    Returns ``(events, censor_times, difference left)``.
    """
    events = events.copy()
    gap = int(total_events - events.sum())
    sign = 1 if gap > 0 else -1
    # Right-sign residuals first, then the rest; latest first within each group.
    order = np.lexsort((-t, sign * residuals < 0))
    if gap < 0:
        extra_censor = []
        while gap < 0:
            used = False
            for k in order:
                if gap == 0:
                    break
                if events[k] > 0:
                    events[k] -= 1
                    extra_censor.append(t[k])
                    gap += 1
                    used = True
            if not used:
                break
        censor_times = np.concatenate([censor_times, extra_censor])
    elif gap > 0 and censor_times.size:
        censor_interval = np.searchsorted(t[lower], censor_times, side="right") - 1
        available = np.ones(censor_times.size, dtype=bool)
        while gap > 0:
            used = False
            for k in order:
                if gap == 0:
                    break
                pool = np.flatnonzero(available & (censor_interval == interval_of[k]))
                if pool.size == 0:
                    continue
                nearest = pool[np.argmin(np.abs(censor_times[pool] - t[k]))]
                available[nearest] = False
                events[k] += 1
                gap -= 1
                used = True
            if not used:
                break
        censor_times = censor_times[available]
    return events, censor_times, int(total_events - events.sum())


def _counts_for_total(time, survival, lower, anchor_n, total_events):
    """Guyot's counts; then, if a published total is still missed, event-censoring swaps.

    Returns ``(events per point, censoring times, notes)``.
    """
    events, _, residuals, censor_times, notes = _guyot_counts(time, survival, lower, anchor_n, total_events)
    if total_events is not None and events.sum() != total_events:
        interval_of = np.searchsorted(lower, np.arange(time.size), side="right") - 1
        events, censor_times, left = _match_total_events(
            time, events, censor_times, residuals, interval_of, lower, total_events
        )
        if left:
            notes.append(
                f"reconstructed {total_events - left} events; the at-risk table does not allow the {total_events} given"
            )
    return events, censor_times, notes


def _event_times(t: np.ndarray, events: np.ndarray, window_start: np.ndarray, spread: bool) -> np.ndarray:
    """Event times: at each point, or spread evenly over the gap since the point before."""
    at = np.repeat(t, events)
    if not spread:
        return at
    first = np.cumsum(events) - events
    rank = np.arange(at.size) - np.repeat(first, events)
    count = np.repeat(events, events)
    begin = np.repeat(window_start, events)
    return begin + (rank + 0.5) / count * (at - begin)


def _level_before_times(time: np.ndarray, survival: np.ndarray, x) -> np.ndarray:
    """The curve's level just before each of ``x`` (the last point strictly before; 1 before all)."""
    i = np.searchsorted(time, x, side="left") - 1
    return np.where(i < 0, 1.0, survival[np.maximum(i, 0)])


def _censoring_possible(
    at_boundary: float, i: int, level: np.ndarray, risk_time: np.ndarray, risk_n: np.ndarray, has_next: bool
) -> bool:
    """Whether Guyot's censoring guesses on both sides of at-risk time i stay non-negative (to
    half a patient) with the curve at ``at_boundary`` there."""
    guesses = [risk_n[i - 1] * at_boundary / level[i - 1] - risk_n[i]]
    if has_next:
        guesses.append(risk_n[i] * level[i + 1] / at_boundary - risk_n[i + 1])
    return all(c >= -0.5 for c in guesses)


def _assign_boundary_drops(
    time: np.ndarray, survival: np.ndarray, risk_time: np.ndarray, risk_n: np.ndarray, window: float
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    r"""Put a drop clicked within ``window`` of an at-risk time on the side the table allows.

    The drop nearest an at-risk time :math:`T_i`, when both its clicks lie within ``window`` of
    it, could have happened just before :math:`T_i` or just after it: a click a pixel off decides
    which interval it falls in, and with it whether its events count in :math:`n_i`. With the
    curve at :math:`T_i` taken as the level after the drop (drop before :math:`T_i`) or before it,
    Guyot's censoring guesses :math:`c_{i-1} = n_{i-1} S(T_i) / S(T_{i-1}) - n_i` and
    :math:`c_i = n_i S(T_{i+1}) / S(T_i) - n_{i+1}` must not be negative. When the clicked side
    makes one negative and the other side does not, the drop moves to the other side; otherwise
    the clicks decide (in the hand-click benchmark, choosing by closeness to the table's
    censoring rate moved more drops to the wrong side than to the right one).

    Returns the (re-sorted) curve and one sentence per drop moved across an at-risk time.
    """
    inside = np.flatnonzero((risk_time > 0) & (risk_time < time[-1]))
    if inside.size == 0 or window <= 0:
        return time, survival, []
    level = _level_before_times(time, survival, risk_time)
    time, notes = time.copy(), []
    for i in inside:
        boundary = risk_time[i]
        near = np.abs(time - boundary) <= window
        drop = np.flatnonzero(near[1:] & near[:-1] & (survival[1:] < survival[:-1])) + 1
        if drop.size == 0 or level[i - 1] <= 0:
            continue
        # The one drop nearest the boundary (its two clicks' midpoint).
        bottom = int(drop[np.argmin(np.abs((time[drop] + time[drop - 1]) / 2 - boundary))])
        top = bottom - 1
        high, low = survival[top], survival[bottom]
        if low <= 0:
            continue
        has_next = i + 1 < risk_time.size and risk_time[i + 1] <= time[-1]
        if_before = _censoring_possible(low, i, level, risk_time, risk_n, has_next)
        if_after = _censoring_possible(high, i, level, risk_time, risk_n, has_next)
        if if_before == if_after:
            continue  # both sides possible (or neither): the clicks decide
        before = if_before
        span = np.r_[top : bottom + 1]
        if before and np.any(time[span] >= boundary):
            time[span] = np.minimum(time[span], boundary - 1e-6 * window)
        elif not before and np.any(time[span] < boundary):
            time[span] = np.maximum(time[span], boundary)
        else:
            continue
        notes.append(
            f"the drop from {format_significant(high, 4)} to {format_significant(low, 4)} clicked within "
            f"{format_significant(window)} of the at-risk time "
            f"{boundary:g} was put {'before' if before else 'after'} it: on the other side, the "
            f"table would need a negative number censored"
        )
    order = np.lexsort((-survival, time))
    return time[order], survival[order], notes


def _expected_events_per_drop(
    time: np.ndarray, survival: np.ndarray, risk_time: np.ndarray, risk_n: np.ndarray
) -> float:
    """Median events per drop of the curve, with the number at risk taken from the table's last
    time before the drop and no censoring since (a rough count, for choosing event placement)."""
    prev = np.r_[1.0, survival[:-1]]
    is_drop = (survival < prev) & (time > 0) & (prev > 0)
    if not is_drop.any():
        return 0.0
    j = np.searchsorted(risk_time, time[is_drop], side="right") - 1
    start_level = _level_before_times(time, survival, risk_time)[j]
    n = risk_n[j] * prev[is_drop] / np.where(start_level > 0, start_level, 1.0)
    return float(np.median(n * (1 - survival[is_drop] / prev[is_drop])))


def _check_total_events(total_events: int, implied: int, n_total: int) -> None:
    """Refuse a published total far from what the curve and table imply (another arm or endpoint?)."""
    gap = abs(total_events - implied)
    if gap > max(_TOTAL_MIN_GAP, _TOTAL_MAX_SHARE * implied):
        raise ValueError(
            f"total_events={total_events} is implausible: the curve and the at-risk table imply "
            f"about {implied} events among {n_total} patients (accepted: within "
            f"{_TOTAL_MAX_SHARE:.0%} or {_TOTAL_MIN_GAP} events). Is it this arm's total, for this "
            f"endpoint? Leave total_events out to reconstruct from the table alone"
        )


def guyot(
    coords,
    at_risk,
    total_events: int | None = None,
    *,
    max_increase: float = 0.02,
    event_times: str = "auto",
    max_backstep: float = MAX_BACKSTEP,
) -> pd.DataFrame:
    r"""Reconstruct one arm's patient rows from its digitized KM curve (Guyot et al. 2012).

    See the module docstring for the algorithm and its refinements.

    Parameters
    ----------
    coords
        Digitized (time, survival) points: a DataFrame with columns ``time`` and ``survival``
        (or ``surv``; otherwise the first two columns), or an ``(n, 2)`` array. Survival is a
        probability in [0, 1].
    at_risk
        The published numbers-at-risk table, (time, number at risk), starting at time 0: a
        DataFrame with columns ``time`` and ``n_at_risk`` (or ``n``, ``nrisk``, ``NAR``;
        otherwise the first two columns), or an ``(m, 2)`` array.
    total_events
        The published total number of events in this arm, if known; the reconstruction then
        has exactly this many events whenever the at-risk table allows it.
    max_increase, max_backstep
        The largest rise of the curve treated as digitizing noise, and the largest step back in
        time (share of the time span) treated as a click beside a step (see
        :func:`clean_digitized`). ``max_backstep`` is also how close to an at-risk time a drop
        must be clicked for the table to decide which side of it the drop belongs to.
    event_times
        ``"at_points"``: events at the digitized point where the drop is seen (the points are
        the foot of each drop); ``"spread"``: evenly over the gap since the previous point (the
        points are samples along the curve); ``"auto"`` (default): ``"spread"`` when at least a
        quarter of the consecutive points share a level, as in a sampled trace, or when the
        clicks are sparse (their drops average at least two events each), else ``"at_points"``.

    Returns
    -------
    pandas.DataFrame
        One row per patient, sorted by time: ``time`` (float, the curve's time unit) and
        ``event`` (1 = event, 0 = censored). ``attrs`` holds ``"cleaning"`` (the changes made
        to the input, as sentences), ``"notes"`` (at-risk counts or totals that could not be
        matched), ``"boundary_drops"`` (drops clicked at an at-risk time and put on the side of
        it that the table supports), ``"exact_drops"`` (drops used as extra at-risk counts) and
        ``"event_times"`` (the placement used).

    Warns
    -----
    ReconstructionWarning
        Once per call, listing what was changed or could not be matched (the same sentences as
        ``attrs["cleaning"]``, ``attrs["boundary_drops"]`` and ``attrs["notes"]``), unless the
        only changes were routine: sorting the points, starting the curve at (0, 1), and
        drawing it flat after its last point up to the end of the at-risk table.

    Raises
    ------
    ValueError
        For impossible inputs (see :func:`clean_digitized`, including a curve and a table in
        different time units), an at-risk table with only its time-0 row when no
        ``total_events`` is given (nothing then tells censoring from survival), a negative or
        non-whole ``total_events``, more events than patients, a ``total_events`` far from what
        the curve and table imply (by more than 30% and 10 events: another arm or endpoint?),
        and for an unknown ``event_times``.

    Examples
    --------
    >>> coords = pd.DataFrame({"time": [0, 2, 4, 6], "survival": [1, 0.9, 0.8, 0.7]})
    >>> table = pd.DataFrame({"time": [0, 3], "n_at_risk": [10, 9]})
    >>> rows = guyot(coords, table)
    >>> rows["time"][rows["event"] == 1].tolist()
    [2.0, 4.0, 6.0]
    """
    if event_times not in ("auto", "at_points", "spread"):
        raise ValueError(f"event_times must be 'auto', 'at_points' or 'spread', got {event_times!r}")
    clean = clean_digitized(coords, at_risk, max_increase=max_increase, max_backstep=max_backstep)
    n_total = int(clean.risk_n[0])
    if clean.risk_time.size < 2 and total_events is None:
        raise ValueError(
            "the at-risk table has only its time-0 row: it cannot tell censoring from survival. "
            "Give the numbers at risk printed under the figure at later times, or total_events"
        )
    if total_events is not None:
        try:
            whole = float(total_events).is_integer()
        except (TypeError, ValueError):
            whole = False
        if not whole or not 0 <= float(total_events) <= n_total:
            raise ValueError(
                f"total_events must be a whole number from 0 to {n_total} "
                f"(the number at risk at time 0), got {total_events!r}"
            )
        total_events = int(total_events)

    time, survival = clean.time, clean.survival
    # The curve is flat from its last point to the end of the table.
    end = clean.risk_time[-1]
    zero = np.flatnonzero(clean.risk_n == 0)
    if zero.size:
        end = clean.risk_time[zero[0]]
    anchor_time, anchor_n = clean.risk_time, clean.risk_n
    keep = anchor_time <= max(end, time[-1])
    anchor_time, anchor_n = anchor_time[keep], anchor_n[keep]
    if end > time[-1]:
        drop_time, drop_n = _exact_drop_anchors(
            np.append(time, end), np.append(survival, survival[-1]), anchor_time, anchor_n
        )
    else:
        drop_time, drop_n = _exact_drop_anchors(time, survival, anchor_time, anchor_n)
    moved: list[str] = []
    if drop_time.size == 0:  # exact coordinates are trusted as they are
        time, survival, moved = _assign_boundary_drops(
            time, survival, clean.risk_time, clean.risk_n, max_backstep * time[-1]
        )
    if event_times == "auto":
        distinct = np.diff(time) > 0
        flat = np.diff(survival)[distinct] == 0
        sampled = flat.size and flat.mean() >= _SAMPLED_FLAT_SHARE
        sparse = _expected_events_per_drop(time, survival, clean.risk_time, clean.risk_n) >= _SPARSE_EVENTS_PER_DROP
        event_times = "spread" if sampled or sparse else "at_points"
    if end > time[-1]:
        time, survival = np.append(time, end), np.append(survival, survival[-1])

    new = ~np.isin(drop_time, anchor_time)
    if new.any():
        anchor_time = np.concatenate([anchor_time, drop_time[new]])
        anchor_n = np.concatenate([anchor_n, drop_n[new]])
        order = np.argsort(anchor_time, kind="stable")
        anchor_time, anchor_n = anchor_time[order], anchor_n[order]
        anchor_n = np.minimum.accumulate(anchor_n)

    # Every anchor time becomes a point (on the curve's level just before it).
    position = np.searchsorted(time, anchor_time, side="left")
    missing = (position >= time.size) | (time[np.minimum(position, time.size - 1)] != anchor_time)
    level = survival[np.maximum(position[missing] - 1, 0)]
    time = np.insert(time, position[missing], anchor_time[missing])
    survival = np.insert(survival, position[missing], level)
    lower = np.searchsorted(time, anchor_time, side="left")

    if total_events is not None:
        implied = int(_guyot_counts(time, survival, lower, anchor_n, None)[0].sum())
        _check_total_events(total_events, implied, n_total)
    events, censor_times, notes = _counts_for_total(time, survival, lower, anchor_n, total_events)
    interval_of = np.searchsorted(lower, np.arange(time.size), side="right") - 1

    window_start = np.maximum(np.r_[time[0], time[:-1]], time[lower][interval_of])
    event_at = _event_times(time, events, window_start, event_times == "spread")
    n_left = n_total - event_at.size - censor_times.size
    if n_left < 0:  # cannot happen: every pass keeps the number at risk >= 0
        raise RuntimeError("internal error: more patients reconstructed than randomised")
    durations = np.concatenate([event_at, censor_times, np.full(n_left, time[-1])])
    flags = np.concatenate(
        [np.ones(event_at.size, dtype=np.int64), np.zeros(censor_times.size + n_left, dtype=np.int64)]
    )
    order = np.lexsort((-flags, durations))
    result = pd.DataFrame({"time": durations[order], "event": flags[order]})
    result.attrs = {
        "cleaning": clean.changes,
        "notes": tuple(notes),
        "boundary_drops": tuple(moved),
        "exact_drops": int(new.sum()),
        "event_times": event_times,
    }
    report = [c for c in clean.changes if not _routine(c)] + moved + notes
    if report:
        warnings.warn(
            ReconstructionWarning(
                "the reconstruction changed or could not match its input: "
                + "; ".join(report)
                + " (also in the result's attrs)"
            ),
            stacklevel=2,
        )
    return result


def reconstruct_trial(arms: Mapping) -> pd.DataFrame:
    """Reconstruct every arm of a trial and stack them, ready for :mod:`helpers.survival`.

    Parameters
    ----------
    arms
        ``{label: arm}`` in the order wanted, where ``arm`` is a mapping with keys ``coords``,
        ``at_risk`` and optionally ``total_events`` and the keyword arguments of :func:`guyot`,
        or a tuple ``(coords, at_risk)`` or ``(coords, at_risk, total_events)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``time``, ``event`` and ``arm`` (the labels), arms in the given order. ``attrs``
        maps each label to the ``attrs`` of its :func:`guyot` result.

    Examples
    --------
    >>> coords = pd.DataFrame({"time": [0, 2, 4, 6], "survival": [1, 0.9, 0.8, 0.7]})
    >>> table = pd.DataFrame({"time": [0, 3], "n_at_risk": [10, 9]})
    >>> rows = reconstruct_trial({"control": (coords, table), "drug": (coords, table, 2)})
    >>> rows.groupby("arm")["event"].sum().to_dict()
    {'control': 3, 'drug': 2}

    The rows then go straight into :mod:`helpers.survival`, e.g.
    ``survival.cox_hazard_ratio(rows, "time", "event", "arm", experimental="drug")``.
    """
    if not isinstance(arms, Mapping) or len(arms) == 0:
        raise ValueError("arms must be a non-empty mapping {label: arm}")
    frames, attrs = [], {}
    for label, arm in arms.items():
        if isinstance(arm, Mapping):
            unknown = set(arm) - {"coords", "at_risk", "total_events", "max_increase", "event_times", "max_backstep"}
            if unknown or not {"coords", "at_risk"} <= set(arm):
                raise ValueError(
                    f"arm {label!r} needs keys 'coords' and 'at_risk' (optional: "
                    f"'total_events', 'max_increase', 'event_times', 'max_backstep'), "
                    f"got {sorted(arm)}"
                )
            kwargs = dict(arm)
        elif isinstance(arm, tuple) and len(arm) in (2, 3):
            kwargs = dict(zip(("coords", "at_risk", "total_events"), arm))
        else:
            raise ValueError(f"arm {label!r} must be a mapping or a tuple (coords, at_risk[, total_events])")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ReconstructionWarning)
                rows = guyot(kwargs.pop("coords"), kwargs.pop("at_risk"), **kwargs)
        except ValueError as error:
            raise ValueError(f"arm {label!r}: {error}") from None
        for warning in caught:  # said again, naming the arm
            if issubclass(warning.category, ReconstructionWarning):
                warnings.warn(ReconstructionWarning(f"arm {label!r}: {warning.message}"), stacklevel=2)
            else:
                warnings.warn(warning.message, warning.category, stacklevel=2)
        attrs[label] = dict(rows.attrs)
        rows.attrs = {}
        frames.append(rows.assign(arm=label))
    combined = pd.concat(frames, ignore_index=True)
    combined.attrs = {"arms": attrs}
    return combined


# --------------------------------------------------------------------------- round trips (teaching and tests)
#: The simulated noisy digitizer reads a figure this many pixels wide (once per pixel column).
NOISY_PIXELS = 450
#: Its reading error: survival + N(0, 0.002), rounded to 3 decimals (about one pixel of a
#: 500-pixel-high axis).
NOISY_SD = 0.002
#: The simulated hand clicker's figure: a plotting area of HAND_WIDTH by HAND_HEIGHT pixels,
#: a journal figure exported or viewed at about 150 dpi (4 by 2.7 inches of plotting area).
HAND_WIDTH = 600
HAND_HEIGHT = 400
#: ... and its hand: each click lands N(0, HAND_JITTER) pixels off the corner, in each
#: direction, then snaps to the pixel grid.
HAND_JITTER = 0.5


def _hand_clicks(
    steps: tuple[np.ndarray, np.ndarray],
    end: float,
    time_axis: float,
    width: int,
    height: int,
    jitter: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Corner clicks on the visible steps of a KM curve drawn on a ``width`` x ``height`` pixel grid."""
    times, surv = steps
    column = np.round(times / time_axis * width)  # the pixel column of each drop
    before = np.r_[1.0, surv[:-1]]
    # Drops in the same column draw one vertical segment; a segment shorter than a pixel is invisible.
    last_in_column = np.r_[column[1:] != column[:-1], True]
    first_in_column = np.r_[True, column[1:] != column[:-1]]
    top_px = np.round(before[first_in_column] * height)
    bottom_px = np.round(surv[last_in_column] * height)
    x_px = column[last_in_column]
    visible = bottom_px < top_px
    x_px, top_px, bottom_px = x_px[visible], top_px[visible], bottom_px[visible]
    # The start of the curve, each visible step's top and bottom corners, the end of the curve.
    x = np.concatenate([[0.0], np.repeat(x_px, 2), [np.round(end / time_axis * width)]])
    y = np.concatenate([[float(height)], np.column_stack([top_px, bottom_px]).ravel(), [np.round(surv[-1] * height)]])
    x = np.round(x + rng.normal(0, jitter, x.size)) + 0.0  # + 0.0: no "-0"
    y = np.round(y + rng.normal(0, jitter, y.size)) + 0.0
    return pd.DataFrame({"time": x / width * time_axis, "survival": y / height})


def simulate_digitizing(
    durations,
    events,
    kind: str = "ideal",
    seed: int | None = None,
    pixels: int | None = None,
    sd: float = NOISY_SD,
    *,
    height: int = HAND_HEIGHT,
    jitter: float = HAND_JITTER,
    time_axis: float | None = None,
) -> pd.DataFrame:
    """What a digitizer would read off the KM curve of known patient rows (for round trips).

    ``kind="ideal"``: one exact point at the foot of every drop (a perfect manual digitizer).
    ``kind="noisy"``: the curve read once per pixel column of a ``pixels``-wide figure (default
    :data:`NOISY_PIXELS`), starting
    at a random phase, with N(0, ``sd``) reading error, rounded to 3 decimals and left
    non-monotone, as an automatic trace would be (seeded by ``seed``).
    ``kind="hand"``: a careful person clicking in WebPlotDigitizer. The curve is drawn on a
    plotting area of ``pixels`` by ``height`` pixels (default :data:`HAND_WIDTH` by
    :data:`HAND_HEIGHT`) spanning time 0 to ``time_axis`` (default:
    the last follow-up time) and survival 0 to 1; drops in one pixel column form one vertical
    segment, and segments shorter than a pixel are not seen. The person clicks the start of
    the curve, the top and the bottom corner of every visible segment and the end of the
    curve; each click lands N(0, ``jitter``) pixels off in each direction and snaps to the
    pixel grid (so a step's top click can land a pixel right of its bottom click, and the
    first click above 1). Seeded by ``seed``.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` and ``survival``, ready for :func:`guyot`.
    """
    steps = km_steps(durations, events)
    if kind == "ideal":
        return pd.DataFrame({"time": np.r_[0.0, steps[0]], "survival": np.r_[1.0, steps[1]]})
    if kind not in ("noisy", "hand"):
        raise ValueError(f"kind must be 'ideal', 'noisy' or 'hand', got {kind!r}")
    if seed is None:
        raise ValueError(f"the {kind} digitizer needs a seed (results must be reproducible)")
    seed = _check.integer(seed, "seed", low=0)
    pixels = _check.integer(
        (HAND_WIDTH if kind == "hand" else NOISY_PIXELS) if pixels is None else pixels, "pixels", low=1
    )
    sd = _check.non_negative(sd, "sd")
    if steps[0].size == 0:
        raise ValueError(f"the {kind} digitizer needs at least one event (the figure's width is the last event time)")
    rng = np.random.default_rng(seed)
    if kind == "hand":
        height = _check.integer(height, "height", low=1)
        jitter = _check.non_negative(jitter, "jitter")
        last = float(np.max(_check.durations(durations, "durations")))
        time_axis = last if time_axis is None else _check.number(time_axis, "time_axis", low=last)
        return _hand_clicks(steps, last, time_axis, pixels, height, jitter, rng)
    step = float(steps[0].max()) / pixels
    x = np.arange(rng.uniform(0, step), steps[0].max() + step, step)
    y = np.clip(np.round(km_value_at(steps, x) + rng.normal(0, sd, x.size), 3), 0, 1)
    return pd.DataFrame({"time": x, "survival": y})


def at_risk_table(durations, every: float = 6.0) -> pd.DataFrame:
    """Numbers at risk every ``every`` time units up to the last follow-up, as printed under a KM plot."""
    durations = _check.durations(durations, "durations")
    every = _check.positive(every, "every")
    times = np.arange(0.0, np.max(durations), every)
    return pd.DataFrame({"time": times, "n_at_risk": numbers_at_risk(durations, times)})
