"""The appraisal rulebook's checks: the committed data break no rule and leave no row to re-judge;
a miniature data set breaks one rule per test and the finding names rule, file, line, row and
column. Oracles: RoB 2 (Sterne et al., BMJ 2019), ROBINS-I (Sterne et al., BMJ 2016) and GRADE's
guidance for ROBINS-I (Schünemann et al., J Clin Epidemiol 2019), as the rulebook states them."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_data_validation import CERTAINTY_HEADER, ROB_HEADER

from conftest import DATA
from helpers.appraisal_rules import CHECKS, load_rulebook, rule_errors, rule_findings

#: RoB 2 domains with the rule a low judgement of the miniature's double-blind trial applies.
ROB2_DOMAINS = {
    "randomisation process": "rob2_concealment_identical_placebo",
    "deviations from intended interventions": "rob2_blinded_assignment_itt",
    "missing outcome data": "rob2_outcome_data_complete",
    "measurement of the outcome": "rob2_blinded_assessment",
    "selection of the reported result": "rob2_prespecified_result",
}


def rob2_rows(study: str, judgements: dict | None = None, overall: str = "low") -> list[list[str]]:
    """A trial's RoB 2 rows: low by the rule of each domain, or ``judgements[domain]`` =
    ``(judgement, reason)`` (rule: the signalling questions) or ``(judgement, reason, rules)``."""
    judgements = judgements or {}
    rows = []
    for domain, rule in ROB2_DOMAINS.items():
        given = judgements.get(domain, ("low", "Central randomisation.", rule))
        judgement, reason, rules = given if len(given) == 3 else (*given, "rob2_signalling_questions")
        rows.append([study, "", "RoB 2", domain, judgement, rules, reason])
    return [*rows, [study, "", "RoB 2", "overall", overall, "rob2_overall_least_favourable", "Least favourable."]]


def grade_rules(row: dict) -> str:
    """The GRADE rules a randomised certainty row applies, from its levels."""
    rules = ["grade_start_randomised_high", "grade_rob_follows_study_appraisal"]
    rules.append(
        {"not_applicable": "grade_inconsistency_single_study", "not_serious": "grade_consistent_results"}.get(
            row["inconsistency"], "grade_inconsistent_results"
        )
    )
    rules.append(
        "grade_direct_evidence" if row["indirectness"] == "not_serious" else "grade_indirect_population_or_outcome"
    )
    rules.append("grade_precise" if row["imprecision"] == "not_serious" else "grade_imprecise")
    rules += ["grade_publication_bias_undetected", "grade_arithmetic"]
    return ";".join(rules)


def certainty_row(**changes) -> list[str]:
    row = {
        "comparison_id": "trial_os",
        "chapter": "her2_tkis",
        "comparison": "drug vs placebo, OS",
        "endpoint": "OS",
        "population": "ITT",
        "effect_ids": "trial_os",
        "starting_level": "high",
        "risk_of_bias": "not_serious",
        "inconsistency": "not_applicable",
        "indirectness": "not_serious",
        "imprecision": "not_serious",
        "publication_bias": "undetected",
        "upgrade": "none",
        "certainty": "high",
        "reasons": "One double-blind trial at low risk of bias.",
    }
    row.update(changes)
    row.setdefault("rules", grade_rules(row))
    return [row[c] for c in CERTAINTY_HEADER]


def write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture
def mini(tmp_path):
    """A miniature data folder: one double-blind trial (``trial``) and one cohort (``cohort``)."""
    (tmp_path / "appraisal").mkdir()
    shutil.copy(DATA / "appraisal" / "rulebook.csv", tmp_path / "appraisal" / "rulebook.csv")
    resources = {
        "studies": "studies.csv",
        "effects": "effects.csv",
        "risk_of_bias": ["appraisal/risk_of_bias.csv", "appraisal/risk_of_bias_other.csv"],
        "certainty": ["appraisal/certainty.csv"],
        "rulebook": "appraisal/rulebook.csv",
    }
    descriptor = {"resources": [{"name": n, "path": p} for n, p in resources.items()]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    write(
        tmp_path / "studies.csv",
        [
            ["study_id", "design", "blinding"],
            ["trial", "rct", "double_blind"],
            ["cohort", "retrospective_cohort", "none"],
        ],
    )
    write(
        tmp_path / "effects.csv",
        [
            ["effect_id", "study_id", "endpoint", "analysis"],
            ["trial_os", "trial", "OS", "final"],
            ["trial_pfs_liver", "trial", "PFS", "post_hoc"],
            ["cohort_os", "cohort", "OS", "primary"],
        ],
    )
    write(tmp_path / "appraisal" / "risk_of_bias.csv", [ROB_HEADER, *rob2_rows("trial")])
    write(tmp_path / "appraisal" / "risk_of_bias_other.csv", [ROB_HEADER])
    write(tmp_path / "appraisal" / "certainty.csv", [CERTAINTY_HEADER, certainty_row()])
    return tmp_path


def set_rob(folder: Path, rows: list[list[str]], part: str = "risk_of_bias.csv") -> None:
    write(folder / "appraisal" / part, [ROB_HEADER, *rows])


def set_certainty(folder: Path, *rows: list[str]) -> None:
    write(folder / "appraisal" / "certainty.csv", [CERTAINTY_HEADER, *rows])


def only_finding(folder: Path) -> dict:
    findings = rule_findings(folder)
    assert len(findings) == 1, findings.to_dict("records")
    return findings.iloc[0].to_dict()


#: A cohort judged with ROBINS-I at serious risk of bias.
COHORT_SERIOUS = [
    ["cohort", "", "ROBINS-I", "confounding", "serious", "robins_confounding_partly_controlled", "Matched in part."],
    ["cohort", "", "ROBINS-I", "overall", "serious", "robins_overall_least_favourable", "Confounding."],
]
ROBINS_RULES = (
    "grade_robins_start_high;grade_robins_overall_sets_downgrade;grade_inconsistency_single_study;"
    "grade_direct_evidence;grade_precise;grade_publication_bias_undetected;grade_arithmetic"
)


def test_the_committed_rows_break_no_error_rule():
    assert [str(e) for e in rule_errors(DATA)] == []


def test_every_check_the_rulebook_names_exists_and_every_check_is_used():
    named = set(load_rulebook(DATA)["check"]) - {""}
    assert named == set(CHECKS)


def test_a_valid_miniature_has_no_finding(mini):
    assert rule_findings(mini).empty


def test_rob2_on_a_cohort_is_an_error_naming_file_line_and_rule(mini):
    set_rob(mini, rob2_rows("cohort"))
    errors = [str(e) for e in rule_errors(mini) if "judged with" in str(e)]
    assert errors[0] == (
        "data/appraisal/risk_of_bias.csv, line 2 (study_id=cohort), column tool: value 'RoB 2' breaks rule: "
        "a retrospective_cohort study is judged with ROBINS-I (rule rob2_randomised_only, appraisal/rulebook.csv)"
    )


def test_an_overall_judgement_better_than_a_domain_is_an_error(mini):
    set_rob(mini, rob2_rows("trial", {"missing outcome data": ("high", "Half the patients lost.")}, overall="low"))
    finding = only_finding(mini)
    assert (finding["rule_id"], finding["enforcement"], finding["line"]) == (
        "rob2_overall_least_favourable",
        "error",
        7,
    )


def test_a_double_blind_trial_with_undescribed_concealment_is_an_error(mini):
    reason = "Sequence generation and allocation concealment are not described."
    set_rob(mini, rob2_rows("trial", {"randomisation process": ("some_concerns", reason)}, overall="some_concerns"))
    finding = only_finding(mini)
    assert (finding["rule_id"], finding["enforcement"]) == ("rob2_concealment_identical_placebo", "error")


def test_crossover_counted_as_a_deviation_is_an_error(mini):
    reason = "Open label; patients crossed over after progression."
    domain = "deviations from intended interventions"
    set_rob(mini, rob2_rows("trial", {domain: ("some_concerns", reason)}, overall="some_concerns"))
    assert only_finding(mini)["rule_id"] == "rob2_post_progression_not_deviation"


def test_crossover_named_as_not_a_deviation_and_the_effect_of_adhering_are_no_finding(mini):
    domain = "deviations from intended interventions"
    said = ("some_concerns", "Open label; later therapies are part of the assigned strategy, not deviations.")
    set_rob(mini, rob2_rows("trial", {domain: said}, overall="some_concerns"))
    assert rule_findings(mini).empty
    adhering = (
        "high",
        "Crossover-adjusted survival from a time-dependent covariate.",
        "rob2_adherence_effect_naive_analysis",
    )
    set_rob(mini, rob2_rows("trial", {domain: adhering}, overall="high"))
    assert "rob2_post_progression_not_deviation" not in set(rule_findings(mini)["rule_id"])


def test_a_reason_about_our_sources_is_an_error(mini):
    set_certainty(mini, certainty_row(reasons="Overall survival read from a secondary page."))
    finding = only_finding(mini)
    assert (finding["rule_id"], finding["column"]) == ("grade_judges_the_evidence", "reasons")


def test_wrong_grade_arithmetic_is_an_error(mini):
    set_certainty(mini, certainty_row(imprecision="serious", reasons="Imprecise: wide interval."))
    finding = only_finding(mini)
    assert (finding["rule_id"], finding["enforcement"], finding["finding"]) == (
        "grade_arithmetic",
        "error",
        "certainty must be 'moderate'",
    )


def test_a_downgrade_without_its_reason_is_an_error(mini):
    set_certainty(mini, certainty_row(imprecision="serious", certainty="moderate"))
    finding = only_finding(mini)
    assert (finding["rule_id"], finding["column"], finding["enforcement"]) == (
        "grade_reason_per_downgrade",
        "imprecision",
        "error",
    )


def test_inconsistency_of_a_single_study_is_an_error(mini):
    set_certainty(mini, certainty_row(inconsistency="serious", certainty="moderate", reasons="Inconsistent."))
    assert only_finding(mini)["rule_id"] == "grade_inconsistency_single_study"


def test_robins_evidence_that_starts_low_and_is_rated_down_again_is_an_error_schunemann_2019(mini):
    set_rob(mini, [*rob2_rows("trial"), *COHORT_SERIOUS])
    row = certainty_row(
        comparison_id="cohort_os",
        effect_ids="cohort_os",
        starting_level="low",
        risk_of_bias="serious",
        certainty="very_low",
        reasons="Serious risk of bias from confounding.",
        rules="grade_arithmetic",
    )
    set_certainty(mini, row)
    findings = rule_findings(mini).set_index("rule_id")
    assert sorted(findings.index) == ["grade_robins_overall_sets_downgrade", "grade_robins_start_high"]
    assert findings.loc["grade_robins_start_high", "finding"].endswith("(counted twice)")
    assert set(findings["enforcement"]) == {"error"}


def test_robins_evidence_starts_high_and_serious_risk_takes_two_levels_schunemann_2019(mini):
    set_rob(mini, [*rob2_rows("trial"), *COHORT_SERIOUS])
    row = certainty_row(
        comparison_id="cohort_os",
        effect_ids="cohort_os",
        risk_of_bias="very_serious",
        certainty="low",
        reasons="Judged with ROBINS-I: serious risk of bias from confounding.",
        rules=ROBINS_RULES,
    )
    set_certainty(mini, row)
    assert rule_findings(mini).empty
    set_certainty(
        mini, certainty_row(**{**dict(zip(CERTAINTY_HEADER, row)), "risk_of_bias": "serious", "certainty": "moderate"})
    )
    finding = only_finding(mini)
    assert (finding["rule_id"], finding["column"]) == ("grade_robins_overall_sets_downgrade", "risk_of_bias")


def test_a_high_risk_trial_not_rated_down_is_an_error(mini):
    set_rob(mini, rob2_rows("trial", {"missing outcome data": ("high", "Half lost.")}, overall="high"))
    assert only_finding(mini)["rule_id"] == "grade_rob_follows_study_appraisal"


def test_an_unknown_check_in_the_rulebook_names_the_file_and_the_check(mini):
    path = mini / "appraisal" / "rulebook.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("tool_matches_design", "no_such_check"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"rulebook.csv: column check names unknown check\(s\) \['no_such_check'\]"):
        load_rulebook(mini)


def test_death_measured_above_low_risk_is_an_error(mini):
    row = [
        "trial",
        "trial_os",
        "RoB 2",
        "measurement of the outcome",
        "some_concerns",
        "rob2_unblinded_progression",
        "Open label.",
    ]
    set_rob(mini, [*rob2_rows("trial"), row])
    findings = rule_findings(mini).set_index("rule_id")
    # The result-specific domain also makes the study-level overall ("low") too favourable for that result.
    assert sorted(findings.index) == ["rob2_objective_outcome", "rob2_overall_least_favourable"]
    assert (findings.loc["rob2_objective_outcome", "enforcement"], findings.loc["rob2_objective_outcome", "line"]) == (
        "error",
        8,
    )


# --------------------------------------------------------------------------- cited rules
def test_every_committed_row_cites_a_rule_and_none_is_left_to_re_judge():
    findings = rule_findings(DATA)
    assert findings.to_dict("records") == []
    assert set(load_rulebook(DATA).query("check != ''")["enforcement"]) == {"error"}  # report rules promoted


def test_a_row_without_rules_is_an_error(mini):
    rows = rob2_rows("trial")
    rows[0][5] = ""
    set_rob(mini, rows)
    finding = only_finding(mini)
    assert (finding["column"], finding["enforcement"], finding["finding"]) == (
        "rules",
        "error",
        "the row cites no rule of the rulebook",
    )


def test_an_unknown_rule_is_an_error_naming_file_line_and_rule(mini):
    rows = rob2_rows("trial")
    rows[1][5] = "rob2_blinded_assignment_itt;no_such_rule"
    set_rob(mini, rows)
    errors = [str(e) for e in rule_errors(mini)]
    assert errors == [
        "data/appraisal/risk_of_bias.csv, line 3 (study_id=trial), column rules: value "
        "'rob2_blinded_assignment_itt;no_such_rule' breaks rule: unknown rule 'no_such_rule' "
        "(rule no_such_rule, appraisal/rulebook.csv)"
    ]


def test_a_rule_of_another_domain_or_tool_is_an_error(mini):
    rows = rob2_rows("trial")
    rows[0][5] = "rob2_outcome_data_complete"  # a missing-data rule on the randomisation process
    set_rob(mini, rows)
    assert "not of RoB 2, domain 'randomisation process'" in only_finding(mini)["finding"]
    set_rob(mini, rob2_rows("trial"))
    set_certainty(mini, certainty_row(rules="rob2_prespecified_result"))
    assert "is not a GRADE rule for a certainty row" in only_finding(mini)["finding"]


def test_a_judgement_that_contradicts_its_cited_rule_is_an_error_sterne_2019(mini):
    # Death is measured the same way whoever knows the assignment: rule rob2_objective_outcome leads to low.
    rows = rob2_rows(
        "trial", {"measurement of the outcome": ("some_concerns", "Open label.", "rob2_objective_outcome")}
    )
    set_rob(mini, [*rows[:-1], [*rows[-1][:4], "some_concerns", *rows[-1][5:]]])
    finding = only_finding(mini)
    assert (finding["rule_id"], finding["column"], finding["value"]) == (
        "rob2_objective_outcome",
        "judgement",
        "some_concerns",
    )
    assert finding["finding"] == "contradicts the cited rule 'rob2_objective_outcome', which leads to low"


def test_a_certainty_level_that_contradicts_its_cited_rule_is_an_error(mini):
    row = certainty_row(imprecision="serious", certainty="moderate", reasons="Imprecise: wide interval.")
    row[CERTAINTY_HEADER.index("rules")] = row[CERTAINTY_HEADER.index("rules")].replace(
        "grade_imprecise", "grade_precise"
    )
    set_certainty(mini, row)
    finding = only_finding(mini)
    assert (finding["rule_id"], finding["column"]) == ("grade_precise", "imprecision")


def test_a_subgroup_keeps_the_trial_judgement_of_the_domains_it_does_not_change(mini):
    subgroup = ["trial", "trial_pfs_liver", "RoB 2", "measurement of the outcome", "some_concerns"]
    rule = "rob2_subgroup_keeps_trial_judgement"
    set_rob(mini, [*rob2_rows("trial"), [*subgroup, rule, "Assessor not stated for the subgroup."]])
    findings = rule_findings(mini).set_index("rule_id")
    assert "trial's judgement of this domain (low, line 5)" in findings.loc[rule, "finding"]


def test_the_same_study_judged_differently_in_two_chapters_files_is_an_error(mini):
    set_rob(mini, rob2_rows("trial"))
    concerns = ("some_concerns", "Open label.", "rob2_open_label_deviations_not_reported")
    set_rob(
        mini,
        rob2_rows("trial", {"deviations from intended interventions": concerns}, "some_concerns"),
        "risk_of_bias_other.csv",
    )
    findings = rule_findings(mini)
    assert list(findings["row_id"].unique()) == ["study_id=trial"]
    assert "judged 'low' in data/appraisal/risk_of_bias.csv (line 3)" in findings["finding"].iloc[0]
    assert len(findings) == 2  # the domain and the overall judgement


# --------------------------------------------------------------------------- one situation, one judgement
def _committed(kind: str) -> pd.DataFrame:
    frames = []
    for path in sorted((DATA / "appraisal").glob(f"{kind}_*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frames.append(frame.assign(file=path.name))
    return pd.concat(frames, ignore_index=True)


def test_each_situation_rule_gets_one_judgement_in_every_chapter_file():
    """Oracle: the rulebook. Every rule that leads to one judgement is applied with that judgement
    by every chapter's file that cites it (for example identical-placebo concealment: low)."""
    book = load_rulebook(DATA)
    rob = _committed("risk_of_bias")
    single = book[book["judgement"].isin(["low", "some_concerns", "high", "moderate", "serious", "critical"])]
    for rule_id in single.index:
        citing = rob[rob["rules"].str.split(";").map(lambda rules, r=rule_id: r in rules)]
        assert set(citing["judgement"]) <= {single.loc[rule_id, "judgement"]}, (rule_id, citing.to_dict("records"))
    assert rob["rules"].str.len().gt(0).all()


