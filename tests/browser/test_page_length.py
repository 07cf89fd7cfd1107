"""Pages of a readable length (issue 17): every page of the built book, opened in headless
Chromium at 1366 px, is at most 25,000 px tall, and no table on it is taller than 3,000 px; no
table scrolls sideways unless it is interactive (its header row stays in view while it scrolls);
and no number in the page's text or tables has more than four decimals.

A chapter gives the answer and the discussion; reference-grade detail (full evidence tables,
risk of bias per trial, data-cut and sensitivity tables) lives on the chapter's appendix page,
linked from the chapter. A long table is interactive (``_static/bclm-tables.js`` shows pages of
25 rows), so its height is that of the page shown; a table in a scrolling output box counts with
the box's height, which is what a reader sees.

Pages that do not meet the limits yet are listed, each with its reason, in
:data:`KNOWN_EXCEPTIONS`: an exception is still measured, and the test fails when a listed page
meets the limits (so that the list only ever shrinks).

This module holds the rules (limits, exceptions, what is measured: :data:`MEASURE`) and their own
tests; the checks of each built page run in test_pages.py, on the page it opens once at 1366 px
for every check of that width (``BCLM_BOOK_HTML`` points them at another built book).
"""

from __future__ import annotations

import re

import pytest
from bookpages import WIDTHS, toc_pages

pytestmark = pytest.mark.browser

WIDTH = WIDTHS["desktop"]
MAX_PAGE_PX = 25_000
MAX_TABLE_PX = 3_000

#: Pages over a limit at 1366 px, with the reason and the owner's next step. Every page meets the
#: limits now: a new entry needs a reason and should not stay.
KNOWN_EXCEPTIONS: dict[str, str] = {}

#: Pages with a table that scrolls sideways at 1366 px without a fixed header row, with the
#: owner's next step (interactive: ``helpers.tables.to_html(..., interactive=True)``, or fewer or
#: narrower columns). Measured like :data:`KNOWN_EXCEPTIONS`: a listed page that complies fails.
WIDE_TABLE_EXCEPTIONS: dict[str, str] = {}

#: Pages whose text or tables show a number with more than four decimals, with the owner's next step.
DECIMAL_EXCEPTIONS: dict[str, str] = {}

#: A number with more than four decimals, not part of a longer token (a DOI such as
#: "10.1136/bmj.39489.470347.AD", a version, a file name).
LONG_DECIMAL = re.compile(r"(?<![\w./-])\d+\.\d{5,}(?![\w/]|\.\w)")

MEASURE = """(() => {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const shown = table => {  // the height a reader sees: clipped by a scrolling box around the table
    let height = table.getBoundingClientRect().height;
    for (let e = table.parentElement; e && e.tagName !== 'MAIN'; e = e.parentElement) {
      const overflow = getComputedStyle(e).overflowY;
      if (overflow !== 'visible' && e.clientHeight > 0) height = Math.min(height, e.clientHeight);
    }
    return Math.round(height);
  };
  const tables = Array.from(document.querySelectorAll('main table')).filter(visible).map(t => ({
    id: (t.closest('figure[id], [id^="tbl-"]') || {}).id || '',
    caption: ((t.closest('figure') || t).querySelector('figcaption, caption') || {innerText: ''})
      .innerText.slice(0, 80),
    height: shown(t)}));
  // A table scrolls sideways when a box around it (inside main) scrolls, or when it sticks out of main.
  const mainBox = document.querySelector('main').getBoundingClientRect();
  const wide = Array.from(document.querySelectorAll('main table')).filter(visible).map(t => {
    let over = Math.round(t.getBoundingClientRect().right - mainBox.right);
    for (let e = t.parentElement; e && e.tagName !== 'MAIN'; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== 'visible') { over = Math.max(over, e.scrollWidth - e.clientWidth); break; }
    }
    return {id: (t.closest('figure[id], [id^="tbl-"]') || {}).id || '',
            caption: ((t.closest('figure') || t).querySelector('figcaption, caption') || {innerText: ''})
              .innerText.slice(0, 80),
            over, interactive: t.classList.contains('bclm-interactive')};
  }).filter(t => t.over > 1);
  // What a reader can read: the page without its code (cell inputs, scripts); every row of a paged
  // table and the text of folded solutions count.
  const text = document.querySelector('main').cloneNode(true);
  text.querySelectorAll('.cell_input, script, style, .headerlink').forEach(e => e.remove());
  return {height: document.documentElement.scrollHeight, tables, wide, text: text.textContent};
})()"""


