"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(scope="session")
def rscript() -> str:
    """Path to Rscript for live cross-checks against R.

    CI installs R (``.ci/run``) and sets ``BCLM_REQUIRE_R=1``, so there a missing Rscript is a
    failure. On a reader's machine without R the live check is skipped with this message; the
    committed reference values are still checked by the tests that read them.
    """
    path = shutil.which("Rscript")
    if path is None:
        message = ("Rscript not found: install r-base-core r-cran-survival r-cran-metafor "
                   "(Debian, --no-install-recommends) to run the live cross-check against R")
        if os.environ.get("BCLM_REQUIRE_R") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path
