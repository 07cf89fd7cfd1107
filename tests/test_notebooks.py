"""The build's record of what each chapter's outputs were computed from (helpers.notebooks).

The unit tests run on a miniature book written into a temporary folder (one or two small
notebooks, a data file, a helper module, a lock file), executed by papermill like the real
chapters. The last test holds the committed chapters to their records.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from helpers import notebooks

ROOT = Path(__file__).resolve().parents[1]


def _notebook(path: Path, *code: str, markdown: str = "# A chapter") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)] + [nbformat.v4.new_code_cell(c) for c in code]
    for i, cell in enumerate(nb.cells):
        cell.id = str(i)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _write_book(tmp_path: Path) -> Path:
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/a\n")
    (tmp_path / "src" / "helpers").mkdir(parents=True)
    (tmp_path / "src" / "helpers" / "tool.py").write_text("X = 1\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text("a,b\n1,2\n")
    (tmp_path / "uv.lock").write_text("version = 1\n")
    (tmp_path / "notes.txt").write_text("first\n")
    _notebook(
        tmp_path / "chapters" / "a.ipynb",
        "print(open('../data/t.csv').read().strip())",
        "print(open('../notes.txt').read().strip())",
    )
    return tmp_path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A miniature repository: _toc.yml, one chapter that reads a data file and a note."""
    return _write_book(tmp_path)


@pytest.fixture(scope="module")
def _executed_once(tmp_path_factory) -> Path:
    root = _write_book(tmp_path_factory.mktemp("executed"))
    assert notebooks.execute(root, [root / "chapters" / "a.ipynb"], jobs=1) == []
    return root


@pytest.fixture
def executed_book(_executed_once, tmp_path) -> Path:
    """The miniature repository with its chapter executed (once per module, copied per test)."""
    return Path(shutil.copytree(_executed_once, tmp_path / "book"))


def test_execute_records_declared_and_observed_inputs(book):
    chapter = book / "chapters" / "a.ipynb"
    assert notebooks.execute(book, [chapter], jobs=1) == []
    nb = json.loads(chapter.read_text())
    record = nb["metadata"]["bclm"]["inputs"]
    # declared: the helpers, the data, the lock; observed: the note the chapter opened
    assert set(record["files"]) == {"src/helpers/tool.py", "data/t.csv", "uv.lock", "notes.txt"}
    assert "".join(nb["cells"][2]["outputs"][0]["text"]) == "first\n"
    assert "papermill" not in nb["metadata"]  # normalised by nbstripout
    assert notebooks.status(book, chapter).current
    assert list((book / "_build").glob(".execute-*")) == []


@pytest.mark.parametrize(
    "edit, reason",
    [
        (lambda b: (b / "notes.txt").write_text("second\n"), "notes.txt changed"),
        (lambda b: (b / "src" / "helpers" / "tool.py").write_text("X = 2\n"), "src/helpers/tool.py changed"),
        (lambda b: (b / "data" / "u.csv").write_text("c\n3\n"), "data/u.csv is new"),
        (lambda b: (b / "data" / "t.csv").unlink(), "data/t.csv was removed"),
        (lambda b: (b / "uv.lock").write_text("version = 2\n"), "uv.lock changed"),
    ],
)
def test_status_names_the_input_that_changed(executed_book, edit, reason):
    chapter = executed_book / "chapters" / "a.ipynb"
    assert notebooks.status(executed_book, chapter).current
    edit(executed_book)
    status = notebooks.status(executed_book, chapter)
    assert not status.current
    assert reason in status.reasons


def test_editing_the_executor_leaves_chapters_current(executed_book):
    chapter = executed_book / "chapters" / "a.ipynb"
    executor = executed_book / "src" / "helpers" / "notebooks.py"
    executor.write_text("# the build tool, edited\n")
    assert notebooks.status(executed_book, chapter).current
    assert "src/helpers/notebooks.py" not in notebooks.declared_inputs(executed_book)


def test_code_edits_make_a_chapter_stale_but_prose_edits_do_not(executed_book):
    chapter = executed_book / "chapters" / "a.ipynb"
    nb = nbformat.read(chapter, as_version=4)
    nb.cells[0].source = "# A chapter, reworded"
    nbformat.write(nb, chapter)
    assert notebooks.status(executed_book, chapter).current
    nb.cells[1].source += "\nprint('more')"
    nbformat.write(nb, chapter)
    assert notebooks.status(executed_book, chapter).reasons == ["its code cells changed"]


def test_a_notebook_never_executed_is_stale(book):
    status = notebooks.status(book, book / "chapters" / "a.ipynb")
    assert status.reasons == ["its outputs carry no record of their inputs"]


