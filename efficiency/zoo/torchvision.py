"""The torchvision source: every weight of the classification, detection, segmentation, video and
optical-flow builders, built with ``weights=None`` (nothing is downloaded).

This module is the one place that lists torchvision's weights and reads their preset transforms;
the zoo (:func:`entries`) and the reference tables (:mod:`efficiency.reference.accuracy_build`)
both use it. Listing imports torchvision (4 s), so :func:`efficiency.zoo.load_zoo` keeps the
listing in the user's cache directory.
"""
from __future__ import annotations

import inspect
import re
from typing import Iterator

from efficiency.vocab import TORCHVISION_SUBPACKAGES
from efficiency.zoo import ids
from efficiency.zoo.registry import ZooEntry, family_of, paper_for

# torchvision.models submodule ("" = the top level) -> zoo task (in vocab: the UI's links use it too)
MODULES = TORCHVISION_SUBPACKAGES


def weights() -> Iterator[tuple[str, str, object]]:
    """(task, builder, weight enum member) for every weight of every builder in :data:`MODULES`."""
    import torchvision.models as tvm

    for attr, task in MODULES.items():
        module = getattr(tvm, attr) if attr else tvm
        for builder in tvm.list_models(module=module):
            for weight in tvm.get_model_weights(builder):  # enum iteration skips the DEFAULT alias
                yield task, builder, weight


