"""The one way into the cached data, for the UI and the scripts (no torch import).

``load_results()``: one row per (model, measurement configuration); latency rows carry
their model's count columns (``macs``, ``flops``, ``params``, ...) copied from its count
row, so either kind can be plotted against MACs. ``load_accuracy()``: reference accuracy
in long format (vision and language models), plus the accuracy users gave for their custom
models. ``good_rows()``: the rows that recorded no error (the only ones any view plots or compares).
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from efficiency.store import cache
from efficiency.store import schema


def good_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``df`` whose ``error`` is empty or missing (all rows when there is no such column)."""
    if "error" not in df.columns:
        return df
    return df[df["error"].fillna("").astype(str) == ""]


def load_results(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """All cached rows; raises cache.CacheError (naming the file) if it is unreadable."""
    df = cache.read(path)
    if df.empty:
        return df
    counts = df[df["kind"] == "count"].drop_duplicates("model", keep="last").set_index("model")
    lat = df["kind"] == "latency"
    if lat.any() and not counts.empty:
        # latency rows never hold counts of their own: copy the model's count row's
        for col in schema.COUNT_COLUMNS + schema.LLM_COUNT_COLUMNS:
            df[col] = df[col].where(~lat, df["model"].map(counts[col]))
    return df


def load_accuracy(path: str | os.PathLike | None = None, results: pd.DataFrame | None = None,
                  llm_path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Reference accuracy (efficiency.reference.accuracy), the language models' published scores
    (efficiency.reference.llm_accuracy, with their ``protocol_group`` and source columns; empty on
    the vision rows) and custom models' user-given top-1.

    ``llm_path`` defaults to ``llm_accuracy.csv`` beside the accuracy table, so a folder of
    fixtures without one has no language rows; a malformed file raises, naming file and line."""
    from efficiency.reference.accuracy import load_reference_accuracy as _load_reference
    from efficiency.reference import llm_accuracy

    ref = _load_reference(path)
    llm = Path(llm_path) if llm_path is not None else (
        Path(path).parent / llm_accuracy.FILE_NAME if path is not None else llm_accuracy.DEFAULT_PATH)
    if llm.exists():
        ref = pd.concat([ref, llm_accuracy.load_llm_accuracy(llm)], ignore_index=True)
        # "" rather than NaN on the vision rows: they have no protocol group and no source address
        ref[llm_accuracy.EXTRA_COLUMNS] = ref[llm_accuracy.EXTRA_COLUMNS].fillna("")
    if results is None:
        try:
            results = cache.read()
        except cache.CacheError:
            results = None
    if results is None or results.empty or "user_accuracy" not in results:
        return ref
    user = results[(results["source"] == "custom") & results["user_accuracy"].notna()]
    user = user.drop_duplicates("model")
    if user.empty:
        return ref
    extra = pd.DataFrame({
        "model": user["model"].astype(str).values,
        "dataset": "imagenet-1k",
        "metric": "top1",
        "value": user["user_accuracy"].astype(float).values,
        "higher_is_better": True,
        "img_size": [int(s.split("x")[-1]) for s in user["input_size"].astype(str)],
        "source": "user (--accuracy)",
    })
    out = pd.concat([ref, extra], ignore_index=True)
    extra_cols = [c for c in llm_accuracy.EXTRA_COLUMNS if c in out.columns]
    out[extra_cols] = out[extra_cols].fillna("")
    return out
