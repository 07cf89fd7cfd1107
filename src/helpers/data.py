"""Loading the book's data.

One home for every table a chapter reads: the patient-level teaching data set (GBSG2) and,
from the evidence-base issue on, the traced tables in ``data/``.
"""

from __future__ import annotations

import pandas as pd
from lifelines.datasets import load_gbsg2 as _lifelines_gbsg2

from helpers.survival import days_to

__all__ = ["load_gbsg2"]


def load_gbsg2(time_unit: str = "months") -> pd.DataFrame:
    """The German Breast Cancer Study Group 2 trial, as bundled with lifelines.

    686 women with node-positive primary breast cancer; recurrence-free survival by hormone
    therapy (tamoxifen, yes/no). Source: Schumacher M et al., J Clin Oncol 1994;12:2086-93;
    data as distributed in R's TH.data package and lifelines.

    Returns
    -------
    pandas.DataFrame
        The original columns plus ``time_<unit>`` (time converted from days), ``event``
        (1 = recurrence or death, 0 = censored) and ``hormone_therapy`` (``"yes"``/``"no"``).
    """
    df = _lifelines_gbsg2()
    df[f"time_{time_unit}"] = days_to(df["time"], time_unit)
    df["event"] = df["cens"].astype(int)
    df["hormone_therapy"] = df["horTh"].astype(str)
    return df
