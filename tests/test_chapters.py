"""House rules every chapter follows, checked on the committed notebooks and the book config."""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from conftest import ROOT

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def toc_files() -> list[str]:
    """Every page of the book: the root, each part's chapters and their sub-pages (``sections``)."""

    def pages(entries) -> list[str]:
        return [f for c in entries for f in [c["file"], *pages(c.get("sections", []))]]

    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        files += pages(part["chapters"])
    return files


CHAPTERS = [ROOT / f"{f}.ipynb" for f in toc_files() if (ROOT / f"{f}.ipynb").exists()]
# Reference pages (data tables, bibliography) are notebooks too but not lessons.
REFERENCE = {c["file"] for part in TOC.get("parts", []) if part["caption"] == "Reference" for c in part["chapters"]}
# A chapter's appendix (``<chapter>_appendix``: its evidence tables and appraisal detail) is a reference page too.
REFERENCE |= {f for f in toc_files() if f.endswith("_appendix")}
LESSONS = [p for p in CHAPTERS if p.relative_to(ROOT).with_suffix("").as_posix() not in REFERENCE]


def test_every_toc_entry_exists_and_every_chapter_is_in_the_toc():
    for entry in toc_files():
        assert (ROOT / f"{entry}.ipynb").exists() or (ROOT / f"{entry}.md").exists(), entry
    on_disk = {p.relative_to(ROOT).with_suffix("").as_posix() for p in (ROOT / "chapters").glob("*.ipynb")}
    assert on_disk <= set(toc_files())


