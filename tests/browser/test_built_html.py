"""No workshop text in the built book: every page of ``_build/html`` read as a reader gets it.

Production notes (which page a value was read from, audits, "treat as unverified", notes that a
quote came from OCR) belong in the data for auditors and never in a rendered page, and a link
for readers goes to the publisher, PubMed, a registry or a named secondary page, never to a
preview deployment, a test server, a local address or a raw IP address (issue 17).

The scan reads the HTML that Sphinx wrote, after ``make strict-book`` (``make browser-test``
runs this file with the Chromium tests); no browser is needed. ``BCLM_BOOK_HTML`` points it at
another build (for example ``/tmp/book/_build/html``). Each failure names the page, the rule and
the text around the hit.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bookpages import HTML
from bs4 import BeautifulSoup

from conftest import ROOT

pytestmark = pytest.mark.browser


# Words of the workshop, as whole words (so "briefly" and "restored" pass). Case-insensitive
# except where the capitals are the sign (a shouted "CAUTION", not "with caution").
WORKSHOP_TEXT = {
    "stored": re.compile(r"\bstored\b", re.I),
    "brief": re.compile(r"\bbrief\b", re.I),
    "audit of a date": re.compile(r"\baudit(?:ed)? (?:on )?20\d\d", re.I),
    "treat as unverified": re.compile(r"\btreat(?:ed)? as unverified\b", re.I),
    "CAUTION": re.compile(r"\bCAUTION\b"),
    "read on": re.compile(r"\bread on\b", re.I),
    "page read": re.compile(r"\bpage read\b", re.I),
    "candidate": re.compile(r"\bcandidates?\b", re.I),
}

# Hosts a reader must not be sent to: preview deployments, test, QA and development servers,
# caches and local machines. A host name label such as "uat", "qa01", "preview" or "mimsdev", or a
# platform that serves previews of other sites, marks one.
PREVIEW_LABEL = re.compile(r"^(uat|qa|dev|test|staging|preview|localhost)\d*$|^[a-z]+dev$|-cache$|^cache-", re.I)
PREVIEW_PLATFORM = ("vercel.app", "netlify.app", "azurewebsites.net", "herokuapp.com", "ngrok.io", "ngrok-free.app")

# Genuine false positives, each with its reason: (page, rule, text in the hit's context).
ALLOWED: list[tuple[str, str, str]] = [
    # Clinical English: a patient who is a candidate for an operation.
    ("chapters/question_bank.html", "candidate", "a candidate for resection"),
    # Statistical English: the pairs of trials considered for an indirect comparison.
    ("chapters/emerging_therapies.html", "candidate", "every candidate pair differs"),
    # A trial's population as published (TROPION-Breast02: patients not candidates for PD-(L)1 therapy).
    ("chapters/data_sources.html", "candidate", "not candidates for PD-(L)1"),
    ("chapters/emerging_therapies.html", "candidate", "not candidates for PD-1/PD-L1 inhibitors"),
    # Statistical English: the intervals a blurred slide can be read as (DESTINY-Breast04 subgroups).
    ("chapters/emerging_therapies_appendix.html", "candidate", "andidate interval"),
]

CONTEXT = 70


def built_pages() -> list[Path]:
    """Every page of the book (not Sphinx's search and index pages, nor the theme's templates)."""
    return sorted(
        p
        for p in HTML.rglob("*.html")
        if p.name not in {"search.html", "genindex.html"} and not p.relative_to(HTML).parts[0].startswith("_")
    )


@pytest.fixture(scope="module")
def pages() -> list[Path]:
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML} has no built book: run `make strict-book` (or `make book`) first")
    found = built_pages()
    assert len(found) > 1, f"{HTML} holds no pages"
    return found


def rendered_text(soup: BeautifulSoup) -> str:
    """The text a reader can see or hear: the page body without scripts and styles, plus
    tooltips (title) and image descriptions (alt)."""
    body = soup.body or soup
    for node in body(["script", "style", "noscript", "template"]):
        node.decompose()
    extra = [el.get(attr, "") for attr in ("title", "alt", "aria-label") for el in body.find_all(attrs={attr: True})]
    text = " ".join(body.get_text(" ").split())
    return " ".join([text, *extra])


def workshop_hits(page: str, text: str) -> list[str]:
    hits = []
    for rule, pattern in WORKSHOP_TEXT.items():
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - CONTEXT) : match.end() + CONTEXT]
            if any(page == p and rule == r and snippet in context for p, r, snippet in ALLOWED):
                continue
            hits.append(f"{page}: {rule!r}: …{context}…")
    return hits


def bad_link(href: str) -> str | None:
    """Why a link must not be shown to a reader, or None."""
    url = urlparse(href)
    if url.scheme not in {"http", "https"} or not url.hostname:
        return None
    host = url.hostname
    try:
        ipaddress.ip_address(host)
        return "an IP address"
    except ValueError:
        pass
    labels = host.lower().split(".")
    if any(PREVIEW_LABEL.search(label) for label in labels) or host.lower().endswith(PREVIEW_PLATFORM):
        return "a preview, test or local host"
    return None


def link_hits(page: str, soup: BeautifulSoup) -> list[str]:
    hits = []
    for anchor in soup.find_all(["a", "link", "img", "iframe", "source"]):
        for attr in ("href", "src"):
            href = anchor.get(attr)
            reason = bad_link(href) if href else None
            if reason:
                label = " ".join(anchor.get_text(" ").split())[:CONTEXT]
                hits.append(f"{page}: link to {reason}: {href} (text: {label!r})")
    return hits


def test_no_page_shows_workshop_text_or_links_to_preview_hosts(pages):
    problems = []
    for path in pages:
        name = path.relative_to(HTML).as_posix()
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        problems += link_hits(name, soup)
        problems += workshop_hits(name, rendered_text(soup))
    assert not problems, f"{len(problems)} reader-facing problems:\n" + "\n".join(problems)


def bib_titles() -> set[str]:
    """The titles of every work in the book's BibTeX files, in lower case without braces."""
    import yaml
    from pybtex.database import parse_file

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    titles = set()
    for name in config["bibtex_bibfiles"]:
        for entry in parse_file(ROOT / name, "bibtex").entries.values():
            title = entry.fields.get("title", "")
            titles.add(" ".join(re.sub(r"[{}$]|\\[a-z]+", "", title).lower().split()))
    return titles


