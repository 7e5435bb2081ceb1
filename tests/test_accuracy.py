"""data/accuracy.parquet and data/torchvision_meta.parquet against their sources."""
from __future__ import annotations

import csv
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from efficiency.reference.accuracy import (ACCURACY_COLUMNS, DEFAULT_PATH, TV_META_COLUMNS, AccuracyTableError,
                                 accuracy_wide, load_reference_accuracy, load_torchvision_meta, lookup,
                                 metrics_available)
from efficiency.zoo.ids import timm_id, torchvision_id

REPO = Path(__file__).resolve().parent.parent
REF = REPO / "data" / "reference" / "timm"
SHARED_REF = REPO.parent / "shared" / "reference" / "timm"
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


@pytest.fixture(scope="module")
def acc() -> pd.DataFrame:
    return load_reference_accuracy()


@pytest.fixture(scope="module")
def tv_weights():
    """[(builder, weight)] for every weight of the five torchvision model modules."""
    tvm = pytest.importorskip("torchvision.models")
    out = []
    for module in (tvm, tvm.detection, tvm.segmentation, tvm.video, tvm.optical_flow):
        for builder in tvm.list_models(module=module):
            out.extend((builder, w) for w in tvm.get_model_weights(builder))
    return out


def read_csv_rows(name: str) -> list[dict]:
    with open(REF / name, newline="") as fh:
        return list(csv.DictReader(fh))


def test_reference_csvs_are_byte_identical_copies():
    if not SHARED_REF.is_dir():
        pytest.skip(f"{SHARED_REF} not present")
    for name in TIMM_FILES:
        assert (REF / name).read_bytes() == (SHARED_REF / name).read_bytes(), name
    assert (REF / "README.md").is_file()


def test_columns_and_types(acc):
    assert list(acc.columns) == ACCURACY_COLUMNS
    assert not acc.duplicated(["model", "dataset", "metric"]).any()
    # torchvision publishes NaN accuracy only for the classifier-less vgg16 feature weights
    assert set(acc.loc[acc["value"].isna(), "model"]) == {"torchvision/vgg16.IMAGENET1K_FEATURES"}
    assert acc["higher_is_better"].dtype == bool


def zoo_ids() -> set[str]:
    return {timm_id(r["model"], r["img_size"]) for r in read_csv_rows("results-imagenet.csv")}


def test_every_timm_row_joins(acc):
    zoo = zoo_ids()
    assert len(zoo) == 1556
    skipped = set()
    for name, dataset in TIMM_FILES.items():
        rows = read_csv_rows(name)
        assert len(rows) == 1556, name
        stored = set(acc.loc[(acc["dataset"] == dataset) & acc["model"].str.startswith("timm/"), "model"])
        ids = {timm_id(r["model"], r["img_size"]) for r in rows}
        assert stored == ids & zoo, name
        skipped |= {f"{name}:{i}" for i in ids - zoo}
    # the one row of timm's tables that is not a zoo entry (see accuracy_build.timm_accuracy)
    assert skipped == {"results-imagenet-a.csv:timm/resmlp_24_224.fb_dino@224"}


def test_every_torchvision_weight_joins(acc, tv_weights):
    assert len(tv_weights) >= 150
    models = set(acc["model"])
    missing = [torchvision_id(b, w.name) for b, w in tv_weights if torchvision_id(b, w.name) not in models]
    assert not missing, missing[:5]


def test_every_accuracy_row_is_a_zoo_id(acc, tv_weights):
    zoo = zoo_ids() | {torchvision_id(b, w.name) for b, w in tv_weights}
    extra = sorted(set(acc["model"]) - zoo)
    assert not extra, extra[:5]


@pytest.mark.parametrize("name", list(TIMM_FILES))
def test_timm_values_equal_source(acc, name):
    dataset = TIMM_FILES[name]
    zoo = zoo_ids()
    rows = [r for r in read_csv_rows(name) if timm_id(r["model"], r["img_size"]) in zoo]
    sample = random.Random(name).sample(rows, 60)
    sub = acc[(acc["dataset"] == dataset)].set_index(["model", "metric"])
    for r in sample:
        mid = timm_id(r["model"], r["img_size"])
        for metric in ("top1", "top5"):
            got = sub.loc[(mid, metric)]
            assert got["value"] == float(r[metric]), (mid, metric)
            assert got["img_size"] == int(r["img_size"])
            assert got["crop_pct"] == float(r["crop_pct"])
            assert got["interpolation"] == r["interpolation"]
            assert got["param_count_m"] == float(r["param_count"].replace(",", ""))
            assert got["source"] == f"timm-results-csv:{name}"
            assert bool(got["higher_is_better"])


