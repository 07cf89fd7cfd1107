"""Inverse-variance meta-analysis of log hazard ratios, as a tidy result.

One function, :func:`pool`, combines per-study log hazard ratios and their standard errors
with a common-effect (``"FE"``) or a random-effects model whose between-study variance
:math:`\\tau^2` is estimated by DerSimonian–Laird (``"DL"``), Paule–Mandel (``"PM"``) or
restricted maximum likelihood (``"REML"``), optionally with the Hartung–Knapp(–Sidik–Jonkman)
confidence interval. The numbers match R ``metafor::rma()`` (cross-checked in
``tests/test_meta.py``).

Notation: study :math:`i = 1, \\dots, k` has estimate :math:`y_i` (a log hazard ratio) with
sampling variance :math:`v_i = SE_i^2`. Given :math:`\\tau^2`, the weights are
:math:`w_i = 1 / (v_i + \\tau^2)` and the pooled estimate is
:math:`\\hat\\mu = \\sum w_i y_i / \\sum w_i` with :math:`SE(\\hat\\mu) = (\\sum w_i)^{-1/2}`.

References
----------
DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986;7:177-88.
Paule RC, Mandel J. Consensus values and weighting factors. J Res Natl Bur Stand 1982;87:377-85.
Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the random-effects
model. J Educ Behav Stat 2005;30:261-93.
Hartung J, Knapp G. A refined method for the meta-analysis of controlled clinical trials with
binary outcome. Stat Med 2001;20:3875-89.
Sidik K, Jonkman JN. A simple confidence interval for meta-analysis. Stat Med 2002;21:3153-9.
Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis. Stat Med 2002;21:1539-58.
Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects meta-analysis.
JRSS A 2009;172:137-59.
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw 2010;36(3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects

from helpers import _check

__all__ = ["METHODS", "PooledEffect", "pool"]

#: The estimators of the between-study variance that :func:`pool` offers.
METHODS = {
    "FE": "common (fixed) effect, tau² = 0",
    "DL": "DerSimonian–Laird (1986) method of moments",
    "PM": "Paule–Mandel (1982) generalised Q",
    "REML": "restricted maximum likelihood (Viechtbauer 2005)",
}

# Convergence of the iterative tau² estimators (PM, REML): far tighter than the 1e-8 at which
# results are compared with metafor.
_PM_XTOL = 1e-15
_REML_XTOL = 1e-15
_MAX_ITER = 1000


@dataclass(frozen=True, eq=False)
class PooledEffect:
    r"""The result of :func:`pool`. Log-scale fields are log hazard ratios.

    Attributes
    ----------
    method, hartung_knapp, level, k
        How the pool was made and from how many studies.
    estimate, se, lower, upper
        Pooled log hazard ratio, its standard error and confidence limits at ``level``.
    test, df_test, statistic, p
        ``"z"`` (normal, ``df_test = inf``) or ``"t"`` (Hartung–Knapp, ``df_test = k − 1``):
        the reference distribution of ``statistic = estimate / se`` and the two-sided p-value.
    tau2
        Between-study variance :math:`\hat\tau^2` (0 for ``"FE"``).
    i2
        :math:`I^2 = 100\,\hat\tau^2 / (\hat\tau^2 + \tilde v)` in percent, with the typical
        within-study variance :math:`\tilde v = (k-1)\sum w_i / ((\sum w_i)^2 - \sum w_i^2)`,
        :math:`w_i = 1/v_i` (Higgins & Thompson 2002, eq. 9; what metafor reports). For ``"FE"``,
        and whenever :math:`\tau^2` is the DerSimonian–Laird estimate, it equals ``i2_q``.
    i2_q
        :math:`I^2 = 100 \max(0, (Q - (k-1)) / Q)` (Higgins & Thompson 2002, eq. 10), the value
        RevMan and most papers print, whatever the :math:`\tau^2` estimator.
    q, q_df, q_p
        Cochran's :math:`Q = \sum (y_i - \hat\mu_{FE})^2 / v_i`, its degrees of freedom
        :math:`k - 1` and the p-value of the :math:`\chi^2_{k-1}` test of homogeneity.
    pi_lower, pi_upper, pi_df
        Prediction interval for the log hazard ratio of a new study (Higgins, Thompson &
        Spiegelhalter 2009): :math:`\hat\mu \pm t_{k-2,\,1-\alpha/2}\sqrt{\hat\tau^2 + SE^2}`,
        where SE is ``se`` above (the Hartung–Knapp SE when ``hartung_knapp``). ``None`` when
        it is not defined, and ``pi_note`` then says why: a common-effect model has no
        between-study distribution to predict from, and with :math:`k < 3` the t distribution
        has no degrees of freedom left.
    pi_note
        ``""`` when the prediction interval is defined, otherwise the reason it is not.
    studies
        One row per study (index ``study``): ``log_hr``, ``se``, ``hr``, ``hr_lower``,
        ``hr_upper`` (Wald limits at ``level``) and ``weight_percent``, the study's share
        :math:`100\,w_i / \sum w_j` of the weights of this model. Ready for
        :func:`helpers.plotting.forest_plot`.

    The hazard-ratio scale is available as the properties ``hr``, ``hr_lower``, ``hr_upper``,
    ``hr_pi_lower`` and ``hr_pi_upper``; :meth:`to_series` collects every scalar.
    """

    method: str
    hartung_knapp: bool
    level: float
    k: int
    estimate: float
    se: float
    lower: float
    upper: float
    test: str
    df_test: float
    statistic: float
    p: float
    tau2: float
    i2: float
    i2_q: float
    q: float
    q_df: int
    q_p: float
    pi_lower: float | None
    pi_upper: float | None
    pi_df: int | None
    pi_note: str
    studies: pd.DataFrame

    @property
    def label(self) -> str:
        """Short name of the model, e.g. ``"REML"`` or ``"REML, Hartung–Knapp"``."""
        return f"{self.method}, Hartung–Knapp" if self.hartung_knapp else self.method

    @property
    def tau(self) -> float:
        """Between-study standard deviation :math:`\\hat\\tau` (log-HR scale)."""
        return math.sqrt(self.tau2)

    @property
    def hr(self) -> float:
        """Pooled hazard ratio :math:`e^{\\hat\\mu}`."""
        return math.exp(self.estimate)

    @property
    def hr_lower(self) -> float:
        return math.exp(self.lower)

    @property
    def hr_upper(self) -> float:
        return math.exp(self.upper)

    @property
    def hr_pi_lower(self) -> float | None:
        return None if self.pi_lower is None else math.exp(self.pi_lower)

    @property
    def hr_pi_upper(self) -> float | None:
        return None if self.pi_upper is None else math.exp(self.pi_upper)

    @property
    def weights(self) -> pd.Series:
        """Per-study weights in percent (they sum to 100)."""
        return self.studies["weight_percent"]

    def to_series(self) -> pd.Series:
        """Every scalar of the result, log and HR scale, as one pandas Series named :attr:`label`.

        Undefined prediction limits are ``None`` (with the reason in ``pi_note``), never NaN.
        """
        return pd.Series(
            {
                "method": self.method,
                "hartung_knapp": self.hartung_knapp,
                "level": self.level,
                "k": self.k,
                "estimate": self.estimate,
                "se": self.se,
                "lower": self.lower,
                "upper": self.upper,
                "hr": self.hr,
                "hr_lower": self.hr_lower,
                "hr_upper": self.hr_upper,
                "test": self.test,
                "df_test": self.df_test,
                "statistic": self.statistic,
                "p": self.p,
                "tau2": self.tau2,
                "tau": self.tau,
                "i2": self.i2,
                "i2_q": self.i2_q,
                "q": self.q,
                "q_df": self.q_df,
                "q_p": self.q_p,
                "pi_lower": self.pi_lower,
                "pi_upper": self.pi_upper,
                "hr_pi_lower": self.hr_pi_lower,
                "hr_pi_upper": self.hr_pi_upper,
                "pi_df": self.pi_df,
                "pi_note": self.pi_note,
            },
            name=self.label,
            dtype=object,
        )


def _check_inputs(log_hr, se, labels, level) -> tuple[np.ndarray, np.ndarray, list[str]]:
    y = np.asarray(log_hr, dtype=float)
    s = np.asarray(se, dtype=float)
    if y.ndim != 1 or s.ndim != 1 or y.size != s.size:
        raise ValueError(
            f"log_hr and se must be one-dimensional and of equal length (got shapes {y.shape} and {s.shape})"
        )
    if y.size < 2:
        raise ValueError(f"pooling needs at least 2 studies, got {y.size}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"log_hr must be finite, got {y.tolist()}")
    if not np.all(np.isfinite(s) & (s > 0)):
        raise ValueError(f"se must be positive and finite, got {s.tolist()}")
    _check.level(level)
    if labels is None:
        names = [str(i) for i in range(1, y.size + 1)]
    else:
        names = [str(label) for label in labels]
        if len(names) != y.size:
            raise ValueError(f"{len(names)} labels for {y.size} studies")
        if len(set(names)) != len(names):
            raise ValueError(f"labels must be unique, got {names}")
    return y, s**2, names


def _inverse_variance(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, float, np.ndarray]:
    """Pooled estimate, its variance and the weights :math:`1/(v_i + \\tau^2)`."""
    w = 1.0 / (v + tau2)
    return float(np.sum(w * y) / np.sum(w)), float(1.0 / np.sum(w)), w


def _statsmodels_dl(y: np.ndarray, v: np.ndarray):
    """statsmodels' ``combine_effects`` with the DerSimonian–Laird estimator."""
    # statsmodels also computes I² = 1 - (k-1)/Q, which divides by zero (or overflows, when Q is
    # tiny but not zero) when the studies' estimates (nearly) coincide; that value is not used here.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return combine_effects(y, v, method_re="dl")


