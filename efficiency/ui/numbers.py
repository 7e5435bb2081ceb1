"""One number formatter for hover cards and detail tables (no plotly, no Streamlit)."""
from __future__ import annotations

import math


def fmt(v, spec: str, unit: str = "", missing: str = "n/a") -> str:
    """``v`` formatted with ``spec`` and its unit; ``missing`` for None, NaN or text that is no number."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return missing
    if not math.isfinite(f):
        return missing
    return f"{f:{spec}}{(' ' + unit) if unit else ''}"
