"""Which chapters' committed outputs are current, and executing the stale ones.

papermill executes the chapters and their outputs are committed; Jupyter Book only renders them
(``execute_notebooks: "off"``). A chapter must be re-executed when one of its *inputs* changed
since its outputs were made. Its inputs are

- its own code cells (source, tags such as ``parameters``) and kernel;
- every file under ``src/helpers/`` and ``data/``, and ``uv.lock`` (the environment), except the
  executor itself (this module and its audit hook), which no chapter imports;
- any other file of the repository the chapter read while it ran.

The last set is found by watching, not by guessing: during execution the kernel runs with a
Python audit hook (:pep:`578`, loaded through ``_readtrace/sitecustomize.py``) that records every
file opened for reading; those inside the repository become inputs. A notebook read as an input
(the teaching page reads the other chapters) counts by its prose and parameters cell only, so
editing or re-executing another chapter's code does not make its readers stale.

What the outputs were computed from is stored in the notebook itself, under
``metadata.bclm.inputs`` (kept by nbstripout): a digest per input and one over all of them. A
fresh clone therefore knows, without running anything, whether its committed outputs are current;
file modification times would not survive a clone.

Command line (``python -m helpers.notebooks``, run from the repository)::

    status            list every chapter as current or stale, with the reasons
    check             exit 1, naming each stale chapter, unless all are current
    execute [--all]   re-execute the stale chapters (or all) in parallel, in place
    execute NAME ...  re-execute the named chapters only
    build             validate the data, execute stale chapters, render the book
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

#: Inputs of every chapter, relative to the repository root (directories are walked).
DECLARED_INPUTS = ("src/helpers", "data", "uv.lock")
#: The executor itself: no chapter imports it, so editing it changes no output. (A chapter that
#: does read one of these files is still caught by the audit hook, as an observed input.)
BUILD_TOOL = ("src/helpers/notebooks.py", "src/helpers/_readtrace/sitecustomize.py")
#: Where a chapter's record lives in its notebook metadata.
METADATA_KEY = "bclm"
#: Parts of the tree that are never inputs (environments, build output, caches).
_IGNORED_PARTS = {
    ".venv",
    "_build",
    ".git",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ipynb_checkpoints",
    ".ruff_cache",
}
NBSTRIPOUT_ARGS = ("--keep-output", "--keep-count", "--extra-keys", "metadata.papermill cell.metadata.papermill")
_TRACE_DIR = Path(__file__).resolve().parent / "_readtrace"


class NotebookError(Exception):
    """A problem with the book's notebooks, worded for the person running the build."""


@dataclass
class ExecutionFailure:
    """A chapter that raised while it was executed."""

    notebook: str
    cell: int | None
    error: str

    def __str__(self) -> str:
        where = f"cell {self.cell}" if self.cell is not None else "before any cell ran"
        return f"{self.notebook}: {where}: {self.error}"


@dataclass
class Status:
    """Whether a chapter's committed outputs were computed from the current inputs."""

    notebook: str
    reasons: list[str] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return not self.reasons


# --------------------------------------------------------------------------- where things are


def find_root(start: str | Path | None = None) -> Path:
    """The repository root: the nearest directory (from ``start``, default the working
    directory, upwards) that holds ``_toc.yml``."""
    here = Path(start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "_toc.yml").is_file():
            return candidate
    raise NotebookError(f"no _toc.yml in {here} or any folder above it: run this from the book's repository")


