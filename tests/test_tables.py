"""Tables rendered from data/: links escaped, values shown as the source printed them."""

from pathlib import Path

import pytest

from helpers import data, tables

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def evidence():
    return data.load_evidence(ROOT / "data")


def test_link_escapes_text_and_address():
    assert tables.link("a<b", "https://x.org/?a=1&b=2") == '<a href="https://x.org/?a=1&amp;b=2">a&lt;b</a>'
    assert tables.link("plain", None) == "plain"


def test_evidence_table_shows_the_ablation_comparisons_as_printed(evidence):
    table = tables.evidence_table(evidence, study_ids=["zou2025"])
    assert len(table) == 3
    assert set(table["HR (CI)"]) == {f"{hr} (no interval reported)" for hr in ("0.48", "0.58", "0.67")}
    assert "65.5 vs 40.4 months" in set(table["medians"])
    assert "45.2 vs 29 months" in set(table["medians"])


def test_secondary_sources_are_marked(evidence):
    table = tables.evidence_table(evidence)
    secondary = evidence.effects["source_id"].map(evidence.sources["kind"]).eq("secondary").to_numpy()
    assert all(s.endswith("(secondary)") for s in table.loc[secondary, "source"])
    assert not any(s.endswith("(secondary)") for s in table.loc[~secondary, "source"])


def test_html_is_deterministic_and_has_no_random_ids(evidence):
    first = tables.to_html(tables.studies_table(evidence), caption="Studies").data
    second = tables.to_html(tables.studies_table(evidence), caption="Studies").data
    assert first == second
    assert "<caption>Studies</caption>" in first
    assert "id=" not in first.split("<tbody>")[0]


def test_sources_table_links_doi_and_pubmed(evidence):
    table = tables.sources_table(evidence)
    row = table[table["source"] == "zou2025_breast_pubmed"].iloc[0]
    assert "https://pubmed.ncbi.nlm.nih.gov/39808955/" in row["identifiers"]


def test_hr_text_keeps_the_printed_digits(evidence):
    # PHOEBE OS: "(HR, 0.69; 95% CI, 0.48-0.98 ...)" in the quote.
    assert tables.hr_text(evidence, "phoebe_os_itt_updated") == "0.69 (95% CI 0.48–0.98)"
    assert tables.hr_text(evidence, "phoebe_os_itt_updated", label=True) == "HR 0.69 (95% CI 0.48–0.98)"
    assert tables.hr_text(evidence, "aarts2021_ma_os_hai_pooled") == "not reported"


def test_medians_text_says_not_reached_only_when_the_quote_does(evidence):
    # "The median OS was not reached for pyrotinib and was 26.9 months in the lapatinib group"
    assert tables.medians_text(evidence, "phoebe_os_itt_updated") == "not reached vs 26.9 months"
    # A pooled median of single-arm series has no comparator: one median.
    assert tables.medians_text(evidence, "aarts2021_ma_os_hai_pooled") == "7.9 months"
    # Ruiz, matched: the comparison group's median is cut off in the stored excerpt.
    assert tables.medians_text(evidence, "ruiz2018_ejc_os_matched_primary") == "82 months vs not reported"


def test_prose_helpers_name_an_unknown_effect(evidence):
    with pytest.raises(KeyError, match="no effect 'nope' in data/effects.csv"):
        tables.hr_text(evidence, "nope")


def test_to_html_shows_every_missing_cell_as_a_dash():
    import pandas as pd

    frame = pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "name": pd.array(["x", None], dtype="string"),
                          "hr": [0.5, float("nan")], "other": [None, "y"]})
    cells = str(tables.to_html(frame).data)
    assert "NA" not in cells and "nan" not in cells and "None" not in cells
    assert cells.count("<td>–</td>") == 4


def test_to_html_of_a_pivot_has_one_cell_per_column():
    import pandas as pd

    long = pd.DataFrame({"who": ["a", "a", "b", "b"], "statistic": ["x", "y", "x", "y"], "value": [1, 2, 3, 4]})
    wide = long.pivot_table(index="who", columns="statistic", values="value").reset_index()
    cells = str(tables.to_html(wide).data)
    assert "<th></th>" not in cells and "<th>statistic</th>" not in cells
    assert cells.count("<th>") == 3 and cells.count("<td>") == 6


def test_medians_text_reads_a_row_without_medians_as_not_reported(evidence):
    # DESTINY-Breast03 updated OS: both medians not reached, but the row records none; a
    # PHOEBE landmark-rate row quotes "not reached" for a median it does not record either.
    assert tables.medians_text(evidence, "destiny_breast03_os_itt_updated") == "not reported"
    assert tables.medians_text(evidence, "phoebe_os_rate_itt_updated_24mo") == "not reported"
    # "prespecified significance boundary not reached" is not a median.
    assert tables.medians_text(evidence, "destiny_breast03_os_itt_interim") == "not reported"


def test_evidence_table_prints_medians_and_hazard_ratios_as_the_prose_does(evidence):
    table = tables.evidence_table(evidence, study_ids=["phoebe", "ruiz2018_ejc"]).set_index("source", drop=False)
    medians = set(table["medians"])
    assert "not reached vs 26.9 months" in medians and "82 months vs not reported" in medians
    assert not any("NR" in m for m in medians)
    assert "0.69 (95% CI 0.48–0.98)" in set(table["HR (CI)"])


def test_to_html_keeps_one_precision_per_float_column():
    import pandas as pd

    cells = str(tables.to_html(pd.DataFrame({"x": [0.4, 0.125], "n": pd.array([1, None], dtype="Int64")})).data)
    assert "<td>0.400</td>" in cells and "<td>0.125</td>" in cells and "<td>–</td>" in cells
