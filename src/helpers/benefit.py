"""Clinical benefit from published summaries: absolute effects and the ESMO-MCBS grade.

Chapters often have only what a paper reports: two medians, a hazard ratio and its confidence
interval. This module turns those into absolute effects (median gain, survival gain at a landmark,
restricted mean survival time under an exponential model) and into the preliminary grade of the
ESMO Magnitude of Clinical Benefit Scale v1.1 for non-curative settings (forms 2a and 2b), as far
as its thresholds could be checked against a source.

Every absolute effect here rests on a stated model assumption (proportional hazards, exponential
survival); each docstring says which. None replaces recomputation from patient-level data.

References
----------
Cherny NI, Dafni U, Bogaerts J, et al. ESMO-Magnitude of Clinical Benefit Scale version 1.1.
Ann Oncol 2017;28:2340-66. doi:10.1093/annonc/mdx310.
Dafni U, Karlis D, Pedeli X, et al. Detailed statistical assessment of the characteristics of the
ESMO Magnitude of Clinical Benefit Scale (ESMO-MCBS) threshold rules. ESMO Open 2017;2:e000216.
doi:10.1136/esmoopen-2017-000216.
Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio.
BMC Med Res Methodol 2013;13:152.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from helpers import _check

__all__ = [
    "ESMO_MCBS_SOURCES",
    "ESMO_MCBS_NOT_FOUND",
    "median_gain",
    "landmark_survival_gain",
    "rmst_exponential",
    "rmst_difference_exponential",
    "landmark_risks_exponential",
    "esmo_mcbs_thresholds",
    "esmo_mcbs_form2a",
    "esmo_mcbs_sheet",
    "ESMO_MCBS_ADJUSTMENTS",
    "esmo_mcbs_adjustments",
    "esmo_mcbs_final",
    "median_gain_from_hr",
]


def _fixed(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals and a true minus sign, for the sentences in ``rule``.

    The same writing as :func:`helpers.formatting.format_number`, kept here because method
    modules do not import the presentation layer (``tests/test_layers.py``).
    """
    text = f"{value:.{digits}f}"
    if text.startswith("-"):
        text = "−" + text[1:] if float(text) != 0 else text[1:]
    return text


# --------------------------------------------------------------------------------------------
# Absolute effects
# --------------------------------------------------------------------------------------------


def median_gain(median_experimental: float, median_control: float) -> float:
    r"""Gain in median time-to-event, :math:`\Delta = m_E - m_C` (same unit as the medians).

    No model is assumed: this is the difference of the two reported Kaplan–Meier medians, the
    absolute benefit that ESMO-MCBS forms 2a and 2b grade. A median that was not reached cannot
    be used (pass a number, not ``inf``).
    """
    experimental = _check.positive(median_experimental, "median_experimental")
    control = _check.positive(median_control, "median_control")
    return experimental - control


def landmark_survival_gain(hr: float, survival_control_at_t: float) -> pd.Series:
    r"""Survival gain at a landmark time *t* implied by a hazard ratio.

    Assumes proportional hazards, :math:`h_E(t) = \mathrm{HR}\, h_C(t)` for all *t*. Then the
    cumulative hazards satisfy :math:`H_E = \mathrm{HR}\, H_C` and, as :math:`S = e^{-H}`,
    :math:`S_E(t) = S_C(t)^{\mathrm{HR}}`; the gain is :math:`S_C(t)^{\mathrm{HR}} - S_C(t)`.
    No shape of :math:`S_C` is assumed. When hazards are not proportional (delayed effects,
    crossing curves) the result can be far from the observed difference at *t*.

    Parameters
    ----------
    hr
        Hazard ratio, experimental versus control (> 0).
    survival_control_at_t
        Control-arm survival probability at the landmark, in (0, 1].

    Returns
    -------
    pandas.Series
        ``survival_control``, ``survival_experimental``, ``gain`` (probabilities, not percent).
    """
    hr = _check.positive(hr, "hr")
    survival_control = _check.probability(survival_control_at_t, "survival_control_at_t", low_open=True)
    survival_experimental = survival_control**hr
    return pd.Series(
        {
            "survival_control": survival_control,
            "survival_experimental": survival_experimental,
            "gain": survival_experimental - survival_control,
        },
        name="landmark_survival_gain",
    )


def rmst_exponential(median: float, horizon: float) -> float:
    r"""Restricted mean survival time up to ``horizon`` under exponential survival.

    With constant hazard :math:`\lambda = \ln 2 / m` (*m* the median),
    :math:`S(t) = e^{-\lambda t}` and

    .. math:: \mathrm{RMST}(\tau) = \int_0^{\tau} e^{-\lambda t}\,dt = \frac{1 - e^{-\lambda\tau}}{\lambda}.

    The exponential model is an assumption fitted through one point (the median); real curves
    with a plateau or an early drop can have a quite different RMST (Royston & Parmar 2013).
    """
    median = _check.positive(median, "median")
    horizon = _check.positive(horizon, "horizon")
    rate = math.log(2) / median
    return -math.expm1(-rate * horizon) / rate


