"""Every figure of the book downloadable as SVG and as a 300-dpi PNG under its label, loaded
through ``_config.yml`` (local_extensions).

The chapters draw their figures as SVG (:func:`helpers.plotting.use_house_style`) and name each
figure cell ``fig-<label>`` (``mystnb: figure: name:``); the built HTML shows them under hashed
file names in ``_images/``. This extension

- when a page's doctree is resolved, copies (when changed) the SVG of every labelled figure (a figure whose id
  starts with ``fig-`` and that holds one SVG image) to ``_downloads/figures/<label>.svg``, the
  label without its ``fig-`` prefix (``fig-her2-tkis-forest-pfs`` gives
  ``her2-tkis-forest-pfs.svg``), and adds a line "Download: <label>.svg · <label>.png (300 dpi)"
  under the figure's caption (links with the HTML ``download`` attribute);
- rasterises each such SVG to ``<label>.png`` at :data:`PNG_DPI` dots per inch, in a
  background thread (:class:`BackgroundRasteriser`) that starts as soon as the page is read, so
  that Chromium draws on the second core while Sphinx reads and writes the other pages instead
  of adding about 9 s to the end of the build (the build waits for the last PNG when it
  finishes): the SVG is drawn by headless Chromium (the browser that the
  browser tests and the PDF handouts use, found by :func:`helpers.handouts.find_chromium`) at a
  device scale of ``PNG_DPI / 96`` on a white background, so a figure of ``w`` points becomes
  about ``w / 72 * PNG_DPI`` pixels wide, and the PNG records its resolution (``pHYs``). An
  incremental build redraws only the PNGs missing or older than their SVG.

matplotlib cannot read SVG and no SVG rasteriser is a dependency of the book, hence Chromium
(driven by Playwright, of the ``test`` extra that ``make`` always installs); the resolution is
written into Chromium's PNG as it is (:func:`with_dpi`). When either is missing the SVG links are still
written, the PNG links are left out, and one warning says why (a strict build then fails, as it
should in CI, where Chromium is installed). Two figures with the same label are an error:
download names must be unique.
"""

from __future__ import annotations

import base64
import contextlib
import math
import posixpath
import queue
import re
import shutil
import struct
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

DOWNLOAD_DIR = Path("_downloads") / "figures"
PNG_DPI = 300
PREFIX = "fig-"
_SIZE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)(pt|px)?"[^>]*?\sheight="([\d.]+)(pt|px)?"', re.S)

logger = logging.getLogger(__name__)


def download_name(label: str) -> str:
    """The file stem of a figure's downloads: its label without the ``fig-`` prefix."""
    if not label.startswith(PREFIX) or len(label) == len(PREFIX):
        raise ValueError(f"figure label must start with {PREFIX!r} and name the figure, got {label!r}")
    return label[len(PREFIX) :]


def svg_size_px(svg: str | bytes) -> tuple[float, float]:
    """Width and height of an SVG in CSS pixels (96 per inch; matplotlib writes points, 72 per inch).

    Raises
    ------
    ValueError
        If the root element has no numeric ``width`` and ``height``.
    """
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    match = _SIZE.search(text)
    if not match:
        raise ValueError("SVG root element has no numeric width and height attributes")
    width, w_unit, height, h_unit = match.groups()
    scale = {"pt": 96 / 72, "px": 1.0, None: 1.0}
    return float(width) * scale[w_unit], float(height) * scale[h_unit]


def with_dpi(png: bytes, dpi: int) -> bytes:
    """The PNG ``png`` with its resolution recorded as ``dpi`` (a ``pHYs`` chunk after ``IHDR``).

    Writing the chunk into Chromium's PNG, instead of decoding and re-encoding the image, keeps
    the pixels as drawn and costs nothing (re-encoding took about half a second a figure). The
    chunk holds pixels per metre, ``round(dpi / 0.0254)``, unit 1 (PNG specification, 11.3.5.3).
    """
    signature = b"\x89PNG\r\n\x1a\n"
    if not png.startswith(signature):
        raise ValueError("not a PNG image (no PNG signature)")
    chunks, position = [], len(signature)
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        end = position + 12 + length
        if kind != b"pHYs":
            chunks.append((kind, png[position:end]))
        position = end
    if not chunks or chunks[0][0] != b"IHDR":
        raise ValueError("PNG image does not start with an IHDR chunk")
    per_metre = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    phys = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return signature + chunks[0][1] + phys + b"".join(raw for _, raw in chunks[1:])


