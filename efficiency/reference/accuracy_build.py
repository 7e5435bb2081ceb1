"""Build the published-accuracy tables in data/ (imports torchvision; run offline, not from the UI).

    python -m efficiency.reference.accuracy_build

Writes two files:

* ``data/accuracy.parquet``: long format, one row per (model, dataset, metric), columns
  :data:`efficiency.reference.accuracy.ACCURACY_COLUMNS`. Sources:

  - timm's published result CSVs in ``data/reference/timm/`` (one row per weight x img_size);
    model id ``ids.timm_id(name, img_size)``.
  - every torchvision weight's ``meta["_metrics"]``; model id ``ids.torchvision_id(builder, member)``.

  Dataset names are lower-cased (``"ImageNet-1K"`` -> ``"imagenet-1k"``) and torchvision's
  ``acc@1``/``acc@5`` become ``top1``/``top5`` so both sources share one ImageNet axis. Every other
  metric keeps torchvision's name. Errors (``epe``, ``per_image_epe``, ``fl_all``) have
  ``higher_is_better = False``. Accuracies are percentages, as published. A metric torchvision
  publishes as NaN (``vgg16.IMAGENET1K_FEATURES``: feature-extractor weights, no classifier) is kept
  as NaN so that every weight joins.

* ``data/torchvision_meta.parquet``: one row per torchvision weight with the published
  ``num_params``, ``_ops`` and ``_file_size``. torchvision counts one multiply-add as one "flop",
  so its ``_ops`` (called GFLOPS) is stored as ``published_gmacs``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from efficiency import paths

from efficiency.reference.accuracy import ACCURACY_COLUMNS, DEFAULT_PATH, TV_META_COLUMNS, TV_META_PATH
from efficiency.zoo.ids import timm_id, torchvision_id
from efficiency.zoo import timm as timm_source
from efficiency.zoo import torchvision as tv_source

REFERENCE_DIR = paths.TIMM_REFERENCE

# timm result file -> dataset name used in accuracy.parquet
TIMM_FILES = {
    "results-imagenet.csv": "imagenet-1k",
    "results-imagenet-real.csv": "imagenet-real",
    "results-imagenetv2-matched-frequency.csv": "imagenetv2",
    "results-sketch.csv": "imagenet-sketch",
    "results-imagenet-a.csv": "imagenet-a",
    "results-imagenet-r.csv": "imagenet-r",
    "results-imagenet-a-clean.csv": "imagenet-a-clean",
    "results-imagenet-r-clean.csv": "imagenet-r-clean",
}

# metrics where smaller is better (end-point error, outlier fraction)
LOWER_IS_BETTER = {"epe", "per_image_epe", "fl_all"}

TV_METRIC_NAMES = {"acc@1": "top1", "acc@5": "top5"}


def parse_param_count(text) -> float:
    """timm's param_count in millions; some files write "1,013.01"."""
    return float(str(text).replace(",", ""))


def timm_accuracy(ref_dir: Path = REFERENCE_DIR) -> tuple[pd.DataFrame, list[str]]:
    """Long-format rows from the eight timm CSVs (top1 and top5 per row), and the skipped rows.

    Rows whose weight is not in results-imagenet.csv are not zoo entries and are skipped (at
    4e5207c7 one: ``resmlp_24_224.fb_dino`` in results-imagenet-a.csv, a self-supervised checkpoint
    scoring 0.48 %, listed where ``resnet50.tv_in1k`` is missing).
    """
    zoo = timm_source.table_ids(ref_dir / "results-imagenet.csv")
    frames, skipped = [], []
    for filename, dataset in TIMM_FILES.items():
        # dtype=str keeps the numbers exactly as written until we convert them ourselves
        raw = pd.read_csv(ref_dir / filename, dtype=str, keep_default_na=False)
        ids = [timm_id(m, s) for m, s in zip(raw["model"], raw["img_size"])]
        keep = [i in zoo for i in ids]
        skipped += [f"{filename}:{i}" for i, k in zip(ids, keep) if not k]
        raw = raw[keep]
        for metric in ("top1", "top5"):
            frames.append(pd.DataFrame({
                "model": [timm_id(m, s) for m, s in zip(raw["model"], raw["img_size"])],
                "dataset": dataset,
                "metric": metric,
                "value": raw[metric].astype(float),
                "higher_is_better": True,
                "img_size": raw["img_size"].astype(int),
                "crop_pct": raw["crop_pct"].astype(float),
                "interpolation": raw["interpolation"],
                "source": f"timm-results-csv:{filename}",
                "param_count_m": raw["param_count"].map(parse_param_count),
            }))
    return pd.concat(frames, ignore_index=True), skipped


