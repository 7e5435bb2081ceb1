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

import os
import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from efficiency.ui.claims_view import claim_hover
from efficiency.ui.axes import AXES, axis_for, hw_text
from efficiency.ui.numbers import fmt as _fmt
from efficiency.ui.chart_labels import axis_ranges, label_annotations
from efficiency.ui.log_ticks import label_log_axes
from efficiency.ui import overlays
from efficiency.ui.explorer import View, colour_order, search_mask
from efficiency.ui.export_names import points_frame
from efficiency.ui.stability_marks import hollow, language_customdata, noisy_legend, p90_text, stability_html, symbols
from efficiency.ui.tables import MEMORY_WORDS

FONT = "Inter, Helvetica, Arial, sans-serif"
# colour-blind-safe, high contrast (Okabe-Ito first, then Tableau)
OTHER_COLOR = "#b0b0b0"    # the groups beyond MAX_GROUPS (the farthest from the front)
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999933",
           "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#76B7B2", "#FF9DA7", "#9C755F", "#BAB0AC"]
FRONT_COLOR = "#1a1a1a"
CLAIM_COLOR = "#C0392B"
NO_PAPER, NO_VALUE = "(no seed paper)", "(none)"
# groups drawn grey beneath the named ones: the remainder, and the models the colouring says nothing of
QUIET_GROUPS = {"other": OTHER_COLOR, NO_PAPER: "#c9c9c9", NO_VALUE: "#c9c9c9"}
MAX_GROUPS = 14          # beyond this the smallest groups share the trace "other"
WIDTH, HEIGHT = 1100, 680
REST_NAME = "rest of the zoo"   # with a highlight: the models it does not match
REST_COLOR = "#c4c4c4"
MARKER_PX, FRONT_MARKER_PX, CLAIM_MARKER_PX = 9, 16, 13
BUBBLE_MIN_PX, BUBBLE_MAX_PX = 5, 34
# bubble option -> (points column, legend wording)
BUBBLE_COLUMNS = {"params": ("params_m", "parameters (M)"), "memory": ("mem_mib", "peak memory (MiB)")}


HOVER_COLUMNS = ["model", "family", "source", "input_size", "y", "gmacs", "gflops", "params_m", "lat_p50_ms",
                 "lat_p90_ms", "throughput_sps", "mem_mib", "paper", "on_front", "lat_note", "energy_j_per_sample",
                 "power_w_avg", "noisy", "energy_noisy", "lat_iqr_pct", "n_samples"]


def hover_values(p: dict) -> list[str]:
    """The per-point strings of the hover card, in the order :func:`hover_template` uses them
    (index 0, the model id, is also what a click on the point selects)."""
    extra = []
    note = p["lat_note"] if isinstance(p.get("lat_note"), str) else ""
    gap = "-" if note else "n/a"    # the latency note below says why these are missing
    if pd.notna(p.get("energy_j_per_sample")):    # GPU rows only: a line where it exists, none elsewhere
        extra.append(f"Energy: {_fmt(p['energy_j_per_sample'], '.3g', 'J/sample')} "
                     f"(NVML, {_fmt(p.get('power_w_avg'), '.0f', 'W')} average)")
    if p.get("paper"):
        extra.append("Paper: " + textwrap.shorten(str(p["paper"]), 70))
    if p.get("on_front"):
        extra.append("<i>on the Pareto front</i>")
    if line := stability_html(p):      # none for a stable row: the card stays short
        extra.append(line)
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
        _fmt(p.get("lat_p90_ms"), ".3g", "ms", missing=p90_text(p, gap)),
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
            f"{MEMORY_WORDS.get(view.state.device, MEMORY_WORDS['cuda'])}: %{{customdata[9]}}%{{customdata[10]}}"
            "<extra></extra>")


def fill_hover(template: str, values) -> str:
    """The hover card as the browser shows it, from a trace's template and one point's values."""
    out = re.sub(r"%\{customdata\[(\d+)\]\}", lambda m: str(values[int(m.group(1))]), template)
    return out.replace("<extra></extra>", "")


def _groups(points: pd.DataFrame, color: str, higher_is_better: bool = True, benefit: bool = False) -> pd.Series:
    if color == "paper":
        g = points["paper"].fillna("").astype(str).map(lambda t: textwrap.shorten(t, 42) if t else NO_PAPER)
    else:
        g = points[color].fillna(NO_VALUE).astype(str)
    counts = g.value_counts()
    if len(counts) > MAX_GROUPS:
        keep = set(colour_order(points, g, MAX_GROUPS - 1, higher_is_better, benefit=benefit))   # nearest the front
        g = g.where(g.isin(keep), "other")
    return g