def test_a_notebook_read_as_input_counts_by_its_prose_and_parameters(book):
    other = _notebook(book / "chapters" / "b.ipynb", "x = 1", "y = 2")
    before = notebooks.file_digest(other)
    nb = nbformat.read(other, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells[2].source = "y = 3"  # code other than the parameters: not what a reader uses
    nb.metadata["bclm"] = {"inputs": {"sha256": "0"}}
    nbformat.write(nb, other)
    assert notebooks.file_digest(other) == before
    nb.cells[1].metadata["tags"] = ["parameters"]
    nbformat.write(nb, other)
    assert notebooks.file_digest(other) != before
    with_parameters = notebooks.file_digest(other)
    nb.cells[1].source = "x = 2"
    nbformat.write(nb, other)
    assert notebooks.file_digest(other) != with_parameters
    nb.cells[0].source = "# Other title"
    nbformat.write(nb, other)
    assert notebooks.file_digest(other) != with_parameters


def test_a_failing_chapter_is_named_with_its_cell_and_left_untouched(book):
    chapter = _notebook(book / "chapters" / "a.ipynb", "x = 1", "raise ValueError('boom in the data')")
    committed = chapter.read_bytes()
    failures = notebooks.execute(book, [chapter], jobs=1)
    assert [str(f) for f in failures] == ["chapters/a.ipynb: cell 2: ValueError: boom in the data"]
    assert chapter.read_bytes() == committed
    assert list((book / "_build").glob(".execute-*")) == []


def test_parallel_execution_runs_each_chapter_once(book):
    second = _notebook(book / "chapters" / "b.ipynb", "print(2)")
    first = book / "chapters" / "a.ipynb"
    assert notebooks.execute(book, [first, second], jobs=2) == []
    assert notebooks.status(book, first).current and notebooks.status(book, second).current


def test_check_command_names_stale_chapters_and_the_fix(book, monkeypatch, capsys):
    monkeypatch.chdir(book)
    assert notebooks.main(["check"]) == 1
    err = capsys.readouterr().err
    assert "chapters/a.ipynb: its outputs carry no record of their inputs" in err
    assert "Run `make book`" in err and "make refresh" in err
    assert notebooks.main(["execute"]) == 0
    assert notebooks.main(["check"]) == 0


def test_execute_command_runs_only_the_named_chapter_and_refuses_unknown_names(book, monkeypatch, capsys):
    toc = book / "_toc.yml"
    toc.write_text(toc.read_text() + "  - file: chapters/b\n")
    _notebook(book / "chapters" / "b.ipynb", "print(2)")
    monkeypatch.chdir(book)
    assert notebooks.main(["execute", "b"]) == 0
    assert [s.notebook for s in notebooks.stale(book)] == ["chapters/a.ipynb"]
    with pytest.raises(SystemExit, match=r"'c' is not a chapter of the book's _toc.yml \(chapters: a, b\)"):
        notebooks.main(["execute", "c"])


def test_failed_build_removes_the_site(book, monkeypatch, capsys):
    site = book / "_build" / "html"
    site.mkdir(parents=True)
    (site / "index.html").write_text("an old book")
    _notebook(book / "chapters" / "a.ipynb", "raise RuntimeError('broken chapter')")
    monkeypatch.chdir(book)
    monkeypatch.setattr(notebooks, "_validate", lambda root: True)
    assert notebooks.main(["build"]) == 1
    err = capsys.readouterr().err
    assert "chapters/a.ipynb: cell 1: RuntimeError: broken chapter" in err
    assert not site.exists()


def test_failed_validation_removes_the_site(book, monkeypatch):
    site = book / "_build" / "html"
    site.mkdir(parents=True)
    monkeypatch.chdir(book)
    monkeypatch.setattr(notebooks, "_validate", lambda root: False)
    assert notebooks.main(["build"]) == 1
    assert not site.exists()


def test_outside_a_book_the_command_says_where_to_run_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert notebooks.main(["status"]) == 2
    assert "no _toc.yml" in capsys.readouterr().err


@pytest.mark.parametrize("chapter", notebooks.chapters(ROOT), ids=lambda p: p.stem)
def test_committed_outputs_are_current(chapter):
    status = notebooks.status(ROOT, chapter)
    assert status.current, (
        f"{status.notebook} is stale ({'; '.join(status.reasons)}): "
        "run `make book` or `make refresh` and commit the notebook"
    )


def test_execution_leaves_no_tracing_in_the_environment(book, monkeypatch):
    monkeypatch.delenv("BCLM_READS_FILE", raising=False)
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    assert notebooks.execute(book, [book / "chapters" / "a.ipynb"], jobs=1) == []
    assert "BCLM_READS_FILE" not in os.environ
    assert os.environ["PYTHONPATH"] == "/somewhere"
