"""Build a zoo entry's architecture without weights, and its example input (imports torch)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from efficiency.zoo import ZooEntry


@dataclass(frozen=True)
class Built:
    model: nn.Module
    inputs: tuple          # batch-1 CPU example inputs for model(*inputs)
    list_input: bool       # torchvision detection models take a list of images


def _timm(entry: ZooEntry) -> nn.Module:
    import timm

    size = entry.input_size[-1]
    try:
        # ViT-style models fix their position embeddings at construction: give them the
        # table's image size. Convolutional models reject the keyword; build them plainly.
        return timm.create_model(entry.name, pretrained=False, img_size=size)
    except TypeError as exc:
        if "img_size" not in str(exc):
            raise
        return timm.create_model(entry.name, pretrained=False)


# With weights, these builders construct the backbone with FrozenBatchNorm2d (statistics
# and affine as buffers, not parameters): "norm_layer = FrozenBatchNorm2d if is_trained".
# Building without weights would give trainable BatchNorm2d and more parameters than the
# published num_params, so we freeze the same layers.
FROZEN_BN_DETECTORS = frozenset({
    "fasterrcnn_resnet50_fpn", "fcos_resnet50_fpn", "keypointrcnn_resnet50_fpn",
    "maskrcnn_resnet50_fpn", "retinanet_resnet50_fpn", "fasterrcnn_mobilenet_v3_large_320_fpn",
    "fasterrcnn_mobilenet_v3_large_fpn",
})


def _freeze_batchnorm(module: nn.Module) -> None:
    from torchvision.ops.misc import FrozenBatchNorm2d

    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            setattr(module, name, FrozenBatchNorm2d(child.num_features, eps=child.eps))
        else:
            _freeze_batchnorm(child)


def _torchvision(entry: ZooEntry) -> nn.Module:
    import torchvision.models as tvm

    kwargs = {}
    if entry.task == "detection":
        # weights=None with the default num_classes (91 COCO) as the published weights;
        # no backbone weights either: nothing may be downloaded
        kwargs["weights_backbone"] = None
    if entry.task == "segmentation":
        kwargs["weights_backbone"] = None
        # the published FCN/DeepLabV3 weights carry the auxiliary classifier, and
        # torchvision's _ops count it; LRASPP has no such argument (retried without)
        kwargs["aux_loss"] = True
    # The builders take num_classes etc. from the weights' meta when weights are given;
    # without weights we pass what changes the architecture.
    weight = tvm.get_model_weights(entry.arch)[entry.weights]
    if entry.arch.startswith("vit_") and "min_size" in weight.meta:
        # the SWAG end-to-end weights are ViTs at 384/518 px: the builder takes the size
        # from the weights' meta, which we must pass ourselves without weights
        kwargs["image_size"] = int(weight.meta["min_size"][0])
    if entry.arch == "googlenet":
        # the published weights drop the auxiliary heads (aux_logits=False)
        kwargs.update(aux_logits=False, init_weights=False)
    if entry.arch == "inception_v3":
        kwargs["init_weights"] = False  # scipy truncnorm init is slow and irrelevant here
    categories = weight.meta.get("categories")
    if categories is not None and entry.task != "optical_flow":
        kwargs["num_classes"] = len(categories)
    try:
        model = tvm.get_model(entry.arch, weights=None, **kwargs)
    except (TypeError, NotImplementedError):  # LRASPP: "does not use auxiliary loss"
        kwargs.pop("aux_loss", None)
        model = tvm.get_model(entry.arch, weights=None, **kwargs)
    if entry.arch in FROZEN_BN_DETECTORS:
        _freeze_batchnorm(model.backbone.body)
    rpn = getattr(model, "rpn", None)
    if rpn is not None:
        # R-CNN cost depends on how many proposals survive NMS, which with random weights
        # is arbitrary. Keeping all post_nms_top_n (1000) proposals, as trained weights
        # nearly do, reproduces torchvision's published _ops exactly (134.38 GMACs for
        # fasterrcnn_resnet50_fpn at 800x800).
        rpn.nms_thresh = 1.0
    return model


def build(entry: ZooEntry, seed: int = 0) -> Built:
    """The architecture (random init, eval mode, no gradients) and a batch-1 input."""
    torch.manual_seed(seed)
    if entry.source == "timm":
        model = _timm(entry)
    elif entry.source == "torchvision":
        model = _torchvision(entry)
    elif entry.source == "custom":
        from efficiency.custom import build_custom
        model = build_custom(entry.name)
    else:
        raise ValueError(f"unknown source {entry.source!r}")
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x = torch.randn(1, *entry.input_size)
    if entry.task == "detection":
        return Built(model, (x,), list_input=True)
    if entry.task == "optical_flow":
        return Built(model, (x, torch.randn(1, *entry.input_size)), list_input=False)
    return Built(model, (x,), list_input=False)
