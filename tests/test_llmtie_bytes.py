"""AUDIT7 F1: the bytes a decode step reads (efficiency.measure.llm_latency.weight_bytes_per_step) count each
distinct weight once (a tied table once) and, of a table only looked up, the batch's rows; and
bench/llm_bytes_recompute.py recomputes the stored rows' bytes and bound from that count. Small
configs built by build_random on the meta device, their byte figures counted by hand below."""
from __future__ import annotations


import pandas as pd
import pytest
import torch

from conftest import bench_module
from efficiency import paths
from efficiency.measure.llm_latency import build_random, weight_bytes_per_step

BF16 = 2


def _build(**config):
    return build_random(config, "causal_lm", torch.device("meta"))


def test_a_tied_gpt2_reads_its_table_once_and_the_position_rows_it_looks_up():
    d, layers, vocab, positions = 16, 2, 100, 32
    model = _build(model_type="gpt2", n_embd=d, n_layer=layers, n_head=2, n_positions=positions, vocab_size=vocab)
    # a block: ln_1 2d, c_attn d x 3d + 3d, c_proj d x d + d, ln_2 2d, c_fc d x 4d + 4d, mlp c_proj 4d x d + d
    block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (4 * d * d + 4 * d) + (4 * d * d + d)
    assert block == 3280
    unique = vocab * d + positions * d + layers * block + 2 * d       # wte (= lm_head), wpe, blocks, ln_f
    assert sum(p.numel() for p in model.parameters()) == unique == 8704
    # wte is read whole by the unembedding; of wpe a step reads one row per sequence
    assert weight_bytes_per_step(model, 1) == BF16 * (unique - positions * d + 1 * d) == 16416
    assert weight_bytes_per_step(model, 4) == BF16 * (unique - positions * d + 4 * d) == 16512
    assert weight_bytes_per_step(model, 64) == BF16 * unique            # more rows than the table has


def test_an_untied_llama_reads_its_unembedding_whole_and_the_batch_rows_of_its_embedding():
    d, ff, layers, vocab = 16, 32, 2, 100
    model = _build(model_type="llama", hidden_size=d, intermediate_size=ff, num_hidden_layers=layers,
                   num_attention_heads=4, num_key_value_heads=2, vocab_size=vocab, tie_word_embeddings=False)
    kv = 2 * 4                                                      # 2 kv heads x head_dim 4
    block = d * d + 2 * d * kv + d * d + 3 * d * ff + 2 * d          # q, k v, o, gate up down, two norms
    unique = vocab * d + layers * block + d + vocab * d              # embed, blocks, norm, lm_head
    assert sum(p.numel() for p in model.parameters()) == unique == 7888
    assert weight_bytes_per_step(model, 1) == BF16 * (unique - vocab * d + d) == 12608
    assert weight_bytes_per_step(model, 4) == BF16 * (unique - vocab * d + 4 * d) == 12704


def test_a_mixtral_reads_the_routed_experts_at_batch_1_and_all_of_them_above():
    d, ff, vocab, experts, k = 16, 32, 100, 4, 2
    model = _build(model_type="mixtral", hidden_size=d, intermediate_size=ff, num_hidden_layers=1,
                   num_attention_heads=4, num_key_value_heads=2, vocab_size=vocab, num_local_experts=experts,
                   num_experts_per_tok=k, tie_word_embeddings=False)
    expert = 3 * d * ff                                               # gate, up, down
    shared = d * d + 2 * d * 8 + d * d + d * experts + 2 * d         # attention, router, two norms
    unique = vocab * d + shared + experts * expert + d + vocab * d   # embed, block, norm, lm_head
    assert sum(p.numel() for p in model.parameters()) == unique == 10224
    assert weight_bytes_per_step(model, 1) == BF16 * (unique - (experts - k) * expert - (vocab - 1) * d) == 11136
    assert weight_bytes_per_step(model, 64) == BF16 * (unique - (vocab - 64) * d) == 19296


def _recompute_module():
    return bench_module("llm_bytes_recompute")


H200 = "gpu/NVIDIA H200/140GiB/700W"