def test_chapter_file_names_carry_no_ordering_numbers():
    """Order lives in _toc.yml: no '01_'-style prefixes or numbered parts (a digit inside a
    word, as in 'her2', is part of the name)."""
    for path in CHAPTERS:
        assert not re.search(r"(^|[_.\-])\d", path.stem), path.name


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_starts_with_h1_and_uses_python3(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert (
        sum(line.startswith("# ") for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()) == 1
    )


@pytest.mark.parametrize("path", sorted(ROOT.glob("*.md")), ids=lambda p: p.stem)
def test_every_markdown_page_in_the_book_has_the_disclaimer(path):
    if path.name in {"README.md", "CHANGELOG.md"}:
        return  # not pages of the book (excluded in _config.yml)
    assert "```{admonition} Educational material, not medical advice" in path.read_text()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_notebook_has_one_parameters_cell_and_the_disclaimer(path):
    nb = nbformat.read(path, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert sum("parameters" in t for t in tags) == 1
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "not medical advice" in text


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_has_objectives_summary_and_exercises(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Learning objectives" in text
    assert "## Summary" in text
    assert text.count("```{exercise}") >= 3
    assert text.count("{solution-start}") == text.count("```{exercise}")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_imports_live_in_one_cell(path):
    nb = nbformat.read(path, as_version=4)
    import_cells = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
        and re.search(r"^(import|from) \S+", c.source, re.M)
        and "P.check(globals()" not in c.source
    ]
    # The import cell, plus solution cells that import one extra tool on purpose (the parameter
    # check right after the parameters imports its rules and is checked in test_parameters.py).
    assert import_cells, "no import cell"
    first = import_cells[0]
    assert all(i == first or _in_solution(nb, i) for i in import_cells)


def _in_solution(nb, index: int) -> bool:
    before = "\n".join(c.source for c in nb.cells[:index] if c.cell_type == "markdown")
    return before.rfind("{solution-start}") > before.rfind("{solution-end}")


# Things in Markdown that may legitimately contain digits: roles, maths, code, directives.
_STRIP = [
    (r"```.*?```", " "),  # fenced blocks and directives
    (r"`{4}.*?`{4}", " "),
    (r"\{[a-z:-]+\}`[^`]*`", " "),  # roles: {glue:text}`key`, {cite}`x`, {numref}`y`
    (r"`[^`]*`", " "),  # inline code
    (r"\$\$.*?\$\$", " "),
    (r"\$[^$]*\$", " "),  # maths
    (r"\]\([^)]*\)", "]"),  # link targets
    (r"^\s*\d+\.\s", " "),  # ordered-list markers
]


def typed_numbers(markdown: str) -> list[str]:
    text = markdown
    for pattern, repl in _STRIP:
        text = re.sub(pattern, repl, text, flags=re.S | re.M)
    tokens = re.findall(r"[^\s]+", text)
    return [t for t in tokens if re.search(r"\d", t) and not re.search(r"[A-Za-z]", t)]


def test_typed_number_detector_finds_numbers_and_ignores_glue():
    assert typed_numbers("HR 0.69 (95% CI") == ["0.69", "(95%"]
    assert typed_numbers("HR {glue:text}`hr` in GBSG2 and HER2, see $e^{0.5}$") == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_typed_numbers_in_chapter_prose(path):
    nb = nbformat.read(path, as_version=4)
    found = {i: typed_numbers(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"}
    found = {i: n for i, n in found.items() if n}
    assert not found, f"numbers typed in prose (use glue): {found}"


def test_book_config_follows_the_house_rules():
    assert CONFIG["only_build_toc_files"] is True
    assert CONFIG["execute"]["execute_notebooks"] == "off"  # papermill executes; the book renders
    assert CONFIG["execute"]["allow_errors"] is False
    assert CONFIG["execute"]["stderr_output"] == "show"
    sphinx = CONFIG["sphinx"]["config"]
    assert sphinx["bibtex_reference_style"] == "author_year_etal"  # author-year with "et al." (_ext/bibstyle.py)
    assert sphinx["bibtex_default_style"] == "plain_etal"
    assert sphinx["intersphinx_mapping"] == {}
    # One disclaimer per page: each page's own box, no site-wide banner stacked above it.
    assert "announcement" not in CONFIG["html"]
    assert "references.bib" in CONFIG["bibtex_bibfiles"]
    for path in CONFIG["bibtex_bibfiles"]:
        assert (ROOT / path).is_file(), path


_MISSING_SHOWN = re.compile(r"(?<![\w-])(nan|NaN|<NA>|&lt;NA&gt;)(?![\w-])")


def test_missing_marker_detector_finds_pandas_missing_values_only():
    assert _MISSING_SHOWN.search("'nan vs nan <NA>'")
    assert _MISSING_SHOWN.search("<td>&lt;NA&gt;</td>")
    assert not _MISSING_SHOWN.search("financial, nano-particles, Nancy, not reported, –")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_glued_value_or_table_cell_shows_a_missing_marker(path):
    # A blank cell in data/ must read "not reported" or "–" in the book, never pandas' nan/<NA>.
    nb = nbformat.read(path, as_version=4)
    shown = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            texts = [("stream", output.get("text", ""))] if output.get("output_type") == "stream" else []
            texts += [(mime, value) for mime, value in output.get("data", {}).items() if not mime.startswith("image/")]
            for mime, value in texts:
                text = "".join(value) if isinstance(value, list) else str(value)
                shown += [
                    f"cell {index} ({mime}): …{text[max(0, m.start() - 60) : m.end() + 20]}…"
                    for m in _MISSING_SHOWN.finditer(text)
                ]
    assert not shown, "\n".join(shown)


def glossary_terms() -> list[str]:
    """The terms defined in glossary.md (a MyST glossary: each term is an unindented line)."""
    text = (ROOT / "glossary.md").read_text()
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    assert block, "glossary.md has no {glossary} block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith(" ")]


def test_every_glossary_term_is_linked_from_a_lesson():
    linked = set()
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for target in re.findall(r"\{term\}`([^`]*)`", cell.source):
                    explicit = re.search(r"<([^>]+)>$", target)
                    linked.add((explicit.group(1) if explicit else target).strip().lower())
    unlinked = [t for t in glossary_terms() if t.lower() not in linked]
    assert not unlinked, f"glossary terms no lesson links with {{term}}: {unlinked}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_committed_output_writes_to_stderr(path):
    # A warning in a committed output is printed in the book (and its temp path changes per run).
    nb = nbformat.read(path, as_version=4)
    errors = [
        f"cell {i}: {''.join(o.get('text', ''))[:200]}"
        for i, c in enumerate(nb.cells)
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    ]
    assert not errors, errors


#: Tags that keep a code cell's source off the page (shown on request, or not at all).
FOLDED = {"hide-input", "hide-cell", "remove-input", "remove-cell"}


@pytest.mark.parametrize("ref", sorted(r for r in REFERENCE if (ROOT / f"{r}.ipynb").exists()), ids=str)
def test_reference_pages_show_no_code(ref):
    """The code-display rule: a reference page (an appendix, the data, teaching and question pages)
    shows results, never plumbing; every code cell is folded or removed."""
    notebook = nbformat.read(ROOT / f"{ref}.ipynb", as_version=4)
    shown = [
        c.source[:60] for c in notebook.cells if c.cell_type == "code" and not FOLDED & set(c.metadata.get("tags", []))
    ]
    assert not shown, f"{ref}: code cells shown on a reference page (tag them hide-input or remove-cell): {shown}"