def landmark_risks_exponential(median_experimental: float, median_control: float, landmark: float) -> pd.Series:
    r"""Absolute risks of the event by a landmark time, and their difference, from two medians.

    Under exponential survival with median *m* the hazard is :math:`\lambda = \ln 2 / m`, so the
    risk of the event by time *t* is :math:`F(t) = 1 - e^{-\lambda t} = 1 - 2^{-t/m}` (exactly one
    half at the median). The absolute risk difference is :math:`F_C(t) - F_E(t)` (positive when the
    experimental arm has fewer events) and the number needed to treat to prevent one event by *t*
    is its reciprocal. Exponential survival in both arms implies proportional hazards with
    :math:`\mathrm{HR} = m_C / m_E`; real curves need not follow it (Royston & Parmar 2013).

    Parameters
    ----------
    median_experimental, median_control
        Median time to the event in each arm (> 0, same unit as ``landmark``).
    landmark
        The time *t* (> 0).

    Returns
    -------
    pandas.Series
        ``risk_experimental``, ``risk_control`` (probabilities), ``risk_difference``
        (control − experimental), ``number_needed_to_treat`` (``inf`` when the risks are equal;
        negative when the experimental arm has more events) and ``landmark``.
    """
    experimental = _check.positive(median_experimental, "median_experimental")
    control = _check.positive(median_control, "median_control")
    landmark = _check.positive(landmark, "landmark")
    risk_experimental = -math.expm1(-math.log(2) * landmark / experimental)
    risk_control = -math.expm1(-math.log(2) * landmark / control)
    difference = risk_control - risk_experimental
    return pd.Series(
        {
            "risk_experimental": risk_experimental,
            "risk_control": risk_control,
            "risk_difference": difference,
            "number_needed_to_treat": math.inf if difference == 0 else 1 / difference,
            "landmark": float(landmark),
        },
        name="landmark_risks_exponential",
    )


def rmst_difference_exponential(median_experimental: float, median_control: float, horizon: float) -> pd.Series:
    r"""Difference in RMST (experimental − control) up to ``horizon`` under exponential survival.

    Each arm's RMST is :math:`(1 - e^{-\lambda\tau})/\lambda` with :math:`\lambda = \ln 2 / m`
    (see :func:`rmst_exponential`). Exponential survival in both arms implies proportional
    hazards with :math:`\mathrm{HR} = m_C / m_E`. No standard error: the inputs are point
    summaries; use :func:`helpers.survival.rmst_difference` when patient-level data exist.

    Returns
    -------
    pandas.Series
        ``rmst_experimental``, ``rmst_control``, ``difference``, ``horizon``.
    """
    experimental = rmst_exponential(median_experimental, horizon)
    control = rmst_exponential(median_control, horizon)
    return pd.Series(
        {
            "rmst_experimental": experimental,
            "rmst_control": control,
            "difference": experimental - control,
            "horizon": float(horizon),
        },
        name="rmst_difference_exponential",
    )


# --------------------------------------------------------------------------------------------
# ESMO-MCBS v1.1, forms 2a (OS) and 2b (PFS/TTP): preliminary grade
# --------------------------------------------------------------------------------------------

#: Where each implemented threshold was read (stored copies consulted for this module).
ESMO_MCBS_SOURCES = {
    "dafni2017": (
        "Dafni U et al. ESMO Open 2017;2:e000216, Table 1 (ESMO-MCBS dual rule), "
        "https://esmoopen.bmj.com/highwire/markup/136364/expansion"
    ),
    "esmo_forms_v1.1": (
        "ESMO, ESMO-MCBS Evaluation Forms version 1.1, "
        "https://www.esmo.org/guidelines/esmo-mcbs/scale-evaluation-forms-v1.0-v1.1/"
        "scale-evaluation-forms-v1.1"
    ),
    "cancercalc": (
        "CancerCalc ESMO-MCBS v1.1 calculator, form 2a (secondary source), https://www.cancercalc.com/esmo-mcbs.php"
    ),
    "esmo_forms_page": (
        "ESMO, ESMO-MCBS evaluation forms, "
        "https://www.esmo.org/guidelines/esmo-mcbs/esmo-mcbs-for-solid-tumours/esmo-mcbs-evaluation-forms"
    ),
    "esmo_open_2021": (
        "ESMO Open 2021;6(3):100166, Table 1, column 'Original ESMO-MCBS v1.1' (secondary source), "
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC8182388/table/tbl1"
    ),
    "esmo_scorecards": (
        "ESMO, ESMO-MCBS Scorecards, "
        "https://www.esmo.org/guidelines/esmo-mcbs/esmo-mcbs-for-solid-tumours/esmo-mcbs-scorecards"
    ),
    "scorecard_6": (
        "ESMO-MCBS scorecard 6 v1 (PALOMA-3), "
        "https://www.esmo.org/guidelines/esmo-mcbs/esmo-mcbs-scorecards/scorecard-6-1"
    ),
    "scorecard_158": (
        "ESMO-MCBS scorecard 158 v1 (MONALEESA-7), "
        "https://www.esmo.org/guidelines/esmo-mcbs/esmo-mcbs-for-solid-tumours/esmo-mcbs-scorecards/scorecard-158-1"
    ),
    "scorecard_159": (
        "ESMO-MCBS scorecard 159 v1 (MONARCH 3), "
        "https://esmo.org/guidelines/esmo-mcbs/esmo-mcbs-for-solid-tumours/esmo-mcbs-scorecards/scorecard-159-1"
    ),
    "scorecard_164": (
        "ESMO-MCBS scorecard 164 v1 (DESTINY-Breast01, form 3), "
        "https://esmo.org/guidelines/esmo-mcbs/esmo-mcbs-for-solid-tumours/esmo-mcbs-scorecards/scorecard-164-1"
    ),
    "scorecard_342": (
        "ESMO-MCBS scorecard 342 v1 (DESTINY-Breast03), "
        "https://www.esmo.org/guidelines/esmo-mcbs/esmo-mcbs-for-solid-tumours/esmo-mcbs-scorecards/scorecard-342-1"
    ),
    "busch2022": (
        "Büsch CA, Krisam J, Kieser M, Value Health 2022;25(11):1853-62, Table 1, ESMO's categories for "
        "overall survival (secondary source: the authors' table of ESMO-MCBS v1.1), "
        "https://github.com/cbuesch/IQWiGvsESMO/blob/41694bca93986348efcf71fc368fd9ae8d8dd6f6/FiguresAndTable/Table1.pdf"
    ),
    "busch2024": (
        "Büsch CA, Kirchner M, Behnisch R, Kieser M, Med Decis Making 2024;44:365-79 (PMID 38721872), appendix "
        "Table 1, 'Modified figure from Büsch et. al', the same categories (secondary source; appendix read in "
        "the authors' repository, github.com/cbuesch/ASCOvsIQWiGvsESMO, Appendix_revised.pdf), "
        "https://doi.org/10.1177/0272989X241239928"
    ),
}

