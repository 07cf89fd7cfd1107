"""Where each randomised trial sits in the treatment sequence (data/appraisal/treatment_line.csv):
the validator's rule, and the reader table built from it."""

from __future__ import annotations

import json

import pytest
from test_data_validation import only_error, write_csv, write_miniature

from conftest import ROOT
from helpers import tables


def test_only_randomised_trials_are_placed_in_the_sequence(tmp_path):
    folder = write_miniature(tmp_path / "data")
    # The miniature leaves the resource out (it has no randomised trial); put it back.
    full = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append(next(r for r in full["resources"] if r["name"] == "treatment_line"))
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    write_csv(
        folder / "appraisal" / "treatment_line.csv",
        [["study_id", "subtype", "line", "note"], ["zou2025_ablation", "hr_positive_her2_negative", "first_line", ""]],
    )
    assert only_error(folder) == (
        "data/appraisal/treatment_line.csv, line 2 (study_id=zou2025_ablation), column study_id: value "
        "'zou2025_ablation' breaks rule: only randomised trials are placed in the sequence; "
        "data/studies.csv says retrospective_cohort"
    )


def test_sequencing_table_lists_each_placed_trial_once_in_the_order_of_the_sequence(evidence):
    table = tables.sequencing_table(evidence)
    subtypes = list(dict.fromkeys(table["subtype"]))
    assert subtypes == [s for s in tables.SUBTYPE_LABELS.values() if s in subtypes]
    for subtype, rows in table.groupby("subtype", sort=False):
        lines = list(rows["point in the sequence"])
        assert lines == [line for line in tables.LINE_LABELS.values() if line in lines], subtype
    listed = "<br>".join(table["trials"])
    for study_id in evidence.treatment_line["study_id"]:
        name = evidence.studies.loc[study_id, "name"]
        assert sum(entry.startswith(name) for entry in listed.split("<br>")) >= 1, name
    assert len(listed.split("<br>")) == len(evidence.treatment_line)


def test_sequencing_table_names_what_each_trial_compared(evidence):
    cleopatra = next(
        e for e in "<br>".join(tables.sequencing_table(evidence)["trials"]).split("<br>") if e.startswith("CLEOPATRA")
    )
    itt = evidence.effects[(evidence.effects["study_id"] == "cleopatra") & (evidence.effects["population"] == "ITT")]
    assert f"({itt['arm_experimental'].iloc[0]} vs {itt['arm_control'].iloc[0]})" in cleopatra


def test_sequencing_table_without_placed_trials_is_an_error(evidence):
    import dataclasses

    empty = dataclasses.replace(evidence, treatment_line=evidence.treatment_line.iloc[0:0])
    with pytest.raises(ValueError, match="places no trial"):
        tables.sequencing_table(empty)
