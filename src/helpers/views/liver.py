"""Within-trial subgroup pairs for the liver chapter (and for any therapy chapter).

The pairing of estimates is data (``data/subgroup_pairs.csv``: which two rows of
``data/effects.csv`` are complementary subgroups of one trial, and whether the split is by liver
metastases, direct, or by visceral disease, indirect); the statistics are
:mod:`helpers.interaction`. These functions join the two and build the tables a chapter shows:

- :func:`pair_inputs`: the pairs with both subgroups' hazard ratios, ready for
  :func:`helpers.interaction.per_trial_ratios`;
- :func:`ratio_steps`: the computation of each ratio, step by step (the methods chapter);
- :func:`pair_table`: every pair with its ratio of hazard ratios, for display;
- :func:`pooled_by_class`: per drug class, the pooled ratio beside the naive comparison when at
  least two trials report the subgroups, and a plain statement when fewer do;
- :func:`interaction_table`: the pairs of one chapter's trials (e.g. the HR-positive chapter);
- :func:`glue_pair_ratios`: each pair's ratio of hazard ratios, glued for the prose.
"""

from __future__ import annotations

import pandas as pd

from helpers import _check, chapter, interaction
from helpers.data import Evidence
from helpers.formatting import format_estimate_ci, format_p

#: How a pair's kind reads in a table.
KIND_LABELS = {
    "liver": "liver metastases vs none (direct)",
    "visceral": "visceral disease vs none (indirect)",
}


def pair_inputs(evidence: Evidence, used_in_pool: bool | None = None, kind: str | None = None) -> pd.DataFrame:
    """The subgroup pairs joined with their two estimates.

    Parameters
    ----------
    evidence
        The loaded evidence (:func:`helpers.data.load_evidence`).
    used_in_pool
        ``True``: only the pairs used when pooling (one per trial and endpoint); ``False``: only
        the others; ``None``: all.
    kind
        ``"liver"`` or ``"visceral"``: only pairs of that kind; ``None``: all.

    Returns
    -------
    pandas.DataFrame
        One row per pair in the order of ``data/subgroup_pairs.csv``: ``pair`` (the pair id),
        ``study``, ``trial`` (display name), ``chapter``, ``endpoint``, ``kind``, ``drug_class``,
        ``used_in_pool`` (bool), ``hr_a``, ``lower_a``, ``upper_a``, ``level_a``, ``hr_b``,
        ``lower_b``, ``upper_b``, ``level_b`` (levels as fractions), ``effect_id_a`` and
        ``effect_id_b``: the input of :func:`helpers.interaction.per_trial_ratios`.
    """
    if used_in_pool is not None:
        used_in_pool = _check.flag(used_in_pool, "used_in_pool")
    if kind is not None:
        _check.choice(kind, "kind", list(KIND_LABELS))
    pairs = evidence.subgroup_pairs
    effects, studies = evidence.effects, evidence.studies
    rows = []
    for _, p in pairs.iterrows():
        a, b = effects.loc[p["effect_id_a"]], effects.loc[p["effect_id_b"]]
        rows.append(
            {
                "pair": p["pair_id"],
                "study": p["study_id"],
                "trial": studies.loc[p["study_id"], "short_name"],
                "chapter": studies.loc[p["study_id"], "chapter"],
                "endpoint": a["endpoint"],
                "kind": p["kind"],
                "drug_class": p["drug_class"],
                "used_in_pool": p["used_in_pool"] == "yes",
                "hr_a": float(a["hr"]),
                "lower_a": float(a["hr_ci_lower"]),
                "upper_a": float(a["hr_ci_upper"]),
                "level_a": float(a["ci_level"]) / 100,
                "hr_b": float(b["hr"]),
                "lower_b": float(b["hr_ci_lower"]),
                "upper_b": float(b["hr_ci_upper"]),
                "level_b": float(b["ci_level"]) / 100,
                "effect_id_a": p["effect_id_a"],
                "effect_id_b": p["effect_id_b"],
            }
        )
    frame = pd.DataFrame(rows, columns=_INPUT_COLUMNS)
    if used_in_pool is not None:
        frame = frame[frame["used_in_pool"] == used_in_pool]
    if kind is not None:
        frame = frame[frame["kind"] == kind]
    return frame.reset_index(drop=True)


