"""Shared code of the BCLM evidence review.

Each module has one job:

- :mod:`helpers.data`: load and validate the tables in ``data/`` (``python -m helpers.validate``).
- :mod:`helpers.tables`: the tables the book renders from ``data/``.
- :mod:`helpers.km`: the Kaplan–Meier product-limit arithmetic in numpy (numbers at risk, steps,
  value at a time, median, area, distance between two curves).
- :mod:`helpers.survival`: survival summaries of patient-level data (Kaplan–Meier,
  log-rank, Cox, RMST).
- :mod:`helpers.datasets`: patient-level teaching data (GBSG2).
- :mod:`helpers.effects`: conversions between CI, SE, p-value and events; consistency checks.
- :mod:`helpers.meta`: inverse-variance pooling (FE, DL, PM, REML; Hartung–Knapp).
- :mod:`helpers.observational`: E-values for non-randomised comparisons.
- :mod:`helpers.benefit`: absolute benefit and preliminary ESMO-MCBS grades.
- :mod:`helpers.simulate`: illustrative pseudo-patients implied by reported summaries.
- :mod:`helpers.reconstruct`: patient rows from a digitized Kaplan–Meier curve (Guyot 2012).
- :mod:`helpers.synthesis`: the methods applied to rows of the evidence tables.
- :mod:`helpers.claims`: arithmetic behind the claims audit (risk reductions, data cuts, shares).
- :mod:`helpers.plotting`: the book's single plotting style (KM curves, forest plots).
- :mod:`helpers.formatting`: how numbers are written in the prose (through glue).

The package is installed (``uv sync``); chapters import it as ``import helpers``.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
