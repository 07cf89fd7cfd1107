"""Command line: ``python -m helpers.validate [DATA_DIR] [--write-readme]``.

Checks every table in ``data/`` and prints each broken rule with file, line, row key, column
and value. Exits 0 when the data are valid, 1 otherwise (2 when there is no data folder to check),
so ``make book`` and ``make test`` stop before anything half-built is published.
"""

from __future__ import annotations

import sys
from pathlib import Path

from helpers.appraisal_rules import rule_errors
from helpers.data import find_data_dir, load_descriptor, package_markdown, validate_data
from helpers.esmo_scorecards import scorecard_errors


def _question_errors(data_dir: Path) -> list:
    """The question bank's rules (:func:`helpers.quiz.check_questions`), when the data have one."""
    from helpers.data import load_evidence
    from helpers.quiz import check_questions, load_questions

    if not any(r["name"] == "questions" for r in load_descriptor(data_dir)["resources"]):
        return []
    return check_questions(load_questions(data_dir), load_evidence(data_dir))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    write_readme = "--write-readme" in argv
    argv = [a for a in argv if a != "--write-readme"]
    try:
        data_dir = Path(argv[0]) if argv else find_data_dir()
    except FileNotFoundError as error:  # BCLM_DATA_DIR names no data folder, or run outside the repository
        print(f"error: {error}", file=sys.stderr)
        return 2
    errors = validate_data(data_dir)
    if any(e.file == "data/datapackage.json" for e in errors):  # no descriptor to read: nothing else is checked
        write_readme = False
    else:
        errors += rule_errors(data_dir)  # + the appraisal rulebook (helpers.appraisal_rules)
        errors += scorecard_errors(data_dir)  # + ESMO's scorecards against our grades (helpers.esmo_scorecards)
        if not errors:  # the question bank refers to the other tables: checked once they are valid
            errors += _question_errors(data_dir)
    if write_readme:
        (data_dir / "README.md").write_text(package_markdown(load_descriptor(data_dir)), encoding="utf-8")
        print(f"wrote {data_dir / 'README.md'}")
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
