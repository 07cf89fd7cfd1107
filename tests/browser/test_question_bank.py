"""The question bank and the figure downloads in the built book, in headless Chromium, offline.

A reader answers a question of chapters/question_bank.html (_static/bclm-quiz.js) and reads the
feedback; without JavaScript the answer is in a <details> reveal. Every labelled figure links to
its SVG and 300-dpi PNG (_ext/figuredownloads.py). ``BCLM_BOOK_HTML`` points the tests at
another built book than ``_build/html``.
"""

from __future__ import annotations

import re

import pytest
from bookpages import HTML, WIDTHS

from conftest import DATA
from helpers import quiz

pytestmark = pytest.mark.browser

PAGE = HTML / "chapters" / "question_bank.html"


@pytest.fixture(scope="module")
def browser(chromium):
    if not PAGE.exists():
        pytest.fail(f"{PAGE} is not built: run `make strict-book` (or `make book`) first")
    return chromium


def _open(browser, javascript: bool = True, width: int = WIDTHS["desktop"]):
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    remote = []
    page.route(re.compile(r"^https?://"), lambda route: (remote.append(route.request.url), route.abort()))
    page.goto(PAGE.as_uri())
    page.wait_for_load_state("load")
    return context, page, remote


def _first_question():
    """The first question of the bank (the oracle: data/questions.csv), its options and answer."""
    row = quiz.load_questions(DATA).iloc[0]
    return row, quiz.options(row)


@pytest.mark.parametrize("pick", ["right", "wrong"])
def test_answering_a_question_shows_feedback_offline(browser, pick):
    row, options = _first_question()
    context, page, remote = _open(browser)
    try:
        quiz_box = page.locator(f"#q-{row['question_id'].replace('_', '-')}")
        index = (
            options.index(row["answer"])
            if pick == "right"
            else next(i for i, o in enumerate(options) if o != row["answer"])
        )
        quiz_box.locator("input[type=radio]").nth(index).check()
        quiz_box.get_by_role("button", name="Check my answer").click()
        feedback = quiz_box.get_by_role("status")
        text = feedback.inner_text()
        if pick == "right":
            assert text.startswith("Correct.")
        else:
            assert text.startswith("Not quite. The answer is:")
            assert row["answer"].split("{")[0].strip()[:40] in text
        assert feedback.get_attribute("aria-live") == "polite"
        assert remote == []
    finally:
        context.close()


def test_checking_without_a_choice_asks_for_one(browser):
    row, _ = _first_question()
    context, page, _ = _open(browser)
    try:
        quiz_box = page.locator(f"#q-{row['question_id'].replace('_', '-')}")
        quiz_box.get_by_role("button", name="Check my answer").click()
        assert quiz_box.get_by_role("status").inner_text() == "Choose an answer first."
    finally:
        context.close()


def test_without_javascript_the_answer_is_in_a_reveal(browser):
    row, _ = _first_question()
    context, page, _ = _open(browser, javascript=False)
    try:
        quiz_box = page.locator(f"#q-{row['question_id'].replace('_', '-')}")
        assert not quiz_box.locator(".bclm-quiz-check").is_visible()
        quiz_box.locator("summary").click()
        assert "Answer:" in quiz_box.locator("details").inner_text()
    finally:
        context.close()


def test_phone_width_keeps_questions_inside_the_page(browser):
    context, page, _ = _open(browser, width=390)
    try:
        overflow = page.evaluate(
            "Array.from(document.querySelectorAll('.bclm-quiz')).filter(q => q.scrollWidth > q.clientWidth + 1).length"
        )
        assert overflow == 0
    finally:
        context.close()


def test_every_labelled_figure_links_its_svg_and_300_dpi_png():
    """The built chapters: each figure ``fig-<name>`` links ``<name>.svg`` and ``<name>.png``,
    both files exist, and the PNG records 300 dpi."""
    from PIL import Image

    pages = sorted((HTML / "chapters").glob("*.html"))
    if not pages:
        pytest.fail(f"{HTML} has no built chapters: run `make strict-book` (or `make book`) first")
    seen = 0
    for path in pages:
        text = path.read_text(encoding="utf-8")
        for label in re.findall(r'<figure[^>]*id="fig-([^"]+)"', text):
            seen += 1
            for suffix in ("svg", "png"):
                href = f"../_downloads/figures/{label}.{suffix}"
                assert f'href="{href}"' in text, f"{path.name}: figure fig-{label} has no {suffix} link"
                assert (path.parent / href).resolve().is_file(), href
            with Image.open(HTML / "_downloads" / "figures" / f"{label}.png") as image:
                dpi = image.info["dpi"]
            assert dpi == pytest.approx((300, 300), abs=0.01)
    assert seen > 0
