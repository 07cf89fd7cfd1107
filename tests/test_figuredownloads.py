"""Figure downloads (_ext/figuredownloads.py): every labelled figure as ``<label>.svg`` and a
300-dpi ``<label>.png``, linked under its caption. A miniature Sphinx project with one SVG figure
is the oracle; tests/browser/test_question_bank.py checks the built book."""

from __future__ import annotations

import importlib.util
import io
import shutil
import sys

import pytest

from conftest import ROOT, require

SVG = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="72pt" height="36pt" viewBox="0 0 72 36">'
    '<rect x="0" y="0" width="36" height="36" fill="#0072B2"/></svg>\n'
)


@pytest.fixture(scope="module")
def figuredownloads():
    spec = importlib.util.spec_from_file_location("figuredownloads", ROOT / "_ext" / "figuredownloads.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_download_name_is_the_label_without_its_prefix(figuredownloads):
    assert figuredownloads.download_name("fig-her2-tkis-forest-pfs") == "her2-tkis-forest-pfs"
    with pytest.raises(ValueError, match=r"figure label must start with 'fig-'.*'tbl-x'"):
        figuredownloads.download_name("tbl-x")


def test_svg_size_in_css_pixels_from_points(figuredownloads):
    # 72 pt = 1 inch = 96 CSS px
    assert figuredownloads.svg_size_px(SVG) == (96.0, 48.0)
    with pytest.raises(ValueError, match="no numeric width and height"):
        figuredownloads.svg_size_px("<svg></svg>")


def test_with_dpi_records_the_resolution_pillow_reads_and_keeps_the_pixels(figuredownloads):
    from PIL import Image

    image = Image.new("RGBA", (3, 2), (0, 114, 178, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(72, 72))  # an old pHYs chunk, to be replaced
    stamped = figuredownloads.with_dpi(buffer.getvalue(), 300)
    with Image.open(io.BytesIO(stamped)) as read:
        assert read.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert read.size == (3, 2) and read.tobytes() == image.tobytes()
    assert stamped.count(b"pHYs") == 1
    with pytest.raises(ValueError, match="not a PNG image"):
        figuredownloads.with_dpi(b"GIF89a", 300)


def _chromium_or_skip():
    from helpers import handouts

    try:
        handouts.find_chromium()
    except FileNotFoundError as error:
        require(False, str(error), "BCLM_REQUIRE_BROWSER")


def test_a_built_page_links_its_figure_as_svg_and_300_dpi_png(tmp_path):
    """A page with figure ``fig-demo``: ``_downloads/figures/demo.svg`` is the same bytes as the
    figure, ``demo.png`` is 1 inch x 300 dpi = 300 pixels wide (72 pt) and records 300 dpi, and
    the page links both with the ``download`` attribute."""
    _chromium_or_skip()
    from bs4 import BeautifulSoup
    from PIL import Image
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    source = tmp_path / "source"
    (source / "chapters").mkdir(parents=True)
    (source / "chapters" / "demo.svg").write_text(SVG, encoding="utf-8")
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\nextensions = ['figuredownloads']\n",
        encoding="utf-8",
    )
    (source / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   chapters/page\n", encoding="utf-8")
    (source / "chapters" / "page.rst").write_text(
        "Page\n====\n\n.. figure:: demo.svg\n   :name: fig-demo\n\n   A demonstration figure.\n", encoding="utf-8"
    )
    out = tmp_path / "html"
    warnings = io.StringIO()
    # docutils_namespace restores docutils' registries afterwards, so that another test's Sphinx
    # application in the same process starts clean; warnings are collected instead of raised,
    # because an application built earlier in the process may have left registrations behind.
    with docutils_namespace():
        app = Sphinx(str(source), str(source), str(out), str(tmp_path / "doctrees"), "html", status=None,
                     warning=warnings, freshenv=True)  # fmt: skip
        app.build()
    assert "figuredownloads" not in warnings.getvalue(), warnings.getvalue()
    page = out / "chapters" / "page.html"
    links = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("p.bclm-figure-downloads a")
    assert [(a["href"], a["download"]) for a in links] == [
        ("../_downloads/figures/demo.svg", "demo.svg"),
        ("../_downloads/figures/demo.png", "demo.png"),
    ]
    figures = out / "_downloads" / "figures"
    assert (figures / "demo.svg").read_text(encoding="utf-8") == SVG
    with Image.open(figures / "demo.png") as image:
        assert image.size == (300, 150)
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert image.getpixel((10, 10)) == (0, 114, 178)  # the square's colour, #0072B2
        assert image.getpixel((290, 10)) == (255, 255, 255)  # white background, not transparent
    assert not list(figures.glob(".*.owner"))
    shutil.rmtree(out)
