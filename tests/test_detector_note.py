"""Model detail's note on what random weights do to a detector's measured work
(efficiency.ui.detail.random_weights_note, figures from bench/detector_random_weights.py)."""
from __future__ import annotations

from efficiency.ui.detail import RANDOM_WEIGHT_DETECTIONS, random_weights_note
from efficiency.zoo.registry import load_zoo


def test_every_torchvision_detector_of_the_zoo_has_its_figure():
    archs = {e.arch for e in load_zoo() if e.task == "detection" and e.source == "torchvision"}
    assert archs and archs <= set(RANDOM_WEIGHT_DETECTIONS)
    assert all(0 <= n <= cap for n, cap in RANDOM_WEIGHT_DETECTIONS.values())


def test_note_says_upper_bound_at_the_cap_and_lower_bound_at_none():
    assert "upper bound" in random_weights_note("detection", "ssd300_vgg16")
    assert "cap of 200" in random_weights_note("detection", "ssd300_vgg16")
    assert "lower bound" in random_weights_note("detection", "fcos_resnet50_fpn")
    assert "upper bound" in random_weights_note("detection", "maskrcnn_resnet50_fpn")   # heads at their maximum


def test_note_between_none_and_the_cap(monkeypatch):
    # no shipped detector is between since the R-CNNs run their heads at the maximum: a fictitious one
    monkeypatch.setitem(RANDOM_WEIGHT_DETECTIONS, "some_rcnn", (3, 100))
    between = random_weights_note("detection", "some_rcnn")
    assert "3 of at most 100" in between and "bound" not in between


def test_no_note_where_the_work_does_not_depend_on_the_weights():
    assert random_weights_note("classification", "resnet50") == ""
    assert random_weights_note("segmentation", "fcn_resnet50") == ""


def test_unchecked_detector_says_so_and_seed_detectors_need_no_note():
    assert "not checked" in random_weights_note("detection", "a_new_torchvision_detector")
    assert random_weights_note("detection", "leyolo", source="seed") == ""   # raw head outputs, no NMS
