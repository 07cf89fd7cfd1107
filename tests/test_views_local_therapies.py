"""The local-therapies chapter view (helpers.views.local_therapies) on the miniature data set of
tests/test_data_validation.py (chapter local_therapies: the Zou 2025 cohort with the estimate
``zou_os``, medians 65.5 and 40.4 months, HR 0.48, p = 0.003, and ``ci_row``, HR 0.49, 95% CI
0.36-0.68; 1021 patients, 132 with ablation and 836 with systemic therapy alone, follow-up 39.6
months), not on the committed data.

Oracles: the miniature's own numbers and arithmetic on them; the Wald interval from a p-value
(z = Phi^-1(1 - p/2), SE = |ln HR| / z); the E-value of a rare outcome, RR + sqrt(RR (RR - 1)) with
RR = 1/HR (VanderWeele and Ding 2017).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from types import SimpleNamespace

import pandas as pd
import pytest
from test_data_validation import write_miniature

from helpers import chapter
from helpers.formatting import format_estimate_ci
from helpers.views import local_therapies as view


@pytest.fixture
def ch(tmp_path):
    return chapter.load("local_therapies", write_miniature(tmp_path / "data"))


@pytest.fixture
def glued(monkeypatch):
    """Every value the view glues, by name (instead of writing notebook outputs)."""
    store: dict[str, str] = {}
    monkeypatch.setattr(chapter, "glue", lambda key, value: store.__setitem__(key, value))
    return store


def test_kinds_from_population_and_control_arm():
    rows = pd.DataFrame(
        {"population": ["prognostic", "ITT", "matched"], "arm_control": ["x", None, "systemic"]}, index=["a", "b", "c"]
    )
    assert list(view.kinds(rows)) == ["prognostic", "single-arm", "comparison"]


def test_overview_counts_designs_and_kinds(ch, glued):
    designs = view.overview(ch)
    assert designs.to_dict("records") == [{"design": "retrospective cohort", "studies": 1}]
    assert (glued["n_comparative_rows"], glued["n_single_rows"], glued["n_prognostic_rows"]) == ("2", "0", "0")
    assert glued["n_randomised_rows"] == "0"  # the miniature holds no randomised trial
    assert glued["n_rct"] == "none" and glued["hr_zou_os"]


def test_patient_accounting_adds_up_the_groups(ch, glued):
    table = view.patient_accounting(ch, study_ids=("zou2025_ablation",), pooled=None)
    row = table.iloc[0]
    assert (row["study"], row["sum of groups"], row["not in either group"]) == ("Zou 2025", 132 + 836, 1021 - 968)
    assert glued["zou_n_total"] == "1,021" and glued["zou_n_gap"] == "53"
    assert glued["zou_gap_percent"] == "5.2%"  # 53 / 1021 = 5.19%
    assert glued["zou_follow_up"] == "39.6"


def test_intervals_recomputed_from_the_printed_p(ch, glued):
    table = view.recomputed_intervals(ch, study_id="zou2025_ablation", named={"small": "zou_os"})
    assert list(table["HR"]) == [0.48]  # ci_row has no p-value: left out
    se = abs(math.log(0.48)) / NormalDist().inv_cdf(1 - 0.003 / 2)
    lower, upper = (0.48 * math.exp(s * 1.959963984540054 * se) for s in (-1, 1))
    assert glued["zou_small_hr_ci"] == format_estimate_ci(0.48, lower, upper)
    assert glued["zou_small_p"] == "0.003" and glued["zou_small_hr"] == "0.48"
    assert float(glued["zou_small_mhr"]) == pytest.approx(40.4 / 65.5, abs=0.005)


def test_evalues_of_the_comparative_estimates(ch, glued):
    table = view.evalue_table(ch, rare_outcome=True)
    assert list(table["study"]) == ["Zou 2025", "Zou 2025"]

    def evalue(hr):
        rr = 1 / hr
        return rr + math.sqrt(rr * (rr - 1))

    assert sorted(table["e_value"]) == pytest.approx(sorted([evalue(0.48), evalue(0.49)]), abs=1e-3)
    assert (glued["ev_min"], glued["ev_max"], glued["n_evalues"]) == ("3.5", "3.6", "2")


def test_median_gain_and_comparison_arm_medians(ch, glued):
    gains = view.median_gains(ch)
    assert gains["difference in medians (months)"].dropna().tolist() == [pytest.approx(65.5 - 40.4)]
    described = view.described_medians(ch)
    assert list(described["series"]) == ["comparison arm"]
    assert (glued["ctrl_min"], glued["ctrl_max"], glued["n_one_arm_medians"]) == ("40.4", "40.4", "0")
    # The data's marker for an unknown time zero is written for readers.
    assert list(view.medians_table(described)["time zero"]) == ["not stated in the sources searched"]


def test_forest_rows_mark_recomputed_intervals(ch, glued):
    frame = view.forest_rows(ch, "OS")
    assert len(frame) == 2 and glued["n_forest"] == "2" and glued["n_pfs_comparative"] == "0"
    assert sum(label.endswith(" †") for label in frame["label"]) == 1  # only zou_os lacks a printed interval
    assert view.forest_rows(ch, "PFS").empty


def test_checkable_checks_and_key_points(ch, glued):
    consistency = ch.consistency(write=False)
    table = view.checkable(ch, consistency)
    assert list(table.columns) == ["study", "check", "verdict", "detail"]
    assert (table["verdict"] != "not_checkable").all() and glued["n_checkable_checks"] == f"{len(table)}"
    view.glue_key_points(ch)
    assert (glued["kp_n_comparative_studies"], glued["kp_certainty"]) == ("1", "low")
    assert (glued["kp_certainty_rct"], glued["kp_n_rct_breast"]) == ("none", "no")  # no randomised comparison
    assert view.judged_studies(ch) == ["zou2025_ablation"] and glued["n_rob_critical"] == "0"


def test_immortal_time_favours_the_treated_only_from_diagnosis():
    # Oracle: the therapy does nothing, so the landmark interval covers 1 and the naive one lies below it.
    sim = view.immortal_time(median=24.0, n=2000, share_treated=0.5, wait=24.0, accrual=36.0, follow_up=36.0, seed=1)
    assert sim.naive["hr_upper"] < 1
    assert sim.landmark["hr_lower"] < 1 < sim.landmark["hr_upper"]
    assert list(sim.estimates.columns) == ["hr", "hr_lower", "hr_upper", "p"]


# ---------------------------------------------------------------- randomised trials (no miniature)
# Oracles: a Wald interval at level L has half-width z_L * SE on the log scale, z_L = Phi^-1(1/2 + L/2),
# so an interval reported at 70% has SE = (ln U - ln L) / (2 z_0.70) and the 95% interval is
# HR exp(+-z_0.95 SE); a one-sided p gives z = Phi^-1(1 - p).
Z = NormalDist().inv_cdf


def _effect(**cells):
    base = {"hr": None, "hr_ci_lower": None, "hr_ci_upper": None, "ci_level": None, "p_value": None, "p_sided": None}
    return pd.Series({**base, **cells}, name=cells.get("name", "row"), dtype=object)


def test_kinds_put_randomised_trials_first():
    rows = pd.DataFrame(
        {
            "design": ["rct", "rct", "retrospective_cohort", "case_series"],
            "population": ["ITT", "prognostic", "matched", "cohort"],
            "arm_control": ["systemic", "x", "systemic", None],
        },
        index=list("abcd"),
    )
    assert list(view.kinds(rows)) == ["randomised", "randomised", "comparison", "single-arm"]


def test_ci95_rescales_a_70_percent_interval_with_the_same_standard_error():
    lower, upper, source = view.ci95(_effect(hr=0.92, hr_ci_lower=0.71, hr_ci_upper=1.17, ci_level=70))
    se = (math.log(1.17) - math.log(0.71)) / (2 * Z(0.85))
    assert (lower, upper) == pytest.approx((0.92 * math.exp(-Z(0.975) * se), 0.92 * math.exp(Z(0.975) * se)), abs=1e-9)
    assert source == "rescaled from the 70% interval"
    assert 0.57 < lower < 0.58 and 1.47 < upper < 1.48  # wider than the printed 70% interval


def test_ci95_passes_a_95_percent_interval_through_and_recomputes_from_p():
    assert view.ci95(_effect(hr=0.5, hr_ci_lower=0.3, hr_ci_upper=0.84, ci_level=95)) == (0.3, 0.84, "reported")
    lower, upper, source = view.ci95(_effect(hr=0.57, p_value=0.09))
    se = abs(math.log(0.57)) / Z(1 - 0.09 / 2)
    assert (lower, upper) == pytest.approx((0.57 * math.exp(-Z(0.975) * se), 0.57 * math.exp(Z(0.975) * se)), abs=1e-9)
    assert source == "recomputed from p"
    with pytest.raises(ValueError, match="hr_ci_lower/hr_ci_upper or p_value"):
        view.ci95(_effect(hr=0.8))
    with pytest.raises(ValueError, match="column hr"):
        view.ci95(_effect(p_value=0.2))


def test_randomised_rows_take_the_latest_cut_per_trial_and_endpoint():
    rows = pd.DataFrame(
        {
            "study_id": ["sabr_comet", "sabr_comet", "nrg_br002", "zou2025"],
            "design": ["rct", "rct", "rct", "retrospective_cohort"],
            "population": ["ITT"] * 4,
            "arm_control": ["soc"] * 4,
            "endpoint": ["OS", "OS", "PFS", "OS"],
            "analysis": ["primary", "updated", "primary", "primary"],
            "hr": [0.57, 0.50, 0.92, 0.48],
            "hr_ci_lower": [None, 0.30, 0.71, None],
            "hr_ci_upper": [None, 0.84, 1.17, None],
            "ci_level": [None, 95, 70, None],
            "p_value": [0.09, 0.008, 0.36, 0.003],
            "p_sided": [None, None, 1, None],
        },
        index=["sabr_first", "sabr_late", "nrg", "zou"],
    )
    latest = view.randomised_rows(SimpleNamespace(rows=rows))
    assert list(latest.index) == ["nrg", "sabr_late"]  # breast trials first; the non-randomised row left out
    assert list(latest["ci_source"]) == ["rescaled from the 70% interval", "reported"]
