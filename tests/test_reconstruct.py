"""Kaplan–Meier reconstruction (Guyot et al. 2012): oracles are hand computation, GBSG2 round trips
through simulated digitizers, and, when ../shared/validation is present, the published scores of
four R implementations and the published KEYNOTE-189 hazard ratio."""

from __future__ import annotations

import importlib.util
import math
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from helpers import km, reconstruct, survival
from helpers.reconstruct import ReconstructionWarning, clean_digitized, guyot, reconstruct_trial

NOISY_PIXELS, NOISY_SD = reconstruct.NOISY_PIXELS, reconstruct.NOISY_SD
km_curve, km_at, at_risk_table = km.km_steps, km.km_value_at, reconstruct.at_risk_table
sup_difference = km.curve_distance


def ideal_digitizer(durations, events) -> pd.DataFrame:
    return reconstruct.simulate_digitizing(durations, events, "ideal")


def noisy_digitizer(durations, events, seed: int, sd: float = NOISY_SD) -> pd.DataFrame:
    return reconstruct.simulate_digitizing(durations, events, "noisy", seed=seed, sd=sd)


def noisy_step(durations, events) -> float:
    """The noisy digitizer's time step: one pixel column of a NOISY_PIXELS-wide figure."""
    return float(np.max(np.asarray(durations)[np.asarray(events) == 1])) / NOISY_PIXELS


def median_and_flat_end(durations, events) -> tuple[float, float]:
    """The KM median and the end of the flat segment that starts there (the next event time)."""
    times, surv = km_curve(durations, events)
    at = np.flatnonzero(surv <= 0.5)[0]
    return float(times[at]), float(times[at + 1]) if at + 1 < times.size else math.inf


@pytest.fixture(scope="module")
def gbsg(gbsg2) -> pd.DataFrame:
    table = gbsg2
    return pd.DataFrame({"time": table["time_months"], "event": table["event"], "arm": table["hormone_therapy"]})


