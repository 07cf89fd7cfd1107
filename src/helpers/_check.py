"""Input checks shared by the method modules (private: not part of the book's API).

Every public function validates its arguments once, through these helpers, so that a bad input
ends in one kind of message: the argument's name, the value received and the rule broken, e.g.
``hr must be a positive finite number, got -0.5``. Wrong types raise :class:`TypeError`, values
outside the domain :class:`ValueError`.

The helpers return the value converted (``float``, ``int``, ``bool``, a numpy array) so that a
caller writes ``hr = _check.positive(hr, "hr")`` and works with the checked value from then on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd

__all__ = [
    "number",
    "positive",
    "non_negative",
    "probability",
    "level",
    "percent_level",
    "integer",
    "flag",
    "choice",
    "interval",
    "durations",
    "event_flags",
    "columns",
]


def _is_number(value) -> bool:
    """A real number that is not a bool (``True`` is an int in Python, never a number here)."""
    return isinstance(value, Real | np.number) and not isinstance(value, bool | np.bool_)


def _rule(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    """The rule a number must meet, in words (``a positive finite number``, ``a number in (0, 1]``)."""
    if low is None and high is None:
        return "a finite number"
    if high is None:
        if low == 0:
            return "a positive finite number" if low_open else "a finite number ≥ 0"
        return f"a finite number {'>' if low_open else '≥'} {low:g}"
    if low is None:
        return f"a finite number {'<' if high_open else '≤'} {high:g}"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def number(
    value,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    hint: str = "",
) -> float:
    """``value`` as a finite float within the given bounds, or an error naming ``name``.

    Parameters
    ----------
    value
        A real number (int, float, numpy scalar). Strings, bools and ``None`` are a
        :class:`TypeError`; NaN, infinities and values outside the bounds a :class:`ValueError`.
    name
        The argument's name, as the caller spells it.
    low, high, low_open, high_open
        Bounds (``None``: unbounded); ``*_open`` excludes the bound itself.
    hint
        Appended to the message (e.g. what the caller probably meant).
    """
    rule = _rule(low, high, low_open, high_open)
    suffix = f" ({hint})" if hint else ""
    if not _is_number(value):
        raise TypeError(f"{name} must be {rule}, got {value!r} ({type(value).__name__}){suffix}")
    value = float(value)
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(f"{name} must be {rule}, got {value!r}{suffix}")
    return value


def positive(value, name: str, hint: str = "") -> float:
    """A finite number > 0 (a ratio, a median, an SE)."""
    return number(value, name, low=0, low_open=True, hint=hint)


def non_negative(value, name: str, hint: str = "") -> float:
    """A finite number ≥ 0 (a time, a rate)."""
    return number(value, name, low=0, hint=hint)


def probability(value, name: str, *, low_open: bool = False, high_open: bool = False, hint: str = "") -> float:
    """A number in [0, 1] (optionally open at either end): a probability, not a percentage."""
    return number(
        value,
        name,
        low=0,
        high=1,
        low_open=low_open,
        high_open=high_open,
        hint=hint or ("a probability, not a percentage" if _is_number(value) and 1 < value <= 100 else ""),
    )


def level(value, name: str = "level") -> float:
    """A confidence level as a fraction in (0, 1), e.g. 0.95; a percentage (95) says so."""
    hint = "give the level as a fraction, e.g. 0.95 for 95%" if _is_number(value) and 1 <= value < 100 else ""
    return number(value, name, low=0, high=1, low_open=True, high_open=True, hint=hint)


def percent_level(value, name: str = "ci_level") -> float:
    """A confidence level in percent, in (1, 100), e.g. 95; a fraction such as 0.95 says so."""
    hint = "give the level in percent, e.g. 95 for a 95% interval" if _is_number(value) and 0 < value <= 1 else ""
    return number(value, name, low=1, high=100, low_open=True, high_open=True, hint=hint)


def integer(value, name: str, *, low: int | None = None) -> int:
    """A whole number (``int`` or numpy integer, not a bool, not ``2.0``), at least ``low``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Integral | np.integer):
        rule = "an integer" if low is None else f"an integer ≥ {low}"
        raise TypeError(f"{name} must be {rule}, got {value!r} ({type(value).__name__})")
    if low is not None and value < low:
        raise ValueError(f"{name} must be an integer ≥ {low}, got {value!r}")
    return int(value)