#: What the sources searched did not give (stored copies of ESMO's pages, the Annals of Oncology
#: and ESMO Open papers, calculators, published transcriptions); asking for any of it raises
#: ``NotImplementedError``. The searches are recorded in the search notes under ``research/``.
ESMO_MCBS_NOT_FOUND = (
    "form 2b, both strata: grades 2 and 1",
    "ESMO's formula for a gain estimated from the hazard ratio when a median is not reached",
    "how several adjustments combine on one trial",
)


#: Values this close to a threshold are treated as equal to it (floating-point error only).
_TIE = 1e-9

#: The landmark of each form 2a sheet's survival alternative, in years (Büsch et al. 2022,
#: Table 1: "Increase in 2 year survival ≥ 10%", "Increase in 3 year survival ≥ 10%",
#: "Increase in 5 year survival ≥ 10%" for the three sheets in order).
LANDMARK_YEARS = {"≤12 months": 2, ">12 and ≤24 months": 3, ">24 months": 5}


@dataclass(frozen=True)
class _Rule:
    """One row of an evaluation form: a grade awarded when every stated condition holds.

    A row with ``otherwise`` set is the sheet's lowest grade, awarded when no row above applies;
    ``otherwise`` holds its criterion as the source words it.
    """

    form: str
    stratum: str
    grade: int
    quote: str
    sources: tuple[str, ...]
    hr_at_most: float | None = None  # lower 95% CI limit of the HR <= this
    hr_above: float | None = None  # ... and > this
    gain_at_least: float | None = None  # median gain (months) >= this
    gain_below: float | None = None  # ... and < this
    landmark_gain_at_least: float | None = None  # increase in survival at the sheet's landmark
    otherwise: str | None = None

    def applies(self, hr_ci_lower: float, gain: float, landmark_gain: float | None) -> bool:
        # A value within _TIE of a threshold counts as equal to it, so that a gain computed as a
        # difference of reported medians (10.2 - 7.2 = 2.999999999999999) meets "≥ 3 months".
        if self.otherwise is not None:
            return True
        if self.landmark_gain_at_least is not None:
            return landmark_gain is not None and landmark_gain >= self.landmark_gain_at_least - _TIE
        return (
            (self.hr_at_most is None or hr_ci_lower <= self.hr_at_most + _TIE)
            and (self.hr_above is None or hr_ci_lower > self.hr_above + _TIE)
            and (self.gain_at_least is None or gain >= self.gain_at_least - _TIE)
            and (self.gain_below is None or gain < self.gain_below - _TIE)
        )

    def criterion(self) -> str:
        if self.otherwise is not None:
            return f"none of the rows above: {self.otherwise}"
        if self.landmark_gain_at_least is not None:
            years = LANDMARK_YEARS[self.stratum]
            return f"increase in {years}-year survival ≥ {self.landmark_gain_at_least:.0%}"
        parts = []
        if self.hr_above is not None:
            parts.append(f"HR lower 95% limit > {self.hr_above:.2f} and ≤ {self.hr_at_most:.2f}")
        elif self.hr_at_most is not None:
            parts.append(f"HR lower 95% limit ≤ {self.hr_at_most:.2f}")
        if self.gain_below is not None:
            parts.append(f"median gain ≥ {self.gain_at_least:g} and < {self.gain_below:g} months")
        elif self.gain_at_least is not None:
            parts.append(f"median gain ≥ {self.gain_at_least:g} months")
        return " AND ".join(parts)


_OS12, _OS24, _OS_LONG = "≤12 months", ">12 and ≤24 months", ">24 months"
_BUSCH = ("busch2022", "busch2024")

