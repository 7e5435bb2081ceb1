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


def build(entry: ZooEntry, seed: int = 0) -> Built:
    """The architecture (random init, eval mode, no gradients) and a batch-1 input."""
    torch.manual_seed(seed)
    model = _create(entry)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x = torch.randn(1, *entry.input_size)
    if entry.task == "detection" and entry.source == "torchvision":
        return Built(model, (x,), list_input=True)
    if entry.task == "optical_flow" and entry.source == "torchvision":
        return Built(model, (x, torch.randn(1, *entry.input_size)), list_input=False)
    return Built(model, (x,), list_input=False)
