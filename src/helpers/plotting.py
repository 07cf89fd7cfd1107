"""The book's single plotting style.

Colour-blind-safe colours (Okabe & Ito 2008, "Color Universal Design"), one font size scheme,
and the figure types the chapters share: Kaplan–Meier curves with a numbers-at-risk table,
forest plots of hazard ratios, dot plots of descriptive values (medians of single-arm series) and
risk-of-bias traffic lights.
Every chapter draws through these functions so that all figures look alike.

Alt text is attached to each figure's cell (``mystnb.image.alt`` metadata), because that is
where the HTML ``alt`` attribute comes from; the functions here return the figure.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator
from matplotlib.transforms import blended_transform_factory

from helpers import _check
from helpers.formatting import format_ci, format_number, format_p
from helpers.survival import numbers_at_risk

if TYPE_CHECKING:  # only for annotations: plotting does not need statsmodels at import
    from helpers.meta import PooledEffect

__all__ = [
    "OKABE_ITO",
    "SERIES_COLORS",
    "JUDGEMENT_STYLE",
    "SAVEFIG_OPTIONS",
    "use_house_style",
    "plain",
    "km_plot",
    "forest_rows",
    "draw_forest",
    "forest_plot",
    "dot_plot",
    "traffic_light",
    "stacked_bars",
    "search_flow",
]

#: The Okabe–Ito palette, distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "reddish_purple": "#CC79A7",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: Order in which series take colours (the first two contrast best in grey scale too).
SERIES_COLORS = [
    OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "reddish_purple", "orange", "sky_blue", "black")
]

_STYLE = {
    "figure.figsize": (7.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": mpl.cycler(color=SERIES_COLORS),
    "svg.hashsalt": "bclm",  # deterministic SVG ids
    "svg.fonttype": "path",
}
#: ``savefig`` options of every figure the book shows: no creation date, so the same figure gives
#: the same SVG bytes on every run (with ``svg.hashsalt`` fixed in the style).
SAVEFIG_OPTIONS = {"metadata": {"Date": None}}


def use_house_style() -> None:
    """Apply the book's matplotlib style (call once, in a chapter's import cell).

    The base is seaborn's theme (``ticks`` style, ``notebook`` context) with the Okabe–Ito palette;
    the book's own settings (font sizes, light grid, no top/right spines, deterministic SVG) are
    laid over it, so every figure shares one look whichever function draws it. In a notebook,
    figures are shown as SVG (sharp at every zoom and screen density) written deterministically:
    fixed ``svg.hashsalt`` and no date in the metadata (:data:`SAVEFIG_OPTIONS`).
    """
    sns.set_theme(context="notebook", style="ticks", palette=SERIES_COLORS, rc=_STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: nothing to configure
        return
    if get_ipython() is not None:
        set_matplotlib_formats("svg", **SAVEFIG_OPTIONS)


def plain(text) -> str:
    """A label as plain text: a ``$`` from data is shown as a dollar sign, never read as maths."""
    return str(text).replace("$", r"\$")


def km_plot(
    fitted: Mapping,
    risk_times: Sequence[float],
    time_label: str = "Months",
    ylabel: str = "Probability of being event-free",
    title: str | None = None,
    confidence_bands: bool = True,
    colors: Sequence[str] | None = None,
) -> Figure:
    """Kaplan–Meier curves with their confidence bands and a numbers-at-risk table below.

    Parameters
    ----------
    fitted
        ``{label: lifelines.KaplanMeierFitter}``, e.g. from
        :func:`helpers.survival.fit_kaplan_meier`.
    risk_times
        Times at which the numbers at risk are printed (also the x ticks).
    time_label, ylabel, title
        Axis labels and an optional title.
    confidence_bands
        Shade each curve's pointwise confidence band.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not fitted:
        raise ValueError("km_plot needs at least one fitted curve")
    risk_times = np.asarray(risk_times, dtype=float)
    colors = list(colors) if colors is not None else SERIES_COLORS
    fig, (ax, ax_risk) = plt.subplots(
        2,
        1,
        sharex=True,
        figsize=(7.0, 5.0),
        gridspec_kw={"height_ratios": [4, 0.35 + 0.3 * len(fitted)], "hspace": 0.3},
    )
    for i, (label, kmf) in enumerate(fitted.items()):
        color = colors[i % len(colors)]
        sf = kmf.survival_function_
        ax.step(sf.index, sf.iloc[:, 0], where="post", color=color, lw=1.8, label=plain(label))
        if confidence_bands:
            ci = kmf.confidence_interval_survival_function_
            ax.fill_between(ci.index, ci.iloc[:, 0], ci.iloc[:, 1], step="post", color=color, alpha=0.18, lw=0)
        censored = kmf.durations[kmf.event_observed == 0]
        ax.plot(
            censored, kmf.survival_function_at_times(censored).to_numpy(), "|", color=color, ms=5, mew=0.8, alpha=0.7
        )
        counts = numbers_at_risk(kmf.durations, risk_times)
        row = len(fitted) - 1 - i
        for t, n in zip(risk_times, counts):
            ax_risk.text(t, row, f"{n}", ha="center", va="center", fontsize=9, color=color)
        ax_risk.text(
            -0.02,
            row,
            plain(label),
            transform=ax_risk.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=9,
            color=color,
        )
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower left")
    if title:
        ax.set_title(title)
    ax_risk.set_ylim(-0.6, len(fitted) - 0.4)
    ax_risk.set_yticks([])
    ax_risk.grid(False)
    for side in ("left", "top", "right"):
        ax_risk.spines[side].set_visible(False)
    ax_risk.set_xticks(risk_times)
    ax_risk.set_xlim(risk_times.min() - 0.03 * np.ptp(risk_times), risk_times.max() + 0.03 * np.ptp(risk_times))
    ax_risk.set_xlabel(time_label)
    ax_risk.set_title("Number at risk", fontsize=9, loc="left", pad=4)
    fig.subplots_adjust(left=0.16, right=0.97, top=0.95, bottom=0.1)
    return fig


