r"""Comparing numbers as they were printed: every printed number stands for an interval.

A number printed as ``9.5`` stands for every value from 9.45 to 9.55
(:func:`helpers.effects.rounding_interval`); an approximate figure ("about 20%") for half a unit
of its last significant digit either side (:func:`approximate_interval`). Two numbers agree when
their intervals overlap (:func:`compare_number`). The claims audit (:mod:`helpers.claims`) and the
chapters use these comparisons; the arithmetic of a printed value's precision lives in
:mod:`helpers.effects` (:func:`~helpers.effects.decimals_of`, :func:`~helpers.effects.rounding_interval`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from helpers import effects

__all__ = [
    "NumberCheck",
    "claimed_numbers",
    "approximate_interval",
    "compare_number",
    "sum_of_shares",
    "sum_of_printed_shares",
    "difference_of_printed_rates",
]

#: A number as printed in a text (the same pattern the validator uses for claimed values).
_NUMBER = re.compile(r"\.?\d+(?:[.,]\d+)*")


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


def compare_number(claimed: str, traced: str | float | tuple[float, float], rounding: str = "printed") -> NumberCheck:
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


def difference_of_printed_rates(
    percent_experimental: float, n_experimental: int, percent_control: float, n_control: int, level: float = 0.95
) -> pd.Series:
    r"""What two printed response rates and their arm sizes imply, undoing the rounding.

    The numbers of responders are the nearest whole numbers :math:`r = \mathrm{round}(p n / 100)`;
    their difference of proportions :math:`\hat d = r_E / n_E - r_C / n_C` has the Wald interval
    :math:`\hat d \pm z_{1-\alpha/2} \sqrt{\hat p_E (1-\hat p_E)/n_E + \hat p_C (1-\hat p_C)/n_C}`.
    The difference of the printed rates can differ from :math:`\hat d` by the rounding of each rate.

    Returns
    -------
    pandas.Series
        ``responders_experimental``, ``responders_control`` (counts), ``difference_printed``,
        ``difference`` and ``lower``, ``upper`` (percentage points); counts stay integers.
    """
    n_e, n_c = int(n_experimental), int(n_control)
    if n_e <= 0 or n_c <= 0:
        raise ValueError(f"arm sizes must be positive, got {n_experimental!r} and {n_control!r}")
    for name, value in (("percent_experimental", percent_experimental), ("percent_control", percent_control)):
        if not 0 <= float(value) <= 100:
            raise ValueError(f"{name} must be a percentage in [0, 100], got {value!r}")
    r_e, r_c = round(float(percent_experimental) / 100 * n_e), round(float(percent_control) / 100 * n_c)
    p_e, p_c = r_e / n_e, r_c / n_c
    se = math.sqrt(p_e * (1 - p_e) / n_e + p_c * (1 - p_c) / n_c)
    z = effects.z_for_level(level)
    difference = p_e - p_c
    return pd.Series(
        {
            "responders_experimental": r_e,
            "responders_control": r_c,
            "difference_printed": float(percent_experimental) - float(percent_control),
            "difference": 100 * difference,
            "lower": 100 * (difference - z * se),
            "upper": 100 * (difference + z * se),
        },
        name="difference_of_printed_rates",
        dtype=object,
    )