def flag(value, name: str) -> bool:
    """``True`` or ``False`` only: a string such as ``"no"`` is truthy, so it is refused."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def choice(value, name: str, allowed: Iterable):
    """``value`` if it is one of ``allowed``, else an error listing them."""
    allowed = list(allowed)
    try:
        ok = value in allowed
    except TypeError:  # unhashable or incomparable
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def interval(
    estimate: float, lower: float, upper: float, names: Sequence[str] = ("hr", "lower", "upper"), *, ratio: bool = True
) -> tuple[float, float, float]:
    """An estimate and its confidence interval: ``lower ≤ estimate ≤ upper``.

    With ``ratio=True`` (hazard or risk ratios) all three must be positive finite numbers. A
    degenerate interval (``lower == upper``) passes; functions that need a width check it.
    """
    check = positive if ratio else number
    estimate, lower, upper = (check(v, n) for v, n in zip((estimate, lower, upper), names))
    if not lower <= upper:
        raise ValueError(f"{names[1]} {lower!r} must not exceed {names[2]} {upper!r} (swapped limits?)")
    if not lower <= estimate <= upper:
        raise ValueError(
            f"{names[0]} {estimate!r} must lie within its interval [{lower!r}, {upper!r}] ({names[1]}, {names[2]})"
        )
    return estimate, lower, upper


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _numeric_array(values, name: str) -> np.ndarray:
    if isinstance(values, pd.Series | pd.Index):
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            return values.to_numpy(dtype=float, na_value=np.nan)
        if not pd.api.types.is_bool_dtype(values.dtype):
            raise TypeError(f"{name} must have a numeric dtype, got {values.dtype} (mixed or text values?)")
        array = values.to_numpy()
    else:
        array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.number) or array.dtype == object):
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    try:
        return array.astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers only") from None


def durations(values, name: str = "durations", *, empty: bool = False) -> np.ndarray:
    """Follow-up times: finite and ≥ 0, none missing; returned as a float array."""
    array = _numeric_array(values, name)
    if array.size == 0 and not empty:
        raise ValueError(f"{name} is empty")
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(
            f"{name} must be finite times ≥ 0 with none missing; entry {i} is {float(array[i])!r} "
            f"({int(bad.sum())} such entries)"
        )
    return array


def event_flags(values, name: str = "events", size: int | None = None) -> np.ndarray:
    """Event indicators coded 1 = event, 0 = censored (bools too); returned as a bool array.

    R's ``Surv`` also accepts 1 = censored, 2 = event; that coding is refused with a hint, since
    reading it as 0/1 would count every patient as an event.
    """
    raw = values.to_numpy() if isinstance(values, pd.Series | pd.Index) else np.asarray(values)
    if raw.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {raw.shape}")
    if raw.dtype == bool:
        array = raw
    else:
        numeric = _numeric_array(values if isinstance(values, pd.Series | pd.Index) else raw, name)
        bad = ~np.isin(numeric, (0.0, 1.0))
        if bad.any():
            i = _first_bad(bad)
            hint = (
                "; R-style status codes 1 = censored, 2 = event? subtract 1"
                if set(np.unique(numeric[np.isfinite(numeric)])) <= {1.0, 2.0}
                else ""
            )
            raise ValueError(f"{name} must be 1 (event) or 0 (censored); entry {i} is {float(numeric[i])!r}{hint}")
        array = numeric == 1.0
    if size is not None and array.size != size:
        raise ValueError(f"{name} has {array.size} entries for {size} durations")
    return array


def columns(df, required: Sequence[str], what: str = "data") -> None:
    """``df`` is a DataFrame holding every column of ``required``."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise KeyError(f"columns {missing} not in {what} (has {list(df.columns)})")
