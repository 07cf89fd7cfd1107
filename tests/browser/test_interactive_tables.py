"""Long tables for people, in headless Chromium: helpers.tables.to_html with _static/bclm-tables.js
and _static/bclm.css on a page of their own (no book build needed). Offline, at 1366 and 390 px:
markup from the data shows as text and never runs; a long table is paged (25 rows), sortable by a
click on its header and filterable, with every row still in the HTML; a phone never scrolls the
page sideways. With ``BCLM_SCREENSHOTS=1`` screenshots go to ``_build/screenshots/tables-*.png``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from bookpages import WIDTHS

from conftest import ROOT, save_screenshot
from helpers import tables

pytestmark = pytest.mark.browser

MARKUP = '<script>window.__injected = 1</script><img src=x onerror="window.__injected = 2"><b>x</b>'


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tables")
    for name in ("bclm.css", "bclm-tables.js"):
        shutil.copy(ROOT / "_static" / name, folder / name)
    rows = 60
    frame = pd.DataFrame(
        {
            "study": [f"Trial {i:02d}{MARKUP if i == 7 else ''}" for i in range(rows)],
            "HR (CI)": [f"{0.3 + (i * 37 % rows) / 100:.2f} (95% CI 0.1–1.9)" for i in range(rows)],
            "hr_lower": [0.1 + i / 1000.123456 for i in range(rows)],
            "population_detail": ["a long description of who was in this subgroup " * 2] * rows,
            "source": [tables.link(f"source {i}", f"https://doi.org/10.1/{i}") for i in range(rows)],
        }
    )
    body = tables.to_html(frame, caption="A long table").data
    import matplotlib

    matplotlib.use("Agg")
    from helpers import plotting

    plotting.use_house_style()
    study = pd.DataFrame({"hr": [0.7], "hr_lower": [0.5], "hr_upper": [0.9]}, index=["$x$ trial"])
    forest = plotting.forest_plot(study)
    forest.savefig(folder / "forest.svg", format="svg", bbox_inches="tight", **plotting.SAVEFIG_OPTIONS)
    figure = (
        '<div class="cell_output"><figure id="fig-x"><img alt="forest" src="forest.svg">'
        "<figcaption>Fig. 1 A forest plot.</figcaption></figure></div>"
    )
    (folder / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        '<link rel="stylesheet" href="bclm.css"><script defer src="bclm-tables.js"></script></head>'
        f"<body><main><p>Text before the table.</p>{body}{figure}</main></body></html>",
        encoding="utf-8",
    )
    return folder / "index.html"


def _open(browser, page_file: Path, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    return context, page, errors


def _visible_rows(page) -> int:
    return page.evaluate("document.querySelectorAll('table.bclm-interactive tbody tr:not([hidden])').length")


@pytest.mark.parametrize("width", WIDTHS)
def test_long_table_is_paged_sortable_filterable_and_data_never_runs(browser, page_file, width):
    context, page, errors = _open(browser, page_file, WIDTHS[width])
    try:
        save_screenshot(page, f"tables-{width}")
        assert errors == []
        assert page.evaluate("window.__injected === undefined"), "markup from the data ran"
        assert "<b>x</b>" in page.locator("table").inner_text()
        assert page.evaluate("document.querySelectorAll('table.bclm-interactive tbody tr').length") == 60
        assert _visible_rows(page) == 25
        headers = page.locator("table thead th").all_inner_texts()
        assert "HR lower limit" in headers[2] and "Population detail" in headers[3]
        # Numbers are rounded (at most four decimals).
        assert page.evaluate(r"""!/\d\.\d{5,}/.test(document.querySelector('table').innerText)""")
        page.locator("table thead th button").nth(1).click()
        first = page.locator("table tbody tr:not([hidden]) td").nth(1).inner_text()
        assert first.startswith("0.30")
        page.locator("table thead th button").nth(1).click()
        assert page.locator("table tbody tr:not([hidden]) td").nth(1).inner_text().startswith("0.89")
        page.locator(".bclm-table-controls input").fill("Trial 07")
        assert _visible_rows(page) == 1
        page.locator(".bclm-table-controls input").fill("")
        page.get_by_role("button", name="Next ›").click()
        assert _visible_rows(page) == 25
        page.get_by_role("button", name="Show all").click()
        assert _visible_rows(page) == 60
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
        save_screenshot(page, f"tables-{width}-all", full_page=False)
        # A figure: SVG at its natural size on a phone (scrolling in its own box), scaled to the
        # column on a desktop; never wider than the page.
        image = page.evaluate("""(() => { const i = document.querySelector('#fig-x img');
            return {shown: i.getBoundingClientRect().width, natural: i.naturalWidth}; })()""")
        assert image["natural"] > 0
        if width == "phone":
            assert image["shown"] == pytest.approx(image["natural"], abs=1)
        else:
            assert image["shown"] <= WIDTHS[width]
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_fit_width_table_of_prose_stays_in_the_column_on_a_desktop(browser, tmp_path, width):
    """``to_html(..., interactive=True, fit_width=True)``: a few columns of long prose wrap within
    the text column on a desktop (no sideways scrolling); on a phone the table scrolls in its box
    and the page does not."""
    for name in ("bclm.css", "bclm-tables.js"):
        shutil.copy(ROOT / "_static" / name, tmp_path / name)
    quote = "a verbatim quote that runs on for a while, as quotes in health news do, " * 4
    frame = pd.DataFrame({"verdict": ["✓ consistent"] * 3, "quote": [quote] * 3, "explanation": [quote * 2] * 3})
    body = tables.to_html(frame, caption="Claims", interactive=True, fit_width=True).data
    (tmp_path / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        '<link rel="stylesheet" href="bclm.css"><script defer src="bclm-tables.js"></script></head>'
        f'<body><main style="max-width: 46rem">{body}</main></body></html>',
        encoding="utf-8",
    )
    context, page, errors = _open(browser, tmp_path / "index.html", WIDTHS[width])
    try:
        assert errors == []
        assert _visible_rows(page) == 3
        over = page.evaluate(
            "(() => { const w = document.querySelector('.bclm-table-wrap'); return w.scrollWidth - w.clientWidth; })()"
        )
        if width == "desktop":
            assert over <= 1, f"the table scrolls sideways by {over} px on a desktop"
        page_over = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert page_over <= 0, f"the page scrolls sideways by {page_over} px"
    finally:
        context.close()
