"""How a number the methods compute or a source printed is written inside a message: with its
significant digits and at most four decimals, the most any number in the book shows.

A private module of plain functions so that the method modules (:mod:`helpers.effects`,
:mod:`helpers.reconstruct`) can word their verdicts without importing the presentation layer;
:mod:`helpers.formatting` re-exports both functions.
"""

from __future__ import annotations

from helpers import _check


def format_significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, with at most four decimals (the most any
    number in the book shows): ``0.425397`` → ``"0.4254"`` (4 digits), ``0.0123`` → ``"0.0123"``;
    a value that would need more decimals is rounded to four (``0.01908`` → ``"0.0191"``,
    ``0.00123`` → ``"0.0012"``), and one below 0.001 is written in scientific notation so that it
    keeps its precision without a run of zeros (``0.000919`` → ``"9.19e-04"``)."""
    value = _check.number(value, "value")
    digits = int(digits)
    if digits < 1:
        raise ValueError(f"digits must be at least 1, got {digits}")
    text = f"{value:.{digits}g}"
    if "e" not in text and len(text.partition(".")[2]) <= 4:
        return text
    if abs(value) >= 0.001:
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{value:.{digits - 1}e}"


def format_as_printed(value: float) -> str:
    """A reported value with the digits its source printed, and at most four decimals: ``%g``
    (``0.059`` → ``"0.059"``), or scientific notation with the same significant digits when
    that would need more decimals (``0.00455`` → ``"4.55e-03"``), so that the value is never
    rounded away from what the source printed."""
    value = _check.number(value, "value")
    text = f"{value:g}"
    if "e" in text or len(text.partition(".")[2]) <= 4:
        return text
    significant = text.partition(".")[2].lstrip("0")
    return f"{value:.{max(len(significant) - 1, 0)}e}"
