"""The per-model tables every view starts from (no torch, no Streamlit): counts, latency per
hardware configuration with its derived columns, accuracy per metric, and what the caches hold.

Only rows without an error enter a view (:func:`efficiency.store.query.good_rows`). When several
latency rows match one hardware configuration for a model (channels-last on and off, say), the
table keeps the fastest p50 and says which in ``channels_last``. Units: see :mod:`efficiency.ui.axes`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from efficiency.reference.accuracy import metrics_available

from efficiency.store.query import good_rows

MIB = 2 ** 20

# the latency columns a view joins onto the count table
LAT_KEEP = ["model", "device_name", "channels_last", "lat_p50_ms", "lat_p90_ms", "throughput_sps",
            "ms_per_sample", "mem_mib", "noisy"]


def count_table(results: pd.DataFrame) -> pd.DataFrame:
    """One good count row per model (the newest), with gmacs / gflops / params_m added."""
    rows = good_rows(results)
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
    rows = good_rows(results)
    rows = rows[(rows["kind"] == "latency") & (rows["device"] == device) & (rows["dtype"] == dtype)
                & (rows["mode"] == mode)]
    rows = rows[pd.to_numeric(rows["batch_size"], errors="coerce") == batch]
    rows = rows.sort_values("latency_ms_p50", kind="stable").drop_duplicates("model", keep="first").copy()
    return latency_derived(rows)


def latency_derived(rows: pd.DataFrame) -> pd.DataFrame:
    """A copy of latency ``rows`` with lat_p50_ms, lat_p90_ms, throughput_sps (batch / p50 when the
    row has none), ms_per_sample and mem_mib (CUDA max allocated, else CPU RSS growth) added."""
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


def accuracy_options(accuracy: pd.DataFrame, models=None) -> list[tuple[str, str]]:
    """(dataset, metric) pairs, most models first; restricted to ``models`` when given."""
    acc = accuracy if models is None else accuracy[accuracy["model"].isin(models)]
    return [] if acc.empty else metrics_available(acc)


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


def freshness(results: pd.DataFrame) -> pd.DataFrame:
    """Per (kind, device): rows, models, errors, oldest and newest ``measured_at``."""
    if results.empty:
        return pd.DataFrame(columns=["kind", "device", "rows", "models", "errors", "oldest", "newest"])
    err = results["error"].fillna("").astype(str) != ""
    df = results.assign(_err=err)
    g = df.groupby(["kind", "device"], dropna=False)
    return pd.DataFrame({"rows": g.size(), "models": g["model"].nunique(), "errors": g["_err"].sum(),
                         "oldest": g["measured_at"].min(), "newest": g["measured_at"].max()}).reset_index()
