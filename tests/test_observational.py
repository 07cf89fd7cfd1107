"""E-values: the worked examples of the EValue documentation, properties, and the formulas in R."""

from __future__ import annotations

import math
import subprocess

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from helpers import observational

R_REFERENCE = ROOT / "tests" / "reference" / "r_evalue.csv"
R_SCRIPT = ROOT / "tests" / "r" / "evalue_reference.R"

# Deterministic property tests: the same examples on every run and every machine.
PROPERTIES = settings(derandomize=True, max_examples=200, deadline=None)
ratios = st.floats(min_value=0.02, max_value=50.0, allow_nan=False, allow_infinity=False)


def read_reference(path) -> pd.DataFrame:
    return pd.read_csv(path, na_values=["NA"]).set_index("case")


def optional(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


# Worked examples. The published values are printed to 7 significant figures, hence rel=1e-6.


def test_evalue_rr_against_vanderweele_ding_2017_breastfeeding_example():
    # VanderWeele & Ding, Ann Intern Med 2017;167:268 (Victora et al.): RR 3.9 (1.8–8.7)
    # gives E-values 7.26 and 3.0 (EValue vignette: evalues.OR(3.9, 1.8, 8.7, rare = TRUE)
    # prints 7.263034 and 3.0).
    result = observational.evalue_rr(3.9, 1.8, 8.7)
    assert result["e_value"] == pytest.approx(7.263034, rel=1e-6)
    assert result["e_value_ci"] == pytest.approx(3.0, abs=1e-12)  # 1.8 + sqrt(1.8 * 0.8) = 3
    assert result["ci_limit"] == "lower"


def test_evalue_rr_against_vanderweele_ding_2017_leukaemia_example():
    # VanderWeele & Ding 2017 (AHRQ report): protective RR 0.80 (0.71–0.91); EValue vignette
    # evalues.RR(0.80, 0.71, 0.91) prints 1.809017 and, for the upper limit, 1.428571.
    result = observational.evalue_rr(0.80, 0.71, 0.91)
    assert result["e_value"] == pytest.approx(1.809017, rel=1e-6)
    assert result["e_value_ci"] == pytest.approx(1.428571, rel=1e-6)
    assert result["ci_limit"] == "upper"


def test_evalue_rr_against_ding_vanderweele_2016_smoking_example():
    # Ding & VanderWeele, Epidemiology 2016 (Hammond & Horn): RR 10.73 (8.02–14.36); EValue
    # vignette evalues.RR(10.73, 8.02, 14.36) prints 20.94777 and 15.52336.
    result = observational.evalue_rr(10.73, 8.02, 14.36)
    assert result["e_value"] == pytest.approx(20.94777, rel=1e-6)
    assert result["e_value_ci"] == pytest.approx(15.52336, rel=1e-6)


def test_evalue_hr_against_evalue_package_documentation_example():
    # EValue reference manual, evalues.HR example: evalues.HR(0.56, 0.46, 0.69, rare = FALSE)
    # prints RR 0.670084 0.585935 0.7735267 and E-values 2.349531 (point), 1.9080039 (upper).
    result = observational.evalue_hr(0.56, 0.46, 0.69, rare_outcome=False)
    assert result["rr"] == pytest.approx(0.670084, rel=1e-6)
    assert result["rr_lower"] == pytest.approx(0.585935, rel=1e-6)
    assert result["rr_upper"] == pytest.approx(0.7735267, rel=1e-6)
    assert result["e_value"] == pytest.approx(2.349531, rel=1e-6)
    assert result["e_value_ci"] == pytest.approx(1.9080039, rel=1e-6)
    assert result["ci_limit"] == "upper"


def test_evalue_of_one_is_one_by_the_formula():
    # E = RR + sqrt(RR (RR - 1)) = 1 at RR = 1; an interval containing 1 gives 1.
    result = observational.evalue_hr(1.0, 0.8, 1.25)
    assert result["e_value"] == 1.0
    assert result["e_value_ci"] == 1.0


def test_evalue_hr_without_interval_reports_none_for_the_limit():
    result = observational.evalue_hr(0.7)
    assert result["e_value_ci"] is None
    assert result["ci_limit"] is None
    assert result["hr_lower"] is None
    assert result["e_value"] > 1


def test_rare_outcome_uses_the_hazard_ratio_as_the_risk_ratio():
    # VanderWeele & Ding 2017, Table 2: RR ≈ HR when the outcome is rare.
    rare = observational.evalue_hr(0.62, 0.45, 0.85, rare_outcome=True)
    direct = observational.evalue_rr(0.62, 0.45, 0.85)
    assert rare["e_value"] == pytest.approx(direct["e_value"], abs=1e-15)
    assert rare["e_value_ci"] == pytest.approx(direct["e_value_ci"], abs=1e-15)


# Properties.


@PROPERTIES
@given(hr=ratios, rare=st.booleans())
def test_evalue_is_at_least_one_and_symmetric_in_hr_and_its_inverse(hr, rare):
    e = observational.evalue_hr(hr, rare_outcome=rare)["e_value"]
    e_inverse = observational.evalue_hr(1 / hr, rare_outcome=rare)["e_value"]
    assert e >= 1.0
    assert e == pytest.approx(e_inverse, rel=1e-10)


@PROPERTIES
@given(a=ratios, b=ratios, c=ratios, rare=st.booleans())
def test_limit_evalue_is_between_one_and_the_point_evalue_and_symmetric(a, b, c, rare):
    lower, hr, upper = sorted([a, b, c])
    result = observational.evalue_hr(hr, lower, upper, rare_outcome=rare)
    assert 1.0 <= result["e_value_ci"] <= result["e_value"] * (1 + 1e-12)
    if lower <= 1 <= upper:
        assert result["e_value_ci"] == 1.0
    mirrored = observational.evalue_hr(1 / hr, 1 / upper, 1 / lower, rare_outcome=rare)
    assert mirrored["e_value_ci"] == pytest.approx(result["e_value_ci"], rel=1e-10)


@PROPERTIES
@given(hr=ratios)
def test_common_outcome_conversion_pulls_towards_one(hr):
    # (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)) lies between 1 and HR, so a common outcome
    # never gives a larger E-value than the rare-outcome approximation.
    rr = observational.hr_to_rr(hr, rare_outcome=False)
    assert min(1.0, hr) - 1e-12 <= rr <= max(1.0, hr) + 1e-12
    assert observational.hr_to_rr(1 / hr, rare_outcome=False) == pytest.approx(1 / rr, rel=1e-12)
    common = observational.evalue_hr(hr, rare_outcome=False)["e_value"]
    rare = observational.evalue_hr(hr, rare_outcome=True)["e_value"]
    assert common <= rare * (1 + 1e-12)


# Errors.


def test_estimate_outside_its_interval_is_an_error():
    with pytest.raises(ValueError, match=r"hr 0.5 must lie within its interval \[0.6, 0.9\] \(lower, upper\)"):
        observational.evalue_hr(0.5, 0.6, 0.9)


def test_one_confidence_limit_alone_is_an_error():
    with pytest.raises(ValueError, match="give both confidence limits of the hazard ratio or"):
        observational.evalue_hr(0.5, lower=0.3)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_non_positive_or_non_finite_ratio_is_an_error(bad):
    with pytest.raises(ValueError, match="hr must be a positive finite number"):
        observational.evalue_hr(bad)


@pytest.mark.parametrize("truthy", ["no", "False", 1, None])
def test_rare_outcome_must_be_a_bool(truthy):
    # "no" is truthy: read as a flag it would silently select the rare-outcome branch.
    with pytest.raises(TypeError, match="rare_outcome must be True or False, got"):
        observational.evalue_hr(0.7, 0.6, 0.8, rare_outcome=truthy)
    with pytest.raises(TypeError, match="rare_outcome must be True or False"):
        observational.hr_to_rr(0.7, truthy)


# The same formulas, written independently in R (tests/r/evalue_reference.R).


def test_evalues_against_r_reference_formulas():
    reference = read_reference(R_REFERENCE)
    assert len(reference) == 13
    for case, row in reference.iterrows():
        result = observational.evalue_hr(
            row["hr"], optional(row["lower"]), optional(row["upper"]), rare_outcome=bool(row["rare_outcome"])
        )
        for column in ("rr", "rr_lower", "rr_upper", "e_value", "e_value_ci"):
            expected = optional(row[column])
            if expected is None:
                assert result[column] is None, (case, column)
            else:
                assert result[column] == pytest.approx(expected, rel=1e-13, abs=1e-13), (case, column)


@pytest.mark.r_live
def test_r_evalue_reference_regenerates_identically(rscript, tmp_path):
    """Re-run the committed R script and compare with the committed reference values."""
    out = tmp_path / "reference.csv"
    subprocess.run([rscript, str(R_SCRIPT), str(out)], check=True, capture_output=True)
    fresh, committed = read_reference(out), read_reference(R_REFERENCE)
    assert list(fresh.index) == list(committed.index)
    assert list(fresh.columns) == list(committed.columns)
    pd.testing.assert_series_equal(fresh["rare_outcome"], committed["rare_outcome"])
    numeric = [c for c in committed.columns if c != "rare_outcome"]
    for column in numeric:
        assert fresh[column].isna().equals(committed[column].isna()), column
        pd.testing.assert_series_equal(fresh[column], committed[column], rtol=1e-10, atol=1e-10)
