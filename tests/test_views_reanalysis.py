"""The re-analysis pages' view module (helpers.views.reanalysis) on miniature rows written here.

Oracle: the miniature rows themselves (two arms whose hazard ratio, follow-up and counts are known
by construction) and the method module's own results (helpers.reanalysis, tested against R in
tests/test_reanalysis.py): the view only assembles and words them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_kmdata import LOG_HR_TOLERANCE as KMDATA_TOLERANCE

from helpers import reanalysis
from helpers.views import reanalysis as view

SETTINGS = view.TrialSettings(
    dataset="MINI_1",
    prefix="mini",
    arms={"drug": "Drug + base", "placebo": "Placebo + base"},
    horizons=(12.0, 6.0),
    horizon_reason="twice the control median ({median_control} months), {followed} followed",
    milestones=(6.0, 12.0),
    cuts=(6.0,),
    risk_times=(0, 6, 12, 18),
)


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """200 patients per arm, exponential event times (median 6 months placebo, HR 0.6), uniform
    censoring over 24 months."""
    rng = np.random.default_rng(21)
    frames = []
    for arm, rate in (("drug", 0.6 * np.log(2) / 6), ("placebo", np.log(2) / 6)):
        event_time = rng.exponential(1 / rate, 200)
        censor_time = rng.uniform(0, 24, 200)
        frames.append(
            pd.DataFrame(
                {
                    "time": np.round(np.minimum(event_time, censor_time), 2),
                    "event": (event_time <= censor_time).astype(int),
                    "arm": arm,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def key(reproduces: str = "true") -> pd.Series:
    return pd.Series(
        {"endpoint": "PFS", "quality_score": 11, "quality_max": 12, "reproduces_published": reproduces, "note": "n"}
    )


def published(hr: float) -> pd.Series:
    return pd.Series({"hr": hr, "hr_ci_lower": hr * 0.8, "hr_ci_upper": hr * 1.25})


@pytest.fixture(scope="module")
def result(rows):
    recomputed = view.survival.cox_hazard_ratio(rows, "time", "event", "arm", "drug")[0]["hr"]
    return view.reanalyse(SETTINGS, rows, key(), published(round(recomputed, 2)), "MINI")


def test_the_tolerance_is_the_one_the_kmdata_flags_are_checked_with():
    assert view.LOG_HR_TOLERANCE == KMDATA_TOLERANCE


def test_reanalyse_fills_every_frame_from_the_method_module(rows, result):
    assert result.within_tolerance
    expected = reanalysis.rmst_differences(rows, "time", "event", "arm", "drug", "placebo", [6.0, 12.0])
    pd.testing.assert_frame_equal(result.rmst, expected)
    assert result.piecewise[["start", "end"]].to_numpy().tolist() == [[0.0, 6.0], [6.0, np.inf]]
    assert list(result.proportional_hazards.index) == ["identity"]
    assert result.milestones["arm"].tolist() == ["drug", "drug", "placebo", "placebo"]


def test_the_horizon_reason_is_filled_from_the_rows(rows, result):
    median = view.survival.median_summary(rows, "time", "event", "arm").loc["placebo", "median"]
    followed = int((rows["time"] >= 12.0).sum())
    assert result.horizon_reason == f"twice the control median ({median:.1f} months), {followed} followed"


def test_tables_show_names_words_and_the_main_horizon_first(result):
    rmst = view.rmst_table([result])
    assert rmst["horizon"].tolist() == ["12 months", "6 months"]
    assert rmst["why this horizon"].tolist() == [result.horizon_reason, ""]
    check = view.hr_check_table([result])
    assert check.loc[0, "endpoint"] == "progression-free survival"
    assert check.loc[0, "within tolerance"] == "yes"
    assert check.loc[0, "reconstruction quality (kmdata)"] == "11 of 12"
    milestones = view.milestone_table([result])
    assert milestones["at"].tolist() == ["6 months", "12 months"]
    assert milestones.columns.tolist() == [
        "trial",
        "at",
        "experimental arm",
        "control arm",
        "difference, points (95% CI)",
    ]
    assert view.ph_table([result])["reading"].str.len().gt(0).all()
    forest = view.piecewise_rows([result])
    assert forest["label"].tolist()[0] == "All follow-up"
    assert forest["label"].tolist()[-1].startswith("after 6 months (")


def test_a_difference_crossing_zero_reads_with_to():
    assert view._difference_text(1.44, -0.42, 3.3, 2) == "1.44 (−0.42 to 3.30)"


def test_rows_that_miss_their_published_hr_are_checked_but_not_reanalysed(rows):
    flagged = view.reanalyse(SETTINGS, rows, key("false"), published(0.9), "MINI")
    assert not flagged.within_tolerance
    assert flagged.rmst.empty and flagged.piecewise.empty
    assert view.rmst_table([flagged]).empty
    assert view.hr_check_table([flagged]).loc[0, "within tolerance"] == "no"


def test_glue_trial_writes_the_documented_names(result, monkeypatch):
    written = {}
    monkeypatch.setattr(view, "glue", lambda k, v: written.__setitem__(k, v))
    values = view.glue_trial(result)
    assert written == values
    assert values["mini_horizon"] == "12"
    assert values["mini_ms_diff"].endswith(")") and " percentage points (95% CI " in values["mini_ms_diff"]
    assert values["mini_piece_last_span"] == "after 6 months"


def test_arms_that_do_not_match_the_settings_are_named(rows):
    with pytest.raises(ValueError, match=r"dataset 'MINI_1': arms \['drug', 'other'\] do not match"):
        view.reanalyse(SETTINGS, rows.replace({"arm": {"placebo": "other"}}), key(), published(0.6), "MINI")


def test_an_unknown_page_is_named():
    with pytest.raises(KeyError, match="page='nope'"):
        view.load_trials("nope", evidence=None)


def test_flagged_rows_are_reanalysed_when_asked(rows):
    flagged = view.reanalyse(SETTINGS, rows, key("false"), published(0.9), "MINI", include_flagged=True)
    assert not flagged.rmst.empty and not flagged.piecewise.empty


def test_readable_frames_have_words_for_columns_and_the_open_interval(result):
    shown = view.readable(result.piecewise)
    assert "events experimental" in shown.columns
    assert shown["end"].tolist()[-1] == "end of follow-up"
    assert view.readable(result.rmst).columns[0] == "horizon"
