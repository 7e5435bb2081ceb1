"""Pure functions that build the tables each dashboard view shows (no torch, no Streamlit).

Pages only render what these return. Conventions (see :mod:`efficiency`):

* GMACs: 1e9 multiply-accumulates per sample (1 multiply-add = 1), what timm /
  torchvision / fvcore call "GFLOPs". GFLOPs here are true FLOPs = 2 x MACs.
* latency: milliseconds per forward call of one batch (p50 / p90 over the samples).
* 1/throughput: milliseconds per sample = 1000 / (samples per second).
* memory: peak bytes of the measured configuration, shown in MiB (2^20 bytes):
  CUDA ``max_memory_allocated``, CPU peak RSS growth.

When several latency rows match one hardware configuration for a model (channels-last
on and off, say), the view keeps the fastest p50 and says which in ``channels_last``.
"""
from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from efficiency.ui.pareto import pareto_mask
from efficiency.ui.state import DEFAULT, ViewState

ALL = "all"
MIB = 2 ** 20


@dataclass(frozen=True)
class XMetric:
    key: str
    label: str          # axis title (with unit and convention); "{hw}" is filled in
    short: str          # column header / budget wording
    unit: str
    needs_hw: bool      # depends on the hardware configuration


X_METRICS: dict[str, XMetric] = {m.key: m for m in [
    XMetric("gmacs", "GMACs per sample (1 multiply-add = 1 MAC)", "GMACs", "GMACs", False),
    XMetric("gflops", "GFLOPs per sample (= 2 x MACs)", "GFLOPs", "GFLOPs", False),
    XMetric("params", "Parameters (millions)", "Params", "M", False),
    XMetric("latency_p50", "Latency p50 (ms per batch of {batch}) on {hw}", "Latency p50", "ms", True),
    XMetric("latency_p90", "Latency p90 (ms per batch of {batch}) on {hw}", "Latency p90", "ms", True),
    XMetric("inv_throughput", "1 / throughput (ms per sample) on {hw}", "1/throughput", "ms/sample", True),
    XMetric("memory", "Peak memory (MiB, 1 MiB = 2^20 bytes) on {hw}", "Peak memory", "MiB", True),
]}
X_COLUMN = {"gmacs": "gmacs", "gflops": "gflops", "params": "params_m", "latency_p50": "lat_p50_ms",
            "latency_p90": "lat_p90_ms", "inv_throughput": "ms_per_sample", "memory": "mem_mib"}

# metric -> unit of the published value
METRIC_UNITS = {"epe": "px", "per_image_epe": "px"}
PRETTY_DATASETS = {"imagenet-1k": "ImageNet-1k", "imagenet-real": "ImageNet-ReaL", "imagenetv2": "ImageNetV2",
                   "coco-val2017": "COCO val2017", "kinetics-400": "Kinetics-400"}
PRETTY_METRICS = {"top1": "top-1", "top5": "top-5", "box_map": "box mAP", "mask_map": "mask mAP",
                  "kp_map": "keypoint mAP", "miou": "mIoU", "pixel_acc": "pixel acc.", "epe": "EPE",
                  "fl_all": "Fl-all", "per_image_epe": "per-image EPE"}

# Dense peak throughput per device (TFLOP/s, true FLOPs), from the vendors' datasheets; for the
# roofline-style view. Keyed by a substring of ``device_name`` and the dtype.
PEAK_TFLOPS = {
    "H200": {"bf16": 989.0, "fp16": 989.0, "fp32": 67.0},
    "H100": {"bf16": 989.0, "fp16": 989.0, "fp32": 67.0},
    "A100": {"bf16": 312.0, "fp16": 312.0, "fp32": 19.5},
    "L40S": {"bf16": 362.0, "fp16": 362.0, "fp32": 91.6},
    "RTX 4090": {"bf16": 165.0, "fp16": 165.0, "fp32": 82.6},
}



# --------------------------------------------------------------------------- labels

