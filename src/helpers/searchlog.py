"""The search log (``data/search_log.csv``): what was searched for each chapter, when, and what
became of each search, summarised as a PRISMA-style flow.

The log is a targeted-search log, not the record of a systematic database search: each row is
one question put to the sources (web pages such as journal abstracts, PubMed records, registries
and news, or regulatory drug labels), and its outcome. The flow therefore counts *searches*, the
unit the log has, through the stages of the PRISMA 2020 flow diagram (Page MJ et al., BMJ
2021;372:n71, doi:10.1136/bmj.n71): identified, with a lead or without, and of those with a lead
added to the data, awaiting verification against a source the book can cite, or excluded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers import _check

__all__ = [
    "CHAPTERS",
    "STAGES",
    "REASON_LABELS",
    "flow_counts",
    "last_searched",
    "reasons_not_added",
    "chapter_title",
    "chapter_summary",
    "log_table",
]

#: The chapters whose questions the log serves (``search_log.chapter``).
CHAPTERS = ("liver", "her2_tkis", "local_therapies", "hr_positive_targeted", "emerging_therapies")

#: The flow's boxes, in order, with the outcomes each counts.
STAGES = {
    "Searches run": ("added", "awaiting_verification", "excluded", "not_found"),
    "Not found": ("not_found",),
    "Lead found": ("added", "awaiting_verification", "excluded"),
    "Excluded": ("excluded",),
    "Awaiting verification": ("awaiting_verification",),
    "Added to the data": ("added",),
}

#: Reader wording of ``search_log.reason``.
REASON_LABELS = {
    "not_in_sources_searched": "not found in the sources searched",
    "subgroup_not_in_text": "subgroup result not printed in the reports found",
    "label_has_none": "the label has no such warning or schedule",
    "already_in_data": "already in the data",
    "contradicts_primary": "contradicts the primary publication",
    "no_effect_sizes_published": "no effect sizes published",
    "not_searched": "planned, not yet searched",
}

_OUTCOME_LABELS = {
    "added": "added to the data",
    "awaiting_verification": "lead awaiting verification",
    "excluded": "excluded",
    "not_found": "not found",
}
_SEARCHED_IN_LABELS = {"web_pages": "web pages", "drug_labels": "drug labels"}
_COLUMNS = ("search_id", "chapter", "question", "terms", "date", "searched_in", "outcome", "reason")


def _of_chapter(log: pd.DataFrame, chapter: str | None) -> pd.DataFrame:
    _check.columns(log, _COLUMNS, "the search log")
    if chapter is None:
        return log
    _check.choice(chapter, "chapter", CHAPTERS)
    return log[log["chapter"] == chapter]


def flow_counts(log: pd.DataFrame, chapter: str | None = None) -> pd.DataFrame:
    """Number of searches at each stage of the flow (:data:`STAGES`), for one chapter or all.

    Returns
    -------
    DataFrame
        Columns ``stage`` and ``searches``, one row per stage in flow order. A chapter with no
        searches in the log raises, because a flow of zeros would read as "nothing exists".
    """
    rows = _of_chapter(log, chapter)
    if rows.empty:
        raise ValueError(f"search log: no searches for chapter {chapter!r}")
    outcome = rows["outcome"].astype(str)
    return pd.DataFrame(
        {"stage": list(STAGES), "searches": [int(outcome.isin(kept).sum()) for kept in STAGES.values()]}
    )


def last_searched(log: pd.DataFrame, chapter: str | None = None) -> pd.Timestamp:
    """Date of the most recent search of a chapter (or of the whole log)."""
    rows = _of_chapter(log, chapter)
    if rows.empty:
        raise ValueError(f"search log: no searches for chapter {chapter!r}")
    return pd.Timestamp(pd.to_datetime(rows["date"]).max())


def reasons_not_added(log: pd.DataFrame, chapter: str | None = None) -> pd.DataFrame:
    """Why searches ended without data (excluded or not found), counted per reason in reader words."""
    rows = _of_chapter(log, chapter)
    ended = rows[rows["outcome"].isin(["excluded", "not_found"])]
    counts = ended["reason"].astype(str).map(REASON_LABELS).value_counts()
    return counts.rename_axis("reason").reset_index(name="searches")


#: The folder of the chapters' notebooks, whose first heading is each chapter's title.
CHAPTER_FOLDER = Path(__file__).resolve().parents[2] / "chapters"


def chapter_title(chapter: str, folder: Path = CHAPTER_FOLDER) -> str:
    """The title of a chapter: the level-1 heading of ``<folder>/<chapter>.ipynb``, its one home
    (the landing page, the table of contents and the data page all show that heading)."""
    path = Path(folder) / f"{chapter}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError(f"{path}: no level-1 heading ('# Title') in any markdown cell")


def chapter_summary(log: pd.DataFrame) -> pd.DataFrame:
    """One row per chapter in the log: searches run, added, awaiting verification, excluded, not
    found, and the date of the most recent search."""
    _check.columns(log, _COLUMNS, "the search log")
    rows = []
    for chapter in CHAPTERS:
        of_chapter = log[log["chapter"] == chapter]
        if of_chapter.empty:
            continue
        outcome = of_chapter["outcome"].astype(str)
        rows.append(
            {
                "Chapter": chapter_title(chapter),
                "Searches": len(of_chapter),
                "Added to the data": int((outcome == "added").sum()),
                "Awaiting verification": int((outcome == "awaiting_verification").sum()),
                "Excluded": int((outcome == "excluded").sum()),
                "Not found": int((outcome == "not_found").sum()),
                "Last searched": f"{last_searched(log, chapter):%Y-%m-%d}",
            }
        )
    return pd.DataFrame(rows)


def log_table(log: pd.DataFrame, chapter: str | None = None) -> pd.DataFrame:
    """The log as readers see it: date, question, terms, where searched, outcome and reason in
    words (the maintainers' working note is left out), newest first."""
    rows = _of_chapter(log, chapter).sort_values(["date", "search_id"], ascending=[False, True])
    reason = rows["reason"].astype("string").map(REASON_LABELS, na_action="ignore").fillna("")
    return pd.DataFrame(
        {
            "Date": pd.to_datetime(rows["date"]).dt.strftime("%Y-%m-%d"),
            "Question": rows["question"].astype(str),
            "Search terms": rows["terms"].astype(str),
            "Searched in": rows["searched_in"].astype(str).map(_SEARCHED_IN_LABELS),
            "Outcome": rows["outcome"].astype(str).map(_OUTCOME_LABELS),
            "Reason": reason,
        }
    ).reset_index(drop=True)
