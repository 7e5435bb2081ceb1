"""FOLLOW1: BERT encoder speed rows (efficiency.run.llm_sweep._encoder_row) record their loop as decode rows do
(LOOPCOLS left them without it): the untimed forwards actually run before the timed ones in ``warmup_calls`` and
``warmup_iters``; no time limit applies, so ``min_iters``, ``min_time_s`` and ``max_time_s`` stay empty.

A BERT of the shipped spec's kind and field names, shrunk to one 32-wide layer, runs on the CPU: its forwards are
counted with a hook, so the recorded warm-up is the loop's, not a number written beside it."""
from __future__ import annotations

import itertools
import json

import pandas as pd
import torch

from efficiency import paths
from efficiency.measure.llm_latency import build_random
from efficiency.run import llm_sweep
from efficiency.store import cache

TINY = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2}


def _tiny_bert():
    spec = json.loads((paths.DATA / "llm" / "bert-base-uncased.json").read_text())
    assert spec["kind"] == "masked_lm"
    return build_random({**spec["config"], **TINY}, spec["kind"], torch.device("cpu"), dtype=torch.float32)


def test_an_encoder_row_records_the_warmup_forwards_it_ran():
    model, forwards = _tiny_bert(), []
    model.register_forward_hook(lambda *_: forwards.append(1))
    ms = itertools.count(1.0)                      # the timed calls read 1, 2, ... 30 ms
    row = llm_sweep._encoder_row(model, clock=lambda call: (call(), next(ms))[1])
    assert row["n_samples"] == llm_sweep.ENCODER_CALLS == 30
    assert row["latency_ms_p50"] == 15.5 and row["prompt_len"] == llm_sweep.PROMPT_LEN
    assert row["warmup_calls"] == row["warmup_iters"] == len(forwards) - row["n_samples"] == 3
    for empty in ("min_iters", "min_time_s", "max_time_s"):    # a fixed count: nothing to stop it early
        assert row.get(empty) is None


def test_an_encoder_row_reaches_the_cache_with_whole_counts_beside_a_decode_row():
    model = _tiny_bert()
    enc = {"model": "hf/bert-base-uncased", "kind": "latency", "batch_size": 1, "mode": "eager", "error": "",
           **llm_sweep._encoder_row(model, clock=lambda call: (call(), 2.0)[1])}
    dec = {"model": "hf/gpt2", "kind": "latency", "batch_size": 1, "mode": "eager", "error": "",
           "n_samples": 128, "warmup_calls": 8, "warmup_iters": 8}
    got = cache.normalise(pd.DataFrame([enc, dec])).set_index("model")
    assert str(got["warmup_calls"].dtype) == str(got["warmup_iters"].dtype) == "Int64"
    assert got.loc["hf/bert-base-uncased", ["warmup_calls", "warmup_iters", "n_samples"]].tolist() == [3, 3, 30]
    assert got[["min_iters", "min_time_s", "max_time_s"]].isna().all().all()
