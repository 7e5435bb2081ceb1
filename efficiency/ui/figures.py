"""Publication-ready Pareto figures (plotly) and their exports (no torch, no Streamlit); the
command line that writes them is :mod:`efficiency.ui.plot_cli` (``python -m efficiency.plot``).

The figure: one marker per model coloured by family/source/seed paper, the Pareto front
(minimise x, maximise accuracy) as a highlighted step line, paper claims as hollow
diamonds at their convention-corrected compute, axis titles with units and a caption
stating the MAC/FLOP convention and the hardware configuration. PNG and SVG go through
kaleido, which drives a Chromium: ``BROWSER_PATH`` is set to ``/usr/bin/chromium`` when
unset and that file exists.
"""
from __future__ import annotations

import math
import os
import re
import textwrap
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from efficiency.ui.axes import AXES, hw_text
from efficiency.ui.explorer import View, colour_order

FONT = "Inter, Helvetica, Arial, sans-serif"
# colour-blind-safe, high contrast (Okabe-Ito first, then Tableau)
OTHER_COLOR = "#b0b0b0"    # the groups beyond MAX_GROUPS (the farthest from the front)
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#76B7B2", "#FF9DA7", "#9C755F", "#BAB0AC"]
FRONT_COLOR = "#1a1a1a"
CLAIM_COLOR = "#C0392B"
MAX_GROUPS = 14          # beyond this the smallest groups share the trace "other"
WIDTH, HEIGHT = 1100, 680


def _fmt(v, spec: str, unit: str = "", missing: str = "n/a") -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return missing
    if not math.isfinite(f):
        return missing
    return f"{f:{spec}}{(' ' + unit) if unit else ''}"


HOVER_COLUMNS = ["model", "family", "source", "input_size", "y", "gmacs", "gflops", "params_m", "lat_p50_ms",
                 "lat_p90_ms", "throughput_sps", "mem_mib", "paper", "on_front", "lat_note"]


def hover_values(p: dict) -> list[str]:
    """The per-point strings of the hover card, in the order :func:`hover_template` uses them
    (index 0, the model id, is also what a click on the point selects)."""
    extra = []
    note = p["lat_note"] if isinstance(p.get("lat_note"), str) else ""
    gap = "-" if note else "n/a"    # the latency note below says why these are missing
    if p.get("paper"):
        extra.append("Paper: " + textwrap.shorten(str(p["paper"]), 70))
    if p.get("on_front"):
        extra.append("<i>on the Pareto front</i>")
    if note:
        # no bare "n/a": say where this model (or its other implementation) was measured instead
        extra.append("Latency " + note)
    return [
        str(p["model"]),
        f"{p.get('family', '')} · {p.get('source', '')} · input {p.get('input_size', '')}",
        _fmt(p["y"], ".2f"),
        _fmt(p.get("gmacs"), ".3f"),
        _fmt(p.get("gflops"), ".3f"),
        _fmt(p.get("params_m"), ".2f", "M"),
        _fmt(p.get("lat_p50_ms"), ".3g", missing="not measured (see below)" if note else "n/a"),
        _fmt(p.get("lat_p90_ms"), ".3g", "ms", missing=gap),
        _fmt(p.get("throughput_sps"), ",.0f", "samples/s", missing=gap),
        _fmt(p.get("mem_mib"), ",.0f", "MiB", missing=gap),
        "".join("<br>" + e for e in extra),
    ]


def hover_template(view: View) -> str:
    """One template per trace: the text every point shares (labels, units, the hardware) is
    sent once, not once per point (that halves the figure the browser receives)."""
    # a "%" not followed by "{" is literal in plotly templates; labels never hold "%{"
    hw = hw_text(view.state, view.device_name)
    y_label = view.y_label
    return ("<b>%{customdata[0]}</b><br>family %{customdata[1]}<br>"
            f"{y_label}: <b>%{{customdata[2]}}</b><br>"
            "GMACs: %{customdata[3]} (1 multiply-add = 1)<br>"
            "GFLOPs: %{customdata[4]} (= 2 x MACs)<br>"
            "Params: %{customdata[5]}<br>"
            f"Latency p50 / p90: %{{customdata[6]}} / %{{customdata[7]}} per batch ({hw})<br>"
            "Throughput: %{customdata[8]}<br>"
            "Peak memory: %{customdata[9]}%{customdata[10]}<extra></extra>")


def fill_hover(template: str, values) -> str:
    """The hover card as the browser shows it, from a trace's template and one point's values."""
    out = re.sub(r"%\{customdata\[(\d+)\]\}", lambda m: str(values[int(m.group(1))]), template)
    return out.replace("<extra></extra>", "")


