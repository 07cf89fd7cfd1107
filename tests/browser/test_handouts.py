"""PDF handouts (helpers.handouts, `make handouts`): printed from the built book in headless Chromium.

Run after a build, like tests/browser/test_pages.py: CI sets ``BCLM_REQUIRE_BROWSER=1`` (and
installs Chromium and poppler-utils), so there nothing skips; elsewhere a missing Chromium or PDF
text reader skips with a message saying what to install. The PDF text is read with ``pdftotext``
(Debian ``poppler-utils``), or with pypdf when that is installed. ``BCLM_BOOK_HTML`` points the
test at another built book than ``_build/html`` (e.g. one built with ``--path-output``).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from bookpages import HTML
from bs4 import BeautifulSoup

from conftest import ROOT, require
from helpers import handouts, tables

pytestmark = pytest.mark.browser

HER2 = "chapters/her2_tkis"
#: The HER2 chapter's evidence tables moved to its appendix page (the chapter keeps the answer).
HER2_TABLES = "chapters/her2_tkis_appendix"
# The issue reported 39 pages for the HER2 chapter printed from the browser.
HER2_MAX_PAGES = 30
TOGGLE_LINE = re.compile(r"^\s*(Show|Hide) code cell (source|content|output)\s*$", re.MULTILINE)


def pdf_text(pdf: Path) -> str:
    """The PDF's text laid out in reading order, one printed line per text line."""
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
    require(
        importlib.util.find_spec("pypdf") is not None,
        "no PDF text reader: install Debian's `poppler-utils` (pdftotext) or the Python package pypdf",
        "BCLM_REQUIRE_BROWSER",
    )
    from pypdf import PdfReader

    return "\n".join(page.extract_text(extraction_mode="layout") for page in PdfReader(str(pdf)).pages)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML} has no built book: run `make strict-book` (or `make book`) first")
    try:
        handouts.find_chromium()
    except FileNotFoundError as error:
        require(False, str(error), "BCLM_REQUIRE_BROWSER")
    out = tmp_path_factory.mktemp("handouts")
    pages = [HER2, HER2_TABLES, "intro", "glossary"]
    return dict(zip(pages, handouts.print_pages(HTML, out, pages)))


#: The hazard-ratio column's header as the evidence table prints it.
HR_HEADER = tables.COLUMN_LABELS["HR (CI)"]


def evidence_table_headers() -> list[str]:
    """Column headers of the HER2 evidence table (the first table with an HR column of the appendix)."""
    soup = BeautifulSoup((HTML / f"{HER2_TABLES}.html").read_text(encoding="utf-8"), "html.parser")
    for table in soup.select("table.bclm-table"):
        headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        if HR_HEADER in headers:
            return headers
    raise AssertionError(f"{HER2_TABLES}.html has no table with an {HR_HEADER!r} column")


def test_her2_pdf_prints_every_column_of_the_evidence_table(printed):
    headers = evidence_table_headers()
    text = pdf_text(printed[HER2_TABLES])
    # The whole header row, left to right on one printed line: no column is cut off the page.
    # A header of several words may wrap inside its cell: its first words stand in the row.
    row = r"\s+".join(
        re.escape(h.split()[0]) + "".join(rf"(?:\s+{re.escape(w)})?" for w in h.split()[1:]) for h in headers
    )
    assert re.search(row, text), f"the evidence table's header row {headers} is not printed whole"
    # The table runs over several pages and its header row is printed again on each of them.
    assert len(re.findall(row, text)) >= 2, "the header row is not repeated on the table's next page"
    assert headers[-1] in text and "(CI)" in text  # the wrapped tail of the hazard-ratio header


def test_her2_pdf_has_no_code_toggle_bars_and_no_code(printed):
    text = pdf_text(printed[HER2])
    assert TOGGLE_LINE.findall(text) == []
    assert "Hide code" not in text
    assert "tables.to_html(" not in text and "import " not in text


def test_her2_pdf_page_count_is_well_below_the_browser_print(printed):
    pages = handouts.page_count(printed[HER2])
    assert 5 <= pages <= HER2_MAX_PAGES


def test_book_pdf_joins_the_pages_in_order(printed, tmp_path):
    require(
        importlib.util.find_spec("pypdf") is not None or shutil.which("pdfunite") is not None,
        "no PDF joiner: install Debian's `poppler-utils` (pdfunite) or the Python package pypdf",
        "BCLM_REQUIRE_BROWSER",
    )
    parts = [printed["intro"], printed["glossary"]]
    book = handouts.join_pdfs(parts, tmp_path / handouts.BOOK_PDF)
    assert handouts.page_count(book) == sum(handouts.page_count(p) for p in parts)
    text = pdf_text(book)
    intro_title = BeautifulSoup((HTML / "intro.html").read_text(encoding="utf-8"), "html.parser").h1
    glossary_title = BeautifulSoup((HTML / "glossary.html").read_text(encoding="utf-8"), "html.parser").h1
    first = text.find(intro_title.get_text(strip=True).rstrip("#"))
    second = text.find(glossary_title.get_text(strip=True).rstrip("#"))
    assert 0 <= first < second


def test_content_wider_than_the_page_is_refused_with_its_element_named(tmp_path):
    """A page whose table cannot be fitted to the paper is not printed cut off: the error names
    the page and the element (the oracle: a cell wider than the printable width)."""
    try:
        handouts.find_chromium()
    except FileNotFoundError as error:
        require(False, str(error), "BCLM_REQUIRE_BROWSER")
    wide = handouts.PRINT_WIDTH_PX + 200
    (tmp_path / "index.html").write_text("<html><body>book</body></html>", encoding="utf-8")
    (tmp_path / "wide.html").write_text(
        f'<html><body><div class="bd-content"><table id="too-wide"><tr><td><img alt="" '
        f'style="display:block;width:{wide}px;height:10px"></td></tr></table></div></body></html>',
        encoding="utf-8",
    )
    with pytest.raises(RuntimeError, match=r"wide: wider than the printed page \(\d+ px\), so cut off: table#too-wide"):
        handouts.print_pages(tmp_path, tmp_path / "out", ["wide"])


def test_missing_book_is_named_in_the_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"html=.*no built book.*make book"):
        handouts.print_pages(tmp_path / "nowhere", tmp_path / "out", [HER2])


def test_handout_names_follow_the_table_of_contents():
    pages = handouts.toc_pages()
    assert pages[0] == "intro" and HER2 in pages
    # A chapter's sub-pages (the _toc.yml sections) follow it, before the next chapter.
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    her2 = next(c for part in toc["parts"] for c in part["chapters"] if c.get("file") == HER2)
    sections = [s["file"] for s in her2["sections"]]
    assert HER2_TABLES in sections
    assert pages[pages.index(HER2) + 1 : pages.index(HER2) + 1 + len(sections)] == sections
    assert handouts.pdf_name(HER2) == "her2_tkis.pdf"


def test_missing_chromium_says_what_to_install(monkeypatch):
    monkeypatch.setattr(handouts.shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"install Debian's `chromium` package"):
        handouts.find_chromium("/nowhere/chromium")
