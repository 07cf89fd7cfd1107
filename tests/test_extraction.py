"""How each source was read (data/extraction.csv): the validator's rules on the miniature data
set, and the reader wording in the tables. Extraction confidence is about our reading; the
appraisal tables (risk of bias, certainty) never read it."""

from __future__ import annotations

import pytest
from test_data_validation import SOURCES, only_error, write_csv, write_miniature

from helpers import tables
from helpers.data import load_descriptor, validate_data


@pytest.fixture
def data_dir(tmp_path):
    return write_miniature(tmp_path / "data")


def test_every_source_needs_a_reading(data_dir):
    review = [
        "review2024",
        "Review, 2024",
        "A review",
        "",
        "",
        "https://example.org/review",
        "secondary",
        "2026-11-24",
        "",
    ]
    write_csv(data_dir / "sources.csv", SOURCES + [review])
    write_csv(data_dir / "extraction.csv", [["source_id", "read_as", "note"], ["review2024", "secondary_summary", ""]])
    assert only_error(data_dir) == (
        "data/sources.csv, line 2 (source_id=zou2025), column source_id: value 'zou2025' breaks rule: "
        "no row of data/extraction.csv says how this source was read"
    )


def test_a_primary_source_is_not_read_as_a_summary(data_dir):
    write_csv(data_dir / "extraction.csv", [["source_id", "read_as", "note"], ["zou2025", "secondary_summary", ""]])
    assert only_error(data_dir) == (
        "data/extraction.csv, line 2 (source_id=zou2025), column read_as: value 'secondary_summary' breaks rule: "
        "a primary source (data/sources.csv) is read as anything but label_copy, registry_copy, secondary_summary"
    )


def test_a_reading_outside_the_vocabulary_or_of_an_unknown_source_is_rejected(data_dir):
    write_csv(data_dir / "extraction.csv", [["source_id", "read_as", "note"], ["zou2025", "podcast", ""]])
    assert "column read_as: value 'podcast'" in only_error(data_dir)
    write_csv(
        data_dir / "extraction.csv",
        [["source_id", "read_as", "note"], ["zou2025", "abstract", ""], ["ghost2020", "abstract", ""]],
    )
    assert "ghost2020" in only_error(data_dir)


def test_committed_readings_agree_with_the_source_kinds(evidence):
    assert [e for e in validate_data() if "extraction" in str(e)] == []
    kinds = evidence.sources.set_index("source_id")["kind"]
    secondary = evidence.extraction["read_as"].isin(["label_copy", "registry_copy", "secondary_summary"])
    assert (kinds.loc[evidence.extraction.loc[secondary, "source_id"]] == "secondary").all()


def test_tables_say_what_each_source_was_read_from_in_words(evidence):
    schema = next(r for r in load_descriptor()["resources"] if r["name"] == "extraction")["schema"]
    vocabulary = next(f for f in schema["fields"] if f["name"] == "read_as")["constraints"]["enum"]
    assert list(tables.READ_FROM_LABELS) == vocabulary
    table = tables.evidence_table(evidence)
    assert table.columns[-1] == "source"
    first = evidence.effects["source_id"].iloc[0]
    expected = tables.READ_FROM_LABELS[evidence.extraction.loc[first, "read_as"]]
    assert str(table.iloc[0, -1]).endswith(f"<br>{expected}")
    assert all(str(cell).rsplit("<br>", 1)[1] in tables.READ_FROM_LABELS.values() for cell in table.iloc[:, -1])