# Every row with the words it was read in, highest grade first within a sheet. Büsch et al.'s
# table prints each cell over several lines; its cells are quoted here on one line.
_RULES = (
    # Form 2a, OS, control median <= 12 months.
    _Rule(
        "2a",
        _OS12,
        4,
        'Dafni: "4 ≤12 months ≤0.65 AND ≥3 months"; Büsch: "HR− ≤ 0.65 AND gain ≥ 3"',
        ("dafni2017", "cancercalc", *_BUSCH),
        hr_at_most=0.65,
        gain_at_least=3.0,
    ),
    _Rule(
        "2a",
        _OS12,
        4,
        'CancerCalc: "Increase in 2 year survival ≥10%"; Büsch: "Increase in 2 year survival ≥ 10%"',
        ("cancercalc", *_BUSCH),
        landmark_gain_at_least=0.10,
    ),
    _Rule(
        "2a",
        _OS12,
        3,
        'CancerCalc: "HR ≤0.65 ... AND OS gain ≥2-<3 months"; Büsch: "HR− ≤ 0.65 AND gain ∈ [2, 3)"',
        ("cancercalc", *_BUSCH),
        hr_at_most=0.65,
        gain_at_least=2.0,
        gain_below=3.0,
    ),
    _Rule(
        "2a",
        _OS12,
        2,
        'CancerCalc: "HR ≤0.65 ... AND OS gain ≥1.5-<2 months"; Büsch: "HR− ≤ 0.65 AND gain ∈ [1.5, 2)"',
        ("cancercalc", *_BUSCH),
        hr_at_most=0.65,
        gain_at_least=1.5,
        gain_below=2.0,
    ),
    _Rule(
        "2a",
        _OS12,
        2,
        'CancerCalc: "HR >0.65-≤0.7 ... AND OS gain ≥1.5months"; Büsch: "HR− ∈ (0.65, 0.7] AND gain ≥ 1.5"',
        ("cancercalc", *_BUSCH),
        hr_above=0.65,
        hr_at_most=0.70,
        gain_at_least=1.5,
    ),
    _Rule(
        "2a",
        _OS12,
        1,
        "HR− > 0.7 OR gain < 1.5",
        _BUSCH,
        otherwise="HR lower 95% limit > 0.70 OR median gain < 1.5 months",
    ),
    # Form 2a, OS, control median > 12 and <= 24 months.
    _Rule(
        "2a",
        _OS24,
        4,
        'Dafni: ">12 months ≤0.70 AND ≥5 months"; Büsch: "HR− ≤ 0.7 AND gain ≥ 5"',
        ("dafni2017", "esmo_forms_v1.1", *_BUSCH),
        hr_at_most=0.70,
        gain_at_least=5.0,
    ),
    _Rule("2a", _OS24, 4, "Increase in 3 year survival ≥ 10%", _BUSCH, landmark_gain_at_least=0.10),
    _Rule("2a", _OS24, 3, "HR− ≤ 0.7 AND gain ∈ [3, 5)", _BUSCH, hr_at_most=0.70, gain_at_least=3.0, gain_below=5.0),
    _Rule("2a", _OS24, 2, "HR− ≤ 0.7 AND gain ∈ [1.5, 3)", _BUSCH, hr_at_most=0.70, gain_at_least=1.5, gain_below=3.0),
    _Rule(
        "2a", _OS24, 2, "HR− ∈ (0.7, 0.75] AND gain ≥ 1.5", _BUSCH, hr_above=0.70, hr_at_most=0.75, gain_at_least=1.5
    ),
    _Rule(
        "2a",
        _OS24,
        1,
        "HR− > 0.75 OR gain < 1.5",
        _BUSCH,
        otherwise="HR lower 95% limit > 0.75 OR median gain < 1.5 months",
    ),
    # Form 2a, OS, control median > 24 months.
    _Rule("2a", _OS_LONG, 4, "HR− ≤ 0.7 AND gain ≥ 9", _BUSCH, hr_at_most=0.70, gain_at_least=9.0),
    _Rule("2a", _OS_LONG, 4, "Increase in 5 year survival ≥ 10%", _BUSCH, landmark_gain_at_least=0.10),
    _Rule("2a", _OS_LONG, 3, "HR− ≤ 0.7 AND gain ∈ [6, 9)", _BUSCH, hr_at_most=0.70, gain_at_least=6.0, gain_below=9.0),
    _Rule("2a", _OS_LONG, 2, "HR− ≤ 0.7 AND gain ∈ [4, 6)", _BUSCH, hr_at_most=0.70, gain_at_least=4.0, gain_below=6.0),
    _Rule(
        "2a",
        _OS_LONG,
        2,
        "HR− ∈ (0.7, 0.75] AND gain ≥ 4",
        _BUSCH,
        hr_above=0.70,
        hr_at_most=0.75,
        gain_at_least=4.0,
    ),
    _Rule(
        "2a",
        _OS_LONG,
        1,
        "HR− > 0.75 OR gain < 4",
        _BUSCH,
        otherwise="HR lower 95% limit > 0.75 OR median gain < 4 months",
    ),
    # Form 2b, PFS/TTP: only the maximal grade (3) was found.
    _Rule(
        "2b", "≤6 months", 3, "3 ≤6 months ≤0.65 AND ≥1.5 months", ("dafni2017",), hr_at_most=0.65, gain_at_least=1.5
    ),
    _Rule("2b", ">6 months", 3, ">6 months ≤0.65 AND ≥3 months", ("dafni2017",), hr_at_most=0.65, gain_at_least=3.0),
)