def _frame_values(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column of ``frame``, or an index level of that name."""
    if name in frame.columns:
        return frame[name].to_numpy()
    if name in frame.index.names:
        return frame.index.get_level_values(name).to_numpy()
    raise KeyError(
        f"{name!r} is neither a column nor an index level of the studies "
        f"(columns {list(frame.columns)}, index {list(frame.index.names)})"
    )


def _log_ticks(low: float, high: float) -> list[float]:
    """Readable hazard-ratio ticks between ``low`` and ``high`` (at most about seven)."""
    for candidates in (
        [0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10],
        [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100],
        [0.001, 0.01, 0.1, 1, 10, 100, 1000],
    ):
        ticks = [t for t in candidates if low <= t <= high]
        if len(ticks) <= 7:
            return ticks
    return ticks


def _interval_line(
    ax, lower: float, upper: float, y: float, xlim: tuple[float, float], color: str, lw: float, caps: bool = False
) -> None:
    """A horizontal interval at ``y``, clipped to ``xlim`` with an arrowhead where it is cut."""
    lo, hi = max(lower, xlim[0]), min(upper, xlim[1])
    ax.plot([lo, hi], [y, y], color=color, lw=lw, solid_capstyle="butt", zorder=2)
    if caps:
        for x, cut in ((lo, lower < xlim[0]), (hi, upper > xlim[1])):
            if not cut:
                ax.plot([x], [y], marker="|", ms=7, mew=lw, color=color, zorder=2)
    if lower < xlim[0]:
        ax.plot([lo], [y], marker="<", ms=5, color=color, zorder=3, clip_on=False)
    if upper > xlim[1]:
        ax.plot([hi], [y], marker=">", ms=5, color=color, zorder=3, clip_on=False)


def forest_rows(
    studies: pd.DataFrame,
    pooled: PooledEffect | Mapping[str, PooledEffect] | None = None,
    group_col: str | None = None,
    label_col: str | None = None,
    hr_col: str = "hr",
    lower_col: str = "hr_lower",
    upper_col: str = "hr_upper",
    weight_col: str | None = None,
    colors: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The rows of a forest plot, top to bottom, as a tidy frame (the row model :func:`draw_forest`
    draws; see :func:`forest_plot` for the parameters).

    Returns
    -------
    pandas.DataFrame
        One row per line of the plot: ``kind`` (``header``, ``study``, ``pooled``, ``pi``,
        ``heterogeneity`` or ``spacer``), ``label``, ``color``, ``group`` (index of the group),
        ``hr``, ``lower``, ``upper`` and ``weight`` for studies, and ``result`` (the
        :class:`helpers.meta.PooledEffect`) for pooled lines.
    """
    if len(studies) == 0:
        raise ValueError("forest_rows needs at least one study")
    hr = _frame_values(studies, hr_col).astype(float)
    lower = _frame_values(studies, lower_col).astype(float)
    upper = _frame_values(studies, upper_col).astype(float)
    if label_col is None:
        labels = [str(i[-1]) if isinstance(i, tuple) else str(i) for i in studies.index]
    else:
        labels = [str(x) for x in _frame_values(studies, label_col)]
    for name, h, lo, hi in zip(labels, hr, lower, upper):
        if not (np.all(np.isfinite([h, lo, hi])) and 0 < lo <= h <= hi):
            raise ValueError(f"study {name!r}: need 0 < lower <= HR <= upper, got HR {h!r} ({lo!r}, {hi!r})")
    if weight_col is None and "weight_percent" in studies.columns:
        weight_col = "weight_percent"
    weights = None if weight_col is None else _frame_values(studies, weight_col).astype(float)
    if weights is not None and not np.all(np.isfinite(weights) & (weights >= 0)):
        raise ValueError(f"weights in {weight_col!r} must be finite and non-negative, got {weights.tolist()}")

    if group_col is None:
        groups = [None]
        membership = np.full(len(studies), None, dtype=object)
        if isinstance(pooled, Mapping):
            raise ValueError("pooled results per group need group_col")
        pooled_by_group = {None: pooled} if pooled is not None else {}
    else:
        membership = _frame_values(studies, group_col)
        groups = list(pd.unique(membership))
        if pooled is not None and not isinstance(pooled, Mapping):
            raise ValueError("with group_col, give pooled as a mapping {group: PooledEffect}")
        pooled_by_group = dict(pooled or {})
        unknown = [g for g in pooled_by_group if g not in groups]
        if unknown:
            raise ValueError(f"pooled results for groups {unknown} that are not in column {group_col!r} (has {groups})")
    colors = list(colors) if colors is not None else SERIES_COLORS

    # Rows from the top (y = 0) down.
    rows: list[dict] = []
    for g_index, group in enumerate(groups):
        color = colors[g_index % len(colors)]
        if group is not None:
            rows.append({"kind": "header", "label": str(group), "color": color})
        for i in np.flatnonzero([m == group for m in membership]):
            rows.append(
                {
                    "kind": "study",
                    "group": g_index,
                    "label": labels[i],
                    "color": color,
                    "hr": hr[i],
                    "lower": lower[i],
                    "upper": upper[i],
                    "weight": None if weights is None else weights[i],
                }
            )
        result = pooled_by_group.get(group)
        if result is not None:
            short = f"{result.method}, HK" if result.hartung_knapp else result.method
            rows.append({"kind": "pooled", "label": f"Pooled ({short})", "color": color, "result": result})
            if result.method != "FE":
                rows.append({"kind": "pi", "label": "Prediction interval", "color": color, "result": result})
            rows.append({"kind": "heterogeneity", "color": color, "result": result})
        if g_index < len(groups) - 1:
            rows.append({"kind": "spacer"})

    columns = ["kind", "label", "color", "group", "hr", "lower", "upper", "weight", "result"]
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)


