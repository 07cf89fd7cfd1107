"""Chapter bundles (helpers.bundle): a zip per chapter with the notebook, the data package, the
helpers wheel and pinned requirements. The end-to-end check (unpack in a clean temporary folder,
install into a fresh virtual environment, execute the notebook) takes minutes, so it runs only
with ``BCLM_TEST_BUNDLE=1``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import DATA, ROOT
from helpers import bundle

CHAPTER = "survival_primer"


@pytest.fixture(scope="module")
def fake_wheel(tmp_path_factory) -> Path:
    wheel = tmp_path_factory.mktemp("wheel") / "bclm_evidence-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not a real wheel")
    return wheel


def test_bundle_holds_notebook_data_wheel_requirements_and_readme(tmp_path, fake_wheel):
    target = bundle.write_bundle(CHAPTER, ROOT, tmp_path, fake_wheel, "numpy==2.0.0\n")
    members = zipfile.ZipFile(target).namelist()
    assert members == sorted(members)
    assert {
        f"{CHAPTER}/{CHAPTER}.ipynb",
        f"{CHAPTER}/wheels/{fake_wheel.name}",
        f"{CHAPTER}/requirements.txt",
        f"{CHAPTER}/README.txt",
        f"{CHAPTER}/data/datapackage.json",
        f"{CHAPTER}/data/effects.csv",
    } <= set(members)
    archive = zipfile.ZipFile(target)
    assert archive.read(f"{CHAPTER}/requirements.txt").decode() == f"numpy==2.0.0\n./wheels/{fake_wheel.name}\n"
    assert archive.read(f"{CHAPTER}/data/effects.csv") == (DATA / "effects.csv").read_bytes()
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        for path in resource["path"] if isinstance(resource["path"], list) else [resource["path"]]:
            assert f"{CHAPTER}/data/{path}" in members


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


def test_unknown_chapter_is_named(tmp_path, fake_wheel):
    with pytest.raises(FileNotFoundError, match="chapter 'nope': no notebook"):
        bundle.write_bundle("nope", ROOT, tmp_path, fake_wheel, "")


@pytest.mark.skipif(os.environ.get("BCLM_TEST_BUNDLE") != "1", reason="slow: set BCLM_TEST_BUNDLE=1")
def test_bundle_runs_from_a_clean_folder_in_a_fresh_environment(tmp_path):
    """Unpack the real bundle outside the repository, install it with uv into a new virtual
    environment (offline from uv's cache when there is no network) and execute the notebook with
    papermill; it must finish without error."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv not found")
    (target,) = bundle.build_bundles([CHAPTER], ROOT, tmp_path / "out")
    work = tmp_path / "clean"
    zipfile.ZipFile(target).extractall(work)
    folder = work / CHAPTER
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BCLM_", "VIRTUAL_ENV", "PYTHONPATH"))}
    subprocess.run([uv, "venv", "--python", "3.11", str(folder / ".venv")], check=True, env=env, capture_output=True)
    python = folder / ".venv" / "bin" / "python"
    install = [uv, "pip", "install", "--python", str(python), "-r", "requirements.txt"]
    result = subprocess.run(install, cwd=folder, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        result = subprocess.run([*install, "--offline"], cwd=folder, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    run = subprocess.run(
        [str(folder / ".venv" / "bin" / "papermill"), "--cwd", ".", f"{CHAPTER}.ipynb", "executed.ipynb"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (folder / "executed.ipynb").is_file()
