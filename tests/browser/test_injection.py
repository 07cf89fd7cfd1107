"""Markup placed in the data never executes and never renders as markup on a page.

A copy of ``data/`` gets a payload appended to every free-text cell (a ``<script>``, an
``<img onerror>``, Markdown emphasis and a ``javascript:`` link, maths delimiters); the chapters
that render those columns are executed against the copy (``BCLM_DATA_DIR``), the pages are
built with Jupyter Book, and headless Chromium checks that nothing ran (``window.__pwned`` stays
undefined), that no element came from the payload (``<img src=x>``, a ``javascript:`` link,
typeset maths) and that the payload's text shows literally.

Cost and scope. Executing a chapter takes 25-50 s on two cores and the data text reaches
almost every page, so executing and building all of them (about six minutes) is too slow for
``make test``. The test covers the five pages that together render every kind of data text
through every path to a page (about three minutes, two kernels at a time, one build):

- ``data_sources``: sources (citation, title), study names and short names, arm labels and the
  search log, in HTML tables (:func:`helpers.tables.to_html`);
- ``liver``: drug, liver and context facts (values, scopes, quotes, labels) in tables;
- ``claims_audit_appendix``: every claim's quote, trace and explanation, in one table per article;
- ``claims_audit``: claims (quotes, explanations) in tables, and study names, populations and
  citations glued into the prose (``{glue:text}``);
- ``local_therapies``: risk-of-bias reasons, populations, notes and an estimate's quote, on a
  page that loads MathJax (so ``\\(w\\)`` and ``$$v$$`` from data must stay text) and draws
  figures labelled with study names (a ``$`` must not reach matplotlib's maths parser).

Every free-text column is injected; a cell the validator would then reject (a value that must
appear in its quote, a quote over the length limit) keeps its original text, and columns the
chapters read as keys or parse for numbers (:data:`NOT_FREE_TEXT`) are left alone.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bookpages import TYPESET

from conftest import DATA, ROOT
from helpers import notebooks
from helpers.data import load_descriptor, validate_data

pytestmark = pytest.mark.browser

PAGES = ("data_sources", "liver", "claims_audit", "claims_audit_appendix", "local_therapies")
MARK = "window.__pwned=1"
PAYLOAD = f'<script>{MARK}</script><img src=x onerror="{MARK}"> *x* __y__ `c` $z$ \\(w\\) $$v$$ [l](javascript:{MARK})'
#: String columns that are not free text although the schema gives them no vocabulary.
NOT_FREE_TEXT = {
    "population_detail": "the chapters select estimates by it (e.g. 'sirt studies recist')",
    "claimed_value": "the claims audit reads the numbers a claim states from it",
    "recomputed_value": "written by helpers.claims, compared with its output",
}
#: Files the build needs besides the chapters and the data.
BOOK_FILES = ("_config.yml", "_ext", "_static", "bib", "references.bib", "intro.md", "glossary.md", "bibliography.md")


def free_text_columns(descriptor: dict) -> dict[str, list[str]]:
    """Per CSV file: the string columns without vocabulary or pattern that are no key."""
    columns = {}
    for resource in descriptor["resources"]:
        if resource["name"].startswith("reconstructed"):
            continue  # times, 0/1 and arm labels of patient-level rows: no free text
        schema = resource["schema"]
        keys = set(schema.get("primaryKey") or []) | {fk["fields"][0] for fk in schema.get("foreignKeys", [])}
        names = [
            f["name"]
            for f in schema["fields"]
            if f["type"] == "string"
            and not {"enum", "pattern", "unique"} & set(f.get("constraints", {}))
            and f["name"] not in keys | set(NOT_FREE_TEXT)
            and (f["name"] == "registry_id" or not f["name"].endswith(("_id", "_ids")))
        ]
        paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        columns.update(dict.fromkeys(paths, names))
    return columns


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def inject(data_dir: Path) -> int:
    """Append the payload to every non-empty free-text cell of ``data_dir``; cells the validator
    then rejects get their original text back. Returns the number of cells that carry it."""
    original = {part: _read(data_dir / part) for part in free_text_columns(load_descriptor(data_dir))}
    for part, columns in free_text_columns(load_descriptor(data_dir)).items():
        rows = [list(row) for row in original[part]]
        for i in (rows[0].index(c) for c in columns):
            for row in rows[1:]:
                row[i] = f"{row[i]} {PAYLOAD}" if row[i] else ""
        _write(data_dir / part, rows)
    for _ in range(3):
        errors = validate_data(data_dir)
        if not errors:
            break
        for error in errors:
            part = error.file.removeprefix("data/")
            assert part in original and error.line and error.column, f"not a cell of an injected column: {error}"
            rows = _read(data_dir / part)
            i = rows[0].index(error.column)
            rows[error.line - 1][i] = original[part][error.line - 1][i]
            _write(data_dir / part, rows)
    assert validate_data(data_dir) == []
    return sum(cell.endswith(PAYLOAD) for part in original for row in _read(data_dir / part) for cell in row)


@pytest.fixture(scope="module")
def injected_book(tmp_path_factory) -> Path:
    """The :data:`PAGES` executed on the injected data and built: the folder of the HTML."""
    root = tmp_path_factory.mktemp("injected") / "book"
    (root / "chapters").mkdir(parents=True)
    for name in BOOK_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.is_file():
            shutil.copy(source, root / name)
    shutil.copytree(DATA, root / "data")
    assert inject(root / "data") > 500
    for page in PAGES:
        shutil.copy(ROOT / "chapters" / f"{page}.ipynb", root / "chapters")
    toc = "format: jb-book\nroot: intro\nchapters:\n" + "".join(f"  - file: chapters/{p}\n" for p in PAGES)
    (root / "_toc.yml").write_text(toc + "  - file: glossary\n  - file: bibliography\n", encoding="utf-8")
    saved = os.environ.get("BCLM_DATA_DIR")
    os.environ["BCLM_DATA_DIR"] = str(root / "data")  # the kernels read the injected copy
    try:
        failures = notebooks.execute(root, [root / "chapters" / f"{p}.ipynb" for p in PAGES], jobs=2)
    finally:
        if saved is None:
            os.environ.pop("BCLM_DATA_DIR")
        else:
            os.environ["BCLM_DATA_DIR"] = saved
    assert failures == [], f"a chapter failed on data that carries markup: {failures}"
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    build = subprocess.run(
        [str(jupyter_book), "build", str(root), "--path-output", str(root)], capture_output=True, text=True
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return root / "_build" / "html"


@pytest.mark.parametrize("page", PAGES)
def test_markup_from_data_shows_as_text_and_never_runs(injected_book, chromium, page):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    tab.route("http*://**", lambda route: route.abort())  # offline, as the book must work
    tab.goto((injected_book / "chapters" / f"{page}.html").as_uri())  # returns at the load event
    tab.evaluate(TYPESET)  # MathJax has typeset whatever it would typeset
    try:
        assert tab.evaluate("typeof window.__pwned") == "undefined"
        assert tab.evaluate('document.querySelectorAll(\'img[src="x"], a[href^="javascript"]\').length') == 0
        typeset = "[...document.querySelectorAll('mjx-container')].filter(e => e.closest('.bclm-table, .pasted-text'))"
        assert tab.evaluate(f"{typeset}.length") == 0
        shown = tab.evaluate("document.body.innerText").count(PAYLOAD)
        assert shown >= 5, f"the payload shows literally {shown} times on {page}"
    finally:
        context.close()


def test_data_glued_into_the_prose_is_escaped_text(injected_book):
    # the claims audit glues a study name, populations and citations into its Markdown
    page = (injected_book / "chapters" / "claims_audit.html").read_text(encoding="utf-8")
    pasted = re.findall(r'<span class="pasted-text">([^<]*)</span>', page)
    assert sum("&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text for text in pasted) >= 3
