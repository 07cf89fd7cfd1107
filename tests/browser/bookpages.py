"""The built book's pages as the browser tests open them (a helper module, not a test module).

- :data:`HTML`: the built book (``_build/html``, or the folder ``BCLM_BOOK_HTML`` names);
- :func:`toc_pages` and :data:`PAGES`: every page, in the book's order;
- :data:`WIDTHS`: the widths a reader's screen is tested at (a laptop, 1366 px, and a phone, 390 px);
- :func:`open_page`: a page opened offline, with its console errors, page errors and any network
  request recorded, once MathJax has typeset it (:data:`TYPESET`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from conftest import ROOT

HTML = Path(os.environ.get("BCLM_BOOK_HTML") or ROOT / "_build" / "html")  # another build: BCLM_BOOK_HTML
WIDTHS = {"desktop": 1366, "phone": 390}


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())

    def files(entries):  # chapters and their sections (sub-pages), in the book's order
        for entry in entries:
            yield entry["file"]
            yield from files(entry.get("sections", []))

    pages = [toc["root"]] + [f for part in toc["parts"] for f in files(part["chapters"])]
    return [f"{p}.html" for p in pages]


PAGES = toc_pages()

#: Resolves once MathJax has typeset the page (MathJax's startup promise), at once on a page
#: without MathJax: a wait on the event itself rather than a guessed delay.
TYPESET = """() => (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)
  ? window.MathJax.startup.promise.then(() => true) : true"""


@dataclass
class OpenPage:
    """A page of the book open in Chromium: ``path`` (as in :data:`PAGES`), the Playwright
    ``page``, and ``log`` (``console_errors``, ``page_errors``, ``remote``: network requests,
    all blocked) from the moment it was opened. ``evaluate_once`` runs a read-only script once
    however many tests ask for its result."""

    path: str
    page: object
    log: dict
    _results: dict = field(default_factory=dict)

    def evaluate_once(self, script: str):
        if script not in self._results:
            self._results[script] = self.page.evaluate(script)
        return self._results[script]


def open_page(browser, page_path: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    log = {"console_errors": [], "page_errors": [], "remote": []}
    page.on("console", lambda m: log["console_errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log["page_errors"].append(str(e)))

    def block_network(route):
        log["remote"].append(route.request.url)
        route.abort()

    page.route(re.compile(r"^https?://"), block_network)  # the book must work with no network
    page.goto((HTML / page_path).as_uri())  # returns at the load event
    page.evaluate(TYPESET)
    return context, page, log