def rasterise(svgs: Iterable[Path], dpi: int = PNG_DPI, chromium: str | None = None) -> list[Path]:
    """Write ``<name>.png`` next to each SVG, drawn by headless Chromium at ``dpi``; returns them.

    The PNG is ``ceil(width_px * dpi / 96)`` pixels wide for an SVG ``width_px`` CSS pixels wide,
    on white, with its resolution recorded. ``svgs`` may be any iterable, consumed as it comes
    (:class:`BackgroundRasteriser` passes one that waits for the pages still being written).
    """
    from playwright.sync_api import sync_playwright

    from helpers import handouts

    executable = handouts.find_chromium(chromium)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=handouts.FLAGS)
        try:
            context = browser.new_context(device_scale_factor=dpi / 96)
            page = context.new_page()
            page.route(re.compile(r"^https?://"), lambda route: route.abort())
            for svg in svgs:
                data = svg.read_bytes()
                width, height = svg_size_px(data)
                box = {"width": math.ceil(width), "height": math.ceil(height)}
                page.set_viewport_size(box)
                encoded = base64.b64encode(data).decode("ascii")
                page.set_content(
                    '<!DOCTYPE html><html><body style="margin:0;background:#ffffff">'
                    f'<img alt="" src="data:image/svg+xml;base64,{encoded}" '
                    f'style="display:block;width:{width}px;height:{height}px"></body></html>'
                )
                page.wait_for_function("document.images[0].complete")
                png = page.screenshot(clip={"x": 0, "y": 0, **box}, type="png")
                target = svg.with_suffix(".png")
                target.write_bytes(with_dpi(png, dpi))
                written.append(target)
        finally:
            browser.close()
    return written


def _is_stale(svg: Path) -> bool:
    png = svg.with_suffix(".png")
    return not png.exists() or svg.stat().st_mtime > png.stat().st_mtime


class BackgroundRasteriser:
    """:func:`rasterise` in a thread fed while the build goes on.

    Sphinx writes pages on one core; Chromium draws the figures on the other. The thread (and
    Chromium) start with the first SVG; :meth:`finish` waits for the last PNG and raises the
    thread's error, if any, in the caller's thread.
    """

    def __init__(self, dpi: int = PNG_DPI, chromium: str | None = None):
        self._dpi, self._chromium = dpi, chromium
        self._queue: queue.Queue[Path | None] = queue.Queue()
        self._queued: set[tuple[Path, int]] = set()
        self._thread: threading.Thread | None = None
        self._written: list[Path] = []
        self._error: BaseException | None = None

    def add(self, svg: Path) -> None:
        """Draw ``svg`` (once per version of the file, however often it is added)."""
        version = (svg, svg.stat().st_mtime_ns)
        if version in self._queued:
            return
        self._queued.add(version)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="figuredownloads-rasterise", daemon=True)
            self._thread.start()
        self._queue.put(svg)

    def _run(self) -> None:
        try:
            self._written = rasterise(iter(self._queue.get, None), dpi=self._dpi, chromium=self._chromium)
        except BaseException as error:  # handed to the build's thread by finish()
            self._error = error

    def finish(self) -> list[Path]:
        """Wait for every PNG added; the PNGs written. Re-raises the drawing thread's error."""
        if self._thread is None:
            return []
        self._queue.put(None)
        self._thread.join()
        self._thread = None
        if self._error is not None:
            raise self._error
        return self._written


def _figure_label(figure: nodes.figure) -> str | None:
    return next((i for i in figure.get("ids", []) if i.startswith(PREFIX)), None)


def _links(name: str, docname: str, png: bool) -> nodes.raw:
    base = posixpath.relpath(f"{DOWNLOAD_DIR.as_posix()}/{name}", posixpath.dirname(docname) or ".")
    parts = [f'<a class="download" href="{base}.svg" download="{name}.svg">{name}.svg</a>']
    if png:
        parts.append(f'<a class="download" href="{base}.png" download="{name}.png">{name}.png</a> ({PNG_DPI} dpi)')
    html = '<p class="bclm-figure-downloads">Download: ' + " · ".join(parts) + "</p>"
    return nodes.raw("", html, format="html")


