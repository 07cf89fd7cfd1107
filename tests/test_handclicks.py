"""Reconstruction from hand-clicked curves (issue 23): oracles are the committed kmdata breast-trial
rows (``data/kmdata``) digitized by the simulated hand clicker, and small hand-made inputs whose
right answer is worked out in the comments."""

from __future__ import annotations

import statistics
import warnings

import numpy as np
import pandas as pd
import pytest

from helpers import data, km, survival
from helpers.reconstruct import (
    AXIS_TOLERANCE,
    ReconstructionWarning,
    at_risk_table,
    guyot,
    reconstruct_trial,
    simulate_digitizing,
)

#: The committed breast trials (data/kmdata), each digitized with three seeds.
DATASETS = ("PALOMA3_1A", "MONALEESA2_1", "BOLERO2_1", "PALOMA2_1A", "CLEOPATRA_2A")
SEEDS = (0, 1, 2)


def hand_arms(truth: pd.DataFrame, seed: int) -> dict:
    """Hand clicks and at-risk table (every 3 months, 6 beyond 40 months of follow-up) per arm."""
    arms = {}
    for index, label in enumerate(pd.unique(truth["arm"])):
        arm = truth[truth["arm"] == label]
        clicks = simulate_digitizing(arm["time"], arm["event"], "hand", seed=100 * seed + index)
        arms[label] = (clicks, at_risk_table(arm["time"], 3.0 if arm["time"].max() < 40 else 6.0))
    return arms


