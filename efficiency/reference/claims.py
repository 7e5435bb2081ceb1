"""Seed-paper claims against our measured MACs and the reference accuracy table (no torch import).

:func:`claimed_vs_measured` compares every claim that names a zoo architecture (``status ==
"mapped"`` and ``zoo_arch`` set) with the ``kind == "count"`` rows of the results cache.

Claimed compute is converted to MACs (multiply-accumulates, the package convention):

* ``macs_called_flops``: the number as written, scaled by its unit (M, G, ...);
* ``true_flops``: the number / 2;
* ``relative_to_baseline`` with ``relative_factor`` and ``baseline_arch``: ``relative_factor`` x our
  measured MACs of the baseline model; such points are marked ``derived = True``;
* anything else (latency, throughput, no figure): no claimed MACs (NaN).

Claimed accuracy is ``value`` for ``top1``/``top5`` claims; a ``top1_delta``/``top5_delta`` claim with a
``baseline_arch`` becomes the baseline's reference accuracy + delta (``accuracy_derived = True``).

Which zoo model stands for a claim: the pinned ``zoo_model`` (``baseline_model``) if the results have
it, else the results' model of that architecture evaluated at 224 px, else the one whose size is
closest to 224 (ties: smallest model id). The same rule picks baseline models.

Flags (``;``-separated): ``macs_gt10pct_apart`` when claimed and measured MACs differ by more than 10 %;
``convention_mismatch`` when they do but the other convention (x2 or /2) would be within 10 %;
``accuracy_gt1pt_apart`` when claimed and reference accuracy differ by more than one point;
``no_measurement`` when the results have no count row for the architecture.
"""
from __future__ import annotations

import math
import re

import pandas as pd

from efficiency.reference.accuracy import lookup
from efficiency.store.query import good_rows

MACS_TOLERANCE = 0.10      # relative
ACCURACY_TOLERANCE = 1.0   # percentage points

OUTPUT_COLUMNS = [
    "paper_title", "claim_model", "zoo_arch", "model", "dataset", "metric", "compute_convention",
    "claimed_compute", "compute_unit", "claimed_macs", "measured_macs", "macs_ratio", "derived",
    "baseline_model", "claimed_accuracy", "reference_accuracy", "accuracy_diff", "accuracy_derived",
    "flags", "quote",
]

_SCALES = {"k": 1e3, "m": 1e6, "million": 1e6, "g": 1e9, "b": 1e9, "billion": 1e9, "t": 1e12}


def unit_scale(unit: str) -> float | None:
    """Multiplier of a compute unit as written: "M FLOPs" -> 1e6, "FLOP(G)" -> 1e9, "FLOPs" -> 1."""
    text = unit.strip()
    m = re.match(r"^(k|m|million|g|b|billion|t)\b", text, flags=re.IGNORECASE)
    if m:
        return _SCALES[m.group(1).lower()]
    m = re.search(r"\((k|m|g|t)\)", text, flags=re.IGNORECASE)
    if m:
        return _SCALES[m.group(1).lower()]
    if re.match(r"^(g|m|t)?flops?\b", text, flags=re.IGNORECASE):
        return 1e9 if text[:1] in "gG" else 1e6 if text[:1] in "mM" else 1e12 if text[:1] in "tT" else 1.0
    return None


def _size_of(model: str) -> int | None:
    m = re.search(r"@(\d+)$", model)
    return int(m.group(1)) if m else None


def pick_model(counts: pd.DataFrame, arch: str, pinned: str = "") -> str:
    """The zoo model standing for ``arch`` in ``counts`` (see module docstring), or ""."""
    if pinned and (counts["model"] == pinned).any():
        return pinned
    cands = sorted(counts.loc[counts["arch"] == arch, "model"].unique())
    if not cands:
        return ""
    return min(cands, key=lambda m: (abs((_size_of(m) or 224) - 224), m))


def _reference(accuracy: pd.DataFrame, model: str, dataset: str, metric: str) -> float:
    value = lookup(accuracy, model, dataset, metric)
    return math.nan if value is None else value   # NaN propagates through the accuracy arithmetic


