"""The house plotting style."""

import matplotlib as mpl
import numpy as np
import pytest

from helpers import plotting, survival


def test_palette_is_okabe_ito():
    assert plotting.OKABE_ITO["blue"] == "#0072B2"
    assert plotting.OKABE_ITO["vermillion"] == "#D55E00"
    assert len(set(plotting.SERIES_COLORS)) == len(plotting.SERIES_COLORS)


def test_use_house_style_sets_the_colour_cycle():
    plotting.use_house_style()
    cycle = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
    assert [c.lower() for c in cycle] == [c.lower() for c in plotting.SERIES_COLORS]


def test_house_style_lays_the_book_settings_over_seaborn_s_theme():
    mpl.rcdefaults()
    plotting.use_house_style()
    assert mpl.rcParams["axes.axisbelow"] is True  # from seaborn's "ticks" style (matplotlib: "line")
    assert mpl.rcParams["font.size"] == 10 and mpl.rcParams["axes.spines.right"] is False  # the book's own
    assert mpl.rcParams["grid.color"] == "#dddddd" and mpl.rcParams["svg.hashsalt"] == "bclm"


def test_km_plot_prints_the_numbers_at_risk_it_is_given(gbsg2):
    gbsg = gbsg2
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

    return pd.DataFrame(
        {
            "median": [45.0, 30.0, 11.3, 20.0],
            "label": ["Series A: all", "Series B: all", "Review C: pooled", "Trial D: control"],
            "therapy": ["resection", "resection", "arterial infusion", "systemic"],
            "series": ["one series", "one series", "pooled", "comparison arm"],
        }
    )


def test_dot_plot_draws_each_row_at_its_value_in_the_given_order():
    markers = {"one series": "o", "pooled": "D", "comparison arm": "^"}
    fig = plotting.dot_plot(
        _dots(),
        value="median",
        label="label",
        colour_by="therapy",
        marker_by="series",
        markers=markers,
        xlabel="Median OS, months",
        title="NOT effects",
    )
    ax = fig.axes[0]
    points = [(line.get_xdata()[0], line.get_ydata()[0], line.get_marker(), line.get_color()) for line in ax.lines]
    colours = plotting.SERIES_COLORS
    assert points == [
        (45.0, 0, "o", colours[0]),
        (30.0, 1, "o", colours[0]),
        (11.3, 2, "D", colours[1]),
        (20.0, 3, "^", colours[2]),
    ]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(_dots()["label"])
    assert ax.get_ylim() == (3.5, -0.5)  # first row on top
    assert ax.get_xlim()[0] == 0
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["one series", "pooled", "comparison arm", "resection", "arterial infusion", "systemic"]


def test_dot_plot_names_a_series_without_a_marker():
    with pytest.raises(KeyError, match=r"no marker for series value\(s\) \['comparison arm'\]"):
        plotting.dot_plot(
            _dots(),
            value="median",
            label="label",
            colour_by="therapy",
            marker_by="series",
            markers={"one series": "o", "pooled": "D"},
            xlabel="x",
        )


def test_dot_plot_refuses_a_row_without_a_value():
    rows = _dots()
    rows.loc[1, "median"] = float("nan")
    with pytest.raises(ValueError, match="median is missing for row 'Series B: all'"):
        plotting.dot_plot(
            rows,
            value="median",
            label="label",
            colour_by="therapy",
            marker_by="series",
            markers={"one series": "o", "pooled": "D", "comparison arm": "^"},
            xlabel="x",
        )


def _two_groups():
    import pandas as pd

    return pd.DataFrame(
        {
            "group": ["A", "A", "B"],
            "label": ["a1", "a2", "b1"],
            "hr": [0.5, 0.8, 1.2],
            "hr_lower": [0.3, 0.6, 0.9],
            "hr_upper": [0.9, 1.1, 1.6],
        }
    )


def test_forest_rows_is_the_tidy_row_model_of_the_plot():
    # Oracle: the layout rule (a header per group, its studies, a spacer between groups).
    rows = plotting.forest_rows(_two_groups(), group_col="group", label_col="label")
    assert list(rows["kind"]) == ["header", "study", "study", "spacer", "header", "study"]
    assert list(rows.loc[rows["kind"] == "study", "label"]) == ["a1", "a2", "b1"]
    assert rows.loc[rows["kind"] == "study", "hr"].tolist() == [0.5, 0.8, 1.2]
    colors = rows.loc[rows["kind"] == "header", "color"].tolist()
    assert colors == plotting.SERIES_COLORS[:2]


def test_forest_rows_refuses_an_estimate_outside_its_interval():
    bad = _two_groups().assign(hr=[0.2, 0.8, 1.2])
    with pytest.raises(ValueError, match=r"study 'a1': need 0 < lower <= HR <= upper"):
        plotting.forest_rows(bad, group_col="group", label_col="label")