def problems(height: int, tables: list[dict]) -> list[str]:
    out = []
    if height > MAX_PAGE_PX:
        out.append(f"page is {height:,} px tall at {WIDTH} px (limit {MAX_PAGE_PX:,})")
    out += [
        f"table {t['id'] or '(no id)'} ({t['caption']!r}) is {t['height']:,} px tall (limit {MAX_TABLE_PX:,})"
        for t in tables
        if t["height"] > MAX_TABLE_PX
    ]
    return out


def test_known_exceptions_are_pages_of_the_book():
    assert set(KNOWN_EXCEPTIONS) <= set(toc_pages()), set(KNOWN_EXCEPTIONS) - set(toc_pages())


def sideways(wide: list[dict]) -> list[str]:
    """The tables that scroll sideways without being interactive (a fixed header row)."""
    return [
        f"table {t['id'] or '(no id)'} ({t['caption']!r}) scrolls sideways by {t['over']:,} px at {WIDTH} px "
        "and is not interactive"
        for t in wide
        if not t["interactive"]
    ]


def long_decimals(text: str) -> list[str]:
    """The numbers in ``text`` with more than four decimals (:data:`LONG_DECIMAL`), each once."""
    return sorted(set(LONG_DECIMAL.findall(text)))


def check_against(exceptions: dict[str, str], page_path: str, found: list[str]) -> None:
    """Pass when ``found`` is empty; for a page listed in ``exceptions``, pass only while it is not."""
    if page_path in exceptions:
        assert found, f"{page_path} now meets the rule: remove it from the exceptions"
        return
    assert not found, f"{page_path}: " + "; ".join(found)


def test_check_against_fails_a_problem_and_a_listed_page_that_complies():
    check_against({}, "a.html", [])
    check_against({"a.html": "why"}, "a.html", ["a problem"])
    with pytest.raises(AssertionError, match="a.html: too tall"):
        check_against({}, "a.html", ["too tall"])
    with pytest.raises(AssertionError, match="remove it from the exceptions"):
        check_against({"a.html": "why"}, "a.html", [])


def test_the_other_exceptions_are_pages_of_the_book():
    pages = set(toc_pages())
    assert set(WIDE_TABLE_EXCEPTIONS) <= pages and set(DECIMAL_EXCEPTIONS) <= pages


def test_sideways_names_only_tables_without_a_fixed_header():
    wide = [
        {"id": "tbl-a", "caption": "Every estimate", "over": 120, "interactive": True},
        {"id": "", "caption": "", "over": 40, "interactive": False},
    ]
    assert sideways(wide) == ["table (no id) ('') scrolls sideways by 40 px at 1366 px and is not interactive"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("shares of 3.97018395859337% and 9.6162%", ["3.97018395859337"]),
        ("p recomputed is 0.000919.", ["0.000919"]),
        ("doi:10.1136/bmj.39489.470347.AD, DOI 10.21105/joss.01234, Python 3.11.7, HR 0.6612", []),
    ],
)
def test_long_decimals_finds_numbers_not_dois(text, found):
    assert long_decimals(text) == found


def test_problems_name_the_page_height_and_each_tall_table():
    tall = {"id": "tbl-x", "caption": "Every estimate", "height": 3001}
    assert problems(25_000, [{**tall, "height": 3000}]) == []
    assert problems(25_001, [tall]) == [
        "page is 25,001 px tall at 1366 px (limit 25,000)",
        "table tbl-x ('Every estimate') is 3,001 px tall (limit 3,000)",
    ]


#: The therapy chapters (and the liver chapter): each opens with its key points for patients with
#: liver metastases, which must be in view within the first screens of the page.
KEY_POINT_PAGES = [
    "chapters/liver.html",
    "chapters/her2_tkis.html",
    "chapters/hr_positive_targeted.html",
    "chapters/emerging_therapies.html",
    "chapters/local_therapies.html",
]
KEY_POINTS_WITHIN_PX = 1_500


def test_key_point_pages_are_pages_of_the_book():
    assert set(KEY_POINT_PAGES) <= set(toc_pages()), set(KEY_POINT_PAGES) - set(toc_pages())


KEY_POINTS_TOP = """(() => {
  const box = Array.from(document.querySelectorAll('main .admonition')).find(a =>
    /Key points for patients with liver metastases/.test(a.querySelector('.admonition-title')?.textContent || ''));
  return box ? Math.round(box.getBoundingClientRect().top + window.scrollY) : null;
})()"""
