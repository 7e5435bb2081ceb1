"""How the Pareto figure shows a latency row's stability (plotly, no Streamlit): noisy rows hollow,
a line on the hover card saying why (IQR share of p50, or the clock/power part of the rule), the
language card's "stability not assessed" where a row stores no flag, and a p90 left out when the
row timed too few calls (:data:`efficiency.ui.tables.MIN_SAMPLES_TAIL`).

The rule itself is the measurement's (efficiency.measure.latency.is_noisy, energy.over_limit); the
words are :func:`efficiency.ui.tables.stability_text`."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from efficiency.ui import overlays
from efficiency.ui.axes import AXES
from efficiency.ui.tables import MIN_SAMPLES_TAIL, stability, stability_text

NOISY_COLOR = "#555555"      # the legend's hollow marker (the points keep their group's colour)
MARKER_PX = 9                # efficiency.ui.figures.MARKER_PX (that module imports this one)


def stability_html(p: dict) -> str:
    """The hover card's stability line of one point ("" for a stable row or one without latency):
    a noisy row in bold, "not assessed" in italics."""
    text = stability_text(p)
    if not text:
        return ""
    return f"<b>{text}</b>" if text.startswith("noisy") else f"<i>{text}</i>"


def p90_text(p: dict, gap: str) -> str:
    """What the card shows for a missing p90: the reason when the row timed too few calls for one,
    else ``gap`` (the card's usual word for a missing figure)."""
    n, p50 = p.get("n_samples"), p.get("lat_p50_ms")
    few = n is not None and pd.notna(n) and n < MIN_SAMPLES_TAIL and p50 is not None and pd.notna(p50)
    return f"not shown ({int(n)} timed calls)" if few else gap


def language_customdata(sub: pd.DataFrame) -> list[list[str]]:
    """:func:`efficiency.ui.overlays.language_customdata` with each row's stability appended to its last
    string (the card's free lines): language rows so far store no noisy flag, and the card says so."""
    rows = overlays.language_customdata(sub)
    fields = sub.reindex(columns=["lat_p50_ms", "noisy", "energy_noisy", "lat_iqr_pct"]).to_dict("records")
    for row, p in zip(rows, fields):
        line = stability_html(p)
        row[-1] += f"<br>{line}" if line else ""
    return rows


def hollow(view) -> pd.Series:
    """Per point of ``view``: draw it hollow, its latency row being noisy. Only on an axis that plots a
    latency row's figure, where it says the point's x may move on a rerun; never on count axes, where
    the position does not depend on the row."""
    pts = view.points
    if not len(pts) or not AXES[view.state.x].needs_hw:
        return pd.Series(False, index=pts.index)
    if view.state.x == "ttft" and "ttft_flag" in pts:   # TTFT's own flag (lang_stability), not the decode step's
        return pts["ttft_flag"].fillna("").astype(str) != ""
    return stability(pts) == "noisy"


def symbols(mask: pd.Series) -> list[str] | str:
    """The marker symbol of each point of a trace (``mask``: hollow ones), one symbol when all agree."""
    if not mask.any():
        return "circle"
    return ["circle-open" if m else "circle" for m in mask]


def noisy_legend(mask: pd.Series, what: str = "noisy latency row") -> list[go.Scatter]:
    """A legend entry (no points of its own, meta "noisy") saying what a hollow marker is, when any is."""
    if not mask.any():
        return []
    return [go.Scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", meta="noisy", legendrank=2500,
                       name=f"hollow: {what} ({int(mask.sum())})",
                       marker=dict(symbol="circle-open", size=MARKER_PX, color=NOISY_COLOR, line=dict(width=1.5)))]
