"""The one test scaffold: paths, shared fixtures, and the rule for optional external resources.

- :data:`ROOT` (the repository), :data:`DATA` (``data/``), :data:`SHARED` (``../shared``, never
  committed). Test modules import them: ``from conftest import ROOT``.
- ``evidence``: the committed evidence tables, loaded and validated once per session.
- ``gbsg2``: the GBSG2 teaching data (times in months), loaded once per session. Both are shared
  between tests: never modify them in place (take a copy).
- :func:`require`: a resource outside the project (R, the validation data, the audited articles,
  a browser) that is missing skips its tests with a message saying what to install, unless the
  matching ``BCLM_REQUIRE_*`` variable is ``1`` (CI), where its absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from helpers import chapter, data, datasets

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
SHARED_VALIDATION = SHARED / "validation"
ARTICLES_DIR = SHARED / "articles"


SCREENSHOTS = ROOT / "_build" / "screenshots"


def save_screenshot(page, name: str, full_page: bool = True) -> None:
    """Write ``_build/screenshots/<name>.png`` when ``BCLM_SCREENSHOTS=1`` (``make screenshots``).

    Full-page screenshots are for people reviewing the pages and cost about as much as every
    assertion of a page together, so the test suite takes them only on request."""
    if os.environ.get("BCLM_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def require(present: bool, message: str, variable: str) -> None:
    """Skip the calling test (or fixture) with ``message`` when ``present`` is false, or fail
    when the environment variable ``variable`` (``BCLM_REQUIRE_R``, ``BCLM_REQUIRE_SHARED``,
    ``BCLM_REQUIRE_BROWSER``) is ``1``."""
    if present:
        return
    if os.environ.get(variable) == "1":
        pytest.fail(f"{message} ({variable}=1 makes this a failure)")
    pytest.skip(f"{message} (set {variable}=1 to make this a failure)")


@pytest.fixture
def glued(monkeypatch) -> dict[str, str]:
    """Every value :func:`helpers.chapter.glue` is given, by name (instead of notebook outputs)."""
    store: dict[str, str] = {}
    monkeypatch.setattr(chapter, "glue", lambda key, value: store.__setitem__(key, value))
    return store


@pytest.fixture(scope="session")
def evidence() -> data.Evidence:
    """The committed evidence tables of ``data/``, validated (shared: do not modify)."""
    return data.load_evidence(DATA)


@pytest.fixture(scope="session")
def gbsg2() -> pd.DataFrame:
    """GBSG2 with ``time_months``, ``event`` and ``hormone_therapy`` (shared: do not modify)."""
    return datasets.load_gbsg2("months")


@pytest.fixture(scope="session")
def rscript() -> str:
    """Path to Rscript for live cross-checks against R.

    CI installs R (``.ci/run``) and sets ``BCLM_REQUIRE_R=1``, so there a missing Rscript is a
    failure. On a reader's machine without R the live check is skipped with this message; the
    committed reference values are still checked by the tests that read them.
    """
    path = shutil.which("Rscript")
    require(
        path is not None,
        "Rscript not found: install r-base-core r-cran-survival r-cran-metafor "
        "(Debian, --no-install-recommends) to run the live cross-check against R",
        "BCLM_REQUIRE_R",
    )
    return path


@pytest.fixture(scope="session")
def shared_validation() -> Path:
    """The reconstruction validation data next to the repository (``../shared/validation``)."""
    require(
        (SHARED_VALIDATION / "reconstruction-benchmark" / "inputs" / "manifest.csv").exists(),
        f"validation data not found at {SHARED_VALIDATION} (../shared/validation, never committed): "
        "skipping the checks against the R implementations and KEYNOTE-189",
        "BCLM_REQUIRE_SHARED",
    )
    return SHARED_VALIDATION


@pytest.fixture(scope="session")
def articles_dir() -> Path:
    """The folder of the audited articles (``../shared/articles``), which the project does not
    redistribute."""
    require(
        ARTICLES_DIR.is_dir(),
        f"articles folder {ARTICLES_DIR} not found: the audited articles are not part of the project, "
        "so the check that every quote in data/claims.csv is verbatim is skipped",
        "BCLM_REQUIRE_SHARED",
    )
    return ARTICLES_DIR


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for a module of browser tests (Debian's ``chromium`` driven by Playwright,
    no browser download; the flags of :data:`helpers.handouts.FLAGS`). Module-scoped: Playwright's
    synchronous API allows one instance at a time, and the PDF handouts start their own."""
    from helpers import handouts

    try:
        executable = handouts.find_chromium()
    except FileNotFoundError as error:
        require(False, str(error), "BCLM_REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=handouts.FLAGS)
        yield instance
        instance.close()


def assert_r_script_regenerates_reference(rscript, script, inputs, reference, read, tmp_path, tolerance: float) -> None:
    """Re-run a committed R script (``Rscript script *inputs out``) and compare every value it
    writes, read with ``read``, with the committed ``reference``: the same keys in the same order,
    each value within ``tolerance`` (relative and absolute)."""
    out = tmp_path / "reference.csv"
    subprocess.run([rscript, str(script), *map(str, inputs), str(out)], check=True, capture_output=True)
    fresh, committed = dict(read(out).items()), dict(read(reference).items())
    assert list(fresh) == list(committed)
    for key, value in committed.items():
        assert fresh[key] == pytest.approx(value, rel=tolerance, abs=tolerance), key
