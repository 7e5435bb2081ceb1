"""Counted compute of the language models (efficiency.measure.llm_count): FlopCounterMode on the meta
device agrees exactly with the closed form (efficiency.measure.llm_formula) for real small configs,
a sliding window that bites, and a mixture of experts whose expert matmuls must be counted (k of E);
the count row's columns; malformed specs fail clearly; the refresh never times nor builds a language
model on the CPU."""
from __future__ import annotations

import dataclasses
import json

import pytest

from efficiency.measure import llm_count, llm_formula
from efficiency.run import language
from efficiency.run import worker
from efficiency.run.plan import LatencySpec, plan
from efficiency.store import cache, schema
from efficiency.zoo import hf

REAL = ("gpt2", "smollm2-135m", "qwen2.5-0.5b", "gemma-2-2b", "bert-base-uncased")


def _spec(name: str, **config) -> hf.LLMSpec:
    spec = hf.load_spec(name)
    return dataclasses.replace(spec, config={**spec.config, **config}) if config else spec


@pytest.fixture(scope="module")
def counts() -> dict[str, llm_count.LLMCount]:
    return {name: language.count_spec(hf.load_spec(name)) for name in REAL}


@pytest.mark.parametrize("name", REAL)
def test_counted_equals_formula_exactly(counts, name):
    c = counts[name]
    assert c.mismatches() == []
    assert c.prefill.flops == c.formula["prefill"] > 0
    for ctx, d in c.decode.items():
        assert (None if d is None else d.flops) == c.formula[f"decode_{ctx}"]
    assert c.kv_bytes_per_token == c.formula["kv_bytes"]
    assert c.uncovered == {}
    # only matrix products carry MACs, and every one of them was counted
    assert set(c.prefill.flops_by_op) <= {"aten::mm", "aten::addmm", "aten::bmm"}


def test_what_cannot_decode_is_null_and_said(counts):
    gpt2, bert = counts["gpt2"].to_row(), counts["bert-base-uncased"].to_row()
    assert gpt2["decode_flops_per_token_512"] > 0 and gpt2["decode_flops_per_token_4096"] is None
    assert "context 4096: not counted, the model has 1024 positions" in gpt2["count_notes"]
    assert bert["decode_flops_per_token_512"] is None and bert["kv_cache_bytes_per_token_bf16"] is None
    assert "encoder" in bert["count_notes"]
    # BERT's MLM head (transform d*d, decoder d*V) runs at every position, not once
    shape = llm_formula.shape_from_config(hf.load_spec("bert-base-uncased").config)
    no_head = llm_formula.prefill_flops(dataclasses.replace(shape, head=llm_formula.ENCODER), 512) // 2
    d, v = shape.hidden, shape.vocab
    assert bert["macs"] == no_head - d * d + 512 * (d * d + d * v)


def test_a_sliding_window_that_bites_is_counted():
    """Gemma 2 2B with a 128-token window on its sliding layers (alternate ones): at context 512 those
    layers attend to 128 keys, and the count follows the window, not the full context."""
    spec = _spec("gemma-2-2b", sliding_window=128, num_hidden_layers=4)
    c = language.count_spec(spec, contexts=(512,))
    assert c.mismatches() == []
    shape = llm_formula.shape_from_config(hf.build_spec(spec).config.to_dict())
    assert shape.windows == (128, None, 128, None)
    unwindowed = dataclasses.replace(shape, windows=(None,) * 4)
    saved = 2 * 2 * (2 * shape.heads * shape.head_dim * (512 - 128))   # 2 sliding layers, FLOPs
    assert c.decode[512].flops == llm_formula.decode_flops_per_token(unwindowed, 512) - saved


def test_mixture_of_experts_counts_k_of_e_experts():
    """The trap: an experts implementation that does not run on meta counts zero expert FLOPs, one
    that runs every expert counts E. batched_mm runs the k routed experts of each token: exactly the
    formula's active-expert figure, which must include k gated experts of width F per token."""
    spec = _spec("mixtral-8x7b", hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, vocab_size=512)
    c = language.count_spec(spec)
    assert c.mismatches() == []
    shape = llm_formula.shape_from_config(hf.build_spec(spec).config.to_dict())
    assert (shape.experts, shape.experts_per_token) == (8, 2)
    no_experts = dataclasses.replace(shape, experts_per_token=0)
    all_experts = dataclasses.replace(shape, experts_per_token=8)
    expert_flops = 2 * 512 * shape.layers * 2 * 3 * shape.hidden * shape.intermediate
    assert expert_flops > 0
    assert c.prefill.flops == llm_formula.prefill_flops(no_experts, 512) + expert_flops
    assert c.prefill.flops < llm_formula.prefill_flops(all_experts, 512)
    for ctx in llm_count.DECODE_CONTEXTS:
        step = 2 * shape.layers * 2 * 3 * shape.hidden * shape.intermediate
        assert c.decode[ctx].flops == llm_formula.decode_flops_per_token(no_experts, ctx) + step
    assert "2 of 8 experts per token" in c.to_row()["count_notes"]


