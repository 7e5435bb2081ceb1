"""Compare of language models offers no sweep command for a model whose weights do not fit the GPU that
refused it (a re-run only repeats its error rows; AUDIT7 F5, the Compare side): it says what it needs."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from conftest import ROOT
from efficiency.ui import compare_notes as cn
from efficiency.ui.state import DEFAULT

H200 = "gpu/NVIDIA H200/140GiB/700W"


def test_a_model_that_does_not_fit_gets_no_command_and_one_that_can_run_does():
    res = pd.read_parquet(ROOT / "data" / "results.parquet")
    s = replace(DEFAULT, task="language", device="cuda", dtype="bf16", mode="cuda_graph", batch=1)
    cov = cn.machine_coverage(res, ["hf/llama-3.1-405b", "hf/qwen2.5-72b", "hf/llama-3.1-8b"], s, H200)
    assert set(cov.nowhere) == {"hf/llama-3.1-405b", "hf/qwen2.5-72b"}
    hint = cn.missing_hint(cov, s, "", res)
    assert "cannot be measured on this GPU (the weights do not fit)" in hint and "405b" in hint
    command = hint[hint.index("Measure"):]
    assert "qwen2.5-72b" in command and "405b" not in command      # 72B was refused by an old rule: it can run
    # without the rows the page cannot tell, and keeps the former wording
    assert "cannot be measured" not in cn.missing_hint(cov, s, "")