def _tau2_pm(y: np.ndarray, v: np.ndarray, q: float) -> float:
    r"""Paule–Mandel :math:`\tau^2`: the root of the generalised Q statistic.

    :math:`\hat\tau^2` solves :math:`Q(\tau^2) = \sum w_i (y_i - \hat\mu)^2 = k - 1`, with
    :math:`w_i = 1/(v_i + \tau^2)`; it is 0 when :math:`Q(0) = Q \le k - 1`. :math:`Q(\tau^2)`
    decreases in :math:`\tau^2` and, since :math:`w_i \le 1/\tau^2`, is at most
    :math:`\sum (y_i - \bar y)^2 / \tau^2`, so the root lies in
    :math:`[0, \sum (y_i - \bar y)^2 / (k - 1)]`; it is found there with Brent's method, as
    metafor does with ``uniroot``.

    statsmodels' ``combine_effects(method_re="pm")`` is not used for this: its Newton
    iteration resets :math:`\tau^2` to 0 whenever rounding makes the estimating equation
    slightly negative, which happens at tolerances tighter than its default ``atol=1e-5``
    (for :math:`y = (1, -1.5)`, :math:`v = (1, 1)` it returns 0 instead of 2.125 with
    ``atol=1e-12``). The tests compare both at statsmodels' default tolerance.
    """
    k = y.size
    if q <= k - 1:
        return 0.0

    def estimating_equation(tau2: float) -> float:
        mu, _, w = _inverse_variance(y, v, tau2)
        return float(np.sum(w * (y - mu) ** 2)) - (k - 1)

    upper = float(np.sum((y - y.mean()) ** 2)) / (k - 1)
    if estimating_equation(upper) >= 0:  # the bound is attained only at the root itself
        return upper
    return float(
        optimize.brentq(estimating_equation, 0.0, upper, xtol=_PM_XTOL, rtol=4 * np.finfo(float).eps, maxiter=_MAX_ITER)
    )