def test_count_row_columns():
    entry = next(e for e in hf.entries() if e.id == "hf/smollm2-135m")
    row = language.count_entry(entry)
    assert set(schema.LLM_COUNT_COLUMNS) <= set(row)
    assert set(row) <= set(schema.COUNT_COLUMNS) | set(schema.LLM_COUNT_COLUMNS)
    spec = hf.load_spec("smollm2-135m")
    b = hf.param_breakdown(hf.build_spec(spec), spec)
    assert (row["params"], row["params_active"], row["params_embedding"]) == (b.params, b.params_active,
                                                                              b.params_embedding)
    assert row["param_bytes_fp32"] == 4 * b.params and row["weight_bytes_bf16"] == 2 * b.params
    assert row["flops"] == 2 * row["macs"] == row["prefill_flops_512"]
    assert row["macs_torch"] == row["macs"] == row["macs_formula"]
    assert row["macs_fvcore"] is None and "fvcore is not used" in row["count_notes"]
    assert (row["macs_rel_diff"], row["macs_mismatch"]) == (0.0, False)
    assert sum(json.loads(row["macs_by_op"]).values()) == row["macs"]
    assert json.loads(row["uncovered_ops"]) == {} and json.loads(row["ignored_ops"])
    assert row["training_tokens"] == float(spec.training_tokens)
    assert row["training_flops"] == 6.0 * b.params_active * spec.training_tokens
    assert row["decode_flops_per_token_4096"] > row["decode_flops_per_token_512"] > 0


def test_uncovered_operators_are_listed_never_dropped():
    ran = {"aten::mm": 3, "aten::add_": 2, "aten::_safe_softmax": 1, "aten::fancy_conv": 4}
    assert llm_count.uncovered_ops(ran, {"aten::mm"}) == {"aten::fancy_conv": 4}


def test_malformed_specs_fail_clearly(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(hf.LLMSpecError, match="broken.json"):
        language.count_spec(hf.read_spec(bad))
    with pytest.raises(ValueError, match="no closed form for model_type 'rwkv'"):
        language.count_spec(_spec("gpt2", model_type="rwkv"))
    entry = next(e for e in hf.entries() if e.id == "hf/gpt2")
    with pytest.raises(hf.LLMSpecError, match="no language model 'nope'"):
        language.count_entry(dataclasses.replace(entry, name="nope"))
    with pytest.raises(ValueError, match="512-token prompt"):
        language.count_entry(dataclasses.replace(entry, input_size=(1024,)))


def test_refresh_counts_on_meta_and_never_times_a_language_model():
    entry = next(e for e in hf.entries() if e.id == "hf/gpt2")
    values, error = worker.measure_count(entry)
    assert error == "" and values["macs"] == values["macs_formula"] and values["macs_fvcore"] is None
    spec = LatencySpec("cpu", 1, "fp32", "eager")
    values, error = worker.measure_latency(entry, spec)
    assert values == {} and "llm_sweep" in error
    jobs = plan([entry], cache.empty_frame(), {}, count=True, specs=[spec], force=False,
                retry_errors=False, device_names={"cpu": "x"}, latency_max_macs=None, threads=1)
    assert len(jobs) == 1 and jobs[0].count and jobs[0].latency == ()


def test_the_prompt_length_is_the_zoos():
    assert llm_count.PROMPT_TOKENS == hf.PROMPT_TOKENS


def test_a_missing_transformers_is_a_clear_error_row(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "transformers" else real(name, *a))
    entry = next(e for e in hf.entries() if e.name == "gpt2")
    values, error = worker.measure_count(entry)
    assert values == {} and "pip install transformers" in error and "vision models do not need it" in error


def test_count_key_follows_the_specs_training_tokens(monkeypatch):
    """A count row stores training FLOPs (6 x params x tokens): editing a spec's training_tokens must
    make the planner recount it, like editing its hyperparameters does."""
    from efficiency.run import plan as planner
    from efficiency.zoo.registry import load_zoo

    entry = load_zoo().get("hf/qwen2.5-0.5b")
    original = hf.load_spec("qwen2.5-0.5b")
    before = planner._language_inputs(entry)
    monkeypatch.setattr(hf, "load_spec", lambda name: dataclasses.replace(
        original, training_tokens=(original.training_tokens or 0) + 10**12))
    after = planner._language_inputs(entry)
    assert before != after
    monkeypatch.setattr(hf, "load_spec", lambda name: dataclasses.replace(
        original, config={**original.config, "num_hidden_layers": 1}))
    assert planner._language_inputs(entry) not in (before, after)
