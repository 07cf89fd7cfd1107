"""The claims audit: the arithmetic of claims, and data/claims.csv against the code and the articles.

- Unit tests of every function in :mod:`helpers.claims` on known values.
- Every row of ``data/claims.csv`` that names a computation records exactly what
  :func:`helpers.claims.evaluate_claim` gives now, so the table cannot drift from the data or code.
- Every claimed number appears in its quote, and every quote appears verbatim in its article.
  The articles live outside the project (``../shared/articles``); without them that test is
  skipped with a message, unless ``BCLM_REQUIRE_SHARED=1`` (then it fails).
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import claims, data


# ---- arithmetic ---------------------------------------------------------------------------
def test_risk_reduction_and_hazard_ratio_are_inverse():
    assert claims.risk_reduction_from_hr(0.62) == pytest.approx(0.38)
    assert claims.hr_from_risk_reduction(0.38) == pytest.approx(0.62)
    assert claims.risk_reduction_from_hr(1.25) == pytest.approx(-0.25)  # a harm is a negative reduction
    for hr in (0.3, 0.81, 1.0, 1.4):
        assert claims.hr_from_risk_reduction(claims.risk_reduction_from_hr(hr)) == pytest.approx(hr)
    with pytest.raises(ValueError):
        claims.risk_reduction_from_hr(0)
    with pytest.raises(ValueError):
        claims.hr_from_risk_reduction(1.0)


def test_medians_imply_hazard_ratio_and_reduction_under_constant_hazards():
    assert claims.exponential_hr_from_medians(23.9, 17.3) == pytest.approx(17.3 / 23.9)
    assert claims.exponential_hr_from_medians(10, 5) == pytest.approx(0.5)
    assert claims.implied_risk_reduction_from_medians(10, 5) == pytest.approx(0.5)
    assert claims.implied_risk_reduction_from_medians(23.9, 17.3) == pytest.approx(0.2762, abs=1e-4)
    with pytest.raises(ValueError):
        claims.exponential_hr_from_medians(0, 5)


def test_implied_reduction_interval_brackets_the_point_and_follows_rounding():
    lower, upper = claims.implied_risk_reduction_interval("23.9", "17.3")
    assert lower == pytest.approx(1 - 17.35 / 23.85)
    assert upper == pytest.approx(1 - 17.25 / 23.95)
    assert lower < claims.implied_risk_reduction_from_medians(23.9, 17.3) < upper
    wide = claims.implied_risk_reduction_interval("24", "17")  # fewer decimals, wider interval
    assert wide[0] < lower and wide[1] > upper


# ---- rounding-aware comparison ------------------------------------------------------------
def test_phase_route_and_year_parsers():
    assert claims.parse_phase("In a phase II clinical trial") == "2"
    assert claims.parse_phase("Phase 3") == "3"
    assert claims.parse_phase("phase I/II") == "1/2"
    assert claims.parse_phase("phase Ib") == "1b"
    assert claims.parse_phase("phase 2/3") == "2/3"
    with pytest.raises(ValueError):
        claims.parse_phase("a randomised trial")
    assert claims.route_category("intravenous infusion over 30 minutes") == "intravenous"
    assert claims.route_category("for Injection, for Intravenous Use") == "intravenous"
    assert claims.route_category("taken orally once daily") == "oral"
    assert claims.route_category("more oral medications") == "oral"
    assert claims.route_category("口服") == "oral"
    assert claims.route_category("subcutaneous injection") == "subcutaneous"
    assert claims.route_category("weekly") == "unknown"
    assert claims.year_in("first market approval in China in August 2018") == "2018"
    with pytest.raises(ValueError):
        claims.year_in("recently")


# ---- the registry and evaluate_claim --------------------------------------------------------
def test_evaluate_claim_on_constructed_rows(evidence):
    row = {"claim_id": "t", "claimed_value": "phase II", "study_id": "bolero2", "computation": "trial_phase"}
    assert claims.evaluate_claim(row, evidence) == ("phase 3", "inconsistent")
    row = {"claim_id": "t", "claimed_value": "724", "study_id": "bolero2", "computation": "n_total"}
    assert claims.evaluate_claim(row, evidence) == ("724", "consistent")
    row = {
        "claim_id": "t",
        "claimed_value": "6.9, 2.8",
        "effect_id": "bolero2_pfs_itt_final_local",
        "computation": "medians",
    }
    assert claims.evaluate_claim(row, evidence) == ("7.8 vs 3.2 months", "inconsistent")
    row = {"claim_id": "t", "claimed_value": "oral", "fact_id": "palbociclib_ibrance_route", "computation": "route"}
    assert claims.evaluate_claim(row, evidence) == ("oral", "consistent")
    row = {
        "claim_id": "t",
        "claimed_value": "15",
        "study_id": "jnci2014_seer_subtypes",
        "computation": "her2_positive_share",
    }
    assert claims.evaluate_claim(row, evidence) == ("14.9% (rounding allows 14.80–15.00%)", "consistent")
    # "About 20%" read generously is 15 to 25: the printed 10.3 + 4.6 can just reach 15.
    row = {**row, "claimed_value": "20"}
    assert claims.evaluate_claim(row, evidence)[1] == "consistent"
    row = {**row, "study_id": "seer_subtypes_2017_2021"}
    assert claims.evaluate_claim(row, evidence)[1] == "inconsistent"
    # Groups "of these" patients may leave some out but cannot exceed the total (Zou: 1021).
    row = {"claim_id": "t", "claimed_value": "132, 836", "study_id": "zou2025", "computation": "parts_of_total"}
    assert claims.evaluate_claim(row, evidence) == ("968 of 1021", "consistent")
    assert claims.evaluate_claim({**row, "claimed_value": "532, 836"}, evidence) == ("1368 of 1021", "inconsistent")
    row = {"claim_id": "t", "claimed_value": "10, 5, 50", "computation": "implied_risk_reduction_from_medians"}
    assert claims.evaluate_claim(row, evidence)[1] == "consistent"
    with pytest.raises(KeyError, match="unknown computation"):
        claims.evaluate_claim({"claim_id": "t", "computation": "guess"}, evidence)
    with pytest.raises(ValueError, match="names no computation"):
        claims.evaluate_claim({"claim_id": "t", "computation": ""}, evidence)
    with pytest.raises(ValueError, match="needs study_id"):
        claims.evaluate_claim({"claim_id": "t", "claimed_value": "5", "computation": "n_total"}, evidence)


def test_every_computed_claim_records_what_the_code_gives(evidence):
    computed = evidence.claims[evidence.claims["computation"].notna()]
    assert len(computed) >= 10
    for claim_id, row in computed.iterrows():
        assert row["computation"] in claims.COMPUTATIONS, claim_id
        assert claims.evaluate_claim(row, evidence) == (row["recomputed_value"], row["verdict"]), claim_id
    assert claims.recompute_claims(evidence)["agrees"].all()


def test_rows_without_computation_record_no_recomputed_value(evidence):
    plain = evidence.claims[evidence.claims["computation"].isna()]
    assert plain["recomputed_value"].isna().all()


def test_every_claimed_number_appears_in_its_quote(evidence):
    for claim_id, row in evidence.claims.iterrows():
        for number in claims.claimed_numbers(row["claimed_value"]):
            assert data.number_in_quote(number, row["quote"]), (claim_id, number)


def test_unverifiable_claims_say_what_was_searched(evidence):
    unverifiable = evidence.claims[evidence.claims["verdict"] == "unverifiable"]
    assert len(unverifiable)
    for claim_id, row in unverifiable.iterrows():
        assert "search" in row["explanation"].lower(), claim_id
        assert pd.isna(row["effect_id"]), claim_id


def test_every_article_is_audited(evidence):
    assert set(evidence.claims["article"]) == set(evidence.articles.index)


def test_every_quote_is_verbatim_in_its_article(evidence, articles_dir):
    for claim_id, row in evidence.claims.iterrows():
        text = (articles_dir / row["article"]).read_text(encoding="utf-8")
        assert row["quote"] in text, f"{claim_id}: quote not found verbatim in {row['article']}"


# ---- tables -------------------------------------------------------------------------------
def test_matching_effects_finds_the_data_cut_a_claim_quotes(evidence):
    paloma = claims.matching_effects(evidence, "paloma3", ["9.5", "4.6"], endpoint="PFS")
    assert paloma.loc[paloma["matches the claim"], "effect_id"].tolist() == ["paloma3_pfs_itt_final_secondary"]
    bolero = claims.matching_effects(evidence, "bolero2", ["7.8", "3.2"], endpoint="PFS")
    assert bolero.loc[bolero["matches the claim"], "effect_id"].tolist() == ["bolero2_pfs_itt_final_local"]
