"""Model detail's table of one model's latency rows (no torch, no Streamlit): every good row of every
configuration and machine, with the derived columns, achieved TFLOP/s and each figure under a header
that names what it is.

Memory is two columns because a row's memory figure is a different quantity on each device
(:data:`efficiency.ui.tables.MEMORY_HEADER`): a GPU's CUDA peak allocated bytes, a CPU's RSS growth, a
lower bound that reads 0 for most models. p90 and p99 are blank under
:data:`~efficiency.ui.tables.MIN_SAMPLES_TAIL` timed calls; the stability column says "noisy",
"stable" or "not assessed" (:func:`~efficiency.ui.tables.stability`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from efficiency.store.query import good_rows
from efficiency.ui.hardware import achieved_tflops
from efficiency.ui.models_table import round_column
from efficiency.ui.tables import MEMORY_HEADER, latency_derived, stability

LATENCY_DISPLAY = {
    "hardware_name": "machine", "device": "device", "batch_size": "batch", "dtype": "dtype", "mode": "mode",
    "channels_last": "channels_last", "lat_p50_ms": "p50 (ms/batch)",
    "lat_p90_ms": "p90 (ms/batch; blank under 10 timed calls)",
    "lat_p99_ms": "p99 (ms/batch; blank under 10 timed calls)",
    "throughput_sps": "throughput (samples/s)", "achieved_tflops": "achieved TFLOP/s (2·MACs·batch/p50)",
    "mem_gpu_mib": f"GPU: {MEMORY_HEADER['cuda']}", "mem_cpu_mib": f"CPU: {MEMORY_HEADER['cpu']}",
    "energy_j_per_sample": "energy (J/sample, NVML)", "power_w_avg": "power (W, average)",
    "n_samples": "timed calls", "stability": "stability (noisy / stable / not assessed)",
    "lat_iqr_pct": "IQR (% of p50)", "measured_at": "measured at (UTC)"}
ROUNDED = ("lat_p50_ms", "lat_p90_ms", "lat_p99_ms", "throughput_sps", "achieved_tflops", "mem_gpu_mib", "mem_cpu_mib",
           "energy_j_per_sample", "power_w_avg", "lat_iqr_pct")


def model_latencies(results: pd.DataFrame, model: str) -> pd.DataFrame:
    """Every good latency row of ``model`` with the derived columns and achieved TFLOP/s, one per
    configuration."""
    rows = good_rows(results)
    rows = rows[(rows["model"] == model) & (rows["kind"] == "latency")]
    rows = latency_derived(rows)
    if rows.empty:
        return rows
    rows["achieved_tflops"] = achieved_tflops(rows)
    return rows.sort_values(["device", "batch_size", "dtype", "mode"]).reset_index(drop=True)


def latency_display(lat: pd.DataFrame, headline=None) -> pd.DataFrame:
    """:func:`model_latencies` as the detail page shows it: the machine by name first, numbers to
    three significant digits, headers with units, memory in its device's column; ``headline``: the
    index of the row the headline shows (``headline_row`` of efficiency.ui.detail), ticked in a first
    column (none when no row is)."""
    mem = pd.to_numeric(lat["mem_mib"], errors="coerce") if "mem_mib" in lat else pd.Series(np.nan, index=lat.index)
    cpu = lat["device"].astype(str) == "cpu" if "device" in lat else pd.Series(False, index=lat.index)
    out = lat.assign(mem_gpu_mib=mem.where(~cpu), mem_cpu_mib=mem.where(cpu), stability=stability(lat))
    out = out.reindex(columns=list(LATENCY_DISPLAY)).copy()
    for col in ROUNDED:
        out[col] = round_column(pd.to_numeric(out[col], errors="coerce"))
    if headline is not None:
        out.insert(0, "headline", out.index == headline)
    return out.rename(columns=LATENCY_DISPLAY)
