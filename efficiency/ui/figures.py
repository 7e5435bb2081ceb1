"""Publication-ready Pareto figures (plotly), their exports, and a command line (no torch).

    python -m efficiency.plot                          # ImageNet top-1 vs GMACs, classification zoo
    python -m efficiency.plot --x latency_p50 --device cuda --batch 256 --out front.svg
    python -m efficiency.plot --models 'resnet*' --y imagenet-real:top1 --out resnets.csv

The figure: one marker per model coloured by family/source/seed paper, the Pareto front
(minimise x, maximise accuracy) as a highlighted step line, paper claims as hollow
diamonds at their convention-corrected compute, axis titles with units and a caption
stating the MAC/FLOP convention and the hardware configuration. PNG and SVG go through
kaleido, which drives a Chromium: ``BROWSER_PATH`` is set to ``/usr/bin/chromium`` when
unset and that file exists.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from efficiency.ui import data as uidata
from efficiency.ui import views
from efficiency.ui.state import COLOR_BY, DEVICES, DTYPES, MODES, X_METRICS, ViewState

FONT = "Inter, Helvetica, Arial, sans-serif"
# colour-blind-safe, high contrast (Okabe-Ito first, then Tableau)
OTHER_COLOR = "#b0b0b0"    # the groups beyond MAX_GROUPS
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
                 "lat_p90_ms", "throughput_sps", "mem_mib", "paper", "on_front"]


def hover_values(p: dict) -> list[str]:
    """The per-point strings of the hover card, in the order :func:`hover_template` uses them
    (index 0, the model id, is also what a click on the point selects)."""
    extra = []
    if p.get("paper"):
        extra.append("Paper: " + textwrap.shorten(str(p["paper"]), 70))
    if p.get("on_front"):
        extra.append("<i>on the Pareto front</i>")
    return [
        str(p["model"]),
        f"{p.get('family', '')} · {p.get('source', '')} · input {p.get('input_size', '')}",
        _fmt(p["y"], ".2f"),
        _fmt(p.get("gmacs"), ".3f"),
        _fmt(p.get("gflops"), ".3f"),
        _fmt(p.get("params_m"), ".2f", "M"),
        _fmt(p.get("lat_p50_ms"), ".3g"),
        _fmt(p.get("lat_p90_ms"), ".3g", "ms"),
        _fmt(p.get("throughput_sps"), ",.0f", "samples/s"),
        _fmt(p.get("mem_mib"), ",.0f", "MiB"),
        "".join("<br>" + e for e in extra),
    ]


def hover_template(view: views.View) -> str:
    """One template per trace: the text every point shares (labels, units, the hardware) is
    sent once, not once per point (that halves the figure the browser receives)."""
    # a "%" not followed by "{" is literal in plotly templates; labels never hold "%{"
    hw = views.hw_text(view.state, view.device_name)
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


def _groups(points: pd.DataFrame, color: str) -> pd.Series:
    if color == "paper":
        g = points["paper"].fillna("").astype(str).map(lambda t: textwrap.shorten(t, 42) if t else "(no seed paper)")
    else:
        g = points[color].fillna("(none)").astype(str)
    counts = g.value_counts()
    if len(counts) > MAX_GROUPS:
        keep = set(counts.index[: MAX_GROUPS - 1])
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


def build_figure(view: views.View, claims: pd.DataFrame | None = None, title: str | None = None) -> go.Figure:
    """The Pareto figure for ``view`` (see the module docstring); ``claims`` from views.claims_overlay."""
    s = view.state
    pts = view.points
    fig = go.Figure()
    if len(pts):
        groups = _groups(pts, s.color)
        order = [g for g in groups.value_counts().index if g != "other"]
        colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(order)}
        if (groups == "other").any():
            # "other" gets a quiet grey, is drawn first (beneath the named groups, which would
            # otherwise vanish under hundreds of same-coloured markers) and is listed last
            order = ["other", *order]
            colors["other"] = OTHER_COLOR
        template = hover_template(view)
        for name in order:
            sub = pts[groups == name]
            fig.add_trace(go.Scatter(
                x=sub["x"], y=sub["y"], mode="markers", name=f"{name} ({len(sub)})",
                legendgroup=name, legendrank=2000 if name == "other" else 1000,
                marker=dict(color=colors[name], size=9, opacity=0.6 if name == "other" else 0.85,
                            line=dict(color="white", width=0.5)),
                customdata=[hover_values(p) for p in sub.reindex(columns=HOVER_COLUMNS).to_dict("records")],
                hovertemplate=template, meta="points"))
    if len(view.front):
        f = view.front
        fig.add_trace(go.Scatter(
            x=f["x"], y=f["y"], mode="lines+markers", line=dict(color=FRONT_COLOR, width=2.5, shape="hv"),
            marker=dict(symbol="circle-open", size=16, color=FRONT_COLOR, line=dict(width=2.2)),
            name=f"Pareto front ({len(f)})", customdata=f[["model"]].to_numpy(), hoverinfo="skip",
            meta="front"))
        lab = _label_subset(f, s.log_x)
        if len(lab):
            fig.add_trace(go.Scatter(
                x=lab["x"], y=lab["y"], mode="text", text=lab["arch"].fillna(lab["model"]).astype(str),
                textposition="top left", textfont=dict(size=11, color="#333"), showlegend=False, cliponaxis=False,
                hoverinfo="skip", meta="front-labels"))
    if claims is not None and len(claims):
        unit = views.X_METRICS[s.x].unit
        hov = [f"<b>{c.label}</b> (paper claim)<br>{textwrap.shorten(c.paper, 80)}<br>"
               f"claimed {view.y_label}: {c.y:.2f}{' (baseline + delta)' if c.accuracy_derived is True else ''}<br>"
               f"claimed compute: {c.claimed_compute} {c.compute_unit} ({c.compute_convention.replace('_', ' ')})"
               f"<br>-> plotted at {c.x:.3g} {unit}; measured {c.model or 'n/a'}: {_fmt(c.measured_x, '.3g', unit)}"
               + (f"<br>flags: {c.flags}" if c.flags else "") + "<br>"
               + "<br>".join(textwrap.wrap('"' + c.quote + '"', 70)[:6])
               for c in claims.itertuples()]
        fig.add_trace(go.Scatter(
            x=claims["x"], y=claims["y"], mode="markers", name=f"Paper claims ({len(claims)}, corrected)",
            marker=dict(symbol="diamond-open", size=13, color=CLAIM_COLOR, line=dict(width=2.2)),
            hovertext=hov, hovertemplate="%{hovertext}<extra></extra>", customdata=claims[["label"]].to_numpy(),
            meta="claims"))
    title = title or f"{view.y_label.split(' (')[0]} vs {views.X_METRICS[s.x].short}"
    caption = "<br>".join(textwrap.wrap(view.caption, 150))
    fig.update_layout(
        template="plotly_white", width=None, height=HEIGHT,
        font=dict(family=FONT, size=15, color="#222"),
        title=dict(text=f"<b>{title}</b>", x=0.01, xanchor="left", font=dict(size=20)),
        xaxis=dict(title=dict(text=view.x_label), type="log" if s.log_x else "linear", showline=True,
                   linecolor="#444", mirror=True, ticks="outside", gridcolor="#e6e6e6", zeroline=False),
        yaxis=dict(title=dict(text=view.y_label), type="log" if s.log_y else "linear", showline=True,
                   linecolor="#444", mirror=True, ticks="outside", gridcolor="#e6e6e6", zeroline=False),
        legend=dict(title=dict(text=s.color), font=dict(size=12), bgcolor="rgba(255,255,255,0.85)",
                    bordercolor="#ccc", borderwidth=1, x=1.01, xanchor="left", y=1, yanchor="top"),
        margin=dict(l=80, r=20, t=60, b=140),
        hoverlabel=dict(font=dict(family=FONT, size=12), align="left"),
        annotations=[dict(text=caption, xref="paper", yref="paper", x=0, y=-0.17, xanchor="left", yanchor="top",
                          showarrow=False, align="left", font=dict(size=11, color="#555"))],
        dragmode="pan",
    )
    _pad_axes(fig, view, claims)
    if not len(pts):
        fig.add_annotation(text="no data for this view", xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, font=dict(size=18, color="#888"))
    return fig


def _pad_axes(fig: go.Figure, view: views.View, claims: pd.DataFrame | None) -> None:
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


def points_frame(view: views.View) -> pd.DataFrame:
    """The plotted points with explicit, unit-bearing column names (the CSV export)."""
    names = dict(CSV_COLUMNS, x=f"x: {view.x_label}", y=f"y: {view.y_label}")
    df = view.points.reindex(columns=list(CSV_COLUMNS)).rename(columns=names)
    return df.sort_values(names["x"]).reset_index(drop=True)


def points_csv(view: views.View) -> bytes:
    return points_frame(view).to_csv(index=False).encode()


# --------------------------------------------------------------------------- command line

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m efficiency.plot",
        description=__doc__.split("\n\n")[0] + "\n\nWith no options: ImageNet-1k top-1 vs GMACs for the whole "
        "classification zoo, written to pareto.svg.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="x metrics:\n" + "\n".join(f"  {k:15s} {m.label.format(batch='B', hw='<device config>')}"
                                          for k, m in views.X_METRICS.items())
        + "\n\nConventions: 1 MAC = 1 multiply-add (what timm/torchvision/fvcore call FLOPs); GFLOPs = 2 x GMACs."
        "\nTables: --results/--accuracy/--claims-file, else $EFFICIENCY_RESULTS etc., else data/.")
    p.add_argument("--x", choices=X_METRICS, default="gmacs", help="cost axis (default gmacs)")
    p.add_argument("--y", default="imagenet-1k:top1", metavar="DATASET:METRIC",
                   help="accuracy axis as dataset:metric (default imagenet-1k:top1)")
    p.add_argument("--models", default="", metavar="PATTERN",
                   help="only models whose id or arch matches (glob with * ?, else substring)")
    p.add_argument("--task", default="classification", help="task, or 'all' (default classification)")
    p.add_argument("--source", action="append", default=[], help="timm / torchvision / custom (repeatable)")
    p.add_argument("--family", action="append", default=[], help="model family (repeatable)")
    p.add_argument("--seed-only", action="store_true", help="only architectures of a seed paper")
    p.add_argument("--device", choices=DEVICES, default="cuda", help="latency device (default cuda)")
    p.add_argument("--batch", type=int, default=1, help="latency batch size (default 1)")
    p.add_argument("--dtype", choices=DTYPES, default="bf16", help="latency dtype (default bf16)")
    p.add_argument("--mode", choices=MODES, default="cuda_graph", help="latency mode (default cuda_graph)")
    p.add_argument("--linear-x", action="store_true", help="linear x axis (default log)")
    p.add_argument("--log-y", action="store_true", help="log y axis")
    p.add_argument("--color", choices=COLOR_BY, default="family", help="colour by (default family)")
    p.add_argument("--no-claims", action="store_true", help="do not overlay paper claims")
    p.add_argument("--title", default=None, help="figure title")
    p.add_argument("--results", type=Path, default=None, help="results parquet")
    p.add_argument("--accuracy", type=Path, default=None, help="accuracy parquet")
    p.add_argument("--claims-file", type=Path, default=None, help="paper claims csv")
    p.add_argument("--out", type=Path, default=Path("pareto.svg"),
                   help="output: .svg .png .pdf (kaleido + Chromium), .html (standalone), .csv (points)")
    return p


def state_from_args(a: argparse.Namespace) -> ViewState:
    ds, _, metric = a.y.partition(":")
    return replace(ViewState(), x=a.x, y_dataset=ds, y_metric=metric or "top1", task=a.task,
                   sources=tuple(a.source), families=tuple(a.family), search=a.models, seed_only=a.seed_only,
                   device=a.device, batch=a.batch, dtype=a.dtype, mode=a.mode, log_x=not a.linear_x,
                   log_y=a.log_y, color=a.color, claims=not a.no_claims)


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    state = state_from_args(a)
    res = uidata.read_results(a.results or uidata.path_for("results"))
    acc = uidata.read_accuracy(a.accuracy or uidata.path_for("accuracy"), res.df)
    for msg in res.problems + acc.problems:
        print(msg, file=sys.stderr)
    view = views.build_view(res.df, acc.df, state)
    for level, msg in view.notes:
        print(f"{level}: {msg}", file=sys.stderr)
    claims = None
    if state.claims:
        raw = uidata.read_claims(a.claims_file or uidata.path_for("claims"))
        claims = views.claims_overlay(uidata.claimed_vs_measured(raw.df, res.df, acc.df), state)
    fig = build_figure(view, claims, title=a.title)
    fmt = a.out.suffix.lower().lstrip(".")
    if fmt == "csv":
        a.out.write_bytes(points_csv(view))
    elif fmt in ("html", "png", "svg", "pdf"):
        a.out.write_bytes(figure_bytes(fig, fmt))
    else:
        print(f"unknown output type {a.out.suffix!r}: use .svg .png .pdf .html or .csv", file=sys.stderr)
        return 2
    print(f"wrote {a.out} ({len(view.points)} models, {len(view.front)} on the front)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
