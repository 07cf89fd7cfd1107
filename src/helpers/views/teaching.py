"""The teaching page's lists: every chapter's exercises and parameters, read from the chapters.

The chapters are the single source: an exercise or parameter added to a chapter appears here
without editing the teaching page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import nbformat
import pandas as pd

_EXERCISE = re.compile(r"```\{exercise\}[^\n]*\n:label: (\S+)\n\n(.*?)\n```", flags=re.S)
_GLUE = re.compile(r"\{glue(?::\w+)?\}`[^`]*`")
_ROLE = re.compile(r"\{\w+(?::\w+)?\}`([^`<]*?)\s*(?:<[^`]*>)?`")
_PARAMETER = re.compile(r"^(\w+)\s*=\s*(.+?)\s*(?:#\s*(.*))?$")


def _notebook(folder: Path, name: str):
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"chapter {name!r}: no notebook {path}")
    return nbformat.read(path, as_version=4)


def plain_text(markdown: str) -> str:
    """A MyST passage as plain text: glued values become "(value)" (they are in the chapter),
    other roles keep their text, inline maths and emphasis marks are dropped, spaces collapsed."""
    text = _GLUE.sub("(value)", markdown)
    text = _ROLE.sub(r"\1", text)
    text = re.sub(r"\$([^$]*)\$", r"\1", text)
    text = re.sub(r"(\*\*|\*|`)", "", text)
    return " ".join(text.split())


def exercises(chapters: Sequence[str], folder: str | Path = ".") -> pd.DataFrame:
    """One row per exercise of each chapter: chapter, exercise label, and the whole task as plain text."""
    folder = Path(folder)
    rows = []
    for name in chapters:
        text = "\n".join(c.source for c in _notebook(folder, name).cells if c.cell_type == "markdown")
        rows += [
            {"chapter": name.replace("_", " "), "exercise": label.replace("-", " "), "task": plain_text(body)}
            for label, body in _EXERCISE.findall(text)
        ]
    return pd.DataFrame(rows, columns=["chapter", "exercise", "task"])


def parameters(chapters: Sequence[str], folder: str | Path = ".") -> pd.DataFrame:
    """One row per parameter of each chapter (read from its parameters cell): default and meaning."""
    folder = Path(folder)
    rows = []
    for name in chapters:
        cell = next(c for c in _notebook(folder, name).cells if "parameters" in c.metadata.get("tags", []))
        for line in cell.source.splitlines():
            match = _PARAMETER.match(line)
            if match:
                rows.append(
                    {
                        "chapter": name.replace("_", " "),
                        "parameter": match.group(1),
                        "default": match.group(2),
                        "meaning": match.group(3) or "",
                    }
                )
    return pd.DataFrame(rows, columns=["chapter", "parameter", "default", "meaning"])
