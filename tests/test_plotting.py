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
