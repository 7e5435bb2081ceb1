"""Build a zoo entry's architecture without weights, and its example input (imports torch).

Each source module owns how its architectures are created (:func:`efficiency.zoo.timm.create`,
:func:`efficiency.zoo.torchvision.create`, :func:`efficiency.zoo.custom.build_custom`); this module
puts the result in eval mode without gradients and makes the batch-1 input its task takes.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from efficiency.zoo.registry import ZooEntry


@dataclass(frozen=True)
class Built:
    model: nn.Module
    inputs: tuple          # batch-1 CPU example inputs for model(*inputs)
    list_input: bool       # torchvision detection models take a list of images


def _create(entry: ZooEntry) -> nn.Module:
    if entry.source == "timm":
        from efficiency.zoo import timm
        return timm.create(entry)
    if entry.source == "torchvision":
        from efficiency.zoo import torchvision
        return torchvision.create(entry)
    if entry.source == "seed":
        from efficiency.zoo import seed
        return seed.create(entry)
    if entry.source == "hf":
        from efficiency.zoo import hf
        return hf.create(entry)
    if entry.source == "custom":
        from efficiency.zoo.custom import build_custom
        return build_custom(entry.name)
    raise ValueError(f"unknown source {entry.source!r}")


# Tasks whose random weights change the work a forward pass does: a detector's surviving boxes
# depend on its weights, so its latency must run the very weights its count ran (built on the CPU
# from the same seed). A classifier's work does not depend on the values.
VALUE_DEPENDENT_TASKS = frozenset({"detection", "segmentation", "optical_flow", "video"})


def _create_on(entry: ZooEntry, device: str, seed: int) -> nn.Module:
    """Create under ``torch.device(device)``: parameters are allocated and initialised there.

    Why: a timm ViT-H initialises 630 M parameters with ``trunc_normal_`` in 10-20 s on a CPU and in
    well under a second on a GPU, and every latency task builds afresh. A constructor that cannot run
    there (numpy on a tensor, an explicit CPU tensor mixed in) is built on the CPU instead, as before.
    """
    try:
        with torch.device(device):
            return _create(entry)
    except Exception:  # noqa: BLE001 - any failure here is retried the ordinary way
        torch.manual_seed(seed)
        return _create(entry)


def build(entry: ZooEntry, seed: int = 0, device: str | None = None) -> Built:
    """The architecture (random init, eval mode, no gradients) and a batch-1 CPU input.

    ``device`` (latency on a GPU): classifiers are created directly on it (:func:`_create_on`);
    tasks in :data:`VALUE_DEPENDENT_TASKS`, and ``None`` or a CPU, build on the CPU."""
    torch.manual_seed(seed)
    on_device = (device is not None and torch.device(device).type != "cpu"
                 and entry.task not in VALUE_DEPENDENT_TASKS)
    model = _create_on(entry, device, seed) if on_device else _create(entry)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x = torch.randn(1, *entry.input_size)
    if entry.task == "detection" and entry.source == "torchvision":
        return Built(model, (x,), list_input=True)
    if entry.task == "optical_flow" and entry.source == "torchvision":
        return Built(model, (x, torch.randn(1, *entry.input_size)), list_input=False)
    return Built(model, (x,), list_input=False)
