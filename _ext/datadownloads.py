"""The data package as downloads of the built book, loaded through `_config.yml` (local_extensions).

When an HTML build finishes, every table of the Frictionless data package (each resource path in
``data/datapackage.json``), the descriptor itself and ``data/README.md`` are copied into
``<html>/_downloads/data/`` under their own names (sub-folders kept, e.g.
``appraisal/certainty_her2_tkis.csv``), and the whole package is written as one zip,
``_downloads/data/bclm-data-package.zip``, whose files sit under ``bclm-data-package/`` so that
the descriptor's relative paths resolve after unpacking.

The directive ``data-downloads`` (a fenced block ```` ```{data-downloads} ```` on the data page)
lists these downloads, read from the descriptor when the page is built: the zip first, then each
resource by its title with links to its CSV files. A table added to the package is listed
without editing the page.

The zip is deterministic: members in sorted order, a fixed timestamp (1980-01-01, the earliest
a zip can hold) and fixed permissions, so the same data give the same bytes.
"""

from __future__ import annotations

import json
import posixpath
import shutil
import zipfile
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

DOWNLOAD_DIR = Path("_downloads") / "data"
ZIP_NAME = "bclm-data-package.zip"
ZIP_FOLDER = "bclm-data-package"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def package_files(data_dir: Path) -> list[Path]:
    """The files of the data package, relative to ``data_dir``, in sorted order.

    Parameters
    ----------
    data_dir : Path
        The folder holding ``datapackage.json``.

    Returns
    -------
    list of Path
        ``datapackage.json``, ``README.md`` and any ``LICENSE`` files when present, and every
        path named by a resource of the descriptor.

    Raises
    ------
    FileNotFoundError
        If the descriptor, or a file one of its resources names, does not exist.
    """
    descriptor = data_dir / "datapackage.json"
    if not descriptor.is_file():
        raise FileNotFoundError(f"data package descriptor not found: {descriptor}")
    files = {Path("datapackage.json")}
    files.update(p.relative_to(data_dir) for p in [data_dir / "README.md", *data_dir.rglob("LICENSE")] if p.is_file())
    for resource in json.loads(descriptor.read_text(encoding="utf-8"))["resources"]:
        paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        for path in paths:
            if not (data_dir / path).is_file():
                raise FileNotFoundError(
                    f"{descriptor}: resource {resource.get('name')!r} names path {path!r}, which does not exist"
                )
            files.add(Path(path))
    return sorted(files, key=lambda p: p.as_posix())


def write_zip(data_dir: Path, files: list[Path], target: Path) -> None:
    """Write ``files`` (relative to ``data_dir``) into the zip ``target`` with fixed metadata."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"{ZIP_FOLDER}/{path.as_posix()}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever machine builds the book
            archive.writestr(info, (data_dir / path).read_bytes(), compresslevel=9)


def copy_data_downloads(data_dir: Path, outdir: Path) -> list[Path]:
    """Copy the package's files and its zip into ``outdir/_downloads/data``; return what was written."""
    files = package_files(data_dir)
    target = outdir / DOWNLOAD_DIR
    if target.exists():
        shutil.rmtree(target)
    written = []
    for path in files:
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / path, destination)
        written.append(destination)
    write_zip(data_dir, files, target / ZIP_NAME)
    written.append(target / ZIP_NAME)
    return written


def download_link(text: str, target: str, docname: str) -> nodes.reference:
    """A link from page ``docname`` to ``target`` (a path under the HTML output), shown as ``text``
    (also used by ``chapterbundles``)."""
    uri = posixpath.relpath(target, posixpath.dirname(docname) or ".")
    return nodes.reference("", "", nodes.literal(text=text), refuri=uri, internal=True, classes=["download"])


class DataDownloads(SphinxDirective):
    """A list of the data package's downloads: the zip, then each resource with its CSV files."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        data_dir = Path(self.env.srcdir) / "data"
        descriptor = data_dir / "datapackage.json"
        self.env.note_dependency(str(descriptor))
        base = DOWNLOAD_DIR.as_posix()
        docname = self.env.docname
        items = nodes.bullet_list(classes=["bclm-data-downloads"])  # _static/bclm.css: names wrap on phones
        whole = nodes.paragraph()
        whole += nodes.strong(text="The whole data package")
        whole += nodes.Text(" (every table, datapackage.json and README.md): ")
        whole += download_link(ZIP_NAME, f"{base}/{ZIP_NAME}", docname)
        items += nodes.list_item("", whole)
        for resource in json.loads(descriptor.read_text(encoding="utf-8"))["resources"]:
            paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
            line = nodes.paragraph()
            line += nodes.Text(f"{resource.get('title') or resource['name']}: ")
            for index, path in enumerate(paths):
                if index:
                    line += nodes.Text(", ")
                line += download_link(Path(path).name, f"{base}/{path}", docname)
            items += nodes.list_item("", line)
        return [items]


def _on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    written = copy_data_downloads(Path(app.srcdir) / "data", Path(app.outdir))
    from sphinx.util import logging

    logging.getLogger(__name__).info(
        f"datadownloads: {len(written) - 1} data files and {ZIP_NAME} in {DOWNLOAD_DIR.as_posix()}/"
    )


def setup(app):
    app.add_directive("data-downloads", DataDownloads)
    app.connect("build-finished", _on_build_finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