def marker_sizes(points: pd.DataFrame, bubble: str) -> np.ndarray:
    """Marker diameters in px: one size, or (``bubble`` params / memory) an area proportional to
    the quantity, the largest :data:`BUBBLE_MAX_PX` across; a missing value gets the smallest size."""
    if bubble not in BUBBLE_COLUMNS or points.empty:
        return np.full(len(points), float(MARKER_PX))
    v = pd.to_numeric(points[BUBBLE_COLUMNS[bubble][0]], errors="coerce").to_numpy(dtype=float)
    top = np.nanmax(v) if np.isfinite(v).any() else np.nan
    if not (top > 0):
        return np.full(len(points), float(BUBBLE_MIN_PX))
    d = BUBBLE_MAX_PX * np.sqrt(np.clip(v, 0, None) / top)
    return np.where(np.isfinite(d), np.maximum(d, BUBBLE_MIN_PX), BUBBLE_MIN_PX)


def _marker(color, size, opacity: float, symbol: str | list[str] = "circle", rim: float = 0.5) -> dict:
    # a hollow marker (a noisy row) is its outline only, which plotly draws in the marker's colour:
    # wider than a filled marker's white rim so that it reads. The grey background traces have no
    # rim (rim=0): plotly strokes every rimmed point on its own, and the ~1,300 grey points' rims were a
    # quarter of the first draw (bench/RESULTS.md, first paint); a grey point needs no edge to be told apart
    if isinstance(symbol, str):
        return dict(color=color, size=size, opacity=opacity, symbol=symbol,
                    **(dict(line=dict(color="white", width=rim)) if rim or symbol != "circle" else {}))
    width = [rim if s == "circle" else 1.6 for s in symbol]
    return dict(color=color, size=size, opacity=opacity, symbol=symbol, line=dict(color="white", width=width))


def _point_traces(view: View) -> list[go.Scatter]:
    """One marker trace per colour group; beyond MAX_GROUPS those farthest from the front share a
    grey "other". With a highlight, the models it does not match share one grey trace beneath
    (the rest of the zoo stays in view) and only the matches are coloured. Noisy latency rows are
    hollow (:mod:`efficiency.ui.stability_marks`), after the filled ones (a legend shows a trace's first)."""
    pts = view.points
    hol = hollow(view)
    sizes = pd.Series(marker_sizes(pts, view.state.bubble), index=pts.index)
    rest = ~search_mask(pts, view.state.highlight) if view.state.highlight.strip() else pd.Series(False, index=pts.index)
    groups = _groups(pts[~rest], view.state.color, view.higher_is_better, view.benefit)
    order = [g for g in groups.value_counts().index if g not in QUIET_GROUPS]
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(order)}
    # "other" and the models without a group ("(no seed paper)": 1,556 of 1,656 by paper) get a quiet grey,
    # are drawn first (beneath the named groups, which would otherwise vanish under hundreds of
    # same-coloured markers) and are listed last
    quiet = [g for g in QUIET_GROUPS if (groups == g).any()]
    order = [*quiet, *order]
    colors.update({g: QUIET_GROUPS[g] for g in quiet})
    # language models' cards speak of decode, TTFT and tokens/s, not of images per second
    lang = view.group is not None
    template = overlays.language_hover_template(view) if lang else hover_template(view)
    parts = [(REST_NAME, pts[rest], REST_COLOR, 0.35, 3000)] if rest.any() else []
    parts += [(name, pts[~rest][groups == name], colors[name], 0.6 if name in QUIET_GROUPS else 0.85,
               2000 if name in QUIET_GROUPS else 1000) for name in order]
    traces = []
    for name, sub, color, opacity, rank in parts:
        sub = sub.loc[hol[sub.index].sort_values(kind="stable").index]
        traces.append(go.Scatter(
            x=sub["x"], y=sub["y"], mode="markers", name=f"{name} ({len(sub)})", legendgroup=name, legendrank=rank,
            marker=_marker(color, sizes[sub.index].tolist() if view.state.bubble != "none" else MARKER_PX, opacity,
                           symbols(hol[sub.index]), rim=0 if name in QUIET_GROUPS or name == REST_NAME else 0.5),
            customdata=language_customdata(sub) if lang else
            [hover_values(p) for p in sub.reindex(columns=HOVER_COLUMNS).to_dict("records")],
            hovertemplate=template, meta="points"))
    ttft = view.state.x == "ttft"       # TTFT rings its own flag (stability_marks.hollow)
    return traces + noisy_legend(hol, "TTFT launch-bound or noisy" if ttft else "noisy latency row")


def _front_traces(view: View) -> list[go.Scatter]:
    """The front as a step line (its labels are annotations: :mod:`efficiency.ui.chart_labels`)."""
    f = view.front
    return [go.Scatter(
        x=f["x"], y=f["y"], mode="lines+markers", line=dict(color=FRONT_COLOR, width=2.5, shape="hv"),
        marker=dict(symbol="circle-open", size=FRONT_MARKER_PX, color=FRONT_COLOR, line=dict(width=2.2)),
        name=f"Pareto front ({len(f)})", customdata=f[["model"]].to_numpy(), hoverinfo="skip",
        meta="front")]


