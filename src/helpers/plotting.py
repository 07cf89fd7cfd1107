"""The book's single plotting style.

Colour-blind-safe colours (Okabe & Ito 2008, "Color Universal Design"), one font size scheme,
and the figure types the chapters share: Kaplan–Meier curves with a numbers-at-risk table.
Every chapter draws through these functions so that all figures look alike.

Alt text is attached to each figure's cell (``mystnb.image.alt`` metadata), because that is
where the HTML ``alt`` attribute comes from; the functions here return the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.survival import numbers_at_risk

__all__ = ["OKABE_ITO", "SERIES_COLORS", "use_house_style", "km_plot"]

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
SERIES_COLORS = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "reddish_purple",
                                         "orange", "sky_blue", "black")]

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
}


def use_house_style() -> None:
    """Apply the book's matplotlib style (call once, in a chapter's import cell)."""
    mpl.rcParams.update(_STYLE)


def km_plot(fitted: Mapping, risk_times: Sequence[float], time_label: str = "Months",
            ylabel: str = "Probability of being event-free", title: str | None = None,
            confidence_bands: bool = True, colors: Sequence[str] | None = None) -> Figure:
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
        2, 1, sharex=True, figsize=(7.0, 5.0),
        gridspec_kw={"height_ratios": [4, 0.35 + 0.3 * len(fitted)], "hspace": 0.3},
    )
    for i, (label, kmf) in enumerate(fitted.items()):
        color = colors[i % len(colors)]
        sf = kmf.survival_function_
        ax.step(sf.index, sf.iloc[:, 0], where="post", color=color, lw=1.8, label=str(label))
        if confidence_bands:
            ci = kmf.confidence_interval_survival_function_
            ax.fill_between(ci.index, ci.iloc[:, 0], ci.iloc[:, 1], step="post",
                            color=color, alpha=0.18, lw=0)
        censored = kmf.durations[kmf.event_observed == 0]
        ax.plot(censored, kmf.survival_function_at_times(censored).to_numpy(), "|",
                color=color, ms=5, mew=0.8, alpha=0.7)
        counts = numbers_at_risk(kmf.durations, risk_times)
        row = len(fitted) - 1 - i
        for t, n in zip(risk_times, counts):
            ax_risk.text(t, row, f"{n}", ha="center", va="center", fontsize=9, color=color)
        ax_risk.text(-0.02, row, str(label), transform=ax_risk.get_yaxis_transform(),
                     ha="right", va="center", fontsize=9, color=color)
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
    ax_risk.set_xlim(risk_times.min() - 0.03 * np.ptp(risk_times),
                     risk_times.max() + 0.03 * np.ptp(risk_times))
    ax_risk.set_xlabel(time_label)
    ax_risk.set_title("Number at risk", fontsize=9, loc="left", pad=4)
    fig.subplots_adjust(left=0.16, right=0.97, top=0.95, bottom=0.1)
    return fig
