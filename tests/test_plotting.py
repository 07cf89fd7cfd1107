"""The house plotting style."""

import matplotlib as mpl
import numpy as np
import pytest

from helpers import data, plotting, survival


def test_palette_is_okabe_ito():
    assert plotting.OKABE_ITO["blue"] == "#0072B2"
    assert plotting.OKABE_ITO["vermillion"] == "#D55E00"
    assert len(set(plotting.SERIES_COLORS)) == len(plotting.SERIES_COLORS)


def test_use_house_style_sets_the_colour_cycle():
    plotting.use_house_style()
    cycle = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
    assert cycle == plotting.SERIES_COLORS


def test_km_plot_prints_the_numbers_at_risk_it_is_given():
    gbsg = data.load_gbsg2("months")
    curves = survival.fit_kaplan_meier(gbsg, "time_months", "event", "hormone_therapy")
    times = np.arange(0, 85, 12)
    fig = plotting.km_plot(curves, times)
    curve_ax, risk_ax = fig.axes
    printed = [t.get_text() for t in risk_ax.texts]
    for arm, kmf in curves.items():
        expected = [str(n) for n in survival.numbers_at_risk(kmf.durations, times)]
        assert all(e in printed for e in expected)
        assert arm in printed
    assert len(curve_ax.get_lines()) >= 2
    mpl.pyplot.close(fig)


def test_km_plot_without_curves_is_an_error():
    with pytest.raises(ValueError, match="at least one fitted curve"):
        plotting.km_plot({}, [0, 1])


def _dots():
    import pandas as pd

    return pd.DataFrame({"median": [45.0, 30.0, 11.3, 20.0],
                         "label": ["Series A: all", "Series B: all", "Review C: pooled", "Trial D: control"],
                         "therapy": ["resection", "resection", "arterial infusion", "systemic"],
                         "series": ["one series", "one series", "pooled", "comparison arm"]})


def test_dot_plot_draws_each_row_at_its_value_in_the_given_order():
    markers = {"one series": "o", "pooled": "D", "comparison arm": "^"}
    fig = plotting.dot_plot(_dots(), value="median", label="label", colour_by="therapy", marker_by="series",
                            markers=markers, xlabel="Median OS, months", title="NOT effects")
    ax = fig.axes[0]
    points = [(line.get_xdata()[0], line.get_ydata()[0], line.get_marker(), line.get_color()) for line in ax.lines]
    colours = plotting.SERIES_COLORS
    assert points == [(45.0, 0, "o", colours[0]), (30.0, 1, "o", colours[0]), (11.3, 2, "D", colours[1]),
                      (20.0, 3, "^", colours[2])]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(_dots()["label"])
    assert ax.get_ylim() == (3.5, -0.5)  # first row on top
    assert ax.get_xlim()[0] == 0
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["one series", "pooled", "comparison arm", "resection", "arterial infusion", "systemic"]


def test_dot_plot_names_a_series_without_a_marker():
    with pytest.raises(KeyError, match=r"no marker for series value\(s\) \['comparison arm'\]"):
        plotting.dot_plot(_dots(), value="median", label="label", colour_by="therapy", marker_by="series",
                          markers={"one series": "o", "pooled": "D"}, xlabel="x")


def test_dot_plot_refuses_a_row_without_a_value():
    rows = _dots()
    rows.loc[1, "median"] = float("nan")
    with pytest.raises(ValueError, match="median is missing for row 'Series B: all'"):
        plotting.dot_plot(rows, value="median", label="label", colour_by="therapy", marker_by="series",
                          markers={"one series": "o", "pooled": "D", "comparison arm": "^"}, xlabel="x")
