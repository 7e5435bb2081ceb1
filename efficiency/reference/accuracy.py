"""Published reference accuracy of every zoo entry (no torch import).

``data/accuracy.parquet`` is built by :mod:`efficiency.reference.accuracy_build` from timm's result CSVs and
torchvision's weight metadata. Long format: one row per (model, dataset, metric).

* ``value`` is as published: accuracies and mAP/mIoU in percent, ``epe`` in pixels, ``fl_all`` in
  percent of outlier pixels. ``higher_is_better`` is False for the error metrics.
* ``img_size`` is the evaluation crop (timm's ``img_size``, torchvision's ``crop_size``, or the
  resize size where there is no crop; empty for detection and optical flow).
* ``param_count_m``: published parameter count in millions.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from efficiency import paths

DEFAULT_PATH = paths.ACCURACY
TV_META_PATH = paths.TORCHVISION_META

ACCURACY_COLUMNS = [
    "model",             # zoo id (efficiency.zoo.ids)
    "dataset",           # "imagenet-1k", "imagenet-real", "coco-val2017", "kinetics-400", ...
    "metric",            # "top1", "top5", "box_map", "miou", "epe", ...
    "value",             # float, as published
    "higher_is_better",  # bool
    "img_size",          # Int64, evaluation size (nullable)
    "crop_pct",          # float, crop / resize (NaN where not applicable)
    "interpolation",     # "bicubic" | "bilinear" | ...
    "source",            # "timm-results-csv:<file>" | "torchvision-meta:<version>"
    "param_count_m",     # float, published params in millions
]

TV_META_COLUMNS = [
    "model", "builder", "weights", "task",
    "num_params",         # int, as published
    "published_gmacs",    # torchvision's "_ops" (GFLOPS in its docs, one multiply-add = one flop)
    "file_size_mb",       # torchvision's "_file_size"
    "crop_size", "resize_size",  # "224", "112x112", "" (strings: some are 2-D)
    "min_size",           # "HxW" minimum input size
    "min_temporal_size",  # frames (video), else 0
    "interpolation", "transform", "source",
]


class AccuracyTableError(RuntimeError):
    """The accuracy table is missing, unreadable or has the wrong columns."""


def _read(path: Path, columns: list[str], what: str) -> pd.DataFrame:
    if not path.exists():
        raise AccuracyTableError(
            f"{what} {path} is missing; build it with `python -m efficiency.reference.accuracy_build`")
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise AccuracyTableError(f"{what} {path} cannot be read ({exc}); rebuild it with "
                                 "`python -m efficiency.reference.accuracy_build`") from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AccuracyTableError(f"{what} {path} lacks columns {missing}; rebuild it with "
                                 "`python -m efficiency.reference.accuracy_build`")
    return df


def load_reference_accuracy(path: str | Path | None = None) -> pd.DataFrame:
    """Read data/accuracy.parquet (or ``path``); raises :class:`AccuracyTableError` naming the file."""
    return _read(Path(path) if path is not None else DEFAULT_PATH, ACCURACY_COLUMNS, "accuracy table")


def load_torchvision_meta(path: str | Path | None = None) -> pd.DataFrame:
    """Read data/torchvision_meta.parquet (published params/GMACs/file size per torchvision weight)."""
    return _read(Path(path) if path is not None else TV_META_PATH, TV_META_COLUMNS,
                 "torchvision meta table")


def metrics_available(df: pd.DataFrame) -> list[tuple[str, str]]:
    """(dataset, metric) pairs present in ``df``, most-populated first (ties by name)."""
    counts = df.groupby(["dataset", "metric"])["model"].nunique().reset_index(name="n")
    counts = counts.sort_values(["n", "dataset", "metric"], ascending=[False, True, True])
    return list(zip(counts["dataset"], counts["metric"]))


def accuracy_wide(df: pd.DataFrame, dataset: str = "imagenet-1k",
                  metrics: tuple[str, ...] = ("top1", "top5")) -> pd.DataFrame:
    """One row per model with one column per metric of ``dataset`` (column name = metric)."""
    sub = df[(df["dataset"] == dataset) & df["metric"].isin(metrics)]
    wide = sub.pivot(index="model", columns="metric", values="value")
    return wide.reindex(columns=[m for m in metrics if m in wide.columns]).reset_index()


def lookup(df: pd.DataFrame, model: str, dataset: str = "imagenet-1k",
           metric: str = "top1") -> float | None:
    """The value for one (model, dataset, metric), or None if the table has none."""
    hit = df.loc[(df["model"] == model) & (df["dataset"] == dataset) & (df["metric"] == metric),
                 "value"]
    return float(hit.iloc[0]) if len(hit) else None
