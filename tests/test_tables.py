"""Tables rendered from data/: links escaped, values shown as the source printed them."""

import html
import re

import pandas as pd
import pytest

from helpers import tables


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
    links = [str(s).split("<br>")[0] for s in table["source"]]  # the link, above what was read
    assert all(link.endswith("(secondary)") for link, second in zip(links, secondary) if second)
    assert not any(link.endswith("(secondary)") for link, second in zip(links, secondary) if not second)


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

    frame = pd.DataFrame(
        {
            "n": pd.array([1, None], dtype="Int64"),
            "name": pd.array(["x", None], dtype="string"),
            "hr": [0.5, float("nan")],
            "other": [None, "y"],
        }
    )
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


def test_source_link_marks_secondary_sources(evidence):
    kinds = evidence.sources["kind"]
    primary, secondary = kinds[kinds == "primary"].index[0], kinds[kinds == "secondary"].index[0]
    assert tables.source_link(evidence, primary).endswith(f'">{primary.replace("_", " ")}</a>')
    assert tables.source_link(evidence, secondary).endswith(f'">{secondary.replace("_", " ")}</a> (secondary)')
    assert f'title="{secondary}"' in tables.source_link(evidence, secondary) or "_" not in secondary
    with pytest.raises(KeyError, match="no source 'nope' in data/sources.csv"):
        tables.source_link(evidence, "nope")


def test_prediction_interval_text_says_why_there_is_none():
    # Oracle: the three cases of helpers.meta's prediction interval.
    from types import SimpleNamespace

    assert (
        tables.prediction_interval_text(SimpleNamespace(hr_pi_lower=None, method="FE", k=3))
        == "not defined for a common-effect model"
    )
    assert (
        tables.prediction_interval_text(SimpleNamespace(hr_pi_lower=None, method="REML", k=2))
        == "not estimable with k = 2"
    )
    assert (
        tables.prediction_interval_text(SimpleNamespace(hr_pi_lower=0.41, hr_pi_upper=0.9, method="REML", k=4))
        == "0.41–0.90"
    )


def test_wrap_ids_shows_ids_as_words_keeps_links_and_escapes_text():
    table = pd.DataFrame({"id": ["a_b_c", None], "link": [tables.link("p_q", "https://x.org/x_y"), "<b>t_u</b>"]})
    wrapped = tables.wrap_ids(table, ["id", "link"])
    assert wrapped["id"].tolist()[0] == '<span title="a_b_c">a b c</span>' and wrapped["id"].tolist()[1] is None
    assert wrapped["link"].tolist() == ['<a href="https://x.org/x_y">p_<wbr>q</a>', "&lt;b&gt;t_<wbr>u&lt;/b&gt;"]
    assert table["id"].tolist()[0] == "a_b_c"


def test_claims_table_and_counts(evidence):
    table = tables.claims_table(evidence)
    assert len(table) == len(evidence.claims)
    assert set(table["verdict"]) <= {f"{s} {v}" for v, s in tables.VERDICT_SYMBOLS.items()}
    assert not table["what the article says (verbatim)"].str.contains("<", regex=False).any()
    assert table["claim"].str.replace("<wbr>", "", regex=False).tolist() == evidence.claims.index.tolist()
    trace = table.loc[table["claim"] == "pyro_<wbr>os_<wbr>medians", "traced to"].iloc[0]
    # The estimate in words, its id only in the tooltip.
    assert 'title="li2025_pyrotinib' in trace and 'href="https://tomesphere.com/paper/PMC12011879"' in trace
    assert ">OS, " in trace and "li2025_<wbr>" not in trace
    one = tables.claims_table(evidence, article="lapatinib-ctc-news.txt")
    assert set(one["article"]) == {"Lapatinib–CTC news"}
    with pytest.raises(KeyError):
        tables.claims_table(evidence, article="nope.txt")
    compact = tables.claims_table(evidence, article="lapatinib-ctc-news.txt", compact=True)
    assert list(compact.columns) == [
        "verdict, claim (type)",
        "what the article says (verbatim)",
        "traced to",
        "explanation",
    ]
    assert compact["traced to"].str.contains("recomputed: 101", regex=False).any()
    counts = tables.verdict_counts(evidence)
    assert counts.iloc[-1]["all claims"] == len(evidence.claims)
    assert counts.iloc[:-1]["all claims"].sum() == len(evidence.claims)


