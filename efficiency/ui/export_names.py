"""What the explorer's exports are called (no torch, no Streamlit): their file names, from the view
state (:func:`export_stem`, :func:`export_file_name`), and the points CSV's column headers
(:func:`points_frame`).

Every export was "pareto.png" / "pareto_points.csv" whatever the view, so a paper's author exporting
three views got "pareto (1).png", "pareto (2).png" ... (UXCHECK4 #8). A name now says the task, the
accuracy (dataset and metric), the x axis and, on an axis measured on hardware, the configuration:
``pareto_classification_imagenet-1k-top1_vs_latency-p50_nvidia-h200_b1_bf16_cuda-graph.png``.
"""
from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from efficiency.ui import models_table as mt
from efficiency.ui.axes import AXES
from efficiency.ui.explorer import View
from efficiency.ui.seed_claims import LEGEND as SEED_LEGEND
from efficiency.ui.state import ViewState
from efficiency.ui.tables import stability

MAX_STEM = 100          # characters: short enough for any file system and a download bar
MAX_MACHINE = 32        # characters of the machine's name (a CPU's, with its thread count, runs long)
# time to first token is measured at batch 1 whatever the batch shown (efficiency.ui.axes: "{hw1}")
BATCH_ONE_AXES = ("ttft",)
EXTENSIONS = {"html": "html", "png": "png", "svg": "svg", "pdf": "pdf"}


def slug(text: str) -> str:
    """``text`` as a file-name part: lower case, runs of anything but letters, digits and dots one
    "-", no dot or "-" at either end (so never ".", ".." nor a hidden file)."""
    return re.sub(r"[^a-z0-9.]+", "-", str(text).lower()).strip("-.")


def _hardware(state: ViewState, machine: str | None) -> list[str]:
    """The configuration's parts of a name: the machine when known (its words without their bracketed
    qualifiers: "AMD EPYC (machine not recorded), 1 thread" -> "amd-epyc-1-thread"), else the device;
    then batch, dtype, mode."""
    batch = 1 if state.x in BATCH_ONE_AXES else state.batch
    named = slug(re.sub(r"\([^()]*\)", " ", machine or ""))[:MAX_MACHINE].strip("-.")
    return [p for p in (named or slug(state.device), f"b{int(batch)}", slug(state.dtype), slug(state.mode)) if p]