_MAXIMAL_GRADE = {"2a": 4, "2b": 3}
_FORM_OF_ENDPOINT = {"OS": "2a", "PFS": "2b", "TTP": "2b"}


def _cite(keys: tuple[str, ...]) -> str:
    return "; ".join(ESMO_MCBS_SOURCES[k] for k in keys)


def esmo_mcbs_sheet(endpoint: str, median_control: float) -> str:
    """The sheet of the form that grades ``endpoint`` ("OS": form 2a, "PFS"/"TTP": form 2b) for a
    control median of ``median_control`` months: "≤12 months", ">12 and ≤24 months" or
    ">24 months" (form 2a); "≤6 months" or ">6 months" (form 2b)."""
    key = str(endpoint).strip().upper()
    if key not in _FORM_OF_ENDPOINT:
        raise ValueError(f"endpoint must be one of {sorted(_FORM_OF_ENDPOINT)}, got {endpoint!r}")
    return _stratum(_FORM_OF_ENDPOINT[key], _check.positive(median_control, "median_control"))


def _stratum(form: str, median_control: float) -> str:
    if form == "2a":
        if median_control <= 12:
            return _OS12
        return _OS24 if median_control <= 24 else _OS_LONG
    return "≤6 months" if median_control <= 6 else ">6 months"


def esmo_mcbs_thresholds() -> pd.DataFrame:
    """The implemented ESMO-MCBS v1.1 rows of forms 2a and 2b, with the words and source of each.

    Rows not listed (see :func:`esmo_mcbs_form2a`) are not implemented because their thresholds
    were not found in a source; asking for them raises ``NotImplementedError``.

    Returns
    -------
    pandas.DataFrame
        Columns ``form``, ``control_median_stratum``, ``grade``, ``criterion``, ``quote`` (the
        source's words for the row) and ``source``.
    """
    return pd.DataFrame(
        [
            {
                "form": rule.form,
                "control_median_stratum": rule.stratum,
                "grade": rule.grade,
                "criterion": rule.criterion(),
                "quote": rule.quote,
                "source": _cite(rule.sources),
            }
            for rule in _RULES
        ]
    )


