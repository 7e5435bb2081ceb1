"""The language-model speed code (efficiency.measure.llm_latency, gpu_peaks, efficiency.run.llm_sweep) on
the CPU, where CI runs: the figures' arithmetic, the static-cache rewind a CUDA graph replays, the fit
rule, the input keys, the sweep's refusal without a GPU, and the shipped H200 rows' invariants."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import torch

from efficiency import paths
from efficiency.measure import gpu_peaks, llm_latency
from efficiency.measure.timing import LatencyStats
from efficiency.run import llm_sweep
from efficiency.store import query


def test_attention_flops_count_qk_and_av_and_halve_for_causal():
    assert gpu_peaks.attention_flops(1, 1, 2, 3, causal=False) == 2 * (2 * 2 * 2 * 3)   # two matmuls
    assert gpu_peaks.attention_flops(2, 4, 8, 16, causal=True) * 2 == gpu_peaks.attention_flops(2, 4, 8, 16, False)


def test_decode_row_puts_each_figure_beside_its_bandwidth_bound():
    stats = LatencyStats.from_samples([2.0, 2.0, 4.0], batch_size=4)
    res = llm_latency.DecodeResult("cuda_graph", 4, stats, stats.throughput, 1000.0, 8e9, None, None, 1, 2)
    row = llm_latency.decode_row(res, bandwidth_gb_s=4000.0, prompt_len=512, new_tokens=128)
    assert row["decode_bound_tokens_per_s"] == pytest.approx(4 / (8e9 / 4000e9))    # 2000 tokens/s
    assert row["decode_fraction_of_bound"] == pytest.approx(2000 / 2000)
    assert row["latency_ms_p50"] == 2.0 and row["throughput"] == row["decode_tokens_per_s"] == 2000
    assert row["attention_backends"] == "flash,efficient"


def test_moe_weights_read_at_batch_1_are_the_routed_experts_only():
    class Experts(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(8, 10))   # 8 experts of 10 values

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.config = type("C", (), {"num_local_experts": 8, "num_experts_per_tok": 2})()
            self.shared = torch.nn.Parameter(torch.zeros(20))
            self.block = torch.nn.Module()
            self.block.experts = Experts()

    m = Model()
    assert llm_latency.weight_bytes_per_step(m, batch=1) == 4 * (20 + 80 * 2 // 8)
    assert llm_latency.weight_bytes_per_step(m, batch=64) == 4 * 100   # an upper bound: every expert


def test_a_static_cache_rewinds_to_the_prompt_where_a_cuda_graph_reads_it():
    from transformers import AutoConfig, AutoModelForCausalLM, StaticCache

    cfg = AutoConfig.for_model(model_type="llama", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=2, vocab_size=100)
    model = AutoModelForCausalLM.from_config(cfg).eval()
    cache = StaticCache(config=model.config, max_cache_len=16)
    with torch.no_grad():
        model(input_ids=torch.zeros(1, 5, dtype=torch.long), past_key_values=cache, use_cache=True)
        for _ in range(3):
            model(input_ids=torch.zeros(1, 1, dtype=torch.long), past_key_values=cache, use_cache=True)
    assert int(cache.layers[0].cumulative_length) == 8
    llm_latency._rewind(cache, 5)
    assert all(int(layer.cumulative_length) == 5 for layer in cache.layers)


def test_a_model_fits_only_with_room_beside_its_bf16_weights():
    gb = 10**9
    assert llm_sweep._fits({"published_params": 8 * gb}, 100 * gb) is None
    why = llm_sweep._fits({"published_params": 405 * gb}, 151 * gb)
    # GiB first, as the dashboard shows bytes, the decimal figure beside (FIX8, AUDIT7 L3)
    assert why.startswith("does not fit: 754.4 GiB (810.0 GB) of bf16 weights") and \
        "exceed the 140.6 GiB (151.0 GB) free" in why
    # Qwen2.5 72B on the H200: weights 145.4 GB, 148 GB free -> measured (peak at batch 1 is weights + ~0.5 GB)
    assert llm_sweep._fits({"published_params": 72_706_000_000}, 148 * gb) is None
    assert llm_sweep._fits({"published_params": 72_706_000_000}, 146 * gb) is not None


def test_input_keys_change_with_what_the_figure_depends_on():
    row = {"model": "hf/gpt2", "batch_size": 1, "mode": "eager", "dtype": "bf16", "prompt_len": 512,
           "new_tokens": 128, "attention_backends": "flash,efficient", "torch_version": "2.11",
           "transformers_version": "5.17.0", "hardware": "gpu/NVIDIA H200/140GiB/700W"}
    assert llm_sweep.input_key(row) == llm_sweep.input_key(dict(row))
    for key, other in [("mode", "cuda_graph"), ("hardware", "gpu/other"), ("transformers_version", "5.18")]:
        assert llm_sweep.input_key({**row, key: other}) != llm_sweep.input_key(row)


def test_specs_are_selected_by_pattern_and_run_smallest_first():
    specs = llm_sweep._specs(["gpt2*"])
    assert [s["name"] for s in specs] == ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"]


def test_the_sweep_refuses_without_a_gpu(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert llm_sweep.main(["--out", str(tmp_path / "r.parquet")]) == 2
    assert not (tmp_path / "r.parquet").exists()


def test_shipped_language_speed_rows_respect_their_bounds():
    df = query.load_results()
    rows = query.good_rows(df[(df["source"] == "hf") & (df["kind"] == "latency")])
    decode = rows[rows["decode_tokens_per_s"].notna()]
    assert len(decode) >= 100
    assert (decode["decode_fraction_of_bound"] <= 1).all()          # nothing faster than physics
    h200 = decode["hardware"] == "gpu/NVIDIA H200/140GiB/700W"
    # every model on the H200; the tied-embedding models' re-measure (AUDIT7 F1) on an H100 beside it
    assert set(decode.loc[~h200, "hardware"]) <= {"gpu/NVIDIA H100 80GB HBM3/79GiB/700W"}
    assert decode.loc[h200, "model"].nunique() >= 30
    assert set(decode["mode"]) == {"eager", "cuda_graph"}
    # batch 1 and 64, or (70B-class) the largest power of two that fits, which the row's note names
    large = decode[decode["batch_size"] != 1]
    assert set(large["batch_size"]) <= {2, 4, 8, 16, 32, 64} and 64 in set(large["batch_size"])
    smaller = large[large["batch_size"] < 64]
    assert (smaller["latency_notes"] == smaller["batch_size"].map(
        lambda b: f"batch 64 does not fit; largest that fits: {b}")).all()
    assert {"hf/k2-65b", "hf/llama-2-70b", "hf/llama-3.1-70b"} <= set(smaller["model"])
    eight_b = decode[(decode["model"] == "hf/llama-3.1-8b") & (decode["mode"] == "cuda_graph")
                     & (decode["batch_size"] == 1)]
    assert eight_b["decode_fraction_of_bound"].iloc[0] >= 0.40     # the target for 8B-class models
    too_big = df[(df["model"] == "hf/llama-3.1-405b") & (df["kind"] == "latency")]
    assert len(too_big) and too_big["error"].str.startswith("does not fit").all()


def test_shipped_attention_benchmark_covers_the_flash_attention_2_grid():
    peaks = pd.read_parquet(paths.DATA / "gpu_peaks.parquet")
    flash = peaks[peaks["what"] == "sdpa_flash"]
    assert set(flash["head_dim"]) == {64, 128}
    assert set(flash["seq_len"]) == {512, 1024, 2048, 4096, 8192, 16384}
    assert ((flash["fraction_of_matmul_peak"] > 0) & (flash["fraction_of_matmul_peak"] < 1)).all()


def test_decode_result_is_frozen():
    stats = LatencyStats.from_samples([1.0], batch_size=1)
    res = llm_latency.DecodeResult("eager", 1, stats, 1000.0, 1.0, 1.0, None, None, 0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.batch = 2


def test_the_decode_energy_window_counts_tokens(monkeypatch):
    from efficiency.measure import energy

    clock = iter(range(100))            # one second per reading of the clock
    readings = iter([1000.0, 7000.0])   # mJ: 6 J over the window
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: None)
    window = energy.EnergyWindow(0, read=lambda _: next(readings), clock=lambda: float(next(clock)))
    steps = []
    dec = llm_latency._Decoder(step=lambda: steps.append(1), reset=lambda: None, kv_bytes_per_token=0.0)
    window = llm_latency._energy_window(dec, new_tokens=3, batch=2, window=window)   # an energy.Energy
    passes = len(steps) // 3
    assert passes >= 1 and len(steps) == 3 * passes and window.calls == passes     # a call is a whole decode
    assert window.j_per_sample == pytest.approx(6.0 / (passes * 3 * 2)) and window.power_w > 0
