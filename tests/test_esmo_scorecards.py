"""ESMO's published ESMO-MCBS scorecards against our grades (helpers.esmo_scorecards).

Oracle: ESMO's own grades, as printed on its scorecards (data/esmo_scorecards.csv, each with a
verbatim quote); our grade is recomputed from the inputs the scorecard prints.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from test_data_validation import ESMO_SCORECARD_HEADER, ESMO_SCORECARD_ROW, write_csv, write_miniature

from helpers import esmo_scorecards


@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    return esmo_scorecards.read_scorecards()


def test_committed_scorecards_break_no_rule(committed):
    assert esmo_scorecards.scorecard_findings(committed) == []


def test_our_grades_agree_with_every_scorecard_whose_form_rows_are_sourced(committed):
    table = esmo_scorecards.comparison(committed).set_index("scorecard_id")
    assert table["agreement"].to_dict() == {
        "esmo_6": "agrees",  # PALOMA-3: 3, QoL 1+, 4
        "esmo_7": "agrees",  # PALOMA-2: 3, 3
        "esmo_158": "agrees",  # MONALEESA-7: > 24-month sheet, 4, QoL 1+, 5
        "esmo_159": "agrees",  # MONARCH 3: 3, PFS only 1-, 2
        "esmo_161": "agrees",  # MONALEESA-3: > 24-month sheet, 4, 4
        "esmo_167": "agrees",  # HER2CLIMB: 4, 4
        "esmo_239": "agrees",  # KEYNOTE-355: 4, 4
        "esmo_342": "agrees",  # DESTINY-Breast03: 3, plateau 1+, 4
        "esmo_372": "agrees",  # EMERALD: 3, 3
        "esmo_374": "agrees",  # TROPiCS-02: 4, 4
        "esmo_409": "agrees",  # CAPItello-291: 3, 3
        "esmo_486": "agrees",  # DESTINY-Breast06: 3, 3
        "ding2024_destiny_breast04": "final not computed",  # secondary: ESMO's final grade only
        "ding2024_ascent": "final not computed",
    }
    agreeing = table[table["agreement"] == "agrees"]
    assert (agreeing["our_final"] == agreeing["esmo_final"]).all()
    assert (agreeing["our_preliminary"] == agreeing["esmo_preliminary"]).all()
    assert table.loc["esmo_158", "esmo_final"] == table.loc["esmo_158", "our_final"] == 5
    assert table.loc["esmo_161", "our_rule"].startswith("Form 2a (OS), control median 41.50 months (>24 months)")
    assert table.loc["esmo_159", "our_final"] == 2
    # The secondary rows: our preliminary grade from the printed inputs equals ESMO's final grade.
    assert table.loc["ding2024_destiny_breast04", "our_preliminary"] == 4
    assert table.loc["ding2024_ascent", "our_preliminary"] == 4


def test_differences_only_where_a_reason_is_recorded(committed):
    table = esmo_scorecards.comparison(committed)
    differs = table["agreement"] != "agrees"
    assert (table.loc[differs, "difference_reason"].str.len() > 0).all()
    assert (table.loc[~differs, "difference_reason"] == "").all()
    assert "not graded" not in set(table["agreement"])


def test_comparison_shows_names_and_where_esmo_grade_was_read(committed):
    table = esmo_scorecards.comparison(committed.head(1), {"paloma3": "PALOMA-3"})
    row = table.iloc[0]
    assert (row["trial"], row["read_from"], row["form"]) == ("PALOMA-3", "ESMO scorecard 6", "2b")


def _frame(**changes) -> pd.DataFrame:
    row = dict(zip(ESMO_SCORECARD_HEADER, ESMO_SCORECARD_ROW, strict=True))
    row.update(changes)
    frame = pd.DataFrame([row])
    frame.insert(0, "line", [2])
    return frame


def test_the_miniature_row_breaks_no_rule():
    assert esmo_scorecards.scorecard_findings(_frame()) == []


@pytest.mark.parametrize(
    ("changes", "column", "rule"),
    [
        ({"gain_months": "2.5"}, "gain_months", "number does not appear in data_quote"),
        ({"hr_ci_upper": "0.85"}, "hr", "hazard ratio and its 95% CI are not one statement of data_quote"),
        ({"esmo_final": "4"}, "esmo_final", "grade does not appear in grade_quote"),
        ({"form": "2a"}, "form", "form 2b grades PFS (2a OS, 2b PFS)"),
        ({"gain_basis": "estimated_from_hr"}, "gain_basis", "data_quote does not say the gain is an estimate"),
        ({"adjustment": "qol_upgrade"}, "adjustment", "grade_quote does not hold 'QoL'"),
        ({"adjustment": "not_reported"}, "adjustment", "a row with ESMO's preliminary grade names the adjustment"),
        ({"difference_reason": "a reason"}, "difference_reason", "our grade agrees with ESMO's: no reason to record"),
        ({"data_quote": "word " * 76 + "5.0 2.0 0.60 (0.45-0.80)"}, "data_quote", "quote is longer than 75 words"),
    ],
)
def test_each_broken_rule_is_named(changes, column, rule):
    findings = esmo_scorecards.scorecard_findings(_frame(**changes))
    assert {"line": 2, "row_id": "scorecard_id=esmo_1", "column": column, "rule": rule} in [
        {k: f[k] for k in ("line", "row_id", "column", "rule")} for f in findings
    ]


def test_wrong_final_grade_for_the_adjustment_is_named():
    quote = "Preliminary non-curative score - 3 - QoL adjustment - 1+ - Non-curative score - 3"
    findings = esmo_scorecards.scorecard_findings(_frame(adjustment="qol_upgrade", grade_quote=quote))
    assert [f["rule"] for f in findings if f["column"] == "esmo_final"] == [
        "adjustment 'qol_upgrade' turns preliminary grade 3 into 4"
    ]


def test_a_difference_without_a_reason_is_an_error():
    # A PFS result below form 2b's maximal grade: its lower rows were not found, so no grade.
    findings = esmo_scorecards.scorecard_findings(
        _frame(
            hr="0.80",
            hr_ci_lower="0.70",
            hr_ci_upper="0.90",
            data_quote="PFS Control - 5.0 months - PFS Gain - 2.0 months - PFS HR - 0.80 (0.70-0.90)",
        )
    )
    assert [f["rule"] for f in findings] == ["our grade is 'not graded': record why in difference_reason"]


def test_validator_reports_file_line_row_and_column(tmp_path):
    folder = write_miniature(tmp_path / "data")
    row = list(ESMO_SCORECARD_ROW)
    row[ESMO_SCORECARD_HEADER.index("gain_months")] = "2.5"
    write_csv(folder / "esmo_scorecards.csv", [ESMO_SCORECARD_HEADER, row])
    errors = esmo_scorecards.scorecard_errors(folder)
    assert [str(e) for e in errors] == [
        "data/esmo_scorecards.csv, line 2 (scorecard_id=esmo_1), column gain_months: value '2.5' breaks rule: "
        "number does not appear in data_quote"
    ]


def test_validator_is_silent_without_the_table(tmp_path):
    folder = write_miniature(tmp_path / "data")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "esmo_scorecards"]
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert esmo_scorecards.scorecard_errors(folder) == []


def test_read_scorecards_keeps_cells_as_printed(tmp_path):
    folder = write_miniature(tmp_path / "data")
    frame = esmo_scorecards.read_scorecards(folder)
    assert frame.loc[0, "control_median_months"] == "5.0"
    assert frame.loc[0, "line"] == 2
    with (folder / "esmo_scorecards.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == ESMO_SCORECARD_HEADER


def test_validator_reports_a_table_it_cannot_read(tmp_path):
    folder = write_miniature(tmp_path / "data")
    header = [c for c in ESMO_SCORECARD_HEADER if c != "difference_reason"]
    row = [v for c, v in zip(ESMO_SCORECARD_HEADER, ESMO_SCORECARD_ROW, strict=True) if c != "difference_reason"]
    write_csv(folder / "esmo_scorecards.csv", [header, row])
    (error,) = esmo_scorecards.scorecard_errors(folder)
    assert (
        str(error)
        == "data/esmo_scorecards.csv: the ESMO scorecards could not be checked: KeyError('difference_reason')"
    )