def test_pooled_view_writes_each_result_as_the_book_does(evidence):
    # Oracle: the formatting functions applied to the pooled result by hand.
    from helpers import formatting, synthesis

    rows = synthesis.select_effects(evidence, study_ids=["paloma2", "monaleesa2"], endpoints=["PFS"], with_hr=True)
    result = synthesis.pool_effects(rows.loc[["monaleesa2_pfs_itt_interim", "paloma2_pfs_itt_primary"]], method="DL")
    view = tables.pooled_view({("first line", "PFS"): result}, keys=["setting", "endpoint"])
    assert list(view.columns) == [
        "setting",
        "endpoint",
        "k",
        "studies",
        "pooled HR (CI)",
        "τ²",
        "I² (%)",
        "Q p-value",
        "prediction interval",
        "weights (%)",
    ]
    row = view.iloc[0]
    assert row["pooled HR (CI)"] == formatting.format_estimate_ci(result.hr, result.hr_lower, result.hr_upper)
    assert row["prediction interval"] == tables.prediction_interval_text(result)
    with pytest.raises(ValueError, match="does not have one value per name"):
        tables.pooled_view({"x": result}, keys=["setting", "endpoint"])


def test_liver_facts_table_has_one_line_per_drug_and_a_cell_for_every_kind(evidence):
    table = tables.liver_facts_table(evidence)
    assert len(table) == evidence.liver_facts["drug"].nunique()
    assert list(table.columns) == ["Drug", *tables.LIVER_FACT_HEADERS.values()]
    cells = table.drop(columns="Drug").to_numpy().ravel()
    assert all(c == tables.NOT_FOUND or c.startswith("“") for c in cells)


def test_liver_facts_table_cell_quotes_the_value_and_marks_secondary_copies(evidence):
    table = tables.liver_facts_table(evidence, facts=["hepatic_impairment_severe"], drugs=["neratinib (Nerlynx)"])
    cell = table.iloc[0]["Severe hepatic impairment"]
    # The EU label (contraindicated) and the US label (80 mg) are both shown, one per line.
    assert cell.count("<br>") == 1
    assert "“Treatment of patients with Child-Pugh C hepatic impairment is contraindicated”" in cell
    assert "“Severe hepatic impairment: 80 mg once daily”" in cell
    assert cell.count(", secondary)") == 2


def test_liver_facts_table_says_not_found_for_a_kind_no_source_states(evidence):
    # Every (drug, kind) cell of the committed data with no traced row reads "not found".
    liver = evidence.liver_facts
    untraced = liver.groupby(["drug", "fact"])["status"].agg(lambda s: (s == "not_found").all())
    assert untraced.sum() > 0
    for drug, fact in untraced[untraced].index:
        table = tables.liver_facts_table(evidence, facts=[fact], drugs=[drug])
        assert table.iloc[0][tables.LIVER_FACT_HEADERS[fact]] == "not found in the sources searched"


def test_liver_facts_table_names_an_unknown_kind_or_drug(evidence):
    with pytest.raises(ValueError, match=r"facts must be among .*got \['renal'\]"):
        tables.liver_facts_table(evidence, facts=["renal"])
    with pytest.raises(ValueError, match=r"drugs must be among .*got \['aspirin'\]"):
        tables.liver_facts_table(evidence, drugs=["aspirin"])


def test_subgroup_label_counts_match_the_effects_file(evidence):
    counts = tables.subgroup_label_counts(evidence).set_index("Subgroup label")
    effects = evidence.effects
    for key, label in tables.SUBGROUP_LABELS.items():
        assert counts.loc[label, "Estimates"] == int((effects["population"] == key).sum())
    assert "PALOMA-3" in counts.loc["liver metastases", "Randomised trials"]


