"""The Model detail and Compare pages' tables (no torch, no Streamlit): finding a model by name,
its MACs per operator and coverage, its latency in every measured configuration, and several
models side by side."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from efficiency.store.query import good_rows
from efficiency.ui.configs import HwConfig, available, config_of, coverage, widest
from efficiency.ui.explorer import is_test_network
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
                  state: ViewState, columns: list[str] | None = None) -> pd.DataFrame:
    """One row per model: compute, params, accuracy of the view's metric, latency at the view's
    hardware (``columns``: which, :data:`COMPARE_COLUMNS` by default; language models have theirs)."""
    counts = count_table(results)
    counts = counts[counts["model"].isin(models)]
    lat = latency_table(results, state.device, state.batch, state.dtype, state.mode)
    acc, _ = accuracy_values(accuracy, state.y_dataset, state.y_metric)
    df = counts.merge(lat[LAT_KEEP], on="model", how="left").merge(acc, on="model", how="left")
    order = {m: i for i, m in enumerate(models)}
    df = df.sort_values("model", key=lambda s: s.map(order)).reset_index(drop=True)
    return df.reindex(columns=columns or COMPARE_COLUMNS)


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
