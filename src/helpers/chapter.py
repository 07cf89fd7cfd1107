"""The chapter layer: what a therapy chapter needs from ``data/``, in one call.

A chapter opens with::

    from helpers import chapter, plotting, tables
    from helpers.chapter import effects, format_number  # the methods it teaches or applies

    ch = chapter.load("her2_tkis")

and then reads everything through ``ch``: its estimates (:attr:`Chapter.rows`), studies,
display names (``short_name`` in ``data/studies.csv``), source links (secondary sources
marked in :func:`helpers.tables.source_link`), the estimate it uses for each comparison
(``data/appraisal/estimate_choice_<chapter>.csv``), the consistency checks with their
explanations, and :meth:`Chapter.glue`. Facts live in ``data/``; this module only looks them
up, so adding a trial is a data change, not a notebook edit.

The glue names this layer writes are fixed, so that prose in every chapter refers to the same
names:

- :meth:`Chapter.glue_opening`: ``n_effects``, ``n_studies``, ``n_rct``, ``n_secondary``
  (estimates read from secondary sources), ``name_<study_id>`` and ``n_<study_id>``;
- :meth:`Chapter.consistency`: ``n_checks``, ``n_checks_consistent``,
  ``n_checks_inconsistent``, ``n_checks_not_checkable``, ``n_rows_uncheckable``,
  ``flagged_ids``, ``flagged_studies``, ``flagged_text``, and per reason of
  :data:`FLAG_REASONS` ``flag_<reason>`` (the flagged estimates) and ``n_flag_<reason>``.

The method modules (and :func:`helpers.data.load_evidence`, :mod:`helpers.datasets`) are
re-exported, so that a chapter imports only this layer, ``plotting`` and ``tables``
(``tests/test_layers.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import (
    benefit,
    claims,
    datasets,
    effects,
    interaction,
    meta,
    observational,
    parameters,
    reanalysis,
    reconstruct,
    rounding,
    searchlog,
    simulate,
    survival,
    synthesis,
    tables,
)
from helpers.data import Evidence, load_evidence, load_reconstructed
from helpers.formatting import (
    format_ci,
    format_estimate_ci,
    format_number,
    format_p,
    format_percent,
    format_significant,
)

# A pandas table or series shown as it is (an analysis step on a lesson page) prints its floats
# with four decimals, the most any number in the book shows.
pd.set_option("display.precision", 4)

__all__ = [
    "Chapter",
    "Consistency",
    "DATA_CUT_ORDER",
    "FLAG_REASONS",
    "load",
    "glue",
    "glue_search_log",
    "p_phrase",
    # re-exported methods and formatting
    "benefit",
    "claims",
    "datasets",
    "effects",
    "interaction",
    "load_evidence",
    "load_reconstructed",
    "meta",
    "observational",
    "parameters",
    "reanalysis",
    "reconstruct",
    "rounding",
    "searchlog",
    "simulate",
    "survival",
    "synthesis",
    "format_ci",
    "format_estimate_ci",
    "format_number",
    "format_p",
    "format_percent",
    "format_significant",
]

#: Data cuts from the earliest to the most mature; analyses outside the planned sequence
#: (exploratory, post hoc, not applicable) come after them.
DATA_CUT_ORDER = ("interim", "primary", "updated", "final", "exploratory", "post_hoc", "not_applicable")

#: Why a consistency check is inconsistent, one key per explanation of
#: :func:`helpers.effects.explain_inconsistency`.
FLAG_REASONS = ("one_sided", "other_test", "hazards", "asymmetric", "events")
_REASON_OF_CHECK = {"medians ↔ HR": "hazards", "CI symmetry (log scale)": "asymmetric", "events ↔ CI width": "events"}


def glue(key: str, value: object) -> None:
    """Store ``value`` (written as text) under ``key`` for the prose (``{glue:text}`key```),
    without displaying it. The one way chapters glue.

    Only the plain text is stored (an exact ``str``: a string type with an HTML or Markdown
    representation offers none of it), and ``{glue:text}`` pastes it as a text node: a study
    name holding ``*``, ``<b>`` or ``[x](javascript:...)`` shows those characters, never markup."""
    from myst_nb import glue as myst_glue  # imported here: unit tests need no notebook machinery

    if not isinstance(key, str) or not key:
        raise ValueError(f"glue key must be a non-empty string, got {key!r}")
    myst_glue(key, str.__str__(value) if isinstance(value, str) else str(value), display=False)


def glue_search_log(evidence: Evidence, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Glue chapter ``name``'s ``last_searched`` (e.g. "4 December 2026") and ``n_searches``
    from the search log (``data/search_log.csv``), and return its flow counts and the reasons
    its searches found nothing: the two arguments of :func:`helpers.plotting.search_flow`."""
    log = evidence.search_log
    glue("last_searched", f"{searchlog.last_searched(log, name):%-d %B %Y}")
    glue("n_searches", int((log["chapter"] == name).sum()))
    not_found = log[log["outcome"] == "not_found"]
    return searchlog.flow_counts(log, name), searchlog.reasons_not_added(not_found, name)