def test_context_facts_table_quotes_each_value_of_its_topic(evidence):
    table = tables.context_facts_table(evidence, "pseudocirrhosis")
    facts = evidence.context_facts[evidence.context_facts["topic"] == "pseudocirrhosis"]
    assert list(table["As the source states it"]) == [f"“{v}”" for v in facts["value"]]
    with pytest.raises(ValueError, match=r"topic must be one of .*got 'cirrhosis'"):
        tables.context_facts_table(evidence, "cirrhosis")


def test_context_facts_table_links_the_doi_rather_than_a_mirror(evidence):
    table = tables.context_facts_table(evidence, "visceral_crisis")
    assert not any("47.251." in s for s in table["Source"])
    assert any("https://doi.org/10.3332/ecancer.2025.1894" in s for s in table["Source"])


# --------------------------------------------------------------------------- output escaping
MARKUP = " <script>alert(1)</script> <b>x</b> $\\alpha$"
#: Free-text columns a reader sees, per data file (paths as in data/datapackage.json).
INJECTED = {
    "studies.csv": ["name", "short_name", "registry_id"],
    "effects.csv": ["population_detail", "arm_experimental", "arm_control", "note"],
    "drug_facts.csv": ["note"],
    "sources.csv": ["citation"],
    "context_facts.csv": ["label"],
    "liver_facts.csv": ["scope"],
    "claims.csv": ["explanation"],
    "appraisal/risk_of_bias_hr_positive_targeted.csv": ["reason"],
    "appraisal/certainty_hr_positive_targeted.csv": ["reasons"],
}


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    """A copy of data/ with markup appended to every free-text column of :data:`INJECTED`."""
    import csv
    import shutil

    from helpers import data

    target = tmp_path_factory.mktemp("injected") / "data"
    shutil.copytree(data.find_data_dir(), target)
    for name, columns in INJECTED.items():
        path = target / name
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields, rows = reader.fieldnames, list(reader)
        for row in rows:
            for column in columns:
                if row[column]:
                    row[column] += MARKUP
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return data.load_evidence(target)


def _assert_escaped(page: str) -> None:
    assert "<script" not in page.lower() and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_markup_in_the_data_renders_as_text_in_every_table(injected):
    ev = injected
    chapter = "hr_positive_targeted"
    ids = ev.studies.index[ev.studies["chapter"] == chapter]
    built = {
        "evidence": tables.evidence_table(ev, chapter=chapter),
        "studies": tables.studies_table(ev, chapter=chapter),
        "sources": tables.sources_table(ev),
        "risk of bias": tables.risk_of_bias_view(ev, ids),
        "certainty": tables.certainty_view(ev, chapter),
        "claims": tables.claims_table(ev),
        "claims, compact": tables.claims_table(ev, compact=True),
        "liver facts": tables.liver_facts_table(ev),
        "context facts": tables.context_facts_table(ev, ev.context_facts["topic"].iloc[0]),
        "wrapped": tables.wrap_ids(tables.evidence_table(ev, chapter=chapter), ["population", "source"]),
    }
    for name, table in built.items():
        page = tables.to_html(table, caption=f"{name}{MARKUP}").data
        _assert_escaped(page)
    assert "$\\alpha$" in tables.to_html(built["evidence"]).data  # shown literally, never maths


def test_links_are_built_from_validated_urls_only():
    assert tables.safe_url("https://doi.org/10.1/x") == "https://doi.org/10.1/x"
    for bad in (
        "javascript:alert(1)",
        "https://.",
        "http://127.0.0.1/x",
        "https://[::1]/",
        "ftp://x.org",
        "https://x.org/a b",
        "//x.org",
        "data:text/html,<script>",
        "https://localhost/",
    ):
        assert tables.safe_url(bad) is None, bad
        assert "<a" not in tables.link("t", bad)
    assert tables.link("<i>", 'https://x.org/"onmouseover=') == "&lt;i&gt;"  # '"' is not a URL character here