def draw_forest(
    rows: pd.DataFrame,
    level: float | None = None,
    xlabel: str = "Hazard ratio (log scale)",
    title: str | None = None,
    favours: tuple[str, str] | None = None,
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """Draw the rows of :func:`forest_rows` (see :func:`forest_plot` for the parameters)."""
    rows = [
        {k: None if isinstance(v, float) and np.isnan(v) else v for k, v in r.items()} for r in rows.to_dict("records")
    ]
    drawn = [r for r in rows if r["kind"] == "study"]
    results = [r["result"] for r in rows if r["kind"] == "pooled"]
    if level is None:
        levels = {result.level for result in results}
        level = levels.pop() if len(levels) == 1 else 0.95
    lows = [r["lower"] for r in drawn] + [1.0]
    highs = [r["upper"] for r in drawn] + [1.0]
    for result in results:
        lows.append(result.hr_pi_lower if result.hr_pi_lower is not None else result.hr_lower)
        highs.append(result.hr_pi_upper if result.hr_pi_upper is not None else result.hr_upper)
    if xlim is None:
        xlim = (min(lows) / 1.12, max(highs) * 1.12)
    elif not 0 < xlim[0] < 1 < xlim[1]:
        raise ValueError(f"xlim must satisfy 0 < low < 1 < high, got {xlim!r}")

    top_margin = 0.4 + (0.3 if title else 0.0)
    height = 0.6 + top_margin + 0.27 * len(rows) + (0.25 if favours else 0.0)
    fig, ax = plt.subplots(figsize=(7.0, height))
    fig.subplots_adjust(
        left=0.32, right=0.62, top=1 - top_margin / height, bottom=(0.5 + (0.25 if favours else 0.0)) / height
    )
    in_rows = blended_transform_factory(fig.transFigure, ax.transData)
    above = blended_transform_factory(fig.transFigure, ax.transAxes)
    x_label, x_estimate, x_weight = 0.02, 0.645, 0.975
    ax.text(x_label, 1.01, "Study", transform=above, ha="left", va="bottom", fontweight="bold")
    ax.text(x_estimate, 1.01, f"HR ({level * 100:g}% CI)", transform=above, ha="left", va="bottom", fontweight="bold")
    # Every weight or none: a Weight column only when each study has one.
    show_weights = bool(drawn) and all(r["weight"] is not None for r in drawn)
    if show_weights:
        ax.text(x_weight, 1.01, "Weight", transform=above, ha="right", va="bottom", fontweight="bold")

    # Square areas are proportional to the weights within each group.
    max_weight = {}
    for row in drawn:
        if row["weight"] is not None:
            max_weight[row["group"]] = max(max_weight.get(row["group"], 0.0), row["weight"])
    for position, row in enumerate(rows):
        y = -position
        kind = row["kind"]
        if kind == "header":
            ax.text(
                x_label,
                y,
                plain(row["label"]),
                transform=in_rows,
                ha="left",
                va="center",
                fontweight="bold",
                color=row["color"],
            )
        elif kind == "study":
            largest = max_weight.get(row["group"])
            size = 6.0 if not largest else 3.0 + 9.0 * np.sqrt(row["weight"] / largest)
            _interval_line(ax, row["lower"], row["upper"], y, xlim, row["color"], 1.2)
            if xlim[0] <= row["hr"] <= xlim[1]:
                ax.plot([row["hr"]], [y], marker="s", ms=size, color=row["color"], zorder=3)
            ax.text(x_label + 0.015, y, plain(row["label"]), transform=in_rows, ha="left", va="center")
            ax.text(
                x_estimate,
                y,
                f"{format_number(row['hr'])} ({format_ci(row['lower'], row['upper'])})",
                transform=in_rows,
                ha="left",
                va="center",
            )
            if show_weights:
                ax.text(x_weight, y, f"{format_number(row['weight'], 1)}%", transform=in_rows, ha="right", va="center")
        elif kind == "pooled":
            result = row["result"]
            lo, hi = max(result.hr_lower, xlim[0]), min(result.hr_upper, xlim[1])
            ax.add_patch(
                Polygon(
                    [(lo, y), (result.hr, y + 0.32), (hi, y), (result.hr, y - 0.32)],
                    closed=True,
                    facecolor=row["color"],
                    edgecolor=row["color"],
                    zorder=3,
                    label=row["label"],
                )
            )
            ax.text(x_label + 0.015, y, row["label"], transform=in_rows, ha="left", va="center", fontweight="bold")
            ax.text(
                x_estimate,
                y,
                f"{format_number(result.hr)} ({format_ci(result.hr_lower, result.hr_upper)})",
                transform=in_rows,
                ha="left",
                va="center",
                fontweight="bold",
            )
            if show_weights:
                ax.text(
                    x_weight,
                    y,
                    f"{format_number(result.weights.sum(), 1)}%",
                    transform=in_rows,
                    ha="right",
                    va="center",
                    fontweight="bold",
                )
        elif kind == "pi":
            result = row["result"]
            ax.text(x_label + 0.015, y, row["label"], transform=in_rows, ha="left", va="center")
            if result.pi_lower is None:
                text = f"not estimable (k = {result.k})"
            else:
                _interval_line(ax, result.hr_pi_lower, result.hr_pi_upper, y, xlim, row["color"], 1.6, caps=True)
                text = format_ci(result.hr_pi_lower, result.hr_pi_upper)
            ax.text(x_estimate, y, text, transform=in_rows, ha="left", va="center")
        elif kind == "heterogeneity":
            result = row["result"]
            p_text = format_p(result.q_p)
            p_text = f"p {p_text}" if p_text.startswith("<") else f"p = {p_text}"
            small = {"transform": in_rows, "va": "center", "fontsize": 9, "color": "#555555"}
            ax.text(
                x_label + 0.015,
                y,
                f"Heterogeneity: Q = {format_number(result.q)}, df = {result.q_df}",
                ha="left",
                **small,
            )
            tau2_text = "" if result.method == "FE" else f"τ² = {format_number(result.tau2, 3)}, "
            ax.text(x_estimate, y, f"I² = {format_number(result.i2, 0)}%, {tau2_text}{p_text}", ha="left", **small)

    ax.axvline(1.0, color=OKABE_ITO["black"], lw=0.8, zorder=1)
    ax.set_xscale("log")
    ax.set_xlim(*xlim)
    ax.xaxis.set_major_locator(FixedLocator(_log_ticks(*xlim)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel, labelpad=16 if favours else 4)
    if favours:
        for text, sign, align in ((favours[0], -1, "right"), (favours[1], 1, "left")):
            ax.annotate(
                text,
                xy=(1.0, 0.0),
                xycoords=("data", "axes fraction"),
                xytext=(4 * sign, -22),
                textcoords="offset points",
                ha=align,
                va="top",
                fontsize=9,
            )
    if title:
        fig.suptitle(title, x=x_label, y=1 - 0.08 / height, ha="left", va="top", fontsize=11)
    return fig


def forest_plot(
    studies: pd.DataFrame,
    pooled: PooledEffect | Mapping[str, PooledEffect] | None = None,
    group_col: str | None = None,
    label_col: str | None = None,
    hr_col: str = "hr",
    lower_col: str = "hr_lower",
    upper_col: str = "hr_upper",
    weight_col: str | None = None,
    level: float | None = None,
    xlabel: str = "Hazard ratio (log scale)",
    title: str | None = None,
    favours: tuple[str, str] | None = None,
    xlim: tuple[float, float] | None = None,
    colors: Sequence[str] | None = None,
) -> Figure:
    """Forest plot of hazard ratios: one row per study, optionally pooled, optionally in groups.

    Each study is a square (area proportional to its weight, when weights are given) with its
    confidence interval on a log axis; a vertical line marks HR = 1. To the right, the HR with
    its CI and the weight in percent are printed. A pooled result adds a diamond (estimate and
    CI), a row with its prediction interval drawn as a whisker (Higgins, Thompson &
    Spiegelhalter 2009; "not estimable" when it is undefined, none for a common-effect model)
    and a line on heterogeneity (I², τ², Cochran's Q p-value).

    Parameters
    ----------
    studies
        One row per study with the hazard ratio and its limits, e.g.
        :attr:`helpers.meta.PooledEffect.studies`, or published values. Columns or index levels
        are looked up by name.
    pooled
        ``None`` (no pooling drawn), one :class:`helpers.meta.PooledEffect`, or with
        ``group_col`` a mapping ``{group: PooledEffect}`` for the groups to pool (others are
        drawn without a diamond).
    group_col
        Draw several groups on one figure (e.g. ``"overall"`` and ``"liver metastases"``), in
        order of first appearance, each under a header and in its own colour. For instance
        ``pd.concat({"Overall": a.studies, "Liver metastases": b.studies}, names=["group"])``
        with ``group_col="group"``.
    label_col
        Study labels; the (last level of the) index when ``None``.
    hr_col, lower_col, upper_col
        The hazard ratio and its confidence limits.
    weight_col
        Weights in percent, printed as a column and sizing the squares. ``None``: use
        ``weight_percent`` when it exists, otherwise draw no weights.
    level
        Confidence level named in the column header; defaults to the pooled result's level,
        else 0.95.
    xlabel, title
        Axis label and optional title.
    favours
        Optional ``(left, right)`` captions under the axis, e.g.
        ``("Favours resection", "Favours systemic therapy")``.
    xlim
        Hazard-ratio limits of the axis; intervals beyond them end in an arrowhead.
    colors
        One colour per group (default: the Okabe–Ito series colours).

    Returns
    -------
    matplotlib.figure.Figure
        :func:`draw_forest` of :func:`forest_rows`: the row model (which lines, in which order)
        and the drawing are separate steps, each usable alone.
    """
    rows = forest_rows(
        studies,
        pooled=pooled,
        group_col=group_col,
        label_col=label_col,
        hr_col=hr_col,
        lower_col=lower_col,
        upper_col=upper_col,
        weight_col=weight_col,
        colors=colors,
    )
    return draw_forest(rows, level=level, xlabel=xlabel, title=title, favours=favours, xlim=xlim)


#: Risk-of-bias judgements: colour and a symbol, so colour is never the only cue.
JUDGEMENT_STYLE = {
    "low": (OKABE_ITO["bluish_green"], "+", "low"),
    "some_concerns": (OKABE_ITO["orange"], "!", "some concerns"),
    "moderate": (OKABE_ITO["orange"], "!", "moderate"),
    "high": (OKABE_ITO["vermillion"], "−", "high"),
    "serious": (OKABE_ITO["vermillion"], "−", "serious"),
    "critical": (OKABE_ITO["reddish_purple"], "×", "critical"),
    "no_information": ("#BBBBBB", "?", "no information"),
}


def dot_plot(
    rows: pd.DataFrame,
    value: str,
    label: str,
    colour_by: str,
    marker_by: str,
    markers: Mapping[str, str],
    xlabel: str,
    title: str | None = None,
) -> Figure:
    """One row per estimate, a dot at its value: for values that must NOT be read as effects.

    Used for medians of single-arm series (each from its own population and time zero), where
    a forest plot's shared axis and intervals would suggest a comparison. Rows are drawn in the
    order given, top to bottom; colour shows ``colour_by`` (house palette, in order of first
    appearance) and the marker shows ``marker_by`` (``markers`` maps each value to a matplotlib
    marker). One legend under the plot lists the markers, then the colours.

    Parameters
    ----------
    rows
        One row per dot, in display order.
    value, label
        Columns of the plotted value and of the row label.
    colour_by, marker_by
        Columns whose values set each dot's colour and marker.
    markers
        Marker for every value of ``marker_by``.
    xlabel, title
        Axis label and (optional) title.

    Raises
    ------
    KeyError
        If a column is missing, or a ``marker_by`` value has no marker.
    ValueError
        If a value is missing (a row would be labelled but show no dot).
    """
    for column in (value, label, colour_by, marker_by):
        if column not in rows.columns:
            raise KeyError(f"dot_plot: no column {column!r} in the rows")
    unknown = sorted(set(rows[marker_by]) - set(markers))
    if unknown:
        raise KeyError(f"dot_plot: no marker for {marker_by} value(s) {unknown}")
    empty = rows.index[rows[value].isna()]
    if len(empty):
        raise ValueError(f"dot_plot: {value} is missing for row {rows.loc[empty[0], label]!r}")
    colours = {c: SERIES_COLORS[i % len(SERIES_COLORS)] for i, c in enumerate(pd.unique(rows[colour_by]))}
    height = 0.24 * len(rows) + 2.6
    fig, ax = plt.subplots(figsize=(7.0, height))
    fig.subplots_adjust(left=0.44, right=0.97, top=1 - 0.45 / height, bottom=2.0 / height)
    for y, (_, row) in enumerate(rows.iterrows()):
        ax.plot(row[value], y, markers[row[marker_by]], color=colours[row[colour_by]], ms=7)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([plain(v) for v in rows[label]], fontsize=9)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, None)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, fontsize=10, loc="right")
    handles = [plt.Line2D([], [], ls="", marker=m, color="grey", label=plain(k)) for k, m in markers.items()]
    handles += [plt.Line2D([], [], ls="", marker="o", color=c, label=plain(t)) for t, c in colours.items()]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False, bbox_to_anchor=(0.55, 0.0))
    return fig