def test_double_blind_trials_conceal_allocation_in_every_chapter_sterne_2019():
    """Oracle: RoB 2 (Sterne et al. 2019): identical-appearing placebo conceals allocation, so every
    double-blind trial's randomisation process is at low risk in every chapter's file."""
    studies = pd.read_csv(DATA / "studies.csv", dtype=str, keep_default_na=False).set_index("study_id")
    rob = _committed("risk_of_bias")
    rob = rob[(rob["tool"] == "RoB 2") & (rob["domain"] == "randomisation process") & (rob["effect_id"] == "")]
    blinded = rob[rob["study_id"].map(studies["blinding"]) == "double_blind"]
    assert len(blinded["file"].unique()) >= 3  # the rule is shared by several chapters
    assert set(blinded["judgement"]) == {"low"}


def test_post_progression_therapy_is_never_a_deviation_in_any_chapter_sterne_2019():
    """Oracle: RoB 2 (Sterne et al. 2019), effect of assignment: treatment after progression belongs
    to the assigned strategy, so no chapter's deviations domain rests a concern on it."""
    rob = _committed("risk_of_bias")
    deviations = rob[(rob["tool"] == "RoB 2") & (rob["domain"] == "deviations from intended interventions")]
    concerned = deviations[deviations["judgement"] != "low"]
    about_crossover = concerned[concerned["reason"].str.contains("cross|later therap|post-progression", case=False)]
    said_not_deviation = about_crossover["reason"].str.contains("not a deviation|not deviations", case=False)
    adhering = about_crossover["rules"].str.contains("rob2_adherence_effect_naive_analysis")
    assert (said_not_deviation | adhering).all(), about_crossover[["file", "study_id", "reason"]].to_dict("records")


def test_non_randomised_evidence_starts_high_in_every_chapter_schunemann_2019():
    """Oracle: GRADE guidance for ROBINS-I (Schünemann et al. 2019): evidence judged with ROBINS-I
    starts high in every chapter's certainty file and is rated down by the ROBINS-I judgement."""
    certainty = _committed("certainty")
    robins = certainty[certainty["rules"].str.contains("grade_robins_start_high")]
    assert len(robins["file"].unique()) >= 3
    assert set(robins["starting_level"]) == {"high"}
    assert set(robins["risk_of_bias"]) == {"very_serious"}  # every such body is at serious or critical risk
    assert set(certainty["starting_level"]) == {"high"}