def _first(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return int(value[0]) if value else None
    return int(value)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "x".join(str(int(v)) for v in value)
    return str(int(value))


def transform_info(weight) -> dict:
    """What a weight's preset transform does: ``crop_size`` / ``resize_size`` (first value, or None),
    their full text (``"112x112"``), ``interpolation`` and the transform's name.

    ``given`` holds only the keywords the weight sets; the other fields fill in the transform's own
    defaults, as the preset applies them.
    """
    tf = weight.transforms
    func = getattr(tf, "func", tf)
    given = dict(getattr(tf, "keywords", {}) or {})
    kwargs = dict(given)
    try:
        for name, param in inspect.signature(func).parameters.items():
            if name not in kwargs and param.default is not inspect.Parameter.empty:
                kwargs[name] = param.default
    except (TypeError, ValueError):
        pass
    interp = kwargs.get("interpolation")
    return {
        "transform": func.__name__,
        "given": given,
        "crop_size": _first(kwargs.get("crop_size")),
        "resize_size": _first(kwargs.get("resize_size")),
        "crop_size_text": _as_text(kwargs.get("crop_size")),
        "resize_size_text": _as_text(kwargs.get("resize_size")),
        "interpolation": getattr(interp, "value", "" if interp is None else str(interp)),
    }


def input_size(task: str, builder: str, weight) -> tuple[int, ...]:
    """The per-sample input the published figures (torchvision's ``_ops``) were computed at."""
    given = transform_info(weight)["given"]

    def size(key: str, default: int) -> int:
        v = _first(given.get(key))
        return default if v is None else v

    if task == "classification":
        s = size("crop_size", 224)
        return (3, s, s)
    if task == "segmentation":
        s = size("resize_size", 520)
        return (3, s, s)
    if task == "video":
        s = size("crop_size", 112)
        return (3, 16, s, s)  # 16 frames, as torchvision's published _ops
    if task == "detection":
        m = re.search(r"(\d{3})", builder)  # ssd300, ssdlite320, *_320_fpn
        s = int(m.group(1)) if m else 800   # GeneralizedRCNNTransform min_size
        return (3, s, s)
    if task == "optical_flow":
        return (3, 512, 512)                # each of the two frames; matches torchvision's _ops
    raise ValueError(f"unknown torchvision task {task!r}")


def entries() -> list[ZooEntry]:
    """One entry per torchvision weight."""
    return [ZooEntry(
        id=ids.torchvision_id(builder, w.name), source="torchvision", name=f"{builder}.{w.name}",
        arch=builder, weights=w.name, task=task, family=family_of(builder),
        input_size=input_size(task, builder, w), paper=paper_for(builder),
    ) for task, builder, w in weights()]


# With weights, these builders construct the backbone with FrozenBatchNorm2d (statistics
# and affine as buffers, not parameters): "norm_layer = FrozenBatchNorm2d if is_trained".
# Building without weights would give trainable BatchNorm2d and more parameters than the
# published num_params, so we freeze the same layers.
FROZEN_BN_DETECTORS = frozenset({
    "fasterrcnn_resnet50_fpn", "fcos_resnet50_fpn", "keypointrcnn_resnet50_fpn",
    "maskrcnn_resnet50_fpn", "retinanet_resnet50_fpn", "fasterrcnn_mobilenet_v3_large_320_fpn",
    "fasterrcnn_mobilenet_v3_large_fpn",
})


def _freeze_batchnorm(module) -> None:
    from torch import nn
    from torchvision.ops.misc import FrozenBatchNorm2d

    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            setattr(module, name, FrozenBatchNorm2d(child.num_features, eps=child.eps))
        else:
            _freeze_batchnorm(child)


def _builder_kwargs(entry: ZooEntry, weight) -> dict:
    """What the builder would take from the weights' meta, passed by hand (no weights given)."""
    kwargs: dict = {}
    if entry.task in ("detection", "segmentation"):
        # no backbone weights either: nothing may be downloaded
        kwargs["weights_backbone"] = None
    if entry.task == "segmentation":
        # the published FCN/DeepLabV3 weights carry the auxiliary classifier, and
        # torchvision's _ops count it; LRASPP has no such argument (retried without)
        kwargs["aux_loss"] = True
    if entry.arch.startswith("vit_") and "min_size" in weight.meta:
        # the SWAG end-to-end weights are ViTs at 384/518 px: the builder takes the size
        # from the weights' meta, which we must pass ourselves without weights
        kwargs["image_size"] = int(weight.meta["min_size"][0])
    if entry.derived_from:
        kwargs.update(_size_kwargs(entry))
    if entry.arch == "googlenet":
        # the published weights drop the auxiliary heads (aux_logits=False)
        kwargs.update(aux_logits=False, init_weights=False)
    if entry.arch == "inception_v3":
        kwargs["init_weights"] = False  # scipy truncnorm init is slow and irrelevant here
    categories = weight.meta.get("categories")
    if categories is not None and entry.task != "optical_flow":
        kwargs["num_classes"] = len(categories)
    return kwargs


def _size_kwargs(entry: ZooEntry) -> dict:
    """What a derived classification entry (refresh --resolution) passes for its input size: ViTs size
    their position embedding and MaxViT its partitions at construction; the other classifiers
    (convolutional, Swin's padded windows) take any size as built."""
    size = int(entry.input_size[-1])
    if entry.arch.startswith("vit_"):
        return {"image_size": size}
    if entry.arch.startswith("maxvit_"):
        return {"input_size": (size, size)}
    return {}


def create(entry: ZooEntry):
    """The architecture with random weights, configured as the published weights are."""
    import torchvision.models as tvm

    kwargs = _builder_kwargs(entry, tvm.get_model_weights(entry.arch)[entry.weights])
    try:
        model = tvm.get_model(entry.arch, weights=None, **kwargs)
    except (TypeError, NotImplementedError):  # LRASPP: "does not use auxiliary loss"
        kwargs.pop("aux_loss", None)
        model = tvm.get_model(entry.arch, weights=None, **kwargs)
    if entry.arch in FROZEN_BN_DETECTORS:
        _freeze_batchnorm(model.backbone.body)
    if getattr(model, "rpn", None) is not None:
        heads_at_their_maximum(model)
    return model


def heads_at_their_maximum(model) -> None:
    """Make an R-CNN's work independent of its random weights: the box head runs on exactly
    ``post_nms_top_n`` proposals (1,000; 150 for the ``_320_fpn`` model) and the mask / keypoint
    head on exactly ``detections_per_img`` (100) detections, the most the model's test-time
    configuration allows (data/README.md states this convention).

    Why each step: the heads' MACs scale with the number of regions they get, which post-processing
    decides from the weights' values. Random regression deltas push most boxes out of the image, where
    clipping leaves them zero-sized and ``remove_small_boxes`` drops them (Mask R-CNN's box head got 658
    proposals, Keypoint R-CNN's 604; the keypoint head 0 detections): zero regression layers keep
    proposals = anchors and detections = proposals, which never degenerate. Score thresholds
    (``rpn_score_thresh`` 0.05 of the MobileNet models; the box score 0.05) and NMS (disabled at IoU
    1.0, which no pair exceeds) would still drop regions by the random scores; zero class logits give
    every class the same score, above the 0 threshold. Parameters, shapes and MACs per region are
    unchanged: only which boxes come out, and how many.
    """
    from torch import nn

    rpn, heads = model.rpn, model.roi_heads
    rpn.nms_thresh, rpn.score_thresh = 1.0, 0.0
    heads.nms_thresh, heads.score_thresh = 1.0, 0.0
    for layer in (rpn.head.bbox_pred, heads.box_predictor.bbox_pred, heads.box_predictor.cls_score):
        nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)
