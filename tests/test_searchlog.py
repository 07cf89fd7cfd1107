"""The search log: its validation rules (on the miniature data set) and the flow counted by hand."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from test_data_validation import SEARCH_LOG, only_error, write_csv, write_miniature

from helpers import plotting, searchlog
from helpers.data import validate_data

LOG = pd.DataFrame(
    [
        ["a", "liver", "q1", "t1", "2026-11-01", "web_pages", "added", None],
        ["b", "liver", "q2", "t2", "2026-11-20", "web_pages", "not_found", "subgroup_not_in_text"],
        ["c", "liver", "q3", "t3", "2026-10-05", "drug_labels", "not_found", "label_has_none"],
        ["d", "liver", "q4", "t4", "2026-11-02", "web_pages", "awaiting_verification", None],
        ["e", "her2_tkis", "q5", "t5", "2026-12-01", "web_pages", "excluded", "already_in_data"],
        ["f", "her2_tkis", "q6", "t6", "2026-09-01", "web_pages", "not_found", "not_in_sources_searched"],
    ],
    columns=["search_id", "chapter", "question", "terms", "date", "searched_in", "outcome", "reason"],
)


def test_flow_counts_match_a_hand_count():
    liver = searchlog.flow_counts(LOG, "liver").set_index("stage")["searches"].to_dict()
    assert liver == {
        "Searches run": 4,
        "Not found": 2,
        "Lead found": 2,
        "Excluded": 0,
        "Awaiting verification": 1,
        "Added to the data": 1,
    }
    everything = searchlog.flow_counts(LOG).set_index("stage")["searches"]
    assert everything["Searches run"] == 6 and everything["Excluded"] == 1 and everything["Not found"] == 3
    # The boxes add up: a search either found nothing or found a lead, and every lead has one fate.
    assert everything["Not found"] + everything["Lead found"] == everything["Searches run"]
    assert everything[["Excluded", "Awaiting verification", "Added to the data"]].sum() == everything["Lead found"]


def test_last_searched_is_the_newest_date_of_the_chapter():
    assert searchlog.last_searched(LOG, "liver") == pd.Timestamp("2026-11-20")
    assert searchlog.last_searched(LOG) == pd.Timestamp("2026-12-01")


def test_reasons_and_the_log_table_are_in_reader_words():
    reasons = searchlog.reasons_not_added(LOG, "her2_tkis").set_index("reason")["searches"].to_dict()
    assert reasons == {"already in the data": 1, "not found in the sources searched": 1}
    table = searchlog.log_table(LOG, "liver")
    assert list(table["Date"]) == ["2026-11-20", "2026-11-02", "2026-11-01", "2026-10-05"]
    assert set(table["Outcome"]) == {"not found", "lead awaiting verification", "added to the data"}
    assert table.loc[table["Date"] == "2026-10-05", "Reason"].item() == "the label has no such warning or schedule"
    assert table.loc[table["Date"] == "2026-11-01", "Reason"].item() == ""
    assert "working_note" not in table.columns and "search_id" not in table.columns


def test_chapter_summary_counts_each_outcome_per_chapter():
    summary = searchlog.chapter_summary(LOG).set_index("Chapter")
    assert list(summary.index) == ["Treating a patient with liver metastases", "HER2 tyrosine-kinase inhibitors"]
    her2 = summary.loc["HER2 tyrosine-kinase inhibitors"]
    assert (her2["Searches"], her2["Excluded"], her2["Not found"], her2["Last searched"]) == (2, 1, 1, "2026-12-01")


def test_chapter_title_is_the_notebooks_first_heading(tmp_path):
    cells = [
        {"cell_type": "code", "source": ["# a comment, not a heading"]},
        {"cell_type": "markdown", "source": ["(label)=\n", "# The chapter title\n", "\n", "## A section"]},
    ]
    (tmp_path / "one.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert searchlog.chapter_title("one", tmp_path) == "The chapter title"
    (tmp_path / "two.ipynb").write_text(json.dumps({"cells": cells[:1]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"two\.ipynb: no level-1 heading"):
        searchlog.chapter_title("two", tmp_path)
    # The book's chapters: the summary on the data page names each by its notebook's heading.
    assert searchlog.chapter_title("her2_tkis") == "HER2 tyrosine-kinase inhibitors"


def test_a_chapter_without_searches_or_unknown_is_an_error():
    with pytest.raises(ValueError, match="no searches for chapter 'local_therapies'"):
        searchlog.flow_counts(LOG, "local_therapies")
    with pytest.raises(ValueError, match=r"chapter must be one of \[.*\], got 'lungs'"):
        searchlog.last_searched(LOG, "lungs")
    with pytest.raises(KeyError, match=r"columns \['outcome'\] not in the search log"):
        searchlog.flow_counts(LOG.drop(columns="outcome"))


def test_flow_figure_shows_every_box_with_its_count():
    fig = plotting.search_flow(searchlog.flow_counts(LOG), searchlog.reasons_not_added(LOG))
    texts = [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)
    assert "Searches run\nn = 6" in texts and "Lead found\nn = 3" in texts
    assert any(
        t.startswith("Nothing found\nn = 3\n") and "the label has no such warning or schedule: 1" in t for t in texts
    )
    with pytest.raises(KeyError, match=r"no row for stage\(s\) \['Excluded'\]"):
        plotting.search_flow(searchlog.flow_counts(LOG).query("stage != 'Excluded'"))


@pytest.fixture
def data_dir(tmp_path):
    return write_miniature(tmp_path / "data")


def _log_with(folder, **changes):
    header, _, second = SEARCH_LOG
    row = dict(zip(header, second), **changes)
    write_csv(folder / "search_log.csv", [header, [row[c] for c in header]])


def test_search_ended_without_data_needs_a_reason(data_dir):
    _log_with(data_dir, reason="")
    assert only_error(data_dir) == (
        "data/search_log.csv, line 2 (search_id=s-2), column reason: value '' breaks rule: "
        "a search that ended as not_found needs a reason"
    )


def test_added_search_names_sources_that_exist(data_dir):
    _log_with(data_dir, outcome="added", reason="", source_ids="zou2025 nosuch2020")
    assert only_error(data_dir) == (
        "data/search_log.csv, line 2 (search_id=s-2), column source_ids: value 'nosuch2020' breaks rule: "
        "source not found in data/sources.csv"
    )
    _log_with(data_dir, outcome="added", reason="", source_ids="")
    assert "an added search must name the sources it added" in only_error(data_dir)


def test_only_searches_without_data_have_a_reason_and_only_added_ones_sources(data_dir):
    _log_with(data_dir, outcome="awaiting_verification", reason="not_searched")
    assert "a reason belongs only to excluded or not_found searches, not awaiting_verification" in only_error(data_dir)
    _log_with(data_dir, source_ids="zou2025")
    assert "only an added search names sources, not not_found" in only_error(data_dir)


def test_unknown_outcome_is_rejected_by_the_schema(data_dir):
    _log_with(data_dir, outcome="maybe")
    assert "column outcome: value 'maybe'" in only_error(data_dir)


def test_committed_log_is_valid_and_every_chapter_has_searches(evidence):
    assert [e for e in validate_data() if "search_log" in e.file] == []
    assert set(evidence.search_log["chapter"]) == set(searchlog.CHAPTERS)
