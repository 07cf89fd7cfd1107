"""Checking a chapter's papermill parameters before anything runs.

Each chapter's first code cell holds its parameters; papermill may replace them
(``-p name value``). The cell right after it calls :func:`check` with one rule per parameter,
so that a wrong type, a value out of range, a value not allowed, or a misspelt name stops the
chapter at once with a message that names the parameter, the value received, the rule, and
what is allowed. Without it, ``-p hartung_knapp no`` would switch the option *on* (a non-empty
string is true in Python) and a misspelt name would leave the default in force.

Example (the cell after the parameters)::

    from helpers import chapter
    P = chapter.parameters
    P.check(globals(), pooling_method=P.choice("FE", "DL", "PM", "REML"), hartung_knapp=P.flag(),
            level=P.number(0.5, 0.999), seed=P.integer(0))
"""

from __future__ import annotations

import difflib
import math
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real

__all__ = [
    "ParameterError",
    "Rule",
    "check",
    "choice",
    "flag",
    "number",
    "integer",
    "text",
    "optional",
    "list_of",
    "data_key",
]


class ParameterError(ValueError):
    """A chapter parameter that breaks its rule, or a name the chapter does not have."""


@dataclass(frozen=True)
class Rule:
    """What a parameter must be: ``test(value)`` returns the problem in words, or ``None``."""

    describe: str
    test: Callable[[object], str | None]

    def problem(self, value) -> str | None:
        return self.test(value)


def _shown(value) -> str:
    return f"{value!r} ({type(value).__name__})"


def choice(*allowed) -> Rule:
    """One of ``allowed`` (compared with ``==`` and of the same type)."""
    words = " or ".join(repr(a) for a in allowed)
    return Rule(words, lambda v: None if any(type(v) is type(a) and v == a for a in allowed) else f"must be {words}")


def flag() -> Rule:
    """``True`` or ``False`` (a Python bool: the strings "no" and "False" are refused)."""
    return Rule("True or False", lambda v: None if isinstance(v, bool) else "must be True or False (a bool)")


def number(low: float | None = None, high: float | None = None) -> Rule:
    """A finite real number (not a bool) within ``[low, high]``."""
    bounds = (
        ""
        if low is None and high is None
        else f" ≥ {low:g}"
        if high is None
        else f" ≤ {high:g}"
        if low is None
        else f" in [{low:g}, {high:g}]"
    )

    def test(v):
        if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(float(v)):
            return f"must be a finite number{bounds}"
        if (low is not None and v < low) or (high is not None and v > high):
            return f"must be a number{bounds}"
        return None

    return Rule(f"a number{bounds}", test)


def integer(low: int | None = None, high: int | None = None) -> Rule:
    """A whole number (not a bool) within ``[low, high]``."""
    bounds = (
        ""
        if low is None and high is None
        else f" ≥ {low}"
        if high is None
        else f" ≤ {high}"
        if low is None
        else f" in [{low}, {high}]"
    )

    def test(v):
        if isinstance(v, bool) or not isinstance(v, Integral):
            return f"must be a whole number{bounds}"
        if (low is not None and v < low) or (high is not None and v > high):
            return f"must be a whole number{bounds}"
        return None

    return Rule(f"a whole number{bounds}", test)


def text() -> Rule:
    """A non-empty string."""
    return Rule("a text", lambda v: None if isinstance(v, str) and v.strip() else "must be a non-empty text")


def optional(rule: Rule) -> Rule:
    """``None`` or what ``rule`` allows."""
    return Rule(f"None or {rule.describe}", lambda v: None if v is None else rule.problem(v))


def list_of(rule: Rule, *, min_length: int = 1) -> Rule:
    """A list (or tuple) of at least ``min_length`` items, each allowed by ``rule``."""

    def test(v):
        if not isinstance(v, list | tuple) or len(v) < min_length:
            return f"must be a list of at least {min_length} item(s), each {rule.describe}"
        for i, item in enumerate(v):
            problem = rule.problem(item)
            if problem:
                return f"item {i} ({item!r}) {problem}"
        return None

    return Rule(f"a list of {rule.describe}", test)


def data_key(resource: str, column: str, *, where: Mapping[str, object] | None = None) -> Rule:
    """A value of ``column`` in the data table ``resource`` (``data/datapackage.json``), optionally
    among the rows matching ``where`` (e.g. ``{"chapter": "her2_tkis"}``)."""

    def values() -> list[str]:
        from helpers.data import load_evidence

        table = getattr(load_evidence(), resource)
        frame = table.reset_index() if column not in table.columns else table
        for key, wanted in (where or {}).items():
            frame = frame[frame[key] == wanted]
        return sorted(frame[column].dropna().astype(str).unique())

    def test(v):
        if not isinstance(v, str):
            return f"must be a text naming a {column} of data/{resource}"
        allowed = values()
        if v in allowed:
            return None
        close = difflib.get_close_matches(v, allowed, n=3)
        return (
            f"must be a {column} of data/{resource}"
            + (f" where {dict(where)}" if where else "")
            + (f"; did you mean {', '.join(map(repr, close))}?" if close else "")
        )

    return Rule(f"a {column} of data/{resource}", test)


# Names IPython and the kernel put into a notebook's namespace; never parameters.
_KERNEL_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def _user_names(namespace: Mapping[str, object]) -> Iterable[str]:
    for name, value in namespace.items():
        if name.startswith("_") or name in _KERNEL_NAMES:
            continue
        if isinstance(value, types.ModuleType | types.FunctionType | types.BuiltinFunctionType | type):
            continue
        yield name


def check(namespace: Mapping[str, object], **rules: Rule) -> None:
    """Check every parameter of a chapter, and that no other name was passed.

    Parameters
    ----------
    namespace
        The notebook's ``globals()`` right after the parameters (and papermill's injected
        parameters) have run.
    **rules
        One :class:`Rule` per parameter of the chapter.

    Raises
    ------
    ParameterError
        Naming each parameter that breaks its rule (value received, rule), each name that is not
        a parameter of this chapter (with the closest parameter names), and listing what is allowed.
    """
    allowed = "; ".join(f"{name}: {rule.describe}" for name, rule in rules.items())
    problems = []
    for name, rule in rules.items():
        if name not in namespace:
            problems.append(f"parameter {name!r} is missing")
            continue
        problem = rule.problem(namespace[name])
        if problem:
            problems.append(f"parameter {name!r} {problem}, got {_shown(namespace[name])}")
    for name in _user_names(namespace):
        if name not in rules:
            close = difflib.get_close_matches(name, list(rules), n=1)
            problems.append(
                f"{name!r} is not a parameter of this chapter" + (f" (did you mean {close[0]!r}?)" if close else "")
            )
    if problems:
        raise ParameterError("; ".join(problems) + f". This chapter's parameters are: {allowed}.")
