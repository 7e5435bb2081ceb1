"""The shipped cache against the figures its libraries publish, on every row (an audit, DATACHECK, checked
them once by hand; these keep a merge from shipping a wrong count): torchvision's parameter counts exactly and
its `_ops` within 5 % (the R-CNNs above it, by the heads-at-maximum convention), timm's parameter counts
to their table's rounding, FLOPs = 2 x MACs, and latency rows whose statistics are in order."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from efficiency import paths
from efficiency.store.schema import KEY_COLUMNS

# the weights whose published _ops ran the heads on fewer regions than our convention (data/README.md)
RCNN_ABOVE = {"fasterrcnn_mobilenet_v3_large_fpn", "fasterrcnn_mobilenet_v3_large_320_fpn", "maskrcnn_resnet50_fpn",
              "keypointrcnn_resnet50_fpn"}


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    df = pd.read_parquet(paths.RESULTS)
    return df[df["derived_from"].fillna("") == ""]


@pytest.fixture(scope="module")
def counts(results) -> pd.DataFrame:
    return results[(results["kind"] == "count") & (results["error"].fillna("") == "")]


def test_torchvision_params_equal_and_macs_within_5_percent_of_published(counts):
    meta = pd.read_parquet(paths.TORCHVISION_META).set_index("model")
    tv = counts[counts["source"] == "torchvision"].set_index("model")
    both = tv.join(meta[["num_params", "published_gmacs"]], how="inner")
    assert len(both) >= 150, len(both)
    assert (both["params"].astype("int64") == both["num_params"].astype("int64")).all(), \
        both.loc[both["params"] != both["num_params"], ["params", "num_params"]]
    ratio = both["macs"] / 1e9 / both["published_gmacs"]
    off = ratio[(ratio - 1).abs() > 0.05]
    assert set(both.loc[off.index, "arch"]) <= RCNN_ABOVE, off
    assert (off > 1).all(), off            # the convention only ever adds head evaluations


def test_timm_params_match_the_reference_table(counts):
    ref = pd.read_csv(paths.TIMM_REFERENCE / "results-imagenet.csv")
    ref["params_m"] = pd.to_numeric(ref["param_count"].astype(str).str.replace(",", ""))
    ref = ref.assign(model="timm/" + ref["model"] + "@" + ref["img_size"].astype(str)).set_index("model")
    timm = counts[counts["source"] == "timm"].set_index("model").join(ref[["params_m"]], how="inner")
    assert len(timm) >= 1500, len(timm)
    ours = timm["params"] / 1e6
    # the table prints millions with 2 decimals
    bad = timm[((ours - timm["params_m"]).abs() > 0.006) & ((ours / timm["params_m"] - 1).abs() > 0.01)]
    assert bad.empty, bad[["params", "params_m"]]


def test_flops_are_twice_macs_and_no_count_is_zero(counts):
    assert (counts["flops"] == 2 * counts["macs"]).all()
    assert (counts["macs"] > 0).all() and counts["macs"].notna().all()


def test_latency_rows_are_ordered_and_unique(results):
    lat = results[(results["kind"] == "latency") & (results["error"].fillna("") == "")]
    assert len(lat) > 1000
    p = lat[["latency_ms_min", "latency_ms_p50", "latency_ms_p90", "latency_ms_p99"]].to_numpy(float)
    assert (np.diff(p, axis=1) >= -1e-9).all()
    assert (lat["n_samples"] >= 3).all()
    tput = lat["batch_size"] * 1000 / lat["latency_ms_p50"]
    assert np.allclose(lat["throughput"], tput, rtol=1e-6)
    assert not results.duplicated([c for c in KEY_COLUMNS if c in results.columns]).any()