def esmo_mcbs_form2a(
    endpoint: str,
    hr_ci_lower: float,
    median_control: float,
    median_gain: float,
    *,
    landmark_survival_gain: float | None = None,
    hr_ci_upper: float | None = None,
) -> pd.Series:
    r"""Preliminary ESMO-MCBS v1.1 grade for a non-curative setting (form 2a for OS, 2b for PFS).

    The scale's dual rule grades a statistically significant result by the lower limit of the 95%
    confidence interval of the hazard ratio (relative benefit) together with the gain in median
    (absolute benefit), with thresholds that depend on the control arm's median. Form 2a also
    awards its maximal grade for an increase of at least 10 percentage points in survival at a
    landmark (2, 3 or 5 years by sheet, :data:`LANDMARK_YEARS`). The grade returned is
    *preliminary*: the adjustments for toxicity and quality of life are applied by
    :func:`esmo_mcbs_final`.

    Implemented thresholds, with the sources they were read from (every row's words are in
    :func:`esmo_mcbs_thresholds`):

    1. Maximal preliminary grade, both forms. Dafni et al., ESMO Open 2017;2:e000216, Table 1,
       "The ESMO-MCBS dual rule: implemented combined thresholds for the HR and the minimum
       absolute benefit (AB) gain for OS and PFS that could be considered as deserving the
       maximal preliminary grade" (https://esmoopen.bmj.com/highwire/markup/136364/expansion),
       verbatim rows:

       - "4 ≤12 months ≤0.65 AND ≥3 months" and ">12 months ≤0.70 AND ≥5 months" (OS);
       - "3 ≤6 months ≤0.65 AND ≥1.5 months" and ">6 months ≤0.65 AND ≥3 months" (PFS);
       - footnote: "Thresholds refer to the lower limit of the 95% CI."

    2. The v1.1 control-median strata. ESMO's v1.1 forms page
       (https://www.esmo.org/guidelines/esmo-mcbs/scale-evaluation-forms-v1.0-v1.1/scale-evaluation-forms-v1.1):
       form 2a has "separate sheets for: IF median OS with the standard treatment is <12 months;
       IF median OS with the standard treatment is >12 months, <24 months; IF median OS with the
       standard treatment is >24 months", and form 2b for "median PFS with standard treatment is
       <6 months" and ">6 months". Boundaries are taken as ≤12, (12, 24], >24 and ≤6, >6
       months, as in Dafni et al. Table 1 and Büsch et al. Table 1 ("medC ≤ 12",
       "medC ∈ (12, 24]", "medC > 24").

    3. Every grade of form 2a's three sheets, from a secondary source: Büsch CA, Krisam J, Kieser
       M, Value Health 2022;25(11):1853-62, Table 1 ("ESMO's categories", with HR− the lower limit
       of the CI), which implements ESMO-MCBS v1.1 (Cherny et al. 2017, its reference) and is read
       in the authors' repository. Its "medC ≤ 12" row agrees cell by cell with a second secondary
       source, the CancerCalc ESMO-MCBS v1.1 calculator (https://www.cancercalc.com/esmo-mcbs.php),
       and its maximal grades for ≤ 12 and (12, 24] months with Dafni et al.; the (12, 24] and
       > 24 months rows below the maximal grade, and the landmark alternatives of those two
       sheets, rest on Büsch et al. alone. ESMO's scorecards 158 (MONALEESA-7) and 161
       (MONALEESA-3), graded on the > 24 months sheet, agree with it
       (:mod:`helpers.esmo_scorecards`).

    Comparisons are inclusive as written ("≤", "≥", "∈ [a, b)"); a value within 1e-9 of a
    threshold counts as equal to it, so that a gain computed from two reported medians is not
    lost to floating-point error.

    Not implemented (``NotImplementedError``; listed in :data:`ESMO_MCBS_NOT_FOUND`) because no
    source searched gave the thresholds: grades below 3 for PFS/TTP (form 2b).

    Parameters
    ----------
    endpoint
        ``"OS"`` (form 2a) or ``"PFS"``/``"TTP"`` (form 2b); case-insensitive.
    hr_ci_lower
        Lower limit of the 95% CI of the hazard ratio (experimental versus control).
    median_control
        Median of the control arm, **in months** (it chooses the sheet).
    median_gain
        Experimental minus control median, **in months** (see :func:`median_gain`, or
        :func:`median_gain_from_hr` when the experimental median is not reached).
    landmark_survival_gain
        Optional absolute increase in survival at the sheet's landmark (2 years for a control
        median ≤ 12 months, 3 years for > 12 and ≤ 24, 5 years for > 24), as a probability
        (0.10 = 10 percentage points); form 2a only.
    hr_ci_upper
        Optional upper 95% limit; if given it must be below 1 (a significant benefit), because
        the forms grade a demonstrated benefit. Without it the benefit is assumed significant
        (``significance_checked`` is then ``False``); a lower limit of 1 or more is an error
        either way, since such an interval shows no benefit.

    Returns
    -------
    pandas.Series
        ``endpoint``, ``form``, ``control_median_stratum``, ``hr_ci_lower``, ``median_control``,
        ``median_gain``, ``landmark_years`` (form 2a) and ``landmark_survival_gain``,
        ``preliminary_grade``, ``maximal_grade``, ``rule`` (a sentence saying which row fired),
        ``source``, ``status`` (``"preliminary: before toxicity and quality-of-life
        adjustments"``) and ``significance_checked`` (whether ``hr_ci_upper`` confirmed a
        significant benefit).
    """
    key = str(endpoint).strip().upper()
    if key not in _FORM_OF_ENDPOINT:
        raise ValueError(f"endpoint must be one of {sorted(_FORM_OF_ENDPOINT)}, got {endpoint!r}")
    form = _FORM_OF_ENDPOINT[key]
    hr_ci_lower = _check.positive(hr_ci_lower, "hr_ci_lower")
    median_control = _check.positive(median_control, "median_control")
    gain = _check.number(median_gain, "median_gain")
    if hr_ci_lower >= 1:
        raise ValueError(
            f"hr_ci_lower {hr_ci_lower:g} is at least 1: the 95% CI of the HR lies at or above 1, so "
            "there is no statistically significant benefit for the form to grade"
        )
    if hr_ci_upper is not None:
        hr_ci_upper = _check.positive(hr_ci_upper, "hr_ci_upper")
        if hr_ci_upper < hr_ci_lower:
            raise ValueError(f"hr_ci_upper {hr_ci_upper} is below hr_ci_lower {hr_ci_lower}")
        if hr_ci_upper >= 1:
            raise ValueError(
                f"the 95% CI of the HR ({hr_ci_lower}–{hr_ci_upper}) includes 1: no "
                "statistically significant benefit for the form to grade"
            )
    stratum = _stratum(form, median_control)
    landmark_years = LANDMARK_YEARS.get(stratum) if form == "2a" else None
    if landmark_survival_gain is not None:
        landmark_survival_gain = _check.number(
            landmark_survival_gain,
            "landmark_survival_gain",
            low=-1,
            high=1,
            hint="a difference of probabilities, not of percentages",
        )
        if form != "2a":
            raise ValueError(
                "landmark_survival_gain is the alternative criterion of form 2a (overall survival); "
                f"this is form {form}, {stratum}"
            )

    fired = next(
        (
            r
            for r in _RULES
            if r.form == form and r.stratum == stratum and r.applies(hr_ci_lower, gain, landmark_survival_gain)
        ),
        None,
    )
    head = f"Form {form} ({key}), control median {_fixed(median_control, 2)} months ({stratum}): "
    if fired is None:
        below = _MAXIMAL_GRADE[form] - 1
        raise NotImplementedError(
            f"form {form} ({key}), control median {stratum}: the criterion for the maximal grade "
            f"{_MAXIMAL_GRADE[form]} is not met (HR lower limit {_fixed(hr_ci_lower, 2)}, "
            f"median gain {_fixed(gain, 2)} "
            f"months), and the thresholds for grades {below} to 1 were not found in the sources "
            "searched"
        )
    observed = f"observed: HR lower limit {_fixed(hr_ci_lower, 2)}, median gain {_fixed(gain, 2)} months" + (
        f", {landmark_years}-year survival gain {landmark_survival_gain:.1%}"
        if landmark_survival_gain is not None
        else ""
    )
    rule = f"{head}{fired.criterion()} ({observed}) gives preliminary grade {fired.grade}."
    return pd.Series(
        {
            "endpoint": key,
            "form": form,
            "control_median_stratum": stratum,
            "hr_ci_lower": hr_ci_lower,
            "median_control": median_control,
            "median_gain": gain,
            "landmark_years": landmark_years,
            "landmark_survival_gain": landmark_survival_gain,
            "preliminary_grade": fired.grade,
            "maximal_grade": _MAXIMAL_GRADE[form],
            "rule": rule,
            "source": _cite(fired.sources),
            "status": "preliminary: before toxicity and quality-of-life adjustments",
            "significance_checked": hr_ci_upper is not None,
        },
        name="esmo_mcbs",
    )