def _claim_trace(view: View, claims: pd.DataFrame) -> go.Scatter:
    """Paper claims as hollow diamonds, the hover saying what was claimed and where it is plotted."""
    unit = AXES[view.state.x].unit
    hov = [claim_hover(c, view.y_label, unit) for c in claims.itertuples()]    # names a delta claim's baseline
    return go.Scatter(
        x=claims["x"], y=claims["y"], mode="markers", name=f"Paper claims ({len(claims)}; compute in this axis' convention)",
        marker=dict(symbol="diamond-open", size=CLAIM_MARKER_PX, color=CLAIM_COLOR, line=dict(width=2.2)),
        hovertext=hov, hovertemplate="%{hovertext}<extra></extra>", customdata=claims[["label"]].to_numpy(),
        meta="claims")


def _axis(title: str, log: bool) -> dict:
    return dict(title=dict(text=title), type="log" if log else "linear", showline=True,
                linecolor="#444", mirror=True, ticks="outside", gridcolor="#e6e6e6", zeroline=False)


def caption_text(view: View) -> str:
    """The figure's caption: the view's conventions and hardware, and what marker area shows."""
    text = view.caption
    if view.state.bubble in BUBBLE_COLUMNS and len(view.points):
        col, words = BUBBLE_COLUMNS[view.state.bubble]
        if view.state.bubble == "memory" and view.state.device == "cpu":     # what a CPU row holds (axes.CPU_MEMORY)
            words = "RSS growth (MiB; a lower bound of peak memory)"
        v = pd.to_numeric(view.points[col], errors="coerce")
        text += f"; marker area proportional to {words}, largest {v.max():,.4g}" if v.notna().any() else ""
        if v.isna().any():
            text += f" ({int(v.isna().sum())} without it drawn smallest)"
    return text


def _layout(view: View, title: str | None, ranges) -> dict:
    """Title, axes with units and fixed ranges, legend, and the caption beneath the plot."""
    s = view.state
    title = title or f"{view.y_label.split(' (')[0]} vs {axis_for(s).short}"       # CPU memory: RSS growth
    # language scores compare within one protocol group only: the figure names it, exports included
    subtitle = f"protocol group {view.group['protocol_group']}" if view.group is not None else ""
    caption = "<br>".join(textwrap.wrap(caption_text(view), 150))
    xaxis, yaxis = _axis(view.x_label, s.log_x), _axis(view.y_label, s.log_y)
    if ranges is not None:
        xaxis["range"], yaxis["range"] = list(ranges[0]), list(ranges[1])
    return dict(
        template="plotly_white", width=None, height=HEIGHT,
        font=dict(family=FONT, size=15, color="#222"),
        title=dict(text=f"<b>{title}</b>", x=0.01, xanchor="left", font=dict(size=20),
                   subtitle=dict(text=subtitle, font=dict(size=13, color="#555"))),
        xaxis=xaxis, yaxis=yaxis,
        legend=dict(title=dict(text=s.color), font=dict(size=12), bgcolor="rgba(255,255,255,0.85)",
                    bordercolor="#ccc", borderwidth=1, x=1.01, xanchor="left", y=1, yanchor="top"),
        margin=dict(l=80, r=20, t=84 if subtitle else 60, b=140),
        hoverlabel=dict(font=dict(family=FONT, size=12), align="left"),
        annotations=[dict(text=caption, xref="paper", yref="paper", x=0, y=-0.17, xanchor="left", yanchor="top",
                          showarrow=False, align="left", font=dict(size=11, color="#555"), name="caption")],
        dragmode="pan",
    )


def build_figure(view: View, claims: pd.DataFrame | None = None, title: str | None = None) -> go.Figure:
    """The Pareto figure for ``view`` (see the module docstring); ``claims`` from
    :func:`efficiency.ui.claims_view.claims_overlay`."""
    fig = go.Figure()
    traces = _point_traces(view) if len(view.points) else []
    traces += _front_traces(view) if len(view.front) else []
    traces += [_claim_trace(view, claims)] if claims is not None and len(claims) else []
    traces += [overlays.seed_trace(view)] if len(view.seed) else []
    for trace in traces:
        fig.add_trace(trace)
    # the overlays' markers (paper claims, seed claims) widen the ranges and keep labels off them
    extra = [f[["x", "y"]] for f in (claims, view.seed) if f is not None and len(f)]
    extra = pd.concat(extra, ignore_index=True) if extra else None
    ranges = axis_ranges(view.points, extra, view.state.log_x, view.state.log_y)
    fig.update_layout(**_layout(view, title, ranges))
    label_log_axes(fig)     # whole-number labels ("0.3", not plotly's "3" beside an off-screen decade)
    if ranges is not None and view.state.labels:
        radii = marker_sizes(view.points, view.state.bubble) / 2
        for note in label_annotations(view, extra, ranges, radii, FRONT_MARKER_PX / 2, CLAIM_MARKER_PX / 2):
            fig.add_annotation(**note)
    if not len(view.points) and not len(view.seed):
        fig.add_annotation(text="no data for this view", xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, font=dict(size=18, color="#888"))
    return fig