def chapters(root: Path) -> list[Path]:
    """The notebooks listed in ``_toc.yml``, in the book's order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))

    def files(node) -> Iterable[str]:
        if isinstance(node, dict):
            if "file" in node:
                yield node["file"]
            for value in node.values():
                yield from files(value)
        elif isinstance(node, list):
            for item in node:
                yield from files(item)

    found = []
    for name in files(toc):
        path = root / f"{name}.ipynb"
        if path.is_file() and path not in found:
            found.append(path)
    return found


# --------------------------------------------------------------------------- digests


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_notebook(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise NotebookError(f"{path}: cannot read the notebook ({error})") from None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def code_digest(notebook: dict) -> str:
    """Digest of what execution depends on in the notebook itself: the kernel, and each code
    cell's source and tags (``parameters`` decides where papermill injects values). Markdown,
    outputs and other metadata are left out: they do not change what the code computes."""
    kernel = notebook.get("metadata", {}).get("kernelspec", {}).get("name", "")
    cells = [
        [_source(c), sorted(c.get("metadata", {}).get("tags", []))]
        for c in notebook.get("cells", [])
        if c.get("cell_type") == "code"
    ]
    return _sha256(json.dumps([kernel, cells], ensure_ascii=False).encode("utf-8"))


def file_digest(path: Path) -> str:
    """Digest of one input file. A notebook read by another chapter (the teaching page lists the
    chapters' exercises and parameters) counts by what such a reader uses: its prose (markdown
    cells) and its parameters cell; its other code and its outputs do not, so editing or
    re-executing one chapter's code does not make its readers stale."""
    if not path.is_file():
        return "missing"
    if path.suffix == ".ipynb":
        cells = [
            [c.get("cell_type"), _source(c)]
            for c in _read_notebook(path).get("cells", [])
            if c.get("cell_type") == "markdown" or "parameters" in c.get("metadata", {}).get("tags", [])
        ]
        return _sha256(json.dumps(cells, ensure_ascii=False).encode("utf-8"))
    return _sha256(path.read_bytes())


def _ignored(relative: Path) -> bool:
    return any(part in _IGNORED_PARTS for part in relative.parts) or relative.suffix == ".pyc"


def declared_inputs(root: Path) -> list[str]:
    """Files every chapter depends on (see :data:`DECLARED_INPUTS`), relative to ``root``."""
    found = set()
    for entry in DECLARED_INPUTS:
        path = root / entry
        if path.is_file():
            found.add(entry)
        elif path.is_dir():
            for file in path.rglob("*"):
                relative = file.relative_to(root)
                if file.is_file() and not _ignored(relative):
                    found.add(relative.as_posix())
    return sorted(found - set(BUILD_TOOL))


def observed_inputs(root: Path, notebook: Path, opened: Iterable[str]) -> list[str]:
    """Files inside the repository among the paths the kernel opened, relative to ``root``
    (the notebook itself, and everything under ignored folders, left out)."""
    found = set()
    for raw in opened:
        path = Path(raw)
        try:
            relative = path.resolve().relative_to(root)
        except (ValueError, OSError):
            continue  # outside the repository: the environment, fonts, caches
        if path.resolve() == notebook.resolve() or _ignored(relative) or not path.is_file():
            continue
        found.add(relative.as_posix())
    return sorted(found)


def inputs_record(root: Path, notebook: Path, observed: Sequence[str] = ()) -> dict:
    """What a chapter's outputs are computed from: its code digest, a digest per input file,
    and one digest over both (``sha256``)."""
    files = {name: file_digest(root / name) for name in sorted(set(declared_inputs(root)) | set(observed))}
    code = code_digest(_read_notebook(notebook))
    total = _sha256(json.dumps({"code": code, "files": files}, sort_keys=True).encode("utf-8"))
    return {"sha256": total, "code": code, "files": files}


def recorded_inputs(notebook: dict) -> dict | None:
    """The record stored in a notebook by :func:`execute`, or None."""
    return notebook.get("metadata", {}).get(METADATA_KEY, {}).get("inputs")


def status(root: Path, notebook: Path) -> Status:
    """Compare a chapter's recorded inputs with the tree."""
    name = notebook.relative_to(root).as_posix()
    recorded = recorded_inputs(_read_notebook(notebook))
    if not recorded or not isinstance(recorded.get("files"), dict):
        return Status(name, ["its outputs carry no record of their inputs"])
    current = inputs_record(root, notebook, observed=[f for f in recorded["files"] if (root / f).is_file()])
    if current["sha256"] == recorded.get("sha256"):
        return Status(name)
    reasons = []
    if current["code"] != recorded.get("code"):
        reasons.append("its code cells changed")
    before, now = recorded["files"], current["files"]
    reasons += [f"{f} changed" for f in sorted(set(before) & set(now)) if before[f] != now[f]]
    reasons += [f"{f} is new" for f in sorted(set(now) - set(before))]
    reasons += [f"{f} was removed" for f in sorted(set(before) - set(now))]
    return Status(name, reasons or ["its record does not match its inputs"])


