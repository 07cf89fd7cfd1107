"""The appraisal rulebook (``data/appraisal/rulebook.csv``) applied to every risk-of-bias and
certainty row.

Each rule of the rulebook names a tool (RoB 2, ROBINS-I, GRADE, ESMO-MCBS), a domain, the
judgement it leads to, the condition in words, and, when the condition can be computed, the name
of a check in this module (:data:`CHECKS`). :func:`rule_findings` runs every check on the
risk-of-bias tables (``data/appraisal/risk_of_bias_*.csv``) and the certainty tables
(``data/appraisal/certainty_*.csv``) and returns one row per departure, naming rule, file, line,
row, column and value. Rules with ``enforcement = error`` stop ``python -m helpers.validate``
(:func:`rule_errors`); rules with ``enforcement = report`` list the rows that still need to be
re-judged (``python -m helpers.appraisal_rules``).

The rules follow the tools' primary publications:

- RoB 2: Sterne JAC, Savović J, Page MJ, et al. BMJ 2019;366:l4898. doi:10.1136/bmj.l4898.
- ROBINS-I: Sterne JA, Hernán MA, Reeves BC, et al. BMJ 2016;355:i4919. doi:10.1136/bmj.i4919.
- GRADE: Guyatt GH et al. BMJ 2008;336:924-6; the GRADE guidelines series in J Clin Epidemiol
  2011 (1: evidence profiles; 4: risk of bias; 7: inconsistency; 8: indirectness); Schünemann HJ
  et al. J Clin Epidemiol 2019;111:105-14 (ROBINS-I within GRADE).
- ESMO-MCBS v1.1: Cherny NI et al. Ann Oncol 2017;28:2340-66. doi:10.1093/annonc/mdx310
  (its thresholds live in :mod:`helpers.benefit`).

Every row names the rules it applies in its ``rules`` column (rule ids separated by semicolons).
:func:`rule_findings` rejects a row that cites no rule, an unknown rule, a rule of another tool or
domain, or a rule whose judgement the row contradicts (a rule with a judgement of the tool's
vocabulary, such as ``low`` or ``serious; very_serious``, fixes the judgement of every row that
cites it), and a study judged differently in two chapters' files (same domain, same result).

The text checks (a reason names each downgrade; a reason does not rest on which of our sources
was read) look for words, so they are screens: a finding asks a person to re-read the row.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.data import DataValidationError, find_data_dir, grade_certainty, load_descriptor

__all__ = ["CHECKS", "load_rulebook", "rule_findings", "rule_errors", "main"]

RULEBOOK = "appraisal/rulebook.csv"
FINDING_COLUMNS = ["rule_id", "enforcement", "file", "line", "row_id", "column", "value", "finding"]

#: Severity order of each tool's judgements (``no_information`` is not on the scale).
SEVERITY = {
    "RoB 2": ["low", "some_concerns", "high"],
    "ROBINS-I": ["low", "moderate", "serious", "critical"],
}
#: Designs judged with ROBINS-I; ``rct`` is judged with RoB 2; syntheses with neither.
NOT_JUDGED = {"meta_analysis", "registry_analysis"}
GRADE_DOMAINS = ["risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias"]
#: The certainty column each GRADE rule domain fixes, and the values that column may take.
GRADE_COLUMNS = {
    "starting level": ("starting_level", {"high", "low"}),
    "risk of bias": ("risk_of_bias", {"not_serious", "serious", "very_serious"}),
    "inconsistency": ("inconsistency", {"not_serious", "serious", "very_serious", "not_applicable"}),
    "indirectness": ("indirectness", {"not_serious", "serious", "very_serious"}),
    "imprecision": ("imprecision", {"not_serious", "serious", "very_serious"}),
    "publication bias": ("publication_bias", {"not_serious", "serious", "very_serious", "undetected"}),
    "certainty": ("certainty", {"high", "moderate", "low", "very_low"}),
}
#: The RoB 2 / ROBINS-I judgements a rule may fix (the union of both tools' vocabularies).
ROB_JUDGEMENTS = {"low", "some_concerns", "high", "moderate", "serious", "critical", "no_information"}
#: Analyses that carry an estimate only when the study has no planned one (as helpers.sof chooses).
UNPLANNED = {"exploratory", "post_hoc"}
#: A rule that estimates the effect of adhering (not of assignment): crossover there is the question.
ADHERENCE_RULE = "rob2_adherence_effect_naive_analysis"
#: Words that name each GRADE domain in a reason (a screen, see the module docstring).
DOMAIN_WORDS = {
    "risk_of_bias": r"bias|open[- ]label|confound|blind|investigator[- ]assessed",
    "inconsistency": r"inconsisten|heterogene|disagree|differ|conflict",
    "indirectness": r"indirect|extrapolat|applied to|population|mixed",
    "imprecision": r"impreci|interval|confidence limit|few|small|wide",
    "publication_bias": r"publication|publish|selective",
}
#: Wording that rests a judgement on our reading of the sources rather than on the trial.
OUR_SOURCES = (
    r"secondary (page|review|source|summary|table)|read from|\bstored\b|press release|"
    r"\bslides?\b|(the|an?) abstracts?\b|per abstract|abstract/registry|sources searched|"
    r"sources found|source found|conference abstract"
)
CROSSOVER = r"cross(ed)?[- ]?over|post-progression|subsequent (therapy|therapies|treatment)|dilut"
#: Wording that says crossover or later therapy is not counted as a deviation.
NOT_A_DEVIATION = r"not (a|counted as a) deviation|not deviations"


@dataclass
class _Row:
    file: str
    line: int
    values: dict


def _read_rows(data_dir: Path, paths: list[str]) -> list[_Row]:
    rows = []
    for part in paths:
        path = data_dir / part
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            for values in reader:
                rows.append(_Row(f"data/{part}", reader.line_num, {k: (v or "").strip() for k, v in values.items()}))
    return rows


def _paths(descriptor: dict, name: str) -> list[str]:
    resource = next((r for r in descriptor["resources"] if r["name"] == name), None)
    if resource is None:
        raise ValueError(f"data/datapackage.json has no resource {name!r} (needed by the appraisal rulebook)")
    return resource["path"] if isinstance(resource["path"], list) else [resource["path"]]


def load_rulebook(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The rulebook as a DataFrame indexed by ``rule_id`` (``check`` is ``""`` when none)."""
    data_dir = Path(data_dir) if data_dir is not None else find_data_dir()
    path = data_dir / RULEBOOK
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the appraisal rulebook is missing")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    unknown = sorted(set(frame["check"]) - set(CHECKS) - {""})
    if unknown:
        raise ValueError(f"{path}: column check names unknown check(s) {unknown}; known: {sorted(CHECKS)}")
    return frame.set_index("rule_id")