def _old_rows(models, **where):
    """The shipped H200 decode rows of ``models`` with their bytes put back to the sweep's old count (the
    shipped cache holds the recomputed figures since the migration), and the shipped rows themselves."""
    mod = _recompute_module()
    df = pd.read_parquet(paths.DATA / "results.parquet")
    shipped = df[df["model"].isin(models) & (df["kind"] == "latency") & (df["hardware"] == H200)]
    for column, value in where.items():
        shipped = shipped[shipped[column] == value]
    old = shipped.copy()
    for idx, row in old.iterrows():
        model, b = mod._model(row["model"].removeprefix("hf/")), int(row["batch_size"])
        old.loc[idx, "decode_bytes_per_step"] = mod.swept_weight_bytes(model, b) + mod.kv_bytes(row)
    return mod, old, shipped


def test_the_shipped_rows_carry_the_corrected_bytes_and_the_script_reproduces_them():
    mod, old, shipped = _old_rows(["hf/gpt2", "hf/llama-3.1-8b"], batch_size=1, mode="cuda_graph")
    assert len(shipped) == 2
    kv = {m: 584 * r["kv_cache_bytes_per_token_measured"] for m, r in shipped.set_index("model").iterrows()}
    assert kv["hf/gpt2"] == 584 * 36864            # 12 layers x 2 (k, v) x 768 x 2 bytes, context 512 + 8 + 64
    ship = shipped.set_index("model")
    # gpt2: 124,439,808 distinct parameters (tied), less 1023 of the 1024 position rows
    assert ship.loc["hf/gpt2", "decode_bytes_per_step"] == BF16 * (124_439_808 - 1023 * 768) + kv["hf/gpt2"]
    # llama-3.1-8b (untied): 8,030,261,248 parameters, less 128,255 of the 128,256 embedding rows
    assert ship.loc["hf/llama-3.1-8b", "decode_bytes_per_step"] == \
        BF16 * (8_030_261_248 - 128_255 * 4096) + kv["hf/llama-3.1-8b"]
    new, lines = mod.recompute(old)
    new = new.set_index("model")
    for model, row in new.iterrows():
        was = old.set_index("model").loc[model]
        bound = 1 / (row["decode_bytes_per_step"] / (was["memory_bandwidth_gb_s"] * 1e9))
        assert row["decode_bytes_per_step"] == ship.loc[model, "decode_bytes_per_step"]
        assert row["decode_bound_tokens_per_s"] == pytest.approx(bound)
        assert row["decode_bound_tokens_per_s"] == pytest.approx(ship.loc[model, "decode_bound_tokens_per_s"])
        assert row["decode_fraction_of_bound"] == pytest.approx(was["decode_tokens_per_s"] / bound)
        assert row["latency_ms_p50"] == was["latency_ms_p50"]            # measured columns are kept
    assert len(lines) == 2 and not any(line.startswith("LEFT OUT") for line in lines)


def test_every_shipped_language_speed_row_counts_bytes_the_corrected_way():
    """H200 and H100 rows alike: bytes = weight_bytes_per_step of the tied build + the KV the sweep read."""
    mod = _recompute_module()
    df = pd.read_parquet(paths.DATA / "results.parquet")
    rows = df[(df["source"] == "hf") & (df["kind"] == "latency") & df["decode_bytes_per_step"].notna()
              & (df["error"].fillna("") == "")]
    assert len(rows) >= 170
    models = {}
    for _, row in rows.iterrows():
        name = row["model"].removeprefix("hf/")
        model = models.setdefault(name, mod._model(name))
        want = weight_bytes_per_step(model, int(row["batch_size"])) + mod.kv_bytes(row)
        assert abs(row["decode_bytes_per_step"] - want) <= 1, (row["model"], row["batch_size"], row["hardware"])


def test_a_row_whose_bytes_the_sweep_did_not_count_this_way_is_left_out():
    mod, old, _ = _old_rows(["hf/gpt2"], batch_size=1)
    old["decode_bytes_per_step"] += 1000
    new, lines = mod.recompute(old)
    assert new.empty and all(line.startswith("LEFT OUT hf/gpt2 b1") for line in lines) and len(lines) == 2