def export_stem(state: ViewState, machine: str | None = None) -> str:
    """A file-system-safe name (no extension, at most :data:`MAX_STEM` characters of ``[a-z0-9._-]``)
    for the exports of the view ``state``; ``machine``: the name of the machine its latency comes
    from (``View.device_name``), part of the name on a hardware axis only. When too long, the
    accuracy part is cut: the axes and the configuration are what tells two exports apart."""
    x = [slug(state.x)] + (_hardware(state, machine) if getattr(AXES.get(state.x), "needs_hw", False) else [])
    head, tail = "_".join(p for p in ("pareto", slug(state.task)) if p), "_vs_" + "_".join(p for p in x if p)
    accuracy = slug(f"{state.y_dataset}-{state.y_metric}")
    room = max(MAX_STEM - len(head) - len(tail) - 1, 0)
    if len(accuracy) > room:      # cut at a word's end where one is near
        cut = accuracy[:room + 1].rfind("-")
        accuracy = accuracy[:cut if cut > room // 2 else room].strip("-.")
    stem = f"{head}_{accuracy}{tail}" if accuracy else head + tail
    return stem[:MAX_STEM].strip("-._")


def export_file_name(state: ViewState, kind: str, machine: str | None = None) -> str:
    """The download name of one export: ``kind`` html | png | svg | pdf (the figure) or csv (its points)."""
    stem = export_stem(state, machine)
    return f"{stem}_points.csv" if kind == "csv" else f"{stem}.{EXTENSIONS[kind]}"


def models_file_name(state: ViewState, machine: str | None = None) -> str:
    """The Models page's CSV name: its task, accuracy and latency configuration (its latency columns are
    measured on hardware whatever the explorer's x axis), its text filter and its order, so that two
    views' files differ (it was "models.csv" for every view, UXCHECK5 #8):
    ``models_classification_imagenet-1k-top1_nvidia-h200_b1_bf16_cuda-graph_resnet50_by-gmacs.csv``."""
    order = "by-" + slug(state.table_sort.removeprefix("-")) + ("-desc" if state.table_sort.startswith("-") else "")
    parts = ["models", slug(state.task), slug(f"{state.y_dataset}-{state.y_metric}"),
             "_".join(_hardware(replace(state, x="gmacs"), machine)), slug(state.table_filter)[:24].strip("-."), order]
    stem = "_".join(p for p in parts if p)
    if len(stem) > MAX_STEM:      # the accuracy part gives way first, as in export_stem
        stem = "_".join(p for p in parts[:2] + parts[3:] if p)
    return stem[:MAX_STEM].strip("-._") + ".csv"


# ---- the points CSV

# Its columns in order. Its headers are the Models page CSV's (models_table.headers) for every quantity
# both files hold, so one quantity has one name in both (a language view's prefill GMACs of the
# 512-token prompt, decode step, decode tokens/s), and POINT_HEADERS for the columns only this file has;
# x and y are the plotted axes, named by their titles.
CSV_COLUMNS = ("model", "arch", "family", "source", "task", "y", "x", "on_front", "gmacs", "gflops", "params_m",
               "lat_p50_ms", "lat_p90_ms", "throughput_sps", "mem_mib", "stability", "lat_iqr_pct", "n_samples",
               "paper")
# language views add these (bf16 bytes; FLOPs = 2 x MACs; latency rows are one decode step) and drop the
# throughput, a copy of decode tokens/s under a "samples" name (UXCHECK4 #6)
LANGUAGE_CSV_COLUMNS = ("decode_gflops_512", "decode_gflops_4096", "params_active_b", "weight_gib", "kv_kib_token",
                        "training_flops", "ttft_ms", "decode_tps", "bound_tps", "bound_fraction", "energy_j_token")
POINT_HEADERS = {"arch": "architecture", "stability": mt.headers("")["noisy"],
                 "lat_iqr_pct": "latency IQR (% of p50)", "n_samples": "timed calls",
                 "decode_gflops_4096": "decode GFLOPs / token @4096 (= 2 × MACs)",
                 "bound_tps": "decode bandwidth bound (tokens / s)", "accuracy_kind": "accuracy kind"}
# a language latency row is one decode step: its p90 is one too (the Models page's p90 header is the vision one)
LANGUAGE_P90 = "decode step p90 (ms; blank under 10 timed calls)"
# where the latency columns come from, one constant column each (a CSV stays a plain table: no header lines)
CONFIG_HEADERS = {"machine": "latency machine", "device": "latency device", "batch": "latency batch size",
                  "dtype": "latency dtype", "mode": "latency mode"}


def csv_headers(view: View) -> dict[str, str]:
    """Points column -> CSV header for ``view`` (its task, its device's memory figure, its axes)."""
    lang = view.group is not None
    names = {**mt.headers(view.y_label, view.state.device, lang), **POINT_HEADERS,
             "x": f"x: {view.x_label}", "y": f"y: {view.y_label}"}
    return {**names, "lat_p90_ms": LANGUAGE_P90} if lang else names


def config_columns(view: View) -> dict[str, object]:
    """The hardware configuration of the view's latency columns, by CSV header: the machine (the words
    every page names it by; blank when nothing was measured), device, batch, dtype and mode."""
    s = view.state
    return {CONFIG_HEADERS["machine"]: view.device_name or "", CONFIG_HEADERS["device"]: s.device,
            CONFIG_HEADERS["batch"]: s.batch, CONFIG_HEADERS["dtype"]: s.dtype, CONFIG_HEADERS["mode"]: s.mode}


# a point has latency from the view's machine when one of these (its latency row's) has a value
MEASURED_KEYS = ("lat_p50_ms", "n_samples", "ttft_ms", "decode_tps")


def measured(points: pd.DataFrame) -> pd.Series:
    """Per point, whether the view's latency row joined it (its latency cells are filled)."""
    keys = [k for k in MEASURED_KEYS if k in points]
    return points[keys].notna().any(axis=1) if keys else pd.Series(False, index=points.index)


def points_frame(view: View) -> pd.DataFrame:
    """The plotted points with explicit, unit-bearing column names (the CSV export), the latency's
    hardware configuration in constant columns after the latency's; with seed claims shown, their
    rows follow, "accuracy kind" telling the two apart. "latency machine" is blank on a row without
    latency: it named the view's machine beside the blank latency of a model another machine measured,
    as if that machine had measured it (MACHINEFIX, FIX7A)."""
    lang = view.group is not None
    columns = [c for c in CSV_COLUMNS if not (lang and c == "throughput_sps")] + \
        (list(LANGUAGE_CSV_COLUMNS) if lang else [])
    names = csv_headers(view)
    df = view.points.assign(stability=stability(view.points)).reindex(columns=columns).rename(columns=names)
    has = measured(view.points).tolist()
    if len(view.seed):
        df = df.assign(**{names["accuracy_kind"]: "reference table"})
        seed = view.seed.assign(stability=stability(view.seed)).reindex(columns=columns).rename(columns=names)
        seed = seed.assign(**{names["on_front"]: False, names["accuracy_kind"]: SEED_LEGEND})
        df = pd.concat([df, seed], ignore_index=True)
        has += measured(view.seed).tolist()
    at = df.columns.get_loc(names["n_samples"]) + 1
    for i, (name, value) in enumerate(config_columns(view).items()):
        df.insert(at + i, name, value)
    machine = CONFIG_HEADERS["machine"]
    df[machine] = df[machine].where(pd.Series(has, index=df.index), "")
    return df.sort_values(names["x"], kind="stable").reset_index(drop=True)
