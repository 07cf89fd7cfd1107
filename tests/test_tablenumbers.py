"""_ext/tablenumbers.py: tables shown as notebook outputs are numbered "Table N", figures "Fig. N"."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from helpers import tables

ROOT = Path(__file__).resolve().parents[1]
# A 1×1 PNG: the smallest real figure output.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


def _output_cell(name: str, caption: str, data: dict) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("show()", execution_count=1)
    cell.metadata["mystnb"] = {"figure": {"name": name, "caption": caption}}
    cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
    return cell


def test_tables_are_numbered_as_tables_and_figures_as_figures(tmp_path):
    import pandas as pd

    book = tmp_path / "book"
    book.mkdir()
    shutil.copytree(ROOT / "_ext", book / "_ext")
    frame = pd.DataFrame({"study": ["A", "B"], "hr": [0.5, 0.75]})
    table_html = tables.to_html(frame, caption="Inner caption").data
    cells = [
        nbformat.v4.new_markdown_cell(
            "# Lesson\n\nSee {numref}`tbl-first`, {numref}`fig-curve` and {numref}`tbl-second`."
        ),
        _output_cell("tbl-first", "First table.", {"text/html": table_html, "text/plain": "t"}),
        _output_cell("fig-curve", "A curve.", {"image/png": PIXEL, "text/plain": "f"}),
        _output_cell("tbl-second", "Second table.", {"text/html": table_html, "text/plain": "t"}),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, book / "lesson.ipynb")
    (book / "index.md").write_text("# Home\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: lesson\n")
    config = {
        "title": "t",
        "execute": {"execute_notebooks": "off"},
        "sphinx": {
            "local_extensions": {"tablenumbers": "_ext/"},
            "config": {"intersphinx_mapping": {}, "numfig": True},
        },
    }
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", str(book), "-W", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    page = (book / "_build" / "html" / "lesson.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "See Table 1, Fig. 1 and Table 2." in text
    assert "Table 1 First table." in text and "Table 2 Second table." in text
    assert "Fig. 1 A curve." in text
    assert "Fig. 2" not in text and "Fig. 3" not in text
    assert "Inner caption" not in page  # one caption per table: the figure's