def test_forest_plot_is_the_drawing_of_its_row_model():
    import matplotlib.pyplot as plt

    studies = _two_groups()
    drawn = plotting.draw_forest(plotting.forest_rows(studies, group_col="group", label_col="label"))
    direct = plotting.forest_plot(studies, group_col="group", label_col="label")
    assert [t.get_text() for t in drawn.axes[0].texts] == [t.get_text() for t in direct.axes[0].texts]
    assert "a1" in [t.get_text() for t in direct.axes[0].texts]
    plt.close("all")


def test_stacked_bars_draws_one_segment_per_cell_with_hatches():
    import matplotlib.pyplot as plt
    import pandas as pd

    counts = pd.DataFrame({"yes": [2, 1], "no": [0, 3]}, index=["first", "second"])
    fig = plotting.stacked_bars(counts, xlabel="claims")
    ax = fig.axes[0]
    assert [len(c) for c in ax.containers] == [2, 2]
    assert [bar.get_hatch() for bar in ax.containers[1]] == ["xx", "xx"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["second", "first"]  # first row on top
    assert ax.get_xlabel() == "claims"
    with pytest.raises(ValueError, match="stacked_bars needs at least one row"):
        plotting.stacked_bars(pd.DataFrame(), xlabel="x")
    plt.close("all")


def _svg(fig) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", **plotting.SAVEFIG_OPTIONS)
    return buffer.getvalue()


def _forest_frame(names=("A", "B")):
    import pandas as pd

    return pd.DataFrame({"hr": [0.7, 0.9], "hr_lower": [0.5, 0.6], "hr_upper": [0.98, 1.3]}, index=list(names))


def test_the_same_figure_gives_the_same_svg_bytes_twice():
    plotting.use_house_style()
    first = _svg(plotting.forest_plot(_forest_frame()))
    second = _svg(plotting.forest_plot(_forest_frame()))
    mpl.pyplot.close("all")
    assert first == second and b"<dc:date>" not in first


def test_a_dollar_in_a_study_name_is_plain_text():
    import pandas as pd

    plotting.use_house_style()
    fig = plotting.forest_plot(_forest_frame(("Trial $x$", "B <script>alert(1)</script>")))
    _svg(fig)  # mathtext would fail or typeset the name
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert r"Trial \$x\$" in texts
    rob = pd.DataFrame(
        {"randomisation": ["low"], "overall": ["high"]}, index=pd.MultiIndex.from_tuples([("$\\alpha$ trial", "RoB 2")])
    )
    _svg(plotting.traffic_light(rob, title="$\\beta$"))
    mpl.pyplot.close("all")


def test_forest_plot_shows_every_weight_or_none():
    frame = _forest_frame()
    without = plotting.forest_plot(frame)
    texts = [t.get_text() for t in without.axes[0].texts]
    assert "Weight" not in texts and not any(t.endswith("%") for t in texts)
    frame["weight_percent"] = [60.0, 40.0]
    with_weights = plotting.forest_plot(frame)
    texts = [t.get_text() for t in with_weights.axes[0].texts]
    assert "Weight" in texts and {"60.0%", "40.0%"} <= set(texts)
    mpl.pyplot.close("all")


def test_traffic_light_has_short_domain_headers_a_key_and_readable_labels():
    import pandas as pd

    domains = [
        "randomisation process",
        "deviations from intended interventions",
        "missing outcome data",
        "measurement of the outcome",
        "selection of the reported result",
        "overall",
    ]
    rob = pd.DataFrame(
        [["low", "some_concerns", "low", "low", "high", "high"]] * 3,
        columns=domains,
        index=pd.MultiIndex.from_tuples([(f"Trial {i}", "RoB 2") for i in range(3)]),
    )
    fig = plotting.traffic_light(rob)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"D{i}" for i in range(1, 7)]
    key = [t.get_text() for t in fig.texts]
    assert all(f"D{i}  {d}" in key for i, d in enumerate(domains, start=1))
    sizes = [
        t.get_fontsize()
        for t in [*ax.get_xticklabels(), *ax.get_yticklabels(), *fig.texts, *fig.legends[0].get_texts()]
    ]
    assert min(sizes) >= 9  # 9 pt = 12 px at 1:1, 75% of the 16 px body text
    assert fig.get_figwidth() <= 7.0
    mpl.pyplot.close(fig)


def test_house_style_shows_notebook_figures_as_svg_without_a_date(monkeypatch):
    import IPython
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    shell = InteractiveShell.instance()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    plotting.use_house_style()
    formatters = shell.display_formatter.formatters
    assert Figure in formatters["image/svg+xml"].type_printers
    assert Figure not in formatters["image/png"].type_printers
    fig = plotting.forest_plot(_forest_frame())
    svg = formatters["image/svg+xml"](fig)
    mpl.pyplot.close(fig)
    assert svg.startswith("<?xml") and "<dc:date>" not in svg and svg == formatters["image/svg+xml"](fig)