def _restricted_loglik(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    mu, var_mu, w = _inverse_variance(y, v, tau2)
    return float(-0.5 * np.sum(np.log(v + tau2)) + 0.5 * math.log(var_mu) - 0.5 * np.sum(w * (y - mu) ** 2))


def _reml_score(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, float]:
    r"""Twice the REML score, :math:`y^\top P P y - \operatorname{tr} P`, and the information
    :math:`\operatorname{tr}(P P)` (see :func:`_tau2_reml`)."""
    mu, _, w = _inverse_variance(y, v, tau2)
    sw, sw2, sw3 = w.sum(), np.sum(w**2), np.sum(w**3)
    trace_p = sw - sw2 / sw
    trace_pp = sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2
    return float(np.sum(w**2 * (y - mu) ** 2) - trace_p), float(trace_pp)


def _tau2_reml(y: np.ndarray, v: np.ndarray) -> float:
    r"""REML :math:`\tau^2` by Fisher scoring (Viechtbauer 2005, as in metafor).

    With :math:`P = W - w w^\top / \sum w_i`, the score equation is
    :math:`y^\top P P y = \operatorname{tr} P` with :math:`y^\top P P y = \sum w_i^2 (y_i -
    \hat\mu)^2`, and the Fisher scoring update is

    .. math:: \tau^2 \leftarrow \tau^2 + \frac{y^\top P P y - \operatorname{tr} P}
              {\operatorname{tr}(P P)},

    started at the Hedges (HE) estimate truncated at 0 and halved while it would step below 0,
    as metafor's ``rma(method = "REML")`` does. As soon as two successive iterates have scores
    of opposite sign they bracket the root, which Brent's method then locates to machine
    precision. The bracket also rescues data on which plain Fisher scoring cycles: for
    :math:`y = (0, 0, 0, 0, 1)`, :math:`SE = (1, 1, 1, 1, 0.25)` metafor stops with "Fisher
    scoring algorithm did not converge" (with ``stepadj = 0.5`` it finds the
    :math:`\hat\tau^2 = 0.14359876\ldots` found here). If the restricted likelihood is higher
    at :math:`\tau^2 = 0` than at the root, the estimate is 0 (the maximum on
    :math:`[0, \infty)`).
    """
    k = y.size
    tau2 = max(0.0, (float(np.sum((y - y.mean()) ** 2)) - (1 - 1 / k) * float(v.sum())) / (k - 1))
    score, information = _reml_score(y, v, tau2)
    for _ in range(_MAX_ITER):
        step = score / information
        if tau2 == 0.0 and step <= 0.0:
            return 0.0
        while tau2 + step < 0.0:
            step /= 2
        new_tau2 = tau2 + step
        new_score, information = _reml_score(y, v, new_tau2)
        if score * new_score < 0:
            tau2 = float(
                optimize.brentq(
                    lambda t: _reml_score(y, v, t)[0],
                    min(tau2, new_tau2),
                    max(tau2, new_tau2),
                    xtol=_REML_XTOL,
                    rtol=4 * np.finfo(float).eps,
                    maxiter=_MAX_ITER,
                )
            )
            break
        tau2, score = new_tau2, new_score
        if abs(step) <= _REML_XTOL * (1.0 + tau2):
            break
    else:
        raise RuntimeError(f"REML Fisher scoring did not converge in {_MAX_ITER} iterations (last tau² = {tau2!r})")
    if tau2 > 0 and _restricted_loglik(y, v, 0.0) > _restricted_loglik(y, v, tau2):
        return 0.0
    return tau2


def pool(
    log_hr: Sequence[float],
    se: Sequence[float],
    method: str = "REML",
    hartung_knapp: bool = False,
    level: float = 0.95,
    labels: Sequence | None = None,
) -> PooledEffect:
    r"""Pool log hazard ratios by inverse-variance weighting.

    Parameters
    ----------
    log_hr, se
        Per-study log hazard ratios :math:`y_i` and their standard errors (:math:`k \ge 2`).
    method
        Estimator of the between-study variance :math:`\tau^2` (see :data:`METHODS`):

        - ``"FE"``: common effect, :math:`\tau^2 = 0`.
        - ``"DL"`` (DerSimonian & Laird 1986):
          :math:`\hat\tau^2 = \max\{0, (Q - (k-1)) / (\sum w_i - \sum w_i^2 / \sum w_i)\}`,
          :math:`w_i = 1/v_i`.
        - ``"PM"`` (Paule & Mandel 1982): the root of
          :math:`\sum (y_i - \hat\mu)^2 / (v_i + \tau^2) = k - 1`, 0 if there is none.
        - ``"REML"`` (Viechtbauer 2005): maximises the restricted likelihood
          :math:`-\tfrac12 \sum \log(v_i + \tau^2) - \tfrac12 \log \sum w_i
          - \tfrac12 \sum w_i (y_i - \hat\mu)^2` over :math:`\tau^2 \ge 0` (Fisher scoring,
          finished by a bracketing root solve; see :func:`_tau2_reml`).

        The DL estimate of :math:`\tau^2` and the common-effect estimate come from
        statsmodels' ``combine_effects``; PM (see :func:`_tau2_pm` for why), REML and the
        Hartung–Knapp interval are computed here.
    hartung_knapp
        Use the Hartung–Knapp(–Sidik–Jonkman) interval (Hartung & Knapp 2001; Sidik & Jonkman
        2002): :math:`SE_{HK}^2 = q / \sum w_i` with
        :math:`q = \sum w_i (y_i - \hat\mu)^2 / (k - 1)`, not truncated at 1, and t quantiles
        with :math:`k - 1` degrees of freedom (metafor ``test = "knha"``). With ``"FE"`` this
        is the unrestricted weighted least squares interval (metafor warns that Hartung–Knapp
        is meant for random-effects models).
    level
        Confidence level of the confidence and prediction intervals.
    labels
        Study names (unique); ``"1"`` to ``"k"`` when omitted.

    Returns
    -------
    PooledEffect
        A frozen dataclass: pooled estimate and CI on both scales, :math:`\tau^2`, :math:`I^2`,
        Cochran's Q with its df and p, the prediction interval and the per-study weights in
        percent; ``.to_series()`` gives the scalars as one pandas Series.

    Raises
    ------
    ValueError
        For fewer than 2 studies, non-finite estimates, non-positive standard errors, an
        unknown method, or a Hartung–Knapp multiplier of 0 (all studies estimate exactly the
        pooled value, so the t interval would have zero width).
    RuntimeError
        If an iterative :math:`\tau^2` estimator fails to converge.
    """
    key = str(method).upper()
    if key not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {list(METHODS)}")
    hartung_knapp = _check.flag(hartung_knapp, "hartung_knapp")
    y, v, names = _check_inputs(log_hr, se, labels, level)
    level = float(level)
    k = y.size

    common = _statsmodels_dl(y, v)
    mu_fe = float(common.mean_effect_fe)
    w_fe = 1.0 / v
    # Cochran's Q as a sum of squares: statsmodels' expanded form can round below 0.
    q = float(np.sum(w_fe * (y - mu_fe) ** 2))
    if key == "FE":
        tau2 = 0.0
    elif key == "DL":
        tau2 = max(0.0, float(common.tau2))
    elif key == "PM":
        tau2 = _tau2_pm(y, v, q)
    else:
        tau2 = _tau2_reml(y, v)

    if key == "FE":
        mu, var_mu, w = mu_fe, float(common.var_eff_w_fe), w_fe
    else:
        mu, var_mu, w = _inverse_variance(y, v, tau2)

    alpha = 1 - level
    if hartung_knapp:
        scale = float(np.sum(w * (y - mu) ** 2)) / (k - 1)
        if scale <= np.finfo(float).eps / (k - 1):
            raise ValueError(
                "the Hartung–Knapp variance multiplier is 0: every study estimate "
                "equals the pooled estimate, so the t interval has zero width"
            )
        se_mu = math.sqrt(scale * var_mu)
        test, df_test = "t", float(k - 1)
        crit = float(stats.t.isf(alpha / 2, df_test))
        p = float(2 * stats.t.sf(abs(mu / se_mu), df_test))
    else:
        se_mu = math.sqrt(var_mu)
        test, df_test = "z", math.inf
        crit = float(stats.norm.isf(alpha / 2))
        p = float(2 * stats.norm.sf(abs(mu / se_mu)))

    typical_v = (k - 1) * w_fe.sum() / (w_fe.sum() ** 2 - np.sum(w_fe**2))
    i2_q = 100.0 * (q - (k - 1)) / q if q > k - 1 else 0.0
    i2 = i2_q if key == "FE" else 100.0 * tau2 / (typical_v + tau2)

    if key == "FE":
        pi_lower = pi_upper = pi_df = None
        pi_note = "no prediction interval for a common-effect (FE) model: tau² is 0 by assumption"
    elif k < 3:
        pi_lower = pi_upper = pi_df = None
        pi_note = f"prediction interval needs k >= 3 studies (t with k - 2 df); k = {k}"
    else:
        pi_df = k - 2
        half = float(stats.t.isf(alpha / 2, pi_df)) * math.sqrt(tau2 + se_mu**2)
        pi_lower, pi_upper, pi_note = mu - half, mu + half, ""

    z_study = float(stats.norm.isf(alpha / 2))
    sd = np.sqrt(v)
    studies = pd.DataFrame(
        {
            "log_hr": y,
            "se": sd,
            "hr": np.exp(y),
            "hr_lower": np.exp(y - z_study * sd),
            "hr_upper": np.exp(y + z_study * sd),
            "weight_percent": 100.0 * w / w.sum(),
        },
        index=pd.Index(names, name="study"),
    )

    return PooledEffect(
        method=key,
        hartung_knapp=bool(hartung_knapp),
        level=float(level),
        k=int(k),
        estimate=mu,
        se=se_mu,
        lower=mu - crit * se_mu,
        upper=mu + crit * se_mu,
        test=test,
        df_test=df_test,
        statistic=mu / se_mu,
        p=p,
        tau2=tau2,
        i2=float(i2),
        i2_q=float(i2_q),
        q=q,
        q_df=k - 1,
        q_p=float(stats.chi2.sf(q, k - 1)),
        pi_lower=pi_lower,
        pi_upper=pi_upper,
        pi_df=pi_df,
        pi_note=pi_note,
        studies=studies,
    )
