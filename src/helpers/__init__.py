"""Shared code of the BCLM evidence review.

Each module has one job:

- :mod:`helpers.data`: load and validate the tables in ``data/``.
- :mod:`helpers.survival`: survival summaries of patient-level data (Kaplan–Meier,
  log-rank, Cox, RMST).
- :mod:`helpers.plotting`: the book's single plotting style.
- :mod:`helpers.formatting`: how numbers are written in the prose (through glue).

The package is installed (``uv sync``); chapters import it as ``import helpers``.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
