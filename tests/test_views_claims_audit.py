"""The claims-audit view (helpers.views.claims_audit) on a miniature data set written here.

Oracle: the miniature claims themselves (their articles, verdicts, traces and quotes, counted by
hand below) and, for the risk-reduction check, hand arithmetic: medians 20 and 10 months imply
HR = 10 / 20 = 0.5 under constant hazards, a stated 60% reduction means HR 0.4, which would need
an experimental median of 10 / 0.4 = 25 months.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_data_validation import (
    ARTICLES,
    CLAIMS,
    EFFECT,
    EFFECT_CI,
    STUDY,
    effect_rows,
    study_rows,
    write_csv,
    write_miniature,
)

from helpers import chapter, claims, rounding
from helpers.views import claims_audit as view

NEWS = "news-a.txt"
TRIAL = dict(
    STUDY,
    study_id="trial_b",
    name="TRIAL-B (drug vs placebo)",
    short_name="TRIAL-B",
    design="rct",
    blinding="double_blind",
    n_total="",
    n_group_experimental="",
    n_group_control="",
    follow_up_months="",
    chapter="claims_audit",
    quote="A randomised trial of drug versus placebo.",
)
HEADER, ZOU_N = CLAIMS
ZOU_N = ZOU_N[:8] + ["n_total", "1021"] + ZOU_N[10:]  # a computed verdict: the study's size


def claim(
    claim_id: str,
    article: str,
    quote: str,
    claim_type: str,
    verdict: str,
    claimed: str = "",
    study: str = "",
    effect: str = "",
) -> list[str]:
    """One row of claims.csv (no drug fact, no computation)."""
    return [claim_id, article, quote, claim_type, claimed, study, effect, "", "", "", verdict, "Explained."]


MORE_CLAIMS = [
    claim(
        "zou_medians",
        ARTICLES[1][0],
        "65.5 and 40.4 months",
        "number",
        "consistent",
        "65.5, 40.4",
        "zou2025_ablation",
        "zou_os",
    ),
    claim("news_liver", NEWS, "the drug cures liver metastases", "causal", "misleading", study="trial_b"),
    claim("news_n", NEWS, "randomised 300 patients", "number", "inconsistent", "300", "trial_b"),
    claim("news_expert", NEWS, "says Dr. X", "attribution", "unverifiable"),
    claim(
        "expl_liver_share",
        NEWS,
        "liver metastases occur in about 30% of advanced cases",
        "number",
        "unverifiable",
        "30",
    ),
]


@pytest.fixture
def ch(tmp_path):
    folder = write_miniature(tmp_path / "data")
    write_csv(folder / "studies.csv", study_rows(STUDY, TRIAL))
    write_csv(folder / "effects.csv", effect_rows(EFFECT, EFFECT_CI))
    write_csv(folder / "articles.csv", ARTICLES + [[NEWS, "News piece A"]])
    write_csv(folder / "claims.csv", [HEADER, ZOU_N] + MORE_CLAIMS)
    return chapter.load("claims_audit", folder)


def test_select_claims_keeps_one_article_or_all(ch):
    assert len(view.select_claims(ch, None)) == 6
    assert list(view.select_claims(ch, NEWS).index) == ["news_liver", "news_n", "news_expert", "expl_liver_share"]


def test_select_claims_rejects_an_unknown_article(ch):
    with pytest.raises(ValueError, match=r"article must be one of .*data/articles.csv.*got 'missing.txt'"):
        view.select_claims(ch, "missing.txt")


def test_glue_counts_counts_verdicts_traces_and_computations(ch, glued):
    view.glue_counts(ch, view.select_claims(ch, None), None)
    expected = dict(
        n_claims="6",
        n_consistent="2",
        n_inconsistent="1",
        n_misleading="1",
        n_unverifiable="2",
        n_computed="1",
        n_traced="4",
        share_consistent="33%",
        scope="the two articles",
    )
    assert {key: glued[key] for key in expected} == expected


def test_glue_counts_of_one_article_names_it_and_counts_missing_verdicts_as_zero(ch, glued):
    view.glue_counts(ch, view.select_claims(ch, ARTICLES[1][0]), ARTICLES[1][0])
    assert glued["scope"] == "the article Zou 2025 abstract"
    assert (glued["n_consistent"], glued["n_misleading"]) == ("2", "0")


def test_glue_counts_refuses_an_empty_selection(ch):
    with pytest.raises(ValueError, match="selected must hold at least one claim"):
        view.glue_counts(ch, view.select_claims(ch, None).iloc[:0], None)


def test_verdict_legend_lists_every_verdict_once():
    legend = view.verdict_legend()
    assert list(legend["verdict"]) == list(claims.VERDICTS)
    assert legend["meaning"].str.len().gt(0).all()


def test_verdict_chart_draws_one_bar_per_article(ch):
    from helpers import tables

    figure = view.verdict_chart(tables.verdict_counts(ch.evidence))
    assert isinstance(figure, Figure)
    assert len(figure.axes[0].containers[0]) == 2  # two articles
    plt.close(figure)


def test_claims_tables_give_one_labelled_interactive_table_per_article(ch):
    assert view.claims_tables(ch, None).data.count("<table") == 2
    one = view.claims_tables(ch, NEWS).data
    assert one.count("<table") == 1 and '<p class="bclm-table-label"><strong>News piece A</strong></p>' in one
    assert "bclm-interactive bclm-fit-width" in one


def test_recomputed_claims_keep_the_selection_and_glue_agreement(ch, glued):
    recomputed = view.recomputed_claims(ch, view.select_claims(ch, None))
    assert list(recomputed["claim_id"]) == ["zou_n"]
    assert (glued["n_recomputed"], glued["n_agree"]) == ("1", "1")
    assert view.recomputed_claims(ch, view.select_claims(ch, NEWS)).empty
    shown = view.recomputed_view(recomputed)
    assert shown["recorded in claims.csv"].iloc[0] == shown["recomputed now"].iloc[0]


def test_cuts_view_marks_the_matching_estimate(ch):
    cuts = claims.matching_effects(ch.evidence, "zou2025_ablation", ["65.5", "40.4"], endpoint="OS")
    shown = view.cuts_view(cuts)
    assert shown.columns[0] == "match" and "endpoint" not in shown.columns
    assert list(shown["match"]) == ["✓"]  # zou_os, the one OS estimate with medians


def test_risk_reduction_by_hand_arithmetic():
    risk = view.risk_reduction("20", "10", "60")
    assert risk["HR implied by the medians"] == pytest.approx(0.5, abs=1e-12)
    assert risk["reduction implied"] == pytest.approx(0.5, abs=1e-12)
    assert risk["HR the stated reduction means"] == pytest.approx(0.4, abs=1e-12)
    assert risk["lapatinib median that HR would need (months)"] == pytest.approx(25.0, abs=1e-9)


def test_glue_her2_words_the_comparison(ch, glued):
    rows = pd.DataFrame({"population_detail": ["all cases"]})
    check = rounding.compare_number("15", (14.0, 14.2), "printed")
    view.glue_her2(ch, "zou2025_ablation", rows, "15", (14.1, 14.0, 14.2), check, "printed")
    assert glued["her2_claimed"] == "15%" and glued["her2_total"] == "14.1%"
    assert glued["her2_total_rounding"] == "given how the shares were printed, anywhere from 14.00% to 14.20%"
    assert (glued["her2_low"], glued["her2_high"], glued["her2_verdict"]) == ("14.5%", "15.5%", check.verdict)
    view.glue_her2(ch, "zou2025_ablation", rows, "15", (14.1, 14.1, 14.101), check, "printed")
    assert glued["her2_total_rounding"].startswith("the shares are printed to many decimals")


def test_trial_rows_filter_by_endpoint_and_population(ch):
    rows = view.trial_rows(ch, "zou2025_ablation", endpoint="OS", population=r"matched")
    assert len(rows) == 2 and list(rows.columns)[:2] == ["population", "comparison"]
    assert view.trial_rows(ch, "zou2025_ablation", endpoint="PFS").empty


def test_patterns_view_lists_the_claims_of_each_pattern(ch):
    table = view.patterns_view(ch, {"frame": ["news_liver"], "authority": ["news_expert", "expl_liver_share"]})
    assert list(table.index) == ["news_liver", "news_expert", "expl_liver_share"]
    assert table["pattern, verdict"].iloc[0].startswith("frame<br>")


def test_patterns_view_refuses_an_unknown_claim(ch):
    with pytest.raises(ValueError, match=r"patterns name claims not in data/claims.csv: \['nope'\]"):
        view.patterns_view(ch, {"frame": ["nope"]})


def test_glue_designs_and_studies_view_follow_the_traces(ch, glued):
    selected = view.select_claims(ch, None)
    view.glue_designs(ch, selected)
    assert (glued["n_on_rct"], glued["n_on_nonrandomised"], glued["n_on_nothing"]) == ("2", "2", "2")
    studies = view.studies_view(ch, selected)
    assert len(studies) == 2
    assert list(studies["claims traced here"]) == ["✓ ✓", "! ✗"]  # zou2025_ablation, trial_b


def test_glue_liver_counts_claims_whose_quote_names_the_liver(ch, glued):
    view.glue_liver(ch, view.select_claims(ch, None))
    assert (glued["n_liver_claims"], glued["n_liver_supported"], glued["n_liver_other"]) == ("2", "0", "2")
    assert glued["liver_share_claimed"] == "30%"


def test_share_as_shown_keeps_four_decimals_and_says_when_it_rounds():
    assert view.share_as_shown("10.3", 10.3) == "10.3"
    assert view.share_as_shown("9.6162", 9.6162) == "9.6162"
    assert view.share_as_shown("3.97018395859337", 3.97018395859337) == "3.97 (printed with 14 decimals)"


def test_claims_view_shows_four_columns_for_people_and_no_claim_id(ch):
    from helpers import tables

    shown = view.claims_view(ch, NEWS)
    assert list(shown.columns) == [
        "verdict (kind of claim)",
        "what the article says (verbatim)",
        "traced to",
        "explanation",
    ]
    html = tables.to_html(shown).data
    assert not any(claim_id in html for claim_id in ch.evidence.claims.index)