def p_phrase(p: float) -> str:
    """A p-value after "p" in prose: ``"= 0.03"`` or ``"< 0.001"``
    (:func:`helpers.formatting.format_p`)."""
    text = format_p(p)
    return text if text.startswith("<") else f"= {text}"


def _reason(check: str, detail: str) -> str:
    if check == "CI ↔ p":
        return "one_sided" if "one-sided p" in detail else "other_test"
    if check not in _REASON_OF_CHECK:
        raise ValueError(f"no reason key for the check {check!r} (add it to helpers.chapter)")
    return _REASON_OF_CHECK[check]


@dataclass(frozen=True)
class Consistency:
    """The four consistency checks on a chapter's estimates.

    Attributes
    ----------
    checks
        :func:`helpers.effects.check_consistency`, one row per estimate and check.
    summary
        :func:`helpers.effects.consistency_summary`: verdicts per check.
    flagged
        The inconsistent checks with ``study`` (display name), ``explanation``
        (:func:`helpers.effects.explain_inconsistency`) and ``reason`` (a key of
        :data:`FLAG_REASONS`).
    counts
        ``{glue name: count}`` for the fixed glue names of the counts.
    """

    checks: pd.DataFrame
    summary: pd.DataFrame
    flagged: pd.DataFrame
    counts: dict


