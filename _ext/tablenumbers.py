"""Tables numbered as tables: "Table N", not "Fig. N".

A chapter shows a table as a cell output with ``mystnb: figure: name: tbl-…`` metadata, so
myst-nb wraps it in a figure node and Sphinx numbered it among the figures. This extension
turns every figure whose id or name starts with ``tbl-`` into a :class:`table_figure` node,
which Sphinx numbers with the tables (their own counter, ``numfig_format["table"]``), so its
caption and every ``{numref}`` read "Table N"; real figures keep "Fig. N".

A table rendered by :func:`helpers.tables.to_html` with its own ``<caption>`` inside such a
figure would show two captions: the figure's caption is kept and the table's is removed.
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.transforms import Transform

PREFIX = "tbl-"
_CAPTION = re.compile(r"<caption>.*?</caption>", re.DOTALL)


class table_figure(nodes.figure):  # noqa: N801 (docutils names nodes in lower case)
    """A figure that holds a table: numbered as a table."""


def is_table_figure(node: nodes.Element) -> bool:
    """Whether a figure node holds a table (an id or name starting with ``tbl-``)."""
    return any(str(name).startswith(PREFIX) for name in [*node.get("ids", []), *node.get("names", [])])


class TableFigures(Transform):
    """Re-class table figures after parsing, before Sphinx collects numbers and labels. The node
    keeps its identity (so the document's id map stays valid); only its class changes."""

    default_priority = 200

    def apply(self, **kwargs) -> None:
        for node in list(self.document.findall(nodes.figure)):
            if type(node) is nodes.figure and is_table_figure(node):
                node.__class__ = table_figure


def drop_inner_captions(app, doctree: nodes.document, docname: str) -> None:
    """Remove a table's own ``<caption>`` when its figure already has a caption."""
    for figure in doctree.findall(table_figure):
        if not any(isinstance(child, nodes.caption) for child in figure.children):
            continue
        for raw in list(figure.findall(nodes.raw)):
            text = raw.astext()
            if "<caption>" in text:
                raw.parent.replace(raw, nodes.raw(raw.rawsource, _CAPTION.sub("", text), format=raw.get("format")))


def _caption_text(node: nodes.Element) -> str | None:
    for child in node.children:
        if isinstance(child, nodes.caption):
            return child.astext()
    return None


def _visit(self, node):
    self.visit_figure(node)


def _depart(self, node):
    self.depart_figure(node)


def setup(app):
    app.add_enumerable_node(
        table_figure, "table", _caption_text, html=(_visit, _depart), latex=(_visit, _depart), text=(_visit, _depart)
    )
    app.add_transform(TableFigures)
    app.connect("doctree-resolved", drop_inner_captions)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
