r"""Pseudo patient-level data implied by a trial's published summaries: an ILLUSTRATION only.

When a paper reports only medians, arm sizes and follow-up, a chapter can still show what data
consistent with those numbers might look like (a Kaplan–Meier plot, a Cox fit) by simulating
them. Such data are **not** the trial's data: they inherit every assumption made here (a
parametric survival shape, proportional hazards, uniform accrual, independent censoring) and
none of the trial's real features (delayed effects, plateaus, informative dropout). Every frame
returned says so in ``DataFrame.attrs``.

Model
-----
For arm *j* with median :math:`m_j` and common Weibull shape *k* (``shape=1`` is exponential),

.. math:: S_j(t) = \exp\{-(t/b_j)^k\}, \qquad b_j = m_j / (\ln 2)^{1/k},

so that :math:`S_j(m_j) = 1/2`. Event times are drawn by inversion,
:math:`T = b_j E^{1/k}` with :math:`E \sim \mathrm{Exp}(1)` (Bender R, Augustin T, Blettner M.
Generating survival times to simulate Cox proportional hazards models. Stat Med
2005;24:1713-23). With a common shape the hazards are proportional, with
:math:`\mathrm{HR}_{j\,\mathrm{vs}\,c} = (m_c / m_j)^k`.

Patients enter uniformly over ``[0, accrual]``; the analysis takes place at
``accrual + follow_up``, so a patient entering at *e* is administratively censored at
``accrual + follow_up - e`` (between ``follow_up`` and ``accrual + follow_up``). Optional
dropout is an independent exponential censoring time with hazard ``dropout_hazard``.
Observed time is the minimum of the event and censoring times; ``event`` is 1 if the event
came first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers import _check

__all__ = ["ILLUSTRATION_NOTE", "simulate_trial", "assign_after_wait", "is_illustration"]

#: The statement attached to every simulated frame (``DataFrame.attrs["note"]``).
ILLUSTRATION_NOTE = (
    "ILLUSTRATION: pseudo patient-level data simulated to be consistent with reported summaries "
    "(medians, arm sizes, accrual and follow-up) under stated assumptions; not trial data."
)

_ARM_KEYS = {"n", "median"}


def _check_arms(arms: Mapping) -> dict[str, tuple[int, float]]:
    if not isinstance(arms, Mapping) or not arms:
        raise ValueError("arms must be a non-empty mapping {name: {'n': ..., 'median': ...}}")
    checked = {}
    for name, spec in arms.items():
        if not isinstance(spec, Mapping):
            raise TypeError(f"arm {name!r}: expected a mapping with keys 'n' and 'median', got {type(spec).__name__}")
        missing, unknown = _ARM_KEYS - set(spec), set(spec) - _ARM_KEYS
        if missing or unknown:
            raise ValueError(
                f"arm {name!r}: expected keys ['median', 'n'], "
                f"missing {sorted(missing)}, unknown {sorted(unknown, key=str)}"
            )
        n = _check.integer(spec["n"], f"arm {name!r}: n", low=1)
        median = _check.positive(spec["median"], f"arm {name!r}: median")
        checked[str(name)] = (n, median)
    if len(checked) != len(arms):
        raise ValueError("arm names must stay distinct when written as text")
    return checked


def simulate_trial(
    arms: Mapping[str, Mapping[str, float]],
    *,
    accrual: float,
    follow_up: float,
    seed: int,
    shape: float = 1.0,
    dropout_hazard: float = 0.0,
) -> pd.DataFrame:
    """Simulate pseudo patient-level data consistent with reported medians and design.

    See the module docstring for the model. The same ``seed`` and inputs (including the order
    of ``arms``) always give the same data: one ``numpy.random.default_rng(seed)`` draws, arm by
    arm in the given order, entry times, event times and dropout times.

    Parameters
    ----------
    arms
        ``{name: {"n": patients, "median": median time}}``, e.g.
        ``{"control": {"n": 300, "median": 6.0}, "experimental": {"n": 300, "median": 9.0}}``.
    accrual
        Length of the uniform accrual period (≥ 0; 0 puts every entry at time 0).
    follow_up
        Minimum follow-up: time from the last possible entry to the analysis (> 0).
    seed
        Seed for ``numpy.random.default_rng`` (a non-negative integer).
    shape
        Common Weibull shape *k* > 0 (1 = exponential; > 1 rising hazard; < 1 falling).
    dropout_hazard
        Hazard of independent dropout per unit time (≥ 0; 0 = administrative censoring only).
        The probability of dropping out by time *t* is ``1 - exp(-dropout_hazard * t)``.

    All times (medians, accrual, follow-up, output ``time``) share one unit, the caller's.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` (float), ``event`` (int, 1 = event, 0 = censored), ``arm`` (str), in
        ``arms`` order. ``attrs["illustration"]`` is ``True``, ``attrs["note"]`` is
        :data:`ILLUSTRATION_NOTE` and ``attrs["assumptions"]`` records the inputs.
    """
    checked = _check_arms(arms)
    accrual = _check.non_negative(accrual, "accrual")
    follow_up = _check.positive(follow_up, "follow_up")
    shape = _check.positive(shape, "shape")
    dropout_hazard = _check.non_negative(dropout_hazard, "dropout_hazard")
    seed = _check.integer(seed, "seed", low=0)

    rng = np.random.default_rng(int(seed))
    analysis_time = accrual + follow_up
    parts = []
    for name, (n, median) in checked.items():
        scale = median / math.log(2) ** (1 / shape)
        entry = rng.uniform(0.0, accrual, size=n)
        event_time = scale * rng.standard_exponential(size=n) ** (1 / shape)
        censor_time = analysis_time - entry
        if dropout_hazard > 0:
            censor_time = np.minimum(censor_time, rng.exponential(1 / dropout_hazard, size=n))
        parts.append(
            pd.DataFrame(
                {
                    "time": np.minimum(event_time, censor_time),
                    "event": (event_time <= censor_time).astype(int),
                    "arm": name,
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df.attrs = {
        "illustration": True,
        "note": ILLUSTRATION_NOTE,
        "assumptions": {
            "arms": {name: {"n": n, "median": median} for name, (n, median) in checked.items()},
            "distribution": "exponential" if shape == 1 else f"Weibull, common shape {shape:g}",
            "proportional_hazards": True,
            "accrual": f"uniform over [0, {accrual:g}]",
            "follow_up": follow_up,
            "dropout_hazard": dropout_hazard,
            "seed": int(seed),
        },
    }
    return df


def assign_after_wait(
    cohort: pd.DataFrame,
    *,
    max_wait: float,
    share_offered: float,
    seed: int,
    labels: tuple[str, str] = ("treated (ever)", "never treated"),
    duration_col: str = "time",
) -> pd.DataFrame:
    """Label patients "ever treated" the way a study with immortal time does: an ILLUSTRATION.

    Each patient is offered the treatment with probability ``share_offered``, after a wait
    :math:`W \\sim U(0, \\text{max\\_wait})` from time zero, and receives it only if still
    followed at the end of the wait (``duration > W``). The treatment itself changes nothing:
    any difference between the groups counted from time zero is immortal-time bias (Suissa S.
    Immortal time bias in pharmaco-epidemiology. Am J Epidemiol 2008;167:492-9), which a
    landmark analysis at ``max_wait`` (:func:`helpers.survival.landmark`) removes.

    Parameters
    ----------
    cohort
        Simulated patients (e.g. from :func:`simulate_trial`), one row each.
    max_wait
        Longest wait from time zero to treatment; waits are uniform on ``[0, max_wait)``.
    share_offered
        Probability that a patient is offered the treatment.
    seed
        Seed of the waits and offers (results are reproducible).
    labels
        Names of the ever-treated and never-treated groups.
    duration_col
        Column of follow-up times.

    Returns
    -------
    pandas.DataFrame
        ``cohort`` with columns ``wait``, ``offered`` and ``group`` (``labels[0]`` or
        ``labels[1]``), flagged as an illustration like :func:`simulate_trial`.

    Raises
    ------
    KeyError
        If ``duration_col`` is missing.
    ValueError
        For a non-positive ``max_wait``, a share outside [0, 1] or a missing duration.
    """
    _check.columns(cohort, [duration_col], "the cohort")
    max_wait = _check.positive(max_wait, "max_wait")
    share = _check.probability(share_offered, "share_offered")
    seed = _check.integer(seed, "seed", low=0)
    if len(labels) != 2 or labels[0] == labels[1]:
        raise ValueError(f"labels must be two distinct group names (treated, untreated), got {labels!r}")
    missing = cohort.index[cohort[duration_col].isna()]
    if len(missing):
        raise ValueError(f"assign_after_wait: {duration_col} is missing in row {missing[0]} ({len(missing)} row(s))")
    rng = np.random.default_rng(seed)
    wait = rng.uniform(0, max_wait, size=len(cohort))
    offered = rng.random(len(cohort)) < share
    treated = offered & (cohort[duration_col].to_numpy() > wait)
    out = cohort.assign(wait=wait, offered=offered, group=np.where(treated, labels[0], labels[1]))
    out.attrs = {
        **cohort.attrs,
        "illustration": True,
        "note": ILLUSTRATION_NOTE,
        "immortal_time": {"max_wait": max_wait, "share_offered": share, "seed": int(seed), "labels": list(labels)},
    }
    return out


def is_illustration(df: pd.DataFrame) -> bool:
    """Whether ``df`` carries the flag set by :func:`simulate_trial` (simulated, not trial data).

    ``DataFrame.attrs`` survives selection and copying but not every pandas operation (e.g. a
    ``concat`` with unflagged frames drops it); check before presenting a derived table.
    """
    return bool(df.attrs.get("illustration", False))
