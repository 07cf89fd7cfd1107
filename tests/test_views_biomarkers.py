"""The biomarker view (helpers.views.biomarkers) on a miniature evidence object, and its glue names
against the committed data.

Oracles: made-up facts whose expected cells are written out by hand (value in quotation marks, the
link to the DOI when the source has one, else the page read, ", secondary" for a secondary page,
stacked with <br>, "not found in the sources searched" for a kind no row states); for the committed
data, the fact_ids named in the module, which must all exist, and the chapters' drug lists, which
must all have a selection fact.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from helpers import chapter
from helpers.data import load_evidence
from helpers.views import biomarkers as view


def made_up_evidence() -> SimpleNamespace:
    """Drug A with a selection fact from a primary paper with a DOI and two tests (one secondary
    page); drug B with a route only; one context fact and one drug fact the glue maps name."""
    sources = pd.DataFrame(
        {
            "kind": ["primary", "secondary", "primary"],
            "doi": ["10.1000/abc", None, None],
            "pmid": [None, None, None],
            "url": ["https://paper.example.org/a", "https://news.example.org/b", "https://label.example.org/c"],
            "public_url": [None, None, None],
        },
        index=["paper", "news", "label"],
    )
    drug_facts = pd.DataFrame(
        [
            ["drug A", "biomarker_selection", "X-mutated", "paper"],
            ["drug A", "biomarker_test", "blood test", "news"],
            ["drug A", "biomarker_test", "tissue test", "label"],
            ["drug A", "route", "oral", "label"],
            ["drug B", "route", "intravenous", "label"],
        ],
        columns=["drug", "fact", "value", "source_id"],
        index=["a_sel", "a_test_blood", "a_test_tissue", "a_route", "b_route"],
    )
    context_facts = pd.DataFrame(
        [["biomarker_testing", "when", "at progression", "news"]],
        columns=["topic", "label", "value", "source_id"],
        index=["cf_when"],
    )
    return SimpleNamespace(sources=sources, drug_facts=drug_facts, context_facts=context_facts)


def test_biomarker_table_cells_written_out_by_hand():
    table = view.biomarker_table(made_up_evidence())
    assert table.columns.tolist() == ["Drug", "Test result that selects patients", "Test or sample"]
    assert table["Drug"].tolist() == ["drug A"]  # only drugs with a biomarker fact by default
    assert table.iloc[0, 1] == '“X-mutated” (<a href="https://doi.org/10.1000/abc">source</a>)'
    assert table.iloc[0, 2] == (
        '“blood test” (<a href="https://news.example.org/b">source</a>, secondary)'
        '<br>“tissue test” (<a href="https://label.example.org/c">source</a>)'
    )


def test_biomarker_table_drug_without_biomarker_facts_reads_not_found():
    table = view.biomarker_table(made_up_evidence(), drugs=["drug B", "drug A"])
    assert table["Drug"].tolist() == ["drug B", "drug A"]
    assert table.iloc[0, 1:].tolist() == ["not found in the sources searched"] * 2


def test_biomarker_table_unknown_drug_names_the_file_and_column():
    with pytest.raises(ValueError, match=r"data/drug_facts.csv, column drug\), got \['drug C'\]"):
        view.biomarker_table(made_up_evidence(), drugs=["drug C"])


def test_glue_biomarkers_glues_the_values_as_stated(monkeypatch):
    glued: dict[str, str] = {}
    monkeypatch.setattr(chapter, "glue", lambda key, value: glued.__setitem__(key, value))
    monkeypatch.setattr(view, "CONTEXT_GLUE", {"bio_when": "cf_when"})
    monkeypatch.setattr(view, "DRUG_GLUE", {"bio_a_test": "a_test_blood"})
    out = view.glue_biomarkers(made_up_evidence())
    assert glued == {"bio_when": "at progression", "bio_a_test": "blood test", "bio_n_drugs": "1"}
    assert out["secondary"].tolist() == [True, True, False]


def test_glue_biomarkers_missing_fact_names_key_fact_and_file(monkeypatch):
    monkeypatch.setattr(chapter, "glue", lambda key, value: None)
    monkeypatch.setattr(view, "CONTEXT_GLUE", {"bio_when": "cf_gone"})
    with pytest.raises(KeyError, match=r"glue 'bio_when': no fact_id 'cf_gone' in data/context_facts.csv"):
        view.glue_biomarkers(made_up_evidence())


def test_committed_data_every_glued_fact_exists_and_every_chapter_drug_has_a_selection_fact(monkeypatch):
    evidence = load_evidence()
    monkeypatch.setattr(chapter, "glue", lambda key, value: None)
    glued = view.glue_biomarkers(evidence)
    assert set(glued["key"]) == set(view.CONTEXT_GLUE) | set(view.DRUG_GLUE) | {"bio_n_drugs"}
    table = view.biomarker_table(evidence, view.HR_POSITIVE_DRUGS + view.EMERGING_DRUGS)
    assert not table["Test result that selects patients"].eq("not found in the sources searched").any()
