"""Zoo entries at other square input sizes: the refresh's ``--resolution`` (no torch).

timm publishes most weights at one or two sizes, torchvision each weight at its preset's, so the zoo
alone gives few latency-versus-resolution curves. :func:`derive` adds, for each selected timm or
torchvision classification entry, the same weights at each requested size:

* the entry's own size is the entry itself;
* a size the zoo already has for the same weights (``timm/resnet50.a1_in1k@288``) is that zoo entry,
  a reference model with its published accuracy, never a duplicate;
* any other size is a *derived* entry: the id its source gives that size (:func:`efficiency.zoo.ids.sized_id`),
  ``input_size`` (3, size, size), and ``derived_from`` naming the entry it came from. It is built like
  the zoo's entries (timm: ``create_model(..., img_size=size)``, which ViT-style models need to size
  their position embeddings and attention biases; convolutional networks take any size unchanged;
  torchvision: :func:`efficiency.zoo.torchvision.create`). A network that cannot run at a size (a
  patch or window that does not divide it) fails in the worker like any model: an error row saying
  why, never a skip.

Derived entries have no published accuracy: the dashboard keeps their rows out of its model set
(``derived_from`` in the results cache; :mod:`efficiency.ui.data`) and uses them for resolution curves.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable

from efficiency.zoo import ids
from efficiency.zoo.registry import Zoo, ZooEntry

SOURCES = ("timm", "torchvision")   # sources whose ids and builders take an input size
SMALLEST, LARGEST = 32, 2048        # px: below, no ImageNet network has a feature map left; above, days


def eligible(entry: ZooEntry) -> bool:
    """Whether ``entry`` can be derived at other sizes: a timm or torchvision classification model
    taking one square RGB image (not derived itself)."""
    size = entry.input_size
    return (entry.source in SOURCES and entry.task == "classification" and not entry.derived_from
            and len(size) == 3 and size[0] == 3 and size[1] == size[2])


def at_size(entry: ZooEntry, size: int, zoo: Zoo | None = None) -> ZooEntry:
    """``entry``'s weights at square ``size``: ``entry`` itself at its own size, the zoo's entry where
    the zoo has that size, else a derived entry (module docstring)."""
    if not eligible(entry):
        raise ValueError(f"{entry.id} cannot be derived at another input size: only timm and torchvision "
                         "classification models taking a square image can")
    if entry.input_size == (3, size, size):
        return entry
    model_id = ids.sized_id(entry.source, entry.name, size)
    if zoo is not None and model_id in zoo:
        return zoo.get(model_id)
    return dataclasses.replace(entry, id=model_id, input_size=(3, size, size), derived_from=entry.id,
                               user_accuracy=None)


def check_sizes(sizes: Iterable[int]) -> list[int]:
    """The sizes ascending without repeats; ValueError naming any outside [SMALLEST, LARGEST]."""
    sizes = sorted(set(int(s) for s in sizes))
    bad = [s for s in sizes if not SMALLEST <= s <= LARGEST]
    if bad:
        raise ValueError(f"--resolution sizes must be between {SMALLEST} and {LARGEST} px, got {bad}")
    return sizes


@dataclasses.dataclass(frozen=True)
class Derivation:
    """The outcome of :func:`derive`: every entry to plan, in order, and what the sizes added."""

    entries: list[ZooEntry]     # the selection, each eligible entry followed by its other sizes
    derived: list[ZooEntry]     # the derived entries among them (no published accuracy)
    from_zoo: list[ZooEntry]    # zoo entries added because a requested size is one the zoo has
    ineligible: list[ZooEntry]  # selected entries measured at their own size only


def derive(selected: list[ZooEntry], sizes: Iterable[int], zoo: Zoo | None = None) -> Derivation:
    """Each eligible entry of ``selected`` at every size of ``sizes`` (:func:`at_size`), after it and
    without repeats (the first entry a size is reached from names it in ``derived_from``)."""
    sizes = check_sizes(sizes)
    chosen = {e.id for e in selected}
    emitted: dict[str, ZooEntry] = {}   # insertion order: each entry, then its other sizes
    derived, from_zoo = [], []
    for entry in selected:
        emitted.setdefault(entry.id, entry)   # a selected entry reached from another keeps that place
        if not eligible(entry):
            continue
        for size in sizes:
            other = at_size(entry, size, zoo)
            if other.id in emitted:
                continue
            emitted[other.id] = other
            if other.derived_from:
                derived.append(other)
            elif other.id not in chosen:
                from_zoo.append(other)
    return Derivation(list(emitted.values()), derived, from_zoo, [e for e in selected if not eligible(e)])
