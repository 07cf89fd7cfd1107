"""How numbers are written in the book's prose.

Chapters never type a number: they ``glue`` strings made here, so every page writes an
estimate, a confidence interval or a p-value the same way.
"""

from __future__ import annotations

from helpers import _check
from helpers._numbers import format_as_printed, format_significant

__all__ = [
    "format_number",
    "format_p",
    "format_ci",
    "format_estimate_ci",
    "format_percent",
    "format_significant",
    "format_as_printed",
]


def format_number(value: float, digits: int = 2) -> str:
    """Round ``value`` to ``digits`` decimals, with a true minus sign for negatives."""
    value = _check.number(value, "value")
    digits = _check.integer(digits, "digits", low=0)
    text = f"{value:.{digits}f}"
    if text.startswith("-"):
        # A rounded "-0.00" would read as a negative result.
        text = "−" + text[1:] if float(text) != 0 else text[1:]
    return text


def format_p(p: float, threshold: float = 0.001) -> str:
    """Write a p-value the way journals do: ``p < 0.001`` below the threshold, else 2 significant figures.

    Returns the text without the leading ``p``, e.g. ``"< 0.001"`` or ``"0.0033"``.
    """
    p = _check.probability(p, "p")
    threshold = _check.probability(threshold, "threshold", low_open=True)
    if p < threshold:
        return f"< {threshold:g}"
    return f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


def format_ci(lower: float, upper: float, digits: int = 2) -> str:
    """Write an interval as ``lower–upper`` with an en dash."""
    return f"{format_number(lower, digits)}–{format_number(upper, digits)}"


def format_estimate_ci(estimate: float, lower: float, upper: float, digits: int = 2, level: float = 0.95) -> str:
    """Write ``estimate (95% CI lower–upper)``."""
    level = _check.level(level)
    return f"{format_number(estimate, digits)} ({level * 100:g}% CI {format_ci(lower, upper, digits)})"


def format_percent(fraction: float, digits: int = 0) -> str:
    """Write a fraction in [0, 1] as a percentage, e.g. ``0.234 -> '23%'``."""
    fraction = _check.number(fraction, "fraction")
    return f"{format_number(100 * fraction, digits)}%"
