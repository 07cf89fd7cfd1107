"""Chapter bundles (helpers.bundle, _ext/chapterbundles.py): a zip per chapter, and one for the
book, with the notebook, the data package, the helpers wheel and pinned requirements.

The end-to-end test unpacks a real bundle in a clean temporary folder, installs it with the one
documented uv command (``UV_OFFLINE=1``: everything comes from uv's cache, which ``uv sync``
filled) into a fresh virtual environment and executes the chapter with papermill, as its
README.txt says. It runs by default; CASE_CHAPTER is the cheapest chapter to execute.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import DATA, ROOT
from helpers import bundle

CHAPTER = "survival_primer"
#: The chapter the end-to-end test executes: the cheapest to run (about 10 s in a fresh
#: environment, against 15-35 s for the others measured).
CASE_CHAPTER = "case_vignettes"
STEM = bundle.bundle_name(CHAPTER)


@pytest.fixture(scope="module")
def fake_wheel(tmp_path_factory) -> Path:
    wheel = tmp_path_factory.mktemp("wheel") / "bclm_evidence-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not a real wheel")
    return wheel


def test_bundle_name_says_book_and_chapter():
    assert bundle.bundle_name("her2_tkis") == "bclm-her2-tkis-chapter"


def test_bundle_holds_notebook_data_wheel_requirements_and_readme(tmp_path, fake_wheel):
    target = bundle.write_bundle(CHAPTER, ROOT, tmp_path, fake_wheel, "numpy==2.0.0\n")
    assert target.name == f"{STEM}.zip"
    members = zipfile.ZipFile(target).namelist()
    assert members == sorted(members)
    assert {
        f"{STEM}/{CHAPTER}.ipynb",
        f"{STEM}/wheels/{fake_wheel.name}",
        f"{STEM}/requirements.txt",
        f"{STEM}/README.txt",
        f"{STEM}/data/datapackage.json",
        f"{STEM}/data/effects.csv",
    } <= set(members)
    archive = zipfile.ZipFile(target)
    assert archive.read(f"{STEM}/requirements.txt").decode() == f"numpy==2.0.0\n./wheels/{fake_wheel.name}\n"
    assert archive.read(f"{STEM}/data/effects.csv") == (DATA / "effects.csv").read_bytes()
    assert archive.read(f"{STEM}/{CHAPTER}.ipynb") == (ROOT / "chapters" / f"{CHAPTER}.ipynb").read_bytes()
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        for path in resource["path"] if isinstance(resource["path"], list) else [resource["path"]]:
            assert f"{STEM}/data/{path}" in members


def test_readme_and_teaching_page_give_the_same_one_install_command(tmp_path, fake_wheel):
    readme = zipfile.ZipFile(bundle.write_bundle(CHAPTER, ROOT, tmp_path, fake_wheel, "")).read(f"{STEM}/README.txt")
    readme = readme.decode("utf-8")
    assert f"\n    {bundle.INSTALL}\n" in readme
    assert bundle.INSTALL_UV in readme
    assert f"papermill --cwd . {CHAPTER}.ipynb" in readme
    teaching = json.loads((ROOT / "chapters" / "teaching.ipynb").read_text(encoding="utf-8"))
    markdown = "".join("".join(c["source"]) for c in teaching["cells"] if c["cell_type"] == "markdown")
    assert bundle.INSTALL in markdown
    assert "{chapter-downloads}" in markdown


def test_book_bundle_holds_every_chapter_once_with_one_data_package(tmp_path, fake_wheel):
    names = [CHAPTER, "liver"]
    target = bundle.write_book_bundle(names, ROOT, tmp_path, fake_wheel, "x==1\n")
    assert target.name == "bclm-evidence-review-chapters.zip"
    members = zipfile.ZipFile(target).namelist()
    assert {f"bclm-evidence-review-chapters/{n}.ipynb" for n in names} <= set(members)
    assert sum(m.endswith("/datapackage.json") for m in members) == 1
    readme = zipfile.ZipFile(target).read("bclm-evidence-review-chapters/README.txt").decode("utf-8")
    assert "survival_primer.ipynb  Reading a survival curve" in readme


def test_bundle_is_the_same_bytes_twice(tmp_path, fake_wheel):
    digests = [
        hashlib.sha256(
            bundle.write_bundle(CHAPTER, ROOT, tmp_path / run, fake_wheel, "x==1\n").read_bytes()
        ).hexdigest()
        for run in ("a", "b")
    ]
    assert digests[0] == digests[1]


def test_a_chapter_reading_other_notebooks_is_refused_with_the_files_named(tmp_path, fake_wheel):
    with pytest.raises(ValueError, match=r"chapter 'teaching' reads files a bundle does not provide: \['chapters/"):
        bundle.write_bundle("teaching", ROOT, tmp_path, fake_wheel, "")
    assert "teaching" not in bundle.bundleable_chapters(ROOT)


def test_unknown_chapter_is_named(tmp_path, fake_wheel):
    with pytest.raises(FileNotFoundError, match="chapter 'nope': no notebook"):
        bundle.write_bundle("nope", ROOT, tmp_path, fake_wheel, "")


@pytest.fixture()
def small_repository(tmp_path, monkeypatch) -> tuple[Path, list[str]]:
    """A copy of what a bundle is made from (two chapters), with a fake wheel build that is counted."""
    root = tmp_path / "repo"
    (root / "chapters").mkdir(parents=True)
    for name in (CHAPTER, "liver"):
        shutil.copyfile(ROOT / "chapters" / f"{name}.ipynb", root / "chapters" / f"{name}.ipynb")
    shutil.copytree(DATA, root / "data")
    shutil.copytree(ROOT / "src" / "helpers", root / "src" / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copyfile(ROOT / name, root / name)
    builds: list[str] = []

    def fake_build(repo: Path, out: Path) -> Path:
        builds.append(str(repo))
        out.mkdir(parents=True, exist_ok=True)
        wheel = out / "bclm_evidence-0.1.0-py3-none-any.whl"
        wheel.write_bytes(b"wheel")
        return wheel

    monkeypatch.setattr(bundle, "build_wheel", fake_build)
    monkeypatch.setattr(bundle, "pinned_requirements", lambda repo: "x==1\n")
    return root, builds


def test_cache_rewrites_only_the_zips_whose_inputs_changed(small_repository, tmp_path):
    root, builds = small_repository
    out, cache = tmp_path / "out", tmp_path / "cache"

    def build():
        written = bundle.build_bundles([CHAPTER, "liver"], root, out, cache=cache, book=True)
        return sorted(p.name for p in written)

    everything = sorted([f"{STEM}.zip", "bclm-liver-chapter.zip", "bclm-evidence-review-chapters.zip"])
    assert build() == everything
    assert build() == []
    assert len(builds) == 1
    (out / "bclm-liver-chapter.zip").unlink()
    (out / "bclm-old-chapter.zip").write_bytes(b"a chapter that is gone")
    assert build() == ["bclm-liver-chapter.zip"]
    assert not (out / "bclm-old-chapter.zip").exists()
    notebook = root / "chapters" / "liver.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("liver", "Liver", 1), encoding="utf-8")
    assert build() == ["bclm-evidence-review-chapters.zip", "bclm-liver-chapter.zip"]
    assert len(builds) == 1
    with (root / "data" / "effects.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert build() == everything
    assert len(builds) == 1  # new data, the same package: the wheel is reused
    with (root / "src" / "helpers" / "bundle.py").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert build() == everything
    assert len(builds) == 2


def glued(notebook: dict) -> dict[str, str]:
    """The values a notebook glues into its text, by name (myst-nb's scrapbook outputs)."""
    values = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                values[name] = output["data"].get("application/papermill.record/text/plain")
    return values


def test_bundle_runs_from_a_clean_folder_in_a_fresh_environment(tmp_path):
    """Unpack the real bundle outside the repository, install it with the README's uv command
    (offline, from uv's cache) into a new virtual environment and execute the chapter with the
    README's papermill command: it finishes, imports helpers from the new environment and glues
    the same values as the committed chapter."""
    start = time.perf_counter()
    uv = bundle.find_uv()
    (target,) = bundle.build_bundles([CASE_CHAPTER], ROOT, tmp_path / "out", book=False)
    work = tmp_path / "clean"
    zipfile.ZipFile(target).extractall(work)
    folder = work / bundle.bundle_name(CASE_CHAPTER)
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "UV_CACHE_DIR", "XDG_CACHE_HOME")
    env = {k: v for k, v in os.environ.items() if k in keep}
    # The Python of this environment's base comes first on PATH, so `uv venv` picks it (uv's cache
    # holds wheels for its version). Never UV_PYTHON: `uv pip install` would install into it.
    base = Path(getattr(sys, "_base_executable", sys.executable)).parent
    env.update(
        PATH=os.pathsep.join([str(base), str(Path(uv).parent), "/usr/bin", "/bin"]),
        UV_OFFLINE="1",
        UV_PYTHON_PREFERENCE="only-system",
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    install = subprocess.run(bundle.INSTALL_UV, shell=True, cwd=folder, env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-3000:]
    python = folder / ".venv" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import helpers; print(helpers.__file__)"], env=env, capture_output=True, text=True
    )
    assert Path(where.stdout.strip()).is_relative_to(folder / ".venv"), where.stdout + where.stderr
    installed = time.perf_counter()
    run = subprocess.run(
        [str(folder / ".venv" / "bin" / "papermill"), "--cwd", ".", f"{CASE_CHAPTER}.ipynb", "executed.ipynb"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    executed = json.loads((folder / "executed.ipynb").read_text(encoding="utf-8"))
    committed = json.loads((ROOT / "chapters" / f"{CASE_CHAPTER}.ipynb").read_text(encoding="utf-8"))
    assert glued(committed)
    assert glued(executed) == glued(committed)
    print(
        f"bundle test: built and installed in {installed - start:.1f} s, "
        f"executed in {time.perf_counter() - installed:.1f} s"
    )
