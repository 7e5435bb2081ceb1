"""H200 coverage of the classification zoo (issue 14's "99 % of architectures at all four configurations").

    python bench/h200_coverage.py [--cache data/results.parquet] [--missing out.args]

Counts timm and torchvision classification zoo entries (derived resolution sizes left out) two ways: per
architecture (``source/arch``, covered when any of its entries has the configuration's good H200 row) and
per architecture and input size. Configurations: batch 1 eager, batch 1 CUDA graph, batch 256 eager, batch
256 CUDA graph. ``--missing`` writes a refresh argument file (``@file``) of one entry per architecture-and-size
lacking one of the first three, smallest MACs first.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

CONFIGS = [(1, "eager"), (1, "cuda_graph"), (256, "eager"), (256, "cuda_graph")]


def _classification(results: pd.DataFrame) -> pd.DataFrame:
    """timm and torchvision classification rows of the zoo's own entries, keyed ``a`` (source/arch) and
    ``ai`` (source/arch|input size)."""
    d = results.assign(a=results["source"] + "/" + results["arch"])
    d = d.assign(ai=d["a"] + "|" + d["input_size"].astype(str))
    return d[(d["task"] == "classification") & d["source"].isin(["timm", "torchvision"])
             & (d["derived_from"].fillna("") == "")]


def _good_gpu_rows(cls: pd.DataFrame, gpu: str) -> pd.DataFrame:
    return cls[(cls["device"] == "cuda") & cls["gpu_name"].fillna("").str.contains(gpu)
               & (cls["error"].fillna("") == "")]


def per_config(results: pd.DataFrame, gpu: str = "H200") -> tuple[int, dict[tuple[int, str], int]]:
    """(architectures in the zoo, {(batch, mode): architectures with a good row of that GPU}); the figures
    data/README.md's "GPU coverage" sentence quotes (tests/test_data_readme_figures.py holds them to it)."""
    cls = _classification(results)
    good = _good_gpu_rows(cls, gpu)
    return cls["a"].nunique(), {(b, m): good.loc[(good["batch_size"] == b) & (good["mode"] == m), "a"].nunique()
                                for b, m in CONFIGS}


def coverage(results: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """({key: (total, covered at the first three, covered at all four)}, entries lacking the first three)."""
    cls = _classification(results)
    good = _good_gpu_rows(cls, "H200")
    out = {}
    for key in ("a", "ai"):
        have = [set(good.loc[(good["batch_size"] == b) & (good["mode"] == m), key]) for b, m in CONFIGS]
        three = set.intersection(*have[:3])
        out[key] = (cls[key].nunique(), len(three), len(three & have[3]))
    three_ai = set.intersection(*[set(good.loc[(good["batch_size"] == b) & (good["mode"] == m), "ai"])
                                  for b, m in CONFIGS[:3]])
    macs = cls.groupby("model")["macs"].max()
    lacking = cls.loc[~cls["ai"].isin(three_ai), ["ai", "model"]].drop_duplicates("model")
    lacking = lacking.assign(macs=lacking["model"].map(macs)).sort_values(["macs", "model"]).drop_duplicates("ai")
    return out, lacking


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent.parent / "data" / "results.parquet")
    p.add_argument("--missing", type=Path, help="write a refresh @argument file of the entries lacking rows")
    a = p.parse_args(argv)
    results = pd.read_parquet(a.cache)
    counts, lacking = coverage(results)
    for gpu in ("H200", "H100"):
        n, by = per_config(results, gpu)
        print(f"{gpu}, architectures with a good row: " + ", ".join(
            f"b{b} {m}: {k:,}" for (b, m), k in by.items()) + f" (of {n:,})")
    for key, words in (("a", "architectures (source/arch)"), ("ai", "architecture x input size")):
        n, three, four = counts[key]
        print(f"{words}: {n:,}; b1 eager + b1 graph + b256 eager: {three:,} ({three / n:.1%}); "
              f"all four: {four:,} ({four / n:.1%})")
    if a.missing:
        a.missing.write_text("--models\n" + "\n".join(lacking["model"]) + "\n")
        print(f"{len(lacking):,} entries lacking rows written to {a.missing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
