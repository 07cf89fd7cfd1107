"""Performance budget of the book: `make bench`.

Measured in one run on this machine, in a fresh clone of the repository's committed HEAD (so
uncommitted work is not measured; commit first):

- fresh clone to built book, including the environment install (`make book`);
- fresh clone with the environment already installed, committed outputs current (`make book`);
- no-change rebuild (`make book` again);
- one chapter's code edited (only that chapter is re-executed);
- one helper edited (every chapter is re-executed, in parallel);
- `make test`;
- the ratio of a rendered build (Jupyter Book, execution off) to a fully executed one
  (Jupyter Book forcing execution of every chapter), on the same tree;
- each chapter's execution time (papermill, fresh kernel), listed on the reproducibility page.

Prints the figures beside the budget, writes them to benchmarks/book_timings.csv, and exits 1 if
a budget is missed or a build re-executed other chapters than it should have.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = {
    "fresh clone to built book, with install": None,
    "fresh clone, environment installed: make book": 20.0,
    "make book, no change": 2.0,
    "make book, one chapter's code edited": 20.0,
    "make book, one helper edited": None,  # compared with the fully executed build below
    "make test": 110.0,
    "rendered build (execution off)": None,
    "fully executed build (Jupyter Book, execution forced)": None,
    "chapter execution (each)": 10.0,
}


def run(command: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        print(result.stdout[-4000:])
        raise SystemExit(f"bench: {' '.join(command)} failed in {cwd}")
    return seconds


def chapters(root: Path) -> list[Path]:
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())

    def walk(entries):  # a chapter's sections (appendix, re-analysis pages) are notebooks too
        for entry in entries:
            yield entry["file"]
            yield from walk(entry.get("sections", []))

    files = list(walk(c for part in toc["parts"] for c in part["chapters"]))
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


def changed_notebooks(clone: Path) -> list[str]:
    out = subprocess.run(
        ["git", "status", "--porcelain", "--", "chapters"], cwd=clone, check=True, capture_output=True, text=True
    ).stdout
    return sorted(Path(line[3:]).stem for line in out.splitlines() if line.endswith(".ipynb"))


def edit_first_code_cell(notebook: Path) -> None:
    nb = json.loads(notebook.read_text())
    cell = next(
        c for c in nb["cells"] if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])
    )
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = source + "\n# edited by make bench"
    notebook.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n")


def set_execution(config: Path, mode: str) -> None:
    text = config.read_text()
    config.write_text(re.sub(r'execute_notebooks: *"?\w+"?', f'execute_notebooks: "{mode}"', text))


def main() -> int:
    rows: list[tuple[str, float, str]] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bclm-bench-") as tmp:
        clone = Path(tmp) / "book"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = dict(os.environ, PATH=f"{clone / '.venv' / 'bin'}:{os.environ['PATH']}")
        env.pop("VIRTUAL_ENV", None)
        rows.append(("fresh clone to built book, with install", run(["make", "book"], clone, env), ""))
        if changed_notebooks(clone):
            problems.append(f"a fresh clone re-executed {changed_notebooks(clone)}: committed outputs are stale")
        # The same from another fresh clone whose environment is installed first.
        second = Path(tmp) / "book2"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(second)], check=True)
        env2 = dict(env, PATH=f"{second / '.venv' / 'bin'}:{os.environ['PATH']}")
        run(["make", "install"], second, env2)
        rows.append(("fresh clone, environment installed: make book", run(["make", "book"], second, env2), ""))
        rows.append(("make book, no change", run(["make", "book"], second, env2), ""))

        notebook = chapters(second)[0]
        edit_first_code_cell(notebook)
        seconds = run(["make", "book"], second, env2)
        executed = changed_notebooks(second)
        rows.append(("make book, one chapter's code edited", seconds, f"re-executed: {', '.join(executed)}"))
        if executed != [notebook.stem]:
            problems.append(f"editing {notebook.stem} re-executed {executed}")
        subprocess.run(["git", "checkout", "--quiet", "--", "chapters"], cwd=second, check=True)

        helper = second / "src" / "helpers" / "formatting.py"
        helper.write_text(helper.read_text() + "\n# edited by make bench\n")
        seconds = run(["make", "book"], second, env2)
        executed = changed_notebooks(second)
        rows.append(("make book, one helper edited", seconds, f"re-executed {len(executed)} chapters in parallel"))
        if len(executed) != len(chapters(second)):
            problems.append(f"editing a helper re-executed only {executed}")
        subprocess.run(["git", "checkout", "--quiet", "--", "chapters", "src"], cwd=second, check=True)

        rows.append(("make test", run(["make", "test"], second, env2), ""))

        config = second / "_config.yml"
        shutil.rmtree(second / "_build", ignore_errors=True)
        rendered = run(["jupyter-book", "build", ".", "--all"], second, env2)
        set_execution(config, "force")
        shutil.rmtree(second / "_build", ignore_errors=True)
        executed_build = run(["jupyter-book", "build", ".", "--all"], second, env2)
        subprocess.run(["git", "checkout", "--quiet", "--", "_config.yml"], cwd=second, check=True)
        rows.append(("rendered build (execution off)", rendered, ""))
        rows.append(
            (
                "fully executed build (Jupyter Book, execution forced)",
                executed_build,
                f"ratio {executed_build / rendered:.1f}",
            )
        )
        helper_seconds = next(s for n, s, _ in rows if n == "make book, one helper edited")
        if helper_seconds > executed_build:
            problems.append(
                f"a helper edit took {helper_seconds:.1f} s, slower than the forced build ({executed_build:.1f} s)"
            )

        out = Path(tmp) / "out"
        out.mkdir()
        for nb in chapters(second):
            seconds = run(
                [
                    "papermill",
                    "--cwd",
                    "chapters",
                    "--kernel",
                    "python3",
                    "--no-progress-bar",
                    "--log-level",
                    "ERROR",
                    str(nb),
                    str(out / nb.name),
                ],
                second,
                env2,
            )
            rows.append((f"chapter {nb.stem}", seconds, ""))

    print(f"{'measure':<56} {'seconds':>8} {'budget':>8}")
    for name, seconds, note in rows:
        budget = BUDGET.get(name, BUDGET["chapter execution (each)"] if name.startswith("chapter ") else None)
        flag = "" if budget is None or seconds <= budget else "  OVER BUDGET"
        if flag:
            problems.append(f"{name}: {seconds:.1f} s over its budget of {budget} s")
        print(f"{name:<56} {seconds:>8.1f} {budget if budget else '':>8}{flag}  {note}")
    with (ROOT / "benchmarks" / "book_timings.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["measure", "seconds", "budget_seconds", "note", "date", "machine"])
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        for name, seconds, note in rows:
            budget = BUDGET.get(name, BUDGET["chapter execution (each)"] if name.startswith("chapter ") else None)
            writer.writerow([name, f"{seconds:.1f}", budget or "", note, date.today().isoformat(), machine])
    for problem in problems:
        print(f"bench: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