_INPUT_COLUMNS = [
    "pair",
    "study",
    "trial",
    "chapter",
    "endpoint",
    "kind",
    "drug_class",
    "used_in_pool",
    "hr_a",
    "lower_a",
    "upper_a",
    "level_a",
    "hr_b",
    "lower_b",
    "upper_b",
    "level_b",
    "effect_id_a",
    "effect_id_b",
]


def _display(inputs: pd.DataFrame) -> pd.DataFrame:
    """Display rows for the given pair inputs (names, formatted numbers, no ids)."""
    columns = [
        "Trial",
        "Drug class",
        "Endpoint",
        "Subgroups",
        "HR with",
        "HR without",
        "Ratio of HRs",
        "p (interaction)",
        "Used for pooling",
    ]
    if inputs.empty:
        return pd.DataFrame(columns=columns)
    ratios = interaction.per_trial_ratios(inputs)
    out = pd.DataFrame(
        {
            "Trial": inputs["trial"],
            "Drug class": inputs["drug_class"],
            "Endpoint": inputs["endpoint"],
            "Subgroups": inputs["kind"].map(KIND_LABELS),
            "HR with": [
                format_estimate_ci(h, lo, up, level=lv)
                for h, lo, up, lv in zip(inputs["hr_a"], inputs["lower_a"], inputs["upper_a"], inputs["level_a"])
            ],
            "HR without": [
                format_estimate_ci(h, lo, up, level=lv)
                for h, lo, up, lv in zip(inputs["hr_b"], inputs["lower_b"], inputs["upper_b"], inputs["level_b"])
            ],
            "Ratio of HRs": [
                format_estimate_ci(r, lo, up, level=lv)
                for r, lo, up, lv in zip(ratios["ratio_of_hrs"], ratios["lower"], ratios["upper"], ratios["level"])
            ],
            "p (interaction)": ratios["p"].map(format_p),
            "Used for pooling": inputs["used_in_pool"].map({True: "yes", False: "no (same patients, another report)"}),
        },
        columns=columns,
    )
    return out.reset_index(drop=True)


def ratio_steps(ratios: pd.DataFrame) -> pd.DataFrame:
    """The steps of :func:`helpers.interaction.per_trial_ratios`, one row per pair, for teaching.

    Columns: ``Pair`` (the ``pair`` label), ``log HR with``, ``SE with``, ``log HR without``,
    ``SE without``, ``log ratio``, ``SE of log ratio``, ``Ratio of HRs``, ``Lower``, ``Upper``
    and ``p``: numbers, rounded for display by :func:`helpers.tables.to_html`.
    """
    _check.columns(ratios, ["pair", "log_hr_a", "se_a", "log_hr_b", "se_b", "log_ratio", "se"], "ratios")
    names = {
        "pair": "Pair",
        "log_hr_a": "log HR with",
        "se_a": "SE with",
        "log_hr_b": "log HR without",
        "se_b": "SE without",
        "log_ratio": "log ratio",
        "se": "SE of log ratio",
        "ratio_of_hrs": "Ratio of HRs",
        "lower": "Lower",
        "upper": "Upper",
        "p": "p",
    }
    return ratios[list(names)].rename(columns=names)


def pair_table(evidence: Evidence) -> pd.DataFrame:
    """Every subgroup pair with its two hazard ratios and their ratio, for display.

    The ratio is subgroup with / subgroup without (:func:`helpers.interaction.per_trial_ratios`);
    a ratio below one means a larger relative benefit in the subgroup with the disease site.
    Columns: ``Trial``, ``Drug class``, ``Endpoint``, ``Subgroups`` (direct or indirect),
    ``HR with``, ``HR without``, ``Ratio of HRs``, ``p (interaction)`` and ``Used for pooling``
    (whether the pair enters :func:`pooled_by_class`).
    """
    return _display(pair_inputs(evidence))


