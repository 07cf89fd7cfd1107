"""Sensitivity of observational associations to unmeasured confounding: E-values.

The E-value (VanderWeele & Ding 2017) is the minimum strength of association, on the risk-ratio
scale, that an unmeasured confounder would need with both the exposure and the outcome,
conditional on the measured covariates, to fully explain away an observed association. It is
reported for the estimate and for the confidence limit closer to the null.

The formulas reproduce the R package EValue (``evalues.RR``, ``evalues.HR``) for a null true
effect; ``tests/r/evalue_reference.R`` restates them in plain R as a second-language check.

References
----------
VanderWeele TJ, Ding P. Sensitivity analysis in observational research: introducing the
E-value. Ann Intern Med 2017;167:268-74.
VanderWeele TJ. Optimal approximate conversions of odds ratios and hazard ratios to risk ratios.
Biometrics 2020;76:746-52.
Mathur MB, Ding P, Riddell CA, VanderWeele TJ. Web site and R package for computing E-values.
Epidemiology 2018;29:e45-7.
"""

from __future__ import annotations

import math

import pandas as pd

from helpers import _check

__all__ = ["evalue_point", "hr_to_rr", "evalue_rr", "evalue_hr"]


def evalue_point(rr: float) -> float:
    r"""E-value of one risk ratio (VanderWeele & Ding 2017, eq. 1 and Table 1).

    :math:`E = RR + \sqrt{RR\,(RR - 1)}` for :math:`RR \ge 1`; for :math:`RR < 1` the same
    formula is applied to :math:`1/RR`. :math:`E(1) = 1`.
    """
    rr = _check.positive(rr, "rr")
    if rr < 1:
        rr = 1 / rr
    return rr + math.sqrt(rr * (rr - 1))


def hr_to_rr(hr: float, rare_outcome: bool) -> float:
    r"""Approximate risk ratio of a hazard ratio (VanderWeele & Ding 2017, Table 2).

    With a rare outcome (< 15% by the end of follow-up) :math:`RR \approx HR`. Otherwise
    :math:`RR \approx (1 - 0.5^{\sqrt{HR}}) / (1 - 0.5^{\sqrt{1/HR}})` (VanderWeele 2020), the
    conversion of R ``EValue::evalues.HR(rare = FALSE)``. It maps 1 to 1 and :math:`1/HR` to
    :math:`1/RR`, and pulls every ratio towards 1.
    """
    hr = _check.positive(hr, "hr")
    if _check.flag(rare_outcome, "rare_outcome"):
        return hr
    return (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))


def _check_interval(
    estimate: float, lower, upper, names: tuple[str, str, str], what: str
) -> tuple[float, float] | None:
    if lower is None and upper is None:
        return None
    if lower is None or upper is None:
        raise ValueError(f"give both confidence limits of the {what} or neither (got lower={lower!r}, upper={upper!r})")
    _, lower, upper = _check.interval(estimate, lower, upper, names)
    return lower, upper


def evalue_rr(rr: float, lower: float | None = None, upper: float | None = None) -> pd.Series:
    r"""E-values of a risk ratio and of its confidence limit closer to 1 (VanderWeele & Ding 2017).

    For :math:`RR > 1` the limit closer to 1 is the lower one, for :math:`RR < 1` the upper one;
    its E-value is :math:`E` of that limit, or 1 if the interval includes 1.

    Returns
    -------
    pandas.Series
        ``rr``, ``rr_lower``, ``rr_upper``, ``e_value``, ``e_value_ci``, ``ci_limit``
        (``"lower"`` or ``"upper"``: which limit ``e_value_ci`` belongs to). Without a
        confidence interval the limits, ``e_value_ci`` and ``ci_limit`` are ``None``.
    """
    rr = _check.positive(rr, "rr")
    interval = _check_interval(rr, lower, upper, ("rr", "lower", "upper"), "risk ratio")
    result = {
        "rr": rr,
        "rr_lower": None,
        "rr_upper": None,
        "e_value": evalue_point(rr),
        "e_value_ci": None,
        "ci_limit": None,
    }
    if interval is not None:
        lo, hi = interval
        if rr >= 1:
            limit, e_ci = "lower", (1.0 if lo <= 1 else evalue_point(lo))
        else:
            limit, e_ci = "upper", (1.0 if hi >= 1 else evalue_point(hi))
        result.update(rr_lower=lo, rr_upper=hi, e_value_ci=e_ci, ci_limit=limit)
    return pd.Series(result, name="e_value", dtype=object)


def evalue_hr(
    hr: float, lower: float | None = None, upper: float | None = None, rare_outcome: bool = False
) -> pd.Series:
    r"""E-values of a hazard ratio and of its confidence limit closer to 1.

    The hazard ratio and its limits are converted to the risk-ratio scale with
    :func:`hr_to_rr` (:math:`RR \approx (1 - 0.5^{\sqrt{HR}}) / (1 - 0.5^{\sqrt{1/HR}})` for a
    common outcome, :math:`RR \approx HR` for a rare one), then :func:`evalue_rr` applies
    :math:`E = RR + \sqrt{RR(RR - 1)}` (after inverting a ratio below 1). The limit E-value is
    1 when the interval includes 1. This is R ``EValue::evalues.HR(est, lo, hi, rare)`` with
    ``true = 1`` (VanderWeele & Ding 2017; VanderWeele 2020).

    Parameters
    ----------
    hr, lower, upper
        The hazard ratio and, optionally, both of its confidence limits.
    rare_outcome
        ``True`` when the outcome is rare (< 15% by the end of follow-up). Progression and
        death in metastatic breast cancer are common, hence the default ``False``.

    Returns
    -------
    pandas.Series
        ``hr``, ``hr_lower``, ``hr_upper``, ``rare_outcome``, ``rr``, ``rr_lower``,
        ``rr_upper``, ``e_value``, ``e_value_ci``, ``ci_limit``. Without a confidence
        interval the limits, ``e_value_ci`` and ``ci_limit`` are ``None``.
    """
    hr = _check.positive(hr, "hr")
    rare_outcome = _check.flag(rare_outcome, "rare_outcome")
    interval = _check_interval(hr, lower, upper, ("hr", "lower", "upper"), "hazard ratio")
    if interval is None:
        on_rr = evalue_rr(hr_to_rr(hr, rare_outcome))
        hr_lower = hr_upper = None
    else:
        hr_lower, hr_upper = interval
        on_rr = evalue_rr(
            hr_to_rr(hr, rare_outcome), hr_to_rr(hr_lower, rare_outcome), hr_to_rr(hr_upper, rare_outcome)
        )
    head = pd.Series(
        {"hr": hr, "hr_lower": hr_lower, "hr_upper": hr_upper, "rare_outcome": bool(rare_outcome)}, dtype=object
    )
    return pd.concat([head, on_rr]).rename("e_value")
