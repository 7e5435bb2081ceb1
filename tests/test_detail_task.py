"""Model detail of a model of another task than the sidebar's: the page moves to the model's task (as Compare
does for language models), and the headline's accuracy is one the model has (a walk-through found a COCO
keypoint R-CNN under ImageNet top-1 with "n/a", and then under COCO box mAP, which it has only for persons)."""
from __future__ import annotations

from conftest import run_app

KEYPOINT = "torchvision/keypointrcnn_resnet50_fpn.COCO_V1"
R50 = "timm/resnet50.a1_in1k@224"


def _accuracy_metric(at):
    return next((m.label, m.value) for m in at.metric if m.label not in
                ("GMACs / sample", "GFLOPs / sample", "Parameters", "Latency p50"))


def test_a_detector_linked_under_classification_moves_the_page_to_detection(shipped_env):
    at = run_app({"sel": KEYPOINT, "task": "classification"}, "detail", timeout=120)
    assert at.selectbox(key="w_task").value == "detection"
    assert at.query_params["task"] == ["detection"] or at.query_params["task"] == "detection"
    assert any("the task is now detection" in str(t.value) for t in at.toast)
    label, value = _accuracy_metric(at)
    assert label == "COCO val2017, person only box mAP (%)" and value == "54.60", (label, value)


def test_a_model_of_the_sidebars_task_keeps_it_and_its_metric(shipped_env):
    at = run_app({"sel": R50, "task": "classification"}, "detail", timeout=120)
    assert at.selectbox(key="w_task").value == "classification" and not at.toast
    label, value = _accuracy_metric(at)
    assert label.startswith("ImageNet-1k top-1") and value not in ("n/a", ""), (label, value)


def test_all_tasks_is_left_as_it_is(shipped_env):
    at = run_app({"sel": KEYPOINT, "task": "all"}, "detail", timeout=120)
    assert at.selectbox(key="w_task").value == "all" and not at.toast


def test_compare_of_detectors_moves_to_detection_and_shows_their_accuracy(shipped_env):
    pair = "torchvision/fasterrcnn_resnet50_fpn.COCO_V1,torchvision/retinanet_resnet50_fpn.COCO_V1"
    at = run_app({"sel": pair, "task": "classification"}, "compare", timeout=120)
    assert at.selectbox(key="w_task").value == "detection"
    assert any("These are detection models: the task is now detection." == str(t.value) for t in at.toast)


def test_compare_of_mixed_tasks_keeps_the_sidebars_task(shipped_env):
    pair = f"{KEYPOINT},{R50}"
    at = run_app({"sel": pair, "task": "classification"}, "compare", timeout=120)
    assert at.selectbox(key="w_task").value == "classification" and not at.toast


def test_a_task_the_user_changes_on_detail_is_kept_until_another_model_is_picked(shipped_env):
    at = run_app({"sel": R50, "task": "classification"}, "detail", timeout=120)
    at.selectbox(key="w_task").set_value("detection")
    at = at.run()
    assert not at.exception and at.selectbox(key="w_task").value == "detection" and not at.toast
    at = at.run()                                  # any later rerun keeps the user's choice too
    assert at.selectbox(key="w_task").value == "detection" and not at.toast
    at.selectbox(key="w_model").set_value(KEYPOINT)     # a detector picked: its task already
    at = at.run()
    assert at.selectbox(key="w_task").value == "detection" and not at.toast
    at.selectbox(key="w_model").set_value("torchvision/resnet50.IMAGENET1K_V2")   # a pick under detection
    at = at.run()
    assert at.selectbox(key="w_task").value == "classification"
    assert [str(t.value) for t in at.toast] == ["This is a classification model: the task is now classification."]
