"""The liver chapter's subgroup-pair view (helpers.views.liver) on miniature data, and the rules of
data/subgroup_pairs.csv on a copy of the committed data.

Oracles: made-up pairs whose ratios are computed by hand (HR_a 0.5 with 0.25-1.0 against HR_b
1.0 with 0.5-2.0 has ratio 0.5, Altman & Bland 2003); helpers.interaction on the same numbers for
the pooled row; the miniature data set of tests/test_data_validation.py, which has no pairs; for the
validator, pairs broken on purpose, one rule each.
"""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pandas as pd
import pytest
from test_data_validation import write_miniature

from helpers import chapter, interaction
from helpers.data import find_data_dir, validate_data
from helpers.views import liver as view


def made_up_evidence() -> SimpleNamespace:
    """Three trials: two of class X with visceral pairs (one with a second report of the same patients),
    one of class Y with a liver pair."""
    studies = pd.DataFrame(
        {"short_name": ["Trial 1", "Trial 2", "Trial 3"], "chapter": ["alpha", "alpha", "beta"]},
        index=["t1", "t2", "t3"],
    )
    numbers = {
        "t1a": ("PFS", 0.5, 0.25, 1.0),
        "t1b": ("PFS", 1.0, 0.5, 2.0),
        "t1c": ("PFS", 0.6, 0.4, 0.9),
        "t1d": ("PFS", 0.7, 0.5, 0.98),
        "t2a": ("PFS", 0.8, 0.6, 1.1),
        "t2b": ("PFS", 0.7, 0.5, 0.95),
        "t3a": ("OS", 0.9, 0.7, 1.2),
        "t3b": ("OS", 0.6, 0.4, 0.9),
    }
    effects = pd.DataFrame(
        [
            {"endpoint": e, "hr": h, "hr_ci_lower": lo, "hr_ci_upper": up, "ci_level": 95.0}
            for e, h, lo, up in numbers.values()
        ],
        index=list(numbers),
    )
    pairs = pd.DataFrame(
        [
            ["p1", "t1", "t1a", "t1b", "visceral", "X", "yes"],
            ["p1bis", "t1", "t1c", "t1d", "visceral", "X", "no"],
            ["p2", "t2", "t2a", "t2b", "visceral", "X", "yes"],
            ["p3", "t3", "t3a", "t3b", "liver", "Y", "yes"],
        ],
        columns=["pair_id", "study_id", "effect_id_a", "effect_id_b", "kind", "drug_class", "used_in_pool"],
    )
    return SimpleNamespace(studies=studies, effects=effects, subgroup_pairs=pairs)


def test_pair_inputs_join_both_estimates_and_filter_the_pooled_pairs():
    inputs = view.pair_inputs(made_up_evidence())
    assert inputs["pair"].tolist() == ["p1", "p1bis", "p2", "p3"]
    first = inputs.iloc[0]
    assert (first["trial"], first["chapter"], first["hr_a"], first["upper_b"], first["level_a"]) == (
        "Trial 1",
        "alpha",
        0.5,
        2.0,
        0.95,
    )
    assert view.pair_inputs(made_up_evidence(), used_in_pool=True)["pair"].tolist() == ["p1", "p2", "p3"]
    assert view.pair_inputs(made_up_evidence(), used_in_pool=False)["pair"].tolist() == ["p1bis"]
    assert view.pair_inputs(made_up_evidence(), used_in_pool=True, kind="visceral")["pair"].tolist() == ["p1", "p2"]
    with pytest.raises(ValueError, match=r"kind must be one of \['liver', 'visceral'\], got 'lung'"):
        view.pair_inputs(made_up_evidence(), kind="lung")
    with pytest.raises(TypeError, match=r"used_in_pool must be True or False, got 'yes'"):
        view.pair_inputs(made_up_evidence(), used_in_pool="yes")