def _on_builder_inited(app) -> None:
    app.env.bclm_figure_png = False
    app.bclm_rasteriser = None
    if app.builder.format != "html":
        return
    import importlib.util

    from helpers import handouts

    try:
        handouts.find_chromium()
        if importlib.util.find_spec("playwright") is None:
            raise FileNotFoundError("the Python package playwright is not installed (extra 'test')")
    except FileNotFoundError as error:
        logger.warning(f"figuredownloads: figure PNGs are not written ({error}); SVG downloads only")
        return
    app.env.bclm_figure_png = True
    app.bclm_rasteriser = BackgroundRasteriser()


def _labelled_svg_figures(app, doctree: nodes.document):
    """``(figure, label, download name, uri, source path)`` of each labelled figure with one SVG."""
    for figure in doctree.findall(nodes.figure):
        label = _figure_label(figure)
        images = [i for i in figure.findall(nodes.image) if str(i.get("uri", "")).endswith(".svg")]
        if label is None or len(images) != 1:
            continue
        uri = images[0]["uri"]
        yield figure, label, download_name(label), uri, Path(uri) if Path(uri).is_absolute() else Path(app.srcdir) / uri


def _copy_for_download(app, name: str, source: Path) -> None:
    """Copy ``source`` to ``_downloads/figures/<name>.svg`` when it differs, and have its PNG
    drawn when the PNG is missing or older (and PNGs are drawn at all)."""
    destination = Path(app.outdir) / DOWNLOAD_DIR / f"{name}.svg"
    destination.parent.mkdir(parents=True, exist_ok=True)
    if not destination.exists() or destination.read_bytes() != source.read_bytes():
        shutil.copyfile(source, destination)
    rasteriser = getattr(app, "bclm_rasteriser", None)
    if rasteriser is not None and _is_stale(destination):
        rasteriser.add(destination)


def _on_doctree_read(app, doctree: nodes.document) -> None:
    # Drawing starts as soon as a page is read, so that Chromium works while Sphinx reads and
    # writes the other pages. The resolved page copies again (a no-op unless two pages used the
    # same label, when the page that owns the label wins) and adds the links.
    if getattr(app, "bclm_rasteriser", None) is None:
        return
    for _, _, name, _, source in _labelled_svg_figures(app, doctree):
        if source.is_file():
            _copy_for_download(app, name, source)


def _on_doctree_resolved(app, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    target = Path(app.outdir) / DOWNLOAD_DIR
    for figure, label, name, uri, source in _labelled_svg_figures(app, doctree):
        if not source.is_file():
            logger.warning(f"figuredownloads: {docname}: figure {label!r} image {uri!r} not found", location=figure)
            continue
        target.mkdir(parents=True, exist_ok=True)
        owner = f"{docname}\n"
        marker = target / f".{name}.owner"
        if marker.exists() and marker.read_text(encoding="utf-8") != owner:
            logger.warning(
                f"figuredownloads: figure label {label!r} is used on {docname} and on "
                f"{marker.read_text(encoding='utf-8').strip()}: download names must be unique",
                location=figure,
            )
            continue
        marker.write_text(owner, encoding="utf-8")
        _copy_for_download(app, name, source)
        caption = next((c for c in figure.children if isinstance(c, nodes.caption)), None)
        links = _links(name, docname, png=getattr(app.env, "bclm_figure_png", False))
        if caption is not None:
            figure.insert(figure.index(caption) + 1, links)
        else:
            figure.append(links)


def _on_build_finished(app, exception) -> None:
    rasteriser = getattr(app, "bclm_rasteriser", None)
    if exception is not None or app.builder.format != "html":
        if rasteriser is not None:
            with contextlib.suppress(Exception):  # the build's own error is the one to report
                rasteriser.finish()
        return
    target = Path(app.outdir) / DOWNLOAD_DIR
    for marker in target.glob(".*.owner"):
        marker.unlink()
    svgs = sorted(target.glob("*.svg"))
    if rasteriser is None:
        return
    # Pages not rewritten by an incremental build keep their PNGs unless one is missing or old.
    for svg in svgs:
        if _is_stale(svg):
            rasteriser.add(svg)
    pngs = rasteriser.finish()
    logger.info(f"figuredownloads: {len(svgs)} figures as SVG and {len(pngs)} as {PNG_DPI}-dpi PNG in {target}")


def setup(app):
    app.connect("builder-inited", _on_builder_inited)
    app.connect("doctree-read", _on_doctree_read, priority=600)  # after Sphinx's image collector
    app.connect("doctree-resolved", _on_doctree_resolved)
    # Last of the build's finishing steps: the other extensions' work overlaps the drawing.
    app.connect("build-finished", _on_build_finished, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
