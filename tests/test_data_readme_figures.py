"""The figures data/README.md and data/paper_claims.md state about the shipped data are the data's own:
a merge or a new claim row that changes them must change the sentence too (an audit found both stale)."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import bench_module
from efficiency import paths

ROOT = Path(__file__).resolve().parent.parent


def _coverage_module():
    return bench_module("h200_coverage")


def _sentence(text: str, start: str) -> str:
    at = text.index(start)
    return " ".join(text[at:text.index("Batch-1 *eager*", at)].split())


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return pd.read_parquet(paths.RESULTS)


def test_gpu_coverage_sentence_matches_the_cache(results):
    n, h200 = _coverage_module().per_config(results, "H200")
    _, h100 = _coverage_module().per_config(results, "H100")
    said = _sentence((ROOT / "data" / "README.md").read_text(), "GPU coverage of the")
    assert f"GPU coverage of the {n:,} timm and torchvision classification architectures" in said
    b = [(1, "eager"), (1, "cuda_graph"), (256, "eager"), (256, "cuda_graph")]
    assert (f"on the H200, {h200[b[0]]:,} at batch 1 eager, {h200[b[1]]:,} at batch 1 as a CUDA graph, "
            f"{h200[b[2]]:,} at batch 256 eager and {h200[b[3]]:,} at batch 256 as a CUDA graph") in said
    assert f"on an H100, {h100[b[0]]:,}, {h100[b[1]]:,}, {h100[b[2]]:,} and {h100[b[3]]:,}" in said


def test_per_config_counts_architectures_not_rows():
    # two input sizes of one architecture, each with a good b1 eager row, count once; an error row and a
    # row of another GPU count nothing; a derived (resolution-sweep) size is left out of the zoo's total
    row = dict(source="timm", task="classification", device="cuda", gpu_name="NVIDIA H200", error="",
               derived_from="", batch_size=1, mode="eager")
    df = pd.DataFrame([
        {**row, "arch": "a", "input_size": "3x224x224"},
        {**row, "arch": "a", "input_size": "3x288x288"},
        {**row, "arch": "b", "input_size": "3x224x224", "error": "CUDA out of memory"},
        {**row, "arch": "c", "input_size": "3x224x224", "gpu_name": "NVIDIA H100 80GB HBM3"},
        {**row, "arch": "d", "input_size": "3x128x128", "derived_from": "timm/d.x@224"},
    ])
    n, by = _coverage_module().per_config(df, "H200")
    assert n == 3 and by[(1, "eager")] == 1 and by[(1, "cuda_graph")] == 0


def test_paper_claims_md_counts_match_the_table():
    claims = pd.read_csv(paths.PAPER_CLAIMS)
    text = (ROOT / "data" / "paper_claims.md").read_text()
    rows = int(re.search(r"The table has (\d+) rows", text).group(1))
    papers = int(re.search(r"It holds \*\*(\d+) papers\*\*", text).group(1))
    assert rows == len(claims)
    assert papers == claims["paper_title"].nunique()