def _claimed_macs(row, counts_macs: dict[str, float], baseline_model: str) -> tuple[float, bool]:
    conv = row["compute_convention"]
    value = row["compute_value"]
    if conv in ("macs_called_flops", "true_flops") and not pd.isna(value):
        scale = unit_scale(row["compute_unit"])
        if scale is None:
            return math.nan, False
        macs = value * scale
        return (macs / 2 if conv == "true_flops" else macs), False
    if conv == "relative_to_baseline" and not pd.isna(row["relative_factor"]) and baseline_model:
        base = counts_macs.get(baseline_model, math.nan)
        return row["relative_factor"] * base, True
    return math.nan, False


def claimed_vs_measured(claims: pd.DataFrame, results: pd.DataFrame,
                        accuracy: pd.DataFrame) -> pd.DataFrame:
    """One row per mapped claim: claimed vs measured MACs and claimed vs reference accuracy.

    ``claims``: :func:`efficiency.reference.papers.load_claims`; ``results``: the results cache (columns model,
    arch, macs, kind; rows with a non-empty ``error`` are ignored); ``accuracy``:
    :func:`efficiency.reference.accuracy.load_reference_accuracy`. Columns: :data:`OUTPUT_COLUMNS`.
    """
    counts = results
    if "kind" in counts.columns:
        counts = counts[counts["kind"] == "count"]
    counts = good_rows(counts).drop_duplicates("model")
    counts_macs = dict(zip(counts["model"], counts["macs"].astype(float)))

    rows = []
    mapped = claims[(claims["status"] == "mapped") & (claims["zoo_arch"] != "")]
    for _, c in mapped.iterrows():
        model = pick_model(counts, c["zoo_arch"], c["zoo_model"])
        base_model = pick_model(counts, c["baseline_arch"], c["baseline_model"]) if c["baseline_arch"] else ""
        measured = counts_macs.get(model, math.nan)
        claimed, derived = _claimed_macs(c, counts_macs, base_model)
        ratio = claimed / measured if measured and not math.isnan(measured) else math.nan

        metric = c["metric"]
        base_metric = metric[: -len("_delta")] if metric.endswith("_delta") else metric
        claimed_acc, acc_derived = math.nan, False
        if metric in ("top1", "top5"):
            claimed_acc = c["value"]
        elif metric in ("top1_delta", "top5_delta") and (base_model or c["baseline_model"]):
            # accuracy needs no count row: fall back to the pinned baseline id
            acc_base = base_model or c["baseline_model"]
            claimed_acc = _reference(accuracy, acc_base, c["dataset"], base_metric) + c["value"]
            acc_derived = not math.isnan(claimed_acc)
        # reference accuracy: the picked model, else the pinned id (accuracy exists without a count)
        ref_model = model or c["zoo_model"]
        reference = _reference(accuracy, ref_model, c["dataset"], base_metric) if base_metric in ("top1", "top5") else math.nan
        diff = claimed_acc - reference

        flags = []
        if not model:
            flags.append("no_measurement")
        if not math.isnan(ratio) and abs(ratio - 1) > MACS_TOLERANCE:
            flags.append("macs_gt10pct_apart")
            # read under the other convention, the claim would be claimed/2 (MACs called FLOPs
            # that were really true FLOPs) or claimed*2 (true FLOPs that were really MACs)
            other = {"macs_called_flops": ratio / 2, "true_flops": ratio * 2}.get(c["compute_convention"], math.nan)
            if not derived and abs(other - 1) <= MACS_TOLERANCE:
                flags.append("convention_mismatch")
        if not math.isnan(diff) and abs(diff) > ACCURACY_TOLERANCE:
            flags.append("accuracy_gt1pt_apart")
        rows.append({
            "paper_title": c["paper_title"], "claim_model": c["model"], "zoo_arch": c["zoo_arch"],
            "model": model, "dataset": c["dataset"], "metric": metric,
            "compute_convention": c["compute_convention"], "claimed_compute": c["compute_value"],
            "compute_unit": c["compute_unit"], "claimed_macs": claimed, "measured_macs": measured,
            "macs_ratio": ratio, "derived": derived, "baseline_model": base_model,
            "claimed_accuracy": claimed_acc, "reference_accuracy": reference, "accuracy_diff": diff,
            "accuracy_derived": acc_derived, "flags": ";".join(flags), "quote": c["quote"],
        })
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