def _groups(points: pd.DataFrame, color: str, higher_is_better: bool = True) -> pd.Series:
    if color == "paper":
        g = points["paper"].fillna("").astype(str).map(lambda t: textwrap.shorten(t, 42) if t else "(no seed paper)")
    else:
        g = points[color].fillna("(none)").astype(str)
    counts = g.value_counts()
    if len(counts) > MAX_GROUPS:
        keep = set(colour_order(points, g, MAX_GROUPS - 1, higher_is_better))   # those nearest the front
        g = g.where(g.isin(keep), "other")
    return g


def _label_subset(front: pd.DataFrame, log_x: bool, max_labels: int = 10) -> pd.DataFrame:
    """Front points to label: greedily, cost-ascending, at least 1/max_labels of the x span apart."""
    if front.empty:
        return front
    x = front["x"].to_numpy(dtype=float)
    pos = pd.Series(x).clip(lower=1e-300).map(math.log10).to_numpy() if log_x else x
    span = (pos.max() - pos.min()) or 1.0
    keep, last = [], -math.inf
    for i, p in enumerate(pos):
        if p - last >= span / max_labels:
            keep.append(i)
            last = p
    return front.iloc[keep]


def _point_traces(view: View) -> list[go.Scatter]:
    """One marker trace per colour group; beyond MAX_GROUPS those farthest from the front share a
    grey "other"."""
    pts = view.points
    groups = _groups(pts, view.state.color, view.higher_is_better)
    order = [g for g in groups.value_counts().index if g != "other"]
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(order)}
    if (groups == "other").any():
        # "other" gets a quiet grey, is drawn first (beneath the named groups, which would
        # otherwise vanish under hundreds of same-coloured markers) and is listed last
        order = ["other", *order]
        colors["other"] = OTHER_COLOR
    template = hover_template(view)
    traces = []
    for name in order:
        sub = pts[groups == name]
        traces.append(go.Scatter(
            x=sub["x"], y=sub["y"], mode="markers", name=f"{name} ({len(sub)})",
            legendgroup=name, legendrank=2000 if name == "other" else 1000,
            marker=dict(color=colors[name], size=9, opacity=0.6 if name == "other" else 0.85,
                        line=dict(color="white", width=0.5)),
            customdata=[hover_values(p) for p in sub.reindex(columns=HOVER_COLUMNS).to_dict("records")],
            hovertemplate=template, meta="points"))
    return traces


def _front_traces(view: View) -> list[go.Scatter]:
    """The front as a step line, and labels (arch names) on a spread-out subset of its points."""
    f = view.front
    traces = [go.Scatter(
        x=f["x"], y=f["y"], mode="lines+markers", line=dict(color=FRONT_COLOR, width=2.5, shape="hv"),
        marker=dict(symbol="circle-open", size=16, color=FRONT_COLOR, line=dict(width=2.2)),
        name=f"Pareto front ({len(f)})", customdata=f[["model"]].to_numpy(), hoverinfo="skip",
        meta="front")]
    lab = _label_subset(f, view.state.log_x)
    if len(lab):
        traces.append(go.Scatter(
            x=lab["x"], y=lab["y"], mode="text", text=lab["arch"].fillna(lab["model"]).astype(str),
            textposition="top left", textfont=dict(size=11, color="#333"), showlegend=False, cliponaxis=False,
            hoverinfo="skip", meta="front-labels"))
    return traces


def _claim_trace(view: View, claims: pd.DataFrame) -> go.Scatter:
    """Paper claims as hollow diamonds, the hover saying what was claimed and where it is plotted."""
    unit = AXES[view.state.x].unit
    hov = [f"<b>{c.label}</b> (paper claim)<br>{textwrap.shorten(c.paper, 80)}<br>"
           f"claimed {view.y_label}: {c.y:.2f}{' (baseline + delta)' if c.accuracy_derived is True else ''}<br>"
           f"claimed compute: {c.claimed_compute} {c.compute_unit} ({c.compute_convention.replace('_', ' ')})"
           f"<br>-> plotted at {c.x:.3g} {unit}; measured {c.model or 'n/a'}: {_fmt(c.measured_x, '.3g', unit)}"
           + (f"<br>flags: {c.flags}" if c.flags else "") + "<br>"
           + "<br>".join(textwrap.wrap('"' + c.quote + '"', 70)[:6])
           for c in claims.itertuples()]
    return go.Scatter(
        x=claims["x"], y=claims["y"], mode="markers", name=f"Paper claims ({len(claims)}, corrected)",
        marker=dict(symbol="diamond-open", size=13, color=CLAIM_COLOR, line=dict(width=2.2)),
        hovertext=hov, hovertemplate="%{hovertext}<extra></extra>", customdata=claims[["label"]].to_numpy(),
        meta="claims")


def _axis(title: str, log: bool) -> dict:
    return dict(title=dict(text=title), type="log" if log else "linear", showline=True,
                linecolor="#444", mirror=True, ticks="outside", gridcolor="#e6e6e6", zeroline=False)