def y_label(dataset: str, metric: str, higher_is_better: bool = True) -> str:
    unit = METRIC_UNITS.get(metric, "%")
    text = f"{PRETTY_DATASETS.get(dataset, dataset)} {PRETTY_METRICS.get(metric, metric)} ({unit}"
    return text + (")" if higher_is_better else ", lower is better)")


def hw_text(state: ViewState, device_name: str | None = None) -> str:
    dev = device_name or state.device.upper()
    return f"{dev}, batch {state.batch}, {state.dtype}, {state.mode.replace('_', ' ')}"


def x_label(state: ViewState, device_name: str | None = None) -> str:
    return X_METRICS[state.x].label.format(batch=state.batch, hw=hw_text(state, device_name))


def _shell_quote(text: str) -> str:
    return "'" + str(text).replace("'", "") + "'"


def refresh_command(models: str | list[str] = "*", state: ViewState | None = None,
                    input_size: str | None = None) -> str:
    """The ``efficiency.refresh`` command that (re)computes rows for ``models``.

    ``models``: zoo ids, names, archs or fnmatch patterns (one string or a list). A
    ``custom/<entry point>@<size>`` id becomes ``--custom <entry point> --input-size C,H,W``.
    ``state`` adds its hardware configuration (device, batch, dtype, mode).
    """
    items = [models] if isinstance(models, str) else list(models)
    items = [m.strip("'") for m in items]
    custom = [m for m in items if m.startswith("custom/")]
    zoo = [m for m in items if not m.startswith("custom/")]
    cmd = "python -m efficiency.refresh"
    if zoo:
        cmd += " --models " + " ".join(_shell_quote(m) for m in zoo)
    for m in custom:
        entry, _, size = m[len("custom/"):].rpartition("@")
        size = input_size or size
        cmd += f" --custom {_shell_quote(entry)}" + (f" --input-size {size.replace('x', ',')}" if size else "")
    if state is not None:
        cmd += (f" --device {state.device} --batch-size {state.batch} --dtype {state.dtype}"
                f" --mode {state.mode}")
    return cmd


# --------------------------------------------------------------------------- tables

def _good(results: pd.DataFrame) -> pd.DataFrame:
    err = results["error"].fillna("").astype(str) if "error" in results else ""
    return results[err == ""]


def count_table(results: pd.DataFrame) -> pd.DataFrame:
    """One good count row per model (the newest), with gmacs / gflops / params_m added."""
    rows = _good(results)
    rows = rows[rows["kind"] == "count"]
    if "measured_at" in rows:
        rows = rows.sort_values("measured_at", kind="stable", na_position="first")
    rows = rows.drop_duplicates("model", keep="last").copy()
    macs = pd.to_numeric(rows["macs"], errors="coerce").astype(float)
    flops = pd.to_numeric(rows["flops"], errors="coerce").astype(float)
    rows["gmacs"] = macs / 1e9
    rows["gflops"] = flops.fillna(2 * macs) / 1e9
    rows["params_m"] = pd.to_numeric(rows["params"], errors="coerce").astype(float) / 1e6
    return rows.reset_index(drop=True)


def latency_table(results: pd.DataFrame, device: str, batch: int, dtype: str, mode: str) -> pd.DataFrame:
    """The fastest good latency row per model for one hardware configuration."""
    rows = _good(results)
    rows = rows[(rows["kind"] == "latency") & (rows["device"] == device) & (rows["dtype"] == dtype)
                & (rows["mode"] == mode)]
    rows = rows[pd.to_numeric(rows["batch_size"], errors="coerce") == batch]
    rows = rows.sort_values("latency_ms_p50", kind="stable").drop_duplicates("model", keep="first").copy()
    return _latency_derived(rows)