class _Context:
    """Everything the checks read: the tables, the studies' designs and the findings so far."""

    def __init__(self, data_dir: Path, rulebook: pd.DataFrame):
        descriptor = load_descriptor(data_dir)
        self.rulebook = rulebook
        self.rob = _read_rows(data_dir, _paths(descriptor, "risk_of_bias"))
        self.certainty = _read_rows(data_dir, _paths(descriptor, "certainty"))
        self.studies = {r.values["study_id"]: r.values for r in _read_rows(data_dir, _paths(descriptor, "studies"))}
        effects = _read_rows(data_dir, _paths(descriptor, "effects"))
        self.study_of_effect = {r.values["effect_id"]: r.values["study_id"] for r in effects}
        self.endpoint_of = {r.values["effect_id"]: r.values["endpoint"] for r in effects}
        self.analysis_of = {r.values["effect_id"]: r.values.get("analysis", "") for r in effects}
        self.findings: list[dict] = []

    def rules_with(self, check: str, tool: str | None = None) -> list[str]:
        book = self.rulebook
        chosen = book[(book["check"] == check) & ((book["tool"] == tool) if tool else True)]
        return list(chosen.index)

    def add(self, rule_id: str, row: _Row, key: str, column: str, finding: str, enforcement: str | None = None) -> None:
        self.findings.append(
            {
                "rule_id": rule_id,
                "enforcement": enforcement or self.rulebook.loc[rule_id, "enforcement"],
                "file": row.file,
                "line": row.line,
                "row_id": f"{key}={row.values.get(key, '')}",
                "column": column,
                "value": row.values.get(column, ""),
                "finding": finding,
            }
        )

    def design(self, study_id: str) -> str | None:
        return (self.studies.get(study_id) or {}).get("design")

    def studies_of(self, row: _Row) -> list[str]:
        ids = [e for e in row.values["effect_ids"].split(";") if e]
        return sorted({self.study_of_effect[e] for e in ids if e in self.study_of_effect})

    def overall_of(self, study_id: str, effect_ids: list[str]) -> list[tuple[str, str]]:
        """(tool, overall judgement) of the study's results that carry the estimate: its planned
        analyses among ``effect_ids`` (exploratory or post hoc ones only when it has no planned
        one, as :func:`helpers.sof.chosen_estimates` chooses), each judged by its own overall
        row or else by the study's."""
        rows = [r for r in self.rob if r.values["study_id"] == study_id and r.values["domain"] == "overall"]
        study_level = [r for r in rows if not r.values["effect_id"]]
        mine = [e for e in effect_ids if self.study_of_effect.get(e) == study_id]
        planned = [e for e in mine if self.analysis_of.get(e) not in UNPLANNED]
        judged = []
        for effect_id in planned or mine:
            specific = [r for r in rows if r.values["effect_id"] == effect_id]
            judged += specific or study_level
        unique = {(r.values["tool"], r.values["judgement"], r.line): r for r in judged}
        return [(tool, judgement) for tool, judgement, _ in unique]


