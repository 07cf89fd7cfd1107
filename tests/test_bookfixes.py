"""Sphinx fixes of _ext/bookfixes.py that change how the book is built, not what it shows: the
oracle is the same miniature project built by plain Sphinx."""

from __future__ import annotations

import io
import sys

from bs4 import BeautifulSoup

from conftest import ROOT

PAGES = {
    "index.rst": "Book\n====\n\n.. toctree::\n   :numbered:\n\n   figures\n   readers\n",
    "figures.rst": (
        "Figures\n=======\n\n"
        ".. figure:: square.svg\n   :name: fig-first\n\n   The first figure.\n\n"
        ".. figure:: square.svg\n   :name: fig-second\n\n   The second figure.\n"
    ),
    "readers.rst": (
        "Readers\n=======\n\nSee :numref:`fig-second`, then :numref:`fig-first` and again "
        ":numref:`Figure {number} <fig-second>`.\n"
    ),
}
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>\n'


def _build(tmp_path, extensions: list[str]) -> tuple[list[str], object]:
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    source = tmp_path / "source"
    source.mkdir(parents=True)
    for name, text in PAGES.items():
        (source / name).write_text(text, encoding="utf-8")
    (source / "square.svg").write_text(SVG, encoding="utf-8")
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\nextensions = {extensions!r}\nnumfig = True\n",
        encoding="utf-8",
    )
    warnings = io.StringIO()
    with docutils_namespace():
        app = Sphinx(str(source), str(source), str(tmp_path / "html"), str(tmp_path / "doctrees"), "html",
                     status=None, warning=warnings, freshenv=True)  # fmt: skip
        app.build()
    # An application built earlier in the same process may leave registrations behind ("already
    # registered"); any other warning is a failure.
    problems = [line for line in warnings.getvalue().splitlines() if "already registered" not in line]
    assert problems == [], warnings.getvalue()
    page = BeautifulSoup((tmp_path / "html" / "readers.html").read_text(encoding="utf-8"), "html.parser")
    links = [f"{a['href']} {a.get_text()}" for a in page.select("a.reference.internal") if "#fig-" in a["href"]]
    return links, app


def test_numbered_references_read_shared_doctrees_and_match_plain_sphinx(tmp_path, monkeypatch):
    from sphinx.environment import BuildEnvironment

    reads: list[str] = []
    get_doctree = BuildEnvironment.get_doctree
    monkeypatch.setattr(BuildEnvironment, "get_doctree", lambda env, name: reads.append(name) or get_doctree(env, name))
    plain, _ = _build(tmp_path / "plain", [])
    plain_reads, reads[:] = reads.count("figures"), []
    fixed, app = _build(tmp_path / "fixed", ["bookfixes"])
    # Three references to the figures page: plain Sphinx unpickles it for each, the fix once.
    assert reads.count("figures") == plain_reads - 2
    assert plain == [
        "figures.html#fig-second Fig. 1.2",
        "figures.html#fig-first Fig. 1.1",
        "figures.html#fig-second Figure 1.2",
    ]
    assert fixed == plain
    # The shared copies live only while pages are written: the domain is Sphinx's own afterwards.
    assert "_resolve_numref_xref" not in vars(app.env.get_domain("std"))


def test_shared_doctrees_unpickle_each_page_once(tmp_path):
    _, app = _build(tmp_path, ["bookfixes"])
    bookfixes = sys.modules["bookfixes"]  # loaded by the miniature project's conf.py
    shared = bookfixes.DoctreesReadOnce(app.env)
    first = shared.get_doctree("figures")
    assert shared.get_doctree("figures") is first
    assert app.env.get_doctree("figures") is not first  # the environment itself still reads anew
    assert shared.toc_fignumbers == app.env.toc_fignumbers  # everything else is the environment's
