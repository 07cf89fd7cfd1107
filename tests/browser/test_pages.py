"""The built book as a reader sees it: every page opened in headless Chromium, offline, at a
laptop's width (1366 px) and a phone's (390 px).

Each page is opened once per width (the fixtures :func:`desktop` and :func:`phone`, one page at a
time) and every check of that width reads the same open page: it renders with working images,
links, maths and glue, without errors or network requests, with readable contrast; it is of a
readable length with tables that fit or keep their header in view and no over-long decimals
(the rules and their exceptions are in test_page_length.py); a therapy chapter's key points come
first; at phone width nothing scrolls sideways and the evidence tables stay readable.

Run after a build (``make browser-test`` follows ``make strict-book`` in ``make test``). CI
installs Debian's ``chromium`` and sets ``BCLM_REQUIRE_BROWSER=1``, so there the test cannot
skip; on a machine without Chromium it skips with a message saying what to install.
With ``BCLM_SCREENSHOTS=1`` (``make screenshots``) full-page screenshots at desktop and phone
widths are written to ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from bookpages import HTML, PAGES, WIDTHS, OpenPage, open_page
from test_page_length import (
    DECIMAL_EXCEPTIONS,
    KEY_POINT_PAGES,
    KEY_POINTS_TOP,
    KEY_POINTS_WITHIN_PX,
    KNOWN_EXCEPTIONS,
    MEASURE,
    WIDE_TABLE_EXCEPTIONS,
    check_against,
    long_decimals,
    problems,
    sideways,
)

from conftest import ROOT, save_screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(chromium):
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML} has no built book: run `make strict-book` (or `make book`) first")
    return chromium


def _opened(browser, page_path: str, width: int):
    context, page, log = open_page(browser, page_path, width)
    try:
        yield OpenPage(page_path, page, log)
    finally:
        context.close()


# Module-scoped and parametrised by page: pytest runs every test of one page together, then
# closes it and opens the next, so each page is opened once per width.
@pytest.fixture(scope="module", params=PAGES)
def desktop(request, browser):
    """The page ``request.param`` open at 1366 px."""
    yield from _opened(browser, request.param, WIDTHS["desktop"])


@pytest.fixture(scope="module", params=PAGES)
def phone(request, browser):
    """The page ``request.param`` open at 390 px."""
    yield from _opened(browser, request.param, WIDTHS["phone"])


# WCAG 2.1 contrast (success criterion 1.4.3, level AA): 4.5:1 for body text, 3:1 for large text
# (at least 24 px, or 18.66 px bold). The background is the first opaque one among the element's
# ancestors, with semi-transparent layers blended over it. Text over images is not measured.
CONTRAST_SCRIPT = r"""(() => {
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const v = m[1].split(',').map(Number); return {r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1}; };
  const blend = (top, bottom) => ({r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
                                   b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== 'none') return null;
      const c = parse(s.backgroundColor); if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
    let bg = {r: 255, g: 255, b: 255, a: 1}; for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg); return bg; };
  const failures = []; const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim(); const el = node.parentElement;
    if (!text || !el || seen.has(el)) continue; seen.add(el);
    const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || s.display === 'none') continue;
    if (el.closest('svg, mjx-container, .visually-hidden, .sr-only, [aria-hidden="true"]')) continue;
    let opacity = 1; for (let e = el; e; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity);
    if (opacity === 0) continue;
    const bg = background(el); const fg = parse(s.color); if (!bg || !fg) continue;
    fg.a *= opacity;  // faded text is lighter text
    const color = blend(fg, bg); const [l1, l2] = [lum(color), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05); const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && parseInt(s.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5) - 1e-9)
      failures.push({text: text.slice(0, 40), ratio: Math.round(ratio * 100) / 100, color: s.color,
                     tag: el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '')});
  }
  return failures; })()"""


PHONE_TABLE_SCRIPT = """Array.from(document.querySelectorAll('.bclm-table-wrap')).map((wrap, index) => {
  const cell = wrap.querySelector('tbody td, tbody th'); const caption = wrap.querySelector('caption');
  if (!cell) return {index, font_px: 0, first_after_scroll: 0, caption_right: null, caption_left: null};
  const before = cell.getBoundingClientRect().left; wrap.scrollLeft = wrap.scrollWidth;
  const shifted = cell.getBoundingClientRect().left - before;
  const box = caption ? caption.getBoundingClientRect() : null; wrap.scrollLeft = 0;
  return {index, font_px: parseFloat(getComputedStyle(cell).fontSize), first_after_scroll: Math.round(shifted),
          caption_left: box ? Math.round(box.left) : null, caption_right: box ? Math.round(box.right) : null}; })"""


@functools.cache  # the built pages do not change while the tests run
def _ids_in(path: Path) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))


def test_page_renders_offline_with_working_images_links_maths_and_glue(desktop: OpenPage):
    page_path, page, log = desktop.path, desktop.page, desktop.log
    main = page.locator("main").inner_text()
    assert page.title() and len(main) > 200, "page did not render"
    assert log["page_errors"] == [], log["page_errors"]
    assert log["console_errors"] == [], log["console_errors"]
    assert log["remote"] == [], f"page requested the network: {log['remote']}"
    images = page.evaluate("""Array.from(document.querySelectorAll('main img')).map(i => (
        {src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0, alt: (i.alt || '').trim()}))""")
    assert all(i["ok"] for i in images), [i["src"] for i in images if not i["ok"]]
    assert all(i["alt"] for i in images), f"images without alt text: {[i['src'] for i in images if not i['alt']]}"
    prose = page.evaluate("""(() => { const m = document.querySelector('main').cloneNode(true);
        m.querySelectorAll('pre, code').forEach(e => e.remove()); return m.innerText; })()""")
    assert "{glue" not in prose and "glue key" not in prose.lower(), "unresolved glue in the page"
    if page.locator("main .math").count():
        assert page.locator("main mjx-container").count() > 0, "maths not typeset (MathJax missing?)"
    links = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
    here = HTML / page_path
    broken = []
    for href in links:
        parsed = urlparse(href)
        if parsed.scheme in ("http", "https", "mailto") or href.startswith("javascript:"):
            continue
        target = here if not parsed.path else (here.parent / unquote(parsed.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            broken.append(href)
        elif parsed.fragment and target.suffix == ".html" and parsed.fragment not in _ids_in(target):
            broken.append(href)
    assert broken == [], f"internal links that do not resolve: {broken}"
    # The download button offers the page's source: the notebook, or the Markdown file.
    stem = page_path[: -len(".html")]
    source = next(f"{stem}{suffix}" for suffix in (".ipynb", ".md") if (ROOT / f"{stem}{suffix}").exists())
    downloads = [unquote(urlparse(h).path) for h in links if "_sources/" in h]
    assert any(d.endswith(f"_sources/{source}") for d in downloads), f"no download link to {source}: {downloads}"
    citations = page.evaluate("""Array.from(document.querySelectorAll(
        'main .bibtex-citation, main div.citation, main dd, main .citation')).map(e => e.innerText)""")
    assert not [c for c in citations if " and others" in c], "a citation prints 'and others', not 'et al.'"
    low_contrast = page.evaluate(CONTRAST_SCRIPT)
    assert low_contrast == [], f"text below WCAG AA contrast: {low_contrast[:10]}"
    save_screenshot(page, f"{page_path.replace('/', '__')[:-5]}__desktop")


def test_page_is_readable_at_phone_width(phone: OpenPage):
    page_path, page = phone.path, phone.page
    # Wide tables and code scroll inside their own boxes; the page itself must not.
    # One disclaimer per page: the page's own box, and no site-wide banner stacked above it.
    assert page.locator("text=/not medical advice/i").count() >= 1, f"{page_path}: no disclaimer"
    assert page.locator(".bd-header-announcement:visible").count() == 0, f"{page_path}: a second disclaimer banner"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 2, f"page scrolls sideways by {overflow}px at {WIDTHS['phone']}px"
    # Evidence tables: small type; scrolled sideways to their last column, the first column
    # (the study) is still in view, and so is the caption (measured while scrolled).
    tables = page.evaluate(PHONE_TABLE_SCRIPT)
    unreadable = [
        t
        for t in tables
        if t["font_px"] > 14
        or not -1 <= t["first_after_scroll"] <= 2
        or (t["caption_right"] is not None and not (0 <= t["caption_left"] and t["caption_right"] <= WIDTHS["phone"]))
    ]
    assert unreadable == [], f"tables hard to read at phone width: {unreadable[:5]}"
    save_screenshot(page, f"{page_path.replace('/', '__')[:-5]}__phone")


def test_page_and_its_tables_are_of_a_readable_length(desktop: OpenPage):
    found = desktop.evaluate_once(MEASURE)
    check_against(KNOWN_EXCEPTIONS, desktop.path, problems(found["height"], found["tables"]))


def test_no_table_scrolls_sideways_unless_it_keeps_its_header_in_view(desktop: OpenPage):
    check_against(WIDE_TABLE_EXCEPTIONS, desktop.path, sideways(desktop.evaluate_once(MEASURE)["wide"]))


def test_no_number_shows_more_than_four_decimals(desktop: OpenPage):
    found = long_decimals(desktop.evaluate_once(MEASURE)["text"])
    check_against(
        DECIMAL_EXCEPTIONS, desktop.path, [f"numbers with more than four decimals: {found[:8]}"] if found else []
    )


@pytest.mark.parametrize("desktop", KEY_POINT_PAGES, indirect=True)
def test_key_points_box_starts_within_the_first_1500_px(desktop: OpenPage):
    top = desktop.page.evaluate(KEY_POINTS_TOP)
    assert top is not None, f"{desktop.path}: no 'Key points for patients with liver metastases' box"
    assert top <= KEY_POINTS_WITHIN_PX, (
        f"{desktop.path}: the key points start at {top} px (limit {KEY_POINTS_WITHIN_PX})"
    )


def test_search_works_offline(browser):
    context = browser.new_context()
    page = context.new_page()
    page.route(re.compile(r"^https?://"), lambda route: route.abort())
    page.goto((HTML / "search.html").as_uri() + "?q=hazard")
    page.wait_for_selector("#search-results ul li, .search li", timeout=10000)
    results = page.locator("#search-results li, .search li").count()
    context.close()
    assert results > 0, "search returned nothing for 'hazard'"


@pytest.mark.parametrize("width", [WIDTHS["phone"], 800])
def test_menu_and_contents_buttons_open_their_drawers_on_narrow_screens(browser, width):
    context, page, log = open_page(browser, "chapters/her2_tkis.html", width)
    try:
        page.click("button.sidebar-toggle.primary-toggle:visible")
        page.wait_for_timeout(300)
        assert page.evaluate("document.querySelector('#pst-primary-sidebar-modal').open"), "☰ did not open the menu"
        assert page.locator("#pst-primary-sidebar-modal a[href*='hr_positive_targeted']").first.is_visible()
        page.keyboard.press("Escape")
        page.wait_for_timeout(200)
        page.click("button.sidebar-toggle.secondary-toggle:visible")
        page.wait_for_timeout(300)
        assert page.evaluate("document.querySelector('#pst-secondary-sidebar-modal').open"), (
            "☷ did not open the contents"
        )
        assert log["page_errors"] == []
    finally:
        context.close()


def test_menu_button_hides_and_shows_the_sidebar_on_wide_screens(browser):
    context, page, _ = open_page(browser, "chapters/her2_tkis.html", WIDTHS["desktop"])
    try:
        hidden = "document.querySelector('#pst-primary-sidebar').classList.contains('pst-sidebar-hidden')"
        assert not page.evaluate(hidden)
        page.click("button.sidebar-toggle.primary-toggle:visible")
        page.wait_for_timeout(200)
        assert page.evaluate(hidden)
        page.click("button.sidebar-toggle.primary-toggle:visible")
        page.wait_for_timeout(200)
        assert not page.evaluate(hidden)
    finally:
        context.close()
