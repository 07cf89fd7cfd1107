"""The committed evidence tables: valid, standard, documented."""

from __future__ import annotations

from frictionless import validate as frictionless_validate

from conftest import DATA
from helpers import esmo_scorecards
from helpers.data import load_descriptor, package_markdown, validate_data


def test_committed_data_pass_every_rule():
    errors = validate_data(DATA)
    assert errors == [], "\n".join(str(e) for e in errors)


def test_data_package_validates_with_frictionless():
    report = frictionless_validate(str(DATA / "datapackage.json"))
    problems = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
    assert report.valid, problems[:20]


def test_data_readme_is_generated_from_the_descriptor():
    expected = package_markdown(load_descriptor(DATA))
    assert (DATA / "README.md").read_text(encoding="utf-8") == expected, (
        "data/README.md is stale: run `python -m helpers.validate --write-readme`"
    )


def test_every_source_is_used_by_a_row_or_named_in_a_study_note(evidence):
    used = (
        set(evidence.effects["source_id"])
        | set(evidence.studies["source_id"])
        | set(evidence.studies["design_source_id"].dropna())
        | set(evidence.drug_facts["source_id"])
        | set(evidence.liver_facts["source_id"].dropna())
        | set(evidence.context_facts["source_id"])
        | set(esmo_scorecards.read_scorecards()["source_id"])  # ESMO's published grades (helpers.esmo_scorecards)
    )
    notes = " ".join(evidence.studies["notes"].dropna())
    orphans = [s for s in evidence.sources.index if s not in used and s not in notes]
    assert orphans == []


def test_typed_columns(evidence):
    effects = evidence.effects
    assert str(effects["hr"].dtype) == "float64"
    assert str(effects["n_experimental"].dtype) == "Int64"
    assert effects.index.is_unique
    assert (effects["hr"].dropna() > 0).all()


def test_ablation_study_rows_match_the_published_abstract(evidence):
    """The three Zou 2025 comparisons, as printed in PubMed 39808955 (also in shared/articles)."""
    zou = evidence.effects[evidence.effects["study_id"] == "zou2025"].set_index("population_detail")
    assert len(zou) == 3
    assert sorted(zou["hr"].round(2)) == [0.48, 0.58, 0.67]
    assert evidence.studies.loc["zou2025", "n_total"] == 1021