def pooled_by_class(evidence: Evidence, level: float = 0.95) -> pd.DataFrame:
    """Per drug class, kind of pair and endpoint, the pooled ratio of HRs beside the naive comparison.

    Only pairs marked ``used_in_pool`` enter (one per trial), and a liver pair (direct) is never
    pooled with a visceral one (indirect): they answer different questions. With at least two trials,
    :func:`helpers.interaction.compare_approaches` gives the within-trial pooled ratio (REML with
    Hartung–Knapp) and the naive across-trial comparison (REML with Hartung–Knapp); with fewer,
    the row says so and shows no number.

    Returns
    -------
    pandas.DataFrame
        Columns ``Drug class``, ``Subgroups``, ``Endpoint``, ``Trials`` (count), ``Within-trial ratio of HRs``,
        ``Naive comparison`` and ``Comment``.
    """
    _check.level(level)
    inputs = pair_inputs(evidence, used_in_pool=True)
    rows = []
    for (drug_class, kind, endpoint), group in inputs.groupby(["drug_class", "kind", "endpoint"], sort=True):
        k = len(group)
        row = {"Drug class": drug_class, "Subgroups": KIND_LABELS[kind], "Endpoint": endpoint, "Trials": k}
        if k < 2:
            row.update(
                {
                    "Within-trial ratio of HRs": "–",
                    "Naive comparison": "–",
                    "Comment": f"only {group['trial'].iloc[0]} reports both subgroups: nothing to pool",
                }
            )
        else:
            table = interaction.compare_approaches(interaction.per_trial_ratios(group), level=level)
            within, naive = table.iloc[0], table.iloc[2]
            row.update(
                {
                    "Within-trial ratio of HRs": format_estimate_ci(
                        within["ratio_of_hrs"], within["lower"], within["upper"], level=level
                    ),
                    "Naive comparison": format_estimate_ci(
                        naive["ratio_of_hrs"], naive["lower"], naive["upper"], level=level
                    ),
                    "Comment": f"{within['model']}; trials: {', '.join(group['trial'])}",
                }
            )
        rows.append(row)
    columns = [
        "Drug class",
        "Subgroups",
        "Endpoint",
        "Trials",
        "Within-trial ratio of HRs",
        "Naive comparison",
        "Comment",
    ]
    return pd.DataFrame(rows, columns=columns)


def interaction_table(ch) -> pd.DataFrame:
    """The subgroup pairs of one chapter's trials, as :func:`pair_table` shows them.

    For a therapy chapter: ``views.liver.interaction_table(ch)`` with
    ``ch = chapter.load("hr_positive_targeted")`` lists the pairs of that chapter's trials (the
    chapter of a pair is its study's ``chapter`` in ``data/studies.csv``). An empty frame (with
    the columns) when none of the chapter's trials reports complementary subgroups.
    """
    inputs = pair_inputs(ch.evidence)
    return _display(inputs[inputs["chapter"] == ch.name].reset_index(drop=True))


def glue_pair_ratios(evidence: Evidence, chapter_name: str | None = None) -> pd.DataFrame:
    """Glue each subgroup pair's ratio of hazard ratios for the prose, one home for the numbers
    that :func:`interaction_table` shows.

    Glues ``int_<pair_id>`` as "ratio (95% CI lower–upper), p = p" (subgroup with over without,
    :func:`helpers.interaction.per_trial_ratios`), for every pair of ``data/subgroup_pairs.csv``
    or only those of ``chapter_name``'s trials. Returns the per-pair ratios (with ``pair``).
    """
    inputs = pair_inputs(evidence)
    if chapter_name is not None:
        inputs = inputs[inputs["chapter"] == chapter_name].reset_index(drop=True)
    if inputs.empty:
        return inputs
    ratios = interaction.per_trial_ratios(inputs)
    for _, r in ratios.iterrows():
        text = format_estimate_ci(r["ratio_of_hrs"], r["lower"], r["upper"], level=r["level"])
        chapter.glue(f"int_{r['pair']}", f"{text}, p = {format_p(r['p'])}")
    return ratios


#: How the kinds of a mixed pool read in a table.
MIXED_LABEL = "liver metastases (direct) or visceral disease (indirect)"
_POOLED_COLUMNS = ["Drug class", "Endpoint", "Trials", "Subgroups", "Approach", "Model", "Ratio of HRs", "p"]


