"""One number formatter for hover cards and detail tables, and one reader of a table's numeric
column (no plotly, no Streamlit)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def fmt(v, spec: str, unit: str = "", missing: str = "n/a") -> str:
    """``v`` formatted with ``spec`` and its unit; ``missing`` for None, NaN or text that is no number."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return missing
    if not math.isfinite(f):
        return missing
    return f"{f:{spec}}{(' ' + unit) if unit else ''}"


def floats(rows: pd.DataFrame, column: str) -> pd.Series:
    """``rows[column]`` as float: NaN where missing or not a number, and everywhere when the column is
    absent (an older cache has no language columns)."""
    if column not in rows:
        return pd.Series(np.nan, index=rows.index, dtype=float)
    return pd.to_numeric(rows[column], errors="coerce").astype(float)
