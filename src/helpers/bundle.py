"""Chapters that run outside the repository: one zip per chapter with everything it needs.

``python -m helpers.bundle [--out DIR] [CHAPTER ...]`` (run from the repository; default: every
chapter of ``_toc.yml`` that can be bundled, into ``_build/bundles``) writes ``<chapter>.zip``
holding one folder ``<chapter>/`` with

- ``<chapter>.ipynb``: the chapter with its committed outputs;
- ``data/``: the data package (``datapackage.json``, ``README.md``, licences and every file a
  resource names); :func:`helpers.data.find_data_dir` finds it from the notebook's folder;
- ``wheels/bclm_evidence-<version>-py3-none-any.whl``: the ``helpers`` package, built with
  ``uv build --wheel``;
- ``requirements.txt``: every dependency pinned from ``uv.lock`` (``uv export --frozen
  --no-dev --no-hashes --no-emit-project``) and the wheel;
- ``README.txt``: the one install command and how to run the notebook.

A chapter can be bundled when everything it read while it ran (its recorded inputs,
``metadata.bclm.inputs`` of :mod:`helpers.notebooks`) is data, the package or the lock file; a
chapter that reads other notebooks or files outside the repository (the teaching pages, the
claims audit's articles) is refused with the files named. The zip is deterministic (sorted
members, fixed time stamp and permissions), as the data package's zip.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

from helpers.data import load_descriptor

ROOT = Path(__file__).resolve().parents[2]
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
#: Inputs a bundle provides: the data package, the package itself and the lock file.
PROVIDED = ("data/", "src/helpers/", "uv.lock")
README = """{title}

An executable chapter of "Breast cancer liver metastases: an executable evidence review".
Educational material, not medical advice.

Install (Python {python} or later), in this folder:

    python -m venv .venv && .venv/bin/python -m pip install -r requirements.txt

(on Windows: .venv\\Scripts\\python -m pip install -r requirements.txt)

Run the chapter and write the executed copy next to it:

    .venv/bin/papermill --cwd . {name}.ipynb {name}.executed.ipynb

or open it in Jupyter: .venv/bin/jupyter lab {name}.ipynb
The data are in data/ (a Frictionless data package); every number carries its source.
"""


def _uv() -> list[str]:
    found = shutil.which("uv")
    if found:
        return [found]
    return [sys.executable, "-m", "uv"]


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


def data_files(data_dir: Path) -> list[Path]:
    """The data package's files, relative to ``data_dir``, sorted."""
    files = {Path("datapackage.json")}
    files.update(p.relative_to(data_dir) for p in [data_dir / "README.md", *data_dir.rglob("LICENSE")] if p.is_file())
    for resource in load_descriptor(data_dir)["resources"]:
        paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        files.update(Path(p) for p in paths)
    return sorted(files, key=lambda p: p.as_posix())


def build_wheel(root: Path, out: Path) -> Path:
    """Build the ``helpers`` wheel into ``out`` with ``uv build --wheel``; return its path."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([*_uv(), "build", "--wheel", "--out-dir", str(out)], cwd=root, check=True, capture_output=True)
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


def _add(archive: zipfile.ZipFile, name: str, content: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    archive.writestr(info, content, compresslevel=9)


def write_bundle(name: str, root: Path, out: Path, wheel: Path, requirements: str) -> Path:
    """Write ``out/<name>.zip`` (see the module); return its path.

    Raises
    ------
    FileNotFoundError
        If ``chapters/<name>.ipynb`` does not exist.
    ValueError
        If the chapter read files a bundle does not provide (named in the message).
    """
    notebook = root / "chapters" / f"{name}.ipynb"
    if not notebook.is_file():
        raise FileNotFoundError(f"chapter {name!r}: no notebook {notebook}")
    missing = unbundleable_inputs(notebook)
    if missing:
        raise ValueError(f"chapter {name!r} reads files a bundle does not provide: {missing}")
    title = next(
        (line[2:].strip() for line in json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]["source"]
         if line.startswith("# ")),
        name,
    )  # fmt: skip
    python = "3.11"
    members: dict[str, bytes] = {
        f"{name}/{name}.ipynb": notebook.read_bytes(),
        f"{name}/wheels/{wheel.name}": wheel.read_bytes(),
        f"{name}/requirements.txt": (requirements.rstrip("\n") + f"\n./wheels/{wheel.name}\n").encode("utf-8"),
        f"{name}/README.txt": README.format(title=title, name=name, python=python).encode("utf-8"),
    }
    data_dir = root / "data"
    for path in data_files(data_dir):
        members[f"{name}/data/{path.as_posix()}"] = (data_dir / path).read_bytes()
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in sorted(members):
            _add(archive, member, members[member])
    return target


def build_bundles(names: list[str] | None = None, root: Path = ROOT, out: Path | None = None) -> list[Path]:
    """Bundle the chapters ``names`` (default: every chapter of ``_toc.yml`` that can be bundled)."""
    out = out or root / "_build" / "bundles"
    if names is None:
        names = [n for n in toc_chapters(root) if not unbundleable_inputs(root / "chapters" / f"{n}.ipynb")]
    requirements = pinned_requirements(root)
    with tempfile.TemporaryDirectory() as folder:
        wheel = build_wheel(root, Path(folder))
        return [write_bundle(n, root, out, wheel, requirements) for n in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.bundle", description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter that can be bundled)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default _build/bundles)")
    args = parser.parse_args(argv)
    for path in build_bundles(args.chapters or None, ROOT, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
