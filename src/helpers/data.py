"""Loading and validating the book's data: the one home for every table a chapter reads.

The traced evidence tables in ``data/`` (:func:`load_evidence`): ``sources.csv``,
``studies.csv``, ``effects.csv`` and ``drug_facts.csv``, described by the Frictionless
descriptor ``data/datapackage.json``; and the reconstructed patient-level rows of breast-cancer
trials in ``data/kmdata/`` (:func:`load_reconstructed`, :func:`load_reconstructed_datasets`; from the
R package kmdata, MIT licence). (The patient-level teaching data set GBSG2 is loaded by
:func:`helpers.datasets.load_gbsg2`, next to the survival code: this module imports no other
helper.)

The descriptor is the single statement of the schema (columns, types, allowed values, keys);
this module reads it and adds the semantic rules a schema cannot express (a confidence
interval contains its estimate, events do not exceed patients, every number appears in its
verbatim quote). Every failure is a :class:`DataValidationError` naming the file, the line,
the row's key, the column, the value and the rule broken. ``python -m helpers.validate``
lists them all.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as _dataclass_field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

__all__ = [
    "DataValidationError",
    "DataValidationErrors",
    "Evidence",
    "find_data_dir",
    "load_descriptor",
    "validate_data",
    "load_evidence",
    "number_in_quote",
    "grade_certainty",
    "package_markdown",
    "load_reconstructed",
    "load_reconstructed_datasets",
]

#: Longest quote accepted, in words (the house rule is "about 50").
MAX_QUOTE_WORDS = 75
#: Longest cell accepted, in characters (the longest committed cell has under 800; a quote of
#: 75 words has about 500). A longer cell is a pasted page, not a traced value.
MAX_CELL_CHARS = 2000
#: Most characters between a hazard ratio and its lower limit, and between the two limits, in a
#: quote ("hazard ratio for progression or death, 0.60; 95% confidence interval [CI], 0.51 to 0.71"
#: has 32 and 4): the three numbers must be one statement, not three numbers found anywhere.
HR_TO_LOWER_CHARS, LOWER_TO_UPPER_CHARS = 40, 10
#: Endpoints that are times to an event (a hazard ratio and medians make sense for them).
TIME_TO_EVENT_ENDPOINTS = {"OS", "PFS", "TTP", "DFS", "LC", "LTP"}
_PHASE_WORDS = {
    "1": ["phase 1", "phase i", "phase-1", "phase-i"],
    "1b": ["phase 1b", "phase ib", "phase-1b", "phase-ib"],
    "1/2": ["phase 1/2", "phase i/ii", "phase 1-2", "phase i-ii"],
    "2": ["phase 2", "phase ii", "phase-2", "phase-ii", "phase two"],
    "2/3": ["phase 2/3", "phase ii/iii", "phase 2-3", "phase ii-iii"],
    "3": ["phase 3", "phase iii", "phase-3", "phase-iii", "phase three"],
    "4": ["phase 4", "phase iv", "phase-4", "phase-iv"],
}


# --------------------------------------------------------------------------- errors
class DataValidationError(ValueError):
    """One broken rule in one cell (or one file), with everything needed to find it.

    Attributes
    ----------
    file, line, row_id, column, value, rule
        ``line`` is the 1-based line in the CSV file (the header is line 1); ``row_id`` is
        ``"<key column>=<key>"``. File-level errors have ``line``, ``row_id`` and ``column``
        set to ``None``.
    """

    def __init__(
        self,
        file: str,
        rule: str,
        line: int | None = None,
        row_id: str | None = None,
        column: str | None = None,
        value: object = None,
    ):
        self.file, self.rule, self.line, self.row_id = file, rule, line, row_id
        self.column, self.value = column, value
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.row_id:
            where += f" ({self.row_id})"
        if self.column is not None:
            where += f", column {self.column}"
            return f"{where}: value {self.value!r} breaks rule: {self.rule}"
        return f"{where}: {self.rule}"


class DataValidationErrors(ValueError):
    """Raised by :func:`load_evidence` when the data break any rule; ``errors`` lists them all."""

    def __init__(self, errors: list[DataValidationError]):
        self.errors = errors
        lines = "\n".join(f"- {e}" for e in errors)
        super().__init__(f"{len(errors)} data validation error(s):\n{lines}")


# --------------------------------------------------------------------------- locating the data
def find_data_dir(start: str | Path | None = None) -> Path:
    """The ``data/`` folder: ``$BCLM_DATA_DIR`` if set, else the first ``data/datapackage.json``
    found from ``start`` (default: the working directory) upwards. Chapters run in
    ``chapters/``, tests at the root: both find the same folder.
    """
    env = os.environ.get("BCLM_DATA_DIR")
    if env:
        if not Path(env).is_dir():
            raise FileNotFoundError(f"BCLM_DATA_DIR={env!r}: no such folder (it must name the data folder)")
        if not (Path(env) / "datapackage.json").is_file():
            raise FileNotFoundError(f"BCLM_DATA_DIR={env!r}: the folder has no datapackage.json")
        return Path(env)
    here = Path(start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "data" / "datapackage.json").is_file():
            return folder / "data"
    raise FileNotFoundError(
        f"no data/datapackage.json found in {here} or any parent folder (set BCLM_DATA_DIR to the data folder)"
    )


def load_descriptor(data_dir: str | Path | None = None) -> dict:
    """The Frictionless data-package descriptor, ``data/datapackage.json``."""
    data_dir = Path(data_dir) if data_dir is not None else find_data_dir()
    path = data_dir / "datapackage.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: the data-package descriptor is missing") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from None


# --------------------------------------------------------------------------- numbers in quotes
_SEPARATORS = "[,\u2009\u202f\u00a0 ]"


def _number_patterns(raw: str) -> list[str]:
    """Regular expressions that match ``raw`` as the source may have printed it."""
    raw = raw.strip()
    before, after = r"(?<![\d.,])", r"(?!\d|[.,]\d)"
    sci = re.fullmatch(r"(\d+(?:\.\d+)?)e-0*(\d+)", raw, flags=re.I)
    if sci:
        mantissa, exponent = re.escape(sci.group(1)), sci.group(2)
        return [
            before + mantissa + r"\s*[×x*]\s*10\s*[–−-]\s*0*" + exponent + after,
            before + mantissa + r"[eE][–−-]0*" + exponent + after,
        ]
    patterns = [before + re.escape(raw) + after]
    if raw.startswith("0."):
        patterns.append(r"(?<![\d.,])" + re.escape(raw[1:]) + after)  # "p = .003"
    if re.fullmatch(r"\d{4,}", raw):
        grouped = f"{int(raw):,}".replace(",", _SEPARATORS)
        patterns.append(before + grouped + after)  # "1,021" or "1 021"
    return patterns


def number_in_quote(raw: str, quote: str) -> bool:
    """Whether the number written as ``raw`` in the data appears in ``quote``.

    The match is on the number as printed, so ``0.540`` does not match ``0.54`` and ``0.48``
    does not match inside ``10.485``. Allowed differences of formatting: a missing leading zero
    (``.003``), thousands separators (``1,021``), and scientific notation (``9.83×10–8``).
    """
    return any(re.search(p, quote) for p in _number_patterns(raw))


def _spans(raw: str, quote: str) -> list[tuple[int, int]]:
    """Where ``raw`` occurs in ``quote`` as a number (see :func:`number_in_quote`)."""
    return sorted({m.span() for pattern in _number_patterns(raw) for m in re.finditer(pattern, quote)})


def hr_statement_in_quote(hr: str, lower: str, upper: str, quote: str) -> bool:
    """Whether the hazard ratio and its interval are one statement of ``quote``: the three numbers in
    that order, the lower limit at most :data:`HR_TO_LOWER_CHARS` characters after the hazard ratio
    and the upper at most :data:`LOWER_TO_UPPER_CHARS` after the lower ("HR 0.49 (95% CI
    0.36-0.68)"). Three numbers that each occur somewhere in the quote are not enough: a hazard
    ratio copied from another number of the quote would pass that test."""
    lowers, uppers = _spans(lower, quote), _spans(upper, quote)
    return any(
        0 <= lo_start - hr_end <= HR_TO_LOWER_CHARS and 0 <= hi_start - lo_end <= LOWER_TO_UPPER_CHARS
        for _, hr_end in _spans(hr, quote)
        for lo_start, lo_end in lowers
        for hi_start, _ in uppers
    )


def hr_named_in_quote(hr: str, quote: str) -> bool:
    """Whether ``hr`` follows "HR" or "hazard ratio" in ``quote`` with no other number between
    (at most 30 characters: "hazard ratio for death, 0.73")."""
    name = re.compile(r"(?:\bHR|hazard ratio)[^0-9]{0,30}$", re.I)
    return any(name.search(quote[:start]) for start, _ in _spans(hr, quote))


#: Words that give a time in weeks or in months in a quote ("75.0 weeks", "7.4 mo", "Median, months").
_WEEK_WORD = re.compile(r"\bweeks?\b|\bwks?\b", re.I)
_MONTH_WORD = re.compile(r"\bmonths?|\bmos?\b", re.I)


# --------------------------------------------------------------------------- reading
def _parse(value: str, field: dict):
    """Convert one raw cell to its schema type; raise ValueError with the rule on failure."""
    kind = field["type"]
    if kind == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            raise ValueError(f"must be a whole number ({field['name']} is an integer column)")
        return int(value)
    if kind == "number":
        if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", value):
            raise ValueError(f"must be a number ({field['name']} is a numeric column)")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("must be a finite number (the value overflows to infinity)")
        return number
    if kind == "date":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO date (YYYY-MM-DD)") from None
    return value


def _check_constraints(value, field: dict) -> str | None:
    cons = field.get("constraints", {})
    if "enum" in cons and value not in cons["enum"]:
        return f"must be one of {cons['enum']}"
    if "pattern" in cons and not re.fullmatch(cons["pattern"], str(value)):
        return f"must match the pattern {cons['pattern']}"
    if "minimum" in cons and value < cons["minimum"]:
        return f"must be at least {cons['minimum']}"
    if "maximum" in cons and value > cons["maximum"]:
        return f"must be at most {cons['maximum']}"
    return None


_CONTROL_CHARACTER = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")  # line breaks: the whitespace rule


def _cell_rule(column: str, value: str) -> tuple[str, str] | None:
    """Rules every cell of every table obeys: ``(rule, value as shown)`` for the first one broken.

    A cell is at most :data:`MAX_CELL_CHARS` long, holds no control character (a NUL byte, a tab)
    and writes its digits 0-9 (a full-width ``０.５`` reads as 0.5 to Python but is not what the
    source printed).
    """
    name = "quote" if column == "quote" else "cell"
    if len(value) > MAX_CELL_CHARS:
        return (
            f"{name} is longer than {MAX_CELL_CHARS} characters (a quote holds at most {MAX_QUOTE_WORDS} words)",
            f"{value[:40]}... ({len(value)} characters)",
        )
    control = _CONTROL_CHARACTER.search(value)
    if control:
        return f"control character U+{ord(control.group()):04X} in the cell (a NUL byte, tab or similar)", value
    digit = next((c for c in value if not c.isascii() and unicodedata.category(c) == "Nd"), None)
    if digit:
        return f"digit {digit!r} (U+{ord(digit):04X} {unicodedata.name(digit, '')}) is not one of 0-9", value
    return None


def is_web_address(url: str) -> bool:
    """Whether ``url`` is an http(s) address whose host is a name of at least two labels, the last one
    a top-level domain, or a dotted IPv4 address (``https://pubmed.ncbi.nlm.nih.gov/1/`` and
    ``http://47.251.13.51:8081/1`` yes; ``https://.``, ``https://localhost``, ``https://x.1`` no)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a malformed port)
    except ValueError:
        return False
    labels = (parts.hostname or "").split(".")
    if parts.scheme in ("http", "https") and len(labels) == 4 and all(re.fullmatch(r"[0-9]{1,3}", x) for x in labels):
        return all(int(x) <= 255 for x in labels)
    return (
        parts.scheme in ("http", "https")
        and len(labels) >= 2
        and all(re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", label) for label in labels)
        and re.fullmatch(r"[a-z]{2,}|xn--[a-z0-9-]+", labels[-1]) is not None
    )


@dataclass
class _Table:
    name: str
    file: str
    key: str
    fields: dict
    indexed: bool
    rows: list  # (line, {column: parsed value or None}, {column: raw string}, file)


def _read_table(data_dir: Path, resource: dict, errors: list) -> _Table | None:
    """Read one resource strictly (all its files, for a multipart resource): file-level
    checks, then every cell against the descriptor."""
    paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    key = (resource["schema"].get("primaryKey") or [next(iter(fields))])[0]
    table = _Table(resource["name"], f"data/{paths[0]}", key, fields, bool(resource["schema"].get("primaryKey")), [])
    seen: dict[str, dict[str, tuple[str, int]]] = {
        c: {} for c, f in fields.items() if f.get("constraints", {}).get("unique")
    }
    readable = 0
    data_lines = 0
    for part in paths:
        rows = _read_part(data_dir, part, fields, key, seen, errors)
        if rows is not None:
            readable += 1
            data_lines += rows[0]
            table.rows.extend(rows[1])
    if readable == len(paths) and not data_lines:
        label = table.file if len(paths) == 1 else f"{resource['name']} ({', '.join(f'data/{p}' for p in paths)})"
        errors.append(
            DataValidationError(
                label,
                "file has a header but no data rows"
                if len(paths) == 1
                else "every part is empty: the resource has no data rows",
            )
        )
    return table if readable == len(paths) else None


def _read_part(data_dir: Path, part: str, fields: dict, key: str, seen: dict, errors: list):
    """Read one CSV file of a resource; returns (number of data lines, rows) or None."""
    file = f"data/{part}"
    path = data_dir / part
    if not path.is_file():
        errors.append(DataValidationError(file, "file is missing"))
        return None
    content = path.read_bytes()
    if not content.strip():
        errors.append(DataValidationError(file, "file is empty (expected a header row and data rows)"))
        return None
    if content.startswith(b"\xef\xbb\xbf"):
        errors.append(
            DataValidationError(file, "file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without BOM")
        )
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        errors.append(DataValidationError(file, f"file is not valid UTF-8 (byte {error.start})"))
        return None
    header_line = text.splitlines()[0]
    if "," not in header_line and (";" in header_line or "\t" in header_line):
        errors.append(
            DataValidationError(file, "header is not comma-separated (found ';' or tab): the files are CSV with ','")
        )
        return None
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # a long cell meets the length rule
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as error:
        errors.append(DataValidationError(file, f"header is not readable as CSV ({error})", line=1))
        return None
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        errors.append(DataValidationError(file, f"header repeats column(s) {duplicated}"))
        return None
    missing = [c for c in fields if c not in header]
    unknown = [c for c in header if c not in fields]
    if missing:
        errors.append(DataValidationError(file, f"header lacks required column(s) {missing}"))
    if unknown:
        errors.append(DataValidationError(file, f"header has column(s) not in datapackage.json: {unknown}"))
    if missing or unknown:
        return None
    rows = []
    data_lines = 0
    while True:
        try:
            raw_row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(DataValidationError(file, f"not readable as CSV ({error})", line=reader.line_num))
            return None
        line = reader.line_num
        data_lines += 1
        if not any(cell.strip() for cell in raw_row):
            errors.append(DataValidationError(file, "blank line inside the table", line=line))
            continue
        if len(raw_row) != len(header):
            errors.append(
                DataValidationError(file, f"row has {len(raw_row)} fields, the header has {len(header)}", line=line)
            )
            continue
        raw = dict(zip(header, raw_row))
        row_id = f"{key}={raw.get(key, '')}"
        parsed = {}
        for column, field in fields.items():
            value = raw[column]
            if value != value.strip() or "\n" in value or "  " in value:
                errors.append(
                    DataValidationError(
                        file,
                        "stray whitespace (leading, trailing, doubled or a line break)",
                        line,
                        row_id,
                        column,
                        value,
                    )
                )
                value = " ".join(value.split())
            cell_broken = _cell_rule(column, value)
            if cell_broken:
                errors.append(DataValidationError(file, cell_broken[0], line, row_id, column, cell_broken[1]))
                parsed[column] = value if field["type"] == "string" else None  # a quote stays for its rules
                continue
            if value == "":
                parsed[column] = None
                if field.get("constraints", {}).get("required"):
                    errors.append(DataValidationError(file, "required cell is empty", line, row_id, column, value))
                continue
            try:
                parsed[column] = _parse(value, field)
            except ValueError as error:
                errors.append(DataValidationError(file, str(error), line, row_id, column, value))
                parsed[column] = None
                continue
            broken = _check_constraints(parsed[column], field)
            if not broken and (column == "url" or column.endswith("_url")) and not is_web_address(value):
                broken = (
                    "must be a web address whose host is a name with a dot and a top-level domain "
                    "(https://www.example.org/...) or an IPv4 address"
                )
            if broken:
                errors.append(DataValidationError(file, broken, line, row_id, column, value))
                parsed[column] = None  # reported once; later rules skip the bad value
            if column in seen and parsed[column] is not None:
                if value in seen[column]:
                    other_file, other_line = seen[column][value]
                    where = f"line {other_line}" if other_file == file else f"{other_file}, line {other_line}"
                    errors.append(
                        DataValidationError(file, f"duplicate key: also on {where}", line, row_id, column, value)
                    )
                else:
                    seen[column][value] = (file, line)
        rows.append((line, parsed, raw, file))
    return data_lines, rows


# --------------------------------------------------------------------------- semantic rules
def _check_foreign_keys(tables: dict, descriptor: dict, errors: list) -> None:
    for resource in descriptor["resources"]:
        table = tables.get(resource["name"])
        if table is None:
            continue
        for fk in resource["schema"].get("foreignKeys", []):
            column = fk["fields"][0]
            target = tables.get(fk["reference"]["resource"])
            if target is None:
                continue
            keys = {p[target.key] for _, p, _, _ in target.rows}
            for line, parsed, _, file in table.rows:
                value = parsed.get(column)
                if value is not None and value not in keys:
                    errors.append(
                        DataValidationError(
                            file,
                            f"unknown {column}: no such row in {target.file}",
                            line,
                            f"{table.key}={parsed[table.key]}",
                            column,
                            value,
                        )
                    )


def _quote_words(quote: str) -> int:
    """Words of ``quote``; 0 for a quote over :data:`MAX_CELL_CHARS` (reported once, by the cell rule)."""
    return len(quote.split()) if len(quote) <= MAX_CELL_CHARS else 0


def _check_quote(table: _Table, line: int, parsed: dict, raw: dict, columns: list[str], errors: list) -> None:
    """Quote length and every number of ``columns`` in the row's quote."""
    quote = parsed.get("quote") or ""
    row_id = f"{table.key}={parsed[table.key]}"
    if _quote_words(quote) > MAX_QUOTE_WORDS:
        errors.append(
            DataValidationError(
                table.file,
                f"quote is longer than {MAX_QUOTE_WORDS} words",
                line,
                row_id,
                "quote",
                f"{_quote_words(quote)} words",
            )
        )
    for column in columns:
        value = raw.get(column, "").strip()
        if value and parsed.get(column) is not None and not number_in_quote(value, quote):
            errors.append(
                DataValidationError(
                    table.file, "number does not appear in the row's quote", line, row_id, column, value
                )
            )


def _check_effects(table: _Table, studies: dict, errors: list) -> None:
    numeric = [c for c, f in table.fields.items() if f["type"] in ("integer", "number")]
    for line, p, raw, _ in table.rows:
        rid = f"effect_id={p['effect_id']}"

        # The row's line, id and raw values are bound now (the function is called within this iteration).
        def fail(column, rule, value=None, line=line, rid=rid, raw=raw):
            errors.append(
                DataValidationError(table.file, rule, line, rid, column, raw.get(column) if value is None else value)
            )

        hr, lo, hi = p["hr"], p["hr_ci_lower"], p["hr_ci_upper"]
        if hr is not None and hr <= 0:
            fail("hr", "hazard ratio must be greater than 0")
        if (lo is None) != (hi is None):
            fail("hr_ci_lower" if lo is None else "hr_ci_upper", "a confidence interval needs both limits")
        if lo is not None and hi is not None:
            if lo > hi:
                fail("hr_ci_lower", f"lower limit must not exceed upper limit {raw['hr_ci_upper']}")
            elif hr is not None and not lo <= hr <= hi:
                fail(
                    "hr",
                    "hazard ratio must lie within its confidence interval "
                    f"[{raw['hr_ci_lower']}, {raw['hr_ci_upper']}]",
                )
            if lo <= 0:
                fail("hr_ci_lower", "confidence limit of a hazard ratio must be greater than 0")
            if p["ci_level"] is None:
                fail("ci_level", "a confidence interval needs its level (ci_level)")
        if p["p_value"] is not None:
            if p["p_value"] <= 0:
                fail("p_value", "p-value must be greater than 0 (write '< 0.001' as p_value 0.001 with p_operator '<')")
            if p["p_operator"] is None:
                fail("p_operator", "a p-value needs its operator ('=' or '<')")
        elif p["p_operator"] is not None and not raw["p_value"].strip():
            fail("p_operator", "p_operator is set but p_value is empty")
        for arm in ("experimental", "control"):
            n, events = p[f"n_{arm}"], p[f"events_{arm}"]
            if n is not None and events is not None and events > n:
                fail(f"events_{arm}", f"events must not exceed patients (n_{arm} = {n})")
            median = p[f"median_{arm}"]
            if median is not None and median <= 0:
                fail(f"median_{arm}", "median must be greater than 0")
        has_median = p["median_experimental"] is not None or p["median_control"] is not None
        if has_median and p["median_unit"] is None:
            fail("median_unit", "medians need a unit (months or weeks)")
        if not has_median and p["median_unit"] is not None:
            fail("median_unit", "median_unit is set but there is no median")
        if (
            (hr is not None or has_median)
            and p["endpoint"] is not None
            and p["endpoint"] not in TIME_TO_EVENT_ENDPOINTS
        ):
            fail(
                "endpoint",
                f"hazard ratios and medians belong to time-to-event endpoints {sorted(TIME_TO_EVENT_ENDPOINTS)}",
                p["endpoint"],
            )
        if p["arm_control"] is None:
            for column in ("n_control", "events_control", "median_control", "percent_control", "hr"):
                if p[column] is not None:
                    fail(column, "a single-group row (empty arm_control) cannot have control values or a hazard ratio")
        study = studies.get(p["study_id"])
        if study is not None and study["n_total"] is not None:
            n_e, n_c = p["n_experimental"] or 0, p["n_control"] or 0
            if n_e + n_c > study["n_total"]:
                fail(
                    "n_experimental",
                    f"arm sizes add up to {n_e + n_c}, more than the study's n_total "
                    f"{study['n_total']} (data/studies.csv)",
                )
        if p["p_sided"] is not None:
            words = {1: ("one-sided", "1-sided", "one sided"), 2: ("two-sided", "2-sided", "two sided")}[p["p_sided"]]
            if not any(w in (p["quote"] or "").lower() for w in words):
                fail("p_sided", f"the quote must say the p-value is {words[0]}")
        definition = p.get("population_definition")
        if definition is not None and definition not in (p["quote"] or "") and definition not in (p["note"] or ""):
            fail("population_definition", "the definition must appear verbatim in the row's quote or note")
        quote = p["quote"] or ""
        if p["median_unit"] == "weeks" and not _WEEK_WORD.search(quote):
            fail("median_unit", "medians in weeks: the quote must say weeks ('week' or 'wk')")
        if p["median_unit"] == "months" and _WEEK_WORD.search(quote) and not _MONTH_WORD.search(quote):
            fail("median_unit", "the quote gives times in weeks, not months")
        printed = {c: raw[c].strip() for c in ("hr", "hr_ci_lower", "hr_ci_upper")}
        if hr is not None and all(number_in_quote(v, quote) for v in printed.values() if v):
            # (a number missing from the quote is reported once, by the number-in-quote rule)
            if lo is not None and hi is not None and lo <= hr <= hi:
                if not hr_statement_in_quote(*printed.values(), quote):
                    fail(
                        "hr",
                        "the hazard ratio and its interval must be one statement of the quote, in that order "
                        f"(lower limit at most {HR_TO_LOWER_CHARS} characters after the HR, upper at most "
                        f"{LOWER_TO_UPPER_CHARS} after the lower)",
                    )
            elif lo is None and hi is None and not hr_named_in_quote(printed["hr"], quote):
                fail("hr", "the hazard ratio must follow 'HR' or 'hazard ratio' in the quote, with no number between")
        checked = [c for c in numeric if c not in ("p_sided", "ci_level")]
        if p["ci_level"] is not None and p["ci_level"] != 95:
            checked.append("ci_level")  # 95% is the convention; any other level must be quoted
        _check_quote(table, line, p, raw, checked, errors)


#: Counts in ``studies.csv`` that must appear in the row's quote.
_STUDY_NUMBERS = ["n_total", "n_group_experimental", "n_group_control", "n_screened", "follow_up_months"]


def _check_studies(table: _Table, errors: list) -> None:
    short_names: dict[tuple, int] = {}
    for line, p, raw, _ in table.rows:
        _check_quote(table, line, p, raw, [c for c in _STUDY_NUMBERS if c in table.fields], errors)
        if p.get("short_name") is not None:
            key = (p["chapter"], p["short_name"])
            if key in short_names:
                errors.append(
                    DataValidationError(
                        table.file,
                        f"short_name already used in chapter {p['chapter']} on line {short_names[key]}",
                        line,
                        f"study_id={p['study_id']}",
                        "short_name",
                        raw["short_name"],
                    )
                )
            short_names.setdefault(key, line)
        if p["phase"] is not None:
            quote = f"{p['quote'] or ''} {p['design_quote'] or ''}".lower()
            quote = quote.replace("\u2010", "-").replace("\u2011", "-")
            if not any(re.search(re.escape(w) + r"(?![a-z0-9])", quote) for w in _PHASE_WORDS[p["phase"]]):
                errors.append(
                    DataValidationError(
                        table.file,
                        "the phase must be stated in the row's quote or design_quote",
                        line,
                        f"study_id={p['study_id']}",
                        "phase",
                        raw["phase"],
                    )
                )


def _check_drug_facts(table: _Table, errors: list) -> None:
    for line, p, raw, _ in table.rows:
        if p["value"] and p["quote"] and p["value"].lower() not in p["quote"].lower():
            errors.append(
                DataValidationError(
                    table.file,
                    "value does not appear in the row's quote",
                    line,
                    f"fact_id={p['fact_id']}",
                    "value",
                    raw["value"],
                )
            )
        if p["quote"] and _quote_words(p["quote"]) > MAX_QUOTE_WORDS:
            errors.append(
                DataValidationError(
                    table.file,
                    f"quote is longer than {MAX_QUOTE_WORDS} words",
                    line,
                    f"fact_id={p['fact_id']}",
                    "quote",
                    raw["quote"],
                )
            )


#: The six kinds of liver fact every drug has in ``liver_facts.csv`` (found or not found).
LIVER_FACT_KINDS = (
    "hepatotoxicity_warning",
    "liver_monitoring",
    "hepatic_impairment_mild",
    "hepatic_impairment_moderate",
    "hepatic_impairment_severe",
    "trial_liver_eligibility",
)


def _check_liver_facts(table: _Table, drug_facts: _Table | None, errors: list) -> None:
    """Found rows are traced (value, source and quote; the value in the quote); not-found rows hold
    no value, source or quote but a note saying what was searched; no drug-and-kind cell is both found
    and not found; every drug (of this table and of ``drug_facts.csv``) has all six kinds."""
    status_of: dict[tuple, tuple[str, int]] = {}
    kinds: dict[str, set] = {}
    for line, p, raw, file in table.rows:
        rid = f"fact_id={p['fact_id']}"

        def fail(column, rule, line=line, rid=rid, raw=raw, file=file):
            errors.append(DataValidationError(file, rule, line, rid, column, raw[column]))

        if p["status"] == "found":
            for column in ("value", "source_id", "quote"):
                if p[column] is None:
                    fail(column, "a found fact needs a value, a source_id and a quote")
            if p["value"] and p["quote"] and p["value"].lower() not in p["quote"].lower():
                fail("value", "value does not appear in the row's quote")
            if p["quote"] and _quote_words(p["quote"]) > MAX_QUOTE_WORDS:
                fail("quote", f"quote is longer than {MAX_QUOTE_WORDS} words")
        elif p["status"] == "not_found":
            for column in ("value", "source_id", "quote"):
                if p[column] is not None:
                    fail(column, "a fact not found has no value, source_id or quote")
            if p["note"] is None:
                fail("note", "a fact not found needs a note saying what was searched")
        if None in (p["drug"], p["fact"], p["status"]):
            continue
        kinds.setdefault(p["drug"], set()).add(p["fact"])
        key = (p["drug"], p["fact"])
        if key in status_of and status_of[key][0] != p["status"]:
            fail(
                "status",
                f"this drug and fact is {status_of[key][0]} on line {status_of[key][1]}: "
                "a fact is either found or not found",
            )
        status_of.setdefault(key, (p["status"], line))
    drugs = dict.fromkeys(kinds)
    if drug_facts is not None:
        drugs.update(dict.fromkeys(p["drug"] for _, p, _, _ in drug_facts.rows if p["drug"] is not None))
    for drug in drugs:
        missing = [k for k in LIVER_FACT_KINDS if k not in kinds.get(drug, set())]
        if missing:
            errors.append(
                DataValidationError(table.file, f"drug {drug!r} has no row (found or not_found) for {missing}")
            )


def _check_sources(table: _Table, errors: list) -> None:
    today = date.today()
    for line, p, raw, _ in table.rows:
        if p["accessed"] is not None and p["accessed"] > today:
            errors.append(
                DataValidationError(
                    table.file,
                    "access date lies in the future",
                    line,
                    f"source_id={p['source_id']}",
                    "accessed",
                    raw["accessed"],
                )
            )


_ROB_VOCABULARY = {
    "RoB 2": (
        {
            "randomisation process",
            "deviations from intended interventions",
            "missing outcome data",
            "measurement of the outcome",
            "selection of the reported result",
            "overall",
        },
        {"low", "some_concerns", "high"},
    ),
    "ROBINS-I": (
        {
            "confounding",
            "selection of participants",
            "classification of interventions",
            "deviations from intended interventions",
            "missing data",
            "measurement of outcomes",
            "selection of the reported result",
            "overall",
        },
        {"low", "moderate", "serious", "critical", "no_information"},
    ),
}
_GRADE_LEVELS = ["very_low", "low", "moderate", "high"]
_DOWNGRADE = {"not_serious": 0, "serious": 1, "very_serious": 2, "not_applicable": 0, "undetected": 0}


def grade_certainty(starting_level: str, downgrades: list[str], upgrade: str) -> str:
    """GRADE arithmetic: the starting level, minus one per serious and two per very serious
    concern, plus one for an upgrade, kept within very_low to high (Guyatt et al., BMJ 2008)."""
    score = _GRADE_LEVELS.index(starting_level) - sum(_DOWNGRADE[d] for d in downgrades)
    score += 0 if upgrade == "none" else 1
    return _GRADE_LEVELS[min(max(score, 0), len(_GRADE_LEVELS) - 1)]


def _check_effect_of_study(file: str, line: int, rid: str, p: dict, raw: dict, effects: dict, errors: list) -> None:
    """A row that names both a study and an effect: the effect must belong to that study."""
    effect = effects.get(p["effect_id"]) if p["effect_id"] is not None else None
    if effect is not None and p["study_id"] is not None and effect["study_id"] != p["study_id"]:
        errors.append(
            DataValidationError(
                file, f"effect belongs to study {effect['study_id']}", line, rid, "effect_id", raw["effect_id"]
            )
        )


def _check_risk_of_bias(table: _Table, studies: dict, effects: dict, errors: list) -> None:
    seen = {}
    for line, p, raw, file in table.rows:
        rid = f"study_id={p['study_id']}"
        if p["tool"] is None:
            continue
        domains, judgements = _ROB_VOCABULARY[p["tool"]]
        if p["domain"] is not None and p["domain"] not in domains:
            errors.append(
                DataValidationError(
                    file, f"not a {p['tool']} domain (allowed: {sorted(domains)})", line, rid, "domain", raw["domain"]
                )
            )
        if p["judgement"] is not None and p["judgement"] not in judgements:
            errors.append(
                DataValidationError(
                    file,
                    f"not a {p['tool']} judgement (allowed: {sorted(judgements)})",
                    line,
                    rid,
                    "judgement",
                    raw["judgement"],
                )
            )
        design = (studies.get(p["study_id"]) or {}).get("design")
        expected = "RoB 2" if design == "rct" else "ROBINS-I"
        if design is not None and design not in ("meta_analysis", "registry_analysis") and p["tool"] != expected:
            errors.append(
                DataValidationError(file, f"a {design} study is judged with {expected}", line, rid, "tool", raw["tool"])
            )
        _check_effect_of_study(file, line, rid, p, raw, effects, errors)
        key = (p["study_id"], p["effect_id"], p["tool"], p["domain"])
        if key in seen:
            errors.append(
                DataValidationError(
                    file,
                    f"this study, result and domain is already judged on line {seen[key]}",
                    line,
                    rid,
                    "domain",
                    raw["domain"],
                )
            )
        seen[key] = line


def _check_certainty(table: _Table, effects: dict, errors: list) -> None:
    for line, p, raw, file in table.rows:
        rid = f"comparison_id={p['comparison_id']}"
        for effect_id in (p["effect_ids"] or "").split(";"):
            # (when data/effects.csv is unreadable, that is the one error: no knock-on per row)
            if effect_id.strip() != effect_id or (effect_id and effects and effect_id not in effects):
                errors.append(
                    DataValidationError(
                        file, "unknown effect_id (no such row in data/effects.csv)", line, rid, "effect_ids", effect_id
                    )
                )
        domains = [p[c] for c in ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")]
        if None in domains or None in (p["starting_level"], p["upgrade"], p["certainty"]):
            continue
        expected = grade_certainty(p["starting_level"], domains, p["upgrade"])
        if p["certainty"] != expected:
            errors.append(
                DataValidationError(
                    file,
                    f"certainty must be {expected!r}: starting level {p['starting_level']}, "
                    f"downgrades {domains}, upgrade {p['upgrade']}",
                    line,
                    rid,
                    "certainty",
                    raw["certainty"],
                )
            )


def _check_estimate_choice(table: _Table, studies: dict, effects: dict, errors: list) -> None:
    """One estimate per study, comparison and data-cut rule, from the chapter's own studies; every
    rule of a comparison covers the same studies (a rule only changes which cut is used)."""
    seen: dict[tuple, int] = {}
    covered: dict[tuple, dict] = {}
    for line, p, raw, file in table.rows:
        rid = f"comparison={p['comparison']}"
        effect = effects.get(p["effect_id"])
        if effect is None or None in (p["chapter"], p["comparison"], p["data_cut"]):
            continue
        study = effect["study_id"]
        if study not in studies:
            continue  # reported once, by the foreign key of effects.csv
        chapter = studies[study]["chapter"]
        if chapter != p["chapter"]:
            errors.append(
                DataValidationError(
                    file,
                    f"effect belongs to a study of chapter {chapter}, not {p['chapter']}",
                    line,
                    rid,
                    "effect_id",
                    raw["effect_id"],
                )
            )
        key = (p["chapter"], p["comparison"], p["data_cut"], study)
        if key in seen:
            errors.append(
                DataValidationError(
                    file,
                    f"study {study} already has an estimate for this comparison and data_cut on line {seen[key]}",
                    line,
                    rid,
                    "effect_id",
                    raw["effect_id"],
                )
            )
        seen.setdefault(key, line)
        rules = covered.setdefault((p["chapter"], p["comparison"]), {})
        rules.setdefault(p["data_cut"], (set(), file, line))[0].add(study)
    for (_, comparison), rules in covered.items():
        first_rule, (first, _, _) = next(iter(rules.items()))
        for rule, (studies_of_rule, file, line) in rules.items():
            if studies_of_rule != first:
                errors.append(
                    DataValidationError(
                        file,
                        f"data_cut {rule!r} covers studies {sorted(studies_of_rule)}, {first_rule!r} covers "
                        f"{sorted(first)}: every rule of a comparison uses the same studies",
                        line,
                        f"comparison={comparison}",
                        "data_cut",
                        rule,
                    )
                )


def _check_therapy_class(table: _Table, studies: dict, effects: dict, errors: list) -> None:
    """Every estimate of the local-therapies chapter is classified, and only those."""

    def chapter_of(effect_id):
        return (studies.get((effects.get(effect_id) or {}).get("study_id")) or {}).get("chapter")

    classified = set()
    for line, p, raw, file in table.rows:
        classified.add(p["effect_id"])
        if chapter_of(p["effect_id"]) not in (None, "local_therapies"):
            errors.append(
                DataValidationError(
                    file,
                    "only estimates of chapter local_therapies are classified",
                    line,
                    f"effect_id={p['effect_id']}",
                    "effect_id",
                    raw["effect_id"],
                )
            )
    for effect_id in sorted(e for e in effects if chapter_of(e) == "local_therapies" and e not in classified):
        errors.append(
            DataValidationError(table.file, f"estimate {effect_id} of chapter local_therapies has no therapy class")
        )


def _check_alternative_readings(table: _Table, effects: dict, errors: list) -> None:
    """Every number of a reading appears in its estimate's quote; the interval contains the HR."""
    for line, p, raw, file in table.rows:
        rid = f"effect_id={p['effect_id']}"
        quote = (effects.get(p["effect_id"]) or {}).get("quote")
        if quote is None:
            continue
        for column in ("hr", "hr_ci_lower", "hr_ci_upper"):
            if p[column] is not None and not number_in_quote(raw[column], quote):
                errors.append(
                    DataValidationError(
                        file,
                        "number does not appear in the estimate's quote (data/effects.csv)",
                        line,
                        rid,
                        column,
                        raw[column],
                    )
                )
        if None not in (p["hr"], p["hr_ci_lower"], p["hr_ci_upper"]) and not float(p["hr_ci_lower"]) <= float(
            p["hr"]
        ) <= float(p["hr_ci_upper"]):
            errors.append(
                DataValidationError(
                    file,
                    f"hazard ratio must lie within its confidence interval "
                    f"[{raw['hr_ci_lower']}, {raw['hr_ci_upper']}]",
                    line,
                    rid,
                    "hr",
                    raw["hr"],
                )
            )


def _check_treatment_line(table: _Table, studies: dict, errors: list) -> None:
    """Only randomised trials are placed in the treatment sequence."""
    for line, p, raw, file in table.rows:
        design = (studies.get(p["study_id"]) or {}).get("design")
        if design is not None and design != "rct":
            errors.append(
                DataValidationError(
                    file,
                    f"only randomised trials are placed in the sequence; data/studies.csv says {design}",
                    line,
                    f"study_id={p['study_id']}",
                    "study_id",
                    raw["study_id"],
                )
            )


#: What a secondary source can have been read as; a primary source is read as anything else.
SECONDARY_READINGS = ("label_copy", "registry_copy", "secondary_summary")


def _check_extraction(table: _Table, sources: _Table, errors: list) -> None:
    """Every source has its reading recorded, and the reading agrees with the source's kind: a
    secondary source was read from a copy or a summary, a primary one was not."""
    recorded = {p["source_id"] for _, p, _, _ in table.rows}
    for line, p, _, file in sources.rows:
        if p["source_id"] not in recorded:
            errors.append(
                DataValidationError(
                    file,
                    f"no row of {table.file} says how this source was read",
                    line,
                    f"source_id={p['source_id']}",
                    "source_id",
                    p["source_id"],
                )
            )
    kinds = {p["source_id"]: p["kind"] for _, p, _, _ in sources.rows}
    for line, p, raw, file in table.rows:
        kind, reading = kinds.get(p["source_id"]), p["read_as"]
        if kind is None or reading is None:
            continue  # the foreign key or the schema has said so
        if (kind == "secondary") != (reading in SECONDARY_READINGS):
            allowed = (
                list(SECONDARY_READINGS) if kind == "secondary" else "anything but " + ", ".join(SECONDARY_READINGS)
            )
            errors.append(
                DataValidationError(
                    file,
                    f"a {kind} source (data/sources.csv) is read as {allowed}",
                    line,
                    f"source_id={p['source_id']}",
                    "read_as",
                    raw["read_as"],
                )
            )


_SEARCH_ENDED_WITHOUT_DATA = ("excluded", "not_found")


def _check_search_log(table: _Table, sources: _Table | None, errors: list) -> None:
    """A search that ended without data says why; one that added data names the sources it
    added, each of which exists; the others name none."""
    known = {p["source_id"] for _, p, _, _ in sources.rows} if sources is not None else set()
    for line, p, raw, file in table.rows:
        if p["outcome"] is None:  # not one of the outcomes: the schema has said so
            continue
        rid = f"search_id={p['search_id']}"
        ended_without_data = p["outcome"] in _SEARCH_ENDED_WITHOUT_DATA
        if ended_without_data and p["reason"] is None:
            errors.append(
                DataValidationError(
                    file, f"a search that ended as {p['outcome']} needs a reason", line, rid, "reason", ""
                )
            )
        if not ended_without_data and p["reason"] is not None:
            errors.append(
                DataValidationError(
                    file,
                    f"a reason belongs only to excluded or not_found searches, not {p['outcome']}",
                    line,
                    rid,
                    "reason",
                    raw["reason"],
                )
            )
        named = (p["source_ids"] or "").split()
        if p["outcome"] == "added" and not named:
            errors.append(
                DataValidationError(file, "an added search must name the sources it added", line, rid, "source_ids", "")
            )
        if p["outcome"] != "added" and named:
            errors.append(
                DataValidationError(
                    file,
                    f"only an added search names sources, not {p['outcome']}",
                    line,
                    rid,
                    "source_ids",
                    raw["source_ids"],
                )
            )
        for source_id in named:
            if source_id not in known:
                errors.append(
                    DataValidationError(
                        file, "source not found in data/sources.csv", line, rid, "source_ids", source_id
                    )
                )


def _check_claims(table: _Table, effects: dict, errors: list) -> None:
    for line, p, raw, file in table.rows:
        rid = f"claim_id={p['claim_id']}"
        value = p["claimed_value"] or ""
        if p["claim_type"] == "number":
            for number in re.findall(r"\.?\d+(?:[.,]\d+)*", value):
                if not number_in_quote(number.replace(",", ""), p["quote"] or ""):
                    errors.append(
                        DataValidationError(
                            file,
                            "number does not appear in the claim's quote",
                            line,
                            rid,
                            "claimed_value",
                            raw["claimed_value"],
                        )
                    )
        _check_effect_of_study(file, line, rid, p, raw, effects, errors)
        if p["verdict"] == "unverifiable" and p["effect_id"] is not None:
            errors.append(
                DataValidationError(
                    file, "an unverifiable claim cannot trace to an estimate", line, rid, "verdict", raw["verdict"]
                )
            )


#: The key of the reconstructed patient-level data sets, and their rows (one file per data set).
RECONSTRUCTED_KEY, RECONSTRUCTED_ROWS = "reconstructed_datasets", "reconstructed_rows"


def _reconstructed_dataset_of(path: str) -> str:
    """``kmdata/PALOMA3_1A.csv`` -> ``PALOMA3_1A``: a rows file is named after its data set."""
    return Path(path).stem


def _check_reconstructed(tables: dict, descriptor: dict, studies: dict, effects: dict, errors: list) -> None:
    """The key of the reconstructed data sets against the evidence, and every row against its key.

    Key: the effect belongs to the row's study, has the row's endpoint and a hazard ratio to compare
    with; the two arm labels differ; the quality score does not exceed its maximum; the data set has a
    file in the rows resource. Rows: every file has a key row, every ``arm`` is one of its data set's
    two arms, and both arms have rows. (``time >= 0`` finite and ``event`` in {0, 1} are schema rules.)
    """
    key = tables.get(RECONSTRUCTED_KEY)
    if key is None:
        return
    resource = next(r for r in descriptor["resources"] if r["name"] == RECONSTRUCTED_ROWS)
    paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
    files = {_reconstructed_dataset_of(p): f"data/{p}" for p in paths}
    printed_hr = {p["effect_id"]: raw["hr"] for _, p, raw, _ in tables["effects"].rows} if "effects" in tables else {}
    arms = {}
    for line, p, raw, file in key.rows:
        rid = f"dataset={p['dataset']}"

        def fail(column, rule, file=file, line=line, rid=rid, raw=raw):
            errors.append(DataValidationError(file, rule, line, rid, column, raw[column]))

        effect = effects.get(p["effect_id"])
        if effect is not None:
            if p["study_id"] is not None and effect["study_id"] in studies and effect["study_id"] != p["study_id"]:
                fail("effect_id", f"effect belongs to study {effect['study_id']}, not {p['study_id']}")
            # (an effect with a hazard ratio but no time-to-event endpoint is reported once, by effects.csv)
            if (
                p["endpoint"] is not None
                and effect["endpoint"] in TIME_TO_EVENT_ENDPOINTS
                and effect["endpoint"] != p["endpoint"]
            ):
                fail("endpoint", f"must equal the endpoint of effect {p['effect_id']} ({effect['endpoint']})")
            if not printed_hr.get(p["effect_id"], "x").strip():  # an invalid hr is reported once, by effects.csv
                fail("effect_id", "the effect has no hazard ratio to compare the rows with")
        if p["arm_experimental"] is not None and p["arm_experimental"] == p["arm_control"]:
            fail("arm_control", "must differ from arm_experimental")
        if None not in (p["quality_score"], p["quality_max"]) and p["quality_score"] > p["quality_max"]:
            fail("quality_score", f"must not exceed quality_max {p['quality_max']}")
        if p["dataset"] is not None and p["dataset"] not in files:
            fail("dataset", f"no file kmdata/{p['dataset']}.csv in resource {RECONSTRUCTED_ROWS} of datapackage.json")
        if p["dataset"] is not None:
            arms[p["dataset"]] = (p["arm_experimental"], p["arm_control"])
    for dataset, file in files.items():
        if dataset not in arms:
            errors.append(DataValidationError(file, f"data set {dataset} has no row in {key.file}"))
    rows = tables.get(RECONSTRUCTED_ROWS)
    if rows is None:
        return
    seen: dict[str, set] = {}
    for line, p, raw, file in rows.rows:
        dataset = _reconstructed_dataset_of(file)
        allowed = arms.get(dataset)
        if allowed is None or p["arm"] is None:
            continue
        if p["arm"] not in allowed:
            errors.append(
                DataValidationError(
                    file,
                    f"must be one of the data set's arms {list(allowed)} ({key.file})",
                    line,
                    None,
                    "arm",
                    raw["arm"],
                )
            )
        seen.setdefault(file, set()).add(p["arm"])
    for dataset, file in files.items():
        for arm in arms.get(dataset, ()):
            if arm is not None and file in seen and arm not in seen[file]:
                errors.append(DataValidationError(file, f"no rows for arm {arm!r} of data set {dataset} ({key.file})"))


#: The columns of ``data/subgroup_pairs.csv`` (an empty frame of them when a data set has none).
SUBGROUP_PAIR_COLUMNS = [
    "pair_id",
    "study_id",
    "effect_id_a",
    "effect_id_b",
    "kind",
    "drug_class",
    "used_in_pool",
    "note",
]
#: The populations of ``effects.csv`` that form a complementary pair, per kind of pair (a, b).
COMPLEMENTARY_POPULATIONS = {
    "liver": ("liver_metastases", "no_liver_metastases"),
    "visceral": ("visceral", "nonvisceral"),
}


def _check_subgroup_pairs(table: _Table, effects: dict, errors: list) -> None:
    """Each pair is two estimates of one trial, same endpoint, arms and source, in complementary
    subgroups of its kind (:data:`COMPLEMENTARY_POPULATIONS`), both with a hazard ratio and an
    interval at the same level; at most one pair per trial and endpoint is used in a pool."""
    pooled: dict[tuple, str] = {}
    for line, p, raw, file in table.rows:
        rid = f"pair_id={p['pair_id']}"

        def fail(column, rule, file=file, line=line, rid=rid, raw=raw):
            errors.append(DataValidationError(file, rule, line, rid, column, raw[column]))

        a, b = effects.get(p["effect_id_a"]), effects.get(p["effect_id_b"])
        if a is None or b is None:
            continue  # an unknown effect id is reported once, by the foreign keys
        if p["effect_id_a"] == p["effect_id_b"]:
            fail("effect_id_b", "must differ from effect_id_a")
            continue
        wrong_study = False
        for column, effect in (("effect_id_a", a), ("effect_id_b", b)):
            if effect["study_id"] != p["study_id"]:
                fail(column, f"effect belongs to study {effect['study_id']}, not {p['study_id']}")
                wrong_study = True
            if None in (effect["hr"], effect["hr_ci_lower"], effect["hr_ci_upper"]):
                fail(column, "the effect has no hazard ratio with a confidence interval")
        if wrong_study:
            continue  # the two estimates are not one comparison: the other rules would only repeat it
        for key in ("endpoint", "source_id", "arm_experimental", "arm_control", "ci_level"):
            if a[key] != b[key]:
                fail("effect_id_b", f"{key} {b[key]!r} differs from effect_id_a's {a[key]!r}: not one comparison")
        expected = COMPLEMENTARY_POPULATIONS.get(p["kind"])
        if expected is not None and (a["population"], b["population"]) != expected:
            fail(
                "kind",
                f"a {p['kind']} pair needs populations {expected[0]} (effect_id_a) and {expected[1]} "
                f"(effect_id_b), got {a['population']} and {b['population']}",
            )
        if p["used_in_pool"] == "yes":
            key = (p["study_id"], a["endpoint"])
            if key in pooled:
                fail("used_in_pool", f"pair {pooled[key]} of the same trial and endpoint is already used in pools")
            else:
                pooled[key] = p["pair_id"]


# --------------------------------------------------------------------------- public API
_DESCRIPTOR = "data/datapackage.json"
_FIELD_TYPES = ("string", "integer", "number", "date")


def _read_descriptor(data_dir: Path) -> tuple[dict | None, list[DataValidationError]]:
    """The descriptor, or ``None`` and the one error that stops everything (no table can be read
    without it): missing folder or file, not UTF-8, not JSON, or a structure the reader cannot use."""
    path = data_dir / "datapackage.json"
    if not data_dir.is_dir():
        return None, [DataValidationError(_DESCRIPTOR, f"the data folder {data_dir} does not exist")]
    if not path.is_file():
        missing = f"file is missing from {data_dir} (the data-package descriptor)"
        return None, [DataValidationError(_DESCRIPTOR, missing)]
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        return None, [DataValidationError(_DESCRIPTOR, f"file is not valid UTF-8 (byte {error.start})")]
    except json.JSONDecodeError as error:
        invalid = f"not valid JSON: {error.msg} (column {error.colno})"
        return None, [DataValidationError(_DESCRIPTOR, invalid, error.lineno)]
    errors = _check_descriptor(descriptor)
    return (None if errors else descriptor), errors


def _check_descriptor(descriptor) -> list[DataValidationError]:
    """What the reader needs of the descriptor: named resources with a path and a schema of typed,
    named fields; patterns that are regular expressions; keys that name fields and resources."""
    errors: list[DataValidationError] = []

    def fail(rule, resource=None, field=None, value=None):
        row_id = f"resource={resource}" if resource is not None else None
        errors.append(DataValidationError(_DESCRIPTOR, rule, None, row_id, field, value))

    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not resources:
        fail("the descriptor must be a JSON object with a non-empty list 'resources'")
        return errors
    names = [r.get("name") if isinstance(r, dict) else None for r in resources]
    for i, resource in enumerate(resources):
        name = names[i] if isinstance(names[i], str) and names[i] else f"#{i + 1}"
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str) or not resource["name"]:
            fail("every resource needs a 'name'", name)
            continue
        if names.count(resource["name"]) > 1:
            fail("resource name is used twice", name)
        path = resource.get("path")
        paths = path if isinstance(path, list) else [path]
        if not paths or not all(isinstance(x, str) and x for x in paths):
            fail("resource needs a 'path' (a file name or a list of file names)", name)
        schema = resource.get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(fields, list) or not fields:
            fail("resource has no 'schema' with a list of 'fields'", name)
            continue
        field_names = []
        for field in fields:
            if not isinstance(field, dict) or not isinstance(field.get("name"), str):
                fail("every field needs a 'name'", name)
                continue
            field_names.append(field["name"])
            if field.get("type") not in _FIELD_TYPES:
                fail(f"field type must be one of {list(_FIELD_TYPES)}", name, field["name"], field.get("type"))
            constraints = field.get("constraints", {})
            if not isinstance(constraints, dict):
                fail("'constraints' must be an object", name, field["name"], constraints)
                continue
            if "pattern" in constraints:
                try:
                    re.compile(constraints["pattern"])
                except (re.error, TypeError) as error:
                    rule = f"pattern is not a valid regular expression ({error})"
                    fail(rule, name, field["name"], constraints["pattern"])
            if "enum" in constraints and not isinstance(constraints["enum"], list):
                fail("'enum' must be a list", name, field["name"], constraints["enum"])
        for duplicate in sorted({f for f in field_names if field_names.count(f) > 1}):
            fail("field name is used twice", name, duplicate)
        for key in schema.get("primaryKey") or []:
            if key not in field_names:
                fail("primaryKey names no field of the resource", name, "primaryKey", key)
        for fk in schema.get("foreignKeys") or []:
            column = (fk.get("fields") or [None])[0] if isinstance(fk, dict) else None
            target = (fk.get("reference") or {}).get("resource") if isinstance(fk, dict) else None
            if column not in field_names:
                fail("foreign key names no field of the resource", name, "foreignKeys", column)
            if target not in names:
                fail("foreign key refers to no resource of the descriptor", name, "foreignKeys", target)
    return errors


def _read_all(data_dir: Path) -> tuple[dict, list]:
    descriptor, errors = _read_descriptor(data_dir)
    if descriptor is None:
        return {}, errors
    tables = {}
    for resource in descriptor["resources"]:
        table = _read_table(data_dir, resource, errors)
        if table is not None:
            tables[resource["name"]] = table
    # A file that cannot be read at all is the root cause of what follows: it comes first.
    unreadable = sorted((e for e in errors if e.line is None), key=lambda e: e.file)
    _check_foreign_keys(tables, descriptor, errors)
    if "sources" in tables:
        _check_sources(tables["sources"], errors)
    studies = {}
    if "studies" in tables:
        _check_studies(tables["studies"], errors)
        studies = {p["study_id"]: p for _, p, _, _ in tables["studies"].rows}
    if "effects" in tables:
        _check_effects(tables["effects"], studies, errors)
    if "drug_facts" in tables:
        _check_drug_facts(tables["drug_facts"], errors)
    if "liver_facts" in tables:
        _check_liver_facts(tables["liver_facts"], tables.get("drug_facts"), errors)
    if "context_facts" in tables:
        _check_drug_facts(tables["context_facts"], errors)  # the same rules: value in quote, quote length
    effects = {p["effect_id"]: p for _, p, _, _ in tables["effects"].rows} if "effects" in tables else {}
    if "risk_of_bias" in tables:
        _check_risk_of_bias(tables["risk_of_bias"], studies, effects, errors)
    if "certainty" in tables:
        _check_certainty(tables["certainty"], effects, errors)
    if "claims" in tables:
        _check_claims(tables["claims"], effects, errors)
    if "estimate_choice" in tables:
        _check_estimate_choice(tables["estimate_choice"], studies, effects, errors)
    if "therapy_class" in tables:
        _check_therapy_class(tables["therapy_class"], studies, effects, errors)
    if "alternative_readings" in tables:
        _check_alternative_readings(tables["alternative_readings"], effects, errors)
    if "search_log" in tables:
        _check_search_log(tables["search_log"], tables.get("sources"), errors)
    if "extraction" in tables and "sources" in tables:
        _check_extraction(tables["extraction"], tables["sources"], errors)
    if "treatment_line" in tables:
        _check_treatment_line(tables["treatment_line"], studies, errors)
    if "subgroup_pairs" in tables:
        _check_subgroup_pairs(tables["subgroup_pairs"], effects, errors)
    _check_reconstructed(tables, descriptor, studies, effects, errors)
    rest = sorted((e for e in errors if e not in unreadable), key=lambda e: (e.file, e.line or 0, e.column or ""))
    return tables, unreadable + rest


def validate_data(data_dir: str | Path | None = None) -> list[DataValidationError]:
    """Check every table in ``data/`` against the descriptor and the semantic rules.

    Returns
    -------
    list of DataValidationError
        Empty when the data are valid. Each error names file, line, row key, column, value
        and rule.
    """
    data_dir = Path(data_dir) if data_dir is not None else find_data_dir()
    return _read_all(data_dir)[1]


@dataclass(frozen=True)
class Evidence:
    """The validated evidence tables as typed DataFrames, indexed by their keys."""

    sources: pd.DataFrame
    studies: pd.DataFrame
    effects: pd.DataFrame
    drug_facts: pd.DataFrame
    #: The effects' numeric cells exactly as printed in the CSV (strings), so recomputation can
    #: use the printed precision: ``0.540`` has three decimals although it reads as 0.54.
    effects_printed: pd.DataFrame
    risk_of_bias: pd.DataFrame
    certainty: pd.DataFrame
    claims: pd.DataFrame
    #: The audited articles with their short labels (``data/articles.csv``), in the book's order.
    articles: pd.DataFrame
    #: Which estimate each chapter uses per comparison and data-cut rule, with the reason
    #: (``data/appraisal/estimate_choice_<chapter>.csv``).
    estimate_choice: pd.DataFrame
    #: The local therapy and time zero of each estimate of the local-therapies chapter
    #: (``data/appraisal/local_therapy_classes.csv``).
    therapy_class: pd.DataFrame
    #: Other hazard ratios with intervals that an estimate's quote holds, as printed
    #: (``data/appraisal/alternative_readings.csv``).
    alternative_readings: pd.DataFrame
    #: Six kinds of liver fact per drug, each found (traced) or not found (``data/liver_facts.csv``).
    liver_facts: pd.DataFrame
    #: Definitions, frequencies and design facts stated in words (``data/context_facts.csv``).
    context_facts: pd.DataFrame
    #: Every search for evidence and what became of it (``data/search_log.csv``).
    search_log: pd.DataFrame
    #: What each source's numbers were read from (``data/extraction.csv``): extraction
    #: confidence, kept apart from the appraisal of the trials.
    extraction: pd.DataFrame
    #: Pairs of estimates in complementary subgroups of one trial (``data/subgroup_pairs.csv``);
    #: empty when the data set has no such resource.
    subgroup_pairs: pd.DataFrame = _dataclass_field(default_factory=lambda: pd.DataFrame(columns=SUBGROUP_PAIR_COLUMNS))
    #: Subtype and point in the treatment sequence of each randomised trial
    #: (``data/appraisal/treatment_line.csv``); empty when the data set has no such resource.
    treatment_line: pd.DataFrame = _dataclass_field(
        default_factory=lambda: pd.DataFrame(columns=["study_id", "subtype", "line", "note"])
    )


_PANDAS_TYPES = {"integer": "Int64", "number": "float64", "string": "string", "date": "datetime64[ns]"}


def _to_frame(table: _Table) -> pd.DataFrame:
    frame = pd.DataFrame([p for _, p, _, _ in table.rows], columns=list(table.fields))
    for column, field in table.fields.items():
        dtype = _PANDAS_TYPES[field["type"]]
        if field["type"] == "number":
            frame[column] = pd.to_numeric(
                frame[column].astype(object).where(frame[column].notna(), None), errors="raise"
            ).astype(dtype)
        elif field["type"] == "date":
            frame[column] = pd.to_datetime(frame[column])
        else:
            frame[column] = frame[column].astype(dtype)
    return frame.set_index(table.key, drop=False).rename_axis(None) if table.indexed else frame


def load_evidence(data_dir: str | Path | None = None) -> Evidence:
    """Load the validated evidence tables.

    Raises
    ------
    DataValidationErrors
        If any rule is broken, listing every error; nothing half-valid is returned.
    """
    data_dir = Path(data_dir) if data_dir is not None else find_data_dir()
    tables, errors = _read_all(data_dir)
    if errors:
        raise DataValidationErrors(errors)
    frames = [_to_frame(tables[name]) for name in ("sources", "studies", "effects", "drug_facts")]
    effects = tables["effects"]
    numeric = [c for c, f in effects.fields.items() if f["type"] == "number"]
    printed = pd.DataFrame(
        [{c: raw[c] for c in numeric} for _, _, raw, _ in effects.rows], index=frames[2].index, dtype="string"
    )
    return Evidence(
        *frames,
        effects_printed=printed,
        **{
            name: _to_frame(tables[name])
            for name in (
                "risk_of_bias",
                "certainty",
                "claims",
                "articles",
                "estimate_choice",
                "therapy_class",
                "alternative_readings",
                "liver_facts",
                "context_facts",
                "search_log",
                "extraction",
            )
        },
        **({"subgroup_pairs": _to_frame(tables["subgroup_pairs"])} if "subgroup_pairs" in tables else {}),
        **({"treatment_line": _to_frame(tables["treatment_line"])} if "treatment_line" in tables else {}),
    )


def _load_valid(data_dir: str | Path | None) -> dict:
    data_dir = Path(data_dir) if data_dir is not None else find_data_dir()
    tables, errors = _read_all(data_dir)
    if errors:
        raise DataValidationErrors(errors)
    return tables


def load_reconstructed_datasets(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The key of the reconstructed patient-level data sets (``data/kmdata/datasets.csv``), indexed by
    ``dataset``: study, published estimate (``effect_id``), kmdata arm labels, quality score and
    whether the recomputed hazard ratio reproduces the published one.

    The rows are Guyot reconstructions of published Kaplan-Meier curves from the R package kmdata
    1.0.1 (MIT licence; Fell et al., Database 2021, baab037), not the trials' own data.

    Raises
    ------
    DataValidationErrors
        If any rule of the data package is broken.
    """
    return _to_frame(_load_valid(data_dir)[RECONSTRUCTED_KEY])


def load_reconstructed(dataset: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The reconstructed patient-level rows of one data set (``data/kmdata/<dataset>.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` (months, float), ``event`` (1 = event, 0 = censored) and ``arm`` (the
        kmdata label; see :func:`load_reconstructed_datasets` for which arm is experimental), in
        file order.

    Raises
    ------
    DataValidationErrors
        If any rule of the data package is broken.
    KeyError
        If ``dataset`` is not a row of ``data/kmdata/datasets.csv``.
    """
    tables = _load_valid(data_dir)
    known = [p["dataset"] for _, p, _, _ in tables[RECONSTRUCTED_KEY].rows]
    if dataset not in known:
        raise KeyError(f"dataset={dataset!r}: not a data set of data/kmdata/datasets.csv (known: {known})")
    rows = tables[RECONSTRUCTED_ROWS]
    frame = pd.DataFrame(
        [p for _, p, _, file in rows.rows if _reconstructed_dataset_of(file) == dataset], columns=list(rows.fields)
    )
    return frame.astype({"time": "float64", "event": "int64", "arm": "string"})


def package_markdown(descriptor: dict) -> str:
    """``data/README.md``, generated from the descriptor so the documentation cannot drift.

    Regenerate with ``python -m helpers.validate --write-readme``; a test checks that the
    committed file equals this text.
    """
    out = [
        f"# {descriptor['title']}",
        "",
        "<!-- Generated from datapackage.json by `python -m helpers.validate --write-readme`; do not edit. -->",
        "",
        descriptor["description"],
        "",
        f"Licence: {descriptor['licenses'][0]['title']} ({descriptor['licenses'][0]['name']}). "
        "Quotations remain the work of their authors and are reproduced briefly, with attribution.",
        "",
        "The tables are a [Frictionless Data Package](https://specs.frictionlessdata.io/) "
        "(`datapackage.json`): any tool that reads that standard can load and check them without this "
        "project's code. Within the project, `python -m helpers.validate` checks them (schema, "
        "semantics and provenance) and names the file, line, row, column and rule of every failure.",
        "",
    ]
    for resource in descriptor["resources"]:
        schema = resource["schema"]
        paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        out += [
            f"## `{paths[0] if len(paths) == 1 else resource['name']}`: {resource['title']}",
            "",
            resource["description"],
            "",
        ]
        if len(paths) > 1:
            out.append("Files: " + ", ".join(f"`{p}`" for p in paths) + ".")
        if schema.get("primaryKey"):
            out.append(f"Primary key: `{', '.join(schema['primaryKey'])}`.")
        for fk in schema.get("foreignKeys", []):
            out.append(
                f"Foreign key: `{fk['fields'][0]}` → `{fk['reference']['resource']}.{fk['reference']['fields'][0]}`."
            )
        out += [
            "",
            "| column | type | required | allowed values / range | description |",
            "| --- | --- | --- | --- | --- |",
        ]
        for field in schema["fields"]:
            cons = field.get("constraints", {})
            allowed = []
            if "enum" in cons:
                allowed.append(", ".join(f"`{v}`" for v in cons["enum"]))
            if "minimum" in cons:
                allowed.append(f"≥ {cons['minimum']}")
            if "maximum" in cons:
                allowed.append(f"≤ {cons['maximum']}")
            if "pattern" in cons:
                allowed.append(f"pattern `{cons['pattern']}`")
            if cons.get("unique"):
                allowed.append("unique")
            out.append(
                f"| `{field['name']}` | {field['type']} | {'yes' if cons.get('required') else ''} | "
                f"{'; '.join(allowed)} | {field['description']} |"
            )
        out.append("")
    out += [
        "## Provenance rules (checked by `python -m helpers.validate`)",
        "",
        "- `effects.csv`: a `population_definition` appears verbatim in the row's `quote` or `note`.",
        "- Every number in a row of `effects.csv` appears, as printed, in that row's `quote` "
        "(a missing leading zero, thousands separators and scientific notation are allowed); a "
        "`ci_level` other than 95 must be quoted too.",
        "- `studies.csv`: `n_total`, `n_group_experimental`, `n_group_control`, `n_screened` and "
        "`follow_up_months` appear in `quote`; the `phase` appears in `quote` or `design_quote`; "
        "`short_name` is unique within a chapter.",
        "- `appraisal/estimate_choice_*.csv`: one estimate per study, comparison and `data_cut` rule, from "
        "a study of the row's chapter; every rule of a comparison covers the same studies.",
        "- `appraisal/local_therapy_classes.csv`: every estimate of the local-therapies chapter is classified, "
        "and only those.",
        "- `appraisal/alternative_readings.csv`: every number appears in the estimate's quote; the interval "
        "contains the hazard ratio.",
        "- `kmdata/datasets.csv`: the effect belongs to the row's study, has its endpoint and a hazard "
        "ratio; every data set has its file `kmdata/<dataset>.csv`, whose `arm` values are the data set's "
        "two arms, both present.",
        "- `drug_facts.csv` and `context_facts.csv`: `value` appears in `quote`.",
        "- `liver_facts.csv`: a `found` row has `value`, `source_id` and `quote`, with `value` in `quote`; a "
        "`not_found` row has none of them and a `note` saying what was searched; every drug (also every drug "
        "of `drug_facts.csv`) has a row for each of the six kinds of fact, and no kind is both found and not "
        "found.",
        f"- Quotes are at most {MAX_QUOTE_WORDS} words, copied from the page at the source's `url`.",
        "- An empty cell means not reported or not found. No cell is derived by arithmetic from "
        "others: recomputation belongs to the chapters.",
        "",
    ]
    return "\n".join(out)
