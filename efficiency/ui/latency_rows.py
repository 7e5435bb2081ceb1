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
from efficiency.ui.machines import short_names
from efficiency.ui.models_table import round_column
from efficiency.ui.tables import MEMORY_HEADER, latency_derived, stability

# the untimed calls before the timed ones (schema.LATENCY_COLUMNS): fewer than asked where the warm-up alone
# reached --max-time; rows measured before schema 4 did not record them, and the cell is blank
WARMUP_HEADER = "warm-up calls (blank: not recorded)"

# p50 and throughput before channels_last: the numbers a reader came for within the first columns
LATENCY_DISPLAY = {
    "hardware_name": "machine", "device": "device", "batch_size": "batch", "dtype": "dtype", "mode": "mode",
    "lat_p50_ms": "p50 (ms/batch)", "throughput_sps": "throughput (samples/s)", "channels_last": "channels_last",
    "lat_p90_ms": "p90 (ms/batch; blank under 10 timed calls)",
    "lat_p99_ms": "p99 (ms/batch; blank under 10 timed calls)",
    "achieved_tflops": "achieved TFLOP/s (2·MACs·batch/p50)",
    "mem_gpu_mib": f"GPU: {MEMORY_HEADER['cuda']}", "mem_cpu_mib": f"CPU: {MEMORY_HEADER['cpu']}",
    "energy_j_per_sample": "energy (J/sample, NVML)", "power_w_avg": "power (W, average)",
    "n_samples": "timed calls", "warmup_calls": WARMUP_HEADER,
    "stability": "stability (noisy / stable / not assessed)",
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


# the stacked phone table's labels: short, each with its unit (the desktop table's headers say the rest)
PHONE_LABELS = {
    "lat_p50_ms": "p50 (ms)", "throughput_sps": "samples/s", "lat_p90_ms": "p90 (ms)", "lat_p99_ms": "p99 (ms)",
    "achieved_tflops": "TFLOP/s", "mem_gpu_mib": "GPU peak (MiB)", "mem_cpu_mib": "CPU RSS growth (MiB)",
    "energy_j_per_sample": "J/sample", "power_w_avg": "power (W)", "n_samples": "timed calls",
    "warmup_calls": "warm-up calls", "lat_iqr_pct": "IQR (% p50)", "stability": "stability",
    "measured_at": "measured at (UTC)"}


def phone_latency(lat: pd.DataFrame, headline=None) -> pd.DataFrame:
    """:func:`latency_display`'s rows for a phone (``html_table(phone=True)``, which stacks each row):
    the configuration in words first (the machine's short name, as other pages give it), the line above the row's numbers, then p50 and throughput first;
    columns empty in every row left out (a GPU-only model has no CPU memory). At 390 px the grid had shown
    the machine column alone, p50 behind a sideways swipe (UXCHECK5 #9)."""
    shown = latency_display(lat).set_axis(list(LATENCY_DISPLAY), axis=1)
    ticked = pd.Series(lat.index == headline, index=lat.index) if headline is not None else \
        pd.Series(False, index=lat.index)
    config = [f"{name} · {r.device} b{r.batch_size} {r.dtype} {str(r.mode).replace('_', ' ')}"
              + (" · channels last" if r.channels_last is True else "") + (" (headline)" if tick else "")
              for r, name, tick in zip(shown.itertuples(index=False), short_names(lat), ticked)]
    # float: html_table's cell is blank for NaN, where pandas' missing integer would read "<NA>"
    out = shown[list(PHONE_LABELS)].assign(warmup_calls=pd.to_numeric(shown["warmup_calls"], errors="coerce")
                                           .astype("float64"))
    out = out.loc[:, [c for c in out.columns if out[c].notna().any() and (out[c].astype(str) != "").any()]]
    out.insert(0, "configuration", config)
    return out.rename(columns=PHONE_LABELS).reset_index(drop=True)
