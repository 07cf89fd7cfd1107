"""Text from data reaches the prose as text, never as markup.

Chapters put data strings (study names, flagged studies) into Markdown through
:func:`helpers.chapter.glue` and the ``{glue:text}`` role. The oracle is myst-nb itself: a
one-page notebook holding exactly what ``glue`` stores is rendered to HTML by myst-nb's docutils
parser, and the pasted text must be the escaped string, character for character.
"""

from __future__ import annotations

import html
import tempfile

import nbformat
import pytest
from docutils.core import publish_string

from helpers import chapter, tables

PAYLOAD = (
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> *x* __y__ `c` $z$ '
    "\\(w\\) [l](javascript:window.__pwned=1) <b>b</b> {glue:text}`other`"
)


class Rich(str):
    """A string that offers richer representations than text (as a pandas object or a helper's
    HTML might): glue must store its text only."""

    def _repr_markdown_(self) -> str:
        return f"**{self}**"

    def _repr_html_(self) -> str:
        return f"<b>{self}</b>"


@pytest.fixture
def glued(monkeypatch) -> list[tuple[dict, dict]]:
    """What :func:`helpers.chapter.glue` sends to the notebook, as (mime bundle, metadata)."""
    import myst_nb.ext.glue

    sent: list[tuple[dict, dict]] = []
    monkeypatch.setattr(myst_nb.ext.glue, "ipy_display", lambda data, raw, metadata: sent.append((data, metadata)))
    return sent


def render(bundle: dict, metadata: dict, markdown: str) -> str:
    """HTML of a two-cell notebook (the glue output, then ``markdown``) rendered by myst-nb."""
    from myst_nb.docutils_ import Parser

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    output = nbformat.v4.new_output("display_data", data=bundle, metadata=metadata)
    notebook.cells = [nbformat.v4.new_code_cell("glue", outputs=[output]), nbformat.v4.new_markdown_cell(markdown)]
    # myst-nb writes its CSS and the processed notebook into nb_output_folder ("build" in the
    # working directory by default): a folder of the test's own instead.
    with tempfile.TemporaryDirectory() as folder:
        settings = {
            "nb_execution_mode": "off",
            "nb_output_folder": folder,
            "output_encoding": "unicode",
            "report_level": 2,
            "halt_level": 5,
        }
        return publish_string(
            nbformat.writes(notebook), parser=Parser(), writer_name="html5", settings_overrides=settings
        )


@pytest.mark.parametrize("value", [PAYLOAD, Rich(PAYLOAD), tables.Markup(PAYLOAD)], ids=["str", "rich", "markup"])
def test_glue_stores_data_text_as_plain_text_only(glued, value):
    chapter.glue("name_x", value)
    [(bundle, _)] = glued
    assert list(bundle) == ["application/papermill.record/text/plain"]
    assert bundle["application/papermill.record/text/plain"] == repr(PAYLOAD)


def test_glued_data_text_renders_literally_in_markdown(glued):
    chapter.glue("name_x", PAYLOAD)
    [(bundle, metadata)] = glued
    page = render(bundle, metadata, "Study: {glue:text}`name_x`.")
    assert f'<p>Study: <span class="pasted-text">{html.escape(PAYLOAD)}</span>.</p>' in page
    assert "<script>" not in page and "<img" not in page and "<em>" not in page and "<strong>" not in page