def traffic_light(matrix, title: str | None = None) -> Figure:
    """Risk-of-bias traffic-light plot: one row per study (or result), one column per domain.

    Parameters
    ----------
    matrix
        A DataFrame indexed by (row label, tool) with one column per domain and judgements as
        values (:func:`helpers.synthesis.risk_of_bias_matrix`). Empty cells are left blank.

    Returns
    -------
    matplotlib.figure.Figure
        Circles coloured by judgement (Okabe–Ito) with a symbol inside (+ low, ! some
        concerns/moderate, − high/serious, × critical, ? no information). Columns are headed
        D1, D2, … and a key under the grid names each domain, then the judgements; every label
        is at least 9 pt (12 px at 1:1, over 70% of the book's body text) and the figure is no
        wider than its content needs (at most 7 inches), so a phone shrinks it little.
    """
    if matrix.empty:
        raise ValueError("traffic_light needs at least one judgement")
    unknown = {v for v in matrix.stack().dropna() if v not in JUDGEMENT_STYLE}
    if unknown:
        raise ValueError(f"unknown judgement(s) {sorted(unknown)}; expected {sorted(JUDGEMENT_STYLE)}")
    n_rows, n_cols = matrix.shape
    used = [k for k in JUDGEMENT_STYLE if (matrix == k).any().any()]
    legend_rows = -(-len(used) // 4)  # the judgements, four to a row
    key_lines = n_cols + 1
    lines = [len(textwrap.wrap(f"{label} ({tool})", 42)) for label, tool in matrix.index]
    grid_height = 0.45 + sum(0.34 if n == 1 else 0.2 + 0.16 * n for n in lines)
    key_height = 0.2 * key_lines + 0.28 * legend_rows + 0.2
    height = grid_height + key_height + (0.35 if title else 0.0)
    fig = plt.figure(figsize=(7.0, height))
    # Grid: one column per domain at 0.42 in, right of the row labels (wrapped at 42 characters).
    # The figure is as wide as its labels, grid and key need (at most 7 in), so that a phone
    # shrinks it as little as possible.
    labels = [plain(textwrap.fill(f"{label} ({tool})", 42)) for label, tool in matrix.index]
    key = [plain(f"D{j + 1}  {domain}") for j, domain in enumerate(matrix.columns)]
    renderer = fig.canvas.get_renderer()

    def widest(texts, size):
        return max(fig.text(0, 0, t, fontsize=size).get_window_extent(renderer).width for t in texts) / fig.dpi

    label_width = widest(labels, 10)
    key_width = max(widest(key, 9.5), 1.15 * min(len(used), 4) + 0.2, widest([plain(title)], 11) if title else 0.0)
    for text in list(fig.texts):
        text.remove()
    grid_width = min(0.42 * n_cols, 6.6 - label_width)
    fig_width = min(7.0, max(0.45 + label_width + grid_width, 0.4 + key_width, 3.5))
    fig.set_size_inches(fig_width, height)
    width = grid_width / fig_width
    left = min((0.2 + label_width) / fig_width, 1 - 0.1 / fig_width - width)
    above = 0.35 if title else 0.0
    ax = fig.add_axes((left, 1 - (grid_height + above - 0.05) / height, width, (grid_height - 0.45) / height))
    margin = 0.2 / fig_width
    for i, (_, values) in enumerate(matrix.iterrows()):
        for j, value in enumerate(values):
            if not isinstance(value, str):
                continue
            color, symbol, _ = JUDGEMENT_STYLE[value]
            ax.scatter(j, i, s=220, color=color, edgecolor="white", zorder=3)
            ax.text(
                j,
                i,
                symbol,
                ha="center",
                va="center",
                fontsize=10,
                fontweight="bold",
                color="black" if value in ("some_concerns", "moderate", "no_information") else "white",
                zorder=4,
            )
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.set_xticks(range(n_cols))
    ax.set_xticklabels([f"D{j + 1}" for j in range(n_cols)], fontsize=10, fontweight="bold")
    ax.xaxis.tick_top()
    ax.set_yticks(range(n_rows))
    ax.set_yticklabels(labels, fontsize=10)
    ax.grid(False)
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    # The key, under the grid: each domain by its number, then the judgements.
    y = (key_height - 0.15) / height
    step = 0.2 / height
    fig.text(margin, y, "Domains", fontsize=9.5, fontweight="bold", va="top")
    for j, line in enumerate(key):
        fig.text(margin, y - (j + 1) * step, line, fontsize=9.5, va="top")
    handles = [
        plt.Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=JUDGEMENT_STYLE[k][0],
            ms=10,
            label=f"{JUDGEMENT_STYLE[k][1]} {JUDGEMENT_STYLE[k][2]}",
        )
        for k in used
    ]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(margin - 0.01, 0.0),
        ncol=min(len(used), 4),
        frameon=False,
        fontsize=9.5,
        handletextpad=0.3,
        columnspacing=1.2,
    )
    if title:
        fig.suptitle(plain(title), x=margin, y=1 - 0.08 / height, ha="left", va="top", fontsize=11)
    return fig


