"""The views of the two re-analysis pages (``hr_positive_reanalysis``, ``her2_reanalysis``).

Both pages do the same thing to different trials: load a trial's reconstructed rows
(``data/kmdata``), check them against the published hazard ratio, and show what the hazard ratio
hides (RMST differences, milestone survival, the proportional-hazards test, the hazard ratio
over time). The settings of each trial (horizons, milestones, interval cuts, with the reason
for the horizons) are :data:`TRIALS`; the statistics are :mod:`helpers.reanalysis`; this module
only assembles them into tables, figures and glued values.

Glue names written by :func:`glue_trial` for a trial with prefix ``p`` (e.g. ``paloma3``):
``p_name``, ``p_endpoint``, ``p_hr_published``, ``p_hr_recomputed``, ``p_dlog``, ``p_horizon``
(main horizon, months), ``p_horizon_reason``, ``p_rmst_exp``, ``p_rmst_ctl``, ``p_rmst_diff``
(with CI), ``p_followed`` (patients still followed at the main horizon, both arms),
``p_ms_time``, ``p_ms_exp``, ``p_ms_ctl``, ``p_ms_diff`` (the last milestone), ``p_ph_p``
(``"= 0.13"``, ``"< 0.001"``: it follows "p"),
``p_ph_reading``, ``p_piece_first``, ``p_piece_last`` (HR with CI in the first and last
interval), ``p_piece_first_span``, ``p_piece_last_span``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

from helpers import plotting, reanalysis, survival, tables
from helpers.chapter import glue, p_phrase
from helpers.data import Evidence, load_reconstructed, load_reconstructed_datasets
from helpers.formatting import format_estimate_ci, format_number, format_p, format_percent

#: |log HR recomputed − log HR published| a reconstruction is allowed (the reason is
#: :data:`TOLERANCE_REASON`; ``tests/test_kmdata.py`` checks the committed flags with the same value).
LOG_HR_TOLERANCE = 0.05
TOLERANCE_REASON = (
    "reconstruction from a printed curve recovers the log hazard ratio to within a few hundredths "
    "(Guyot et al. 2012; the four R implementations of the benchmark), and the published HR is itself "
    "rounded to two decimals"
)
#: Below this p the proportional-hazards test is read as evidence that the HR changes over time.
PH_ALPHA = 0.05

ENDPOINT_WORDS = {"PFS": "progression-free survival", "OS": "overall survival"}


@dataclass(frozen=True)
class TrialSettings:
    """How one trial's rows are re-analysed.

    Attributes
    ----------
    dataset
        Row of ``data/kmdata/datasets.csv``.
    prefix
        Start of the trial's glue names.
    arms
        ``{kmdata arm label: display name}``, experimental first.
    horizons
        RMST horizons in months, the main one first (it is glued).
    horizon_reason
        Why the main horizon, in words (shown in the RMST table), a template whose fields are
        filled from the rows: ``{median_experimental}``, ``{median_control}`` (months),
        ``{followed}`` (both arms, at the main horizon), ``{last_horizon}`` (the latest horizon)
        and ``{followed_last}`` (followed then).
    milestones, cuts, risk_times
        Milestone times, interval cuts of the piecewise HR, and the times of the numbers at risk
        under the curves (months).
    """

    dataset: str
    prefix: str
    arms: dict
    horizons: tuple
    horizon_reason: str
    milestones: tuple
    cuts: tuple
    risk_times: tuple


TRIALS = {
    "hr_positive_reanalysis": (
        TrialSettings(
            dataset="PALOMA2_1A",
            prefix="paloma2",
            arms={"palbociclib_letrozole": "Palbociclib + letrozole", "placebo_letrozole": "Placebo + letrozole"},
            horizons=(24.0, 12.0),
            horizon_reason=(
                "two years of first-line treatment, past the control median ({median_control} months), "
                "with {followed} patients still followed"
            ),
            milestones=(12.0, 24.0),
            cuts=(6.0, 12.0, 18.0),
            risk_times=(0, 6, 12, 18, 24, 30),
        ),
        TrialSettings(
            dataset="PALOMA3_1A",
            prefix="paloma3",
            arms={
                "palbociclib_fulvestrant": "Palbociclib + fulvestrant",
                "placebo_fulvestrant": "Placebo + fulvestrant",
            },
            horizons=(6.0, 3.0),
            horizon_reason=(
                "about one and a half times the control median ({median_control} months); this early "
                "interim analysis followed few patients longer ({followed} still followed then)"
            ),
            milestones=(3.0, 6.0),
            cuts=(2.0, 4.0),
            risk_times=(0, 2, 4, 6, 8, 10),
        ),
        TrialSettings(
            dataset="MONALEESA2_1",
            prefix="monaleesa2",
            arms={"ribociclib_letrozole": "Ribociclib + letrozole", "placebo": "Placebo + letrozole"},
            horizons=(12.0, 18.0),
            horizon_reason=(
                "one year of first-line treatment, with {followed} patients still followed; at "
                "{last_horizon} months, the trial's own milestone, only {followed_last} remain"
            ),
            milestones=(12.0, 18.0),
            cuts=(6.0, 12.0),
            risk_times=(0, 4, 8, 12, 16, 20),
        ),
        TrialSettings(
            dataset="BOLERO2_1",
            prefix="bolero2",
            arms={"eve_exe": "Everolimus + exemestane", "pbo_exe": "Placebo + exemestane"},
            horizons=(36.0, 24.0),
            horizon_reason=(
                "three years of overall survival, beyond both medians ({median_control} and "
                "{median_experimental} months), with {followed} patients still followed"
            ),
            milestones=(12.0, 24.0, 36.0),
            cuts=(12.0, 24.0),
            risk_times=(0, 12, 24, 36, 48),
        ),
    ),
    "her2_reanalysis": (
        TrialSettings(
            dataset="CLEOPATRA_2A",
            prefix="cleopatra",
            arms={"pertuzumab": "Pertuzumab + trastuzumab + docetaxel", "control": "Placebo + trastuzumab + docetaxel"},
            horizons=(48.0, 36.0),
            horizon_reason=(
                "four years of overall survival, past the control median ({median_control} months), "
                "with {followed} patients still followed; the tail beyond it thins fast"
            ),
            milestones=(24.0, 36.0, 48.0),
            cuts=(12.0, 24.0, 36.0, 48.0),
            risk_times=(0, 12, 24, 36, 48, 60),
        ),
    ),
}


@dataclass
class TrialResult:
    """One trial re-analysed: its settings, rows, published and recomputed HR, and the tidy frames
    of :mod:`helpers.reanalysis` (empty when the rows fail their check)."""

    settings: TrialSettings
    name: str
    endpoint: str
    rows: pd.DataFrame
    published: pd.Series
    recomputed: pd.Series
    quality: str
    flagged: bool
    note: str
    published_text: str = ""
    horizon_reason: str = ""
    rmst: pd.DataFrame = field(default_factory=pd.DataFrame)
    milestones: pd.DataFrame = field(default_factory=pd.DataFrame)
    milestone_differences: pd.DataFrame = field(default_factory=pd.DataFrame)
    proportional_hazards: pd.DataFrame = field(default_factory=pd.DataFrame)
    piecewise: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def experimental(self) -> str:
        return next(iter(self.settings.arms))

    @property
    def control(self) -> str:
        return list(self.settings.arms)[1]

    @property
    def log_hr_difference(self) -> float:
        return abs(math.log(self.recomputed["hr"]) - math.log(self.published["hr"]))

    @property
    def within_tolerance(self) -> bool:
        return self.log_hr_difference <= LOG_HR_TOLERANCE


def reanalyse(
    settings: TrialSettings,
    rows: pd.DataFrame,
    key: pd.Series,
    published: pd.Series,
    name: str,
    alpha: float = 0.05,
    published_text: str | None = None,
    include_flagged: bool = False,
) -> TrialResult:
    """Re-analyse one trial's rows (``time``, ``event``, ``arm``).

    ``key`` is the trial's row of ``data/kmdata/datasets.csv`` (``endpoint``, ``quality_score``,
    ``quality_max``, ``reproduces_published``, ``note``) and ``published`` its effect row
    (``hr``, ``hr_ci_lower``, ``hr_ci_upper``). When the rows do not reproduce the published HR
    (``reproduces_published`` false), only the HR check is done, unless ``include_flagged``.
    """
    experimental, control = list(settings.arms)
    labels = set(pd.unique(rows["arm"]))
    if labels != {experimental, control}:
        raise ValueError(
            f"dataset {settings.dataset!r}: arms {sorted(labels)} do not match the settings' {sorted(settings.arms)}"
        )
    recomputed, _ = survival.cox_hazard_ratio(rows, "time", "event", "arm", experimental, alpha=alpha)
    flagged = str(key["reproduces_published"]).lower() != "true"
    result = TrialResult(
        settings=settings,
        name=name,
        endpoint=str(key["endpoint"]),
        rows=rows,
        published=published,
        recomputed=recomputed,
        quality=f"{int(key['quality_score'])} of {int(key['quality_max'])}",
        flagged=flagged,
        note=str(key["note"]),
        published_text=published_text
        or format_estimate_ci(published["hr"], published["hr_ci_lower"], published["hr_ci_upper"]),
    )
    if flagged and not include_flagged:
        return result
    args = (rows, "time", "event", "arm")
    result.rmst = reanalysis.rmst_differences(*args, experimental, control, sorted(settings.horizons), alpha=alpha)
    result.milestones = reanalysis.milestone_survival(
        *args, settings.milestones, order=[experimental, control], alpha=alpha
    )
    result.milestone_differences = reanalysis.milestone_differences(
        *args, experimental, control, settings.milestones, alpha=alpha
    )
    result.proportional_hazards = reanalysis.proportional_hazards_table(*args, experimental)
    result.piecewise = reanalysis.piecewise_hazard_ratios(*args, experimental, settings.cuts, alpha=alpha)
    medians = survival.median_summary(*args, order=[experimental, control])["median"]
    main, last = result.rmst.loc[settings.horizons[0]], result.rmst.iloc[-1]
    result.horizon_reason = settings.horizon_reason.format(
        median_experimental=_median_text(medians[experimental]),
        median_control=_median_text(medians[control]),
        followed=int(main["at_risk_experimental"] + main["at_risk_control"]),
        last_horizon=format_number(result.rmst.index[-1], 0),
        followed_last=int(last["at_risk_experimental"] + last["at_risk_control"]),
    )
    return result


def _median_text(value: float) -> str:
    return "not reached" if math.isinf(value) else format_number(value, 1)


def load_trials(
    page: str, evidence: Evidence, data_dir=None, alpha: float = 0.05, include_flagged: bool = False
) -> list[TrialResult]:
    """Every trial of ``page`` (a key of :data:`TRIALS`), re-analysed from the committed rows
    (see :func:`reanalyse` for ``include_flagged``)."""
    if page not in TRIALS:
        raise KeyError(f"page={page!r}: no re-analysis settings (pages: {sorted(TRIALS)})")
    keys = load_reconstructed_datasets(data_dir)
    results = []
    for settings in TRIALS[page]:
        key = keys.loc[settings.dataset]
        published = evidence.effects.loc[key["effect_id"]]
        name = str(evidence.studies.loc[key["study_id"], "short_name"])
        rows = load_reconstructed(settings.dataset, data_dir)
        printed = tables.hr_text(evidence, key["effect_id"])
        results.append(
            reanalyse(
                settings, rows, key, published, name, alpha, published_text=printed, include_flagged=include_flagged
            )
        )
    return results


def _difference_text(value: float, lower: float, upper: float, digits: int, label: str = "") -> str:
    """A difference with its interval, ``1.4 (−0.4 to 3.3)``: "to", since a dash next to a minus
    sign reads as a range of negative numbers."""
    low, high = format_number(lower, digits), format_number(upper, digits)
    return f"{format_number(value, digits)} ({label}{low} to {high})"


def _months(value: float) -> str:
    return f"{format_number(value, 0)} months"


# --------------------------------------------------------------------------- tables
def hr_check_table(results: list[TrialResult]) -> pd.DataFrame:
    """Published against recomputed hazard ratio, per trial."""
    records = []
    for r in results:
        records.append(
            {
                "trial": r.name,
                "endpoint": ENDPOINT_WORDS.get(r.endpoint, r.endpoint),
                "published HR (95% CI)": r.published_text.replace(" (95% CI ", " ("),
                "recomputed HR (95% CI)": format_estimate_ci(
                    r.recomputed["hr"], r.recomputed["hr_lower"], r.recomputed["hr_upper"], digits=3
                ).replace(" (95% CI ", " ("),
                "|Δ log HR|": format_number(r.log_hr_difference, 3),
                "within tolerance": "yes" if r.within_tolerance else "no",
                "reconstruction quality (kmdata)": r.quality,
            }
        )
    return pd.DataFrame(records)


def rmst_table(results: list[TrialResult]) -> pd.DataFrame:
    """RMST per arm and the difference with its CI, per trial and horizon (main horizon first)."""
    records = []
    for r in results:
        if r.rmst.empty:
            continue
        for horizon in r.settings.horizons:
            row = r.rmst.loc[horizon]
            records.append(
                {
                    "trial": r.name,
                    "horizon": _months(horizon),
                    "experimental arm (months)": format_number(row["rmst_experimental"], 1),
                    "control arm (months)": format_number(row["rmst_control"], 1),
                    "difference (95% CI)": _difference_text(row["difference"], row["lower"], row["upper"], 2),
                    "still followed": f"{int(row['at_risk_experimental'])} and {int(row['at_risk_control'])}",
                    "why this horizon": r.horizon_reason if horizon == r.settings.horizons[0] else "",
                }
            )
    return pd.DataFrame(records)


def milestone_table(results: list[TrialResult]) -> pd.DataFrame:
    """Kaplan–Meier survival per arm with log(−log) CI, and the difference, at each milestone."""
    records = []
    for r in results:
        if r.milestones.empty:
            continue
        for t, diff in r.milestone_differences.iterrows():
            cells = {}
            for arm, label in (("experimental", r.experimental), ("control", r.control)):
                row = r.milestones[(r.milestones["arm"] == label) & (r.milestones["time"] == t)].iloc[0]
                cells[f"{arm} arm"] = (
                    f"{format_percent(row['survival'])} ({format_percent(row['lower'])}–{format_percent(row['upper'])})"
                )
            records.append(
                {
                    "trial": r.name,
                    "at": _months(t),
                    **cells,
                    "difference, points (95% CI)": _difference_text(
                        100 * diff["difference"], 100 * diff["lower"], 100 * diff["upper"], 1
                    ),
                }
            )
    return pd.DataFrame(records)


def ph_reading(p: float) -> str:
    """What the proportional-hazards test says, in words."""
    if p < PH_ALPHA:
        return "the hazard ratio changes over time: one number misleads"
    return "no clear sign that the hazard ratio changes (which does not prove it constant)"


def ph_table(results: list[TrialResult]) -> pd.DataFrame:
    """The Grambsch–Therneau test per trial, with its reading."""
    records = []
    for r in results:
        if r.proportional_hazards.empty:
            continue
        row = r.proportional_hazards.loc["identity"]
        records.append(
            {
                "trial": r.name,
                "chi-squared (1 df)": format_number(row["statistic"], 2),
                "p": format_p(row["p"]),
                "reading": ph_reading(row["p"]),
            }
        )
    return pd.DataFrame(records)


def _span(start: float, end: float) -> str:
    if math.isinf(end):
        return f"after {format_number(start, 0)} months"
    return f"{format_number(start, 0)}–{format_number(end, 0)} months"


def piecewise_rows(results: list[TrialResult]) -> pd.DataFrame:
    """Rows of the HR-over-time forest plot: per trial, the overall HR, then each interval's."""
    records = []
    for r in results:
        if r.piecewise.empty:
            continue
        records.append(
            {
                "trial": r.name,
                "label": "All follow-up",
                "hr": r.recomputed["hr"],
                "hr_lower": r.recomputed["hr_lower"],
                "hr_upper": r.recomputed["hr_upper"],
            }
        )
        for row in r.piecewise.itertuples():
            records.append(
                {
                    "trial": r.name,
                    "label": f"{_span(row.start, row.end)} ({row.events_experimental + row.events_control} events)",
                    "hr": row.hr,
                    "hr_lower": row.lower,
                    "hr_upper": row.upper,
                }
            )
    return pd.DataFrame(records)


