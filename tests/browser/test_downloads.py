"""Downloads of the built book: the data package's tables as CSV and the whole package as a zip
(_ext/datadownloads.py writes them into ``_build/html/_downloads/data/`` when the build finishes),
and every chapter as a zip that runs anywhere (_ext/chapterbundles.py, ``_downloads/chapters/``),
offered in the chapter's download menu and listed on the teaching page.

Runs after the build with the other browser-marked tests (``make browser-test``);
``BCLM_BOOK_HTML`` points it at another built book than ``_build/html``.
"""

from __future__ import annotations

import json
import zipfile

import pytest
from bookpages import HTML

from conftest import DATA, ROOT
from helpers import bundle

pytestmark = pytest.mark.browser

DOWNLOADS = HTML / "_downloads" / "data"
CHAPTER_ZIPS = HTML / "_downloads" / "chapters"


def package_paths() -> list[str]:
    """datapackage.json and every path its resources name (the oracle: the descriptor itself)."""
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    paths = ["datapackage.json"]
    for resource in descriptor["resources"]:
        paths.extend(resource["path"] if isinstance(resource["path"], list) else [resource["path"]])
    return paths


@pytest.fixture(scope="module")
def built():
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML} has no built book: run `make strict-book` (or `make book`) first")
    return DOWNLOADS


def test_every_data_table_is_downloadable_under_its_own_name(built):
    missing = [p for p in package_paths() if not (built / p).is_file()]
    assert missing == []
    assert (built / "effects.csv").read_bytes() == (DATA / "effects.csv").read_bytes()


def test_data_package_zip_unpacks_to_the_package(built):
    archive = zipfile.ZipFile(built / "bclm-data-package.zip")
    assert {f"bclm-data-package/{p}" for p in package_paths()} <= set(archive.namelist())
    assert archive.read("bclm-data-package/datapackage.json") == (DATA / "datapackage.json").read_bytes()


def test_every_chapter_that_can_run_alone_offers_its_zip_in_the_download_menu(built):
    chapters = bundle.bundleable_chapters(ROOT)
    assert {"her2_tkis", "liver", "case_vignettes"} <= set(chapters)
    for name in chapters:
        stem = bundle.bundle_name(name)
        page = (HTML / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        assert f'<a href="../_downloads/chapters/{stem}.zip"' in page, f"{name}.html: no link to {stem}.zip"
        members = zipfile.ZipFile(CHAPTER_ZIPS / f"{stem}.zip").namelist()
        assert {f"{stem}/{name}.ipynb", f"{stem}/requirements.txt", f"{stem}/data/datapackage.json"} <= set(members)


def test_teaching_page_lists_the_book_zip_and_every_chapter_zip(built):
    page = (HTML / "chapters" / "teaching.html").read_text(encoding="utf-8")
    stems = [bundle.BOOK_BUNDLE, *map(bundle.bundle_name, bundle.bundleable_chapters(ROOT))]
    for stem in stems:
        assert f'href="../_downloads/chapters/{stem}.zip"' in page, stem
        assert (CHAPTER_ZIPS / f"{stem}.zip").is_file(), stem
    book = zipfile.ZipFile(CHAPTER_ZIPS / f"{bundle.BOOK_BUNDLE}.zip").namelist()
    assert {f"{bundle.BOOK_BUNDLE}/{n}.ipynb" for n in bundle.bundleable_chapters(ROOT)} <= set(book)
