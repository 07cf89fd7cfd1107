"""Performance budget of the book: `make bench`.

Measures, on this machine, with dependencies already installed:
- a cold `make book` (from an empty `_build`);
- a no-change `make book` (nothing to rebuild);
- `make book` after touching one chapter;
- `make test`;
- each chapter's execution time (papermill, fresh kernel, as in the build).
Prints the figures beside the budget and writes them to benchmarks/book_timings.csv.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import csv
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = {"make book (cold)": 60.0, "make book (no change)": 5.0, "make book (one chapter edited)": 60.0,
          "make test": 180.0, "chapter execution (each)": 10.0}


def run(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def chapters() -> list[Path]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def main() -> int:
    env = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}")
    rows = []
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    rows.append(("make book (cold)", run(["make", "book"], env=env)))
    rows.append(("make book (no change)", run(["make", "book"], env=env)))
    first = chapters()[0]
    os.utime(first)
    rows.append(("make book (one chapter edited)", run(["make", "book"], env=env)))
    rows.append(("make test", run(["make", "test"], env=env)))
    with tempfile.TemporaryDirectory() as tmp:
        for notebook in chapters():
            seconds = run(["papermill", "--cwd", "chapters", "--kernel", "python3", "--no-progress-bar",
                           "--log-level", "ERROR", str(notebook), str(Path(tmp) / notebook.name)], env=env)
            rows.append((f"chapter {notebook.stem}", seconds))
    failed = False
    print(f"{'measure':<36} {'seconds':>8} {'budget':>8}")
    for name, seconds in rows:
        budget = BUDGET.get(name, BUDGET["chapter execution (each)"] if name.startswith("chapter ") else None)
        flag = "" if budget is None or seconds <= budget else "  OVER BUDGET"
        failed |= bool(flag)
        print(f"{name:<36} {seconds:>8.1f} {budget if budget else '':>8}{flag}")
    with (ROOT / "benchmarks" / "book_timings.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["measure", "seconds", "budget_seconds", "date", "machine"])
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        for name, seconds in rows:
            budget = BUDGET.get(name, BUDGET["chapter execution (each)"] if name.startswith("chapter ") else "")
            writer.writerow([name, f"{seconds:.1f}", budget, date.today().isoformat(), machine])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