def piecewise_figure(results: list[TrialResult]) -> Figure:
    """Forest plot of the hazard ratio within each interval, trial by trial."""
    rows = piecewise_rows(results)
    return plotting.forest_plot(
        rows,
        group_col="trial",
        label_col="label",
        favours=("favours the added drug", "favours control"),
        xlim=(0.1, 2.5),  # ticks 0.1, 0.2, 0.5, 1, 2: legible on a phone
    )


def km_figure(result: TrialResult, ylabel: str | None = None) -> Figure:
    """The trial's Kaplan–Meier curves from its rows, with the milestones marked."""
    fitted = survival.fit_kaplan_meier(result.rows, "time", "event", "arm", order=list(result.settings.arms))
    # The drug's name alone: long arm names do not fit beside the numbers at risk on a phone.
    curves = {result.settings.arms[arm].split(" + ")[0]: kmf for arm, kmf in fitted.items()}
    label = ylabel or f"{ENDPOINT_WORDS.get(result.endpoint, result.endpoint).capitalize()}"
    fig = plotting.km_plot(curves, result.settings.risk_times, ylabel=label, title=result.name)
    axis = fig.axes[0]
    for t in result.settings.milestones:
        axis.axvline(t, color="#777777", lw=0.8, ls=":")
    axis.axvspan(0, result.settings.horizons[0], color="#999999", alpha=0.06, lw=0)
    return fig