def test_only_helper_built_html_survives_to_html():
    frame = pd.DataFrame(
        {"plain": ["<i>a</i>", "a<br>b"], "built": [tables.link("x", "https://x.org"), tables.Markup("<br>") + "<i>"]}
    )
    page = tables.to_html(frame).data
    assert "&lt;i&gt;a&lt;/i&gt;" in page and "a<br>b" in page
    assert '<a href="https://x.org">x</a>' in page and "<br>&lt;i&gt;" in page


# --------------------------------------------------------------------------- tables for people
def test_to_html_humanises_headers_through_one_dictionary():
    frame = pd.DataFrame({"hr_lower": [0.5], "e_value_ci": [1.2], "ms_per_arm": [3.0], "study": ["A"], "τ²": [0.1]})
    headers = re.findall(r"<th>(.*?)</th>", tables.to_html(frame).data)
    assert headers == [
        tables.COLUMN_LABELS["hr_lower"],
        tables.COLUMN_LABELS["e_value_ci"],
        tables.COLUMN_LABELS["ms_per_arm"],
        "Study",
        "τ²",
    ]
    assert not any("_" in h for h in headers)


def test_to_html_rounds_numbers_to_at_most_four_decimals_one_precision_per_column():
    frame = pd.DataFrame(
        {"x": [3.97018395859337, 0.5], "n": [1.0, 2.0], "mixed": ["a", 0.123456789], "p": [0.00001, 0.25]}
    )
    cells = re.findall(r"<td>(.*?)</td>", tables.to_html(frame).data)
    assert cells == ["3.9702", "1", "a", "&lt;0.0001", "0.5000", "2", "0.1235", "0.2500"]


def test_to_html_shows_machine_ids_as_words_with_the_id_as_a_tooltip():
    page = tables.to_html(pd.DataFrame({"estimate": ["paloma3_pfs_liver", "PALOMA-3"]})).data
    assert '<span title="paloma3_pfs_liver">paloma3 pfs liver</span>' in page
    assert not re.search(r">[^<]*\b[a-z0-9]+_[a-z0-9_]+\b[^<]*<", page)


def test_long_tables_are_interactive_and_keep_every_row():
    short = tables.to_html(pd.DataFrame({"a": range(tables.INTERACTIVE_ROWS)})).data
    long = tables.to_html(pd.DataFrame({"a": range(tables.INTERACTIVE_ROWS + 1)})).data
    assert "bclm-interactive" not in short and "bclm-interactive" in long
    assert long.count("<tr>") == tables.INTERACTIVE_ROWS + 1


def test_a_short_table_of_tall_rows_can_ask_to_be_interactive():
    few = pd.DataFrame({"quote": ["a long verbatim quote"] * 3})
    assert "bclm-interactive" in tables.to_html(few, interactive=True).data
    many = pd.DataFrame({"a": range(tables.INTERACTIVE_ROWS + 1)})
    assert "bclm-interactive" not in tables.to_html(many, interactive=False).data
    assert "bclm-fit-width" in tables.to_html(few, interactive=True, fit_width=True).data
    assert "bclm-fit-width" not in tables.to_html(few, interactive=True).data


def test_evidence_table_puts_the_answer_first(evidence):
    columns = list(tables.evidence_table(evidence).columns)
    assert columns[:4] == ["study", "endpoint", "HR (CI)", "medians"]


def test_source_links_skip_addresses_that_are_not_host_names(evidence):
    unsafe = [s for s, u in evidence.sources["url"].items() if tables.safe_url(u) is None]
    for source_id in unsafe:
        cell = tables.source_link(evidence, source_id)
        assert not re.search(r'href="https?://\d', cell)


