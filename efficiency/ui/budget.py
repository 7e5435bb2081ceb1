"""The latency-budget answer (no Streamlit): the best models with latency p50 within a budget, how
many models cannot be ranked because the configuration lacks them, the answer in words, and the
budget drawn on the Pareto figure (a shaded region and a line on a latency axis, a ring around the
models within it on any other axis, a star on the best)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from efficiency.ui.axes import AXES
from efficiency.ui.explorer import View, budget_query
from efficiency.ui.tables import STABILITY_RULE, stability_text
from efficiency.ui.view_machine import PICK, elsewhere_words

BUDGET_AXIS = "latency_p50"      # the axis whose unit the budget is in (ms per batch, p50)
BEST_COLOR = "#FFB000"
BUDGET_FILL = "rgba(0,114,178,0.12)"
BUDGET_LINE = "#0072B2"


@dataclass(frozen=True)
class BudgetAnswer:
    """Best accuracy among the plotted models with ``lat_p50_ms <= budget_ms``."""
    budget_ms: float
    best: pd.Series | None              # None: no plotted model is within the budget
    runners: pd.DataFrame               # the next best, best first
    n_within: int                       # plotted models within the budget
    n_ranked: int                       # models with latency in the configuration (rankable)
    n_lacking: int                      # models without latency in the configuration
    n_scope: int                        # ... out of these (plotted models, or models with the accuracy)
    fastest: pd.Series | None           # the fastest ranked model (what to say when none fits)
    # of the lacking models, where another machine measured them ("6 measured on NVIDIA H100"; "" none):
    # the answer sends the reader to the Machine choice rather than calling them unmeasured (UXCHECK6 #2)
    elsewhere: str = ""


def budget_answer(view: View, budget_ms: float, k: int = 5) -> BudgetAnswer:
    """The answer for ``view``: on a latency axis every plotted model has latency, so the models
    lacking it are the view's models with the accuracy that are not plotted (``lat_total -
    lat_have``); on any other axis, the plotted models without latency."""
    pts = view.points
    lat = pd.to_numeric(pts["lat_p50_ms"], errors="coerce") if len(pts) else pd.Series(dtype=float)
    best, runners = budget_query(pts, budget_ms, k=k, higher_is_better=view.higher_is_better)
    if AXES[view.state.x].needs_hw:
        lacking, scope = max(view.lat_total - view.lat_have, 0), view.lat_total
        there, where = list(view.lat_elsewhere), view.lat_elsewhere     # counted over lat_total's models
    else:
        lacking, scope = int(lat.isna().sum()), len(pts)
        there, where = (list(pts.loc[lat.isna(), "model"]) if len(pts) else []), view.elsewhere
    ranked = pts[lat.notna()]
    fastest = ranked.loc[lat[lat.notna()].idxmin()] if len(ranked) else None
    return BudgetAnswer(budget_ms, best, runners, int((lat <= budget_ms).sum()), len(ranked), lacking, scope,
                        fastest, elsewhere_words(there, where))


def _model_line(row: pd.Series, unit: str) -> str:
    """One answered model; a noisy latency row says so (its p50 may move on a rerun, and with it the
    answer), a row without a flag says its stability was not assessed."""
    text = stability_text(row.to_dict())
    mark = f" (**{text}**)" if text.startswith("noisy") else (" (stability not assessed)" if text else "")
    return f"**{row['model']}**: {row['y']:.2f}{unit} at {row['lat_p50_ms']:.3g} ms{mark}"


def _noisy_line(a: BudgetAnswer) -> list[str]:
    """What a noisy row in the answer means, once, when the answer names one."""
    named = [a.best, *[r for _, r in a.runners.iterrows()]] if a.best is not None else [a.fastest]
    if not any(r is not None and stability_text(r.to_dict()).startswith("noisy") for r in named):
        return []
    return [f"A noisy row failed the stability rule ({STABILITY_RULE}): its p50 may differ on a rerun, "
            "and so may whether it fits the budget."]


def answer_lines(a: BudgetAnswer, hw: str, y_short: str, unit: str = " %") -> list[str]:
    """The answer in words (markdown), best first; the gap in the data is always stated."""
    lines = []
    if a.best is None:
        lines.append(f"No plotted model runs within {a.budget_ms:g} ms on {hw}."
                     + (f" The fastest is {_model_line(a.fastest, unit)}." if a.fastest is not None else ""))
    else:
        lines.append(f"Best {y_short} within {a.budget_ms:g} ms: {_model_line(a.best, unit)} "
                     f"({a.best['gmacs']:.3g} GMACs, {a.best['params_m']:.1f} M params).")
        lines += [f"{i}. {_model_line(r, unit)}" for i, (_, r) in enumerate(a.runners.iterrows(), start=2)]
        lines.append(f"{a.n_within:,} of {a.n_ranked:,} ranked models fit the budget.")
    if a.n_lacking:
        lines.append(f"{a.n_lacking:,} of {a.n_scope:,} models have no latency on {hw}: not ranked."
                     + (f" Of them, {a.elsewhere} in this configuration: {PICK} to rank those." if a.elsewhere else ""))
    return lines + _noisy_line(a)


def add_budget(fig: go.Figure, view: View, a: BudgetAnswer) -> None:
    """Draw ``a`` on ``fig`` (in place): on the latency p50 axis a shaded region up to the budget
    and a dashed line at it; on any other axis a ring around each model within the budget; a
    star on the best with its name in the legend."""
    label = f"within {a.budget_ms:g} ms p50"
    if view.state.x == BUDGET_AXIS:
        lo = fig.layout.xaxis.range[0] if fig.layout.xaxis.range else None
        x0 = 10 ** lo if lo is not None and view.state.log_x else (lo if lo is not None else 0)
        fig.add_vrect(x0=x0, x1=a.budget_ms, fillcolor=BUDGET_FILL, line_width=0, layer="below", name="budget-region")
        fig.add_vline(x=a.budget_ms, line=dict(color=BUDGET_LINE, width=2, dash="dash"), name="budget-line")
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"budget: {a.budget_ms:g} ms p50",
                                 line=dict(color=BUDGET_LINE, width=2, dash="dash"), meta="budget"))
    elif len(a.runners):
        # hundreds of rings would bury the chart: ring the runners-up the answer names
        fig.add_trace(go.Scatter(
            x=a.runners["x"], y=a.runners["y"], mode="markers", name=f"next best {label}", hoverinfo="skip",
            customdata=a.runners[["model"]].to_numpy(),
            marker=dict(symbol="circle-open", size=15, color=BUDGET_LINE, line=dict(width=2)), meta="budget"))
    if a.best is not None:
        name = a.best["arch"] if isinstance(a.best.get("arch"), str) and a.best["arch"] else a.best["model"]
        fig.add_trace(go.Scatter(
            x=[a.best["x"]], y=[a.best["y"]], mode="markers", hoverinfo="skip", customdata=[[a.best["model"]]],
            name=f"best {label}: {name} ({a.best['y']:.2f})", meta="budget-best",
            marker=dict(symbol="star", size=20, color=BEST_COLOR, line=dict(color="#222", width=1.2))))
