"""The package's layers, read from the import statements (AST), not from documentation.

- Method modules (the statistics) never import the presentation layer (formatting, tables,
  plotting, the chapter layer): helpers return numbers and keys, chapters choose the words.
- ``helpers.data`` (loading and validating ``data/``) imports no other helper.
- Chapters import only the chapter layer, plotting and tables (and lifelines where the lesson is
  lifelines itself): the statistics reach a chapter through ``helpers.chapter``.
"""

from __future__ import annotations

import ast
import json

import pytest

from conftest import ROOT

HELPERS = ROOT / "src" / "helpers"
CHAPTERS = ROOT / "chapters"

METHOD_MODULES = [
    "effects",
    "meta",
    "survival",
    "km",
    "observational",
    "benefit",
    "simulate",
    "reconstruct",
    "rounding",
    "reanalysis",
]
PRESENTATION = {"formatting", "tables", "plotting", "chapter"}
#: What a chapter may import from this project; anything else from the standard library and the
#: scientific stack is checked against CHAPTER_THIRD_PARTY.
#: The chapter layer is helpers.chapter plus the per-chapter views (helpers.views.<chapter>).
CHAPTER_HELPERS = {"chapter", "views", "plotting", "tables"}
#: Chapters whose lesson is lifelines itself may import it.
LIFELINES_LESSONS = {"survival_primer", "methods"}  # both fit a CoxPHFitter by hand to teach it


def imported_helpers(tree: ast.AST) -> set[str]:
    """Names of ``helpers`` modules imported anywhere in ``tree`` (also inside functions)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "helpers":
                    found.add(parts[1] if len(parts) > 1 else "")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            parts = module.split(".")
            if node.level == 0 and parts[0] == "helpers":
                if len(parts) > 1:
                    found.add(parts[1])
                else:  # from helpers import a, b
                    found.update(alias.name for alias in node.names)
            elif node.level > 0:  # relative import inside the package
                found.update([parts[0]] if module else [alias.name for alias in node.names])
    return found


def module_tree(name: str) -> ast.AST:
    return ast.parse((HELPERS / f"{name}.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", [m for m in METHOD_MODULES if (HELPERS / f"{m}.py").exists()])
def test_method_modules_never_import_the_presentation_layer(name):
    assert imported_helpers(module_tree(name)) & PRESENTATION == set()


def test_data_imports_no_other_helper():
    assert imported_helpers(module_tree("data")) == set()


def test_the_import_reader_sees_every_kind_of_import():
    tree = ast.parse(
        "import helpers.tables\nfrom helpers import plotting, km\nfrom helpers.chapter import x\n"
        "def f():\n    from helpers.formatting import format_number\n"
    )
    assert imported_helpers(tree) == {"tables", "plotting", "km", "chapter", "formatting"}


def chapter_imports(path) -> tuple[set[str], set[str]]:
    """(helpers modules, other top-level packages) imported by a notebook's code cells."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    helpers, others = set(), set()
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        tree = ast.parse("\n".join(lines))
        helpers |= imported_helpers(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                others |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                others.add(node.module.split(".")[0])
    return helpers, others - {"helpers"}


@pytest.mark.parametrize("path", sorted(CHAPTERS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_chapters_import_only_the_chapter_layer_plotting_and_tables(path):
    helpers, others = chapter_imports(path)
    assert helpers <= CHAPTER_HELPERS, sorted(helpers - CHAPTER_HELPERS)
    if path.stem not in LIFELINES_LESSONS:
        assert "lifelines" not in others