def test_source_links_go_to_the_doi_then_pubmed_then_the_page_read(evidence):
    sources = evidence.sources
    with_doi = sources[sources["doi"].notna()].index[0]
    pubmed_only = sources[sources["doi"].isna() & sources["pmid"].notna()].index[0]
    page_only = sources[sources["doi"].isna() & sources["pmid"].isna()].index[0]
    assert f'href="https://doi.org/{sources.loc[with_doi, "doi"]}"' in tables.source_link(evidence, with_doi)
    assert f'pubmed.ncbi.nlm.nih.gov/{sources.loc[pubmed_only, "pmid"]}/"' in tables.source_link(evidence, pubmed_only)
    page = html.escape(sources.loc[page_only, "url"], quote=True)
    assert f'href="{page}"' in tables.source_link(evidence, page_only)


def test_a_page_read_on_a_mirror_is_linked_at_its_public_address(evidence):
    sources = evidence.sources
    mirrored = sources[sources["public_url"].notna() & sources["doi"].isna() & sources["pmid"].isna()]
    assert len(mirrored) > 0
    for source_id, source in mirrored.iterrows():
        cell = tables.source_link(evidence, source_id)
        assert html.escape(source["public_url"], quote=True) in cell
        assert html.escape(source["url"], quote=True) not in cell
    listed = tables.sources_table(evidence)
    first = mirrored.index[0]
    row = listed.index[listed["source"] == first][0]
    assert html.escape(mirrored.loc[first, "public_url"], quote=True) in listed.loc[row, "citation (link to the page)"]


# --------------------------------------------------------------------------- provisional appraisal
def _read_as() -> dict:
    """Oracle: data/extraction.csv read directly, source -> how its numbers were read."""
    import csv

    from conftest import DATA

    with (DATA / "extraction.csv").open(encoding="utf-8", newline="") as handle:
        return {row["source_id"]: row["read_as"] for row in csv.DictReader(handle)}


def test_risk_of_bias_judgements_without_a_full_text_are_marked_provisional(evidence):
    read_as = _read_as()
    complete = {"full_text", "label", "report"}
    effects, studies = evidence.effects, evidence.studies
    rob = evidence.risk_of_bias
    view = tables.risk_of_bias_view(evidence, rob["study_id"].unique())
    assert len(view) == len(rob)
    for (_, row), judged_from in zip(rob.iterrows(), view["judged from"]):
        if pd.isna(row["effect_id"]):
            study = studies.loc[row["study_id"]]
            sources = [study["source_id"], study["design_source_id"]]
            sources += list(effects.loc[effects["study_id"] == row["study_id"], "source_id"])
        else:
            sources = [effects.loc[row["effect_id"], "source_id"]]
        readings = {read_as[s] for s in sources if isinstance(s, str) and s in read_as}
        assert judged_from.endswith("(provisional)") == (not readings & complete), (row.to_dict(), judged_from)
    assert view["judged from"].str.endswith("(provisional)").any()


def test_certainty_rows_resting_on_any_abstract_only_estimate_are_provisional(evidence):
    read_as = _read_as()
    source_of = evidence.effects["source_id"]
    for chapter in evidence.certainty["chapter"].unique():
        view = tables.certainty_view(evidence, chapter)
        rows = evidence.certainty[evidence.certainty["chapter"] == chapter]
        for effect_ids, comparison in zip(rows["effect_ids"], rows["comparison"]):
            readings = {read_as[source_of[e]] for e in effect_ids.split(";")}
            shown = view.loc[view["comparison"] == comparison, "judged from"].iloc[0]
            partial = readings - {"full_text", "label", "report"}
            assert shown.endswith("(provisional)") == bool(partial), (comparison, readings, shown)


def test_a_certainty_row_from_full_texts_only_says_so(evidence):
    full = evidence.certainty[evidence.certainty["comparison_id"] == "hrpos_elacestrant_pfs"]
    assert len(full) == 1
    view = tables.certainty_view(evidence, "hr_positive_targeted")
    shown = view.loc[view["comparison"] == full["comparison"].iloc[0], "judged from"].iloc[0]
    assert shown == "full text"
