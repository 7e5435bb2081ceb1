"""Which zoo weights stand for a claim or its baseline, and what a delta claim's accuracy is (no torch).

Weights of one architecture and input size share their MACs and params, so for compute any of
them will do. Their accuracies do not: timm holds 31 ``resnet50`` weights, from torchvision's
original recipe (``tv_in1k``, 76.2 % top-1) to "ResNet strikes back" A1 (``a1_in1k``, 80.4 %). A
2020-22 pruning paper's "-0.76 points" is relative to its own, original-recipe ResNet-50, so
picking the weights by id order put a claimed point 4 points too high. For an accuracy use,
:func:`pick` therefore never chooses among weights more than :data:`AMBIGUOUS_POINTS` apart: it
takes the original recipe (:data:`ORIGINAL_RECIPE`) if present, else it refuses (``ambiguous``
says why; the claims table can pin ``baseline_model``).

A delta claim's claimed accuracy (:func:`delta_accuracy`) is the paper's own stated baseline figure
+ delta where the table has one (``baseline_value``, with the paper's words in ``baseline_quote``),
else the baseline weights' reference accuracy + delta; ``basis`` names which, for the hover and
the verdict ("= timm/resnet50.tv_in1k@224 76.16 - 0.76", "= paper's baseline 74.7 + 0.5").
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from efficiency.reference.accuracy import lookup

# data/paper_claims.csv columns read here: the paper's own baseline figure and its words
BASELINE_COLUMNS = ["baseline_value", "baseline_quote"]
AMBIGUOUS_POINTS = 1.0     # weights further apart than this are different baselines
# the original training recipe of an architecture: torchvision's first weights (timm re-hosts
# them as ``tv_in1k``), what a paper of the ResNet / MobileNetV2 era trained and compared with
ORIGINAL_RECIPE = re.compile(r"\.tv_in1k@|^torchvision/[^.]+\.IMAGENET1K_V1$")
_SIZE = 224                # ImageNet papers' evaluation size unless the table pins another


@dataclass(frozen=True)
class Pick:
    model: str            # "" when the results have no weights of the architecture, or when ambiguous
    ambiguous: str = ""   # why no weights were picked for an accuracy use


@dataclass(frozen=True)
class DeltaAccuracy:
    value: float          # the claimed accuracy (NaN when it cannot be derived)
    basis: str            # "= <weights> <acc> + <delta>" / "= paper's baseline <v> + <delta>" / why not


def size_of(model: str) -> int | None:
    m = re.search(r"@(\d+)$", model)
    return int(m.group(1)) if m else None


def _at_best_size(counts: pd.DataFrame, arch: str) -> list[str]:
    """The architecture's weights at the size closest to 224 (torchvision ids carry none: 224)."""
    cands = sorted(counts.loc[counts["arch"] == arch, "model"].unique())
    if not cands:
        return []
    best = min(abs((size_of(m) or _SIZE) - _SIZE) for m in cands)
    return [m for m in cands if abs((size_of(m) or _SIZE) - _SIZE) == best]


def pick(counts: pd.DataFrame, arch: str, pinned: str = "", accuracy: pd.DataFrame | None = None,
         dataset: str = "", metric: str = "") -> Pick:
    """The zoo weights standing for ``arch``: the ``pinned`` id if the results have it, else the
    weights at the size closest to 224. Without ``accuracy`` (a compute use) ties go to the
    smallest id. With it (an accuracy use in ``dataset``/``metric``), weights without a reference
    value are passed over, and weights more than :data:`AMBIGUOUS_POINTS` apart are resolved only
    by :data:`ORIGINAL_RECIPE`, else refused."""
    if pinned and (counts["model"] == pinned).any():
        return Pick(pinned)
    cands = _at_best_size(counts, arch)
    if not cands or accuracy is None:
        return Pick(cands[0] if cands else "")
    known = {m: v for m in cands if (v := lookup(accuracy, m, dataset, metric)) is not None}
    if not known:
        return Pick(cands[0])
    for group in (known, {m: v for m, v in known.items() if ORIGINAL_RECIPE.search(m)}):
        if group and max(group.values()) - min(group.values()) <= AMBIGUOUS_POINTS:
            return Pick(min(group))
    lo, hi = min(known, key=known.get), max(known, key=known.get)
    return Pick("", f"baseline ambiguous: {len(known)} {arch} weights span {known[lo]:.2f} ({lo}) to "
                    f"{known[hi]:.2f} ({hi}) {metric}, none of them the original recipe; the paper's "
                    "baseline figure is not in the table")


def pick_model(counts: pd.DataFrame, arch: str, pinned: str = "", accuracy: pd.DataFrame | None = None,
               dataset: str = "", metric: str = "") -> str:
    """:func:`pick`'s weights id ("" when none or, for an accuracy use, ambiguous)."""
    return pick(counts, arch, pinned, accuracy, dataset, metric).model


def stated_baseline(claim) -> float:
    """The paper's own baseline figure (``baseline_value``), NaN when the table has none."""
    try:
        return float(claim.get("baseline_value", "") or "nan")
    except (TypeError, ValueError):
        return math.nan


def _signed(delta: float) -> str:
    return f"{'-' if delta < 0 else '+'} {abs(delta):g}"


def delta_accuracy(claim, base: Pick, accuracy: pd.DataFrame, base_metric: str) -> DeltaAccuracy:
    """A ``*_delta`` claim's claimed accuracy: the paper's stated baseline + delta, else ``base``'s
    reference accuracy + delta; NaN (with the reason) when neither exists."""
    delta = float(claim["value"])
    stated = stated_baseline(claim)
    if not math.isnan(stated):
        return DeltaAccuracy(stated + delta, f"= paper's baseline {stated:g} {_signed(delta)}")
    if base.ambiguous:
        return DeltaAccuracy(math.nan, base.ambiguous)
    ref = lookup(accuracy, base.model, claim["dataset"], base_metric) if base.model else None
    if ref is None:
        return DeltaAccuracy(math.nan, "")
    return DeltaAccuracy(ref + delta, f"= {base.model} {ref:.2f} {_signed(delta)}")