# --------------------------------------------------------------------------- glue
def glue_trial(result: TrialResult) -> dict:
    """Glue one trial's headline values under the names of the module docstring; returns them."""
    p = result.settings.prefix
    values = {
        f"{p}_name": result.name,
        f"{p}_endpoint": ENDPOINT_WORDS.get(result.endpoint, result.endpoint),
        f"{p}_hr_published": result.published_text,
        f"{p}_hr_recomputed": format_estimate_ci(
            result.recomputed["hr"], result.recomputed["hr_lower"], result.recomputed["hr_upper"], digits=3
        ),
        f"{p}_dlog": format_number(result.log_hr_difference, 3),
    }
    if not result.rmst.empty:
        horizon = result.settings.horizons[0]
        rmst = result.rmst.loc[horizon]
        last = result.settings.milestones[-1]
        milestone = result.milestone_differences.loc[last]
        ph = result.proportional_hazards.loc["identity"]
        first, final = result.piecewise.iloc[0], result.piecewise.iloc[-1]
        values |= {
            f"{p}_horizon": format_number(horizon, 0),
            f"{p}_horizon_reason": result.horizon_reason,
            f"{p}_rmst_exp": format_number(rmst["rmst_experimental"], 1),
            f"{p}_rmst_ctl": format_number(rmst["rmst_control"], 1),
            f"{p}_rmst_diff": _difference_text(rmst["difference"], rmst["lower"], rmst["upper"], 1, "95% CI "),
            f"{p}_followed": f"{int(rmst['at_risk_experimental'])} and {int(rmst['at_risk_control'])}",
            f"{p}_ms_time": format_number(last, 0),
            f"{p}_ms_exp": format_percent(milestone["survival_experimental"]),
            f"{p}_ms_ctl": format_percent(milestone["survival_control"]),
            f"{p}_ms_diff": _difference_text(
                100 * milestone["difference"], 100 * milestone["lower"], 100 * milestone["upper"], 1, "95% CI "
            ).replace(" (", " percentage points (", 1),
            f"{p}_ph_p": p_phrase(ph["p"]),
            f"{p}_ph_reading": ph_reading(ph["p"]),
            f"{p}_piece_first": format_estimate_ci(first["hr"], first["lower"], first["upper"]),
            f"{p}_piece_last": format_estimate_ci(final["hr"], final["lower"], final["upper"]),
            f"{p}_piece_first_span": _span(first["start"], first["end"]),
            f"{p}_piece_last_span": _span(final["start"], final["end"]),
        }
    for key, value in values.items():
        glue(key, value)
    return values


def readable(frame: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """A frame of :mod:`helpers.reanalysis` as shown in an exercise: the index as a column, numbers
    rounded, column names in words (``at_risk_control`` → "at risk control") and an open last
    interval (``inf``) as "end of follow-up"."""
    shown = frame.reset_index() if frame.index.name else frame.copy()
    shown = shown.round(digits).astype(object)
    shown = shown.where(~shown.isin([float("inf")]), "end of follow-up")
    return shown.rename(columns=lambda name: str(name).replace("_", " "))


__all__ = [
    "LOG_HR_TOLERANCE",
    "TOLERANCE_REASON",
    "TRIALS",
    "TrialSettings",
    "TrialResult",
    "reanalyse",
    "load_trials",
    "hr_check_table",
    "rmst_table",
    "milestone_table",
    "ph_table",
    "ph_reading",
    "piecewise_rows",
    "piecewise_figure",
    "km_figure",
    "glue_trial",
    "readable",
]