def test_the_bibliography_lists_each_work_once(pages):
    """A work cited under two keys shows twice in the references (issue 17: "a duplicated
    Baselga 2012 reference"); chapters cite one key per work."""
    page = HTML / "bibliography.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    entries = [" ".join(e.get_text(" ").split()).lower() for e in soup.select("div.citation p, dd")]
    assert entries, f"{page} lists no references"
    repeated = {title: n for title in bib_titles() if title and (n := sum(f"{title}." in e for e in entries)) > 1}
    dois = [m.lower() for e in entries for m in set(re.findall(r"doi:(10\.\S+?)\s?\.?(?:\s|$)", e))]
    repeated |= {f"doi:{doi}": dois.count(doi) for doi in set(dois) if dois.count(doi) > 1}
    assert not repeated, "works listed more than once in the references:\n" + "\n".join(
        f"{n}× {title}" for title, n in sorted(repeated.items())
    )


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("values on the stored page", {"stored"}),
        ("named in the brief.", {"brief"}),
        ("briefly, the trial restored nothing", set()),
        ("Audit 2026-11-24: checked", {"audit of a date"}),
        ("Treat as unverified.", {"treat as unverified"}),
        ("CAUTION: values read from OCR'd slide text", {"CAUTION"}),
        ("interpret with caution", set()),
        ("a candidate row", {"candidate"}),
        ("the page read on 3 May", {"page read", "read on"}),
    ],
)
def test_the_scan_finds_workshop_words_as_whole_words(text, rules):
    found = {hit.split(": ")[1].strip("'") for hit in workshop_hits("p.html", text)}
    assert found == rules


@pytest.mark.parametrize(
    ("href", "flagged"),
    [
        ("http://203.0.113.7/article.pdf", True),
        ("https://uat.mims.com/hongkong/drug/info/enhertu", True),
        ("https://preview.example.org/x", True),
        ("https://book-git-main.vercel.app/", True),
        ("http://localhost:8000/", True),
        ("https://uat.mimsdev.com/hongkong/drug/info/orserdu", True),
        ("https://mdedge-cache.qa01.mdedge.com/hematology-oncology/article/1", True),
        ("https://prdmimsweb.azurewebsites.net/philippines/drug/info/keytruda", True),
        ("https://www.mims.com/philippines/drug/info/keytruda/dosage", False),
        ("https://www.devicetracker.org/", False),
        ("https://doi.org/10.1056/NEJMoa1109653", False),
        ("https://pubmed.ncbi.nlm.nih.gov/22149876/", False),
        ("#section", False),
        ("mailto:someone@example.org", False),
    ],
)
def test_the_scan_flags_ip_and_preview_links(href, flagged):
    assert (bad_link(href) is not None) == flagged


def test_glued_values_take_the_weight_of_their_sentence(pages, chromium):
    """myst-nb prints every {glue:text} value in bold; _static/bclm-code.css gives it the weight of
    the text around it, so only a writer's own **bold** shows (issue 17)."""
    weights = []
    # The rule is one style sheet for every page: the three pages with the most glued values test it.
    glued = sorted(pages, key=lambda p: p.read_text(encoding="utf-8").count('class="pasted-text"'), reverse=True)[:3]
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    page.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline, like the reader's copy
    try:
        for path in glued:
            page.goto(path.as_uri(), wait_until="load")
            weights += page.evaluate(
                """() => [...document.querySelectorAll('article span.pasted-text')]
                     .filter(s => !s.closest('strong, b, th, h1, h2, h3, h4, .admonition-title, caption'))
                     .map(s => [s, s.parentElement].map(e => parseInt(getComputedStyle(e).fontWeight)))"""
            )
    finally:
        page.close()
    assert weights, "no glued values found in the built pages"
    assert all(own == around for own, around in weights), sorted({tuple(w) for w in weights})
