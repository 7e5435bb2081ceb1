"""Seed papers: which architecture implements which paper, and what the abstracts claim (no torch import).

``data/paper_claims.csv`` has one row per numeric claim in a seed-paper abstract (at least one row
per paper); ``data/paper_claims.md`` documents the columns and the vocabulary. The ``zoo_archs``
column lists the timm/torchvision architectures implementing the paper as ``;``-separated fnmatch
patterns (``ghostnetv2_*``), the same on every row of a paper.
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

import pandas as pd

from efficiency import paths

CLAIMS_PATH = paths.PAPER_CLAIMS

# arXiv ids of the seed papers that zoo rows name (data/paper_claims.csv rows with zoo_archs), each
# read on the paper's arXiv abstract page https://arxiv.org/abs/<id>; keyed by the exact title the
# rows carry (tests/test_links.py checks the table covers exactly those papers)
PAPER_ARXIV = {
    "An Energy and GPU-Computation Efficient Backbone Network for Real-Time Object Detection": "1904.09730",
    "CrossViT: Cross-Attention Multi-Scale Vision Transformer for Image Classification": "2103.14899",
    "FBNet: Hardware-Aware Efficient ConvNet Design via Differentiable Neural Architecture Search": "1812.03443",
    "FBNetV3: Joint Architecture-Recipe Search using Predictor Pretraining": "2006.02049",
    "Fast and Accurate Model Scaling": "2103.06877",
    "GhostNetV2: Enhance Cheap Operation with Long-Range Attention": "2211.12905",
    "InceptionNeXt: When Inception Meets ConvNeXt": "2303.16900",
    "Learning Transferable Architectures for Scalable Image Recognition": "1707.07012",
    "MetaFormer Baselines for Vision": "2210.13452",
    "MnasNet: Platform-Aware Neural Architecture Search for Mobile": "1807.11626",
    "Model Rubik's Cube: Twisting Resolution, Depth and Width for TinyNets": "2010.14819",
}


# the columns data/paper_claims.csv must have (load_claims checks them)
CLAIMS_TABLE_COLUMNS = [
    "paper_title", "model", "task", "dataset", "metric", "value",
    "compute_value", "compute_unit", "compute_convention", "baseline", "hardware", "params_m",
    "quote", "zoo_archs", "zoo_arch", "zoo_model", "baseline_arch", "baseline_model",
    "relative_factor", "status", "reason", "note",
]
NUMERIC_COLUMNS = ["value", "compute_value", "params_m", "relative_factor"]

COMPUTE_CONVENTIONS = (
    "macs_called_flops",     # the paper says FLOPs but counts multiply-adds (fvcore/timm style)
    "true_flops",            # 2 x multiply-adds
    "relative_to_baseline",  # "x fewer FLOPs than B", "% reduction"
    "latency",               # milliseconds or speed-up on named hardware
    "throughput",            # images/s, FLOP/s, MFU
    "params_only",
    "none",                  # no compute figure
    "unknown",               # a figure whose counting convention cannot be decided
)
STATUSES = ("mapped", "no_zoo_arch", "no_per_image_claim")


class ClaimsTableError(RuntimeError):
    """The claims table is missing, unreadable or has the wrong columns."""


def load_claims(path: str | Path | None = None) -> pd.DataFrame:
    """Read data/paper_claims.csv (or ``path``): strings stay "" when empty, numeric columns float."""
    path = Path(path) if path is not None else CLAIMS_PATH
    if not path.exists():
        raise ClaimsTableError(f"claims table {path} is missing")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise ClaimsTableError(f"claims table {path} cannot be read ({exc})") from exc
    missing = [c for c in CLAIMS_TABLE_COLUMNS if c not in df.columns]
    if missing:
        raise ClaimsTableError(f"claims table {path} lacks columns {missing}")
    for col in NUMERIC_COLUMNS:
        df[col] = pd.to_numeric(df[col].replace("", None), errors="coerce").astype(float)
    return df


@lru_cache(maxsize=4)
def _paper_patterns(path: str | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(title, patterns) per paper in file order; first paper wins when two patterns overlap."""
    df = load_claims(path)
    out: dict[str, list[str]] = {}
    for title, archs in zip(df["paper_title"], df["zoo_archs"]):
        for pattern in filter(None, (p.strip() for p in archs.split(";"))):
            pats = out.setdefault(title, [])
            if pattern not in pats:
                pats.append(pattern)
    return tuple((t, tuple(p)) for t, p in out.items())


def paper_arch_patterns(path: str | Path | None = None) -> dict[str, list[str]]:
    """{seed paper title: [fnmatch patterns of the zoo architectures implementing it]}."""
    return {t: list(p) for t, p in _paper_patterns(str(path) if path else None)}


def seed_paper_for_arch(arch: str, path: str | Path | None = None) -> str:
    """Title of the seed paper that ``arch`` (a timm/torchvision architecture name) implements, or ""."""
    for title, patterns in _paper_patterns(str(path) if path else None):
        if any(fnmatchcase(arch, p) for p in patterns):
            return title
    return ""