def stacked_bars(
    counts: pd.DataFrame,
    xlabel: str,
    colors: Sequence[str] | None = None,
    hatches: Sequence[str] = ("", "xx", "..", "//"),
    figsize: tuple[float, float] = (7.0, 3.2),
) -> Figure:
    """Horizontal stacked bars of counts: one bar per row of ``counts`` (top to bottom in the
    order given), one segment per column, each segment in its own colour and hatch (so colour is
    never the only cue), with the legend under the bars. Used for the claims audit's
    verdicts per article.
    """
    if counts.empty:
        raise ValueError("stacked_bars needs at least one row and one column")
    colors = list(colors) if colors is not None else SERIES_COLORS[: counts.shape[1]]
    counts = counts.rename(index=plain, columns=plain)
    ax = counts.iloc[::-1].plot.barh(stacked=True, color=colors, edgecolor="black", linewidth=0.5, figsize=figsize)
    for bars, hatch in zip(ax.containers, hatches):
        for bar in bars:
            bar.set_hatch(hatch)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    # The legend sits under the bars, inside the figure: it stays with the figure at any width.
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.22), ncol=min(counts.shape[1], 4), frameon=False)
    ax.figure.tight_layout()
    return ax.figure


def search_flow(counts: pd.DataFrame, not_found_reasons: pd.DataFrame | None = None) -> Figure:
    """A PRISMA-style flow of searches (Page MJ et al., BMJ 2021;372:n71): searches run; those
    that found nothing to the side; the leads found; those excluded to the side; the remaining
    leads added to the data or awaiting verification.

    ``counts`` is :func:`helpers.searchlog.flow_counts` (columns ``stage`` and ``searches``);
    ``not_found_reasons`` (columns ``reason`` and ``searches``), when given, is listed in the
    not-found box (the four commonest reasons). Main boxes stack in one column with side boxes,
    so the figure stays legible when scaled to a phone's width.
    """
    _check.columns(counts, ["stage", "searches"], "counts")
    n = dict(zip(counts["stage"], counts["searches"]))
    needed = ["Searches run", "Not found", "Lead found", "Excluded", "Awaiting verification", "Added to the data"]
    missing = [stage for stage in needed if stage not in n]
    if missing:
        raise KeyError(f"counts has no row for stage(s) {missing}")
    reasons = ""
    if not_found_reasons is not None and not not_found_reasons.empty:
        _check.columns(not_found_reasons, ["reason", "searches"], "not_found_reasons")
        top = not_found_reasons.head(4).itertuples(index=False)
        reasons = "".join(f"\n{textwrap.shorten(str(r), 46, placeholder='…')}: {c}" for r, c in top)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.axis("off")
    main = dict(boxstyle="round,pad=0.45", facecolor="white", edgecolor="black", linewidth=0.8)
    aside = dict(main, facecolor="#F2F2F2")

    def put(x, y, text, style, size=10.5):
        ax.text(x, y, text, ha="center", va="center", fontsize=size, bbox=style)

    def arrow(x0, y0, x1, y1):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", color="black", linewidth=0.9))

    put(1.8, 9.2, f"Searches run\nn = {n['Searches run']}", main)
    put(6.7, 7.2, f"Nothing found\nn = {n['Not found']}{reasons}", aside, size=9)
    put(1.8, 5.0, f"Lead found\nn = {n['Lead found']}", main)
    put(6.7, 3.4, f"Excluded\nn = {n['Excluded']}", aside)
    put(1.5, 0.9, f"Added to the data\nn = {n['Added to the data']}", main)
    put(5.9, 0.9, f"Awaiting verification\nn = {n['Awaiting verification']}", aside)
    arrow(1.8, 8.5, 1.8, 5.7)
    arrow(1.8, 7.2, 3.3, 7.2)
    arrow(1.8, 4.3, 1.8, 1.7)
    arrow(1.8, 3.4, 5.6, 3.4)
    arrow(1.8, 2.4, 5.9, 1.7)
    return fig
