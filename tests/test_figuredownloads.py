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


def threading_names() -> list[str]:
    """Drawing threads still alive."""
    import threading

    return [t.name for t in threading.enumerate() if t.name == "figuredownloads-rasterise"]


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

    # An unchanged rebuild draws nothing; a PNG that went missing is drawn again even though its
    # page is not rewritten (the sweep when the build finishes).
    drawn_at = (figures / "demo.png").stat().st_mtime_ns
    for rebuild in ("unchanged", "png removed"):
        if rebuild == "png removed":
            (figures / "demo.png").unlink()
        status = io.StringIO()
        with docutils_namespace():
            app = Sphinx(str(source), str(source), str(out), str(tmp_path / "doctrees"), "html", status=status,
                         warning=warnings)  # fmt: skip
            app.build()
        drawn = 0 if rebuild == "unchanged" else 1
        assert f"1 figures as SVG and {drawn} as 300-dpi PNG" in status.getvalue(), rebuild
    assert (figures / "demo.png").stat().st_mtime_ns != drawn_at
    with Image.open(figures / "demo.png") as image:
        assert image.size == (300, 150)
    shutil.rmtree(out)


def test_background_rasteriser_draws_each_svg_once_while_the_caller_goes_on(figuredownloads, tmp_path):
    """Two SVGs, one added twice: two PNGs, each 72 pt = 300 px wide at 300 dpi."""
    _chromium_or_skip()
    from PIL import Image

    first, second = tmp_path / "first.svg", tmp_path / "second.svg"
    first.write_text(SVG, encoding="utf-8")
    second.write_text(SVG.replace('width="72pt"', 'width="144pt"').replace("0 0 72 36", "0 0 144 36"), encoding="utf-8")
    rasteriser = figuredownloads.BackgroundRasteriser()
    for svg in (first, second, first):
        rasteriser.add(svg)
    assert rasteriser.finish() == [first.with_suffix(".png"), second.with_suffix(".png")]
    with Image.open(first.with_suffix(".png")) as a, Image.open(second.with_suffix(".png")) as b:
        assert (a.size, b.size) == ((300, 150), (600, 150))


def test_background_rasteriser_without_work_starts_no_browser(figuredownloads):
    rasteriser = figuredownloads.BackgroundRasteriser(chromium="/nonexistent/chromium")
    assert rasteriser.finish() == []
    assert threading_names() == []


def test_background_rasteriser_raises_the_drawing_error_in_the_build(figuredownloads, tmp_path):
    """An SVG without a size fails in the drawing thread; ``finish`` raises it to the build."""
    _chromium_or_skip()
    broken = tmp_path / "broken.svg"
    broken.write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>', encoding="utf-8")
    rasteriser = figuredownloads.BackgroundRasteriser()
    rasteriser.add(broken)
    with pytest.raises(ValueError, match="no numeric width and height"):
        rasteriser.finish()
    assert threading_names() == []