def _pooled_groups(evidence: Evidence, chapter_name: str, level: float):
    """(drug class, endpoint, pair inputs, :func:`helpers.interaction.compare_approaches`) for
    each class and endpoint of the chapter's trials with at least two pairs used for pooling."""
    _check.level(level)
    inputs = pair_inputs(evidence, used_in_pool=True)
    inputs = inputs[inputs["chapter"] == chapter_name]
    for (drug_class, endpoint), group in inputs.groupby(["drug_class", "endpoint"], sort=True):
        if len(group) >= 2:
            compared = interaction.compare_approaches(interaction.per_trial_ratios(group), level)
            yield drug_class, endpoint, group, compared


def pooled_across_kinds(evidence: Evidence, chapter_name: str, level: float = 0.95) -> pd.DataFrame:
    """Per drug class and endpoint of one chapter, liver and visceral pairs pooled together.

    :func:`pooled_by_class` never pools a liver pair with a visceral one. A chapter whose trials
    report only one pair of each kind would then pool nothing, although the within-trial and the
    naive approaches can still be set side by side on its trials. This function does that, for
    teaching and as a sensitivity analysis: the pairs used for pooling (one per trial) of the
    chapter's trials, whatever their kind, go into :func:`helpers.interaction.compare_approaches`
    when at least two trials of a class report them. The visceral pairs answer the liver question
    only indirectly (visceral disease includes lung and pleura), which the ``Subgroups`` column says.

    Returns
    -------
    pandas.DataFrame
        One row per drug class, endpoint and approach/model (within-trial and naive, each by REML
        with Hartung–Knapp and by a common-effect model): ``Drug class``, ``Endpoint``,
        ``Trials`` (names), ``Subgroups``, ``Approach``, ``Model``, ``Ratio of HRs`` (with CI) and
        ``p``. Empty (with the columns) when no class has two trials.
    """
    return _pooled_table(list(_pooled_groups(evidence, chapter_name, level)), level)


def _pooled_table(groups: list, level: float) -> pd.DataFrame:
    """The rows of :func:`pooled_across_kinds` from :func:`_pooled_groups`."""
    rows = []
    for drug_class, endpoint, group, table in groups:
        kinds = sorted(set(group["kind"]))
        for _, r in table.iterrows():
            rows.append(
                {
                    "Drug class": drug_class,
                    "Endpoint": endpoint,
                    "Trials": ", ".join(group["trial"]),
                    "Subgroups": MIXED_LABEL if len(kinds) > 1 else KIND_LABELS[kinds[0]],
                    "Approach": r["approach"],
                    "Model": "REML, Hartung–Knapp" if r["model"].startswith("REML") else "common effect",
                    "Ratio of HRs": format_estimate_ci(r["ratio_of_hrs"], r["lower"], r["upper"], level=level),
                    "p": format_p(r["p"]),
                }
            )
    return pd.DataFrame(rows, columns=_POOLED_COLUMNS)


def glue_pooled_across_kinds(evidence: Evidence, chapter_name: str, prefix: str) -> pd.DataFrame:
    """:func:`pooled_across_kinds`, with its first class and endpoint glued for the prose.

    Glues ``<prefix>_<within|naive>_<reml|fe>`` as "ratio (CI), p = p", ``<prefix>_trials``
    (the trials' names) and ``<prefix>_verdict`` (whether any of the four intervals excludes one,
    as a sentence), for the first class and endpoint (a chapter with more than one pooled class
    cites the table for the others). Returns the table.
    """
    groups = list(_pooled_groups(evidence, chapter_name, 0.95))
    table = _pooled_table(groups, 0.95)
    if not groups:
        return table
    _, _, group, compared = groups[0]
    for _, r in compared.iterrows():
        approach = "within" if r["approach"] == "within-trial" else "naive"
        model = "reml" if r["model"].startswith("REML") else "fe"
        text = format_estimate_ci(r["ratio_of_hrs"], r["lower"], r["upper"])
        chapter.glue(f"{prefix}_{approach}_{model}", f"{text}, p = {format_p(r['p'])}")
    names = list(group["trial"])
    chapter.glue(f"{prefix}_trials", ", ".join(names[:-1]) + " and " + names[-1])
    excludes_one = bool(((compared["upper"] < 1) | (compared["lower"] > 1)).any())
    chapter.glue(
        f"{prefix}_verdict",
        "At least one of these intervals excludes one"
        if excludes_one
        else "None of these intervals excludes one: neither approach shows that the relative benefit differs",
    )
    return table
