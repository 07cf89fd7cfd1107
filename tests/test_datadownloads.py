"""The data package as downloads of the built book (_ext/datadownloads.py): every table of
data/datapackage.json copied under its own name into ``_downloads/data/``, plus the whole package
as ``bclm-data-package.zip``, byte for byte the same on every build.

tests/browser/test_downloads.py checks the same files in the built book.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import zipfile

import pytest

from conftest import DATA, ROOT


@pytest.fixture(scope="module")
def datadownloads():
    spec = importlib.util.spec_from_file_location("datadownloads", ROOT / "_ext" / "datadownloads.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def resource_paths() -> set[str]:
    """Every path the data package descriptor names (the oracle: datapackage.json itself)."""
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    paths = set()
    for resource in descriptor["resources"]:
        paths.update(resource["path"] if isinstance(resource["path"], list) else [resource["path"]])
    return paths


def test_every_table_of_the_package_is_copied_under_its_own_name(datadownloads, tmp_path):
    written = datadownloads.copy_data_downloads(DATA, tmp_path)
    target = tmp_path / "_downloads" / "data"
    names = {p.relative_to(target).as_posix() for p in written}
    assert resource_paths() | {"datapackage.json", "README.md", "bclm-data-package.zip"} <= names
    assert {"effects.csv", "studies.csv", "sources.csv", "appraisal/certainty_her2_tkis.csv"} <= names
    assert (target / "effects.csv").read_bytes() == (DATA / "effects.csv").read_bytes()


def test_zip_holds_the_package_under_one_folder(datadownloads, tmp_path):
    datadownloads.copy_data_downloads(DATA, tmp_path)
    archive = zipfile.ZipFile(tmp_path / "_downloads" / "data" / "bclm-data-package.zip")
    members = archive.namelist()
    assert members == sorted(members)
    assert all(m.startswith("bclm-data-package/") for m in members)
    inside = {m.removeprefix("bclm-data-package/") for m in members}
    assert {"datapackage.json", *resource_paths()} <= inside
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert archive.read("bclm-data-package/effects.csv") == (DATA / "effects.csv").read_bytes()


def test_zip_is_the_same_bytes_on_every_build(datadownloads, tmp_path):
    digests = []
    for run in ("first", "second"):
        datadownloads.copy_data_downloads(DATA, tmp_path / run)
        zipped = (tmp_path / run / "_downloads" / "data" / "bclm-data-package.zip").read_bytes()
        digests.append(hashlib.sha256(zipped).hexdigest())
    assert digests[0] == digests[1]


def test_missing_resource_file_is_named(datadownloads, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    descriptor = {"resources": [{"name": "effects", "path": "effects.csv"}]}
    (data / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"resource 'effects' names path 'effects.csv'"):
        datadownloads.package_files(data)


def test_directive_links_every_download_from_a_built_page(tmp_path):
    """A miniature Sphinx project with the extension and one page under chapters/ that uses the
    directive: after the build, every file the page links to exists in the HTML output."""
    from bs4 import BeautifulSoup
    from sphinx.application import Sphinx

    source = tmp_path / "source"
    (source / "chapters").mkdir(parents=True)
    (source / "data").symlink_to(DATA, target_is_directory=True)
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\nextensions = ['datadownloads']\n"
        "exclude_patterns = ['data']\n",
        encoding="utf-8",
    )
    (source / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   chapters/data\n", encoding="utf-8")
    (source / "chapters" / "data.rst").write_text("Data\n====\n\n.. data-downloads::\n", encoding="utf-8")
    out = tmp_path / "html"
    app = Sphinx(
        str(source),
        str(source),
        str(out),
        str(tmp_path / "doctrees"),
        "html",
        status=None,
        warning=None,
        freshenv=True,
        warningiserror=True,
    )
    app.build()
    page = out / "chapters" / "data.html"
    hrefs = [a["href"] for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("a.download")]
    expected = {f"../_downloads/data/{p}" for p in resource_paths()} | {"../_downloads/data/bclm-data-package.zip"}
    assert set(hrefs) == expected
    assert all((page.parent / href).resolve().is_file() for href in hrefs)
