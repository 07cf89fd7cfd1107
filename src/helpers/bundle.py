"""Chapters that run outside the repository: one zip per chapter, and one for the book, with
everything the chapters need.

``python -m helpers.bundle [--out DIR] [CHAPTER ...]`` (run from the repository; default: every
chapter of ``_toc.yml`` that can be bundled, and the book, into ``_build/bundles``) writes, for a
chapter ``her2_tkis``, ``bclm-her2-tkis-chapter.zip`` holding one folder
``bclm-her2-tkis-chapter/`` with

- ``her2_tkis.ipynb``: the chapter with its committed outputs;
- ``data/``: the data package (``datapackage.json``, ``README.md``, licences and every file a
  resource names); :func:`helpers.data.find_data_dir` finds it from the notebook's folder;
- ``wheels/bclm_evidence-<version>-py3-none-any.whl``: the ``helpers`` package, built with
  ``uv build --wheel`` (offline: the build backend comes from uv's cache, filled by ``uv sync``);
- ``requirements.txt``: every dependency pinned from ``uv.lock`` (``uv export --frozen
  --no-dev --no-hashes --no-emit-project``) and the wheel;
- ``README.txt``: the one install command (:data:`INSTALL`) and how to run the notebook.

The book's zip, ``bclm-evidence-review-chapters.zip``, holds every chapter that can be bundled in
one folder of that name, beside one ``data/``, ``wheels/`` and ``requirements.txt``.

A chapter can be bundled when everything it read while it ran (its recorded inputs,
``metadata.bclm.inputs`` of :mod:`helpers.notebooks`) is data, the package or the lock file; a
chapter that reads other notebooks or files beside the book (the teaching pages, the benchmarks)
is refused with the files named. The zips are deterministic (sorted members, fixed time stamp
and permissions), as the data package's zip, and :func:`build_bundles` with a ``cache`` folder
rewrites only the zips whose inputs changed (the book build, ``_ext/chapterbundles.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import yaml

from helpers.data import load_descriptor

ROOT = Path(__file__).resolve().parents[2]
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
#: Inputs a bundle provides: the data package, the package itself and the lock file.
PROVIDED = ("data/", "src/helpers/", "uv.lock")
#: The book's zip (every chapter that can be bundled) and the folder inside it.
BOOK_BUNDLE = "bclm-evidence-review-chapters"
#: The one install command of README.txt and of the teaching page, run in the unpacked folder.
INSTALL = "python -m venv .venv && .venv/bin/python -m pip install -r requirements.txt"
INSTALL_WINDOWS = r"python -m venv .venv && .venv\Scripts\python -m pip install -r requirements.txt"
#: The same with uv (tests/test_bundle.py runs it with ``UV_OFFLINE=1``, from uv's cache).
INSTALL_UV = "uv venv && uv pip install -r requirements.txt"
README = """{title}

{what} of "Breast cancer liver metastases: an executable evidence review".
Educational material, not medical advice.

Install (Python {python}), in this folder, with one command:

    {install}

(on Windows: {install_windows}; with uv: {install_uv})

Run a chapter and write the executed copy next to it:

    .venv/bin/papermill --cwd . {name}.ipynb {name}.executed.ipynb

or open it in Jupyter: .venv/bin/jupyter lab {name}.ipynb
{listing}The data are in data/ (a Frictionless data package); every number carries its source.
"""


def bundle_name(chapter: str) -> str:
    """The download name of a chapter's zip (without ``.zip``): ``her2_tkis`` -> ``bclm-her2-tkis-chapter``."""
    return f"bclm-{chapter.replace('_', '-')}-chapter"


def find_uv() -> str:
    """The uv executable: on ``PATH``, else the one of the uv package of this or the system Python
    (how ``make`` installs uv when it is missing).

    Raises
    ------
    FileNotFoundError
        If neither is found.
    """
    found = shutil.which("uv")
    if found:
        return found
    for python in (sys.executable, "python3"):
        try:
            result = subprocess.run(
                [python, "-c", "import uv; print(uv.find_uv_bin())"], capture_output=True, text=True, check=False
            )
        except OSError:
            continue
        if result.returncode == 0 and Path(result.stdout.strip()).is_file():
            return result.stdout.strip()
    raise FileNotFoundError("uv not found: not on PATH and no Python package uv (`make install` installs it)")


def _uv() -> list[str]:
    return [find_uv()]


def chapter_inputs(notebook: Path) -> list[str]:
    """The repository files a chapter read while it ran (``metadata.bclm.inputs.files``)."""
    metadata = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]
    inputs = metadata.get("bclm", {}).get("inputs")
    if inputs is None:
        raise ValueError(f"{notebook}: no recorded inputs (metadata.bclm.inputs): execute it first")
    return sorted(inputs.get("files", {}))


def unbundleable_inputs(notebook: Path) -> list[str]:
    """The inputs of a chapter that a bundle does not provide (empty: it can be bundled)."""
    return [f for f in chapter_inputs(notebook) if not f.startswith(PROVIDED)]