def stale(root: Path, notebooks: Sequence[Path] | None = None) -> list[Status]:
    """The chapters whose committed outputs are not current."""
    return [s for s in (status(root, nb) for nb in (notebooks or chapters(root))) if not s.current]


# --------------------------------------------------------------------------- execution


def _socket_file_kernel_manager(folder: Path) -> type:
    """A kernel manager whose kernel talks over Unix socket files in ``folder``.

    Over TCP each kernel picks its ports by asking the system for free ones and binding them
    a moment later; kernels started together (parallel chapters, or nbval in another test
    worker) can be handed the same port in between, and one then dies with "Address already in
    use". Socket files in a folder of its own cannot collide.
    """
    from jupyter_client import AsyncKernelManager
    from traitlets import default

    class SocketFileKernelManager(AsyncKernelManager):
        @default("transport")
        def _transport_default(self) -> str:
            return "ipc"

        @default("ip")
        def _ip_default(self) -> str:
            return str(folder / "kernel")

    return SocketFileKernelManager


def _execute_one(root: str, notebook: str, workdir: str) -> ExecutionFailure | None:
    """Execute one chapter into ``workdir``, record its inputs, normalise it, then replace the
    committed notebook in one step. On failure the committed notebook is left untouched."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    root_path, source = Path(root), Path(notebook)
    name = source.relative_to(root_path).as_posix()
    output = Path(workdir) / source.name
    reads = Path(workdir) / f"{source.stem}.reads"
    # The kernel inherits these; they are restored afterwards, so that no later process of this
    # one (the render, when a single chapter ran here in-process) traces into a removed folder.
    saved = {key: os.environ.get(key) for key in ("BCLM_READS_FILE", "PYTHONPATH")}
    os.environ["BCLM_READS_FILE"] = str(reads)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_TRACE_DIR), os.environ.get("PYTHONPATH")]))
    try:
        with tempfile.TemporaryDirectory(prefix="bclm-kernel-") as sockets:
            papermill.execute_notebook(
                str(source),
                str(output),
                cwd=str(root_path / "chapters"),
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                kernel_manager_class=_socket_file_kernel_manager(Path(sockets)),
            )
    except PapermillExecutionError as error:
        return ExecutionFailure(name, error.cell_index, f"{error.ename}: {error.evalue}")
    except Exception as error:  # the kernel died, the notebook is not valid JSON, ...
        return ExecutionFailure(name, None, f"{type(error).__name__}: {error}")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    opened = reads.read_text(encoding="utf-8").splitlines() if reads.is_file() else []
    executed = _read_notebook(output)
    executed.setdefault("metadata", {})[METADATA_KEY] = {
        "inputs": inputs_record(root_path, source, observed_inputs(root_path, source, opened))
    }
    output.write_text(json.dumps(executed, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    normalise([output])
    os.replace(output, source)
    return None


def normalise(notebooks: Sequence[Path]) -> None:
    """nbstripout with the book's settings (outputs and counts kept, papermill metadata removed)."""
    nbstripout = shutil.which("nbstripout") or str(Path(sys.executable).with_name("nbstripout"))
    subprocess.run([nbstripout, *NBSTRIPOUT_ARGS, *map(str, notebooks)], check=True)


def execute(root: Path, notebooks: Sequence[Path], jobs: int | None = None) -> list[ExecutionFailure]:
    """Execute ``notebooks`` in parallel (one kernel per core), each in place once it succeeded.

    Returns the failures (empty when every chapter ran). Nothing half-written is left: each
    chapter runs into a temporary folder and replaces the committed notebook only when it ran
    to the end and was normalised.
    """
    if not notebooks:
        return []
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(notebooks)))
    (root / "_build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root / "_build", prefix=".execute-") as workdir:
        if jobs == 1:
            results = [_execute_one(str(root), str(nb), workdir) for nb in notebooks]
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(_execute_one, str(root), str(nb), workdir) for nb in notebooks]
                results = [f.result() for f in futures]
    return [r for r in results if r is not None]


