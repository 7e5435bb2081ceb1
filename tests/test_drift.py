"""Recompute a sample of the shipped cache's count rows; fail when the numbers drift."""
import json

import pytest

from efficiency.store import query
from efficiency.zoo.build import build
from efficiency.measure.counting import count_model
from efficiency.measure.environment import library_versions
from efficiency.zoo import load_zoo

SAMPLE = [
    "torchvision/resnet18.IMAGENET1K_V1",
    "torchvision/mobilenet_v3_small.IMAGENET1K_V1",
    "torchvision/vit_b_16.IMAGENET1K_V1",       # native multi-head-attention fast path
    "timm/deit_tiny_patch16_224.fb_in1k@224",   # scaled_dot_product_attention
    "timm/ghostnetv2_100.in1k@224",             # a seed-paper architecture
    "timm/convmixer_1024_20_ks9_p14.in1k@224",  # string padding (_convolution_mode)
    "timm/sequencer2d_s.in1k@224",              # LSTM
    "timm/tinynet_e.in1k@106",
]


@pytest.fixture(scope="module")
def stored():
    df = query.load_results()
    return df[df["kind"] == "count"].set_index("model")


@pytest.mark.parametrize("model_id", SAMPLE)
def test_stored_counts_do_not_drift(stored, model_id):
    row = stored.loc[model_id]
    versions = library_versions()
    if (row["torch_version"], row["timm_version"], row["fvcore_version"]) != (
            versions["torch"], versions["timm"], versions["fvcore"]):
        pytest.skip("the shipped row was counted with other library versions")
    entry = load_zoo().get(model_id)
    built = build(entry)
    r = count_model(built.model, built.inputs, built.list_input)
    assert row["error"] == ""
    assert int(row["macs"]) == r.macs
    assert int(row["flops"]) == 2 * r.macs
    assert int(row["macs_fvcore"]) == r.macs_fvcore
    assert int(row["macs_torch"]) == r.macs_torch
    assert int(row["params"]) == r.params
    assert json.loads(row["macs_by_op"]) == r.macs_by_op
    assert json.loads(row["uncovered_ops"]) == r.uncovered_ops