def toc_chapters(root: Path = ROOT) -> list[str]:
    """The chapter notebooks of ``_toc.yml`` (names in ``chapters/``), in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    names = []

    def walk(entries):
        for entry in entries:
            if str(entry.get("file", "")).startswith("chapters/"):
                names.append(entry["file"].removeprefix("chapters/"))
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    return names


def bundleable_chapters(root: Path = ROOT) -> list[str]:
    """The chapters of ``_toc.yml`` that can be bundled, in book order."""
    return [n for n in toc_chapters(root) if not unbundleable_inputs(root / "chapters" / f"{n}.ipynb")]


def chapter_title(notebook: Path) -> str:
    """The first level-one heading of the notebook's first cell (the page title), else its name."""
    for line in json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]["source"]:
        if line.startswith("# "):
            return line[2:].strip()
    return notebook.stem


def data_files(data_dir: Path) -> list[Path]:
    """The data package's files, relative to ``data_dir``, sorted."""
    files = {Path("datapackage.json")}
    files.update(p.relative_to(data_dir) for p in [data_dir / "README.md", *data_dir.rglob("LICENSE")] if p.is_file())
    for resource in load_descriptor(data_dir)["resources"]:
        paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        files.update(Path(p) for p in paths)
    return sorted(files, key=lambda p: p.as_posix())


def build_wheel(root: Path, out: Path) -> Path:
    """Build the ``helpers`` wheel into ``out`` with ``uv build --wheel``; return its path.

    Offline first (the build backend is in uv's cache once ``uv sync`` has installed the
    project); only if that fails is the index asked.
    """
    out.mkdir(parents=True, exist_ok=True)
    command = [*_uv(), "build", "--wheel", "--out-dir", str(out)]
    result = subprocess.run([*command, "--offline"], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"uv build --wheel failed in {root}:\n{result.stderr[-2000:]}")
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel in {out}, found {[w.name for w in wheels]}")
    return wheels[0]


