"""Command line: ``python -m helpers.validate [DATA_DIR] [--write-readme]``.

Checks every table in ``data/`` and prints each broken rule with file, line, row key, column
and value. Exits 0 when the data are valid, 1 otherwise, so ``make book`` and ``make test``
stop before anything half-built is published.
"""

from __future__ import annotations

import sys
from pathlib import Path

from helpers.data import find_data_dir, load_descriptor, package_markdown, validate_data


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    write_readme = "--write-readme" in argv
    argv = [a for a in argv if a != "--write-readme"]
    data_dir = Path(argv[0]) if argv else find_data_dir()
    if write_readme:
        (data_dir / "README.md").write_text(package_markdown(load_descriptor(data_dir)), encoding="utf-8")
        print(f"wrote {data_dir / 'README.md'}")
    errors = validate_data(data_dir)
    if errors:
        print(f"{len(errors)} data validation error(s):", file=sys.stderr)
        for error in errors:
            print(f"- {error}", file=sys.stderr)
        return 1
    names = [r["name"] for r in load_descriptor(data_dir)["resources"]]
    print(f"data valid: {', '.join(names)} ({data_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