# --------------------------------------------------------------------------- command line


def _report_stale(statuses: Sequence[Status]) -> str:
    lines = [f"  {s.notebook}: {'; '.join(s.reasons[:4])}" + (" ..." if len(s.reasons) > 4 else "") for s in statuses]
    return "\n".join(lines)


def _remove_site(root: Path, why: str) -> None:
    site = root / "_build" / "html"
    if site.exists():
        shutil.rmtree(site)
        print(f"Removed {site.relative_to(root)}: {why}; no out-of-date book is left behind.", file=sys.stderr)


def _validate(root: Path) -> bool:
    """``python -m helpers.validate`` in ``root``: whether the data passed (it prints the errors)."""
    return subprocess.run([sys.executable, "-m", "helpers.validate"], cwd=root).returncode == 0


def _run_execute(root: Path, everything: bool, jobs: int | None, named: Sequence[str] = ()) -> int:
    if named:
        notebooks = [_named_chapter(root, name) for name in named]
    else:
        notebooks = chapters(root) if everything else [root / s.notebook for s in stale(root)]
    if not notebooks:
        print("Every chapter's committed outputs are current: nothing to execute.")
        return 0
    print(
        f"Executing {len(notebooks)} chapter(s) with papermill: " + ", ".join(nb.stem for nb in notebooks), flush=True
    )
    failures = execute(root, notebooks, jobs)
    for failure in failures:
        print(f"Chapter failed: {failure}", file=sys.stderr)
    if failures:
        print("The committed notebooks of the failed chapters were left as they were.", file=sys.stderr)
        return 1
    return 0


def _named_chapter(root: Path, name: str) -> Path:
    """A chapter named on the command line (``chapters/x.ipynb`` or ``x``), checked against the table of contents."""
    known = {nb.resolve(): nb for nb in chapters(root)}
    candidate = Path(name) if name.endswith(".ipynb") else Path("chapters") / f"{name}.ipynb"
    path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if path not in known:
        listed = ", ".join(nb.stem for nb in known.values())
        raise SystemExit(f"execute: {name!r} is not a chapter of the book's _toc.yml (chapters: {listed})")
    return known[path]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.notebooks", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="list every chapter as current or stale")
    sub.add_parser("check", help="exit 1 unless every chapter's outputs are current")
    run = sub.add_parser("execute", help="re-execute stale chapters (or all) in place")
    run.add_argument("--all", action="store_true", help="re-execute every chapter")
    run.add_argument("chapter", nargs="*", help="re-execute only these chapters (name or chapters/<name>.ipynb)")
    run.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: one per core)")
    build = sub.add_parser("build", help="validate, execute stale chapters, render the book")
    build.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        root = find_root()
        if args.command == "status":
            for notebook in chapters(root):
                s = status(root, notebook)
                print(
                    f"{'current' if s.current else 'stale  '}  {s.notebook}"
                    + ("" if s.current else f"  ({'; '.join(s.reasons[:3])})")
                )
            return 0
        if args.command == "check":
            out_of_date = stale(root)
            if out_of_date:
                print(
                    "Committed outputs are out of date (computed from other inputs than the tree's):\n"
                    + _report_stale(out_of_date)
                    + "\nRun `make book` (re-executes what changed) or `make refresh`, then commit.",
                    file=sys.stderr,
                )
                return 1
            print(f"Committed outputs are current for all {len(chapters(root))} chapters.")
            return 0
        if args.command == "execute":
            return _run_execute(root, args.all, args.jobs, args.chapter)
        # build
        if not _validate(root):
            _remove_site(root, "the data did not validate")
            return 1
        if _run_execute(root, False, args.jobs) != 0:
            _remove_site(root, "a chapter failed")
            return 1
        jupyter_book = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
        # Sphinx re-reads only the pages whose notebooks or sources changed since the last render
        # (a fresh clone renders everything); `make test` renders from a clean _build.
        if subprocess.run([jupyter_book, "build", str(root), "--keep-going"], cwd=root).returncode != 0:
            _remove_site(root, "the book did not build")
            return 1
        return 0
    except NotebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