def quietly(call, *args, **kwargs):
    """``call`` with its ReconstructionWarning (what cleaning changed) silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReconstructionWarning)
        return call(*args, **kwargs)


@pytest.fixture(scope="module")
def trials() -> dict[str, pd.DataFrame]:
    return {name: data.load_reconstructed(name) for name in DATASETS}


# --------------------------------------------------------------------------- the targets
def test_hand_clicked_breast_trials_are_never_refused_and_meet_the_targets(trials):
    """Median sup |ΔS| <= 0.04 and median |Δ log HR| <= 0.006 over 5 trials x 3 seeds, defaults."""
    sup, dlog = [], []
    for truth in trials.values():
        labels = list(pd.unique(truth["arm"]))
        true_hr, _ = survival.cox_hazard_ratio(truth, "time", "event", "arm", labels[1])
        for seed in SEEDS:
            with pytest.warns(ReconstructionWarning):  # cleaning always has something to report
                rows = reconstruct_trial(hand_arms(truth, seed))
            rec_hr, _ = survival.cox_hazard_ratio(rows, "time", "event", "arm", labels[1])
            dlog.append(abs(rec_hr["coef"] - true_hr["coef"]))
            sup.append(max(km.curve_distance(truth[truth["arm"] == a], rows[rows["arm"] == a]) for a in labels))
    assert statistics.median(sup) <= 0.04
    assert statistics.median(dlog) <= 0.006


def test_the_hand_clicker_makes_the_clicks_the_old_cleaning_refused(trials):
    truth = trials["MONALEESA2_1"]
    arm = truth[truth["arm"] == pd.unique(truth["arm"])[0]]
    clicks = simulate_digitizing(arm["time"], arm["event"], "hand", seed=0)
    # Some step's upper click lies right of its lower one, as a careful person's clicks do.
    later_but_higher = (np.diff(clicks["time"]) < 0) & (np.diff(clicks["survival"]) < 0)
    assert later_but_higher.any()
    # Without the back-step allowance, that is the "rises more than digitizing noise" refusal.
    with pytest.raises(ValueError, match=r"the curve rises from .* more than digitizing noise"):
        guyot(clicks, at_risk_table(arm["time"], 3.0), max_backstep=0)


# --------------------------------------------------------------------------- cleaning
# Ten patients, table 10 at 0 and 8 at 2. Steps at t=1 (1 -> 0.9) and t=3 (0.9 -> 0.72), each
# clicked at its top and bottom corner; the upper click of the first step lands 0.02 right of
# its lower click. After reordering, the step falls between 1.0 and 1.02: its event at 1.01.
BACKSTEP = pd.DataFrame({"time": [0.0, 1.02, 1.0, 3.0, 3.0, 4.0], "survival": [1.0, 1.0, 0.9, 0.9, 0.72, 0.72]})
TABLE = pd.DataFrame({"time": [0.0, 2.0], "n_at_risk": [10, 8]})


def test_a_back_step_is_reordered_and_reported_as_a_warning():
    with pytest.warns(
        ReconstructionWarning,
        match=r"reordered 2 click\(s\) at steps whose upper click lay right "
        r"of the lower one, by at most 0.02",
    ):
        rows = guyot(BACKSTEP, TABLE)
    assert rows.loc[rows["event"] == 1, "time"].tolist() == pytest.approx([1.01, 3.0], abs=1e-12)
    assert any(change.startswith("reordered 2 click(s)") for change in rows.attrs["cleaning"])


def test_axis_overshoot_within_the_tolerance_is_accepted_and_reported():
    overshoot = BACKSTEP.assign(survival=BACKSTEP["survival"].where(BACKSTEP.index != 0, 1.002))
    with pytest.warns(
        ReconstructionWarning,
        match=r"set 1 survival reading\(s\) just outside \[0, 1\] "
        r"\(by at most 0.002, axis calibration\) to the axis",
    ):
        rows = guyot(overshoot, TABLE)
    assert rows["event"].sum() == 2
    assert AXIS_TOLERANCE == 0.01
    beyond = BACKSTEP.assign(survival=BACKSTEP["survival"].where(BACKSTEP.index != 0, 1.02))
    with pytest.raises(ValueError, match=r"survival 1.02 at time 0 \(point 1\) lies outside \[0, 1\]$"):
        guyot(beyond, TABLE)


def test_swapped_columns_are_named_without_the_percent_hint():
    swapped = pd.DataFrame({"a": [1.0, 0.9, 0.72], "b": [0.0, 1.0, 3.0]})
    with pytest.raises(ValueError, match="columns look swapped") as error:
        guyot(swapped, TABLE)
    assert "divide them by 100" not in str(error.value)


# --------------------------------------------------------------------------- event placement
def test_sparse_clicks_spread_their_events(trials):
    truth = trials["BOLERO2_1"]
    arm = truth[truth["arm"] == "eve_exe"]
    steps = km.km_steps(arm["time"], arm["event"])
    # 30 clicks along the curve at evenly spaced times, each on the curve: every drop between
    # two clicks holds several events, so none of them sits at a click.
    at = np.linspace(0, arm["time"].max(), 30)
    sparse = pd.DataFrame({"time": at, "survival": km.km_value_at(steps, at)})
    table = at_risk_table(arm["time"])
    rows = quietly(guyot, sparse, table)
    assert rows.attrs["event_times"] == "spread"
    at_points = quietly(guyot, sparse, table, event_times="at_points")
    assert km.curve_distance(arm, rows) < km.curve_distance(arm, at_points)


# --------------------------------------------------------------------------- at-risk boundaries
# 100 patients; 20 events just before t=3 (the table's 80 at 3 has lost them), 10 at t=5, no
# censoring: the table reads 100, 80, 70 at 0, 3, 6. The drop is clicked 0.01-0.02 after 3.
# Left there, interval [3, 6) would need 80 * 0.7 / 1 - 70 = -14 censored: impossible, while
# before 3 both intervals need 0. So the drop goes before 3.
BOUNDARY = pd.DataFrame({"time": [0.0, 3.02, 3.01, 5.0, 5.0, 6.0], "survival": [1.0, 1.0, 0.8, 0.8, 0.7, 0.7]})
BOUNDARY_TABLE = pd.DataFrame({"time": [0.0, 3.0, 6.0], "n_at_risk": [100, 80, 70]})


def test_a_drop_clicked_just_after_an_at_risk_time_goes_where_the_table_allows():
    with pytest.warns(
        ReconstructionWarning,
        match=r"the drop from 1 to 0.8 clicked within 0.06 of the at-risk "
        r"time 3 was put before it",
    ):
        rows = guyot(BOUNDARY, BOUNDARY_TABLE)
    events = rows.loc[rows["event"] == 1, "time"]
    assert (events < 3).sum() == 20 and (events == 5).sum() == 10
    assert survival.numbers_at_risk(rows["time"], [0.0, 3.0, 6.0]).tolist() == [100, 80, 70]
    assert len(rows.attrs["boundary_drops"]) == 1


# --------------------------------------------------------------------------- detection
def test_a_curve_in_weeks_against_a_table_in_months_is_refused(trials):
    truth = trials["PALOMA2_1A"]
    arm = truth[truth["arm"] == pd.unique(truth["arm"])[1]]
    clicks = simulate_digitizing(arm["time"], arm["event"], "hand", seed=0)
    weeks = clicks.assign(time=clicks["time"] * 4.35)
    with pytest.raises(
        ValueError,
        match=r"the curve runs to time .* more than 3 times the at-risk table's last "
        r"time .* are the curve and the table in the same time unit",
    ):
        guyot(weeks, at_risk_table(arm["time"], 3.0))


def test_an_implausible_total_events_is_refused(trials):
    truth = trials["PALOMA2_1A"]
    arm = truth[truth["arm"] == pd.unique(truth["arm"])[1]]
    clicks = simulate_digitizing(arm["time"], arm["event"], "hand", seed=0)
    table = at_risk_table(arm["time"], 3.0)
    implied = quietly(guyot, clicks, table)["event"].sum()
    assert abs(implied - arm["event"].sum()) <= 3  # the curve and table alone come close
    with pytest.raises(
        ValueError,
        match=rf"total_events=20 is implausible: the curve and the at-risk table imply "
        rf"about {implied} events",
    ):
        guyot(clicks, table, total_events=20)
    # The true total is accepted.
    assert quietly(guyot, clicks, table, total_events=int(arm["event"].sum()))["event"].sum() == arm["event"].sum()


def test_an_at_risk_table_with_only_its_first_row_is_refused_without_a_total():
    with pytest.raises(ValueError, match="the at-risk table has only its time-0 row"):
        guyot(BACKSTEP, TABLE.iloc[:1])
    rows = quietly(guyot, BACKSTEP, TABLE.iloc[:1], total_events=2)
    assert rows["event"].sum() == 2


def test_trial_warnings_name_the_arm():
    with pytest.warns(ReconstructionWarning, match=r"^arm 'drug': the reconstruction changed .* reordered"):
        reconstruct_trial({"drug": (BACKSTEP, TABLE)})
