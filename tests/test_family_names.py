"""Families named by more than a one- or two-letter prefix, datasets by readable names (UXCHECK6 #9: torchvision's video networks showed
as families "r", "s" and "mc", timm's CSPNet-v3 ones as "cs"), and the shipped cache carrying the same names."""
from __future__ import annotations

import pandas as pd
import pytest

from efficiency import paths
from efficiency.zoo.registry import family_of


@pytest.mark.parametrize("arch, family", [
    ("r3d_18", "r3d"), ("r2plus1d_18", "r2plus1d"), ("mc3_18", "mc3"), ("s3d", "s3d"),
    ("cs3darknet_l", "cs3"), ("cs3se_edgenet_x", "cs3"), ("cs3sedarknet_x", "cs3"),
    # unchanged: longer prefixes, versions, and two-letter prefixes without digits
    ("resnet50d", "resnet"), ("convnextv2_tiny", "convnextv2"), ("mobilenetv3_large_100", "mobilenetv3"),
    ("tf_efficientnet_b0", "efficientnet"), ("nf_resnet50", "nf"), ("dla34", "dla"), ("vgg16", "vgg"),
    ("mvit_v2_s", "mvit"), ("swin3d_t", "swin"),
])
def test_family_of(arch, family):
    assert family_of(arch) == family


def test_shipped_rows_carry_the_family_the_zoo_gives():
    df = pd.read_parquet(paths.RESULTS, columns=["source", "arch", "family"])
    lib = df[df["source"].isin(["timm", "torchvision"])].drop_duplicates("arch")
    wrong = lib[lib["arch"].map(family_of) != lib["family"]]
    assert wrong.empty, wrong


def test_every_published_dataset_has_a_readable_name():
    # UXCHECK6 #9: segmentation's axis read "coco-val2017-voc-labels mIoU", optical flow's "kitti-train Fl-all"
    from efficiency.ui.axes import PRETTY_DATASETS
    datasets = set(pd.read_parquet(paths.ACCURACY, columns=["dataset"])["dataset"])
    assert datasets <= set(PRETTY_DATASETS), sorted(datasets - set(PRETTY_DATASETS))
