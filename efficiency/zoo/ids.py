"""Zoo ids: one string per zoo entry, shared by every table in data/ (no torch import).

* timm:        ``timm/<pretrained name>@<img size>``   e.g. ``timm/resnet50.a1_in1k@224``
  (timm's tables list some weights at several image sizes, so the size is part of the id)
* torchvision: ``torchvision/<builder>.<WEIGHTS member>`` e.g. ``torchvision/resnet50.IMAGENET1K_V2``
  (one input size per weight: its preset's; at another size, ``--resolution``: the id with ``@<img size>``,
  e.g. ``torchvision/resnet50.IMAGENET1K_V2@320``)
* custom:      ``custom/<entry point>@<input size>``   e.g. ``custom/pkg.mod:build@3x224x224``
* seed:        ``seed/<paper>.<variant>@<input size>`` e.g. ``seed/cswin.cswin_t@3x224x224``
  (our implementations of seed papers' architectures, :mod:`efficiency.zoo.seed`)

An entry derived at another square input size (the refresh's ``--resolution``,
:mod:`efficiency.zoo.resolution`) has the id its source gives that size (:func:`sized_id`): the same
weights at 320 px are ``timm/resnet50.a1_in1k@320`` whether timm publishes that size or not.
"""
from __future__ import annotations


def timm_id(pretrained_name: str, img_size: int) -> str:
    return f"timm/{pretrained_name}@{int(img_size)}"


def torchvision_id(builder: str, weight_member: str, img_size: int | None = None) -> str:
    """The weight's id; with ``img_size`` (a derived entry at a size of our choosing) ``@<img size>``."""
    base = f"torchvision/{builder}.{weight_member}"
    return base if img_size is None else f"{base}@{int(img_size)}"


def sized_id(source: str, name: str, img_size: int) -> str:
    """The id of the timm or torchvision classification weight ``name`` at square ``img_size``."""
    if source == "timm":
        return timm_id(name, img_size)
    if source == "torchvision":
        builder, _, member = name.partition(".")
        return torchvision_id(builder, member, img_size)
    raise ValueError(f"source {source!r} has no ids by input size")


def custom_id(entry_point: str, input_size: str) -> str:
    return f"custom/{entry_point}@{input_size}"


def seed_id(paper: str, variant: str, input_size: tuple[int, ...]) -> str:
    return f"seed/{paper}.{variant}@{input_size_str(input_size)}"


def input_size_str(shape: tuple[int, ...]) -> str:
    """(3, 224, 224) -> "3x224x224" (per sample, no batch dimension)."""
    return "x".join(str(int(d)) for d in shape)


def parse_input_size(text: str) -> tuple[int, ...]:
    """"3x224x224" or "3,224,224" -> (3, 224, 224); raises ValueError on anything else."""
    parts = text.replace(",", "x").split("x")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"input size {text!r} is not like 3,224,224") from None
    if len(dims) < 2 or any(d <= 0 for d in dims):
        raise ValueError(f"input size {text!r} needs at least two positive dimensions")
    return dims
