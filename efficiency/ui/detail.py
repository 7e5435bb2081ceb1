"""The Model detail and Compare pages' tables and scaling charts (no torch, no Streamlit): finding a
model by name, its MACs per operator and coverage (its latency rows: :mod:`efficiency.ui.latency_rows`),
several models side by side, throughput against batch size and latency against input resolution
(the curves themselves: :mod:`efficiency.ui.curves`)."""
from __future__ import annotations

import json
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from efficiency.ui.configs import HwConfig, available, config_of, coverage, widest
from efficiency.ui.curves import CurveConfig, drawn_lines, level_of_failure, preferred, resolution_lines, short_error
from efficiency.ui.explorer import ENERGY_COLUMNS, is_test_network
from efficiency.ui.latency_machine import LatencyMachine, latency_machine  # noqa: F401 - the pages' import
from efficiency.ui.figures import FONT, PALETTE
from efficiency.ui.models_table import ACC_DECIMALS, round_column
from efficiency.ui.numbers import fmt
from efficiency.ui.state import ViewState
from efficiency.ui.tables import LAT_KEEP, accuracy_values, count_table, join_latency, latency_table

COMPARE_COLUMNS = ["model", "acc", "gmacs", "params_m", "lat_p50_ms", "throughput_sps", "mem_mib", "lat_p90_ms",
                   "gflops", "energy_j_per_sample", "family", "arch", "source"]
# Compare's order: the numbers a reader compares first, so that they show without scrolling sideways at
# 1440 px (arch, family and source, words the id mostly repeats, had pushed them off the grid's edge);
# language models: accuracy, time to first token and decode speed first
COMPARE_FIRST = ("model", "acc", "ttft_ms", "decode_tps", "gmacs", "params_m", "params_active_b",
                 "decode_gflops_512", "lat_p50_ms", "throughput_sps", "mem_mib", "weight_gib")
COMPARE_LAST = ("family", "arch", "source")
COMPARE_HIDDEN = ("arch", "source")      # the id names both (the bars' legend still reads arch)


def _json(text) -> dict:
    if isinstance(text, dict):
        return text
    try:
        out = json.loads(text) if isinstance(text, str) and text else {}
    except json.JSONDecodeError:
        return {}
    return out if isinstance(out, dict) else {}


def op_breakdown(count_row: pd.Series) -> pd.DataFrame:
    """MACs per operator (``macs_by_op``), largest first, with the share of the total."""
    by_op = _json(count_row.get("macs_by_op"))
    df = pd.DataFrame({"op": list(by_op), "macs": [float(v) for v in by_op.values()]})
    if df.empty:
        return df.assign(gmacs=[], share=[])
    df["gmacs"] = df["macs"] / 1e9
    total = df["macs"].sum()
    df["share"] = df["macs"] / total if total else np.nan
    return df.sort_values("macs", ascending=False).reset_index(drop=True)


def op_counts(count_row: pd.Series, column: str) -> pd.DataFrame:
    """``uncovered_ops`` / ``ignored_ops`` as a table op -> occurrences."""
    d = _json(count_row.get(column))
    return pd.DataFrame({"op": list(d), "occurrences": [int(v) for v in d.values()]})


# Detections per image a torchvision detector returns when built as the zoo builds it, with random weights,
# and its cap (detections_per_img): the output of `python bench/detector_random_weights.py` (CPU, one image of
# noise at the zoo's input size; bench/RESULTS.md). Post-processing and the mask/keypoint heads work on those
# boxes, so they decide whether the random-weight latency over- or understates trained weights' work.
RANDOM_WEIGHT_DETECTIONS = {
    # the R-CNNs are built with their heads at the maximum (efficiency.zoo.torchvision.heads_at_their_maximum)
    "fasterrcnn_mobilenet_v3_large_320_fpn": (100, 100), "fasterrcnn_mobilenet_v3_large_fpn": (100, 100),
    "fasterrcnn_resnet50_fpn": (100, 100), "fasterrcnn_resnet50_fpn_v2": (100, 100),
    "fcos_resnet50_fpn": (0, 100), "keypointrcnn_resnet50_fpn": (100, 100),
    "maskrcnn_resnet50_fpn": (100, 100), "maskrcnn_resnet50_fpn_v2": (100, 100),
    "retinanet_resnet50_fpn": (300, 300), "retinanet_resnet50_fpn_v2": (0, 300),
    "ssd300_vgg16": (200, 200), "ssdlite320_mobilenet_v3_large": (300, 300),
}


