"""AUDIT7 F1: the model the language sweep times (efficiency.measure.llm_latency.build_random) is the
published one, tied embeddings included: built on the meta device (CPU only, nothing allocated), each
spec of data/llm has the count rows' parameters, and its input and output embeddings are one tensor
exactly when the config ties them."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import torch

from efficiency import paths
from efficiency.measure.llm_latency import build_random, check_tied
from efficiency.zoo import hf

SPECS = sorted((paths.DATA / "llm").glob("*.json"))
TIED = {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "gemma-2-2b", "gemma-2-9b", "gemma-2-27b", "llama-3.2-1b",
        "llama-3.2-3b", "qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2.5-3b", "smollm2-135m", "smollm2-360m", "smollm2-1.7b",
        "bert-base-uncased", "bert-large-uncased"}   # the 15 of the audit, and BERT's masked-LM head


@pytest.fixture(scope="module")
def count_rows() -> pd.Series:
    df = pd.read_parquet(paths.DATA / "results.parquet")
    return df[(df["source"] == "hf") & (df["kind"] == "count")].set_index("model")["params"]


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_the_timed_model_has_the_counted_parameters_and_ties_as_published(path, count_rows):
    spec = json.loads(path.read_text())
    model = build_random(spec["config"], spec["kind"], torch.device("meta"))
    built = sum(p.numel() for p in model.parameters())      # parameters() yields a tied tensor once
    loaded = hf.load_spec(spec["name"])
    assert built == hf.param_breakdown(hf.build_spec(loaded), loaded).params
    assert built == int(count_rows[f"hf/{spec['name']}"])
    tied = model.get_input_embeddings().weight is model.get_output_embeddings().weight
    assert tied == bool(model.config.tie_word_embeddings) == (spec["name"] in TIED)


def test_an_untied_build_of_a_tied_config_is_refused():
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers.initialization import no_init_weights

    cfg = AutoConfig.for_model(model_type="gpt2", n_embd=16, n_layer=1, n_head=2, n_positions=8, vocab_size=50)
    with torch.device("meta"), no_init_weights():     # what build_random did before the fix
        model = AutoModelForCausalLM.from_config(cfg)
    with pytest.raises(RuntimeError, match="tie_word_embeddings=True but the built input and output"):
        check_tied(model)
    model.tie_weights()
    check_tied(model)
