"""The validator against inputs that used to pass silently or end in a traceback.

Each test corrupts one thing in a copy of the data (the miniature of ``test_data_validation.py``,
or the committed data where the whole package matters) and asserts the exact located message:
file, line, row key, column, value and the rule, with the root cause first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_data_validation import (
    CLAIMS,
    QUOTE,
    SOURCES,
    STUDY,
    study_rows,
    with_ci_effect,
    with_effect,
    write_csv,
    write_miniature,
)

from conftest import DATA, ROOT
from helpers import data
from helpers.claims import COMPUTATIONS
from helpers.data import hr_statement_in_quote, is_web_address, validate_data


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_miniature(tmp_path / "data")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> set[str]:
    """Errors of the uncorrupted miniature: none (test_data_validation.py asserts it), except while a
    resource is being added to the descriptor and the miniature has not caught up."""
    return {str(e) for e in validate_data(write_miniature(tmp_path_factory.mktemp("pristine") / "data"))}


@pytest.fixture
def only_error(pristine):
    """The one error a corruption adds to the miniature."""

    def only(folder: Path) -> str:
        errors = [str(e) for e in validate_data(folder) if str(e) not in pristine]
        assert len(errors) == 1, errors
        return errors[0]

    return only


def run_validator(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "BCLM_DATA_DIR"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "helpers.validate", *args], capture_output=True, text=True, cwd=cwd, env=environment
    )


# ---- cells too long to be data ----------------------------------------------------------------
def test_field_over_the_csv_module_limit_meets_the_quote_length_rule(data_dir, only_error):
    long_quote = QUOTE + " " + "x" * 131_073  # the csv module's default field limit is 131,072
    with_effect(data_dir, quote=long_quote)
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column quote: value "
        f"'{long_quote[:40]}... ({len(long_quote)} characters)' breaks rule: "
        "quote is longer than 2000 characters (a quote holds at most 75 words)"
    )


def test_cell_longer_than_the_limit_in_any_column(data_dir, only_error):
    write_csv(data_dir / "studies.csv", study_rows(dict(STUDY, notes="word " * 500 + "end")))
    message = only_error(data_dir)
    assert message.startswith("data/studies.csv, line 2 (study_id=zou2025_ablation), column notes: value 'word word")
    assert message.endswith(
        "(2503 characters)' breaks rule: cell is longer than 2000 characters (a quote holds at most 75 words)"
    )


# ---- the descriptor ---------------------------------------------------------------------------
def test_descriptor_that_is_not_json(data_dir, only_error):
    (data_dir / "datapackage.json").write_text('{"resources": [\n  {"name": "sources",}\n]}', encoding="utf-8")
    assert only_error(data_dir) == (
        "data/datapackage.json, line 2: not valid JSON: Expecting property name enclosed in double quotes (column 22)"
    )


def test_descriptor_missing(data_dir, only_error):
    (data_dir / "datapackage.json").unlink()
    assert only_error(data_dir) == (
        f"data/datapackage.json: file is missing from {data_dir} (the data-package descriptor)"
    )


def test_data_folder_missing(tmp_path, only_error):
    assert only_error(tmp_path / "nowhere") == (
        f"data/datapackage.json: the data folder {tmp_path / 'nowhere'} does not exist"
    )


def test_descriptor_resource_without_schema(data_dir, only_error):
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    del next(r for r in descriptor["resources"] if r["name"] == "effects")["schema"]
    (data_dir / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert only_error(data_dir) == (
        "data/datapackage.json (resource=effects): resource has no 'schema' with a list of 'fields'"
    )


def test_descriptor_pattern_that_is_not_a_regular_expression(data_dir, only_error):
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    sources = next(r for r in descriptor["resources"] if r["name"] == "sources")
    next(f for f in sources["schema"]["fields"] if f["name"] == "url")["constraints"]["pattern"] = "^https?://(\\S+$"
    (data_dir / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert only_error(data_dir) == (
        "data/datapackage.json (resource=sources), column url: value '^https?://(\\\\S+$' breaks rule: "
        "pattern is not a valid regular expression (missing ), unterminated subpattern at position 10)"
    )


def test_descriptor_field_of_unknown_type(data_dir, only_error):
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    sources = next(r for r in descriptor["resources"] if r["name"] == "sources")
    sources["schema"]["fields"][0]["type"] = "text"
    (data_dir / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert only_error(data_dir) == (
        "data/datapackage.json (resource=sources), column source_id: value 'text' breaks rule: "
        "field type must be one of ['string', 'integer', 'number', 'date']"
    )


def test_descriptor_key_naming_no_field(data_dir, only_error):
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    effects = next(r for r in descriptor["resources"] if r["name"] == "effects")
    effects["schema"]["primaryKey"] = ["efect_id"]
    (data_dir / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert only_error(data_dir) == (
        "data/datapackage.json (resource=effects), column primaryKey: value 'efect_id' breaks rule: "
        "primaryKey names no field of the resource"
    )


def test_descriptor_fault_is_a_message_not_a_traceback(data_dir):
    (data_dir / "datapackage.json").write_text("{", encoding="utf-8")
    result = run_validator(str(data_dir))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "data/datapackage.json, line 1: not valid JSON" in result.stderr


# ---- where the data are -----------------------------------------------------------------------
def test_data_dir_variable_naming_no_folder(tmp_path):
    result = run_validator(env={"BCLM_DATA_DIR": str(tmp_path / "nowhere")})
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr
        == f"error: BCLM_DATA_DIR={str(tmp_path / 'nowhere')!r}: no such folder (it must name the data folder)\n"
    )


def test_data_dir_variable_naming_a_folder_without_descriptor(tmp_path, monkeypatch):
    monkeypatch.setenv("BCLM_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"BCLM_DATA_DIR='.*': the folder has no datapackage.json"):
        data.find_data_dir()


def test_running_outside_the_repository(tmp_path):
    result = run_validator(cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(
        f"error: no data/datapackage.json found in {tmp_path.resolve()} or any parent folder"
    )
    assert "Traceback" not in result.stderr


# ---- a table broken as a whole: the root cause first, no knock-on ---------------------------
def test_garbled_effects_header_is_the_only_error(data_dir, only_error):
    text = (data_dir / "effects.csv").read_text(encoding="utf-8").split("\n", 1)
    (data_dir / "effects.csv").write_text(text[0].replace(",", ";") + "\n" + text[1], encoding="utf-8")
    assert only_error(data_dir) == (
        "data/effects.csv: header is not comma-separated (found ';' or tab): the files are CSV with ','"
    )


def test_garbled_effects_header_comes_first_on_the_committed_data(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    effects = tmp_path / "data" / "effects.csv"
    head, rest = effects.read_text(encoding="utf-8").split("\n", 1)
    effects.write_text(head.replace("effect_id", "efect_id", 1) + "\n" + rest, encoding="utf-8")
    errors = [str(e) for e in validate_data(tmp_path / "data")]
    assert errors[:2] == [
        "data/effects.csv: header lacks required column(s) ['effect_id']",
        "data/effects.csv: header has column(s) not in datapackage.json: ['efect_id']",
    ]
    assert not [e for e in errors if "unknown effect_id" in e]  # no knock-on per row of the appraisal


# ---- values that parsed but were wrong --------------------------------------------------------
def test_hazard_ratio_that_overflows_to_infinity(data_dir, only_error):
    with_effect(data_dir, hr="1e999")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column hr: value '1e999' breaks rule: "
        "must be a finite number (the value overflows to infinity)"
    )


def test_full_width_digits_in_a_number(data_dir, only_error):
    with_effect(data_dir, hr="０.４８")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column hr: value '０.４８' breaks rule: "
        "digit '０' (U+FF10 FULLWIDTH DIGIT ZERO) is not one of 0-9"
    )


def test_full_width_digits_in_a_text_column(data_dir, only_error):
    write_csv(data_dir / "sources.csv", [SOURCES[0], SOURCES[1][:4] + ["３９808955"] + SOURCES[1][5:]])
    assert only_error(data_dir) == (
        "data/sources.csv, line 2 (source_id=zou2025), column pmid: value '３９808955' breaks rule: "
        "digit '３' (U+FF13 FULLWIDTH DIGIT THREE) is not one of 0-9"
    )


@pytest.mark.parametrize("column", ["name", "quote"])
def test_nul_byte_in_a_text_cell(data_dir, column, only_error):
    value = STUDY[column][:8] + "\x00" + STUDY[column][8:]
    write_csv(data_dir / "studies.csv", study_rows(dict(STUDY, **{column: value})))
    assert only_error(data_dir) == (
        f"data/studies.csv, line 2 (study_id=zou2025_ablation), column {column}: value {value!r} breaks rule: "
        "control character U+0000 in the cell (a NUL byte, tab or similar)"
    )


@pytest.mark.parametrize("url", ["https://.", "https://pubmed", "https://a..org/x", "http://x.1/"])
def test_url_without_a_host_name(data_dir, url, only_error):
    write_csv(data_dir / "sources.csv", [SOURCES[0], SOURCES[1][:5] + [url] + SOURCES[1][6:]])
    assert only_error(data_dir) == (
        f"data/sources.csv, line 2 (source_id=zou2025), column url: value {url!r} breaks rule: must be a web address "
        "whose host is a name with a dot and a top-level domain (https://www.example.org/...) or an IPv4 address"
    )


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://pubmed.ncbi.nlm.nih.gov/39808955/", True),
        ("http://47.251.13.51:8081/20124187", True),
        ("https://www.example.org", True),
        ("https://.", False),
        ("https://localhost/x", False),
        ("https://300.1.1.1/", False),
        ("ftp://example.org/", False),
        ("https://example.org:port/", False),
        ("javascript://example.org/%0aalert(1)", False),
    ],
)
def test_is_web_address(url, valid):
    assert is_web_address(url) is valid


def test_hazard_ratio_taken_from_the_interval(data_dir, only_error):
    with_ci_effect(data_dir, hr="0.36")  # within [0.36, 0.68] and in the quote, but it is the lower limit
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column hr: value '0.36' breaks rule: the hazard ratio and "
        "its interval must be one statement of the quote, in that order (lower limit at most 40 characters after "
        "the HR, upper at most 10 after the lower)"
    )


def test_interval_taken_from_another_statement_of_the_quote(data_dir, only_error):
    quote = "HR 0.49 (95% CI 0.36-0.68); subgroup HR 0.61 (95% CI 0.45-0.83); 101 vs 102, with 60 and 80 events"
    with_ci_effect(data_dir, hr="0.49", hr_ci_lower="0.45", hr_ci_upper="0.68", quote=quote)
    assert only_error(data_dir) == (
        "data/effects.csv, line 3 (effect_id=ci_row), column hr: value '0.49' breaks rule: the hazard ratio and "
        "its interval must be one statement of the quote, in that order (lower limit at most 40 characters after "
        "the HR, upper at most 10 after the lower)"
    )


def test_hazard_ratio_without_interval_taken_from_another_number(data_dir, only_error):
    with_effect(data_dir, hr="40.4")  # a median of the quote
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column hr: value '40.4' breaks rule: "
        "the hazard ratio must follow 'HR' or 'hazard ratio' in the quote, with no number between"
    )


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("HR 0.49 (95% CI 0.36-0.68)", True),
        ("hazard ratio for progression or death, 0.49; 95% confidence interval [CI], 0.36 to 0.68", True),
        ("| 0.49 (0.36–0.68) |", True),
        ("0.36-0.68 was the interval of HR 0.49", False),
        ("HR 0.49, and in the long-term analysis of the second cohort, 0.36-0.68", False),
    ],
)
def test_hr_statement_in_quote(quote, found):
    assert hr_statement_in_quote("0.49", "0.36", "0.68", quote) is found


def test_medians_in_weeks_when_the_quote_says_months(data_dir, only_error):
    with_effect(data_dir, median_unit="weeks")
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column median_unit: value 'weeks' breaks rule: "
        "medians in weeks: the quote must say weeks ('week' or 'wk')"
    )


def test_medians_in_months_when_the_quote_says_weeks(data_dir, only_error):
    with_effect(data_dir, quote=QUOTE.replace("months", "weeks"))
    assert only_error(data_dir) == (
        "data/effects.csv, line 2 (effect_id=zou_os), column median_unit: value 'months' breaks rule: "
        "the quote gives times in weeks, not months"
    )


def test_claim_naming_no_computation(data_dir, only_error):
    write_csv(data_dir / "claims.csv", [CLAIMS[0], CLAIMS[1][:8] + ["n_totl"] + CLAIMS[1][9:]])
    assert only_error(data_dir) == (
        "data/claims.csv, line 2 (claim_id=zou_n), column computation: value 'n_totl' breaks rule: "
        f"must be one of {sorted(COMPUTATIONS)}"
    )


def test_descriptor_lists_exactly_the_computations_of_helpers_claims():
    claims = next(r for r in data.load_descriptor(DATA)["resources"] if r["name"] == "claims")
    field = next(f for f in claims["schema"]["fields"] if f["name"] == "computation")
    assert field["constraints"]["enum"] == sorted(COMPUTATIONS)
