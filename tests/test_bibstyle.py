"""The book's citation styles (_ext/bibstyle.py): BibTeX's "and others" reads "et al.", and every
other author list is formatted exactly as pybtex's plain style and sphinxcontrib-bibtex's
author-year labels format it."""

from __future__ import annotations

import importlib.util
import sys

import pybtex.plugin
import pytest
from pybtex.database import parse_string
from pybtex.richtext import Tag, Text

from conftest import ROOT

BIB = """
@article{turner, author={Turner, Nicholas C. and others}, title={Palbociclib}, journal={N Engl J Med}, year={2018}}
@article{two, author={Smith, Ann and Jones, Bob}, title={Two}, journal={J}, year={2019}}
@article{three, author={Smith, Ann and Jones, Bob and Brown, Cy}, title={Three}, journal={J}, year={2020}}
@misc{nobody, title={A page without authors}, year={2021}}
"""


@pytest.fixture(scope="module")
def bibstyle():
    spec = importlib.util.spec_from_file_location("bibstyle", ROOT / "_ext" / "bibstyle.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture(scope="module")
def entries():
    return parse_string(BIB, "bibtex").entries


def _rendered(style, entries) -> dict[str, str]:
    return {e.key: e.text.render_as("text") for e in style.format_entries(entries.values())}


def test_bibliography_prints_et_al_for_others_and_matches_pybtex_plain_otherwise(bibstyle, entries):
    ours = _rendered(bibstyle.PlainEtAlStyle(), entries)
    plain = _rendered(pybtex.plugin.find_plugin("pybtex.style.formatting", "plain")(), entries)
    assert ours["turner"] == "Nicholas C. Turner et al. Palbociclib. N Engl J Med, 2018."
    assert plain["turner"] == "Nicholas C. Turner and others. Palbociclib. N Engl J Med, 2018."
    assert {k: v for k, v in ours.items() if k != "turner"} == {k: v for k, v in plain.items() if k != "turner"}
    assert list(ours) == list(plain), "the sort order must not change"


@pytest.mark.parametrize(
    ("key", "short", "full"),
    [
        ("turner", "Turner et al.", "Turner et al."),
        ("two", "Smith and Jones", "Smith and Jones"),
        ("three", "Smith et al.", "Smith, Jones, and Brown"),
    ],
)
def test_citation_labels_print_et_al_for_others(bibstyle, entries, key, short, full):
    style = bibstyle.AuthorYearEtAlStyle()
    data = {"entry": entries[key], "style": style}
    for use_full, expected in ((False, short), (True, full)):
        label = style.person.author_or_editor_or_title(full=use_full).format_data(data)
        assert label.render_as("text") == expected


def test_a_label_without_authors_falls_back_on_the_title(bibstyle, entries):
    style = bibstyle.AuthorYearEtAlStyle()
    label = style.person.author_or_editor_or_title(full=False).format_data({"entry": entries["nobody"], "style": style})
    assert label.render_as("text") == "A page without authors"
    assert Text(" ", Tag("em", "et al.")).render_as("text") == " et al."


def test_pybtex_finds_installed_plugins_as_before_and_scans_them_once(bibstyle, monkeypatch):
    """The oracle is pybtex's own lookup through the installed entry points."""
    import pybtex.backends.plaintext

    scans = []
    scan = bibstyle._scan_entry_points
    monkeypatch.setattr(bibstyle, "_scan_entry_points", lambda **kwargs: scans.append(kwargs) or scan(**kwargs))
    monkeypatch.setattr(pybtex.plugin, "entry_points", bibstyle.installed_entry_points)
    bibstyle.installed_entry_points.cache_clear()
    try:
        found = [pybtex.plugin.find_plugin("pybtex.backends", "plaintext") for _ in range(3)]
        assert found == [pybtex.backends.plaintext.Backend] * 3
        assert scans == [{"group": "pybtex.backends", "name": "plaintext"}]
        with pytest.raises(pybtex.plugin.PluginNotFound):
            pybtex.plugin.find_plugin("pybtex.backends", "no-such-backend")
    finally:
        bibstyle.installed_entry_points.cache_clear()
