"""PDF handouts of the built book: one PDF per page of ``_toc.yml`` and one for the whole book.

Each page of the built HTML book (``make book`` writes ``_build/html``) is opened offline in
headless Chromium (Debian's ``chromium``, driven by Playwright; no browser is downloaded) and
printed with ``page.pdf()``. The print style sheet ``_static/bclm-print.css`` leaves out code,
code toggles, sidebars and buttons, and lets every table column wrap onto the page. Cells whose
output the HTML folds away ("Show code cell output") are unfolded first, so that every numbered
table is printed. The book PDF joins the page PDFs in ``_toc.yml`` order (pypdf when it is
installed, else ``pdfunite`` from Debian's ``poppler-utils``).

Run ``make handouts`` or ``python -m helpers.handouts [--html DIR] [--out DIR] [PAGE ...]``;
the PDFs are written to ``_build/handouts/<page>.pdf`` and ``_build/handouts/bclm-evidence-review.pdf``.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# The same flags as the browser test (tests/browser/test_pages.py).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BOOK_PDF = "bclm-evidence-review.pdf"
FOOTER = (
    '<div style="font-size:7pt;width:100%;padding:0 12mm;color:#555;display:flex;'
    'justify-content:space-between;"><span class="title"></span>'
    '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)
# Printable width of an A4 page with the 12 mm side margins of _static/bclm-print.css, in CSS px.
PRINT_WIDTH_PX = round((210 - 2 * 12) / 25.4 * 96)
FIT_CLASSES = ["bclm-print-fit-1", "bclm-print-fit-2", "bclm-print-fit-3", "bclm-print-fit-4"]
# Unfold outputs the HTML folds away and wait for MathJax to finish typesetting; then, laid out
# for print at the page's width, give each table whose narrowest layout (every word whole) is
# wider than the page the first class of bclm-print.css that makes it fit; the third class lets
# cell text break anywhere except short single tokens (numbers, codes), the last one any text,
# headers too. Returns the classes set ("fitted") and the outermost elements that still lie
# outside the page's width ("outside": tag, id or class, width, first words), which
# print_pages refuses to print.
PREPARE_SCRIPT = r"""async (fitClasses) => {
  document.querySelectorAll('details.below-input').forEach(d => { d.open = true; });
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await document.fonts.ready;
  const page = document.documentElement.clientWidth;
  // The width a table can have: the page less the padding, borders and margins of its containers
  // (a table inside an exercise or solution box has less room than one in the text).
  const room = table => { let inset = 0;
    for (let e = table.parentElement; e && e !== document.documentElement; e = e.parentElement) {
      const s = getComputedStyle(e);
      for (const k of ['paddingLeft', 'paddingRight', 'borderLeftWidth', 'borderRightWidth']) inset += parseFloat(s[k]);
      inset += Math.max(0, parseFloat(s.marginLeft)) + Math.max(0, parseFloat(s.marginRight)); }
    return page - inset; };
  const narrowest = table => { const before = table.style.getPropertyValue('width');
    table.style.setProperty('width', 'min-content', 'important');
    const w = table.getBoundingClientRect().width; table.style.setProperty('width', before); return w; };
  // Short single tokens (a number, a code, a one-word label) never break, whatever the class.
  document.querySelectorAll('.bd-content table td').forEach(td => {
    const text = td.textContent.trim();
    if (text && text.length <= 12 && !/\s/.test(text)) td.classList.add('bclm-print-keep'); });
  const fitted = [];
  for (const table of document.querySelectorAll('.bd-content table')) {
    const width = room(table);
    if (narrowest(table) <= width) continue;
    for (const name of fitClasses) {
      fitClasses.forEach(c => table.classList.remove(c)); table.classList.add(name);
      if (narrowest(table) <= width) break;
    }
    fitted.push(Array.from(table.classList).filter(c => fitClasses.includes(c))[0]);
  }
  // Text kept for screen readers only (MathJax's assistive MathML) is clipped away: not printed.
  const clipped = e => { for (let x = e; x && x !== document.body; x = x.parentElement) {
    const s = getComputedStyle(x); if (s.clip !== 'auto' || s.clipPath !== 'none') return true; } return false; };
  const outside = e => { const r = e.getBoundingClientRect();
    return r.width > 0 && (r.left < -0.5 || r.right > page + 0.5) && getComputedStyle(e).visibility !== 'hidden'; };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  const out = Array.from(document.body.querySelectorAll('*'))
    .filter(e => outside(e) && !outside(e.parentElement) && !clipped(e))
    .slice(0, 5).map(e => `${name(e)} (${Math.round(e.getBoundingClientRect().width)} px: ` +
      `${e.textContent.trim().replace(/\s+/g, ' ').slice(0, 60)})`);
  return {fitted: fitted, outside: out};
}"""


def toc_pages(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """The book's pages in reading order, as paths without suffix (``chapters/her2_tkis``).

    Parameters
    ----------
    toc : Path
        The Jupyter Book table of contents (``root`` and ``parts`` of ``chapters``).

    Returns
    -------
    list of str
        The root page followed by every chapter's ``file`` entry, each followed by its sections
        (sub-pages such as a chapter's appendix).
    """
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    pages = [data["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in data["parts"]:
        walk(part["chapters"])
    return pages


def pdf_name(page: str) -> str:
    """The handout file name of a page: its last path component with ``.pdf`` (``her2_tkis.pdf``)."""
    return f"{Path(page).name}.pdf"


def find_chromium(executable: str | None = None) -> str:
    """The Chromium executable to print with.

    Raises
    ------
    FileNotFoundError
        If neither ``executable`` (default ``/usr/bin/chromium``) nor a ``chromium`` on PATH exists;
        the message says which Debian package to install.
    """
    candidate = executable or CHROMIUM
    if Path(candidate).exists():
        return candidate
    found = shutil.which("chromium")
    if found is None:
        raise FileNotFoundError(
            f"Chromium not found at {candidate} nor on PATH: install Debian's `chromium` package "
            "(apt-get install chromium) to print the handouts"
        )
    return found


def print_pages(html: Path, out: Path, pages: list[str], chromium: str | None = None) -> list[Path]:
    """Print each page of the built book to ``out/<name>.pdf``.

    Parameters
    ----------
    html : Path
        The built HTML book (``_build/html``).
    out : Path
        Folder for the PDFs (created when missing).
    pages : list of str
        Pages as in ``_toc.yml`` (``chapters/her2_tkis``).
    chromium : str, optional
        Chromium executable; default ``/usr/bin/chromium``.

    Returns
    -------
    list of Path
        The PDFs written, in the order of ``pages``.

    Raises
    ------
    FileNotFoundError
        If ``html`` has no ``index.html`` (the book is not built), a page's HTML file is missing,
        or Chromium is not installed.
    """
    html = Path(html)
    if not (html / "index.html").is_file():
        raise FileNotFoundError(f"html={html} holds no built book (no index.html): run `make book` first")
    missing = [p for p in pages if not (html / f"{p}.html").is_file()]
    if missing:
        raise FileNotFoundError(f"html={html}: no built page for {', '.join(missing)} (run `make book`)")
    executable = find_chromium(chromium)
    from playwright.sync_api import sync_playwright

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
            # Offline: the book must print with no network.
            context.route(re.compile(r"^https?://"), lambda route: route.abort())
            for page_path in pages:
                page = context.new_page()
                page.goto((html / f"{page_path}.html").as_uri())
                page.wait_for_load_state("load")
                page.emulate_media(media="print")
                laid_out = page.evaluate(PREPARE_SCRIPT, FIT_CLASSES)
                if laid_out["outside"]:
                    raise RuntimeError(
                        f"{page_path}: wider than the printed page ({PRINT_WIDTH_PX} px), so cut off: "
                        + "; ".join(laid_out["outside"])
                    )
                target = out / pdf_name(page_path)
                page.pdf(
                    path=str(target),
                    format="A4",
                    print_background=True,
                    prefer_css_page_size=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=FOOTER,
                )
                page.close()
                written.append(target)
        finally:
            browser.close()
    return written


def join_pdfs(parts: list[Path], target: Path) -> Path:
    """Concatenate ``parts`` in order into ``target`` (pypdf if installed, else ``pdfunite``).

    Raises
    ------
    RuntimeError
        If neither pypdf nor ``pdfunite`` (Debian ``poppler-utils``) is available.
    """
    if importlib.util.find_spec("pypdf") is not None:
        from pypdf import PdfWriter

        writer = PdfWriter()
        for part in parts:
            writer.append(str(part))
        with open(target, "wb") as handle:
            writer.write(handle)
        return target
    pdfunite = shutil.which("pdfunite")
    if pdfunite is None:
        raise RuntimeError(
            f"cannot join {len(parts)} PDFs into {target}: install Debian's `poppler-utils` (pdfunite) "
            "or the Python package pypdf"
        )
    subprocess.run([pdfunite, *map(str, parts), str(target)], check=True)
    return target


def page_count(pdf: Path) -> int:
    """Number of pages of a PDF written by Chromium (counted from its ``/Type /Page`` objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", Path(pdf).read_bytes()))


def build_handouts(
    html: Path = ROOT / "_build" / "html",
    out: Path = ROOT / "_build" / "handouts",
    pages: list[str] | None = None,
    book: bool = True,
) -> list[Path]:
    """Print the page PDFs and, when ``book`` and every page was printed, the book PDF.

    Parameters
    ----------
    html, out : Path
        The built book and the folder for the PDFs.
    pages : list of str, optional
        Pages to print; default every page of ``_toc.yml``.
    book : bool
        Also join the pages into ``out/bclm-evidence-review.pdf`` (only when all pages are printed).

    Returns
    -------
    list of Path
        The PDFs written; the book PDF last.
    """
    every = toc_pages()
    chosen = every if not pages else pages
    written = print_pages(Path(html), Path(out), chosen)
    if book and chosen == every:
        written.append(join_pdfs(written, Path(out) / BOOK_PDF))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.handouts", description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="pages as in _toc.yml (chapters/her2_tkis); default: all")
    parser.add_argument(
        "--html", type=Path, default=ROOT / "_build" / "html", help="the built book (default _build/html)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "_build" / "handouts", help="folder for the PDFs (default _build/handouts)"
    )
    args = parser.parse_args(argv)
    try:
        written = build_handouts(args.html, args.out, args.pages or None)
    except (FileNotFoundError, RuntimeError) as error:
        print(f"handouts: {error}", file=sys.stderr)
        return 1
    for pdf in written:
        print(f"{pdf}  ({page_count(pdf)} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
