"""Re-analysis of two-arm patient rows (helpers.reanalysis): R's survival package and hand computation
as oracles.

R reference values come from ``tests/r/reanalysis_kmdata.R`` run on the committed kmdata rows
(``data/kmdata``), written to ``tests/reference/r_reanalysis_kmdata.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, assert_r_script_regenerates_reference
from helpers import reanalysis
from helpers.data import load_reconstructed

R_REFERENCE = ROOT / "tests" / "reference" / "r_reanalysis_kmdata.csv"
R_SCRIPT = ROOT / "tests" / "r" / "reanalysis_kmdata.R"

#: The settings the R script uses per data set (keep the two in step).
SPECS = {
    "PALOMA3_1A": dict(experimental="palbociclib_fulvestrant", horizons=[6, 10], times=[3, 6, 9], cuts=[2, 4]),
    "MONALEESA2_1": dict(experimental="ribociclib_letrozole", horizons=[12, 18], times=[6, 12, 18], cuts=[6, 12]),
    "BOLERO2_1": dict(experimental="eve_exe", horizons=[12, 24, 36], times=[12, 24, 36], cuts=[12, 24]),
    "PALOMA2_1A": dict(experimental="palbociclib_letrozole", horizons=[12, 24], times=[12, 24], cuts=[6, 12, 18]),
    "CLEOPATRA_2A": dict(experimental="pertuzumab", horizons=[36, 60], times=[24, 36, 60], cuts=[12, 24, 36, 48]),
}


def read_reference(path) -> dict[tuple[str, str], float]:
    table = pd.read_csv(path)
    return {(d, q): float(v) for d, q, v in zip(table["dataset"], table["quantity"], table["value"])}


@pytest.fixture(scope="module")
def r_values() -> dict[tuple[str, str], float]:
    return read_reference(R_REFERENCE)


@pytest.fixture(scope="module")
def trials() -> dict[str, tuple[pd.DataFrame, str, str]]:
    out = {}
    for dataset, spec in SPECS.items():
        rows = load_reconstructed(dataset)
        control = next(a for a in pd.unique(rows["arm"]) if a != spec["experimental"])
        out[dataset] = (rows, spec["experimental"], control)
    return out


@pytest.mark.parametrize("dataset", SPECS)
def test_rmst_differences_against_r_survfit_rmean(dataset, trials, r_values):
    rows, experimental, control = trials[dataset]
    table = reanalysis.rmst_differences(rows, "time", "event", "arm", experimental, control, SPECS[dataset]["horizons"])
    for tau, row in table.iterrows():
        for role in ("experimental", "control"):
            assert row[f"rmst_{role}"] == pytest.approx(r_values[dataset, f"rmst_{role}_{tau:g}"], abs=1e-9)
        se = np.hypot(r_values[dataset, f"rmst_se_experimental_{tau:g}"], r_values[dataset, f"rmst_se_control_{tau:g}"])
        # The CI is the difference ± 1.959964 SE, with R's two standard errors.
        assert row["upper"] - row["difference"] == pytest.approx(1.959963984540054 * se, abs=1e-9)
        assert row["difference"] - row["lower"] == pytest.approx(1.959963984540054 * se, abs=1e-9)


@pytest.mark.parametrize("dataset", SPECS)
def test_milestone_survival_against_r_summary_survfit_times(dataset, trials, r_values):
    rows, experimental, control = trials[dataset]
    table = reanalysis.milestone_survival(
        rows, "time", "event", "arm", SPECS[dataset]["times"], order=[experimental, control]
    )
    for _, row in table.iterrows():
        role = "experimental" if row["arm"] == experimental else "control"
        key = f"{role}_{row['time']:g}"
        assert row["survival"] == pytest.approx(r_values[dataset, f"surv_{key}"], abs=1e-12)
        assert row["se"] == pytest.approx(r_values[dataset, f"surv_se_{key}"], abs=1e-12)
        # log(-log) limits from Greenwood's variance: lifelines and R agree to rounding.
        assert row["lower"] == pytest.approx(r_values[dataset, f"surv_lower_{key}"], abs=1e-9)
        assert row["upper"] == pytest.approx(r_values[dataset, f"surv_upper_{key}"], abs=1e-9)
        assert row["at_risk"] == r_values[dataset, f"n_risk_{key}"]


@pytest.mark.parametrize("dataset", SPECS)
def test_piecewise_hazard_ratios_against_r_coxph_on_survsplit_rows(dataset, trials, r_values):
    rows, experimental, _ = trials[dataset]
    table = reanalysis.piecewise_hazard_ratios(rows, "time", "event", "arm", experimental, SPECS[dataset]["cuts"])
    assert len(table) == len(SPECS[dataset]["cuts"]) + 1
    for k, row in enumerate(table.itertuples(), start=1):
        # R fitted to eps 1e-12; lifelines' Newton steps with late entry stop within about 1e-7
        # of that (largest gap on these rows 7e-8), hence 1e-6.
        assert np.log(row.hr) == pytest.approx(r_values[dataset, f"piece_coef_{k}"], abs=1e-6)
        assert np.log(row.hr) == pytest.approx(r_values[dataset, f"piece_joint_coef_{k}"], abs=1e-6)
        se = (np.log(row.upper) - np.log(row.lower)) / (2 * 1.959963984540054)
        assert se == pytest.approx(r_values[dataset, f"piece_se_{k}"], abs=1e-6)
        assert row.events_experimental + row.events_control == r_values[dataset, f"piece_events_{k}"]


@pytest.mark.parametrize("dataset", SPECS)
def test_proportional_hazards_against_r_cox_zph(dataset, trials, r_values):
    """Identity transform: lifelines computes Grambsch & Therneau's approximate test, as R's cox.zph did
    before survival 3.0 (recomputed by hand in the R script): equal to 1e-6 (lifelines' default
    Cox convergence). R 3.x's full score test differs in the second decimal; the largest gap on
    these rows is PALOMA-3 (0.541 against 0.620; p 0.462 against 0.431), whose events are tied
    at scan dates, hence 0.1 on the statistic and 0.04 on p."""
    rows, experimental, _ = trials[dataset]
    result = reanalysis.proportional_hazards_table(rows, "time", "event", "arm", experimental).loc["identity"]
    assert result["statistic"] == pytest.approx(r_values[dataset, "zph_approx_identity_chisq"], abs=1e-6)
    assert result["p"] == pytest.approx(r_values[dataset, "zph_approx_identity_p"], abs=1e-6)
    assert result["statistic"] == pytest.approx(r_values[dataset, "zph_identity_chisq"], abs=0.1)
    assert result["p"] == pytest.approx(r_values[dataset, "zph_identity_p"], abs=0.04)


# --------------------------------------------------------------------------- hand computation
# Arm a: 1, 2+, 3, 4 (S = 3/4 after 1, 3/8 after 3, 0 after 4); arm b: 2, 3+, 5, 6+.
TINY = pd.DataFrame(
    {
        "t": [1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 5.0, 6.0],
        "e": [1, 0, 1, 1, 1, 0, 1, 0],
        "g": ["a"] * 4 + ["b"] * 4,
    }
)


def test_milestone_survival_against_hand_computation():
    table = reanalysis.milestone_survival(TINY, "t", "e", "g", [2.5], order=["a", "b"]).set_index("g")
    # Arm a at 2.5: S = 3/4, Greenwood Var = (3/4)^2 * 1/(4*3); arm b: S = 3/4, Var = (3/4)^2/12.
    assert table.loc["a", "survival"] == pytest.approx(0.75, abs=1e-12)
    assert table.loc["a", "se"] ** 2 == pytest.approx(0.75**2 / 12, abs=1e-12)
    assert table.loc["b", "at_risk"] == 3
    diff = reanalysis.milestone_differences(TINY, "t", "e", "g", "a", "b", [2.5]).loc[2.5]
    assert diff["difference"] == pytest.approx(0.0, abs=1e-12)
    assert diff["upper"] == pytest.approx(1.959963984540054 * np.sqrt(2 * 0.75**2 / 12), abs=1e-12)


def test_rmst_differences_against_hand_computation():
    table = reanalysis.rmst_differences(TINY, "t", "e", "g", "b", "a", [4.0])
    # Arm a: 1 + 2 * 0.75 + 1 * 0.375 = 2.875; arm b: 2 + 2 * 0.75 = 3.5 (S = 3/4 after 2).
    assert table.loc[4.0, "rmst_control"] == pytest.approx(2.875, abs=1e-12)
    assert table.loc[4.0, "rmst_experimental"] == pytest.approx(3.5, abs=1e-12)
    assert table.loc[4.0, "difference"] == pytest.approx(0.625, abs=1e-12)
    assert table.loc[4.0, ["at_risk_experimental", "at_risk_control"]].tolist() == [2, 1]


def test_piecewise_intervals_split_rows_as_survsplit_does():
    # Arm a: 1, 2+, 3, 4, 6, 7+; arm b: 0.5, 2, 3+, 5, 6+, 8. Cut at 2.5: (0, 2.5] holds all 12 and the
    # events at 1 (a), 0.5 and 2 (b); (2.5, inf) holds the 8 followed beyond 2.5 (a: 3, 4, 6, 7+;
    # b: 3+, 5, 6+, 8) and the events at 3, 4, 6 (a) and 5, 8 (b).
    rows = pd.DataFrame(
        {
            "t": [1, 2, 3, 4, 6, 7, 0.5, 2, 3, 5, 6, 8],
            "e": [1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1],
            "g": ["a"] * 6 + ["b"] * 6,
        }
    )
    table = reanalysis.piecewise_hazard_ratios(rows, "t", "e", "g", "b", [2.5])
    assert table[["start", "end"]].to_numpy().tolist() == [[0.0, 2.5], [2.5, np.inf]]
    assert table["at_risk"].tolist() == [12, 8]
    assert table["events_experimental"].tolist() == [2, 2]
    assert table["events_control"].tolist() == [1, 3]
    assert (table["lower"] < table["hr"]).all() and (table["hr"] < table["upper"]).all()


# --------------------------------------------------------------------------- bad input
def test_an_interval_without_events_in_an_arm_is_named():
    with pytest.raises(ValueError, match=r"interval \(0, 1.5\]: no experimental event"):
        reanalysis.piecewise_hazard_ratios(TINY, "t", "e", "g", "b", [1.5])


def test_times_must_increase():
    with pytest.raises(ValueError, match=r"horizons must increase strictly, got \[4.0, 2.0\]"):
        reanalysis.rmst_differences(TINY, "t", "e", "g", "b", "a", [4.0, 2.0])
    with pytest.raises(ValueError, match=r"times\[0\]"):
        reanalysis.milestone_survival(TINY, "t", "e", "g", [0.0])


def test_a_milestone_beyond_follow_up_names_the_arm():
    with pytest.raises(ValueError, match=r"arm 'a': time 5 lies beyond the last follow-up time 4"):
        reanalysis.milestone_survival(TINY, "t", "e", "g", [5.0])


def test_an_unknown_arm_is_named():
    with pytest.raises(ValueError, match=r"arm 'c' not found in column 'g'"):
        reanalysis.rmst_differences(TINY, "t", "e", "g", "c", "a", [2.0])


def test_a_cut_beyond_follow_up_is_an_error():
    with pytest.raises(ValueError, match="cut 6 lies at or beyond the last follow-up time 6"):
        reanalysis.piecewise_hazard_ratios(TINY, "t", "e", "g", "b", [6.0])


@pytest.mark.r_live
def test_r_reanalysis_reference_regenerates_identically(rscript, tmp_path):
    """Re-run the committed R script on the committed rows and compare with the committed values."""
    kmdata = ROOT / "data" / "kmdata"
    assert_r_script_regenerates_reference(rscript, R_SCRIPT, [kmdata], R_REFERENCE, read_reference, tmp_path, 1e-12)
