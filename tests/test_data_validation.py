"""The evidence tables' validator: a valid miniature data set, then one corruption per test.

Each test breaks one rule and asserts the exact message, which must name the file, the line,
the row key, the column, the value and the rule.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import ROOT
from helpers.data import DataValidationErrors, load_evidence, number_in_quote, validate_data

SOURCES = [
    ["source_id", "citation", "title", "doi", "pmid", "url", "kind", "accessed", "public_url"],
    [
        "zou2025",
        "Zou X, Breast, 2025",
        "Ablation for BCLM",
        "10.1016/j.breast.2025.103876",
        "39808955",
        "https://pubmed.ncbi.nlm.nih.gov/39808955/",
        "primary",
        "2026-11-24",
        "",
    ],
]
STUDY_HEADER = [
    "study_id",
    "name",
    "short_name",
    "design",
    "phase",
    "blinding",
    "n_total",
    "n_group_experimental",
    "n_group_control",
    "n_screened",
    "follow_up_months",
    "population",
    "setting",
    "chapter",
    "registry_id",
    "notes",
    "source_id",
    "quote",
    "design_quote",
    "design_source_id",
]
STUDY_QUOTE = (
    "The study included 1021 female patients, with a median follow-up of 39.6 months. Of these "
    "patients, 132 underwent AS and 836 received systemic therapy alone."
)
STUDY = dict(
    study_id="zou2025_ablation",
    name="Zou 2025 ablation cohort",
    short_name="Zou 2025",
    design="retrospective_cohort",
    phase="",
    blinding="none",
    n_total="1021",
    n_group_experimental="132",
    n_group_control="836",
    n_screened="",
    follow_up_months="39.6",
    population="BCLM",
    setting="any line",
    chapter="local_therapies",
    registry_id="",
    notes="",
    source_id="zou2025",
    quote=STUDY_QUOTE,
    design_quote="",
    design_source_id="",
)


def study_rows(*studies: dict) -> list[list[str]]:
    return [STUDY_HEADER] + [[s[c] for c in STUDY_HEADER] for s in studies]


STUDIES = study_rows(STUDY)
EFFECT_HEADER = [
    "effect_id",
    "study_id",
    "source_id",
    "endpoint",
    "population",
    "population_detail",
    "population_definition",
    "arm_experimental",
    "arm_control",
    "n_experimental",
    "n_control",
    "events_experimental",
    "events_control",
    "median_experimental",
    "median_control",
    "median_unit",
    "hr",
    "hr_ci_lower",
    "hr_ci_upper",
    "ci_level",
    "p_value",
    "p_operator",
    "p_sided",
    "percent_experimental",
    "percent_control",
    "percent_difference",
    "percent_difference_ci_lower",
    "percent_difference_ci_upper",
    "analysis",
    "assessment",
    "quote",
    "note",
]
QUOTE = (
    "the median overall survival (OS) for those treated with AS or systemic therapy alone was "
    "65.5 and 40.4 months, respectively (HR = 0.48, p = .003)"
)
EFFECT = dict(
    effect_id="zou_os",
    study_id="zou2025_ablation",
    source_id="zou2025",
    endpoint="OS",
    population="matched",
    population_detail="",
    population_definition="",
    arm_experimental="ablation + systemic",
    arm_control="systemic",
    n_experimental="",
    n_control="",
    events_experimental="",
    events_control="",
    median_experimental="65.5",
    median_control="40.4",
    median_unit="months",
    hr="0.48",
    hr_ci_lower="",
    hr_ci_upper="",
    ci_level="",
    p_value="0.003",
    p_operator="=",
    p_sided="",
    percent_experimental="",
    percent_control="",
    percent_difference="",
    percent_difference_ci_lower="",
    percent_difference_ci_upper="",
    analysis="primary",
    assessment="not_applicable",
    quote=QUOTE,
    note="",
)
CI_QUOTE = "HR 0.49 (95% CI 0.36-0.68); 203 patients, 101 vs 102, with 60 and 80 events"
EFFECT_CI = dict(
    EFFECT,
    effect_id="ci_row",
    hr="0.49",
    hr_ci_lower="0.36",
    hr_ci_upper="0.68",
    ci_level="95",
    median_experimental="",
    median_control="",
    median_unit="",
    p_value="",
    p_operator="",
    n_experimental="101",
    n_control="102",
    events_experimental="60",
    events_control="80",
    quote=CI_QUOTE,
)
CHAPTERS = ["her2_tkis", "local_therapies", "hr_positive_targeted", "emerging_therapies"]
#: Column headers of the appraisal tables (risk of bias, certainty), shared by the tests that build them.
ROB_HEADER = ["study_id", "effect_id", "tool", "domain", "judgement", "rules", "reason"]
CERTAINTY_HEADER = [
    "comparison_id",
    "chapter",
    "comparison",
    "endpoint",
    "population",
    "effect_ids",
    "starting_level",
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
    "upgrade",
    "certainty",
    "rules",
    "reasons",
]
ROB = [
    ROB_HEADER,
    [
        "zou2025_ablation",
        "",
        "ROBINS-I",
        "confounding",
        "serious",
        "robins_confounding_partly_controlled",
        "Clinicians chose who had ablation.",
    ],
]
#: The GRADE rules the miniature's certainty row applies (data/appraisal/rulebook.csv).
CERTAINTY_RULES = (
    "grade_robins_start_high;grade_robins_overall_sets_downgrade;grade_inconsistency_single_study;"
    "grade_direct_evidence;grade_precise;grade_publication_bias_undetected;grade_arithmetic"
)
CERTAINTY = [
    CERTAINTY_HEADER,
    [
        "ablation_os",
        "local_therapies",
        "ablation vs systemic, OS",
        "OS",
        "matched",
        "zou_os",
        "high",
        "very_serious",
        "not_applicable",
        "not_serious",
        "not_serious",
        "undetected",
        "none",
        "low",
        CERTAINTY_RULES,
        "Non-randomised, judged with ROBINS-I; confounding by indication.",
    ],
]
CLAIMS = [
    [
        "claim_id",
        "article",
        "quote",
        "claim_type",
        "claimed_value",
        "study_id",
        "effect_id",
        "fact_id",
        "computation",
        "recomputed_value",
        "verdict",
        "explanation",
    ],
    [
        "zou_n",
        "ablation-bclm-abstract-zou-2025.txt",
        "The study included 1021 female patients",
        "number",
        "1021",
        "zou2025_ablation",
        "",
        "",
        "",
        "",
        "consistent",
        "Same total as the primary abstract.",
    ],
]
CHOICE = [
    ["comparison", "chapter", "data_cut", "effect_id", "reason"],
    ["ablation_os", "local_therapies", "most_mature", "zou_os", "the only estimate"],
    ["ablation_os", "local_therapies", "first_reported", "zou_os", "the only estimate"],
]
THERAPY = [
    ["effect_id", "therapy", "time_zero"],
    ["zou_os", "Thermal ablation", "not stated in the stored text"],
    ["ci_row", "Thermal ablation", "not stated in the stored text"],
]
READINGS = [
    ["effect_id", "hr", "hr_ci_lower", "hr_ci_upper", "reason"],
    ["ci_row", "0.49", "0.36", "0.68", "the only interval in the quote"],
]
ARTICLES = [["article", "label"], ["ablation-bclm-abstract-zou-2025.txt", "Zou 2025 abstract"]]
FACTS = [
    ["fact_id", "drug", "fact", "value", "source_id", "quote", "note"],
    [
        "tdxd_route",
        "trastuzumab deruxtecan",
        "route",
        "intravenous infusion",
        "zou2025",
        "Administer as an intravenous infusion every 3 weeks",
        "",
    ],
]

LIVER_HEADER = ["fact_id", "drug", "fact", "status", "scope", "value", "source_id", "quote", "note"]
LIVER_FOUND = [
    "tdxd_severe",
    "trastuzumab deruxtecan",
    "hepatic_impairment_severe",
    "found",
    "US label",
    "has not been studied in patients with severe hepatic impairment",
    "zou2025",
    "It has not been studied in patients with severe hepatic impairment (total bilirubin >3 to 10 times ULN).",
    "",
]
LIVER_FACTS = [LIVER_HEADER, LIVER_FOUND] + [
    [f"tdxd_{kind}", "trastuzumab deruxtecan", kind, "not_found", "", "", "", "", "Searched: label copies."]
    for kind in (
        "hepatotoxicity_warning",
        "liver_monitoring",
        "hepatic_impairment_mild",
        "hepatic_impairment_moderate",
        "trial_liver_eligibility",
    )
]
CONTEXT = [
    ["fact_id", "topic", "label", "value", "source_id", "quote", "note"],
    [
        "vc_definition",
        "visceral_crisis",
        "definition used by a cohort",
        "severe organ dysfunction",
        "zou2025",
        "Visceral crisis is defined as a severe organ dysfunction related to metastatic disease.",
        "",
    ],
]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def effect_rows(*effects: dict) -> list[list[str]]:
    return [EFFECT_HEADER] + [[e[c] for c in EFFECT_HEADER] for e in effects]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_miniature(tmp_path / "data")


#: Columns of data/esmo_scorecards.csv and one made-up row on which our grade agrees with the printed one.
ESMO_SCORECARD_HEADER = [
    "scorecard_id",
    "study_id",
    "scorecard_number",
    "issue_date",
    "evaluated_outcome",
    "form",
    "control_median_months",
    "gain_months",
    "gain_basis",
    "hr",
    "hr_ci_lower",
    "hr_ci_upper",
    "adjustment",
    "esmo_preliminary",
    "esmo_final",
    "source_id",
    "data_quote",
    "grade_quote",
    "difference_reason",
    "note",
]

ESMO_SCORECARD_ROW = [
    "esmo_1",
    "zou2025_ablation",
    "1",
    "2020-01-01",
    "PFS",
    "2b",
    "5.0",
    "2.0",
    "medians",
    "0.60",
    "0.45",
    "0.80",
    "none",
    "3",
    "3",
    "zou2025",
    "PFS Control - 5.0 months - PFS Gain - 2.0 months - PFS HR - 0.60 (0.45-0.80)",
    "Preliminary non-curative score - 3 - Non-curative score - 3",
    "",
    "miniature row",
]


def write_miniature(folder: Path) -> Path:
    """A valid miniature data set in ``folder`` (also used by test_chapter.py)."""
    folder.mkdir()
    shutil.copy(ROOT / "data" / "datapackage.json", folder)
    write_csv(folder / "sources.csv", SOURCES)
    write_csv(folder / "studies.csv", STUDIES)
    write_csv(folder / "effects.csv", effect_rows(EFFECT, EFFECT_CI))
    write_csv(folder / "drug_facts.csv", FACTS)
    write_csv(folder / "liver_facts.csv", LIVER_FACTS)
    write_csv(folder / "context_facts.csv", CONTEXT)
    (folder / "appraisal").mkdir()
    for chapter in CHAPTERS:
        write_csv(
            folder / "appraisal" / f"risk_of_bias_{chapter}.csv", ROB if chapter == "local_therapies" else ROB[:1]
        )
        write_csv(
            folder / "appraisal" / f"certainty_{chapter}.csv",
            CERTAINTY if chapter == "local_therapies" else CERTAINTY[:1],
        )
    write_csv(folder / "claims.csv", CLAIMS)
    write_csv(folder / "articles.csv", ARTICLES)
    write_choices(folder, CHOICE[1:])
    write_csv(folder / "appraisal" / "local_therapy_classes.csv", THERAPY)
    write_csv(folder / "appraisal" / "alternative_readings.csv", READINGS)
    shutil.copy(ROOT / "data" / "appraisal" / "rulebook.csv", folder / "appraisal")  # the rules, as committed
    write_reconstructed(folder, KM_KEY, KM_ROWS)
    write_csv(folder / "search_log.csv", SEARCH_LOG)
    write_extraction(folder)
    write_csv(folder / "esmo_scorecards.csv", [ESMO_SCORECARD_HEADER, ESMO_SCORECARD_ROW])
    # No trial of the miniature reports complementary subgroups (tests/test_views_liver.py adds a pair).
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    # Nor a randomised trial of systemic therapy to place in the treatment sequence (treatment_line),
    # nor teaching questions (questions: tests/test_quiz.py builds its own).
    descriptor["resources"] = [
        r for r in descriptor["resources"] if r["name"] not in ("subgroup_pairs", "treatment_line", "questions")
    ]
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    return folder


def write_chapter_miniature(
    folder: Path,
    studies: Sequence[dict],
    estimates: Sequence[dict],
    choices: Sequence[list[str]],
    *,
    sources: Sequence[list[str]] = (),
    certainty: tuple[str, list[list[str]]] | None = None,
) -> Path:
    """:func:`write_miniature` plus one chapter's studies, estimates and estimate choices (the view
    tests' data sets): ``sources`` are added to :data:`SOURCES`, ``certainty`` is ``(chapter,
    rows)`` for that chapter's certainty file."""
    folder = write_miniature(folder)
    write_csv(folder / "sources.csv", SOURCES + list(sources))
    write_extraction(folder)
    write_csv(folder / "studies.csv", study_rows(STUDY, *studies))
    write_csv(folder / "effects.csv", effect_rows(EFFECT, EFFECT_CI, *estimates))
    if certainty is not None:
        chapter, rows = certainty
        write_csv(folder / "appraisal" / f"certainty_{chapter}.csv", rows)
    write_choices(folder, CHOICE[1:] + list(choices))
    return folder