# --------------------------------------------------------------------------------------------
# ESMO-MCBS v1.1, forms 2a and 2b: adjustments and final grade
# --------------------------------------------------------------------------------------------

#: Highest and lowest non-curative grade. ESMO's evaluation-forms page: "For non-curative
#: indications 5 is the highest possible grade"; ESMO's scorecards list non-curative scores
#: 5, 4, 3, 2 and 1 (https://www.esmo.org/guidelines/esmo-mcbs/esmo-mcbs-for-solid-tumours/esmo-mcbs-scorecards).
_HIGHEST_GRADE, _LOWEST_GRADE = 5, 1


@dataclass(frozen=True)
class _Adjustment:
    """One adjustment of forms 2a/2b: the forms it belongs to, its size, and its sources."""

    name: str
    forms: tuple[str, ...]
    step: int
    criterion: str
    quote: str
    sources: tuple[str, ...]


#: The adjustments whose direction, form and size were read in a source (a verbatim quote each).
#: The size is read from ESMO's scorecards, which print every adjustment as "1+" or "1-".
ESMO_MCBS_ADJUSTMENTS = {
    a.name: a
    for a in (
        _Adjustment(
            "none",
            ("2a", "2b"),
            0,
            "no adjustment: the final grade is the preliminary grade",
            "Preliminary non-curative score - 3 - Non-curative score - 3 (scorecard 7, PALOMA-2)",
            ("esmo_scorecards",),
        ),
        _Adjustment(
            "qol_upgrade",
            ("2a", "2b"),
            +1,
            "statistically significant improvement in quality of life (e.g. delayed deterioration of global QoL)",
            "Upgrades due to statistically significant positive differences in QoL (Form 2a and b); "
            "scorecards 6 and 158: 'QoL adjustment - 1+'",
            ("esmo_open_2021", "scorecard_6", "scorecard_158"),
        ),
        _Adjustment(
            "less_toxicity_upgrade",
            ("2a", "2b"),
            +1,
            "statistically significantly less grade 3-4 toxicity impacting on daily well-being",
            "Upgrades due to statistically significantly less grade 3-4 toxicities impacting on daily "
            "well-being (Form 2a and b)",
            ("esmo_open_2021",),
        ),
        _Adjustment(
            "toxicity_downgrade",
            ("2b",),
            -1,
            "one or more statistically significantly increased incremental toxicities (form 2b only)",
            "Downgrades due to one or more statistically significantly increased incremental toxicities "
            "(Form 2b); scorecard 164: 'Toxicity adjustment 1-'",
            ("esmo_open_2021", "scorecard_164"),
        ),
        _Adjustment(
            "pfs_only_downgrade",
            ("2b",),
            -1,
            "only PFS improved: mature data show no OS advantage and no improved QoL (form 2b only)",
            "Only improved PFS mature data shows no OS advantage and no improved QoL - 1-; Downgrades due "
            "to no difference in QoL AND only PFS showing an improvement (Form 2b)",
            ("scorecard_159", "esmo_open_2021"),
        ),
        _Adjustment(
            "long_term_plateau_upgrade",
            ("2b",),
            +1,
            "long-term plateau in the PFS curve, ≥10% improvement at 2 years (form 2b only)",
            "Early stopping or crossover - 1+ - Long-term plateau in the PFS curve - ≥10% improvement at 2 years",
            ("scorecard_342",),
        ),
    )
}


def esmo_mcbs_adjustments() -> pd.DataFrame:
    """The implemented adjustments of forms 2a and 2b, each with its verbatim source.

    Returns
    -------
    pandas.DataFrame
        Columns ``adjustment``, ``forms``, ``step`` (+1 upgrade, −1 downgrade), ``criterion``,
        ``quote`` and ``source``.
    """
    return pd.DataFrame(
        [
            {
                "adjustment": a.name,
                "forms": " and ".join(a.forms),
                "step": a.step,
                "criterion": a.criterion,
                "quote": a.quote,
                "source": _cite(a.sources),
            }
            for a in ESMO_MCBS_ADJUSTMENTS.values()
        ]
    )