def quietly(call, *args, **kwargs):
    """``call(*args, **kwargs)`` with its :class:`ReconstructionWarning` (what cleaning changed)
    silenced: for tests whose subject is not the warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReconstructionWarning)
        return call(*args, **kwargs)


def round_trip(gbsg: pd.DataFrame, digitizer: str, totals: bool) -> pd.DataFrame:
    arms = {}
    for seed, arm in enumerate(("no", "yes")):
        rows = gbsg[gbsg["arm"] == arm]
        coords = (
            ideal_digitizer(rows["time"], rows["event"])
            if digitizer == "ideal"
            else noisy_digitizer(rows["time"], rows["event"], seed=2012 + seed)
        )
        arms[arm] = {
            "coords": coords,
            "at_risk": at_risk_table(rows["time"]),
            "total_events": int(rows["event"].sum()) if totals else None,
        }
    if digitizer == "ideal":
        return reconstruct_trial(arms)
    # The noisy trace goes up and down: cleaning says what it changed, naming each arm.
    with pytest.warns(ReconstructionWarning, match=r"^arm '(no|yes)': the reconstruction changed") as caught:
        rows = reconstruct_trial(arms)
    assert any("arm 'yes'" in str(w.message) and "non-increasing" in str(w.message) for w in caught)
    return rows


def log_hr(rows: pd.DataFrame) -> float:
    result, _ = survival.cox_hazard_ratio(rows, "time", "event", "arm", "yes")
    return float(result["coef"])


# --------------------------------------------------------------------------- hand-computed oracles
# Ten patients; curve 1 -> 0.9 at t=1 -> 0.72 at t=3; table: 10 at risk at 0, 8 at 2.
# Interval [0, 2): censored guess round(10 * 0.9 / 1 - 8) = 1, spread at 1.0 (counted after
# the event at 1: censored at t are at risk at t); events at 1: round(10 * 0.1) = 1; 10-1-1 = 8
# at risk at 2, as the table says. Last interval [2, 3]: censoring rate 1 per unit of time over
# [0, 1] (Guyot: up to the last point before 2), so round(1 * (3 - 2)) = 1, spread at 2.5;
# events at 3: round(7 * (1 - 0.72/0.9)) = round(1.4) = 1; the 6 left are censored at 3.
HAND_COORDS = pd.DataFrame({"time": [0.0, 1.0, 3.0], "survival": [1.0, 0.9, 0.72]})
HAND_TABLE = pd.DataFrame({"time": [0.0, 2.0], "n_at_risk": [10, 8]})


def test_guyot_against_hand_computation():
    rows = guyot(HAND_COORDS, HAND_TABLE)
    assert rows["time"].tolist() == [1.0, 1.0, 2.5] + [3.0] * 7
    assert rows["event"].tolist() == [1, 0, 0, 1] + [0] * 6
    curve = km_curve(rows["time"], rows["event"])
    assert km_at(curve, [1.0, 3.0]) == pytest.approx([0.9, 0.9 * 6 / 7], abs=1e-12)
    assert survival.numbers_at_risk(rows["time"], [0.0, 2.0]).tolist() == [10, 8]


def test_total_events_fixed_in_the_last_interval_against_hand_computation():
    # Guyot's correction: 2 events < 3, so the last interval's censoring drops from 1 to 0 and
    # the events at 3 become round(8 * 0.2) = round(1.6) = 2.
    rows = guyot(HAND_COORDS, HAND_TABLE, total_events=3)
    assert rows["time"].tolist() == [1.0, 1.0, 3.0, 3.0] + [3.0] * 6
    assert rows["event"].tolist() == [1, 0, 1, 1] + [0] * 6


def test_total_events_below_the_rounding_swaps_an_event_for_a_censoring():
    # One event asked for: the last interval cannot lose its only event by more censoring at the
    # extrapolated rate, so one event becomes a censoring at its own time (the t=1 drop, whose
    # rounding was exact, before the t=3 drop, which was already rounded down from 1.4).
    rows = guyot(HAND_COORDS, HAND_TABLE, total_events=1)
    assert rows["event"].sum() == 1
    assert rows.loc[rows["event"] == 1, "time"].tolist() == [3.0]
    assert survival.numbers_at_risk(rows["time"], [0.0, 2.0]).tolist() == [10, 8]


def test_points_are_feet_of_drops_unless_the_trace_is_sampled():
    feet = guyot(HAND_COORDS, HAND_TABLE)
    assert feet.attrs["event_times"] == "at_points"
    sampled = pd.DataFrame({"time": [0, 1, 2, 3, 4, 5, 6], "survival": [1, 1, 0.9, 0.9, 0.9, 0.8, 0.8]})
    table = pd.DataFrame({"time": [0, 3], "n_at_risk": [10, 9]})
    rows = guyot(sampled, table)
    assert rows.attrs["event_times"] == "spread"
    # Each drop is seen between two readings; its event goes to the middle of that gap.
    assert rows.loc[rows["event"] == 1, "time"].tolist() == [1.5, 4.5]
    at_points = guyot(sampled, table, event_times="at_points")
    assert at_points.loc[at_points["event"] == 1, "time"].tolist() == [2.0, 5.0]


# --------------------------------------------------------------------------- GBSG2 round trips
@pytest.mark.parametrize("totals", [False, True])
def test_gbsg2_round_trip_with_an_ideal_digitizer(gbsg, totals):
    rows = round_trip(gbsg, "ideal", totals)
    assert abs(log_hr(rows) - log_hr(gbsg)) <= 0.03
    for arm in ("no", "yes"):
        truth, rec = gbsg[gbsg["arm"] == arm], rows[rows["arm"] == arm]
        # Exact points reveal every number at risk: the KM curve comes back exactly.
        assert sup_difference(truth, rec) <= 1e-12
        median_rec = median_and_flat_end(rec["time"], rec["event"])[0]
        assert median_rec == median_and_flat_end(truth["time"], truth["event"])[0]
        assert rec["event"].sum() == truth["event"].sum()
        assert len(rec) == len(truth)
        assert rows.attrs["arms"][arm]["exact_drops"] > 0


@pytest.mark.parametrize("totals", [False, True])
def test_gbsg2_round_trip_with_a_noisy_digitizer(gbsg, totals):
    """GBSG2 through the noisy digitizer, with and without the event total.

    The sup |ΔS| bound is 0.05, not the 0.04 first asked for (issue 21 accepted this diagnosis):
    the last drop with at least 10 still at risk is one patient of 13 (0.036 high, "yes" arm at
    77.9 months). Read between two readings, on a level off by up to half an event (Guyot's
    rounding), it alone exceeds 0.04 for most seeds, with or without the total, and the R peers
    show the same on the benchmark's GBSG2 grid input (0.039-0.056).
    """
    rows = round_trip(gbsg, "noisy", totals)
    assert abs(log_hr(rows) - log_hr(gbsg)) <= 0.03
    for arm in ("no", "yes"):
        truth, rec = gbsg[gbsg["arm"] == arm], rows[rows["arm"] == arm]
        assert sup_difference(truth, rec) <= 0.05  # not 0.04: see the docstring
        median_true, flat_end = median_and_flat_end(truth["time"], truth["event"])
        median_rec, _ = median_and_flat_end(rec["time"], rec["event"])
        step = noisy_step(truth["time"], truth["event"])
        assert median_true - step <= median_rec <= flat_end + step
        if totals:
            assert rec["event"].sum() == truth["event"].sum()
        else:
            assert abs(rec["event"].sum() - truth["event"].sum()) <= 0.02 * truth["event"].sum()
        assert len(rec) == len(truth)
        # Rounded readings never pass for exact ones.
        assert rows.attrs["arms"][arm]["exact_drops"] == 0


def test_noisy_round_trip_keeps_the_numbers_at_risk_of_the_table(gbsg):
    rows = round_trip(gbsg, "noisy", totals=False)
    for arm in ("no", "yes"):
        table = at_risk_table(gbsg.loc[gbsg["arm"] == arm, "time"])
        rec = rows[rows["arm"] == arm]
        assert survival.numbers_at_risk(rec["time"], table["time"]).tolist() == table["n_at_risk"].tolist()
        assert rows.attrs["arms"][arm]["notes"] == ()


def test_noisy_readings_are_cleaned_and_reported(gbsg):
    rows = gbsg[gbsg["arm"] == "yes"]
    coords = noisy_digitizer(rows["time"], rows["event"], seed=2013)
    assert (np.diff(coords["survival"]) > 0).any()  # the simulated readings do go up
    cleaned = clean_digitized(coords, at_risk_table(rows["time"]))
    assert (np.diff(cleaned.survival) <= 0).all()
    assert any("non-increasing" in change and "isotonic regression" in change for change in cleaned.changes)


def test_a_700_patient_arm_takes_well_under_10_ms():
    rng = np.random.default_rng(700)
    event_time = rng.exponential(24 / math.log(2), 700)
    censor_time = np.minimum(rng.uniform(0, 90, 700), 72.0)
    durations = np.minimum(event_time, censor_time)
    events = (event_time <= censor_time).astype(int)
    table = at_risk_table(durations)
    for coords in (ideal_digitizer(durations, events), noisy_digitizer(durations, events, seed=7)):
        quietly(guyot, coords, table)  # warm-up
        runs = []
        for _ in range(7):  # CPU time of this process: other jobs on a busy machine do not count
            start = time.process_time()
            quietly(guyot, coords, table)
            runs.append(time.process_time() - start)
        # Typically about 1-3 ms; the bound leaves room for a slow CI machine.
        assert statistics.median(runs) < 0.010


def test_reconstruct_trial_rows_are_ready_for_the_survival_helpers(gbsg):
    rows = round_trip(gbsg, "noisy", totals=False)
    assert list(rows.columns) == ["time", "event", "arm"]
    assert rows["arm"].unique().tolist() == ["no", "yes"]
    assert set(rows["event"].unique()) <= {0, 1}
    assert rows.attrs["arms"]["yes"]["event_times"] == "spread"
    table = survival.median_summary(rows, "time", "event", "arm")
    assert table.loc["yes", "n"] == 246
    assert survival.logrank(rows, "time", "event", "arm")["p"] < 0.05
    assert survival.rmst_summary(rows, "time", "event", "arm", horizon=60).shape == (2, 2)


def test_arrays_and_tuples_are_accepted():
    rows = reconstruct_trial(
        {"a": (HAND_COORDS.to_numpy(), HAND_TABLE.to_numpy()), "b": (HAND_COORDS.to_numpy(), HAND_TABLE.to_numpy(), 3)}
    )
    assert rows.groupby("arm")["event"].sum().tolist() == [2, 3]


# --------------------------------------------------------------------------- cleaning
def test_cleaning_sorts_drops_and_starts_the_curve():
    coords = pd.DataFrame({"time": [-0.5, 3.0, 1.0, 9.0], "survival": [1.0, 0.72, 0.9, 0.5]})
    table = pd.DataFrame({"time": [0.0, 2.0, 6.0], "n_at_risk": [10, 8, 0]})
    cleaned = clean_digitized(coords, table)
    assert cleaned.time.tolist() == [0.0, 1.0, 3.0]
    assert cleaned.survival.tolist() == [1.0, 0.9, 0.72]
    assert cleaned.changes[0] == "sorted the points by time (2 of 4 moved)"
    assert "dropped 1 point(s) before time 0 (first: time -0.5)" in cleaned.changes
    assert "dropped 1 point(s) after time 6, when nobody is at risk" in cleaned.changes
    assert "started the curve at (0, 1); the first point is (1, 0.9)" in cleaned.changes
    assert cleaned.changes[-1].startswith("the at-risk table goes on to time 6, past the last point (time 3)")


def test_cleaning_removes_small_rises_by_isotonic_regression():
    coords = pd.DataFrame({"time": [0.0, 1.0, 2.0, 3.0], "survival": [0.995, 0.90, 0.91, 0.80]})
    cleaned = clean_digitized(coords, HAND_TABLE)
    # The pool-adjacent-violators average of 0.90 and 0.91 is 0.905. The reading 0.995 at time 0
    # stays, as a drop at time 0 after the start (0, 1).
    assert cleaned.time.tolist() == [0.0, 0.0, 1.0, 2.0, 3.0]
    assert cleaned.survival == pytest.approx([1.0, 0.995, 0.905, 0.905, 0.80], abs=1e-12)
    assert cleaned.changes == (
        "made the curve non-increasing: 2 point(s) moved by at most 0.005 (isotonic regression)",
        "started the curve at (0, 1)",
    )


def test_guyot_reports_what_cleaning_changed():
    coords = HAND_COORDS.iloc[[0, 2, 1]]
    rows = guyot(coords, HAND_TABLE)
    assert rows.attrs["cleaning"] == ("sorted the points by time (2 of 3 moved)",)
    assert rows["event"].tolist() == guyot(HAND_COORDS, HAND_TABLE)["event"].tolist()


# --------------------------------------------------------------------------- impossible inputs
def test_survival_outside_the_unit_interval_names_the_point():
    coords = pd.DataFrame({"time": [0, 1, 2], "survival": [1.0, 1.2, 0.8]})
    with pytest.raises(ValueError, match=r"survival 1.2 at time 1 \(point 2\) lies outside \[0, 1\]$"):
        clean_digitized(coords, HAND_TABLE)


def test_survival_in_percent_gets_a_hint():
    coords = pd.DataFrame({"time": [0, 1, 2], "survival": [100, 90, 80]})
    with pytest.raises(ValueError, match=r"survival 100 at time 0 \(point 1\) .* divide them by 100"):
        guyot(coords, HAND_TABLE)


def test_a_rise_beyond_digitizing_noise_names_the_point():
    coords = pd.DataFrame({"time": [0, 1, 2, 3], "survival": [1.0, 0.8, 0.85, 0.7]})
    with pytest.raises(
        ValueError,
        match=r"the curve rises from 0.8 to 0.85 at time 2 \(point 3\): more than "
        r"digitizing noise \(max_increase=0.02\)",
    ):
        guyot(coords, HAND_TABLE)
    with pytest.warns(ReconstructionWarning, match="non-increasing"):
        assert guyot(coords, HAND_TABLE, max_increase=0.06)["event"].sum() > 0


def test_an_increasing_at_risk_table_names_the_row():
    table = pd.DataFrame({"time": [0, 3, 6], "n_at_risk": [10, 8, 9]})
    with pytest.raises(
        ValueError, match=r"the at-risk table increases: 9 at risk at time 6 \(row 3\) after 8 at time 3"
    ):
        guyot(HAND_COORDS, table)


def test_at_risk_times_out_of_order_name_the_row():
    table = pd.DataFrame({"time": [0, 6, 3], "n_at_risk": [10, 8, 6]})
    with pytest.raises(
        ValueError,
        match=r"at-risk table times out of order: row 3 \(time 3\) does not come "
        r"after row 2 \(time 6\)",
    ):
        guyot(HAND_COORDS, table)


def test_at_risk_table_must_start_at_time_zero():
    with pytest.raises(ValueError, match="must start at time 0 .* first row is at time 1"):
        guyot(HAND_COORDS, pd.DataFrame({"time": [1, 2], "n_at_risk": [10, 8]}))


def test_fractional_patients_are_an_error():
    with pytest.raises(ValueError, match=r"at-risk table row 2 \(time 2\): 7.5 is not a whole number of patients"):
        guyot(HAND_COORDS, pd.DataFrame({"time": [0, 2], "n_at_risk": [10, 7.5]}))


def test_missing_values_name_the_row():
    coords = pd.DataFrame({"time": [0, 1, np.nan], "survival": [1.0, 0.9, 0.8]})
    with pytest.raises(ValueError, match=r"coords row 3 is not a finite number pair: \(nan, 0.8\)"):
        guyot(coords, HAND_TABLE)


@pytest.mark.parametrize("total", [-1, 11, 2.5, "many"])
def test_impossible_total_events_are_an_error(total):
    with pytest.raises(ValueError, match=r"total_events must be a whole number from 0 to 10"):
        guyot(HAND_COORDS, HAND_TABLE, total_events=total)


def test_unknown_event_placement_is_an_error():
    with pytest.raises(ValueError, match="event_times must be 'auto', 'at_points' or 'spread', got 'middle'"):
        guyot(HAND_COORDS, HAND_TABLE, event_times="middle")


def test_no_point_within_the_table_is_an_error():
    coords = pd.DataFrame({"time": [-2.0, -1.0], "survival": [1.0, 0.9]})
    with pytest.raises(ValueError, match="no digitized point lies within the at-risk table's span"):
        guyot(coords, HAND_TABLE)


def test_trial_errors_name_the_arm():
    bad = pd.DataFrame({"time": [0, 1], "survival": [1.0, 1.5]})
    with pytest.raises(ValueError, match=r"arm 'placebo': survival 1.5 at time 1"):
        reconstruct_trial({"drug": (HAND_COORDS, HAND_TABLE), "placebo": (bad, HAND_TABLE)})
    with pytest.raises(ValueError, match=r"arm 'drug' needs keys 'coords' and 'at_risk'"):
        reconstruct_trial({"drug": {"coords": HAND_COORDS}})
    with pytest.raises(ValueError, match="arms must be a non-empty mapping"):
        reconstruct_trial({})


# --------------------------------------------------------------------------- ../shared/validation
@pytest.fixture(scope="module")
def shared(shared_validation) -> Path:
    """The validation data next to the repository (never committed; see ``conftest.require``)."""
    return shared_validation


@pytest.fixture(scope="module")
def bench(shared):
    """The benchmark script, imported from its file (``benchmarks/`` is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "bench_reconstruction", ROOT / "benchmarks" / "bench_reconstruction.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scorer_reproduces_every_published_peer_score(shared, bench):
    checks = bench.check_scorer(bench.Inputs(shared))
    assert len(checks) == 69
    assert checks["max_abs_difference"].max() <= 1e-9


def test_benchmark_medians_no_worse_than_the_best_peer(shared, bench):
    inputs = bench.Inputs(shared)
    ours, our_times = bench.run_ours(inputs, repeats=1)
    peers = pd.read_csv(inputs.folder / "peer-outputs" / "scores.csv")
    accuracy = [
        c for c in bench.criteria(ours, peers, our_times, bench.peer_timings(inputs)) if "time per arm" not in c[0]
    ]
    assert len(accuracy) == 8
    failed = [name for name, passed in accuracy if not passed]
    assert failed == []
    # Exact inputs come back exactly, with the true event totals.
    steps = ours[ours["variant"] == "steps"]
    assert steps["sup_dKM"].max() <= 1e-12
    assert (steps["d_events"] == 0).all()


def test_keynote189_hazard_ratio_matches_the_published_one(shared):
    folder = shared / "digitized"
    rows = quietly(
        reconstruct_trial,
        {
            "placebo": (
                pd.read_csv(folder / "keynote189_pbo_clicks.csv"),
                pd.read_csv(folder / "keynote189_pbo_nar.csv"),
            ),
            "pembrolizumab": (
                pd.read_csv(folder / "keynote189_pembro_clicks.csv"),
                pd.read_csv(folder / "keynote189_pembro_nar.csv"),
            ),
        },
    )
    result, _ = survival.cox_hazard_ratio(rows, "time", "event", "arm", "pembrolizumab")
    # Published (Gandhi et al. NEJM 2018): HR 0.49, 95% CI 0.38-0.64.
    assert abs(result["hr"] - 0.49) <= 0.02
    assert result["hr_lower"] <= 0.64 and result["hr_upper"] >= 0.38
    assert rows.groupby("arm").size().to_dict() == {"pembrolizumab": 410, "placebo": 206}


def test_kmdata_trials_round_trip(shared):
    """Every breast-cancer data set in kmdata, through both simulated digitizers."""
    files = sorted(p for p in (shared / "kmdata").glob("*.csv") if p.name != "kmdata_key.csv")
    assert len(files) == 17
    for path in files:
        truth = pd.read_csv(path)
        labels = list(pd.unique(truth["arm"]))
        for digitizer in ("ideal", "noisy"):
            arms = {}
            for seed, label in enumerate(labels):
                arm = truth[truth["arm"] == label]
                coords = (
                    ideal_digitizer(arm["time"], arm["event"])
                    if digitizer == "ideal"
                    else noisy_digitizer(arm["time"], arm["event"], seed=seed)
                )
                arms[label] = (coords, at_risk_table(arm["time"], 3.0 if arm["time"].max() < 40 else 6.0))
            rows = quietly(reconstruct_trial, arms)
            true_hr, _ = survival.cox_hazard_ratio(truth, "time", "event", "arm", labels[1])
            rec_hr, _ = survival.cox_hazard_ratio(rows, "time", "event", "arm", labels[1])
            assert abs(rec_hr["coef"] - true_hr["coef"]) <= 0.03, (path.name, digitizer)
            if digitizer == "ideal":
                for label in labels:
                    assert sup_difference(truth[truth["arm"] == label], rows[rows["arm"] == label]) <= 1e-12, path.name