def pinned_requirements(root: Path) -> str:
    """Every dependency of the book pinned from ``uv.lock`` (no development tools, no hashes)."""
    result = subprocess.run(
        [*_uv(), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def python_requirement(root: Path) -> str:
    """The Python versions the project supports, in words (``>=3.11`` -> ``3.11 or later``)."""
    spec = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    return f"{spec.removeprefix('>=')} or later" if spec.startswith(">=") and "," not in spec else spec


def _add(archive: zipfile.ZipFile, name: str, content: bytes) -> None:
    # Deflate level 6: a tenth of level 9's time on the notebooks for 2 % more bytes; the wheel
    # is a zip already and is stored as it is.
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_STORED if name.endswith(".whl") else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    archive.writestr(info, content, compresslevel=6)


def _notebook(root: Path, name: str) -> Path:
    notebook = root / "chapters" / f"{name}.ipynb"
    if not notebook.is_file():
        raise FileNotFoundError(f"chapter {name!r}: no notebook {notebook}")
    missing = unbundleable_inputs(notebook)
    if missing:
        raise ValueError(f"chapter {name!r} reads files a bundle does not provide: {missing}")
    return notebook


def _write_zip(
    stem: str, notebooks: list[Path], readme: str, root: Path, out: Path, wheel: Path, requirements: str
) -> Path:
    members: dict[str, bytes] = {f"{stem}/{nb.name}": nb.read_bytes() for nb in notebooks}
    members[f"{stem}/wheels/{wheel.name}"] = wheel.read_bytes()
    members[f"{stem}/requirements.txt"] = (requirements.rstrip("\n") + f"\n./wheels/{wheel.name}\n").encode("utf-8")
    members[f"{stem}/README.txt"] = readme.encode("utf-8")
    data_dir = root / "data"
    for path in data_files(data_dir):
        members[f"{stem}/data/{path.as_posix()}"] = (data_dir / path).read_bytes()
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{stem}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for member in sorted(members):
            _add(archive, member, members[member])
    return target


def _readme(root: Path, title: str, what: str, name: str, listing: str = "") -> str:
    return README.format(
        title=title,
        what=what,
        name=name,
        python=python_requirement(root),
        install=INSTALL,
        install_windows=INSTALL_WINDOWS,
        install_uv=INSTALL_UV,
        listing=listing,
    )


def write_bundle(name: str, root: Path, out: Path, wheel: Path, requirements: str) -> Path:
    """Write ``out/<bundle_name(name)>.zip`` (see the module); return its path.

    Raises
    ------
    FileNotFoundError
        If ``chapters/<name>.ipynb`` does not exist.
    ValueError
        If the chapter read files a bundle does not provide (named in the message).
    """
    notebook = _notebook(root, name)
    readme = _readme(root, chapter_title(notebook), "An executable chapter", name)
    return _write_zip(bundle_name(name), [notebook], readme, root, out, wheel, requirements)


def write_book_bundle(names: list[str], root: Path, out: Path, wheel: Path, requirements: str) -> Path:
    """Write ``out/bclm-evidence-review-chapters.zip``: the chapters ``names`` in one folder."""
    notebooks = [_notebook(root, n) for n in names]
    listing = "".join(f"    {nb.name}  {chapter_title(nb)}\n" for nb in notebooks)
    readme = _readme(
        root,
        "Breast cancer liver metastases: the executable chapters",
        "The executable chapters",
        "<chapter>",
        f"\nThe chapters:\n\n{listing}\n",
    )
    return _write_zip(BOOK_BUNDLE, notebooks, readme, root, out, wheel, requirements)


def package_inputs(root: Path) -> list[Path]:
    """Every file the wheel and the requirements are made from, sorted."""
    files = [p for p in (root / "src" / "helpers").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += [root / "pyproject.toml", root / "uv.lock", root / "README.md", Path(__file__)]
    return sorted({p for p in files if p.is_file()})


def shared_inputs(root: Path) -> list[Path]:
    """Every file all bundles are made from: :func:`package_inputs` and the data package, sorted."""
    data_dir = root / "data"
    return sorted({*package_inputs(root), *(data_dir / p for p in data_files(data_dir))})


def input_digest(paths: list[Path], root: Path) -> str:
    """SHA-256 over the names (relative to ``root`` where inside it) and bytes of ``paths``."""
    digest = hashlib.sha256()
    for path in paths:
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build_bundles(
    names: list[str] | None = None,
    root: Path = ROOT,
    out: Path | None = None,
    cache: Path | None = None,
    book: bool | None = None,
) -> list[Path]:
    """Bundle the chapters ``names`` (default: every chapter that can be bundled) into ``out``.

    Parameters
    ----------
    names : list of str, optional
        Chapter names; default :func:`bundleable_chapters`.
    root, out : Path
        The repository and the output folder (default ``<root>/_build/bundles``).
    cache : Path, optional
        A folder that keeps the wheel, the requirements and each zip's input digest between
        calls: a zip whose inputs (its notebooks and :func:`shared_inputs`) are unchanged and
        that is still in ``out`` is not rewritten, and the wheel is rebuilt only when the package
        or the lock file changed. Zips in ``out`` that are no longer wanted are removed.
    book : bool, optional
        Also write the book's zip of all ``names`` (default: when ``names`` was not given).

    Returns
    -------
    list of Path
        The zips written by this call (with a cache, only those whose inputs changed).
    """
    out = out or root / "_build" / "bundles"
    book = names is None if book is None else book
    names = bundleable_chapters(root) if names is None else names
    notebooks = {n: _notebook(root, n) for n in names}
    package = input_digest(package_inputs(root), root)
    shared = input_digest(shared_inputs(root), root)
    wanted = {bundle_name(n): input_digest([nb], root) for n, nb in notebooks.items()}
    if book:
        wanted[BOOK_BUNDLE] = input_digest(list(notebooks.values()), root)
    wanted = {stem: hashlib.sha256(f"{shared}:{key}".encode()).hexdigest() for stem, key in wanted.items()}
    record = {}
    if cache is not None and (cache / "inputs.json").is_file():
        record = json.loads((cache / "inputs.json").read_text(encoding="utf-8"))
    done = record.get("zips", {})
    todo = [s for s, key in wanted.items() if done.get(s) != key or not (out / f"{s}.zip").is_file()]
    if cache is not None and out.is_dir():
        for stale in out.glob("*.zip"):
            if stale.stem not in wanted:
                stale.unlink()
    if not todo:
        return []
    with tempfile.TemporaryDirectory() as folder:
        work = cache if cache is not None else Path(folder)
        wheels, pinned = work / "wheel", work / "requirements.txt"
        if record.get("package") != package or not pinned.is_file() or not any(wheels.glob("*.whl")):
            shutil.rmtree(wheels, ignore_errors=True)
            build_wheel(root, wheels)
            pinned.write_text(pinned_requirements(root), encoding="utf-8")
        (wheel,) = sorted(wheels.glob("*.whl"))
        requirements = pinned.read_text(encoding="utf-8")
        written = []
        for stem in todo:
            if stem == BOOK_BUNDLE:
                written.append(write_book_bundle(names, root, out, wheel, requirements))
            else:
                written.append(
                    write_bundle(next(n for n in names if bundle_name(n) == stem), root, out, wheel, requirements)
                )
        if cache is not None:
            (cache / "inputs.json").write_text(
                json.dumps({"package": package, "zips": wanted}, indent=1), encoding="utf-8"
            )
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.bundle", description=__doc__.splitlines()[0])
    parser.add_argument(
        "chapters", nargs="*", help="chapter names (default: every chapter that can be bundled, and the book)"
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder (default _build/bundles)")
    args = parser.parse_args(argv)
    try:
        written = build_bundles(args.chapters or None, ROOT, args.out)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as error:
        print(f"bundle: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