# --------------------------------------------------------------------------- checks
def _tool_matches_design(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.rob:
        design = ctx.design(row.values["study_id"])
        if design is None or design in NOT_JUDGED:
            continue
        expected = "RoB 2" if design == "rct" else "ROBINS-I"
        if row.values["tool"] != expected:
            rule = next((r for r in rule_ids if ctx.rulebook.loc[r, "tool"] == row.values["tool"]), rule_ids[0])
            ctx.add(rule, row, "study_id", "tool", f"a {design} study is judged with {expected}")


def _judgement_in_vocabulary(ctx: _Context, rule_ids: list[str]) -> None:
    allowed = {ctx.rulebook.loc[r, "tool"]: (r, ctx.rulebook.loc[r, "judgement"].split("; ")) for r in rule_ids}
    for row in ctx.rob:
        rule = allowed.get(row.values["tool"])
        if rule and row.values["judgement"] not in rule[1]:
            ctx.add(rule[0], row, "study_id", "judgement", f"not a {row.values['tool']} judgement (allowed: {rule[1]})")


def _overall_not_better_than_worst_domain(ctx: _Context, rule_ids: list[str]) -> None:
    rule_of_tool = {ctx.rulebook.loc[r, "tool"]: r for r in rule_ids}
    groups: dict[tuple, list[_Row]] = {}
    for row in ctx.rob:
        groups.setdefault((row.values["study_id"], row.values["tool"]), []).append(row)
    for (_, tool), rows in groups.items():
        scale = SEVERITY.get(tool)
        if scale is None or tool not in rule_of_tool:
            continue
        study_level = {r.values["domain"]: r for r in rows if not r.values["effect_id"]}
        for effect_id in sorted({r.values["effect_id"] for r in rows}):
            judged = dict(study_level)
            judged.update({r.values["domain"]: r for r in rows if r.values["effect_id"] == effect_id and effect_id})
            overall = judged.pop("overall", None)
            if overall is None or overall.values["judgement"] not in scale:
                continue
            worst = max(
                (r for r in judged.values() if r.values["judgement"] in scale),
                key=lambda r: scale.index(r.values["judgement"]),
                default=None,
            )
            if worst is not None and scale.index(worst.values["judgement"]) > scale.index(overall.values["judgement"]):
                ctx.add(
                    rule_of_tool[tool],
                    overall,
                    "study_id",
                    "judgement",
                    f"overall is better than domain {worst.values['domain']!r} ({worst.values['judgement']}, "
                    f"line {worst.line})",
                )


def _concealment_not_only_undescribed_when_double_blind(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.rob:
        v = row.values
        if (
            v["tool"] == "RoB 2"
            and v["domain"] == "randomisation process"
            and v["judgement"] == "some_concerns"
            and (ctx.studies.get(v["study_id"]) or {}).get("blinding") == "double_blind"
            and re.search(r"conceal", v["reason"], re.I)
            and re.search(r"not (described|stated|reported)", v["reason"], re.I)
        ):
            ctx.add(
                rule_ids[0],
                row,
                "study_id",
                "judgement",
                "double-blind trial rated 'some concerns' because concealment is not described",
            )


def _crossover_not_a_deviation(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.rob:
        v = row.values
        if (
            v["tool"] == "RoB 2"
            and v["domain"] == "deviations from intended interventions"
            and v["judgement"] != "low"
            and re.search(CROSSOVER, v["reason"], re.I)
            and not re.search(NOT_A_DEVIATION, v["reason"], re.I)
            and ADHERENCE_RULE not in _cited(row)
        ):
            ctx.add(
                rule_ids[0],
                row,
                "study_id",
                "judgement",
                "crossover or later therapy counted as a deviation from the assigned intervention",
            )


def _objective_outcome_low(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.rob:
        v = row.values
        if (
            v["tool"] == "RoB 2"
            and v["domain"] == "measurement of the outcome"
            and ctx.endpoint_of.get(v["effect_id"]) == "OS"
            and v["judgement"] != "low"
        ):
            ctx.add(rule_ids[0], row, "study_id", "judgement", "measurement of death is judged above low risk")


def _reason_not_about_our_sources(ctx: _Context, rule_ids: list[str]) -> None:
    rule_of_tool = {ctx.rulebook.loc[r, "tool"]: r for r in rule_ids}
    for row in ctx.rob:
        rule = rule_of_tool.get(row.values["tool"])
        match = re.search(OUR_SOURCES, row.values["reason"], re.I)
        if rule and match:
            ctx.add(rule, row, "study_id", "reason", f"reason rests on our sources ({match.group(0)!r})")
    if "GRADE" in rule_of_tool:
        for row in ctx.certainty:
            match = re.search(OUR_SOURCES, row.values["reasons"], re.I)
            if match:
                ctx.add(
                    rule_of_tool["GRADE"],
                    row,
                    "comparison_id",
                    "reasons",
                    f"reason rests on our sources ({match.group(0)!r})",
                )


def _randomised_start_high(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.certainty:
        designs = {ctx.design(s) for s in ctx.studies_of(row)}
        if designs == {"rct"} and row.values["starting_level"] != "high":
            ctx.add(rule_ids[0], row, "comparison_id", "starting_level", "randomised evidence must start high")


def _robins_evidence_starts_high(ctx: _Context, rule_ids: list[str]) -> None:
    robins = {r.values["study_id"] for r in ctx.rob if r.values["tool"] == "ROBINS-I"}
    for row in ctx.certainty:
        studies = ctx.studies_of(row)
        if studies and all(s in robins for s in studies) and row.values["starting_level"] != "high":
            downgraded = row.values["risk_of_bias"] != "not_serious"
            ctx.add(
                rule_ids[0],
                row,
                "comparison_id",
                "starting_level",
                "evidence judged with ROBINS-I starts low"
                + (" and is rated down again for risk of bias (counted twice)" if downgraded else ""),
            )


def _certainty_arithmetic(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.certainty:
        v = row.values
        try:
            expected = grade_certainty(v["starting_level"], [v[d] for d in GRADE_DOMAINS], v["upgrade"])
        except (KeyError, ValueError):
            continue  # an invalid level is reported once, by the schema
        if v["certainty"] != expected:
            ctx.add(rule_ids[0], row, "comparison_id", "certainty", f"certainty must be {expected!r}")


def _each_downgrade_has_a_reason(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.certainty:
        for domain in GRADE_DOMAINS:
            if row.values[domain] in ("serious", "very_serious") and not re.search(
                DOMAIN_WORDS[domain], row.values["reasons"], re.I
            ):
                ctx.add(
                    rule_ids[0],
                    row,
                    "comparison_id",
                    domain,
                    f"{domain.replace('_', ' ')} is rated down but the reasons do not say why",
                )


def _single_study_inconsistency_not_judged(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.certainty:
        if len(ctx.studies_of(row)) == 1 and row.values["inconsistency"] in ("serious", "very_serious"):
            ctx.add(rule_ids[0], row, "comparison_id", "inconsistency", "a single study cannot be inconsistent")


def _rob_follows_study_appraisal(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.certainty:
        effect_ids = [e for e in row.values["effect_ids"].split(";") if e]
        judged = [j for s in ctx.studies_of(row) for j in ctx.overall_of(s, effect_ids)]
        if not judged:
            continue
        severe = [j for t, j in judged if j in ("high", "serious", "critical")]
        all_low = all(j == "low" for _, j in judged)
        rating = row.values["risk_of_bias"]
        if severe and rating == "not_serious":
            ctx.add(
                rule_ids[0],
                row,
                "comparison_id",
                "risk_of_bias",
                f"a contributing result is at {severe[0]} risk of bias, yet risk of bias is not rated down",
            )
        elif all_low and rating != "not_serious":
            ctx.add(
                rule_ids[0],
                row,
                "comparison_id",
                "risk_of_bias",
                "every contributing result is at low risk of bias, yet risk of bias is rated down",
            )


def _crossover_not_a_bias_downgrade(ctx: _Context, rule_ids: list[str]) -> None:
    for row in ctx.certainty:
        if row.values["risk_of_bias"] != "not_serious" and re.search(
            r"cross(ed)?[- ]?over[^.]*(dilut|bias)|dilut", row.values["reasons"], re.I
        ):
            ctx.add(rule_ids[0], row, "comparison_id", "risk_of_bias", "dilution by crossover is given as risk of bias")


def _subgroup_keeps_trial_judgement(ctx: _Context, rule_ids: list[str]) -> None:
    study_level = {
        (r.values["study_id"], r.values["tool"], r.values["domain"]): r for r in ctx.rob if not r.values["effect_id"]
    }
    for row in ctx.rob:
        cited = [r for r in rule_ids if r in _cited(row)]
        if not cited or not row.values["effect_id"]:
            continue
        trial = study_level.get((row.values["study_id"], row.values["tool"], row.values["domain"]))
        if trial is not None and trial.values["judgement"] != row.values["judgement"]:
            ctx.add(
                cited[0],
                row,
                "study_id",
                "judgement",
                f"the subgroup keeps the trial's judgement of this domain "
                f"({trial.values['judgement']}, line {trial.line})",
            )


#: GRADE risk-of-bias rating that each ROBINS-I overall judgement carries (Schünemann et al. 2019).
ROBINS_DOWNGRADE = {"low": "not_serious", "moderate": "serious", "serious": "very_serious", "critical": "very_serious"}


def _robins_overall_sets_downgrade(ctx: _Context, rule_ids: list[str]) -> None:
    robins = {r.values["study_id"] for r in ctx.rob if r.values["tool"] == "ROBINS-I"}
    order = list(ROBINS_DOWNGRADE)
    for row in ctx.certainty:
        effect_ids = [e for e in row.values["effect_ids"].split(";") if e]
        judged = [
            j
            for s in ctx.studies_of(row)
            if s in robins
            for t, j in ctx.overall_of(s, effect_ids)
            if t == "ROBINS-I" and j in ROBINS_DOWNGRADE
        ]
        if not judged:
            continue
        worst = max(judged, key=order.index)
        expected = ROBINS_DOWNGRADE[worst]
        if row.values["risk_of_bias"] != expected:
            ctx.add(
                rule_ids[0],
                row,
                "comparison_id",
                "risk_of_bias",
                f"the studies' ROBINS-I overall judgement ({worst}) carries risk of bias {expected!r}",
            )
        if worst == "critical" and row.values["certainty"] != "very_low":
            ctx.add(rule_ids[0], row, "comparison_id", "certainty", "evidence at critical risk of bias ends very low")


#: The check of a rule that leads to one judgement and has no other machine test: every row that
#: cites it must carry that judgement (tested in :func:`_cited_rules`, for every cited rule).
FIXES_JUDGEMENT = "cited_rule_fixes_judgement"


def _cited_rule_fixes_judgement(ctx: _Context, rule_ids: list[str]) -> None:
    """Named in the rulebook so that its table says how such rules are checked; the test itself
    runs in :func:`_cited_rules` for every row and every rule it cites."""


def _cited(row: _Row) -> list[str]:
    return [r.strip() for r in row.values.get("rules", "").split(";") if r.strip()]


def _cited_rules(ctx: _Context) -> None:
    """Every row cites at least one known rule of its own tool and domain, and its judgement is
    the one each cited rule fixes; a study judged in two chapters' files is judged alike."""
    book = ctx.rulebook
    for table, key in ((ctx.rob, "study_id"), (ctx.certainty, "comparison_id")):
        for row in table:
            cited = _cited(row)
            if not cited:
                ctx.add("", row, key, "rules", "the row cites no rule of the rulebook", "error")
            for rule_id in cited:
                if rule_id not in book.index:
                    ctx.add(rule_id, row, key, "rules", f"unknown rule {rule_id!r}", "error")
                    continue
                rule = book.loc[rule_id]
                allowed = {j.strip() for j in rule["judgement"].split(";")}
                if key == "study_id":
                    tool, domain, column = row.values["tool"], row.values["domain"], "judgement"
                    if rule["tool"] != tool or rule["domain"] not in ("any", domain):
                        ctx.add(
                            rule_id,
                            row,
                            key,
                            "rules",
                            f"rule {rule_id!r} is a rule of {rule['tool']}, "
                            f"domain {rule['domain']!r}, not of {tool}, domain {domain!r}",
                            "error",
                        )
                        continue
                    fixed = allowed <= ROB_JUDGEMENTS
                else:
                    if rule["tool"] != "GRADE" or (rule["domain"] not in GRADE_COLUMNS and rule["domain"] != "any"):
                        ctx.add(
                            rule_id,
                            row,
                            key,
                            "rules",
                            f"rule {rule_id!r} ({rule['tool']}, domain "
                            f"{rule['domain']!r}) is not a GRADE rule for a certainty row",
                            "error",
                        )
                        continue
                    column, vocabulary = GRADE_COLUMNS.get(rule["domain"], ("", set()))
                    fixed = bool(column) and allowed <= vocabulary
                if fixed and row.values[column] not in allowed:
                    # A rule whose own check is the citation check reports with its enforcement;
                    # any other rule's judgement is enforced here, whatever its own check tests.
                    own = rule["check"] == FIXES_JUDGEMENT
                    ctx.add(
                        rule_id,
                        row,
                        key,
                        column,
                        f"contradicts the cited rule {rule_id!r}, which leads to {' or '.join(sorted(allowed))}",
                        None if own else "error",
                    )
    judged: dict[tuple, _Row] = {}
    for row in ctx.rob:
        v = row.values
        other = judged.setdefault((v["study_id"], v["effect_id"], v["tool"], v["domain"]), row)
        if other.file != row.file and other.values["judgement"] != v["judgement"]:
            ctx.add(
                "",
                row,
                "study_id",
                "judgement",
                f"the same study, result and domain is judged "
                f"{other.values['judgement']!r} in {other.file} (line {other.line})",
                "error",
            )


#: The machine checks the rulebook's ``check`` column may name.
CHECKS: dict[str, Callable[[_Context, list[str]], None]] = {
    "tool_matches_design": _tool_matches_design,
    "judgement_in_vocabulary": _judgement_in_vocabulary,
    "overall_not_better_than_worst_domain": _overall_not_better_than_worst_domain,
    "concealment_not_only_undescribed_when_double_blind": _concealment_not_only_undescribed_when_double_blind,
    "crossover_not_a_deviation": _crossover_not_a_deviation,
    "objective_outcome_low": _objective_outcome_low,
    "reason_not_about_our_sources": _reason_not_about_our_sources,
    "randomised_start_high": _randomised_start_high,
    "robins_evidence_starts_high": _robins_evidence_starts_high,
    "certainty_arithmetic": _certainty_arithmetic,
    "each_downgrade_has_a_reason": _each_downgrade_has_a_reason,
    "single_study_inconsistency_not_judged": _single_study_inconsistency_not_judged,
    "rob_follows_study_appraisal": _rob_follows_study_appraisal,
    "crossover_not_a_bias_downgrade": _crossover_not_a_bias_downgrade,
    "subgroup_keeps_trial_judgement": _subgroup_keeps_trial_judgement,
    "robins_overall_sets_downgrade": _robins_overall_sets_downgrade,
    FIXES_JUDGEMENT: _cited_rule_fixes_judgement,
}


# --------------------------------------------------------------------------- public API
def rule_findings(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Every risk-of-bias and certainty row that departs from a rule of the rulebook.

    Returns
    -------
    pandas.DataFrame
        One row per departure: ``rule_id``, ``enforcement`` (``error`` or ``report``), ``file``,
        ``line`` (1-based, header = 1), ``row_id``, ``column``, ``value`` and ``finding``; sorted by
        rule, file and line. Empty when every row follows every rule.
    """
    data_dir = Path(data_dir) if data_dir is not None else find_data_dir()
    rulebook = load_rulebook(data_dir)
    ctx = _Context(data_dir, rulebook)
    _cited_rules(ctx)
    for check in sorted({c for c in rulebook["check"] if c}):
        CHECKS[check](ctx, list(rulebook.index[rulebook["check"] == check]))
    frame = pd.DataFrame(ctx.findings, columns=FINDING_COLUMNS)
    return frame.sort_values(["rule_id", "file", "line"], kind="stable").reset_index(drop=True)


def rule_errors(data_dir: str | Path | None = None) -> list[DataValidationError]:
    """The departures from rules with ``enforcement = error``, as validation errors.

    An unreadable rulebook or table is reported as one error (the schema checks of
    :func:`helpers.data.validate_data` name the cell).
    """
    try:
        findings = rule_findings(data_dir)
    except (FileNotFoundError, ValueError, KeyError) as error:
        return [DataValidationError(f"data/{RULEBOOK}", f"the appraisal rules could not be checked: {error}")]
    errors = []
    for f in findings[findings["enforcement"] == "error"].itertuples():
        errors.append(
            DataValidationError(
                f.file, f"{f.finding} (rule {f.rule_id}, {RULEBOOK})", f.line, f.row_id, f.column, f.value
            )
        )
    return errors


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.appraisal_rules [DATA_DIR]``: list every departure; exit 1 on errors."""
    argv = list(sys.argv[1:] if argv is None else argv)
    findings = rule_findings(Path(argv[0]) if argv else None)
    for f in findings.itertuples():
        print(f"[{f.enforcement}] {f.rule_id}: {f.file}, line {f.line} ({f.row_id}), column {f.column}: {f.finding}")
    counts = findings["enforcement"].value_counts()
    print(f"{counts.get('error', 0)} error(s), {counts.get('report', 0)} row(s) to re-judge")
    return 1 if counts.get("error", 0) else 0


if __name__ == "__main__":
    sys.exit(main())
