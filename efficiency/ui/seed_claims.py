"""Seed architectures at their papers' claimed accuracy (no torch, no Streamlit).

The seed source (``seed/<paper>.<variant>@<size>``) is our own implementation of a paper's model:
we count it and time it, but nobody published an accuracy for *our* weights (we have none). What a
reader can compare is the paper's claim: its headline metric (``paper_top1`` / ``paper_metric`` of
``data/seed/<paper>.csv``) at the compute and latency we measured. The explorer draws these as a
marker of their own, "paper's claimed accuracy, our measured compute", and never lets them into the
Pareto front, which is computed from reference-table accuracy only (a claim is not a measurement of
the same kind); :func:`beyond_front` says, per claim, whether it would sit beyond that front.

:func:`claimed_accuracy` reads the tables through :mod:`efficiency.reference.seed_tables` (the zoo's
torch-free reader of the same files, and the id rule of ``efficiency.zoo.ids.seed_id``);
:func:`for_metric` keeps the claims in the view's accuracy metric, shaped like
:func:`efficiency.ui.tables.accuracy_values` so the explorer joins them like reference accuracy.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from efficiency.reference import seed_tables

# the tables' paper_metric -> the (dataset, metric) of the accuracy selector it is comparable with:
# ImageNet-1k top-1, and COCO val2017 box mAP@[.5:.95] (what torchvision's box_map reports). Other
# metrics (VSViG's seizure-detection error) have no reference table to sit beside, so no point.
SEED_METRICS = {"top1": ("imagenet-1k", "top1"), "map50_95": ("coco-val2017", "box_map")}
CLAIMED_COLUMNS = ["model", "paper", "variant", "dataset", "metric", "claimed", "paper_metric", "source_url",
                   "table"]
LEGEND = "paper's claimed accuracy, our measured compute"


def claimed_accuracy(folder: str | Path | None = None) -> pd.DataFrame:
    """One row per seed variant whose table gives a claim in a metric of :data:`SEED_METRICS`:
    the zoo id, paper title, variant, the selector's dataset and metric, the claimed value (as
    printed, percent), the paper's metric name, and the address and table it was read at."""
    folder = seed_tables.TABLES if folder is None else Path(folder)
    rows = []
    for path in seed_tables.table_paths(folder):
        for r in seed_tables.read_table(path):
            mapped = SEED_METRICS.get(r["paper_metric"])
            if not r["paper_top1"] or mapped is None:
                continue
            rows.append({"model": seed_tables.model_id(path.stem, r),
                         "paper": r["paper_title"], "variant": r["variant"], "dataset": mapped[0],
                         "metric": mapped[1], "claimed": float(r["paper_top1"]), "paper_metric": r["paper_metric"],
                         "source_url": r["source_url"], "table": r["table"]})
    return pd.DataFrame(rows, columns=CLAIMED_COLUMNS)


def for_metric(claimed: pd.DataFrame, dataset: str, metric: str) -> pd.DataFrame:
    """The claims in ``dataset`` / ``metric`` as ``model -> acc`` (plus where each was read), the
    shape of :func:`efficiency.ui.tables.accuracy_values`' frame."""
    sub = claimed[(claimed["dataset"] == dataset) & (claimed["metric"] == metric)]
    return pd.DataFrame({"model": sub["model"].astype(str), "acc": sub["claimed"].astype(float),
                         "acc_img_size": pd.NA, "acc_source": "paper claim: " + sub["source_url"].astype(str),
                         "claim_table": sub["table"].astype(str), "claim_url": sub["source_url"].astype(str)}
                        ).reset_index(drop=True)


def beyond_front(claims: pd.DataFrame, reference: pd.DataFrame, higher_is_better: bool = True,
                 benefit: bool = False) -> pd.Series:
    """Per claim, True when no reference point dominates it (it would extend the reference front if
    the claim were a measurement). ``claims`` and ``reference`` hold ``x`` and ``y``; x is a cost
    unless ``benefit``, y is better higher unless not ``higher_is_better``."""
    if claims.empty:
        return pd.Series(dtype=bool, index=claims.index)
    sx, sy = (-1.0 if benefit else 1.0), (1.0 if higher_is_better else -1.0)
    rc = sx * reference["x"].to_numpy(dtype=float)[None, :]
    ra = sy * reference["y"].to_numpy(dtype=float)[None, :]
    cc = sx * claims["x"].to_numpy(dtype=float)[:, None]
    ca = sy * claims["y"].to_numpy(dtype=float)[:, None]
    dominated = ((rc <= cc) & (ra >= ca) & ((rc < cc) | (ra > ca))).any(axis=1) if len(reference) else \
        np.zeros(len(claims), dtype=bool)
    return pd.Series(~dominated, index=claims.index)