def _layout(view: View, title: str | None) -> dict:
    """Title, axes with units, legend, and the caption (conventions, hardware) beneath the plot."""
    s = view.state
    title = title or f"{view.y_label.split(' (')[0]} vs {AXES[s.x].short}"
    caption = "<br>".join(textwrap.wrap(view.caption, 150))
    return dict(
        template="plotly_white", width=None, height=HEIGHT,
        font=dict(family=FONT, size=15, color="#222"),
        title=dict(text=f"<b>{title}</b>", x=0.01, xanchor="left", font=dict(size=20)),
        xaxis=_axis(view.x_label, s.log_x),
        yaxis=_axis(view.y_label, s.log_y),
        legend=dict(title=dict(text=s.color), font=dict(size=12), bgcolor="rgba(255,255,255,0.85)",
                    bordercolor="#ccc", borderwidth=1, x=1.01, xanchor="left", y=1, yanchor="top"),
        margin=dict(l=80, r=20, t=60, b=140),
        hoverlabel=dict(font=dict(family=FONT, size=12), align="left"),
        annotations=[dict(text=caption, xref="paper", yref="paper", x=0, y=-0.17, xanchor="left", yanchor="top",
                          showarrow=False, align="left", font=dict(size=11, color="#555"))],
        dragmode="pan",
    )


def build_figure(view: View, claims: pd.DataFrame | None = None, title: str | None = None) -> go.Figure:
    """The Pareto figure for ``view`` (see the module docstring); ``claims`` from
    :func:`efficiency.ui.claims_view.claims_overlay`."""
    fig = go.Figure()
    traces = _point_traces(view) if len(view.points) else []
    traces += _front_traces(view) if len(view.front) else []
    traces += [_claim_trace(view, claims)] if claims is not None and len(claims) else []
    for trace in traces:
        fig.add_trace(trace)
    fig.update_layout(**_layout(view, title))
    _pad_axes(fig, view, claims)
    if not len(view.points):
        fig.add_annotation(text="no data for this view", xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, font=dict(size=18, color="#888"))
    return fig


def _pad_axes(fig: go.Figure, view: View, claims: pd.DataFrame | None) -> None:
    """Leave room left of the front for its labels (they sit above-left of each front point)."""
    xs = list(view.points["x"]) + (list(claims["x"]) if claims is not None and len(claims) else [])
    xs = [x for x in xs if x == x and (x > 0 or not view.state.log_x)]
    if not xs:
        return
    lo, hi = min(xs), max(xs)
    if view.state.log_x:
        lo, hi = math.log10(lo), math.log10(hi)
        span = max(hi - lo, 0.5)
        fig.update_xaxes(range=[lo - 0.12 * span - 0.1, hi + 0.04 * span])
    else:
        span = (hi - lo) or abs(hi) or 1.0
        fig.update_xaxes(range=[lo - 0.15 * span, hi + 0.05 * span])


# --------------------------------------------------------------------------- exports

def ensure_browser_path() -> str | None:
    """Point kaleido at the system Chromium when ``BROWSER_PATH`` is unset (returns the path)."""
    if not os.environ.get("BROWSER_PATH") and Path("/usr/bin/chromium").exists():
        os.environ["BROWSER_PATH"] = "/usr/bin/chromium"
    return os.environ.get("BROWSER_PATH")


def export_static_figure(fig: go.Figure) -> go.Figure:
    """A copy sized for a static image (explicit width, room for the caption)."""
    out = go.Figure(fig)
    out.update_layout(width=WIDTH, height=HEIGHT)
    return out


def figure_bytes(fig: go.Figure, fmt: str, scale: float = 2.0) -> bytes:
    """``fmt`` in png | svg | html | pdf. Static formats need kaleido + Chromium."""
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True).encode()
    ensure_browser_path()
    return export_static_figure(fig).to_image(format=fmt, scale=scale if fmt == "png" else 1)


CSV_COLUMNS = {"model": "model", "arch": "arch", "family": "family", "source": "source", "task": "task",
               "y": None, "x": None, "on_front": "on_pareto_front", "gmacs": "gmacs_1mac_eq_1",
               "gflops": "gflops_eq_2x_macs", "params_m": "params_millions", "lat_p50_ms": "latency_p50_ms_per_batch",
               "lat_p90_ms": "latency_p90_ms_per_batch", "throughput_sps": "throughput_samples_per_s",
               "mem_mib": "peak_memory_mib", "paper": "seed_paper"}


def points_frame(view: View) -> pd.DataFrame:
    """The plotted points with explicit, unit-bearing column names (the CSV export)."""
    names = dict(CSV_COLUMNS, x=f"x: {view.x_label}", y=f"y: {view.y_label}")
    df = view.points.reindex(columns=list(CSV_COLUMNS)).rename(columns=names)
    return df.sort_values(names["x"]).reset_index(drop=True)


def points_csv(view: View) -> bytes:
    return points_frame(view).to_csv(index=False).encode()
