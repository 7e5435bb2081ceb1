"""The Model detail and Compare pages' tables (no torch, no Streamlit): finding a model by name,
its MACs per operator and coverage, its latency in every measured configuration, and several
models side by side."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from efficiency.store.query import good_rows
from efficiency.ui.hardware import achieved_tflops
from efficiency.ui.state import ViewState
from efficiency.ui.tables import LAT_KEEP, accuracy_values, count_table, latency_derived, latency_table

COMPARE_COLUMNS = ["model", "arch", "family", "source", "gmacs", "gflops", "params_m", "acc", "lat_p50_ms",
                   "lat_p90_ms", "throughput_sps", "mem_mib"]


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
    """Every good latency row of ``model`` with the derived columns and achieved TFLOP/s, one per
    configuration."""
    rows = good_rows(results)
    rows = rows[(rows["model"] == model) & (rows["kind"] == "latency")]
    rows = latency_derived(rows)
    if rows.empty:
        return rows
    rows["achieved_tflops"] = achieved_tflops(rows)
    return rows.sort_values(["device", "batch_size", "dtype", "mode"]).reset_index(drop=True)


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
    return df[COMPARE_COLUMNS]