def test_ratio_steps_show_the_hand_computed_steps():
    ratios = interaction.per_trial_ratios(view.pair_inputs(made_up_evidence()))
    steps = view.ratio_steps(ratios)
    assert steps.columns[0] == "Pair" and steps["Pair"].iloc[0] == "p1"
    first = steps.iloc[0]
    # ln 0.5 - ln 1 and sqrt(2) ln 4 / (2 * 1.959963984540054)
    assert first["log ratio"] == pytest.approx(-0.6931471805599453, abs=1e-15)
    assert first["SE of log ratio"] == pytest.approx(0.50014090, abs=1e-8)
    with pytest.raises(KeyError, match=r"\['se'\] not in ratios"):
        view.ratio_steps(ratios.drop(columns="se"))


def test_pair_table_shows_the_hand_computed_ratio_with_names():
    table = view.pair_table(made_up_evidence())
    first = table.iloc[0]
    assert first["Trial"] == "Trial 1"
    assert first["Subgroups"] == "visceral disease vs none (indirect)"
    assert first["HR with"] == "0.50 (95% CI 0.25–1.00)"
    # ratio 0.5; SE = sqrt(2) ln 4 / (2 * 1.96) = 0.5001, limits 0.5 exp(-/+ 0.9804) = 0.19, 1.33
    assert first["Ratio of HRs"] == "0.50 (95% CI 0.19–1.33)"
    assert table["Subgroups"].iloc[3] == "liver metastases vs none (direct)"
    assert table["Used for pooling"].tolist() == ["yes", "no (same patients, another report)", "yes", "yes"]


def test_pooled_by_class_pools_two_trials_and_says_so_for_one():
    table = view.pooled_by_class(made_up_evidence()).set_index("Drug class")
    assert table.loc["X", "Trials"] == 2 and table.loc["Y", "Trials"] == 1
    assert table.loc["Y", "Subgroups"] == "liver metastases vs none (direct)"
    ratios = interaction.per_trial_ratios(view.pair_inputs(made_up_evidence(), used_in_pool=True).iloc[:2])
    within = interaction.pooled_ratio(ratios)
    assert table.loc["X", "Within-trial ratio of HRs"].startswith(f"{within.hr:.2f} (95% CI {within.hr_lower:.2f}–")
    assert table.loc["X", "Comment"] == "REML, Hartung–Knapp; trials: Trial 1, Trial 2"
    assert table.loc["Y", "Within-trial ratio of HRs"] == "–"
    assert table.loc["Y", "Comment"] == "only Trial 3 reports both subgroups: nothing to pool"


def test_interaction_table_keeps_the_chapters_trials():
    evidence = made_up_evidence()
    table = view.interaction_table(SimpleNamespace(name="beta", evidence=evidence))
    assert table["Trial"].tolist() == ["Trial 3"]
    empty = view.interaction_table(SimpleNamespace(name="gamma", evidence=evidence))
    assert empty.empty and "Ratio of HRs" in empty.columns


def test_glue_pair_ratios_glues_the_hand_computed_ratio(monkeypatch):
    glued: dict[str, str] = {}
    monkeypatch.setattr(chapter, "glue", lambda key, value: glued.__setitem__(key, value))
    ratios = view.glue_pair_ratios(made_up_evidence(), "alpha")
    assert ratios["pair"].tolist() == ["p1", "p1bis", "p2"]
    # 0.5 (0.25-1.0) over 1.0 (0.5-2.0): ratio 0.5; SE = sqrt(2) * ln(4) / (2 * 1.959964) = 0.5002
    assert glued["int_p1"].startswith("0.50 (95% CI 0.19–1.33), p = ")
    assert set(glued) == {"int_p1", "int_p1bis", "int_p2"}
    glued.clear()
    assert view.glue_pair_ratios(made_up_evidence(), "gamma").empty and not glued