def write_extraction(folder: Path) -> None:
    """How each source of ``folder/sources.csv`` was read: primary ones as abstracts, secondary
    ones as summaries (call again after rewriting the sources)."""
    with (folder / "sources.csv").open(encoding="utf-8", newline="") as handle:
        sources = list(csv.DictReader(handle))
    write_csv(
        folder / "extraction.csv",
        [["source_id", "read_as", "note"]]
        + [[s["source_id"], "abstract" if s["kind"] == "primary" else "secondary_summary", ""] for s in sources],
    )


#: Two searches: one that added the miniature's source, one that found nothing.
SEARCH_LOG = [
    [
        "search_id",
        "chapter",
        "question",
        "terms",
        "date",
        "searched_in",
        "outcome",
        "reason",
        "source_ids",
        "working_note",
    ],
    [
        "s-1",
        "local_therapies",
        "Ablation outcomes",
        "ablation liver metastases",
        "2026-11-24",
        "web_pages",
        "added",
        "",
        "zou2025",
        "",
    ],
    [
        "s-2",
        "liver",
        "Liver subgroup of a trial",
        "trial liver subgroup",
        "2026-11-24",
        "web_pages",
        "not_found",
        "subgroup_not_in_text",
        "",
        "",
    ],
]


#: One reconstructed data set (data/kmdata/), keyed to the miniature's hazard-ratio row.
KM_KEY = [
    [
        "dataset",
        "study_id",
        "effect_id",
        "endpoint",
        "arm_experimental",
        "arm_control",
        "pmid",
        "figure",
        "quality_score",
        "quality_max",
        "reproduces_published",
        "note",
    ],
    ["ZOU_1", "zou2025_ablation", "zou_os", "OS", "ablation", "systemic", "39808955", "1", "12", "12", "true", ""],
]
KM_ROWS = [["time", "event", "arm"], ["0.5", "1", "ablation"], ["3.25", "0", "ablation"], ["1.5", "1", "systemic"]]