def scored_dataset(dataset: str, meta: dict) -> str:
    """The dataset name a torchvision weight's score is stored under. A detector whose only class is
    "person" (Keypoint R-CNN: ``categories == ['no person', 'person']``) was scored on COCO's person
    annotations (the keypoints split), so its box mAP is not the 80-class box mAP of the other COCO
    detectors: it gets a dataset of its own, ``<dataset>-person``, and is never ranked beside them."""
    classes = [c for c in meta.get("categories") or [] if c not in ("__background__", "no person", "N/A")]
    name = dataset.lower()
    return f"{name}-person" if name.startswith("coco") and classes == ["person"] else name


def torchvision_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accuracy rows, meta rows) from torchvision's weight metadata."""
    import torchvision

    source = f"torchvision-meta:{torchvision.__version__}"
    acc_rows, meta_rows = [], []
    for task, builder, weight in tv_source.weights():
        meta = weight.meta
        model = torchvision_id(builder, weight.name)
        tf = tv_source.transform_info(weight)
        crop, resize = tf["crop_size"], tf["resize_size"]
        img_size = crop if crop is not None else resize
        crop_pct = crop / resize if crop is not None and resize else float("nan")
        params_m = meta["num_params"] / 1e6
        for dataset, metrics in meta.get("_metrics", {}).items():
            for metric, value in metrics.items():
                acc_rows.append({
                    "model": model,
                    "dataset": scored_dataset(dataset, meta),
                    "metric": TV_METRIC_NAMES.get(metric, metric),
                    "value": float(value),
                    "higher_is_better": metric not in LOWER_IS_BETTER,
                    "img_size": img_size,
                    "crop_pct": crop_pct,
                    "interpolation": tf["interpolation"],
                    "source": source,
                    "param_count_m": params_m,
                })
        min_size = meta.get("min_size")
        meta_rows.append({
            "model": model,
            "builder": builder,
            "weights": weight.name,
            "task": task,
            "num_params": int(meta["num_params"]),
            "published_gmacs": float(meta["_ops"]),
            "file_size_mb": float(meta["_file_size"]),
            "crop_size": tf["crop_size_text"],
            "resize_size": tf["resize_size_text"],
            "min_size": "x".join(str(int(v)) for v in min_size) if min_size else "",
            "min_temporal_size": int(meta.get("min_temporal_size", 0) or 0),
            "interpolation": tf["interpolation"],
            "transform": tf["transform"],
            "source": source,
        })
    acc = pd.DataFrame(acc_rows, columns=ACCURACY_COLUMNS)
    acc["img_size"] = acc["img_size"].astype("Int64")
    return acc, pd.DataFrame(meta_rows, columns=TV_META_COLUMNS)


def build_accuracy() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(accuracy table, torchvision meta table, skipped timm rows)."""
    tv_acc, tv_meta = torchvision_tables()
    timm_acc, skipped = timm_accuracy()
    acc = pd.concat([timm_acc, tv_acc], ignore_index=True)
    acc["img_size"] = acc["img_size"].astype("Int64")
    acc = acc[ACCURACY_COLUMNS].sort_values(["model", "dataset", "metric"], ignore_index=True)
    dup = acc.duplicated(["model", "dataset", "metric"])
    if dup.any():
        raise ValueError(f"duplicate accuracy rows: {acc[dup].head().to_dict('records')}")
    return acc, tv_meta, skipped


def main() -> None:
    acc, tv_meta, skipped = build_accuracy()
    DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    acc.to_parquet(DEFAULT_PATH, index=False)
    tv_meta.to_parquet(TV_META_PATH, index=False)
    print(f"{DEFAULT_PATH}: {len(acc)} rows, {acc['model'].nunique()} models")
    print(f"{TV_META_PATH}: {len(tv_meta)} weights")
    for row in skipped:
        print(f"skipped (not a zoo entry): {row}")


if __name__ == "__main__":
    main()