def esmo_mcbs_final(preliminary_grade: int, form: str, adjustment: str = "none") -> pd.Series:
    r"""Final ESMO-MCBS v1.1 grade of a non-curative setting: the preliminary grade and one adjustment.

    .. math:: \text{final} = \min\bigl(5, \max(1, \text{preliminary} + s)\bigr),

    with step :math:`s = +1` (upgrade), :math:`-1` (downgrade) or 0. The adjustments, their forms
    and their size are read from these sources (:data:`ESMO_MCBS_ADJUSTMENTS` keeps the quotes):

    - direction and forms, for the original v1.1 rules, from ESMO Open 2021;6(3):100166, Table 1
      (https://pmc.ncbi.nlm.nih.gov/articles/PMC8182388/table/tbl1, a secondary source):
      "Upgrades due to statistically significant positive differences in QoL (Form 2a and b)",
      "Upgrades due to statistically significantly less grade 3-4 toxicities impacting on daily
      well-being (Form 2a and b)", "Downgrades due to one or more statistically significantly
      increased incremental toxicities (Form 2b)", "Downgrades due to no difference in QoL AND only
      PFS showing an improvement (Form 2b)";
    - size and wording from ESMO's own scorecards: scorecards 6 (PALOMA-3, 3 → 4) and 158
      (MONALEESA-7, 4 → 5) "QoL adjustment - 1+"; 159 (MONARCH 3, 3 → 2) "Only improved PFS mature
      data shows no OS advantage and no improved QoL - 1-"; 342 (DESTINY-Breast03, 3 → 4) "Early
      stopping or crossover - 1+ - Long-term plateau in the PFS curve - ≥10% improvement at 2 years";
      164 (DESTINY-Breast01, a form 3 scorecard) "Toxicity adjustment 1-";
    - the ceiling from ESMO's evaluation-forms page: "For non-curative indications 5 is the
      highest possible grade"; the floor is the lowest grade the scorecards list (1).

    Whether an adjustment applies (is the QoL gain statistically significant and meeting ESMO's QoL
    checklist? is the OS analysis mature?) is a judgement on the trial's reports; it is an input
    here, as it is a line of text on ESMO's scorecards.

    Not implemented: two or more adjustments on one trial (how they combine was not found in the
    sources searched, :data:`ESMO_MCBS_NOT_FOUND`).

    Parameters
    ----------
    preliminary_grade
        The preliminary grade: 1-4 for form 2a, 1-3 for form 2b (see :func:`esmo_mcbs_form2a`).
    form
        ``"2a"`` or ``"2b"``.
    adjustment
        One key of :data:`ESMO_MCBS_ADJUSTMENTS` (``"none"`` by default).

    Returns
    -------
    pandas.Series
        ``form``, ``preliminary_grade``, ``adjustment``, ``step``, ``final_grade``, ``rule`` (a
        sentence) and ``source``.
    """
    form = _check.choice(form, "form", ["2a", "2b"])
    preliminary = _check.integer(preliminary_grade, "preliminary_grade", low=1)
    if preliminary > _MAXIMAL_GRADE[form]:
        raise ValueError(
            f"preliminary_grade {preliminary} is above the maximal preliminary grade "
            f"{_MAXIMAL_GRADE[form]} of form {form}"
        )
    if not isinstance(adjustment, str):
        raise NotImplementedError(
            f"adjustment must be one key of ESMO_MCBS_ADJUSTMENTS, got {adjustment!r}: how several "
            "adjustments combine on one trial was not found in the sources searched"
        )
    rule = ESMO_MCBS_ADJUSTMENTS.get(adjustment)
    if rule is None:
        raise ValueError(f"adjustment must be one of {sorted(ESMO_MCBS_ADJUSTMENTS)}, got {adjustment!r}")
    if form not in rule.forms:
        raise ValueError(
            f"adjustment {adjustment!r} belongs to form {' and '.join(rule.forms)} only, not to form {form}"
        )
    final = min(_HIGHEST_GRADE, max(_LOWEST_GRADE, preliminary + rule.step))
    if rule.step == 0:
        sentence = f"Form {form}: no adjustment, so the final grade is the preliminary grade {preliminary}."
    else:
        change = "upgrade" if rule.step > 0 else "downgrade"
        capped = " (the grade stays within 1 to 5)" if final != preliminary + rule.step else ""
        sentence = f"Form {form}: {rule.criterion} gives a one-level {change}, {preliminary} to {final}{capped}."
    return pd.Series(
        {
            "form": form,
            "preliminary_grade": preliminary,
            "adjustment": adjustment,
            "step": rule.step,
            "final_grade": final,
            "rule": sentence,
            "source": _cite(rule.sources),
        },
        name="esmo_mcbs_final",
    )


def median_gain_from_hr(median_control: float, hr: float) -> float:
    r"""Gain in median estimated from the hazard ratio when the experimental median is not reached.

    Under exponential survival in both arms (constant hazards, so proportional hazards with
    :math:`\mathrm{HR} = \lambda_E/\lambda_C = m_C/m_E`), the experimental median is
    :math:`m_E = m_C/\mathrm{HR}` and the gain is

    .. math:: \Delta = m_C\left(\frac{1}{\mathrm{HR}} - 1\right).

    This is the book's model, not a rule read from ESMO: ESMO's scorecard 158 (MONALEESA-7) prints
    "16 months (Calculated estimate of gain based on PE HR 0.71)" for a control median of 40.9
    months without its formula (:data:`ESMO_MCBS_NOT_FOUND`); this function gives 16.7 months
    there. The point estimate (PE) of the HR is used, as on that scorecard.

    Parameters
    ----------
    median_control
        Median of the control arm (> 0).
    hr
        Point estimate of the hazard ratio, experimental versus control (> 0).
    """
    median_control = _check.positive(median_control, "median_control")
    hr = _check.positive(hr, "hr")
    return median_control * (1 / hr - 1)