def write_reconstructed(folder: Path, key: list[list[str]], rows: list[list[str]]) -> None:
    """The key and the rows of one data set; the miniature's descriptor lists only that file."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == "reconstructed_rows")
    resource["path"] = ["kmdata/ZOU_1.csv"]
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    (folder / "kmdata").mkdir(exist_ok=True)
    write_csv(folder / "kmdata" / "datasets.csv", key)
    write_csv(folder / "kmdata" / "ZOU_1.csv", rows)


def write_choices(folder: Path, rows: list[list[str]]) -> None:
    """The estimate choices in the first file of the resource; the other files hold the header only."""
    paths = next(
        r["path"]
        for r in json.loads((folder / "datapackage.json").read_text())["resources"]
        if r["name"] == "estimate_choice"
    )
    for i, path in enumerate(paths):
        write_csv(folder / path, CHOICE[:1] + (rows if i == 0 else []))


def only_error(folder: Path) -> str:
    errors = validate_data(folder)
    assert len(errors) == 1, [str(e) for e in errors]
    return str(errors[0])


def with_effect(folder: Path, **changes) -> None:
    write_csv(folder / "effects.csv", effect_rows(dict(EFFECT, **changes), EFFECT_CI))


def with_ci_effect(folder: Path, **changes) -> None:
    write_csv(folder / "effects.csv", effect_rows(EFFECT, dict(EFFECT_CI, **changes)))


def test_the_miniature_data_set_is_valid(data_dir):
    assert validate_data(data_dir) == []
    evidence = load_evidence(data_dir)
    assert evidence.effects.loc["zou_os", "hr"] == 0.48
    assert evidence.effects["n_experimental"].dtype == "Int64"


# ---- file-level corruptions -------------------------------------------------------------
def test_missing_file(data_dir):
    (data_dir / "drug_facts.csv").unlink()
    assert only_error(data_dir) == "data/drug_facts.csv: file is missing"


def test_empty_file(data_dir):
    (data_dir / "sources.csv").write_text("")
    errors = [str(e) for e in validate_data(data_dir)]
    assert "data/sources.csv: file is empty (expected a header row and data rows)" in errors


def test_header_without_rows(data_dir):
    write_csv(data_dir / "drug_facts.csv", FACTS[:1])
    assert only_error(data_dir) == "data/drug_facts.csv: file has a header but no data rows"


def test_byte_order_mark(data_dir):
    path = data_dir / "drug_facts.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert only_error(data_dir) == (
        "data/drug_facts.csv: file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without BOM"
    )


def test_wrong_delimiter(data_dir):
    path = data_dir / "drug_facts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(
            [[c.replace(",", "") for c in row] for row in FACTS]
        )
    assert only_error(data_dir) == (
        "data/drug_facts.csv: header is not comma-separated (found ';' or tab): the files are CSV with ','"
    )


def test_not_utf8(data_dir):
    path = data_dir / "drug_facts.csv"
    path.write_bytes(path.read_bytes().replace(b"every", b"\xe9very"))
    assert only_error(data_dir).startswith("data/drug_facts.csv: file is not valid UTF-8 (byte ")


def test_missing_column(data_dir):
    rows = [[c for i, c in enumerate(r) if i != 3] for r in FACTS]  # drop "value"
    write_csv(data_dir / "drug_facts.csv", rows)
    assert only_error(data_dir) == "data/drug_facts.csv: header lacks required column(s) ['value']"


def test_unknown_column(data_dir):
    write_csv(data_dir / "drug_facts.csv", [FACTS[0] + ["dose"], FACTS[1] + ["5.4 mg/kg"]])
    assert only_error(data_dir) == ("data/drug_facts.csv: header has column(s) not in datapackage.json: ['dose']")


def test_repeated_column(data_dir):
    write_csv(data_dir / "drug_facts.csv", [FACTS[0] + ["note"], FACTS[1] + [""]])
    assert only_error(data_dir) == "data/drug_facts.csv: header repeats column(s) ['note']"


def test_row_with_too_few_fields(data_dir):
    write_csv(data_dir / "drug_facts.csv", [FACTS[0], FACTS[1][:-1]])
    assert only_error(data_dir) == "data/drug_facts.csv, line 2: row has 6 fields, the header has 7"


def test_blank_line_inside_table(data_dir):
    path = data_dir / "drug_facts.csv"
    path.write_text(path.read_text() + "\n" + ",".join(FACTS[1]).replace("tdxd_route", "tdxd_route_2") + "\n")
    assert only_error(data_dir) == "data/drug_facts.csv, line 3: blank line inside the table"


# ---- cell-level corruptions ---------------------------------------------------------------
def test_reversed_confidence_interval(data_dir):
    with_ci_effect(data_dir, hr_ci_lower="0.68", hr_ci_upper="0.36")
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column hr_ci_lower: "
        "value '0.68' breaks rule: lower limit must not exceed upper limit 0.36"
    )


def test_hazard_ratio_outside_its_interval(data_dir):
    with_ci_effect(data_dir, hr="0.36", hr_ci_lower="0.49", quote=CI_QUOTE)
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column hr: value '0.36' "
        "breaks rule: hazard ratio must lie within its confidence interval [0.49, 0.68]"
    )


def test_interval_with_one_limit(data_dir):
    with_ci_effect(data_dir, hr_ci_upper="")
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column hr_ci_upper: "
        "value '' breaks rule: a confidence interval needs both limits"
    )


def test_interval_without_level(data_dir):
    with_ci_effect(data_dir, ci_level="")
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column ci_level: value '' "
        "breaks rule: a confidence interval needs its level (ci_level)"
    )


def test_p_value_above_one(data_dir):
    with_effect(data_dir, p_value="1.5", quote=QUOTE + " 1.5")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column p_value: value '1.5' breaks rule: must be at most 1"
    )


def test_p_value_of_zero(data_dir):
    with_effect(data_dir, p_value="0", quote=QUOTE + " p = 0")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column p_value: value '0' "
        "breaks rule: p-value must be greater than 0 (write '< 0.001' as p_value "
        "0.001 with p_operator '<')"
    )


def test_p_value_without_operator(data_dir):
    with_effect(data_dir, p_operator="")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column p_operator: value '' "
        "breaks rule: a p-value needs its operator ('=' or '<')"
    )


def test_text_in_numeric_column(data_dir):
    with_effect(data_dir, hr="0.48x")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column hr: value '0.48x' "
        "breaks rule: must be a number (hr is a numeric column)"
    )


def test_fraction_in_count_column(data_dir):
    with_ci_effect(data_dir, n_experimental="101.5")
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column n_experimental: "
        "value '101.5' breaks rule: must be a whole number (n_experimental is an "
        "integer column)"
    )


def test_negative_count(data_dir):
    with_ci_effect(data_dir, events_control="-80")
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column events_control: "
        "value '-80' breaks rule: must be at least 0"
    )


def test_events_exceed_patients(data_dir):
    with_ci_effect(data_dir, events_experimental="102", quote=CI_QUOTE.replace("101 vs 102", "101 vs 102 (102)"))
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column events_experimental: "
        "value '102' breaks rule: events must not exceed patients (n_experimental = 101)"
    )


def test_zero_hazard_ratio(data_dir):
    with_effect(data_dir, hr="0", quote=QUOTE + " HR 0")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column hr: value '0' "
        "breaks rule: hazard ratio must be greater than 0"
    )


def test_duplicate_effect_id(data_dir):
    write_csv(data_dir / "effects.csv", effect_rows(EFFECT, dict(EFFECT_CI, effect_id="zou_os")))
    write_csv(data_dir / "appraisal" / "local_therapy_classes.csv", THERAPY[:2])
    write_csv(data_dir / "appraisal" / "alternative_readings.csv", [READINGS[0], ["zou_os"] + READINGS[1][1:]])
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=zou_os), column effect_id: "
        "value 'zou_os' breaks rule: duplicate key: also on line 2"
    )


def test_unknown_study(data_dir):
    with_effect(data_dir, study_id="zou2052")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column study_id: "
        "value 'zou2052' breaks rule: unknown study_id: no such row in data/studies.csv"
    )


def test_unknown_source(data_dir):
    with_effect(data_dir, source_id="nobody")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column source_id: "
        "value 'nobody' breaks rule: unknown source_id: no such row in data/sources.csv"
    )


def test_number_absent_from_quote(data_dir):
    with_effect(data_dir, median_control="40.5")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column median_control: "
        "value '40.5' breaks rule: number does not appear in the row's quote"
    )


def test_stray_whitespace(data_dir):
    with_effect(data_dir, arm_control="systemic ")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column arm_control: "
        "value 'systemic ' breaks rule: stray whitespace (leading, trailing, "
        "doubled or a line break)"
    )


def test_unknown_vocabulary(data_dir):
    with_effect(data_dir, endpoint="OSS")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column endpoint: value 'OSS' breaks rule: must be one of "
        "['OS', 'PFS', 'TTP', 'DFS', 'ORR', 'CBR', 'DCR', 'LC', 'LTP', 'pCR', 'OS_rate', 'PFS_rate', 'prevalence']"
    )


def test_required_cell_empty(data_dir):
    with_effect(data_dir, quote="")
    errors = [str(e) for e in validate_data(data_dir)]
    assert (
        "data/effects.csv, line 2 (effect_id=zou_os), column quote: value '' breaks rule: required cell is empty"
    ) in errors


def test_median_without_unit(data_dir):
    with_effect(data_dir, median_unit="")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column median_unit: "
        "value '' breaks rule: medians need a unit (months or weeks)"
    )


def test_hazard_ratio_for_response_rate(data_dir):
    with_effect(data_dir, endpoint="ORR", median_experimental="", median_control="", median_unit="")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column endpoint: value 'ORR' breaks rule: hazard ratios "
        "and medians belong to time-to-event endpoints ['DFS', 'LC', 'LTP', 'OS', 'PFS', 'TTP']"
    )


def test_single_group_row_with_hazard_ratio(data_dir):
    with_effect(data_dir, arm_control="", median_control="")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column hr: value '0.48' "
        "breaks rule: a single-group row (empty arm_control) cannot have control "
        "values or a hazard ratio"
    )


def test_arms_larger_than_the_study(data_dir):
    write_csv(
        data_dir / "studies.csv",
        study_rows(
            dict(
                STUDY,
                n_total="200",
                n_group_experimental="",
                n_group_control="",
                follow_up_months="",
                quote="200 female patients",
            )
        ),
    )
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column n_experimental: "
        "value '101' breaks rule: arm sizes add up to 203, more than the study's "
        "n_total 200 (data/studies.csv)"
    )


def test_sidedness_not_in_quote(data_dir):
    with_effect(data_dir, p_sided="2")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column p_sided: value '2' "
        "breaks rule: the quote must say the p-value is two-sided"
    )


def test_unusual_confidence_level_must_be_quoted(data_dir):
    with_ci_effect(data_dir, ci_level="90")
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column ci_level: value '90' "
        "breaks rule: number does not appear in the row's quote"
    )


def test_overlong_quote(data_dir):
    with_effect(data_dir, quote=QUOTE + " and" * 60)
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column quote: "
        "value '86 words' breaks rule: quote is longer than 75 words"
    )


def test_study_size_not_in_quote(data_dir):
    write_csv(data_dir / "studies.csv", study_rows(dict(STUDY, n_total="1201")))
    assert only_error(data_dir) == (
        "data/studies.csv, line 2 (study_id=zou2025_ablation), column n_total: "
        "value '1201' breaks rule: number does not appear in the row's quote"
    )


@pytest.mark.parametrize(
    "column, value",
    [("n_group_experimental", "123"), ("n_group_control", "863"), ("n_screened", "2137"), ("follow_up_months", "36.9")],
)
def test_study_counts_and_follow_up_must_be_in_the_quote(data_dir, column, value):
    write_csv(data_dir / "studies.csv", study_rows(dict(STUDY, **{column: value})))
    assert only_error(data_dir) == (
        f"data/studies.csv, line 2 (study_id=zou2025_ablation), column {column}: "
        f"value '{value}' breaks rule: number does not appear in the row's quote"
    )


def test_short_name_is_required(data_dir):
    write_csv(data_dir / "studies.csv", study_rows(dict(STUDY, short_name="")))
    assert only_error(data_dir) == (
        "data/studies.csv, line 2 (study_id=zou2025_ablation), column short_name: "
        "value '' breaks rule: required cell is empty"
    )


def test_short_name_is_unique_within_a_chapter(data_dir):
    twin = dict(STUDY, study_id="zou2025_twin", name="Zou 2025 other cohort")
    write_csv(data_dir / "studies.csv", study_rows(STUDY, twin))
    assert only_error(data_dir) == (
        "data/studies.csv, line 3 (study_id=zou2025_twin), column short_name: "
        "value 'Zou 2025' breaks rule: short_name already used in chapter "
        "local_therapies on line 2"
    )


def test_reported_difference_of_percentages_must_be_in_the_quote(data_dir):
    with_ci_effect(
        data_dir,
        endpoint="ORR",
        hr="",
        hr_ci_lower="",
        hr_ci_upper="",
        percent_experimental="60",
        percent_control="80",
        percent_difference="-20",
        percent_difference_ci_lower="-33.1",
        percent_difference_ci_upper="-6.9",
        quote="101 vs 102 patients; 60 and 80; difference -20 (95% CI -33.1 to -9.6); HR 0.49 (0.36-0.68)",
    )
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column "
        "percent_difference_ci_upper: value '-6.9' breaks rule: number does not "
        "appear in the row's quote"
    )


def test_every_local_therapy_estimate_is_classified(data_dir):
    write_csv(data_dir / "appraisal" / "local_therapy_classes.csv", THERAPY[:2])
    assert only_error(data_dir) == (
        "data/appraisal/local_therapy_classes.csv: estimate ci_row of chapter local_therapies has no therapy class"
    )


def test_therapy_class_is_from_the_vocabulary(data_dir):
    other = ["ci_row", "Cryotherapy", "not stated in the stored text"]
    write_csv(data_dir / "appraisal" / "local_therapy_classes.csv", [THERAPY[0], THERAPY[1], other])
    assert only_error(data_dir).startswith(
        "data/appraisal/local_therapy_classes.csv, line 3 (effect_id=ci_row), "
        "column therapy: value 'Cryotherapy' breaks rule: must be one of "
    )


def test_population_definition_must_be_verbatim_in_quote_or_note(data_dir):
    with_effect(data_dir, population_definition="treated with AS", note="")
    assert validate_data(data_dir) == []
    with_effect(data_dir, population_definition="tumours of 3 cm or less")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column population_definition: "
        "value 'tumours of 3 cm or less' breaks rule: the definition must appear "
        "verbatim in the row's quote or note"
    )


def test_alternative_reading_must_be_in_the_quote(data_dir):
    reading = ["ci_row", "0.49", "0.36", "0.86", "x"]
    write_csv(data_dir / "appraisal" / "alternative_readings.csv", [READINGS[0], reading])
    assert only_error(data_dir) == (
        "data/appraisal/alternative_readings.csv, line 2 (effect_id=ci_row), column hr_ci_upper: value '0.86' breaks "
        "rule: number does not appear in the estimate's quote (data/effects.csv)"
    )


def test_alternative_reading_interval_contains_its_estimate(data_dir):
    reading = ["ci_row", "0.68", "0.36", "0.49", "x"]
    write_csv(data_dir / "appraisal" / "alternative_readings.csv", [READINGS[0], reading])
    assert only_error(data_dir) == (
        "data/appraisal/alternative_readings.csv, line 2 (effect_id=ci_row), column hr: value '0.68' breaks rule: "
        "hazard ratio must lie within its confidence interval [0.36, 0.49]"
    )


def test_estimate_choice_must_come_from_the_chapter(data_dir):
    write_choices(data_dir, [["ablation_os", "her2_tkis", "most_mature", "zou_os", "x"]])
    assert only_error(data_dir) == (
        "data/appraisal/estimate_choice_her2_tkis.csv, line 2 (comparison=ablation_os), column effect_id: "
        "value 'zou_os' breaks rule: effect belongs to a study of chapter local_therapies, not her2_tkis"
    )


def test_estimate_choice_takes_one_estimate_per_study(data_dir):
    write_choices(data_dir, CHOICE[1:2] + [["ablation_os", "local_therapies", "most_mature", "ci_row", "x"]])
    assert only_error(data_dir) == (
        "data/appraisal/estimate_choice_her2_tkis.csv, line 3 (comparison=ablation_os), column effect_id: "
        "value 'ci_row' breaks rule: study zou2025_ablation already has an estimate for this comparison and "
        "data_cut on line 2"
    )


def test_estimate_choice_rules_cover_the_same_studies(data_dir):
    other = dict(
        STUDY,
        study_id="other_study",
        short_name="Other",
        n_total="",
        n_group_experimental="",
        n_group_control="",
        follow_up_months="",
    )
    write_csv(data_dir / "studies.csv", study_rows(STUDY, other))
    write_csv(data_dir / "effects.csv", effect_rows(EFFECT, dict(EFFECT_CI, study_id="other_study")))
    write_choices(data_dir, CHOICE[1:] + [["ablation_os", "local_therapies", "most_mature", "ci_row", "x"]])
    assert only_error(data_dir) == (
        "data/appraisal/estimate_choice_her2_tkis.csv, line 3 (comparison=ablation_os), column data_cut: "
        "value 'first_reported' breaks rule: data_cut 'first_reported' covers studies ['zou2025_ablation'], "
        "'most_mature' covers ['other_study', 'zou2025_ablation']: every rule of a comparison uses the same "
        "studies"
    )


def test_estimate_choice_effect_must_exist(data_dir):
    write_choices(data_dir, [["ablation_os", "local_therapies", "most_mature", "nope", "x"]])
    assert only_error(data_dir) == (
        "data/appraisal/estimate_choice_her2_tkis.csv, line 2 (comparison=ablation_os), column effect_id: "
        "value 'nope' breaks rule: unknown effect_id: no such row in data/effects.csv"
    )


def test_phase_not_in_quote(data_dir):
    write_csv(data_dir / "studies.csv", study_rows(dict(STUDY, phase="3")))
    assert only_error(data_dir) == (
        "data/studies.csv, line 2 (study_id=zou2025_ablation), column phase: "
        "value '3' breaks rule: the phase must be stated in the row's quote or "
        "design_quote"
    )


def test_url_that_is_not_a_web_address(data_dir):
    write_csv(data_dir / "sources.csv", [SOURCES[0], SOURCES[1][:5] + ["pubmed 39808955"] + SOURCES[1][6:]])
    assert only_error(data_dir) == (
        "data/sources.csv, line 2 (source_id=zou2025), column url: "
        "value 'pubmed 39808955' breaks rule: must match the pattern ^https?://\\S+$"
    )


def test_malformed_doi(data_dir):
    write_csv(data_dir / "sources.csv", [SOURCES[0], SOURCES[1][:3] + ["doi:10.1016/x"] + SOURCES[1][4:]])
    assert only_error(data_dir) == (
        "data/sources.csv, line 2 (source_id=zou2025), column doi: value "
        "'doi:10.1016/x' breaks rule: must match the pattern ^10\\.\\d{4,9}/\\S+$"
    )


def test_invalid_access_date(data_dir):
    write_csv(data_dir / "sources.csv", [SOURCES[0], SOURCES[1][:7] + ["24/11/2026", ""]])
    assert only_error(data_dir) == (
        "data/sources.csv, line 2 (source_id=zou2025), column accessed: "
        "value '24/11/2026' breaks rule: must be an ISO date (YYYY-MM-DD)"
    )


def test_access_date_in_the_future(data_dir):
    write_csv(data_dir / "sources.csv", [SOURCES[0], SOURCES[1][:7] + ["2999-01-01", ""]])
    assert only_error(data_dir) == (
        "data/sources.csv, line 2 (source_id=zou2025), column accessed: "
        "value '2999-01-01' breaks rule: access date lies in the future"
    )


def liver_row(**changes) -> list[str]:
    row = dict(zip(LIVER_HEADER, LIVER_FOUND))
    row.update(changes)
    return [row[c] for c in LIVER_HEADER]


def test_liver_fact_value_not_in_quote(data_dir):
    write_csv(data_dir / "liver_facts.csv", [LIVER_HEADER, liver_row(value="no dose adjustment")] + LIVER_FACTS[2:])
    assert only_error(data_dir) == (
        "data/liver_facts.csv, line 2 (fact_id=tdxd_severe), column value: "
        "value 'no dose adjustment' breaks rule: value does not appear in the row's quote"
    )


def test_found_liver_fact_without_a_quote(data_dir):
    write_csv(data_dir / "liver_facts.csv", [LIVER_HEADER, liver_row(quote="")] + LIVER_FACTS[2:])
    assert only_error(data_dir) == (
        "data/liver_facts.csv, line 2 (fact_id=tdxd_severe), column quote: "
        "value '' breaks rule: a found fact needs a value, a source_id and a quote"
    )


def test_found_liver_fact_without_a_source(data_dir):
    write_csv(data_dir / "liver_facts.csv", [LIVER_HEADER, liver_row(source_id="")] + LIVER_FACTS[2:])
    assert only_error(data_dir) == (
        "data/liver_facts.csv, line 2 (fact_id=tdxd_severe), column source_id: "
        "value '' breaks rule: a found fact needs a value, a source_id and a quote"
    )


def test_liver_fact_not_found_but_with_a_value(data_dir):
    write_csv(
        data_dir / "liver_facts.csv",
        [LIVER_HEADER, liver_row(status="not_found", note="Searched.", quote="", source_id="")] + LIVER_FACTS[2:],
    )
    assert only_error(data_dir) == (
        "data/liver_facts.csv, line 2 (fact_id=tdxd_severe), column value: value "
        "'has not been studied in patients with severe hepatic impairment' breaks rule: "
        "a fact not found has no value, source_id or quote"
    )


def test_liver_fact_not_found_without_a_note(data_dir):
    rows = [LIVER_HEADER, LIVER_FOUND, LIVER_FACTS[2][:-1] + [""]] + LIVER_FACTS[3:]
    write_csv(data_dir / "liver_facts.csv", rows)
    assert only_error(data_dir) == (
        "data/liver_facts.csv, line 3 (fact_id=tdxd_hepatotoxicity_warning), column note: "
        "value '' breaks rule: a fact not found needs a note saying what was searched"
    )


def test_liver_fact_both_found_and_not_found(data_dir):
    extra = [
        "tdxd_severe_eu",
        "trastuzumab deruxtecan",
        "hepatic_impairment_severe",
        "not_found",
        "",
        "",
        "",
        "",
        "Searched: EU label.",
    ]
    write_csv(data_dir / "liver_facts.csv", LIVER_FACTS + [extra])
    assert only_error(data_dir) == (
        "data/liver_facts.csv, line 8 (fact_id=tdxd_severe_eu), column status: value "
        "'not_found' breaks rule: this drug and fact is found on line 2: a fact is either "
        "found or not found"
    )


def test_drug_missing_a_kind_of_liver_fact(data_dir):
    write_csv(data_dir / "liver_facts.csv", LIVER_FACTS[:-1])
    assert only_error(data_dir) == (
        "data/liver_facts.csv: drug 'trastuzumab deruxtecan' has no row (found or "
        "not_found) for ['trial_liver_eligibility']"
    )


def test_drug_of_drug_facts_without_liver_facts(data_dir):
    write_csv(
        data_dir / "drug_facts.csv",
        FACTS + [["pyro_route", "pyrotinib", "route", "orally", "zou2025", "Take it orally once daily", ""]],
    )
    assert only_error(data_dir) == (
        "data/liver_facts.csv: drug 'pyrotinib' has no row (found or not_found) for "
        "['hepatotoxicity_warning', 'liver_monitoring', 'hepatic_impairment_mild', "
        "'hepatic_impairment_moderate', 'hepatic_impairment_severe', "
        "'trial_liver_eligibility']"
    )


def test_unknown_kind_of_liver_fact(data_dir):
    write_csv(data_dir / "liver_facts.csv", LIVER_FACTS + [liver_row(fact_id="tdxd_renal", fact="renal_impairment")])
    assert only_error(data_dir).startswith(
        "data/liver_facts.csv, line 8 (fact_id=tdxd_renal), column fact: value "
        "'renal_impairment' breaks rule: must be one of ['hepatotoxicity_warning'"
    )


def test_liver_fact_with_an_unknown_source(data_dir):
    write_csv(data_dir / "liver_facts.csv", [LIVER_HEADER, liver_row(source_id="nobody2025")] + LIVER_FACTS[2:])
    assert only_error(data_dir) == (
        "data/liver_facts.csv, line 2 (fact_id=tdxd_severe), column source_id: value "
        "'nobody2025' breaks rule: unknown source_id: no such row in data/sources.csv"
    )


def test_context_fact_value_not_in_quote(data_dir):
    row = CONTEXT[1][:3] + ["bilirubin above 1.5 x ULN"] + CONTEXT[1][4:]
    write_csv(data_dir / "context_facts.csv", [CONTEXT[0], row])
    assert only_error(data_dir) == (
        "data/context_facts.csv, line 2 (fact_id=vc_definition), column value: value "
        "'bilirubin above 1.5 x ULN' breaks rule: value does not appear in the row's quote"
    )


def test_drug_fact_value_not_in_quote(data_dir):
    write_csv(data_dir / "drug_facts.csv", [FACTS[0], FACTS[1][:3] + ["oral tablet"] + FACTS[1][4:]])
    assert only_error(data_dir) == (
        "data/drug_facts.csv, line 2 (fact_id=tdxd_route), column value: "
        "value 'oral tablet' breaks rule: value does not appear in the row's quote"
    )


# ---- appraisal and claims ------------------------------------------------------------------
def test_risk_of_bias_domain_must_belong_to_the_tool(data_dir):
    write_csv(
        data_dir / "appraisal" / "risk_of_bias_local_therapies.csv",
        [
            ROB[0],
            [
                "zou2025_ablation",
                "",
                "ROBINS-I",
                "randomisation process",
                "serious",
                "robins_signalling_questions",
                "x",
            ],
        ],
    )
    assert only_error(data_dir) == (
        "data/appraisal/risk_of_bias_local_therapies.csv, line 2 (study_id=zou2025_ablation), column domain: "
        "value 'randomisation process' breaks rule: not a ROBINS-I domain (allowed: ['classification of "
        "interventions', 'confounding', 'deviations from intended interventions', 'measurement of outcomes', "
        "'missing data', 'overall', 'selection of participants', 'selection of the reported result'])"
    )


def test_risk_of_bias_tool_must_fit_the_design(data_dir):
    write_csv(
        data_dir / "appraisal" / "risk_of_bias_local_therapies.csv",
        [ROB[0], ["zou2025_ablation", "", "RoB 2", "overall", "high", "rob2_overall_least_favourable", "x"]],
    )
    assert only_error(data_dir) == (
        "data/appraisal/risk_of_bias_local_therapies.csv, line 2 (study_id=zou2025_ablation), column tool: "
        "value 'RoB 2' breaks rule: a retrospective_cohort study is judged with ROBINS-I"
    )


def test_risk_of_bias_judgement_must_belong_to_the_tool(data_dir):
    write_csv(
        data_dir / "appraisal" / "risk_of_bias_local_therapies.csv",
        [
            ROB[0],
            ["zou2025_ablation", "", "ROBINS-I", "overall", "some_concerns", "robins_overall_least_favourable", "x"],
        ],
    )
    assert only_error(data_dir) == (
        "data/appraisal/risk_of_bias_local_therapies.csv, line 2 (study_id=zou2025_ablation), column judgement: "
        "value 'some_concerns' breaks rule: not a ROBINS-I judgement (allowed: ['critical', 'low', 'moderate', "
        "'no_information', 'serious'])"
    )


def test_certainty_must_follow_the_grade_arithmetic(data_dir):
    row = CERTAINTY[1][:13] + ["very_low"] + CERTAINTY[1][14:]
    write_csv(data_dir / "appraisal" / "certainty_local_therapies.csv", [CERTAINTY[0], row])
    assert only_error(data_dir) == (
        "data/appraisal/certainty_local_therapies.csv, line 2 (comparison_id=ablation_os), column certainty: "
        "value 'very_low' breaks rule: certainty must be 'low': starting level high, downgrades ['very_serious', "
        "'not_applicable', 'not_serious', 'not_serious', 'undetected'], upgrade none"
    )


def test_certainty_effect_ids_must_exist(data_dir):
    row = CERTAINTY[1][:5] + ["zou_os;nope"] + CERTAINTY[1][6:]
    write_csv(data_dir / "appraisal" / "certainty_local_therapies.csv", [CERTAINTY[0], row])
    assert only_error(data_dir) == (
        "data/appraisal/certainty_local_therapies.csv, line 2 (comparison_id=ablation_os), column effect_ids: "
        "value 'nope' breaks rule: unknown effect_id (no such row in data/effects.csv)"
    )


def test_duplicate_key_across_parts_of_a_resource(data_dir):
    write_csv(data_dir / "appraisal" / "certainty_her2_tkis.csv", CERTAINTY)
    errors = [str(e) for e in validate_data(data_dir)]
    assert errors == [
        "data/appraisal/certainty_local_therapies.csv, line 2 (comparison_id=ablation_os), column comparison_id: "
        "value 'ablation_os' breaks rule: duplicate key: also on data/appraisal/certainty_her2_tkis.csv, line 2"
    ]


def test_claimed_number_must_be_in_the_claim_quote(data_dir):
    write_csv(data_dir / "claims.csv", [CLAIMS[0], CLAIMS[1][:4] + ["1201"] + CLAIMS[1][5:]])
    assert only_error(data_dir) == (
        "data/claims.csv, line 2 (claim_id=zou_n), column claimed_value: value '1201' "
        "breaks rule: number does not appear in the claim's quote"
    )


def test_claim_article_must_be_listed(data_dir):
    write_csv(data_dir / "claims.csv", [CLAIMS[0], CLAIMS[1][:1] + ["other-news.txt"] + CLAIMS[1][2:]])
    assert only_error(data_dir) == (
        "data/claims.csv, line 2 (claim_id=zou_n), column article: value 'other-news.txt' "
        "breaks rule: unknown article: no such row in data/articles.csv"
    )


def test_unverifiable_claim_cannot_trace_to_an_estimate(data_dir):
    write_csv(
        data_dir / "claims.csv",
        [CLAIMS[0], CLAIMS[1][:6] + ["zou_os"] + CLAIMS[1][7:10] + ["unverifiable"] + CLAIMS[1][11:]],
    )
    assert only_error(data_dir) == (
        "data/claims.csv, line 2 (claim_id=zou_n), column verdict: value "
        "'unverifiable' breaks rule: an unverifiable claim cannot trace to an estimate"
    )


# ---- reconstructed patient-level rows (data/kmdata/) ------------------------------------------
def test_reconstructed_time_must_not_be_negative(data_dir):
    write_reconstructed(data_dir, KM_KEY, KM_ROWS[:2] + [["-0.5", "0", "ablation"]] + KM_ROWS[3:])
    assert only_error(data_dir) == (
        "data/kmdata/ZOU_1.csv, line 3 (time=-0.5), column time: value '-0.5' breaks rule: must be at least 0"
    )


def test_reconstructed_time_must_be_finite(data_dir):
    write_reconstructed(data_dir, KM_KEY, KM_ROWS[:2] + [["inf", "0", "ablation"]] + KM_ROWS[3:])
    assert only_error(data_dir) == (
        "data/kmdata/ZOU_1.csv, line 3 (time=inf), column time: value 'inf' "
        "breaks rule: must be a number (time is a numeric column)"
    )


def test_reconstructed_event_must_be_0_or_1(data_dir):
    write_reconstructed(data_dir, KM_KEY, KM_ROWS[:2] + [["3.25", "2", "ablation"]] + KM_ROWS[3:])
    assert only_error(data_dir) == (
        "data/kmdata/ZOU_1.csv, line 3 (time=3.25), column event: value '2' breaks rule: must be one of [0, 1]"
    )


def test_reconstructed_arm_must_be_one_of_the_key_arms(data_dir):
    write_reconstructed(data_dir, KM_KEY, KM_ROWS + [["2.0", "1", "placebo"]])
    assert only_error(data_dir) == (
        "data/kmdata/ZOU_1.csv, line 5, column arm: value 'placebo' breaks rule: "
        "must be one of the data set's arms ['ablation', 'systemic'] "
        "(data/kmdata/datasets.csv)"
    )


def test_reconstructed_both_arms_must_have_rows(data_dir):
    write_reconstructed(data_dir, KM_KEY, KM_ROWS[:3])
    assert only_error(data_dir) == (
        "data/kmdata/ZOU_1.csv: no rows for arm 'systemic' of data set ZOU_1 (data/kmdata/datasets.csv)"
    )


def test_reconstructed_endpoint_must_match_the_effect(data_dir):
    key = [KM_KEY[0], [c if c != "OS" else "PFS" for c in KM_KEY[1]]]
    write_reconstructed(data_dir, key, KM_ROWS)
    assert only_error(data_dir) == (
        "data/kmdata/datasets.csv, line 2 (dataset=ZOU_1), column endpoint: value "
        "'PFS' breaks rule: must equal the endpoint of effect zou_os (OS)"
    )


def test_reconstructed_effect_must_belong_to_the_study(data_dir):
    write_csv(data_dir / "studies.csv", study_rows(STUDY, dict(STUDY, study_id="other", short_name="Other")))
    key = [KM_KEY[0], [c if c != "zou2025_ablation" else "other" for c in KM_KEY[1]]]
    write_reconstructed(data_dir, key, KM_ROWS)
    assert only_error(data_dir) == (
        "data/kmdata/datasets.csv, line 2 (dataset=ZOU_1), column effect_id: value "
        "'zou_os' breaks rule: effect belongs to study zou2025_ablation, not other"
    )


def test_reconstructed_effect_must_have_a_hazard_ratio(data_dir):
    with_effect(data_dir, hr="")
    assert only_error(data_dir) == (
        "data/kmdata/datasets.csv, line 2 (dataset=ZOU_1), column effect_id: value "
        "'zou_os' breaks rule: the effect has no hazard ratio to compare the rows with"
    )


def test_reconstructed_effect_must_exist(data_dir):
    key = [KM_KEY[0], [c if c != "zou_os" else "nope" for c in KM_KEY[1]]]
    write_reconstructed(data_dir, key, KM_ROWS)
    assert only_error(data_dir) == (
        "data/kmdata/datasets.csv, line 2 (dataset=ZOU_1), column effect_id: value "
        "'nope' breaks rule: unknown effect_id: no such row in data/effects.csv"
    )


def test_reconstructed_quality_score_cannot_exceed_its_maximum(data_dir):
    key = [KM_KEY[0], KM_KEY[1][:8] + ["13", "12"] + KM_KEY[1][10:]]
    write_reconstructed(data_dir, key, KM_ROWS)
    assert only_error(data_dir) == (
        "data/kmdata/datasets.csv, line 2 (dataset=ZOU_1), column quality_score: "
        "value '13' breaks rule: must not exceed quality_max 12"
    )


def test_reconstructed_data_set_needs_its_file(data_dir):
    write_reconstructed(data_dir, KM_KEY + [["OTHER_2"] + KM_KEY[1][1:]], KM_ROWS)
    assert only_error(data_dir) == (
        "data/kmdata/datasets.csv, line 3 (dataset=OTHER_2), column dataset: value "
        "'OTHER_2' breaks rule: no file kmdata/OTHER_2.csv in resource "
        "reconstructed_rows of datapackage.json"
    )


def test_reconstructed_file_needs_its_key_row(data_dir):
    write_reconstructed(data_dir, KM_KEY[:1] + [["OTHER_2"] + KM_KEY[1][1:]], KM_ROWS)
    errors = [str(e) for e in validate_data(data_dir)]
    assert "data/kmdata/ZOU_1.csv: data set ZOU_1 has no row in data/kmdata/datasets.csv" in errors


def test_load_evidence_raises_with_every_error(data_dir):
    with_effect(data_dir, hr="0.48x", median_control="40.5")
    with pytest.raises(DataValidationErrors, match=r"2 data validation error\(s\)") as info:
        load_evidence(data_dir)
    assert [e.column for e in info.value.errors] == ["hr", "median_control"]


def test_command_line_lists_errors_and_exits_non_zero(data_dir):
    with_effect(data_dir, p_value="1.5", quote=QUOTE + " 1.5")
    result = subprocess.run([sys.executable, "-m", "helpers.validate", str(data_dir)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "column p_value: value '1.5' breaks rule: must be at most 1" in result.stderr


def test_command_line_accepts_valid_data(data_dir):
    result = subprocess.run([sys.executable, "-m", "helpers.validate", str(data_dir)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("data valid: sources, studies, effects, drug_facts")


# ---- the quote matcher ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "quote", "found"),
    [
        ("0.48", "HR = 0.48, p = .003", True),
        ("0.003", "HR = 0.48, p = .003", True),  # leading zero dropped by the source
        ("0.48", "HR 10.485", False),  # not inside another number
        ("0.54", "HR 0.540", False),  # trailing zero is part of the number
        ("0.540", "HR 0.540 (0.41-0.71)", True),
        ("1021", "The study included 1,021 female patients", True),
        ("29", "29 months", True),
        ("29", "29.5 months", False),
        ("9.83e-8", "P = 9.83×10–8", True),
        ("0.0001", "P<0.00011", False),  # a footnote marker glued to the number
    ],
)
def test_number_in_quote(raw, quote, found):
    assert number_in_quote(raw, quote) is found
