"""Chapters that run anywhere, as downloads of the built book; loaded through `_config.yml`
(local_extensions).

When an HTML build finishes, :func:`helpers.bundle.build_bundles` writes one zip per chapter
that can be bundled (the notebook with its outputs, the data package, the ``helpers`` wheel and
requirements pinned from ``uv.lock``; e.g. ``bclm-her2-tkis-chapter.zip``) and one zip of every
such chapter, ``bclm-evidence-review-chapters.zip``, into ``<html>/_downloads/chapters/``.
Everything is built offline (``uv build --wheel --offline``, ``uv export --frozen``). The wheel,
the requirements and each zip's input digest are kept in ``<doctrees>/chapterbundles``, so a
rebuild rewrites only the zips whose notebook, data, package or lock file changed, and builds
the wheel only when the package or the lock file did (measured on two busy cores: 1.6-4 s for
all twenty zips of a clean build, 0.1 s when nothing changed).

Each chapter page that has a zip gets an entry ".zip (runnable)" in its download menu (the
theme's download button), and the directive ``chapter-downloads`` (a fenced block on the
teaching page) lists the book's zip and every chapter's zip by the chapter's title.

When uv is missing or a bundle cannot be built, one warning says why and the links are still
written (a strict build then fails, as it should in CI, where ``make`` installs uv).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from datadownloads import download_link  # a sibling local extension (_ext/ is on the path)
from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

DOWNLOAD_DIR = Path("_downloads") / "chapters"
MENU_TEXT = ".zip (runnable)"
MENU_TOOLTIP = "Download this chapter ready to run: notebook, data, helpers package, pinned requirements"

logger = logging.getLogger(__name__)


def _bundleable(app) -> dict[str, str]:
    """``{docname: zip name}`` of the chapters that can be bundled (worked out once per build)."""
    if not hasattr(app, "bclm_chapter_bundles"):
        from helpers import bundle

        root = Path(app.srcdir)
        names = []
        for name in bundle.toc_chapters(root):
            try:
                if not bundle.unbundleable_inputs(root / "chapters" / f"{name}.ipynb"):
                    names.append(name)
            except (OSError, ValueError) as error:  # not executed yet: `make book` executes it first
                logger.warning(f"chapterbundles: chapter {name!r} has no download ({error})")
        app.bclm_chapter_bundles = {f"chapters/{n}": f"{bundle.bundle_name(n)}.zip" for n in names}
    return app.bclm_chapter_bundles


class ChapterDownloads(SphinxDirective):
    """A list of the runnable downloads: the book's zip, then each chapter's zip under its title."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from helpers import bundle

        base = DOWNLOAD_DIR.as_posix()
        docname = self.env.docname
        items = nodes.bullet_list(classes=["bclm-data-downloads"])  # _static/bclm.css: names wrap on phones
        chapters = _bundleable(self.env.app)
        if chapters:
            whole = nodes.paragraph()
            whole += nodes.strong(text="Every chapter below in one folder")
            whole += nodes.Text(" (one data package, one install): ")
            whole += download_link(f"{bundle.BOOK_BUNDLE}.zip", f"{base}/{bundle.BOOK_BUNDLE}.zip", docname)
            items += nodes.list_item("", whole)
        for chapter_doc, zip_name in chapters.items():
            notebook = Path(self.env.srcdir) / f"{chapter_doc}.ipynb"
            self.env.note_dependency(str(notebook))
            line = nodes.paragraph()
            line += nodes.Text(f"{bundle.chapter_title(notebook)}: ")
            line += download_link(zip_name, f"{base}/{zip_name}", docname)
            items += nodes.list_item("", line)
        return [items]


def _add_menu_entry(app, pagename, templatename, context, doctree) -> None:
    zip_name = _bundleable(app).get(pagename)
    if zip_name is None:
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append(
                {
                    "type": "link",
                    "url": f"{context['pathto'](DOWNLOAD_DIR.as_posix(), 1)}/{zip_name}",
                    "text": MENU_TEXT,
                    "tooltip": MENU_TOOLTIP,
                    "icon": "fas fa-file-archive",
                    "label": "download-chapter-bundle-button",
                }
            )


def _on_build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html" or not _bundleable(app):
        return
    from helpers import bundle

    names = [doc.removeprefix("chapters/") for doc in _bundleable(app)]
    start = time.perf_counter()
    try:
        written = bundle.build_bundles(
            names,
            Path(app.srcdir),
            Path(app.outdir) / DOWNLOAD_DIR,
            cache=Path(app.doctreedir) / "chapterbundles",
            book=True,
        )
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as error:
        logger.warning(f"chapterbundles: the chapter downloads were not written ({error})")
        return
    logger.info(
        f"chapterbundles: {len(written)} of {len(names) + 1} chapter zips rewritten in "
        f"{time.perf_counter() - start:.1f} s ({DOWNLOAD_DIR.as_posix()}/)"
    )


def setup(app):
    app.add_directive("chapter-downloads", ChapterDownloads)
    # After the theme's download menu is made (sphinx-book-theme connects at priority 501).
    app.connect("html-page-context", _add_menu_entry, priority=600)
    app.connect("build-finished", _on_build_finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
