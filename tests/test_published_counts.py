"""Model detail puts torchvision's published `_ops` and parameter count beside ours (DATACHECK L6: the R-CNNs
count 3.5-4x torchvision's figure by this project's convention, and nothing on the page said so)."""
from __future__ import annotations

import pandas as pd

from conftest import run_app
from efficiency.ui.detail_notes import published_counts_note

KEYPOINT = "torchvision/keypointrcnn_resnet50_fpn.COCO_V1"
R50 = "torchvision/resnet50.IMAGENET1K_V2"


def _published(gmacs, params=1000):
    return pd.Series({"published_gmacs": gmacs, "num_params": params})


def test_agreement_says_within_and_names_the_convention():
    text = published_counts_note(4.09, 1000, "resnet50", _published(4.089))
    assert "**4.089 GFLOPS**" in text and "4.089 GMACs in this page's terms" in text
    assert "agrees within 5%" in text and "parameter count is the same" in text


def test_an_rcnn_gap_gives_the_ratio_and_the_heads_convention():
    text = published_counts_note(483.47, 1000, "keypointrcnn_resnet50_fpn", _published(137.42))
    assert "3.52x its figure" in text and "1,000 proposals" in text and "heads_at_their_maximum" in text
    small = published_counts_note(2.873, 1000, "fasterrcnn_mobilenet_v3_large_320_fpn", _published(0.719))
    assert "4.00x" in small and "150 proposals" in small


def test_a_gap_without_a_known_reason_says_so_and_parameter_differences_show():
    text = published_counts_note(2.0, 999, "alexnet", _published(1.0))
    assert "2.00x its figure: a difference not explained yet" in text and "differs (999)" in text


def test_no_published_figure_no_note():
    assert published_counts_note(1.0, 10, "x", None) == ""
    assert published_counts_note(1.0, 10, "x", _published(float("nan"))) == ""


def test_detail_page_shows_it_for_torchvision_weights_only(shipped_env):
    captions = lambda at: [str(c.value) for c in at.caption]  # noqa: E731
    kp = captions(run_app({"sel": KEYPOINT}, "detail", timeout=120))
    assert any("**137.420 GFLOPS**" in c and "3.52x" in c for c in kp), kp
    r50 = captions(run_app({"sel": R50}, "detail", timeout=120))
    assert any("torchvision publishes" in c and "agrees within 5%" in c for c in r50), r50
    timm = captions(run_app({"sel": "timm/resnet50.a1_in1k@224"}, "detail", timeout=120))
    assert not any("torchvision publishes" in c for c in timm)
