"""The timm source: every (pretrained name, img_size) row of timm's published ImageNet results table.

The table is ``data/reference/timm/results-imagenet.csv`` (a byte-identical copy of timm's); listing
it needs no timm import. Building (:func:`create`) imports timm and never downloads weights.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

from efficiency import paths
from efficiency.zoo import ids
from efficiency.zoo.registry import ZooEntry, family_of, paper_for

TABLE = paths.TIMM_REFERENCE / "results-imagenet.csv"


def table_rows(table: Path = TABLE) -> Iterator[tuple[str, int]]:
    """(pretrained name, img_size) for every row of the table; raises FileNotFoundError naming it."""
    if not table.exists():
        raise FileNotFoundError(f"timm results table not found: {table}")
    with open(table, newline="") as fh:
        for row in csv.DictReader(fh):
            yield row["model"], int(row["img_size"])


def table_ids(table: Path = TABLE) -> set[str]:
    """Zoo ids of every row of the table (the timm part of the zoo)."""
    return {ids.timm_id(name, size) for name, size in table_rows(table)}


def entries(table: Path = TABLE) -> list[ZooEntry]:
    """One entry per (pretrained name, img_size) row of timm's ImageNet results table."""
    out = []
    for name, size in table_rows(table):
        arch, _, tag = name.partition(".")
        out.append(ZooEntry(
            id=ids.timm_id(name, size), source="timm", name=name, arch=arch, weights=tag,
            task="classification", family=family_of(arch), input_size=(3, size, size),
            paper=paper_for(arch),
        ))
    return out


def create(entry: ZooEntry):
    """The architecture with random weights (``pretrained=False``) at the entry's input size."""
    try:
        return _create(entry.name, entry.input_size[-1])
    except Exception as exc:
        if not entry.derived_from:
            raise
        # a size of our choosing (refresh --resolution): say so, beside the model's own reason
        raise ValueError(f"{entry.arch} cannot be built at {entry.input_size[-1]} px "
                         f"({type(exc).__name__}: {exc})") from exc


def _create(name: str, size: int):
    import timm

    try:
        # ViT-style models fix their position embeddings (and LeViT, EfficientViT-M their attention
        # biases) at construction: give them the entry's image size. Convolutional models reject the
        # keyword and take any size: build them plainly.
        return timm.create_model(name, pretrained=False, img_size=size)
    except TypeError as exc:
        if "img_size" not in str(exc):
            raise
        return timm.create_model(name, pretrained=False)