# --------------------------------------------------------------------------- exports

def ensure_browser_path() -> str | None:
    """Point kaleido at the system Chromium when ``BROWSER_PATH`` is unset (returns the path)."""
    if not os.environ.get("BROWSER_PATH") and Path("/usr/bin/chromium").exists():
        os.environ["BROWSER_PATH"] = "/usr/bin/chromium"
    return os.environ.get("BROWSER_PATH")


# plotly sets the lines of a multi-line text 1.3 em apart (its SVG: <tspan dy="1.3em">); below the
# caption's last line come its box's border and padding and a little white space
CAPTION_LINE_EM, CAPTION_PAD_PX = 1.3, 10
PLOTLY_MARGIN = {"t": 100, "b": 80}      # plotly's defaults where a margin is unset


def caption_bottom_px(fig: go.Figure) -> int:
    """The bottom margin that holds the whole caption (the annotation named "caption", anchored at its
    top ``y`` paper units under the plot): its offset under the plot, its lines, the padding; 0 without one."""
    cap = [a for a in fig.layout.annotations if a.name == "caption"]
    if not cap or not cap[0].text:
        return 0
    m = fig.layout.margin
    top, bottom = (m.t if m.t is not None else PLOTLY_MARGIN["t"]), (m.b if m.b is not None else PLOTLY_MARGIN["b"])
    plot_px = (fig.layout.height or HEIGHT) - top - bottom
    offset = -(cap[0].y or 0) * plot_px - (cap[0].yshift or 0)
    lines = cap[0].text.count("<br>") + 1
    return int(np.ceil(offset + lines * CAPTION_LINE_EM * (cap[0].font.size or 11) + CAPTION_PAD_PX))


def fit_caption(fig: go.Figure) -> go.Figure:
    """Grow the bottom margin to hold every line of the caption, and the figure's height by as much,
    so that the plot keeps its size and the caption its place under it (in place; returns ``fig``).
    A fixed 680 px figure with a 140 px margin held 4 lines: a language view's 6 lost their last
    1.5, its model counts among them (UXCHECK4 #5)."""
    need = caption_bottom_px(fig)
    bottom = fig.layout.margin.b if fig.layout.margin.b is not None else PLOTLY_MARGIN["b"]
    if need > bottom:
        fig.update_layout(height=(fig.layout.height or HEIGHT) + need - bottom, margin_b=need)
    return fig


def export_static_figure(fig: go.Figure) -> go.Figure:
    """A copy sized for a static image (explicit width, room for the whole caption)."""
    out = go.Figure(fig)
    out.update_layout(width=WIDTH, height=HEIGHT)
    return fit_caption(out)


def figure_bytes(fig: go.Figure, fmt: str, scale: float = 2.0) -> bytes:
    """``fmt`` in png | svg | html | pdf. Static formats need kaleido + Chromium."""
    if fmt == "html":   # the PNG's size, not plotly's 100 % width (stretched to the window; a phone's plot 90 px wide):
        # a narrower window scales it whole, like an image (plotly.js maps hover through it). plotly.js inline: no CDN
        out = export_static_figure(fig)
        w, h = out.layout.width, out.layout.height
        fit = (f"function fit() {{ var k = Math.min(1, document.documentElement.clientWidth / {w}), f = document."
               f"getElementById('figure'); f.style.cssText = 'width: {w}px; height: {h}px; transform-origin: 0 0; "
               f"transform: scale(' + k + ')'; f.parentNode.style.cssText = 'margin: 0 auto; overflow: hidden; width: "
               f"' + {w} * k + 'px; height: ' + {h} * k + 'px'; }} addEventListener('resize', fit); fit();")
        div = out.to_html(include_plotlyjs=True, full_html=False, div_id="figure", config={"responsive": False})
        return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
                f'initial-scale=1"></head>\n<body style="margin: 0">{div}\n<script>{fit}</script></body></html>'
                ).encode()
    ensure_browser_path()
    return export_static_figure(fig).to_image(format=fmt, scale=scale if fmt == "png" else 1)


def points_csv(view: View) -> bytes:
    """The points CSV (:func:`efficiency.ui.export_names.points_frame`: its columns and headers)."""
    return points_frame(view).to_csv(index=False).encode()
