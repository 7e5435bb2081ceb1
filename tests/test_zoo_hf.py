"""The language-model section of the zoo (efficiency.zoo.hf, data/llm/*.json).

Every shipped spec builds on the meta device and its parameter total matches the published size:
this is the check that catches a wrong hyperparameter. Mixtral's per-token active parameters are
checked against its paper. Malformed specs fail naming the file; listing imports no torch.
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from efficiency import paths, vocab
from efficiency.zoo import hf

SPECS = hf.load_specs()
# the models the issue names
REQUIRED = {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "bert-base-uncased", "bert-large-uncased",
            "llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b",
            "llama-3.2-1b", "llama-3.2-3b", "mistral-7b", "mixtral-8x7b", "gemma-2-2b", "gemma-2-9b",
            "gemma-2-27b", "phi-3-mini-4k", "phi-3-medium-4k", "smollm2-135m", "smollm2-360m", "smollm2-1.7b",
            "olmo-2-7b", "olmo-2-13b", "k2-65b", "qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2.5-3b", "qwen2.5-7b",
            "qwen2.5-14b", "qwen2.5-32b", "qwen2.5-72b"}


def test_specs_parse_and_carry_sources():
    names = {s.name for s in SPECS}
    assert REQUIRED <= names, sorted(REQUIRED - names)
    for s in SPECS:
        assert s.config_source.startswith(f"https://huggingface.co/{s.hf_repo}/"), s.name
        assert s.published_params_source.startswith("https://") and s.published_params_quote, s.name
        assert "Config read at" in s.notes, s.name   # where the config was actually read
        if s.training_tokens is not None:
            assert s.training_tokens_source.startswith("https://") and s.training_tokens_quote, s.name


def test_seed_papers_are_exact_claims_titles():
    with open(paths.PAPER_CLAIMS, newline="") as fh:
        titles = {row["paper_title"] for row in csv.DictReader(fh)}
    tagged = {s.name: s.seed_paper for s in SPECS if s.seed_paper}
    assert {"olmo-2-7b", "olmo-2-13b", "k2-65b"} <= set(tagged)
    for name, title in tagged.items():
        assert title in titles, (name, title)


@pytest.fixture(scope="module")
def built():
    """name -> (model on meta, ParamBreakdown); the whole zoo builds in seconds (meta allocates nothing)."""
    out = {}
    for s in SPECS:
        model = hf.build_spec(s)
        assert next(model.parameters()).device.type == "meta"
        out[s.name] = (model, hf.param_breakdown(model, s))
    return out


@pytest.mark.parametrize("name", [s.name for s in SPECS])
def test_total_matches_published(built, name):
    spec = hf.load_spec(name)
    ours = hf.published_comparable(built[name][1], spec)
    rel = abs(ours - spec.published_params) / spec.published_params
    assert rel <= spec.params_tolerance, (
        f"{spec.path}: built {ours:,} vs published {spec.published_params:,} ({spec.published_params_scope}), "
        f"off by {rel:.2%} > {spec.params_tolerance:.2%}: a hyperparameter is wrong")


def test_wrong_hyperparameter_is_caught():
    """One layer fewer in Llama 3.1 8B moves the total by 2.7%, far outside its tolerance."""
    spec = hf.load_spec("llama-3.1-8b")
    bad = hf.LLMSpec(**{**spec.__dict__, "config": {**spec.config, "num_hidden_layers": 31}})
    params = hf.param_breakdown(hf.build_spec(bad), bad).params
    assert abs(params - spec.published_params) / spec.published_params > spec.params_tolerance


def test_breakdown_embeddings(built):
    # GPT-2: tied unembedding counted once; token + position tables
    c = hf.load_spec("gpt2").config
    assert built["gpt2"][1].params_embedding == c["vocab_size"] * c["n_embd"] + c["n_positions"] * c["n_embd"]
    # Llama 3.1 8B: untied, so input and output tables
    c = hf.load_spec("llama-3.1-8b").config
    assert built["llama-3.1-8b"][1].params_embedding == 2 * c["vocab_size"] * c["hidden_size"]
    # dense: everything is active
    assert built["llama-3.1-8b"][1].params_active == built["llama-3.1-8b"][1].params


def test_mixtral_active_parameters(built):
    """Paper (arXiv 2401.04088, abstract): 'each token has access to 47B parameters, but only uses 13B
    active parameters'. 2 of 8 experts per token."""
    b = built["mixtral-8x7b"][1]
    assert b.params_active < b.params / 3
    assert abs(b.params_active - 13e9) / 13e9 < 0.01
    c = hf.load_spec("mixtral-8x7b").config
    expert = 3 * c["hidden_size"] * c["intermediate_size"]       # w1, w2, w3 of one expert
    assert b.params - b.params_active == c["num_hidden_layers"] * 6 * expert


def test_moe_uses_an_experts_implementation_that_runs():
    kwargs = hf.build_kwargs(hf.load_spec("mixtral-8x7b"))
    assert kwargs == {"attn_implementation": "sdpa", "experts_implementation": hf.EXPERTS_IMPLEMENTATION}
    assert "experts_implementation" not in hf.build_kwargs(hf.load_spec("llama-3.1-8b"))


def test_entries_and_vocab():
    entries = hf.entries()
    assert len(entries) == len(SPECS) >= 34
    assert "hf" in vocab.SOURCES and "language" in vocab.TASKS
    e = next(x for x in entries if x.name == "k2-65b")
    assert (e.id, e.source, e.task, e.input_size, e.weights) == ("hf/k2-65b", "hf", "language", (512,), "")
    assert e.paper.startswith("LLM360 K2")
    assert next(x for x in entries if x.name == "gpt2").paper == ""


def _write(tmp_path, doc, name="bad-model"):
    (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    return tmp_path


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("published_params"), "missing key"),
    (lambda d: d.update(published_params="8B"), "'published_params' must be int"),
    (lambda d: d.update(kind="seq2seq"), "kind"),
    (lambda d: d.update(params_tolerance=2), "params_tolerance"),
    (lambda d: d.update(config={"hidden_size": 1}), "model_type"),
    (lambda d: d.update(name="other"), "differs from the file name"),
])
def test_malformed_spec_names_the_file(tmp_path, mutate, message):
    doc = json.loads((hf.SPECS / "gpt2.json").read_text())
    doc["name"] = "bad-model"
    mutate(doc)
    folder = _write(tmp_path, doc)
    with pytest.raises(hf.LLMSpecError, match=message) as err:
        hf.load_specs(folder)
    assert "bad-model.json" in str(err.value)


def test_unreadable_json_names_the_file(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(hf.LLMSpecError, match="broken.json"):
        hf.load_specs(tmp_path)


def test_listing_imports_no_torch():
    code = ("import sys; from efficiency.zoo import hf; n = len(hf.entries()); "
            "bad = [m for m in ('torch', 'transformers') if m in sys.modules]; "
            "print(n, bad); sys.exit(1 if bad or n < 34 else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=paths.REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
