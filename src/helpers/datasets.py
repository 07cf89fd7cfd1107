"""Patient-level teaching data sets (as ``lifelines.datasets``, for the book's survival lessons).

The evidence tables in ``data/`` are loaded by :mod:`helpers.data`; this module holds the
patient-level data the survival chapters learn on, prepared once in the book's conventions
(times in a chosen unit, ``event`` coded 1 = event, 0 = censored).
"""

from __future__ import annotations

import pandas as pd

from helpers.survival import days_to

__all__ = ["load_gbsg2"]


def load_gbsg2(time_unit: str = "months") -> pd.DataFrame:
    """The German Breast Cancer Study Group 2 trial, as bundled with lifelines.

    686 women with node-positive primary breast cancer; recurrence-free survival by hormone
    therapy (tamoxifen, yes/no). Source: Schumacher M et al., J Clin Oncol 1994;12:2086-93;
    data as distributed in R's TH.data package and lifelines.

    Parameters
    ----------
    time_unit
        ``days``, ``weeks``, ``months`` or ``years`` (see :func:`helpers.survival.days_to`).

    Returns
    -------
    pandas.DataFrame
        The original columns plus ``time_<unit>`` (time converted from days), ``event``
        (1 = recurrence or death, 0 = censored) and ``hormone_therapy`` (``"yes"``/``"no"``).
    """
    from lifelines.datasets import load_gbsg2 as lifelines_gbsg2

    df = lifelines_gbsg2()
    df[f"time_{time_unit}"] = days_to(df["time"], time_unit)
    df["event"] = df["cens"].astype(int)
    df["hormone_therapy"] = df["horTh"].astype(str)
    return df