class Chapter:
    """One chapter's view of the validated evidence (build it with :func:`load`).

    Attributes
    ----------
    name
        The chapter key, as in ``data/studies.csv`` (column ``chapter``).
    evidence
        The whole validated evidence (:func:`helpers.data.load_evidence`).
    studies
        The chapter's studies (``data/studies.csv``), indexed by ``study_id``.
    rows
        The chapter's estimates (:func:`helpers.synthesis.select_effects`) with ``short_name``
        (the study's display name) and ``source_kind`` (primary or secondary) joined on, and for
        the local-therapies chapter ``therapy`` and ``time_zero``
        (``data/appraisal/local_therapy_classes.csv``).
    printed
        The estimates' numeric cells as printed in the data (strings), same index as ``rows``.
    sources
        Every source (``data/sources.csv``).
    abbreviations
        ``{word: abbreviation}`` that :meth:`abbreviate` applies to arm names (e.g.
        ``{"capecitabine": "C"}``), whole words only.
    """

    def __init__(self, name: str, evidence: Evidence, abbreviations: dict[str, str] | None = None):
        known = sorted(set(evidence.studies["chapter"]))
        if name not in known:
            raise ValueError(f"chapter must be one of {known} (column chapter of data/studies.csv), got {name!r}")
        self.name = name
        self.evidence = evidence
        self.sources = evidence.sources
        self.studies = evidence.studies[evidence.studies["chapter"] == name]
        rows = synthesis.select_effects(evidence, chapter=name)
        rows["short_name"] = rows["study_id"].map(evidence.studies["short_name"])
        rows["source_kind"] = rows["source_id"].map(evidence.sources["kind"])
        classes = evidence.therapy_class
        if rows.index.isin(classes.index).any():  # the local-therapy class of each estimate
            rows = rows.join(classes[["therapy", "time_zero"]])
        self.rows = rows
        self.printed = evidence.effects_printed.loc[rows.index]
        self.abbreviations = dict(abbreviations or {})

    def __repr__(self) -> str:
        return f"Chapter({self.name!r}: {len(self.studies)} studies, {len(self.rows)} estimates)"

    # ------------------------------------------------------------------ names and links
    def short_name(self, study_id: str) -> str:
        """The study's display name (``short_name`` in ``data/studies.csv``)."""
        if study_id not in self.evidence.studies.index:
            raise KeyError(f"no study {study_id!r} in data/studies.csv (column study_id)")
        return str(self.evidence.studies.loc[study_id, "short_name"])

    def source_link(self, source_id: str) -> str:
        """Link to a source, marked " (secondary)" when it is not the primary report."""
        return tables.source_link(self.evidence, source_id)

    def abbreviate(self, text: str) -> str:
        """``text`` with the chapter's :attr:`abbreviations` applied (whole words)."""
        for word, short in self.abbreviations.items():
            text = re.sub(rf"\b{re.escape(word)}\b", short, str(text))
        return str(text)

    def comparison(self, effect_id: str) -> str:
        """``"<experimental arm> vs <control arm>"`` of an estimate, abbreviated."""
        row = self._row(effect_id)
        return self.abbreviate(f"{row['arm_experimental']} vs {row['arm_control']}")

    def hr_text(self, effect_id: str, label: bool = False) -> str:
        """:func:`helpers.tables.hr_text`: a hazard ratio with its interval, as printed."""
        return tables.hr_text(self.evidence, effect_id, label=label)

    def medians_text(self, effect_id: str) -> str:
        """:func:`helpers.tables.medians_text`: both medians with their unit, as printed."""
        return tables.medians_text(self.evidence, effect_id)

    def p_text(self, effect_id: str) -> str:
        """The p-value as printed with its operator: ``"p = 0.01"``, ``"p < 0.001"``."""
        row = self._row(effect_id)
        if pd.isna(row["p_value"]):
            return "p not reported"
        return f"p {row['p_operator']} {self.evidence.effects_printed.loc[effect_id, 'p_value']}"

    def _row(self, effect_id: str) -> pd.Series:
        if effect_id not in self.rows.index:
            raise KeyError(f"no estimate {effect_id!r} in chapter {self.name} (data/effects.csv, column effect_id)")
        return self.rows.loc[effect_id]

    # ------------------------------------------------------------------ choosing estimates
    def choices(self, data_cut: str) -> pd.DataFrame:
        """The chapter's estimate choices under one data-cut rule: ``comparison``, ``study_id``,
        ``effect_id`` and ``reason``, in the order of the data file."""
        table = self.evidence.estimate_choice
        table = table[table["chapter"] == self.name]
        rules = sorted(set(table["data_cut"]))
        if data_cut not in rules:
            raise ValueError(
                f"data_cut must be one of {rules} (data/appraisal/estimate_choice_{self.name}.csv), got {data_cut!r}"
            )
        table = table[table["data_cut"] == data_cut]
        return pd.DataFrame(
            {
                "comparison": table["comparison"].to_numpy(),
                "study_id": table["effect_id"].map(self.rows["study_id"]).to_numpy(),
                "effect_id": table["effect_id"].to_numpy(),
                "reason": table["reason"].to_numpy(),
            }
        )

    def chosen(self, comparison: str, data_cut: str, exclude: tuple[str, ...] = ()) -> pd.DataFrame:
        """The estimates used for ``comparison`` under ``data_cut`` (one per study), as rows of
        :attr:`rows` with the ``reason`` joined on; studies in ``exclude`` are left out."""
        choices = self.choices(data_cut)
        comparisons = list(dict.fromkeys(choices["comparison"]))
        if comparison not in comparisons:
            raise ValueError(f"comparison must be one of {comparisons}, got {comparison!r}")
        picked = choices[(choices["comparison"] == comparison) & ~choices["study_id"].isin(exclude)]
        return self.rows.loc[picked["effect_id"]].assign(reason=picked["reason"].to_numpy())

    def keep_chosen(self, frame: pd.DataFrame, data_cut: str, prefix: str = "") -> pd.DataFrame:
        """``frame`` with one row per estimate: for every comparison whose key starts with
        ``prefix``, the estimate chosen under ``data_cut`` is kept and the other rows of ``frame``
        for the same estimate (same study, endpoint, population and population detail: another
        data cut, or the same numbers from another source) are dropped. Rows no choice mentions
        are kept, in their order."""
        choices = self.choices(data_cut)
        chosen = set(choices.loc[choices["comparison"].str.startswith(prefix), "effect_id"])
        keys = ["study_id", "endpoint", "population", "population_detail"]

        def signature(table: pd.DataFrame) -> pd.Series:
            return table[keys].astype(object).where(table[keys].notna(), None).apply(tuple, axis=1)

        chosen_estimates = set(signature(self.rows.loc[sorted(chosen)]))
        own = signature(frame)
        return frame[~own.isin(chosen_estimates) | frame.index.isin(chosen)]

    def check_variants(self, variants: list[tuple[str, str, dict]]) -> pd.DataFrame:
        """The consistency checks (:func:`helpers.effects.check_consistency`) of what-if versions of
        estimates: each variant is ``(effect_id, label, {column: (number, printed text)})``, the
        estimate with those cells replaced. The result is indexed ``"<effect_id> [<label>]"``, one
        row per check."""
        changed, shown = [], []
        for effect_id, label, values in variants:
            row, text = self._row(effect_id).copy(), self.evidence.effects_printed.loc[effect_id].copy()
            for column, (number, printed) in values.items():
                row[column], text[column] = number, printed
            changed.append(row.rename(f"{effect_id} [{label}]"))
            shown.append(text.rename(f"{effect_id} [{label}]"))
        frame = pd.DataFrame(changed)
        checks = effects.check_consistency(frame, pd.DataFrame(shown).astype("string"))
        return checks.set_index(pd.Index(np.repeat(frame.index, len(checks) // len(frame))))

    @staticmethod
    def by_data_cut(frame: pd.DataFrame, first: list[str] | None = None) -> pd.DataFrame:
        """``frame`` sorted by the columns ``first`` (if any), then from the earliest to the most
        mature data cut (:data:`DATA_CUT_ORDER`); ties keep their order."""
        rank = frame["analysis"].map({a: i for i, a in enumerate(DATA_CUT_ORDER)})
        if rank.isna().any():
            raise ValueError(f"unknown analysis {sorted(set(frame.loc[rank.isna(), 'analysis']))}")
        keys = (first or []) + ["_cut"]
        return frame.assign(_cut=rank).sort_values(keys, kind="stable").drop(columns="_cut")

    # ------------------------------------------------------------------ checks
    def consistency(self, label: Callable[[str], str] | None = None, write: bool = True) -> Consistency:
        """Run the four consistency checks on every estimate of the chapter and glue the results
        under the fixed names (see the module docstring).

        Parameters
        ----------
        label
            ``label(effect_id)`` names a flagged estimate in ``flag_<reason>``; default
            ``"<short name> (<effect_id>)"``.
        write
            Glue the results (default); ``False`` only computes them.
        """
        checks = effects.check_consistency(self.rows, self.printed)
        summary = effects.consistency_summary(checks)
        flagged = checks[checks["verdict"] == "inconsistent"].copy()
        flagged.insert(0, "study", flagged["effect_id"].map(self.rows["short_name"]))
        flagged["explanation"] = effects.explain_inconsistency(flagged)
        flagged["reason"] = [_reason(c, d) for c, d in zip(flagged["check"], flagged["detail"])]
        label = label or (lambda e: f"{self.rows.loc[e, 'short_name']} ({e})")
        uncheckable = checks.groupby("effect_id")["verdict"].apply(lambda v: (v == "not_checkable").all())
        counts = {
            "n_checks": len(checks),
            "n_checks_consistent": int((checks["verdict"] == "consistent").sum()),
            "n_checks_inconsistent": len(flagged),
            "n_checks_not_checkable": int((checks["verdict"] == "not_checkable").sum()),
            "n_rows_uncheckable": int(uncheckable.sum()),
        }
        if write:
            for key, value in counts.items():
                glue(key, f"{value}")
            glue("flagged_ids", ", ".join(flagged["effect_id"]) or "none")
            glue("flagged_studies", ", ".join(sorted(set(flagged["study"]))) or "none")
            glue(
                "flagged_text",
                "; ".join(
                    f"{s} ({e}, {c}): {x}"
                    for s, e, c, x in zip(
                        flagged["study"], flagged["effect_id"], flagged["check"], flagged["explanation"]
                    )
                )
                or "none",
            )
            for reason in FLAG_REASONS:
                hit = flagged[flagged["reason"] == reason]
                glue(f"flag_{reason}", "; ".join(label(e) for e in hit["effect_id"]) or "none")
                glue(f"n_flag_{reason}", f"{len(hit)}")
        return Consistency(checks, summary, flagged, counts)

    # ------------------------------------------------------------------ appraisal
    def certainty_view(self) -> pd.DataFrame:
        """:func:`helpers.tables.certainty_view` of this chapter, comparisons abbreviated."""
        return tables.certainty_view(self.evidence, self.name, comparison_label=self.abbreviate)

    def risk_of_bias_view(self, study_ids=None, result_label: Callable[[str], str] | None = None) -> pd.DataFrame:
        """:func:`helpers.tables.risk_of_bias_view` of the chapter's studies (or ``study_ids``),
        studies by their display names."""
        return tables.risk_of_bias_view(
            self.evidence,
            self.studies.index if study_ids is None else study_ids,
            study_label=self.short_name,
            result_label=result_label,
        )

    def risk_of_bias_matrix(self, study_ids, result_label: Callable[[str], str] | None = None) -> pd.DataFrame:
        """:func:`helpers.synthesis.risk_of_bias_matrix` with rows named ``short name`` or
        ``short name [result]``, domains that no study was judged on dropped."""
        result_label = result_label or (lambda e: e)
        matrix = synthesis.risk_of_bias_matrix(
            self.evidence,
            study_ids,
            label=lambda s, e: self.short_name(s) + ("" if e is None else f" [{result_label(e)}]"),
        )
        return matrix.dropna(axis=1, how="all")

    # ------------------------------------------------------------------ glue
    glue = staticmethod(glue)

    def glue_estimates(self, label: bool = False) -> None:
        """Glue every estimate of the chapter as printed, under fixed names: ``hr_<effect_id>``
        (:meth:`hr_text`, with "HR " when ``label``), ``med_<effect_id>`` (:meth:`medians_text`)
        and ``p_<effect_id>`` (:meth:`p_text`)."""
        for effect_id in self.rows.index:
            glue(f"hr_{effect_id}", self.hr_text(effect_id, label=label))
            glue(f"med_{effect_id}", self.medians_text(effect_id))
            glue(f"p_{effect_id}", self.p_text(effect_id))

    def glue_search_log(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """:func:`glue_search_log` for this chapter."""
        return glue_search_log(self.evidence, self.name)

    def glue_opening(self, zero: str = "0") -> dict:
        """Glue the chapter's headline counts and each study's name and size under fixed names;
        returns the counts. A count of zero is written ``zero`` (e.g. "none")."""
        counts = {
            "n_effects": len(self.rows),
            "n_studies": len(self.studies),
            "n_rct": int((self.studies["design"] == "rct").sum()),
            "n_secondary": int((self.rows["source_kind"] == "secondary").sum()),
        }
        for key, value in counts.items():
            glue(key, f"{value}" if value else zero)
        for study_id, study in self.studies.iterrows():
            glue(f"name_{study_id}", study["name"])
            glue(f"n_{study_id}", "not stated" if pd.isna(study["n_total"]) else f"{study['n_total']}")
        return counts


def load(name: str, data_dir: str | Path | None = None, abbreviations: dict[str, str] | None = None) -> Chapter:
    """The chapter ``name`` over the validated evidence in ``data_dir`` (default: the project's
    ``data/``, see :func:`helpers.data.find_data_dir`).

    Raises
    ------
    helpers.data.DataValidationErrors
        If the data break any rule.
    ValueError
        If no study in the data belongs to chapter ``name``.
    """
    return Chapter(name, load_evidence(data_dir), abbreviations)