def random_weights_note(task: str, arch: str, source: str = "torchvision") -> str:
    """What a detector's random weights (no weights are downloaded here) do to its measured work;
    empty for models whose work does not depend on the weights' values (the seed detectors end at their
    heads' raw outputs, without post-processing)."""
    if task != "detection" or source != "torchvision":
        return ""
    said = "Built with random weights, "
    if arch not in RANDOM_WEIGHT_DETECTIONS:
        return (said + "whose detections per image were not checked: post-processing works on the boxes that "
                "clear the score threshold, so latency may differ from trained weights'.")
    n, cap = RANDOM_WEIGHT_DETECTIONS[arch]
    if n == cap:
        return (said + f"it returns its cap of {cap} detections per image: post-processing (and any mask or "
                "keypoint head) does the most work it allows, so this latency is an upper bound of that work.")
    if n == 0:
        return (said + "it returns no detection: the last post-processing steps (and any mask or keypoint head) "
                "do no work, so this latency is a lower bound of that work.")
    return (said + f"it returns {n} of at most {cap} detections per image; trained weights on a real image "
            "return a different number, so post-processing time differs from theirs.")


def headline_row(lat: pd.DataFrame, state: ViewState, hardware: str | None):
    """The index of the row of :func:`model_latencies` the detail headline shows: the fastest p50 of
    ``hardware`` in ``state``'s configuration (None when it has none)."""
    if lat.empty or hardware is None:
        return None
    mine = lat[(lat["device"] == state.device) & (lat["batch_size"] == state.batch) & (lat["dtype"] == state.dtype)
               & (lat["mode"] == state.mode) & (lat["hardware"].astype(str) == hardware)]
    p50 = pd.to_numeric(mine["lat_p50_ms"], errors="coerce")
    return p50.idxmin() if p50.notna().any() else (mine.index[0] if len(mine) else None)


def on_machine(results: pd.DataFrame, hardware: str | None) -> pd.DataFrame:
    """``results`` without other machines' latency rows (counts kept): a chosen machine's curves."""
    keep = hardware is None or "hardware" not in results
    return results if keep else results[(results["kind"] != "latency") | (results["hardware"].astype(str) == hardware)]


def preferred_config(options: list[CurveConfig], state: ViewState, hardware: str | None) -> CurveConfig | None:
    """The batch curves' default: :func:`~efficiency.ui.curves.preferred` among those on ``hardware``, if any."""
    mine = [c for c in options if c.hardware == hardware]
    return preferred(mine or options, state.device, state.dtype, state.mode)


def compare_table(results: pd.DataFrame, accuracy: pd.DataFrame, models: list[str],
                  state: ViewState, columns: list[str] | None = None,
                  machine: LatencyMachine | None = None) -> pd.DataFrame:
    """One row per model: compute, params, accuracy of the view's metric, latency at the view's
    hardware on one machine (``machine``: :func:`latency_machine` of ``models``, computed when None; with
    no machine none of them was measured there, and the automatic machine's rows hold none of them;
    ``columns``: which, :data:`COMPARE_COLUMNS` by default; language models have theirs)."""
    counts = count_table(results)
    counts = counts[counts["model"].isin(models)]
    machine = latency_machine(results, state, models) if machine is None else machine
    lat = latency_table(results, state.device, state.batch, state.dtype, state.mode, hardware=machine.hardware)
    acc, _ = accuracy_values(accuracy, state.y_dataset, state.y_metric)
    df = join_latency(counts, lat.reindex(columns=LAT_KEEP + ENERGY_COLUMNS).drop(columns=["device_name"]))
    df = df.merge(acc, on="model", how="left")
    order = {m: i for i, m in enumerate(models)}
    df = df.sort_values("model", key=lambda s: s.map(order)).reset_index(drop=True)
    return df.reindex(columns=compare_order(columns or COMPARE_COLUMNS))


def compare_order(columns: list[str]) -> list[str]:
    """``columns`` with :data:`COMPARE_FIRST` first (in its order), :data:`COMPARE_LAST` last."""
    first = [c for c in COMPARE_FIRST if c in columns]
    last = [c for c in COMPARE_LAST if c in columns]
    return first + [c for c in columns if c not in first and c not in last] + last


