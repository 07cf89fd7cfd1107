"""Absolute effects and ESMO-MCBS grades: closed forms, numerical integration and published grades."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from helpers import benefit

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=80)

medians = st.floats(min_value=0.1, max_value=200, allow_nan=False, allow_infinity=False)
horizons = st.floats(min_value=0.1, max_value=500, allow_nan=False, allow_infinity=False)
hazard_ratios = st.floats(min_value=0.05, max_value=5, allow_nan=False, allow_infinity=False)
probabilities = st.floats(min_value=0.001, max_value=1, allow_nan=False, allow_infinity=False)


# --- median gain ------------------------------------------------------------------------------


def test_median_gain_is_the_difference_of_medians():
    assert benefit.median_gain(9.0, 6.0) == 3.0
    assert benefit.median_gain(5.5, 6.0) == pytest.approx(-0.5, abs=1e-15)


@pytest.mark.parametrize(
    ("experimental", "control", "message"),
    [
        (0.0, 6.0, "median_experimental must be a positive finite number, got 0.0"),
        (9.0, -1.0, "median_control must be a positive finite number, got -1.0"),
        (math.inf, 6.0, "median_experimental must be a positive finite number, got inf"),
    ],
)
def test_median_gain_rejects_medians_that_are_not_positive_numbers(experimental, control, message):
    with pytest.raises(ValueError, match=message):
        benefit.median_gain(experimental, control)


# --- landmark survival gain under proportional hazards ---------------------------------------


def test_landmark_gain_against_hand_computation():
    # S_C = 0.5, HR = 0.5: S_E = 0.5 ** 0.5 = 0.70710678..., gain = 0.20710678...
    result = benefit.landmark_survival_gain(0.5, 0.5)
    assert result["survival_experimental"] == pytest.approx(math.sqrt(0.5), abs=1e-15)
    assert result["gain"] == pytest.approx(math.sqrt(0.5) - 0.5, abs=1e-15)


def test_landmark_gain_against_exponential_closed_form():
    # Exponential arms with medians 6 and 9 months: HR = 6/9 and S(t) = exp(-ln2 t / m).
    t = 24.0
    survival_control = math.exp(-math.log(2) * t / 6.0)
    result = benefit.landmark_survival_gain(6.0 / 9.0, survival_control)
    assert result["survival_experimental"] == pytest.approx(math.exp(-math.log(2) * t / 9.0), rel=1e-12)


def test_landmark_gain_is_zero_without_an_effect():
    assert benefit.landmark_survival_gain(1.0, 0.37)["gain"] == 0.0


@PROPERTY
@given(hr=hazard_ratios, survival_control=probabilities)
def test_landmark_gain_has_the_sign_of_the_effect_and_stays_a_probability(hr, survival_control):
    result = benefit.landmark_survival_gain(hr, survival_control)
    assert 0.0 <= result["survival_experimental"] <= 1.0
    if hr < 1:
        assert -1e-15 <= result["gain"] <= 1 - survival_control + 1e-15
    elif hr > 1:
        assert result["gain"] <= 1e-15


@pytest.mark.parametrize(
    ("hr", "survival", "message"),
    [
        (0.0, 0.5, "hr must be a positive finite number, got 0.0"),
        (0.7, 0.0, r"survival_control_at_t must be a number in \(0, 1\], got 0.0"),
        (0.7, 1.2, r"survival_control_at_t must be a number in \(0, 1\], got 1.2 \(a probability, not a percentage\)"),
        (math.nan, 0.5, "hr must be a positive finite number, got nan"),
    ],
)
def test_landmark_gain_rejects_invalid_inputs(hr, survival, message):
    with pytest.raises(ValueError, match=message):
        benefit.landmark_survival_gain(hr, survival)


# --- RMST under exponential survival ---------------------------------------------------------


def test_rmst_exponential_against_closed_form():
    # Median ln 2 gives rate 1, so RMST(1) = 1 - exp(-1).
    assert benefit.rmst_exponential(math.log(2), 1.0) == pytest.approx(1 - math.exp(-1), rel=1e-14)
    # Median 6, horizon 24 (4 medians): (1 - 2**-4) * 6 / ln 2.
    assert benefit.rmst_exponential(6.0, 24.0) == pytest.approx((1 - 2**-4) * 6 / math.log(2), rel=1e-14)


@PROPERTY
@given(median=medians, horizon=horizons)
def test_rmst_exponential_against_numerical_integration(median, horizon):
    rate = math.log(2) / median
    area, _ = integrate.quad(lambda t: math.exp(-rate * t), 0, horizon, epsabs=1e-13, epsrel=1e-12)
    rmst = benefit.rmst_exponential(median, horizon)
    assert rmst == pytest.approx(area, rel=1e-9)
    assert 0 < rmst <= horizon


def test_rmst_exponential_tends_to_the_mean_and_to_the_horizon():
    # Far horizon: the mean, median / ln 2. Short horizon: almost nobody has had the event.
    assert benefit.rmst_exponential(6.0, 6000.0) == pytest.approx(6 / math.log(2), rel=1e-12)
    assert benefit.rmst_exponential(6.0, 1e-6) == pytest.approx(1e-6, rel=1e-6)


@PROPERTY
@given(median_experimental=medians, median_control=medians, horizon=horizons)
def test_rmst_difference_exponential_is_the_difference_and_has_the_sign_of_the_median_gain(
    median_experimental, median_control, horizon
):
    result = benefit.rmst_difference_exponential(median_experimental, median_control, horizon)
    assert result["difference"] == result["rmst_experimental"] - result["rmst_control"]
    if median_experimental > median_control:
        assert result["difference"] >= 0
    elif median_experimental < median_control:
        assert result["difference"] <= 0


@pytest.mark.parametrize(
    ("median", "horizon", "message"),
    [
        (-1.0, 12.0, "median must be a positive finite number, got -1.0"),
        (6.0, 0.0, "horizon must be a positive finite number, got 0.0"),
        (6.0, math.inf, "horizon must be a positive finite number, got inf"),
    ],
)
def test_rmst_exponential_rejects_invalid_inputs(median, horizon, message):
    with pytest.raises(ValueError, match=message):
        benefit.rmst_exponential(median, horizon)


# --- ESMO-MCBS v1.1: maximal grades (Dafni et al., ESMO Open 2017;2:e000216, Table 1) ----------


@pytest.mark.parametrize(
    ("endpoint", "median_control", "hr_lower", "gain", "grade"),
    [
        ("OS", 12.0, 0.65, 3.0, 4),  # "4 ≤12 months ≤0.65 AND ≥3 months", both limits inclusive
        ("OS", 24.0, 0.70, 5.0, 4),  # ">12 months ≤0.70 AND ≥5 months" (v1.1 sheet >12, ≤24)
        ("PFS", 6.0, 0.65, 1.5, 3),  # "3 ≤6 months ≤0.65 AND ≥1.5 months"
        ("TTP", 6.1, 0.65, 3.0, 3),  # ">6 months ≤0.65 AND ≥3 months"
    ],
)
def test_maximal_grades_match_dafni_2017_table_1(endpoint, median_control, hr_lower, gain, grade):
    result = benefit.esmo_mcbs_form2a(endpoint, hr_lower, median_control, gain)
    assert result["preliminary_grade"] == grade == result["maximal_grade"]
    assert "esmoopen.bmj.com" in result["source"]


# --- ESMO-MCBS v1.1 form 2a, control median ≤12 months (CancerCalc v1.1 and Büsch 2022) ------


@pytest.mark.parametrize(
    ("hr_lower", "gain", "grade"),
    [
        (0.65, 3.0, 4),  # "HR ≤0.65 AND OS gain ≥3 months"
        (0.40, 2.99, 3),  # "HR ≤0.65 AND OS gain ≥2-<3 months"
        (0.65, 2.0, 3),
        (0.65, 1.99, 2),  # "HR ≤0.65 AND OS gain ≥1.5-<2 months"
        (0.65, 1.5, 2),
        (0.66, 1.5, 2),  # "HR >0.65-≤0.7 AND OS gain ≥1.5months"
        (0.70, 10.0, 2),
        (0.71, 10.0, 1),  # Büsch: "HR− > 0.7 OR gain < 1.5"
        (0.30, 1.49, 1),
    ],
)
def test_form2a_up_to_12_months_follows_the_cancercalc_rows(hr_lower, gain, grade):
    assert benefit.esmo_mcbs_form2a("OS", hr_lower, 9.0, gain)["preliminary_grade"] == grade


# --- Form 2a, control median > 12 months: Büsch et al., Value Health 2022, Table 1 ------------
# "medC ∈ (12, 24]": 4 "HR− ≤ 0.7 AND gain ≥ 5"; 3 "HR− ≤ 0.7 AND gain ∈ [3, 5)"; 2 "HR− ≤ 0.7
# AND gain ∈ [1.5, 3)" or "HR− ∈ (0.7, 0.75] AND gain ≥ 1.5"; 1 "HR− > 0.75 OR gain < 1.5".
# "medC > 24": 4 "HR− ≤ 0.7 AND gain ≥ 9"; 3 "gain ∈ [6, 9)"; 2 "gain ∈ [4, 6)" or
# "HR− ∈ (0.7, 0.75] AND gain ≥ 4"; 1 "HR− > 0.75 OR gain < 4".


@pytest.mark.parametrize(
    ("median_control", "hr_lower", "gain", "grade"),
    [
        (12.1, 0.70, 5.0, 4),
        (24.0, 0.70, 4.99, 3),
        (18.0, 0.50, 3.0, 3),
        (18.0, 0.50, 2.99, 2),
        (18.0, 0.70, 1.5, 2),
        (18.0, 0.71, 10.0, 2),
        (18.0, 0.75, 1.5, 2),
        (18.0, 0.76, 10.0, 1),
        (18.0, 0.50, 1.49, 1),
        (24.1, 0.70, 9.0, 4),
        (40.0, 0.70, 8.99, 3),
        (40.0, 0.40, 6.0, 3),
        (40.0, 0.40, 5.99, 2),
        (40.0, 0.70, 4.0, 2),
        (40.0, 0.75, 20.0, 2),
        (40.0, 0.7501, 20.0, 1),
        (40.0, 0.30, 3.99, 1),
    ],
)
def test_form2a_above_12_months_follows_busch_2022_table_1(median_control, hr_lower, gain, grade):
    result = benefit.esmo_mcbs_form2a("OS", hr_lower, median_control, gain)
    assert result["preliminary_grade"] == grade
    assert "Value Health 2022" in result["source"]


@pytest.mark.parametrize(("median_control", "years"), [(9.0, 2), (18.0, 3), (40.0, 5)])
def test_landmark_survival_gain_of_ten_points_gives_grade_4_at_the_sheets_landmark(median_control, years):
    # "Increase in 2 / 3 / 5 year survival ≥ 10%", the alternative grade-4 row of each sheet.
    result = benefit.esmo_mcbs_form2a("OS", 0.90, median_control, 0.5, landmark_survival_gain=0.10)
    assert (result["preliminary_grade"], result["landmark_years"]) == (4, years)
    assert f"{years}-year survival" in result["rule"]
    below = benefit.esmo_mcbs_form2a("OS", 0.90, median_control, 0.5, landmark_survival_gain=0.099)
    assert below["preliminary_grade"] == 1


def test_a_gain_computed_from_reported_medians_meets_an_equal_threshold():
    gain = benefit.median_gain(10.2, 7.2)
    assert gain < 3.0  # 2.999999999999999 in binary floating point
    result = benefit.esmo_mcbs_form2a("OS", 0.65, 7.2, gain)
    assert result["preliminary_grade"] == 4


@PROPERTY
@given(hr_a=st.floats(0.05, 1.0), hr_b=st.floats(0.05, 1.0), gain_a=st.floats(-5.0, 20.0), gain_b=st.floats(-5.0, 20.0))
def test_form2a_grade_never_improves_with_a_weaker_hr_or_a_smaller_gain(hr_a, hr_b, gain_a, gain_b):
    strong_hr, weak_hr = sorted([hr_a, hr_b])
    small_gain, large_gain = sorted([gain_a, gain_b])
    best = benefit.esmo_mcbs_form2a("OS", strong_hr, 9.0, large_gain)["preliminary_grade"]
    worse_hr = benefit.esmo_mcbs_form2a("OS", weak_hr, 9.0, large_gain)["preliminary_grade"]
    worse_gain = benefit.esmo_mcbs_form2a("OS", strong_hr, 9.0, small_gain)["preliminary_grade"]
    assert 1 <= worse_hr <= best <= 4
    assert 1 <= worse_gain <= best


def test_result_says_it_is_preliminary_and_which_rule_fired():
    result = benefit.esmo_mcbs_form2a("os", 0.56, 8.97, 3.91)
    assert result["status"] == "preliminary: before toxicity and quality-of-life adjustments"
    assert result["rule"] == (
        "Form 2a (OS), control median 8.97 months (≤12 months): HR lower 95% limit ≤ 0.65 AND "
        "median gain ≥ 3 months (observed: HR lower limit 0.56, median gain 3.91 months) gives "
        "preliminary grade 4."
    )


# --- Worked examples: ESMO-MCBS scorecards as tabulated in BMJ Open ---------------------------
# Table "Clinical benefit according to ESMO-MCBS V.1.1 and concordance rate between ESMO
# Framework in this study and ESMO-MCBS scorecards" (stored copy read at
# https://bmjopen-bmj-com.ezproxy.u-pec.fr/highwire/markup/321652/expansion). Rows with no
# adjustment ("NA"), so the preliminary grade is the final one:
#   EV-301 | EV | OS | 8.97 months | 3.91 months | 0.70 (0.56 to 0.89) | NA | 4 (form 2a) | 4
#   DESTINY-Breast04 | DS-8201 | PFS (OS improved) | 16.8 months | 6.6 months |
#       0.64 (0.49 to 0.84) | NA | 4 (form 2a) | 4


def test_ev301_matches_its_published_esmo_mcbs_grade():
    result = benefit.esmo_mcbs_form2a("OS", 0.56, 8.97, 3.91, hr_ci_upper=0.89)
    assert result["preliminary_grade"] == 4


def test_destiny_breast04_matches_its_published_esmo_mcbs_grade():
    result = benefit.esmo_mcbs_form2a("OS", 0.49, 16.8, 6.6, hr_ci_upper=0.84)
    assert result["preliminary_grade"] == 4
    assert result["control_median_stratum"] == ">12 and ≤24 months"


def test_emilia_matches_the_grade_ding_2024_computed_with_its_quality_of_life_adjustment():
    # Same table: "EMILIA | T-DM1 | PFS and OS | 25.9 months | 4.0 months | 0.75 (0.64 to 0.88) |
    # Improved HRQoL | 3 (form 2a) | 4": the authors' v1.1 grade 3 after a QoL upgrade, so a
    # preliminary 2 on the > 24-month sheet, which is Büsch et al.'s "gain ∈ [4, 6)" row.
    # (ESMO's own scorecard, 4, is not on ESMO's stored pages, so its adjustments are unknown.)
    preliminary = benefit.esmo_mcbs_form2a("OS", 0.64, 25.9, 4.0, hr_ci_upper=0.88)
    assert (preliminary["control_median_stratum"], preliminary["preliminary_grade"]) == (">24 months", 2)
    assert benefit.esmo_mcbs_final(2, "2a", "qol_upgrade")["final_grade"] == 3


# --- Unverified rows and invalid inputs --------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "median_control", "hr_lower", "gain", "message"),
    [
        ("PFS", 4.0, 0.70, 2.0, r"form 2b \(PFS\), control median ≤6 months: .* grades 2 to 1"),
        ("PFS", 8.0, 0.50, 2.9, r"form 2b \(PFS\), control median >6 months: .* grades 2 to 1"),
    ],
)
def test_grades_whose_thresholds_were_not_verified_raise(endpoint, median_control, hr_lower, gain, message):
    with pytest.raises(NotImplementedError, match=message):
        benefit.esmo_mcbs_form2a(endpoint, hr_lower, median_control, gain)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"endpoint": "DFS"}, ValueError, r"endpoint must be one of \['OS', 'PFS', 'TTP'\], got 'DFS'"),
        ({"hr_ci_lower": 0.0}, ValueError, "hr_ci_lower must be a positive finite number, got 0.0"),
        ({"median_control": math.inf}, ValueError, "median_control must be a positive finite number, got inf"),
        ({"median_gain": math.nan}, ValueError, "median_gain must be a finite number"),
        ({"hr_ci_upper": 1.0}, ValueError, r"includes 1: no statistically significant benefit"),
        ({"hr_ci_upper": 0.4}, ValueError, "hr_ci_upper 0.4 is below hr_ci_lower 0.5"),
        # Significant harm without the upper limit used to be graded 1.
        ({"hr_ci_lower": 1.2}, ValueError, "hr_ci_lower 1.2 is at least 1: the 95% CI of the HR lies at or above 1"),
        ({"endpoint": None}, ValueError, "endpoint must be one of"),
        ({"median_gain": "3"}, TypeError, "median_gain must be a finite number, got '3'"),
        (
            {"landmark_survival_gain": 1.5},
            ValueError,
            r"landmark_survival_gain must be a number in \[-1, 1\], got 1.5",
        ),
        ({"endpoint": "PFS", "median_control": 4.0, "landmark_survival_gain": 0.2}, ValueError, "this is form 2b"),
    ],
)
def test_esmo_mcbs_rejects_invalid_inputs(kwargs, error, message):
    arguments = {"endpoint": "OS", "hr_ci_lower": 0.5, "median_control": 9.0, "median_gain": 3.0}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        benefit.esmo_mcbs_form2a(**arguments)


def test_threshold_table_lists_every_implemented_row_with_a_source():
    table = benefit.esmo_mcbs_thresholds()
    assert list(table.columns) == ["form", "control_median_stratum", "grade", "criterion", "quote", "source"]
    assert table["source"].str.contains("https://").all()
    assert table.groupby("form")["grade"].max().to_dict() == {"2a": 4, "2b": 3}
    assert table.groupby(["form", "control_median_stratum"]).size().to_dict() == {
        ("2a", "≤12 months"): 6,
        ("2a", ">12 and ≤24 months"): 6,
        ("2a", ">24 months"): 6,
        ("2b", "≤6 months"): 1,
        ("2b", ">6 months"): 1,
    }


def test_every_threshold_of_a_criterion_is_in_the_quoted_words_of_its_source():
    def numbers(text: str) -> set[float]:
        return {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text.replace("95% limit", "limit"))}

    table = benefit.esmo_mcbs_thresholds()
    for _, row in table.iterrows():
        assert numbers(row["criterion"]) <= numbers(row["quote"]), row["criterion"]


# --- ESMO-MCBS v1.1 final grade: adjustments read from ESMO's scorecards -----------------------
# Oracle: ESMO's published scorecards (data/esmo_scorecards.csv holds the quotes):
#   6 (PALOMA-3)  "Preliminary non-curative score - 3 - QoL adjustment - 1+ - Final non-curative Score - 4"
#   158 (MONALEESA-7) "Preliminary non-curative score - 4 - QoL adjustment - 1+ - Final non-curative Score - 5"
#   159 (MONARCH 3) "Preliminary non-curative score - 3 - Only improved PFS mature data shows no OS
#       advantage and no improved QoL - 1- - Non-curative score - 2"
#   342 (DESTINY-Breast03) "Preliminary non-curative score - 3 - Final non-curative Score - 4 - Early
#       stopping or crossover - 1+ - Long-term plateau in the PFS curve"
#   7 (PALOMA-2) "Preliminary non-curative score - 3 - Non-curative score - 3"


@pytest.mark.parametrize(
    ("preliminary", "form", "adjustment", "final"),
    [
        (3, "2b", "qol_upgrade", 4),  # scorecard 6, PALOMA-3
        (4, "2a", "qol_upgrade", 5),  # scorecard 158, MONALEESA-7
        (3, "2b", "pfs_only_downgrade", 2),  # scorecard 159, MONARCH 3
        (3, "2b", "long_term_plateau_upgrade", 4),  # scorecard 342, DESTINY-Breast03
        (3, "2b", "none", 3),  # scorecard 7, PALOMA-2
    ],
)
def test_final_grade_matches_esmo_scorecards(preliminary, form, adjustment, final):
    result = benefit.esmo_mcbs_final(preliminary, form, adjustment)
    assert result["final_grade"] == final
    assert result["preliminary_grade"] == preliminary
    assert "https://" in result["source"]


def test_final_grade_stays_within_one_and_five():
    # "For non-curative indications 5 is the highest possible grade" (ESMO evaluation-forms page).
    assert benefit.esmo_mcbs_final(1, "2b", "toxicity_downgrade")["final_grade"] == 1
    capped = benefit.esmo_mcbs_final(4, "2a", "less_toxicity_upgrade")
    assert capped["final_grade"] == 5
    assert benefit.esmo_mcbs_final(1, "2b", "pfs_only_downgrade")["rule"].endswith("(the grade stays within 1 to 5).")


def test_final_grade_rule_names_the_adjustment():
    result = benefit.esmo_mcbs_final(3, "2b", "pfs_only_downgrade")
    assert result["rule"] == (
        "Form 2b: only PFS improved: mature data show no OS advantage and no improved QoL (form 2b "
        "only) gives a one-level downgrade, 3 to 2."
    )
    assert "scorecard-159-1" in result["source"]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (
            (3, "2a", "pfs_only_downgrade"),
            ValueError,
            r"adjustment 'pfs_only_downgrade' belongs to form 2b only, not to form 2a",
        ),
        ((3, "2a", "long_term_plateau_upgrade"), ValueError, "belongs to form 2b only"),
        ((3, "2a", "toxicity_downgrade"), ValueError, "belongs to form 2b only"),
        ((4, "2b", "none"), ValueError, "preliminary_grade 4 is above the maximal preliminary grade 3 of form 2b"),
        ((5, "2a", "none"), ValueError, "above the maximal preliminary grade 4 of form 2a"),
        ((0, "2a", "none"), ValueError, r"preliminary_grade must be an integer ≥ 1, got 0"),
        ((3.0, "2a", "none"), TypeError, r"preliminary_grade must be an integer ≥ 1, got 3.0"),
        ((3, "2c", "none"), ValueError, r"form must be one of \['2a', '2b'\], got '2c'"),
        ((3, "2b", "qol"), ValueError, "adjustment must be one of"),
        ((3, "2b", ("qol_upgrade", "toxicity_downgrade")), NotImplementedError, "how several adjustments combine"),
    ],
)
def test_final_grade_rejects_what_the_forms_do_not_allow(arguments, error, message):
    with pytest.raises(error, match=message):
        benefit.esmo_mcbs_final(*arguments)


def test_adjustment_table_quotes_a_source_for_every_adjustment():
    table = benefit.esmo_mcbs_adjustments()
    assert list(table.columns) == ["adjustment", "forms", "step", "criterion", "quote", "source"]
    assert set(table["adjustment"]) == set(benefit.ESMO_MCBS_ADJUSTMENTS)
    assert table["source"].str.contains("https://").all()
    assert (table["quote"].str.len() > 0).all()
    assert set(table["step"]) == {-1, 0, 1}


def test_unsourced_rows_are_listed_and_every_form_2a_sheet_is_complete():
    assert benefit.ESMO_MCBS_NOT_FOUND == (
        "form 2b, both strata: grades 2 and 1",
        "ESMO's formula for a gain estimated from the hazard ratio when a median is not reached",
        "how several adjustments combine on one trial",
    )
    # Form 2a grades every significant result on every sheet: no NotImplementedError left.
    for median_control in (6.0, 18.0, 40.0):
        for hr_lower in (0.3, 0.68, 0.72, 0.9):
            for gain in (-1.0, 0.0, 1.0, 2.5, 4.5, 7.0, 12.0):
                assert 1 <= benefit.esmo_mcbs_form2a("OS", hr_lower, median_control, gain)["preliminary_grade"] <= 4


# --- gain estimated from the hazard ratio (exponential model) -----------------------------------


def test_gain_from_hr_against_closed_form():
    # m_E = m_C / HR: control 10, HR 0.5 -> experimental 20, gain 10.
    assert benefit.median_gain_from_hr(10.0, 0.5) == pytest.approx(10.0, abs=1e-12)
    assert benefit.median_gain_from_hr(10.0, 1.0) == 0.0


def test_gain_from_hr_is_the_exponential_median_difference():
    # Exponential arms: rate ln2/m, HR = m_C/m_E, so the gain is the difference of medians.
    median_control, median_experimental = 12.0, 18.0
    gain = benefit.median_gain_from_hr(median_control, median_control / median_experimental)
    assert gain == pytest.approx(median_experimental - median_control, rel=1e-12)


def test_gain_from_hr_is_near_esmo_monaleesa7_estimate():
    # Scorecard 158: "OS Control - 40.9 months - OS Gain - 16 months (Calculated estimate of gain
    # based on PE HR 0.71)". ESMO does not print its formula; the exponential model gives 16.7.
    assert benefit.median_gain_from_hr(40.9, 0.71) == pytest.approx(16.7056, abs=1e-4)
    assert abs(benefit.median_gain_from_hr(40.9, 0.71) - 16) < 1


@pytest.mark.parametrize(("median", "hr", "message"), [(0.0, 0.7, "median_control"), (40.9, -0.1, "hr must be")])
def test_gain_from_hr_rejects_invalid_inputs(median, hr, message):
    with pytest.raises(ValueError, match=message):
        benefit.median_gain_from_hr(median, hr)


# --- absolute risks at a landmark (exponential) ------------------------------------------------


def test_landmark_risk_is_one_half_at_the_median():
    risks = benefit.landmark_risks_exponential(24.0, 12.0, 12.0)
    assert risks["risk_control"] == pytest.approx(0.5, abs=1e-12)
    assert risks["risk_experimental"] == pytest.approx(1 - 2**-0.5, abs=1e-12)
    assert risks["risk_difference"] == pytest.approx(0.5 - (1 - 2**-0.5), abs=1e-12)
    assert risks["number_needed_to_treat"] == pytest.approx(1 / (2**-0.5 - 0.5), abs=1e-9)


def test_landmark_risks_equal_medians_need_infinitely_many_treated():
    risks = benefit.landmark_risks_exponential(10.0, 10.0, 5.0)
    assert risks["risk_difference"] == 0.0
    assert math.isinf(risks["number_needed_to_treat"])


@PROPERTY
@given(medians, medians, horizons)
def test_landmark_risks_agree_with_the_exponential_survival_function(median_e, median_c, t):
    risks = benefit.landmark_risks_exponential(median_e, median_c, t)
    assert risks["risk_control"] == pytest.approx(1 - math.exp(-math.log(2) / median_c * t), abs=1e-12)
    assert risks["risk_experimental"] == pytest.approx(1 - math.exp(-math.log(2) / median_e * t), abs=1e-12)


def test_landmark_risks_reject_a_landmark_that_is_not_positive():
    with pytest.raises(ValueError, match="landmark"):
        benefit.landmark_risks_exponential(10.0, 8.0, 0.0)


@pytest.mark.parametrize(
    ("endpoint", "median_control", "sheet"),
    [
        ("OS", 12.0, "≤12 months"),
        ("os", 12.01, ">12 and ≤24 months"),
        ("OS", 24.0, ">12 and ≤24 months"),
        ("OS", 24.1, ">24 months"),
        ("PFS", 6.0, "≤6 months"),
        ("TTP", 6.1, ">6 months"),
    ],
)
def test_sheet_boundaries_follow_the_v11_strata(endpoint, median_control, sheet):
    # Dafni 2017 / Büsch 2022: "≤12 months", "medC ∈ (12, 24]", "medC > 24"; "≤6 months", ">6 months".
    assert benefit.esmo_mcbs_sheet(endpoint, median_control) == sheet
    with pytest.raises(ValueError, match="endpoint must be one of"):
        benefit.esmo_mcbs_sheet("DFS", median_control)
