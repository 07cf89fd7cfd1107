r"""Does a subgroup change the effect? Within-trial interactions pooled across trials.

A trial that reports the hazard ratio of the same comparison in two complementary subgroups
(patients with liver metastases and those without, or with visceral disease and without) lets
us ask, *within that trial*, whether the relative effect differs between them. The answer is
the **ratio of hazard ratios** (Altman & Bland 2003):

.. math::

    d_i = \ln \mathrm{HR}_{a,i} - \ln \mathrm{HR}_{b,i}, \qquad
    SE(d_i) = \sqrt{SE_{a,i}^2 + SE_{b,i}^2}, \qquad
    SE_{g,i} = \frac{\ln U_{g,i} - \ln L_{g,i}}{2\, z_{(1+\text{level})/2}},

computed for each trial :math:`i` by :func:`helpers.effects.interaction_test` (the two
subgroups are disjoint, so their estimates are independent). The :math:`d_i` are then pooled
across trials like any other log ratio (:func:`helpers.meta.pool`): by restricted maximum
likelihood with the Hartung–Knapp interval, and by a common-effect model. Because every
:math:`d_i` compares patients *of the same trial*, differences between trials (drug, dose,
comparator, line of therapy, era, follow-up) cancel out. This is the within-trial ("deft")
approach of Fisher et al. (2017).

The **naive across-trial** comparison instead pools the subgroup-a hazard ratios, pools the
subgroup-b hazard ratios, and compares the two pooled values (the "test for subgroup
differences" of a conventional subgroup meta-analysis):

.. math::

    \hat d_{\text{naive}} = \hat\mu_a - \hat\mu_b, \qquad
    z = \hat d_{\text{naive}} / \sqrt{SE(\hat\mu_a)^2 + SE(\hat\mu_b)^2},

referred to the standard normal (equivalently :math:`Q_{\text{between}} = z^2` on one degree
of freedom; Cochrane Handbook, section 10.11.3.1). With the same trials in both subgroups and a
common-effect model the two approaches differ only through the weights; with random effects,
or when some trials report only one subgroup, the naive comparison mixes between-trial
differences into the subgroup contrast ("daft", Fisher et al. 2017).

Both estimates are exploratory: subgroups are rarely powered, seldom prespecified for an
interaction, and a visceral subgroup is not a liver subgroup.

References
----------
Altman DG, Bland JM. Interaction revisited: the difference between two estimates. BMJ
2003;326:219.
Fisher DJ, Carpenter JR, Morris TP, Freeman SC, Tierney JF. Meta-analytical methods to
identify who benefits most from treatments: daft, deluded, or deft approach? BMJ
2017;356:j573.
Godolphin PJ, White IR, Tierney JF, Fisher DJ. Estimating interactions and subgroup-specific
treatment effects in meta-analysis without aggregation bias: a within-trial framework. Res
Synth Methods 2023;14:68-78.
Higgins JPT, Thomas J, Chandler J, et al. (eds). Cochrane Handbook for Systematic Reviews of
Interventions, version 6.4, 2023, section 10.11.3.1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from helpers import _check, effects, meta

__all__ = ["PAIR_COLUMNS", "per_trial_ratios", "pooled_ratio", "naive_comparison", "compare_approaches"]

#: The columns :func:`per_trial_ratios` needs: a label per pair and each subgroup's hazard
#: ratio with its confidence limits. ``level_a``/``level_b`` (fractions) and ``study`` are
#: optional.
PAIR_COLUMNS = ["pair", "hr_a", "lower_a", "upper_a", "hr_b", "lower_b", "upper_b"]

#: The columns of :func:`compare_approaches`, in order.
COMPARISON_COLUMNS = [
    "approach",
    "model",
    "k",
    "ratio_of_hrs",
    "lower",
    "upper",
    "log_ratio",
    "se",
    "test",
    "df_test",
    "statistic",
    "p",
]


def _levels(pairs: pd.DataFrame, level: float) -> np.ndarray:
    """The confidence level of each pair: its ``level_a``/``level_b`` (equal), else ``level``."""
    if ("level_a" in pairs.columns) != ("level_b" in pairs.columns):
        raise KeyError("pairs must have both level_a and level_b columns, or neither")
    if "level_a" not in pairs.columns:
        return np.full(len(pairs), level)
    out = []
    for label, level_a, level_b in zip(pairs["pair"], pairs["level_a"], pairs["level_b"]):
        level_a = _check.level(level_a, f"level_a of pair {label!r}")
        level_b = _check.level(level_b, f"level_b of pair {label!r}")
        if level_a != level_b:
            raise ValueError(
                f"pair {label!r}: level_a {level_a!r} and level_b {level_b!r} differ; the two subgroup "
                "intervals of one trial must have the same confidence level (an extraction error?)"
            )
        out.append(level_a)
    return np.array(out, dtype=float)


def per_trial_ratios(pairs: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    r"""The ratio of hazard ratios (subgroup a over subgroup b) within each trial.

    For each row, :func:`helpers.effects.interaction_test` gives
    :math:`\exp(d)` with :math:`d = \ln \mathrm{HR}_a - \ln \mathrm{HR}_b`, its interval
    :math:`\exp(d \pm z\,SE(d))`, :math:`z = d / SE(d)` and the two-sided normal p-value, where
    :math:`SE(d) = \sqrt{SE_a^2 + SE_b^2}` and each :math:`SE_g = (\ln U_g - \ln L_g) / (2
    z_{(1+\text{level})/2})` comes from its reported interval (Altman & Bland 2003).

    Parameters
    ----------
    pairs
        One row per trial and pair of complementary subgroups, with the columns
        :data:`PAIR_COLUMNS`: ``pair`` (unique label), ``hr_a``, ``lower_a``, ``upper_a`` (the
        subgroup of interest, e.g. with liver metastases) and ``hr_b``, ``lower_b``,
        ``upper_b`` (its complement, the reference of the ratio). Optional: ``level_a`` and
        ``level_b``, the confidence levels of the two reported intervals as fractions (they
        must be equal within a row), and ``study``, carried through.
    level
        Confidence level of the reported intervals when ``level_a``/``level_b`` are absent; the
        returned intervals have the level of their row.

    Returns
    -------
    pandas.DataFrame
        One row per pair, in input order: ``pair`` (and ``study`` if given), ``log_hr_a``,
        ``se_a``, ``log_hr_b``, ``se_b``, ``log_ratio`` (:math:`d`), ``se`` (:math:`SE(d)`),
        ``ratio_of_hrs``, ``lower``, ``upper``, ``z``, ``p`` and ``level``.

    Raises
    ------
    KeyError, TypeError
        For a missing column or a frame that is not a DataFrame.
    ValueError
        Naming the pair and the value: an empty frame, a duplicate pair label, a hazard ratio
        outside its interval, a non-positive limit, an interval of zero width, or two levels
        that differ within a pair.
    """
    _check.columns(pairs, PAIR_COLUMNS, "pairs")
    if pairs.empty:
        raise ValueError("pairs is empty: give at least one trial with both subgroups")
    labels = pairs["pair"].astype(str)
    if labels.duplicated().any():
        raise ValueError(f"pair labels must be unique, got {labels[labels.duplicated()].tolist()} more than once")
    _check.level(level)
    levels = _levels(pairs, level)
    rows = []
    for (_, row), label, row_level in zip(pairs.iterrows(), labels, levels):
        values = [row[c] for c in PAIR_COLUMNS[1:]]
        try:
            test = effects.interaction_test(*values, level=row_level)
            se_a = effects.se_from_ci(row["lower_a"], row["upper_a"], row_level)
            se_b = effects.se_from_ci(row["lower_b"], row["upper_b"], row_level)
        except (TypeError, ValueError) as error:
            raise type(error)(f"pair {label!r}: {error}") from None
        out = {"pair": label}
        if "study" in pairs.columns:
            out["study"] = row["study"]
        out.update(
            {
                "log_hr_a": math.log(row["hr_a"]),
                "se_a": se_a,
                "log_hr_b": math.log(row["hr_b"]),
                "se_b": se_b,
                "log_ratio": math.log(row["hr_a"]) - math.log(row["hr_b"]),
                "se": math.hypot(se_a, se_b),
                "ratio_of_hrs": test["ratio_of_hrs"],
                "lower": test["lower"],
                "upper": test["upper"],
                "z": test["z"],
                "p": test["p"],
                "level": float(row_level),
            }
        )
        rows.append(out)
    return pd.DataFrame(rows)


def _one_per_trial(ratios: pd.DataFrame) -> None:
    if "study" in ratios.columns and ratios["study"].duplicated().any():
        twice = ratios.loc[ratios["study"].duplicated(), "study"].tolist()
        raise ValueError(
            f"study {twice[0]!r} contributes more than one pair; pool one pair per trial "
            "(the same patients counted twice would look like two independent trials)"
        )


def _at_least_two(k: int) -> None:
    if k < 2:
        raise ValueError(
            f"pooling needs at least 2 trials reporting both subgroups, got {k}; "
            "report the single trial's ratio of hazard ratios (per_trial_ratios) instead"
        )


def pooled_ratio(
    ratios: pd.DataFrame, method: str = "REML", hartung_knapp: bool = True, level: float = 0.95
) -> meta.PooledEffect:
    r"""Pool the within-trial log ratios of hazard ratios across trials.

    :func:`helpers.meta.pool` applied to :math:`d_i` with standard errors :math:`SE(d_i)` (the
    ``log_ratio`` and ``se`` columns of :func:`per_trial_ratios`), labelled by ``pair``. With
    ``method="REML", hartung_knapp=True`` (the default): :math:`\hat\tau^2` by REML, weights
    :math:`w_i = 1/(SE(d_i)^2 + \hat\tau^2)`, :math:`\hat\mu = \sum w_i d_i / \sum w_i` and
    the Hartung–Knapp standard error with a t reference on :math:`k - 1` degrees of freedom;
    ``method="FE"`` gives the common-effect pool. The pooled ratio of hazard ratios is
    :math:`e^{\hat\mu}` (the ``hr`` property of the result); its p-value tests "no
    interaction", :math:`\mu = 0` (Fisher et al. 2017).

    Parameters
    ----------
    ratios
        The result of :func:`per_trial_ratios` (one pair per trial: a ``study`` column, if
        present, must not repeat).
    method, hartung_knapp, level
        As in :func:`helpers.meta.pool`.

    Returns
    -------
    helpers.meta.PooledEffect

    Raises
    ------
    ValueError
        With fewer than 2 trials (no pooling is possible: report the trial's own ratio), or
        when a trial contributes two pairs; and the errors of :func:`helpers.meta.pool`.
    """
    _check.columns(ratios, ["pair", "log_ratio", "se"], "ratios")
    _at_least_two(len(ratios))
    _one_per_trial(ratios)
    return meta.pool(
        ratios["log_ratio"],
        ratios["se"],
        method=method,
        hartung_knapp=hartung_knapp,
        level=level,
        labels=ratios["pair"],
    )


def naive_comparison(
    ratios: pd.DataFrame, method: str = "REML", hartung_knapp: bool = True, level: float = 0.95
) -> pd.Series:
    r"""The naive across-trial comparison: pool each subgroup separately, then compare.

    :math:`\hat\mu_a` pools :math:`\ln \mathrm{HR}_{a,i}` and :math:`\hat\mu_b` pools
    :math:`\ln \mathrm{HR}_{b,i}` (each by :func:`helpers.meta.pool` with the given model,
    including its own :math:`\hat\tau^2`). Their difference
    :math:`\hat d = \hat\mu_a - \hat\mu_b` has
    :math:`SE(\hat d) = \sqrt{SE(\hat\mu_a)^2 + SE(\hat\mu_b)^2}`, treating the two pools as
    independent, and is tested with :math:`z = \hat d / SE(\hat d)` against the standard normal
    (the test for subgroup differences, :math:`Q_{\text{between}} = z^2` on 1 df; Cochrane
    Handbook 10.11.3.1), whatever the model of the two pools; the interval is
    :math:`\exp(\hat d \pm z_{(1+\text{level})/2} SE(\hat d))`.

    It is shown beside :func:`pooled_ratio` to teach why it should not be used: it compares
    patients *across* trials, so whatever else differs between trials can masquerade as a
    subgroup effect (Fisher et al. 2017).

    Parameters
    ----------
    ratios
        The result of :func:`per_trial_ratios` (columns ``log_hr_a``, ``se_a``, ``log_hr_b``,
        ``se_b``).
    method, hartung_knapp, level
        As in :func:`helpers.meta.pool`, for both subgroup pools.

    Returns
    -------
    pandas.Series
        ``hr_a``, ``hr_a_lower``, ``hr_a_upper``, ``hr_b``, ``hr_b_lower``, ``hr_b_upper``
        (the two pooled subgroup hazard ratios), ``tau2_a``, ``tau2_b``, ``log_ratio``,
        ``se``, ``ratio_of_hrs``, ``lower``, ``upper``, ``statistic`` and ``p``.
    """
    _check.columns(ratios, ["pair", "log_hr_a", "se_a", "log_hr_b", "se_b"], "ratios")
    _at_least_two(len(ratios))
    _one_per_trial(ratios)
    options = {"method": method, "hartung_knapp": hartung_knapp, "level": level, "labels": ratios["pair"]}
    pool_a = meta.pool(ratios["log_hr_a"], ratios["se_a"], **options)
    pool_b = meta.pool(ratios["log_hr_b"], ratios["se_b"], **options)
    d = pool_a.estimate - pool_b.estimate
    se = math.hypot(pool_a.se, pool_b.se)
    z = float(stats.norm.isf((1 - level) / 2))
    return pd.Series(
        {
            "hr_a": pool_a.hr,
            "hr_a_lower": pool_a.hr_lower,
            "hr_a_upper": pool_a.hr_upper,
            "hr_b": pool_b.hr,
            "hr_b_lower": pool_b.hr_lower,
            "hr_b_upper": pool_b.hr_upper,
            "tau2_a": pool_a.tau2,
            "tau2_b": pool_b.tau2,
            "log_ratio": d,
            "se": se,
            "ratio_of_hrs": math.exp(d),
            "lower": math.exp(d - z * se),
            "upper": math.exp(d + z * se),
            "statistic": d / se,
            "p": float(2 * stats.norm.sf(abs(d) / se)),
        },
        name=pool_a.label,
    )


def compare_approaches(ratios: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    r"""The within-trial pooled ratio beside the naive comparison, for two models each.

    Rows, in order: within-trial by REML with Hartung–Knapp, within-trial common effect, naive
    by REML with Hartung–Knapp, naive common effect (:func:`pooled_ratio`,
    :func:`naive_comparison`). Each row's p-value tests "the relative effect is the same in
    both subgroups" (ratio of hazard ratios = 1): a t test on :math:`k - 1` df for the
    Hartung–Knapp within-trial pool, a z test otherwise.

    Parameters
    ----------
    ratios
        The result of :func:`per_trial_ratios`, at least two trials, one pair each.
    level
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COMPARISON_COLUMNS`: ``approach`` (``"within-trial"`` or ``"naive
        across-trial"``), ``model`` (``"REML, Hartung–Knapp"`` or ``"FE"``), ``k``,
        ``ratio_of_hrs``, ``lower``, ``upper``, ``log_ratio``, ``se``, ``test`` (``"t"`` or
        ``"z"``), ``df_test`` (``inf`` for z), ``statistic`` and ``p``.
    """
    rows = []
    for method, hk in (("REML", True), ("FE", False)):
        within = pooled_ratio(ratios, method=method, hartung_knapp=hk, level=level)
        rows.append(
            {
                "approach": "within-trial",
                "model": within.label,
                "k": within.k,
                "ratio_of_hrs": within.hr,
                "lower": within.hr_lower,
                "upper": within.hr_upper,
                "log_ratio": within.estimate,
                "se": within.se,
                "test": within.test,
                "df_test": within.df_test,
                "statistic": within.statistic,
                "p": within.p,
            }
        )
    for method, hk in (("REML", True), ("FE", False)):
        naive = naive_comparison(ratios, method=method, hartung_knapp=hk, level=level)
        rows.append(
            {
                "approach": "naive across-trial",
                "model": naive.name,
                "k": len(ratios),
                "ratio_of_hrs": naive["ratio_of_hrs"],
                "lower": naive["lower"],
                "upper": naive["upper"],
                "log_ratio": naive["log_ratio"],
                "se": naive["se"],
                "test": "z",
                "df_test": math.inf,
                "statistic": naive["statistic"],
                "p": naive["p"],
            }
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