def compare_shown(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare_table` as the page shows it: without :data:`COMPARE_HIDDEN`, accuracy to
    ``ACC_DECIMALS`` decimals and every other number to 3 significant digits, as the Models page
    (four or more digits of a p50 are noise: run-to-run spread is a few per cent)."""
    out = table.drop(columns=[c for c in COMPARE_HIDDEN if c in table])
    for c in out.columns:
        if c != "model" and pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype(float).round(ACC_DECIMALS) if c == "acc" else round_column(out[c])
    return out


# the models a new visitor recognises, in order of preference (the detail page's default)
WELL_KNOWN = ("torchvision/resnet50.", "timm/resnet50.", "hf/llama-3.1-8b", "hf/qwen2.5-7b")


def find_model(counts: pd.DataFrame, name: str) -> str | None:
    """The model ``name`` names exactly: its id, or an ``arch`` (then its first id). Never a
    substring match: a link naming an unknown model must say so, not open a different one."""
    ids = set(counts["model"].dropna().astype(str))
    if name in ids:
        return name
    by_arch = sorted(counts.loc[counts["arch"] == name, "model"].astype(str))
    return by_arch[0] if by_arch else None


def similar_models(counts: pd.DataFrame, name: str, k: int = 5) -> list[str]:
    """Up to ``k`` ids containing ``name`` (or its part before '@' / '.'), to suggest beside the
    message that ``name`` is unknown."""
    ids = sorted(counts["model"].dropna().astype(str).unique())
    for needle in dict.fromkeys([name, name.split("/")[-1].split("@")[0], name.split("/")[-1].split(".")[0]]):
        needle = needle.lower().strip()
        hits = [m for m in ids if needle and needle in m.lower()]
        if hits:   # names starting with the needle first: resnet50 before cspresnet50
            return sorted(hits, key=lambda m: (not m.split("/")[-1].lower().startswith(needle), m))[:k]
    return []


def default_model(counts: pd.DataFrame, measured: dict[str, list[HwConfig]], current: HwConfig) -> str | None:
    """The model detail opens on with nothing selected: a well-known model (:data:`WELL_KNOWN`)
    measured in ``current``, else the measured model with the most configurations, else the first
    id; never one of timm's test networks. Ties go to the first id."""
    real = counts[~is_test_network(counts)] if len(counts) else counts
    ids = sorted(real["model"].dropna().astype(str).unique())
    rank = lambda m: (-len(measured.get(m, [])), m)  # noqa: E731 - most configurations, then the id
    for prefix in WELL_KNOWN:
        hits = [m for m in ids if m.startswith(prefix) and current in measured.get(m, [])]
        if hits:
            return min(hits, key=rank)
    have = [m for m in ids if measured.get(m)]
    return min(have, key=rank) if have else (ids[0] if ids else None)


def models_coverage(results: pd.DataFrame, models: list[str], state: ViewState) -> tuple[int, int, tuple | None]:
    """Of ``models``, how many have latency in ``state``'s configuration, how many there are, and
    the configuration covering the most of them (for a page's coverage line)."""
    options = available(coverage(results, models=models))
    return options.get(config_of(state), 0), len(set(models)), widest(options)


# --------------------------------------------------------------------------- scaling charts

def _layout(fig: go.Figure, height: int = 440) -> go.Figure:
    fig.update_layout(template="plotly_white", height=height, font=dict(family=FONT, size=14), margin=dict(t=40),
                      hoverlabel=dict(align="left"), legend=dict(orientation="h", y=-0.22))
    return fig


def _batch_hover(r) -> str:
    return (f"<b>{r.model}</b><br>batch {r.batch}: <b>{fmt(r.samples_per_s, ',.0f', 'samples/s')}</b><br>"
            f"p50 {fmt(r.lat_p50_ms, '.3g', 'ms')} per batch<br>energy {fmt(r.energy_j_per_sample, '.3g', 'J/sample')}"
            f" ({fmt(r.power_w_avg, '.0f', 'W')} average)" + ("<br><i>noisy row</i>" if r.noisy else ""))


def batch_figure(curves: pd.DataFrame) -> go.Figure:
    """Samples/s against batch size, a line per ``line`` of ``curves`` with two or more good batch sizes
    (:func:`~efficiency.ui.curves.drawn_lines`): log2 batch axis (a tick per measured batch), log
    samples/s; noisy rows ringed; a failed row (out of memory, say) a cross at its batch, level with the
    good point before it, its error in the hover (meta: "curve", "noisy", "failed")."""
    fig, shown = go.Figure(), set()
    lines = drawn_lines(curves)
    for i, line in enumerate(lines):
        sub, color = curves[curves["line"] == line], PALETTE[i % len(PALETTE)]
        good, failed = sub[sub["error"] == ""], sub[sub["error"] != ""]
        fig.add_trace(go.Scatter(x=good["batch"], y=good["samples_per_s"], mode="lines+markers", name=line,
                                 line=dict(color=color, width=2), marker=dict(size=8, color=color), meta="curve",
                                 hovertext=[_batch_hover(r) for r in good.itertuples()],
                                 hovertemplate="%{hovertext}<extra></extra>"))
        noisy = good[good["noisy"]]
        # (meta, rows, y, hover or None: the line's own point already has one, name, marker)
        marks = [("noisy", noisy, noisy["samples_per_s"], None, "noisy row (ringed)",
                  dict(symbol="circle-open", size=17)),
                 ("failed", failed, [level_of_failure(good, b) for b in failed["batch"]],
                  [f"<b>{r.model}</b><br>batch {r.batch} failed: {short_error(r.error)}" for r in failed.itertuples()],
                  "failed batch (hover: why)", dict(symbol="x", size=13))]
        for meta, rows, y, hover, name, marker in marks:
            if rows.empty:
                continue
            fig.add_trace(go.Scatter(
                x=rows["batch"], y=y, mode="markers", name=name, legendgroup=meta, showlegend=meta not in shown,
                marker=dict(color=color, line=dict(width=2, color=color), **marker), meta=meta, hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>" if hover else None, hoverinfo=None if hover else "skip"))
            shown.add(meta)
    drawn = curves[curves["line"].isin(lines)]
    machines = sorted(set(drawn["hardware_name"]))
    ticks = sorted(set(drawn["batch"]))
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[str(t) for t in ticks],
                     title="Batch size (samples per forward call; log2 scale)")
    fig.update_yaxes(type="log", title="Throughput (samples/s = batch / p50; log scale)"
                     + (f"<br>on {machines[0]}" if len(machines) == 1 else ""))
    return _layout(fig)


def resolution_figure(curves: pd.DataFrame, config_text: str) -> go.Figure:
    """Latency p50 (left) and GMACs (right) against input resolution, a line per ``line`` of
    :func:`~efficiency.ui.curves.resolution_curves` with two or more sizes; log scales (compute grows
    with the square of the side); the models asked about drawn as stars (meta "current"); noisy latency
    rows ringed (meta "noisy"): at batch 1 eager a small network's GPU time is mostly kernel launches, whose
    jitter can outweigh the size's own effect."""
    fig, starred, ringed = make_subplots(rows=1, cols=2, horizontal_spacing=0.12), False, False
    lines = resolution_lines(curves)
    for i, line in enumerate(lines):
        sub, color = curves[curves["line"] == line], PALETTE[i % len(PALETTE)]
        hover = [f"<b>{r.model}</b>{' (this model)' if r.current else ''}<br>{r.resolution:g} px, input {r.input_size}"
                 f"<br>p50 {fmt(r.lat_p50_ms, '.3g', 'ms')} per batch<br>{fmt(r.gmacs, '.3g', 'GMACs')} per sample"
                 + ("<br><i>noisy row</i>" if r.noisy else "") for r in sub.itertuples()]
        noisy = sub[sub["noisy"].astype(bool)] if "noisy" in sub else sub.iloc[:0]
        if len(noisy):
            fig.add_trace(go.Scatter(x=noisy["resolution"], y=noisy["lat_p50_ms"], mode="markers", meta="noisy",
                                     name="noisy row (ringed)", legendgroup="noisy", showlegend=not ringed,
                                     hoverinfo="skip", marker=dict(symbol="circle-open", size=16, color="#222")),
                          row=1, col=1)
            ringed = True
        for col, y in ((1, "lat_p50_ms"), (2, "gmacs")):
            fig.add_trace(go.Scatter(x=sub["resolution"], y=sub[y], mode="lines+markers", name=line, legendgroup=line,
                                     showlegend=col == 1, line=dict(color=color, width=2), meta="curve",
                                     marker=dict(size=8, color=color), hovertext=hover,
                                     hovertemplate="%{hovertext}<extra></extra>"), row=1, col=col)
            cur = sub[sub["current"]]
            if cur.empty:
                continue
            fig.add_trace(go.Scatter(x=cur["resolution"], y=cur[y], mode="markers", name="this model",
                                     legendgroup="current", showlegend=not starred, hoverinfo="skip",
                                     marker=dict(symbol="star", size=18, color=color, line=dict(color="#222", width=1)),
                                     meta="current"), row=1, col=col)
            starred = True
    ticks = sorted(set(curves.loc[curves["line"].isin(lines), "resolution"]))
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks],
                     title="Input resolution (px, image side; log scale)")
    fig.update_yaxes(type="log", title="Latency p50 (ms per batch; log scale)", row=1, col=1)
    fig.update_yaxes(type="log", title="GMACs per sample (1 multiply-add = 1; log)", row=1, col=2)
    machines = sorted(set(curves.loc[curves["line"].isin(lines), "hardware_name"]))
    on = f" on {machines[0]}" if len(machines) == 1 else ""
    fig.update_layout(title=dict(text=config_text + on, font=dict(size=13)))
    return _layout(fig, 420)