def test_thousands_separator_param_count(acc):
    row = acc[(acc["model"] == "timm/eva_giant_patch14_336.clip_ft_in1k@336")
              & (acc["dataset"] == "imagenet-real") & (acc["metric"] == "top1")]
    assert row["param_count_m"].tolist() == [1013.01]


def test_torchvision_values_equal_meta(acc, tv_weights):
    from efficiency.reference.accuracy_build import scored_dataset

    names = {"acc@1": "top1", "acc@5": "top5"}
    lower = {"epe", "per_image_epe", "fl_all"}
    tv = acc[acc["source"].str.startswith("torchvision-meta:")].set_index(["model", "dataset", "metric"])
    n = 0
    for builder, w in tv_weights:
        mid = torchvision_id(builder, w.name)
        for dataset, metrics in w.meta["_metrics"].items():
            for metric, value in metrics.items():
                got = tv.loc[(mid, scored_dataset(dataset, w.meta), names.get(metric, metric))]
                assert got["value"] == float(value) or (value != value and got["value"] != got["value"])
                assert bool(got["higher_is_better"]) == (metric not in lower)
                assert got["param_count_m"] == pytest.approx(w.meta["num_params"] / 1e6)
                n += 1
    assert n == len(tv)  # nothing stored that torchvision does not publish


def test_torchvision_meta_table(tv_weights):
    meta = load_torchvision_meta()
    assert list(meta.columns) == TV_META_COLUMNS
    assert len(meta) == len(tv_weights)
    by_model = meta.set_index("model")
    for builder, w in tv_weights:
        row = by_model.loc[torchvision_id(builder, w.name)]
        assert row["num_params"] == w.meta["num_params"]
        assert row["published_gmacs"] == float(w.meta["_ops"])
        assert row["file_size_mb"] == float(w.meta["_file_size"])
        assert row["builder"] == builder and row["weights"] == w.name
    r50 = by_model.loc["torchvision/resnet50.IMAGENET1K_V2"]
    assert (r50["crop_size"], r50["resize_size"], r50["task"]) == ("224", "232", "classification")
    assert by_model.loc["torchvision/r3d_18.KINETICS400_V1", "crop_size"] == "112x112"


def test_person_only_detectors_are_not_ranked_with_80_class_ones(acc):
    """Keypoint R-CNN knows one class (torchvision meta: ['no person', 'person']): its COCO box mAP is
    a person-only score and is stored under a dataset of its own."""
    from efficiency.reference.accuracy_build import scored_dataset

    assert scored_dataset("COCO-val2017", {"categories": ["no person", "person"]}) == "coco-val2017-person"
    assert scored_dataset("COCO-val2017", {"categories": ["__background__", "person", "bicycle"]}) == "coco-val2017"
    assert scored_dataset("ImageNet-1K", {"categories": ["person"]}) == "imagenet-1k"
    kp = "torchvision/keypointrcnn_resnet50_fpn.COCO_V1"
    assert lookup(acc, kp, "coco-val2017", "box_map") is None
    assert lookup(acc, kp, "coco-val2017-person", "box_map") == 54.6
    assert lookup(acc, "torchvision/maskrcnn_resnet50_fpn_v2.COCO_V1", "coco-val2017", "box_map") == 47.4


def test_helpers(acc):
    pairs = metrics_available(acc)
    assert pairs[0] == ("imagenet-1k", "top1") or pairs[0] == ("imagenet-1k", "top5")
    assert ("kinetics-400", "top1") in pairs and ("sintel-train-cleanpass", "epe") in pairs
    assert lookup(acc, "torchvision/resnet50.IMAGENET1K_V2") == 80.858
    assert lookup(acc, "torchvision/resnet50.IMAGENET1K_V2", "coco-val2017", "box_map") is None
    wide = accuracy_wide(acc)
    assert list(wide.columns) == ["model", "top1", "top5"]
    assert len(wide) == acc.loc[acc["dataset"] == "imagenet-1k", "model"].nunique()


def test_load_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.parquet"
    with pytest.raises(AccuracyTableError, match="nope.parquet"):
        load_reference_accuracy(missing)
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"not a parquet file")
    with pytest.raises(AccuracyTableError, match="corrupt.parquet"):
        load_reference_accuracy(corrupt)
    wrong = tmp_path / "wrong.parquet"
    pd.DataFrame({"model": ["x"], "value": [1.0]}).to_parquet(wrong)
    with pytest.raises(AccuracyTableError, match="lacks columns"):
        load_reference_accuracy(wrong)
    assert DEFAULT_PATH == REPO / "data" / "accuracy.parquet"


def test_ui_modules_do_not_import_torch():
    code = ("import sys, efficiency.reference.accuracy, efficiency.reference.papers, efficiency.reference.claims; "
            "bad = [m for m in ('torch', 'torchvision', 'timm') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