def test_pooled_across_kinds_is_compare_approaches_on_the_chapters_pairs(monkeypatch):
    evidence = made_up_evidence()
    table = view.pooled_across_kinds(evidence, "alpha")
    assert len(table) == 4 and set(table["Subgroups"]) == {"visceral disease vs none (indirect)"}
    oracle = interaction.compare_approaches(
        interaction.per_trial_ratios(view.pair_inputs(evidence, used_in_pool=True).iloc[:2])
    )
    expected = [f"{r.ratio_of_hrs:.2f} (95% CI {r.lower:.2f}–{r.upper:.2f})" for r in oracle.itertuples()]
    assert table["Ratio of HRs"].tolist() == expected
    assert table["Approach"].tolist() == ["within-trial", "within-trial", "naive across-trial", "naive across-trial"]
    assert view.pooled_across_kinds(evidence, "beta").empty  # one trial: nothing to pool
    # Trial 3 moved into chapter alpha and class X: its liver pair joins the visceral ones.
    evidence.studies.loc["t3", "chapter"] = "alpha"
    evidence.subgroup_pairs.loc[3, "drug_class"] = "X"
    evidence.effects.loc[["t3a", "t3b"], "endpoint"] = "PFS"
    glued: dict[str, str] = {}
    monkeypatch.setattr(chapter, "glue", lambda key, value: glued.__setitem__(key, value))
    mixed = view.glue_pooled_across_kinds(evidence, "alpha", "pool")
    assert set(mixed["Subgroups"]) == {view.MIXED_LABEL} and set(mixed["Trials"]) == {"Trial 1, Trial 2, Trial 3"}
    assert glued["pool_trials"] == "Trial 1, Trial 2 and Trial 3"
    assert glued["pool_within_fe"].startswith(mixed["Ratio of HRs"].iloc[1])
    assert glued["pool_verdict"].startswith(("None of these", "At least one"))


def test_the_miniature_without_pairs_gives_empty_tables(tmp_path):
    ch = chapter.load("local_therapies", write_miniature(tmp_path / "data"))
    assert ch.evidence.subgroup_pairs.empty
    assert view.pair_table(ch.evidence).empty
    assert view.pooled_by_class(ch.evidence).empty
    assert view.interaction_table(ch).empty


# The rules of data/subgroup_pairs.csv, on a copy of the committed data.

_CDK = "visceral,CDK4/6 inhibitor"
BROKEN_PAIRS = (
    "\n".join(
        [
            "pair_id,study_id,effect_id_a,effect_id_b,kind,drug_class,used_in_pool,note",
            f"ok,paloma3,paloma3_pfs_visceral_exploratory,paloma3_pfs_nonvisceral_exploratory,{_CDK},yes,",
            f"twice,paloma3,paloma3_pfs_visceral_post_hoc,paloma3_pfs_no_visceral_post_hoc,{_CDK},yes,",
            f"not_complementary,paloma3,paloma3_pfs_liver_metastases_post_hoc,paloma3_pfs_no_visceral_post_hoc,{_CDK},no,",
            f"two_sources,paloma3,paloma3_pfs_visceral_exploratory,paloma3_pfs_no_visceral_post_hoc,{_CDK},no,",
            "other_study,paloma3,destiny_breast04_pfs_visceral_hr_positive_subgroup,"
            f"paloma3_pfs_nonvisceral_exploratory,{_CDK},no,",
            f"unknown,paloma3,paloma3_pfs_visceral_exploratory,no_such_effect,{_CDK},no,",
        ]
    )
    + "\n"
)


def test_validator_names_each_broken_pair(tmp_path):
    data = shutil.copytree(find_data_dir(), tmp_path / "data")
    (data / "subgroup_pairs.csv").write_text(BROKEN_PAIRS, encoding="utf-8")
    errors = [str(e) for e in validate_data(data) if e.file == "data/subgroup_pairs.csv"]
    expected = [
        "pair_id=twice",
        "already used in pools",
        "pair_id=not_complementary",
        "needs populations visceral (effect_id_a) and nonvisceral (effect_id_b), got liver_metastases and nonvisceral",
        "pair_id=two_sources",
        "source_id 'breast2022_paloma_ttc' differs from effect_id_a's 'turner2018_visceral'",
        "pair_id=other_study",
        "effect belongs to study destiny_breast04, not paloma3",
        "pair_id=unknown",
        "unknown effect_id_b",
    ]
    text = "\n".join(errors)
    for fragment in expected:
        assert fragment in text, fragment
    assert "pair_id=ok" not in text
    assert len(errors) == 5, text