def _latency_derived(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    p50 = pd.to_numeric(rows["latency_ms_p50"], errors="coerce").astype(float)
    rows["lat_p50_ms"] = p50
    rows["lat_p90_ms"] = pd.to_numeric(rows["latency_ms_p90"], errors="coerce").astype(float)
    thr = pd.to_numeric(rows["throughput"], errors="coerce").astype(float)
    batch = pd.to_numeric(rows["batch_size"], errors="coerce").astype(float)
    thr = thr.fillna(batch / (p50 / 1e3))
    rows["throughput_sps"] = thr
    rows["ms_per_sample"] = 1e3 / thr
    gpu = pd.to_numeric(rows["mem_gpu_max_allocated_bytes"], errors="coerce").astype(float)
    cpu = pd.to_numeric(rows["mem_cpu_rss_growth_bytes"], errors="coerce").astype(float)
    rows["mem_mib"] = np.where(rows["device"] == "cuda", gpu, cpu) / MIB
    return rows


LAT_KEEP = ["model", "device_name", "channels_last", "lat_p50_ms", "lat_p90_ms", "throughput_sps",
            "ms_per_sample", "mem_mib", "noisy"]


def hardware_options(results: pd.DataFrame) -> dict[str, list]:
    """Values present in the good latency rows: device, batch, dtype, mode (sorted)."""
    rows = _good(results)
    rows = rows[rows["kind"] == "latency"]
    out = {}
    for col, key in (("device", "device"), ("batch_size", "batch"), ("dtype", "dtype"), ("mode", "mode")):
        vals = rows[col].dropna().unique().tolist()
        out[key] = sorted(int(v) for v in vals) if key == "batch" else sorted(str(v) for v in vals)
    return out


def speedups(hw: pd.DataFrame, state: ViewState) -> list[tuple[str, pd.Series]]:
    """Per-model latency ratios between configurations of ``hw`` (:func:`hardware_table` rows),
    each labelled with both sides' device, batch, dtype and mode. The GPU side uses the sidebar's
    dtype and mode when the sidebar shows the GPU, else the GPU's most measured dtype and eager."""
    gpu = hw[hw["device"] == "cuda"]
    on_gpu = state.device == "cuda"
    gd = state.dtype if on_gpu else (str(gpu["dtype"].mode().iloc[0]) if len(gpu) else "bf16")
    gm = state.mode if on_gpu else "eager"

    def p50(**cfg) -> pd.Series:
        m = np.ones(len(hw), bool)
        for k, v in cfg.items():
            m &= (hw[k] == v).to_numpy()
        return hw[m].groupby("model")["lat_p50_ms"].min()

    def ratio(a: pd.Series, b: pd.Series, scale: float = 1.0) -> pd.Series:
        both = a.index.intersection(b.index)
        return (scale * a[both] / b[both]).rename("ratio (x)")

    return [
        (f"CPU fp32 / GPU {gd} {gm} latency, batch 1",
         ratio(p50(device="cpu", batch_size=1, dtype="fp32"), p50(device="cuda", batch_size=1, dtype=gd, mode=gm))),
        (f"GPU eager / cuda_graph latency, batch {state.batch}, {gd}",
         ratio(p50(device="cuda", batch_size=state.batch, dtype=gd, mode="eager"),
               p50(device="cuda", batch_size=state.batch, dtype=gd, mode="cuda_graph"))),
        (f"GPU throughput gain, batch 256 vs 1, {gd} {gm} = 256 x p50(b1) / p50(b256)",
         ratio(p50(device="cuda", batch_size=1, dtype=gd, mode=gm),
               p50(device="cuda", batch_size=256, dtype=gd, mode=gm), scale=256.0)),
    ]


def hardware_configs(results: pd.DataFrame) -> pd.DataFrame:
    """Every measured (device, device_name, batch, dtype, mode) with its number of models."""
    rows = _good(results)
    rows = rows[rows["kind"] == "latency"]
    if rows.empty:
        return pd.DataFrame(columns=["device", "device_name", "batch_size", "dtype", "mode", "models"])
    return (rows.groupby(["device", "device_name", "batch_size", "dtype", "mode"], dropna=False)["model"]
            .nunique().reset_index(name="models"))


def accuracy_options(accuracy: pd.DataFrame, models=None) -> list[tuple[str, str]]:
    """(dataset, metric) pairs, most models first; restricted to ``models`` when given."""
    acc = accuracy if models is None else accuracy[accuracy["model"].isin(models)]
    if acc.empty:
        return []
    counts = acc.groupby(["dataset", "metric"])["model"].nunique().reset_index(name="n")
    counts = counts.sort_values(["n", "dataset", "metric"], ascending=[False, True, True])
    return list(zip(counts["dataset"], counts["metric"]))


def accuracy_values(accuracy: pd.DataFrame, dataset: str, metric: str) -> tuple[pd.DataFrame, bool]:
    """``(frame model -> acc, acc_img_size, acc_source)`` for one metric, and higher_is_better."""
    sub = accuracy[(accuracy["dataset"] == dataset) & (accuracy["metric"] == metric)]
    hib = True
    if len(sub) and "higher_is_better" in sub:
        hib = bool(sub["higher_is_better"].fillna(True).astype(bool).mode().iloc[0])
    sub = sub.sort_values("value", ascending=not hib).drop_duplicates("model")
    out = pd.DataFrame({"model": sub["model"], "acc": pd.to_numeric(sub["value"], errors="coerce"),
                        "acc_img_size": sub.get("img_size"), "acc_source": sub.get("source")})
    return out.reset_index(drop=True), hib


def _search_mask(df: pd.DataFrame, text: str) -> pd.Series:
    text = text.strip().lower()
    if not text:
        return pd.Series(True, index=df.index)
    hay = df["model"].astype(str).str.lower()
    arch = df["arch"].fillna("").astype(str).str.lower()
    if any(c in text for c in "*?["):
        return hay.map(lambda s: fnmatch.fnmatchcase(s, text)) | arch.map(lambda s: fnmatch.fnmatchcase(s, text))
    return hay.str.contains(text, regex=False) | arch.str.contains(text, regex=False)


# --------------------------------------------------------------------------- the Pareto view

@dataclass
class View:
    """Everything the Pareto page and the figure need for one :class:`ViewState`."""
    state: ViewState
    points: pd.DataFrame                 # filtered points: model ..., x, y, on_front
    front: pd.DataFrame                  # the front, cost ascending
    x_label: str
    y_label: str
    higher_is_better: bool
    device_name: str | None
    notes: list[tuple[str, str]] = field(default_factory=list)   # (level "info"|"warning", text)
    n_candidates: int = 0                # models of the task before the user's filters

    @property
    def caption(self) -> str:
        s = self.state
        parts = ["GMACs count 1 multiply-add as 1 (timm/torchvision 'FLOPs'); GFLOPs = 2 x GMACs",
                 f"accuracy: {self.y_label} as published"]
        if X_METRICS[s.x].needs_hw or "lat_p50_ms" in self.points and self.points["lat_p50_ms"].notna().any():
            parts.append(f"latency: {hw_text(s, self.device_name)}, p50 of timed calls")
        parts.append(f"{len(self.points)} models, {len(self.front)} on the front")
        return "; ".join(parts)


# ViewState fields that build_view and the figure never read (navigation, the picked models,
# the latency budget): a cache keyed on the state drops them, so changing them reuses the view
NOT_IN_VIEW = ("page", "selection", "budget_ms")


def view_key(state: ViewState) -> ViewState:
    """``state`` with the fields the view does not depend on reset: the memo key for views."""
    return replace(state, **{f: getattr(DEFAULT, f) for f in NOT_IN_VIEW})


def build_view(results: pd.DataFrame, accuracy: pd.DataFrame, state: ViewState) -> View:
    """Join results and accuracy for ``state``, apply its filters and compute the front."""
    xm = X_METRICS[state.x]
    notes: list[tuple[str, str]] = []
    counts = count_table(results)
    if state.task != ALL:
        counts = counts[counts["task"] == state.task]
    lat = latency_table(results, state.device, state.batch, state.dtype, state.mode)
    device_name = None
    if len(lat):
        device_name = str(lat["device_name"].dropna().mode().iloc[0]) if lat["device_name"].notna().any() else None
        threads = pd.to_numeric(lat.get("num_threads"), errors="coerce").dropna() if "num_threads" in lat else None
        if state.device == "cpu" and device_name and threads is not None and len(threads):
            # CPU latency depends on the thread count as much as on the chip: name it
            n = int(threads.mode().iloc[0])
            device_name += f" ({n} thread{'s' if n != 1 else ''})"
    base = counts.merge(lat[LAT_KEEP].drop(columns=["device_name"]), on="model", how="left")
    acc, hib = accuracy_values(accuracy, state.y_dataset, state.y_metric)
    yl = y_label(state.y_dataset, state.y_metric, hib)
    n_task = len(base)
    if counts.empty:
        notes.append(("warning", "The results cache has no models for task "
                      f"'{state.task}'. Compute some with `python -m efficiency.refresh --task {state.task}`."))
    if acc.empty:
        notes.append(("warning", f"No published accuracy for {state.y_dataset} {state.y_metric}. "
                      "Pick another dataset/metric in the sidebar, or rebuild the table with "
                      "`python -m efficiency.reference.accuracy_build`."))
    pts = base.merge(acc, on="model", how="inner")
    n_no_acc = n_task - len(pts)
    if n_no_acc and not acc.empty:
        notes.append(("info", f"{n_no_acc} of {n_task} models have no {state.y_dataset} {state.y_metric} "
                      "and are not plotted."))
    if xm.needs_hw:
        have = pts["lat_p50_ms"].notna()
        if not have.any() and len(pts):
            notes.append(("warning", f"No latency rows for {hw_text(state)}. Measure them with "
                          f"`{refresh_command(state=state)}`, or pick a measured configuration in the sidebar."))
        elif (~have).sum():
            notes.append(("info", f"{int((~have).sum())} models have no latency for {hw_text(state)} "
                          f"and are not plotted (`{refresh_command(state=state)}` measures them)."))
    pts = pts.copy()
    pts["x"] = pts[X_COLUMN[state.x]].astype(float)
    pts["y"] = pts["acc"].astype(float)
    n_candidates = int((pts["x"].notna() & pts["y"].notna()).sum())
    # the user's filters
    keep = pts["x"].notna() & pts["y"].notna()
    if state.sources:
        keep &= pts["source"].isin(state.sources)
    if state.families:
        keep &= pts["family"].isin(state.families)
    if state.seed_only:
        keep &= pts["paper"].fillna("").astype(str) != ""
    keep &= _search_mask(pts, state.search)
    if state.acc_min is not None:
        keep &= pts["y"] >= state.acc_min
    if state.acc_max is not None:
        keep &= pts["y"] <= state.acc_max
    if state.cost_min is not None:
        keep &= pts["x"] >= state.cost_min
    if state.cost_max is not None:
        keep &= pts["x"] <= state.cost_max
    if state.log_x:
        keep &= pts["x"] > 0
    if state.log_y:
        keep &= pts["y"] > 0
    pts = pts[keep].reset_index(drop=True)
    if n_candidates and pts.empty:
        notes.append(("warning", "The filters leave no model. Widen them in the sidebar."))
    score = pts["y"].to_numpy() if hib else -pts["y"].to_numpy()
    pts["on_front"] = pareto_mask(pts["x"].to_numpy(), score) if len(pts) else np.zeros(0, bool)
    front = pts[pts["on_front"]].sort_values(["x", "y"], ascending=[True, not hib], kind="stable")
    return View(state=state, points=pts, front=front.reset_index(drop=True), x_label=x_label(state, device_name),
                y_label=yl, higher_is_better=hib, device_name=device_name, notes=notes,
                n_candidates=n_candidates)


def budget_query(points: pd.DataFrame, budget_ms: float, k: int = 5, higher_is_better: bool = True,
                 column: str = "lat_p50_ms") -> tuple[pd.Series | None, pd.DataFrame]:
    """Best accuracy among points with ``column <= budget_ms``, and the next ``k`` runners-up.

    Ties on accuracy go to the faster model.
    """
    ok = points[pd.to_numeric(points[column], errors="coerce") <= budget_ms]
    if ok.empty:
        return None, ok
    ranked = ok.sort_values(["y", column], ascending=[not higher_is_better, True], kind="stable")
    return ranked.iloc[0], ranked.iloc[1:k + 1]


# --------------------------------------------------------------------------- paper claims

CLAIM_COLUMNS = ["x", "y", "label", "paper", "quote", "claimed_compute", "compute_unit", "compute_convention",
                 "model", "measured_x", "derived", "accuracy_derived", "flags"]


def claims_overlay(cvm: pd.DataFrame | None, state: ViewState) -> pd.DataFrame:
    """Paper claims at their convention-corrected position on the view's axes.

    ``cvm`` is :func:`efficiency.reference.claims.claimed_vs_measured` output: ``claimed_macs`` already
    applies the paper's convention (MACs called FLOPs, true FLOPs = 2 x MACs, or a factor of
    a measured baseline). Only compute axes (GMACs, GFLOPs) can show claims; a ``*_delta``
    accuracy claim appears on its base metric with the baseline's accuracy added.
    """
    if cvm is None or cvm.empty or state.x not in ("gmacs", "gflops"):
        return pd.DataFrame(columns=CLAIM_COLUMNS)
    base_metric = cvm["metric"].astype(str).str.replace(r"_delta$", "", regex=True)
    sub = cvm[(cvm["dataset"].astype(str) == state.y_dataset) & (base_metric == state.y_metric)]
    macs = pd.to_numeric(sub["claimed_macs"], errors="coerce").astype(float)
    acc = pd.to_numeric(sub["claimed_accuracy"], errors="coerce").astype(float)
    ok = macs.notna() & acc.notna() & (macs > 0)
    sub, macs, acc = sub[ok], macs[ok], acc[ok]
    scale = 1e9 if state.x == "gmacs" else 0.5e9
    measured = pd.to_numeric(sub["measured_macs"], errors="coerce").astype(float) / scale
    return pd.DataFrame({
        "x": macs / scale, "y": acc, "label": sub["claim_model"].astype(str), "paper": sub["paper_title"].astype(str),
        "quote": sub["quote"].fillna("").astype(str), "claimed_compute": sub["claimed_compute"],
        "compute_unit": sub["compute_unit"].astype(str), "compute_convention": sub["compute_convention"].astype(str),
        "model": sub["model"].astype(str), "measured_x": measured, "derived": sub["derived"],
        "accuracy_derived": sub["accuracy_derived"], "flags": sub["flags"].fillna("").astype(str),
    }, columns=CLAIM_COLUMNS).reset_index(drop=True)


def claims_for_model(cvm: pd.DataFrame | None, model: str, arch: str) -> pd.DataFrame:
    """Rows of ``claimed_vs_measured`` output about ``model`` (or, failing that, its ``arch``)."""
    if cvm is None or cvm.empty:
        return pd.DataFrame(columns=[] if cvm is None else cvm.columns)
    hit = cvm[cvm["model"].astype(str) == model]
    return hit if len(hit) else cvm[cvm["zoo_arch"].astype(str) == arch]


# --------------------------------------------------------------------------- model detail / compare

def _json(text) -> dict:
    if isinstance(text, dict):
        return text
    try:
        out = json.loads(text) if isinstance(text, str) and text else {}
    except json.JSONDecodeError:
        return {}
    return out if isinstance(out, dict) else {}


def resolve_model(results: pd.DataFrame, name: str) -> str | None:
    """A model id from an id, an arch, or a unique substring; None if nothing matches."""
    ids = results["model"].dropna().astype(str).unique()
    if name in ids:
        return name
    by_arch = sorted(set(results.loc[results["arch"] == name, "model"]))
    if by_arch:
        return by_arch[0]
    hits = [m for m in ids if name.lower() in m.lower()]
    return sorted(hits)[0] if len(hits) >= 1 else None


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


def model_latencies(results: pd.DataFrame, model: str) -> pd.DataFrame:
    """Every good latency row of ``model`` with the derived columns, one per configuration."""
    rows = _good(results)
    rows = rows[(rows["model"] == model) & (rows["kind"] == "latency")]
    rows = _latency_derived(rows)
    if rows.empty:
        return rows
    macs = pd.to_numeric(rows["macs"], errors="coerce").astype(float)
    batch = pd.to_numeric(rows["batch_size"], errors="coerce").astype(float)
    rows["achieved_tflops"] = 2 * macs * batch / (rows["lat_p50_ms"] / 1e3) / 1e12
    return rows.sort_values(["device", "batch_size", "dtype", "mode"]).reset_index(drop=True)


def peak_tflops(device_name, dtype: str) -> float | None:
    """The datasheet dense peak (TFLOP/s) of a known GPU for ``dtype``, else None."""
    name = str(device_name or "")
    for key, peaks in PEAK_TFLOPS.items():
        if key.lower() in name.lower():
            return peaks.get(dtype)
    return None


def compare_table(results: pd.DataFrame, accuracy: pd.DataFrame, models: list[str],
                  state: ViewState) -> pd.DataFrame:
    """One row per model: compute, params, accuracy of the view's metric, latency at the view's hardware."""
    counts = count_table(results)
    counts = counts[counts["model"].isin(models)]
    lat = latency_table(results, state.device, state.batch, state.dtype, state.mode)
    acc, _ = accuracy_values(accuracy, state.y_dataset, state.y_metric)
    df = counts.merge(lat[LAT_KEEP], on="model", how="left").merge(acc, on="model", how="left")
    order = {m: i for i, m in enumerate(models)}
    df = df.sort_values("model", key=lambda s: s.map(order)).reset_index(drop=True)
    return df[["model", "arch", "family", "source", "gmacs", "gflops", "params_m", "acc", "lat_p50_ms",
               "lat_p90_ms", "throughput_sps", "mem_mib"]]


def hardware_table(results: pd.DataFrame, models: list[str] | None = None) -> pd.DataFrame:
    """All good latency rows (optionally of ``models``) with achieved TFLOP/s and % of peak.

    achieved TFLOP/s = 2 * MACs * batch / p50 latency (true FLOPs); the peak is the device's
    datasheet dense number for the dtype (unknown for CPUs: NaN).
    """
    rows = _good(results)
    rows = rows[rows["kind"] == "latency"]
    if models:
        rows = rows[rows["model"].isin(models)]
    rows = _latency_derived(rows)
    if rows.empty:
        return rows.assign(achieved_tflops=[], peak_tflops=[], pct_of_peak=[], config=[])
    macs = pd.to_numeric(rows["macs"], errors="coerce").astype(float)
    batch = pd.to_numeric(rows["batch_size"], errors="coerce").astype(float)
    rows["gmacs"] = macs / 1e9
    rows["achieved_tflops"] = 2 * macs * batch / (rows["lat_p50_ms"] / 1e3) / 1e12
    rows["peak_tflops"] = [peak_tflops(n, d) for n, d in zip(rows["device_name"], rows["dtype"])]
    rows["peak_tflops"] = rows["peak_tflops"].astype(float)
    rows["pct_of_peak"] = 100 * rows["achieved_tflops"] / rows["peak_tflops"]
    rows["config"] = (rows["device"].astype(str) + " b" + rows["batch_size"].astype(str) + " "
                      + rows["dtype"].astype(str) + " " + rows["mode"].astype(str))
    return rows.reset_index(drop=True)


def freshness(results: pd.DataFrame) -> pd.DataFrame:
    """Per (kind, device): rows, models, errors, oldest and newest ``measured_at``."""
    if results.empty:
        return pd.DataFrame(columns=["kind", "device", "rows", "models", "errors", "oldest", "newest"])
    err = results["error"].fillna("").astype(str) != ""
    df = results.assign(_err=err)
    g = df.groupby(["kind", "device"], dropna=False)
    return pd.DataFrame({"rows": g.size(), "models": g["model"].nunique(), "errors": g["_err"].sum(),
                         "oldest": g["measured_at"].min(), "newest": g["measured_at"].max()}).reset_index()
