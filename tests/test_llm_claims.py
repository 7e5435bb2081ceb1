"""efficiency.reference.llm_claims on small hand-made frames, then on the shipped data."""
from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from efficiency.reference.claims import CONVENTION, HOLDS, NOT_MEASURABLE, OFF, claim_verdicts, claimed_vs_measured
from efficiency.reference.llm_claims import (attention_utilisation_claim, binarized_saving_claim, fewer_compute_claim,
                                             frontier_claim, hf_counts, llm_claim_rows, load_peaks, model_ids,
                                             pareto_claim, spec_vocab, vocabulary_claim, with_llm_verdicts)
from efficiency.reference.papers import load_claims
from efficiency.store.query import load_accuracy, load_results

G = "avg-group"


def counts(**models) -> pd.DataFrame:
    """{id: (training_flops, training_tokens, macs)} -> count rows indexed by model."""
    rows = [{"model": m, "training_flops": f, "training_tokens": t, "macs": mc, "params": 1e9, "params_active": 1e9}
            for m, (f, t, mc) in models.items()]
    return pd.DataFrame(rows, columns=["model", "training_flops", "training_tokens", "macs", "params",
                                       "params_active"]).set_index("model")


def acc(**scores) -> pd.DataFrame:
    return pd.DataFrame([{"model": m, "dataset": G, "value": v} for m, v in scores.items()],
                        columns=["model", "dataset", "value"])


def test_model_ids():
    assert model_ids("hf/a; hf/b;") == ["hf/a", "hf/b"] and model_ids("") == [] and model_ids(None) == []


def test_pareto_holds_off_and_not_measurable():
    c = counts(o=(1e23, 1e12, 1), a=(4e23, 2e12, 1), b=(0.5e23, 1e12, 1), q=(math.nan, math.nan, 1))
    r = pareto_claim("o", ["a"], c, acc(o=60, a=59), G)
    assert r["kind"] == HOLDS and r["ratio"] == pytest.approx(0.25)
    r = pareto_claim("o", ["a", "b"], c, acc(o=60, a=59, b=61), G)     # b: fewer FLOPs, higher score
    assert r["kind"] == OFF and "b dominates" in r["verdict"]
    r = pareto_claim("o", ["a", "q"], c, acc(o=60, a=59, q=70), G)
    assert r["kind"] == NOT_MEASURABLE
    assert "q has no training tokens" in r["verdict"] and "against a it holds" in r["verdict"]
    assert "q: no tokens, 70.0" in r["ours"]
    # equal FLOPs and a higher score also dominates; no score in the group is not measurable
    assert pareto_claim("o", ["e"], counts(o=(1, 1, 1), e=(1, 1, 1)), acc(o=1, e=2), G)["kind"] == OFF
    assert pareto_claim("o", ["a"], c, acc(o=60), G)["kind"] == NOT_MEASURABLE


def test_pareto_holds_text_gives_each_comparison():
    c = counts(o=(1e23, 1e12, 1), a=(4e23, 2e12, 1), b=(2e23, 1e12, 1))
    r = pareto_claim("o", ["a", "b"], c, acc(o=60, a=59, b=65), G)
    assert r["kind"] == HOLDS
    assert "0.25x a's FLOPs, +1.0 points" in r["verdict"] and "0.50x b's FLOPs, -5.0 points" in r["verdict"]


def test_frontier_against_every_model_of_the_group():
    c = counts(o=(1e23, 1, 1), p=(3e23, 1, 1), a=(2e23, 1, 1), b=(0.5e23, 1, 1), q=(math.nan, math.nan, 1))
    # a: more FLOPs than o, lower score; b: fewer FLOPs, lower score; p beats a with more FLOPs
    r = frontier_claim(["o", "p"], c, acc(o=60, p=70, a=59, b=50), G)
    assert r["kind"] == HOLDS and r["claim_model"] == "o; p" and "other 3 zoo models" in r["verdict"]
    assert "o: 1e23 FLOPs, 60.0" in r["ours"] and "b: 5e22 FLOPs, 50.0" in r["ours"]
    r = frontier_claim(["o", "p"], c, acc(o=60, p=70, a=75, b=50), G)       # a dominates p
    assert r["kind"] == OFF and "a dominates" in r["verdict"]
    r = frontier_claim(["o"], c, acc(o=60, a=59, q=80), G)                  # q scored but has no FLOPs
    assert r["kind"] == NOT_MEASURABLE and "q has no training tokens" in r["verdict"]
    assert frontier_claim(["o"], c, acc(o=60, b=70), G)["kind"] == OFF     # fewer FLOPs, higher score


def test_fewer_compute():
    c = counts(k=(5e23, 1.4e12, 1), l=(8e23, 2e12, 1), x=(9e23, 1e12, 1), n=(math.nan, math.nan, 1))
    r = fewer_compute_claim("k", "l", c, acc(l=68.9), not_in_zoo="LLaMA-65B")
    assert r["kind"] == HOLDS and r["ratio"] == pytest.approx(5 / 8)
    assert "k has none" in r["verdict"] and "LLaMA-65B is not in the zoo" in r["verdict"]
    assert "avg-group: k 60.0, l 68.9" in fewer_compute_claim("k", "l", c, acc(k=60, l=68.9))["verdict"]
    assert fewer_compute_claim("k", "x", c, acc())["kind"] == OFF          # fewer FLOPs but more tokens
    r = fewer_compute_claim("k", "n", c, acc())
    assert r["kind"] == NOT_MEASURABLE and "n has no training tokens" in r["verdict"]


def test_binarized_saving_shows_the_baseline_both_conventions():
    r = binarized_saving_claim("BiBERT", "bert", 50, counts(bert=(math.nan, math.nan, 100e9)), 512)
    assert r["kind"] == NOT_MEASURABLE and "not given in the abstract" in r["verdict"]
    assert "100 GMACs = 200 GFLOPs" in r["ours"] and "2 GMACs = 4 GFLOPs" in r["ours"]
    assert binarized_saving_claim("B", "none", 50, counts(), 512)["kind"] == NOT_MEASURABLE


def test_attention_utilisation():
    peaks = pd.DataFrame([
        {"what": "matmul_peak_bf16", "tflops": 800.0, "gpu_name": "G"},
        {"what": "sdpa_flash", "tflops": 200.0, "fraction_of_matmul_peak": 0.25, "head_dim": 64, "seq_len": 512,
         "causal": True, "gpu_name": "G"},
        {"what": "sdpa_flash", "tflops": 400.0, "fraction_of_matmul_peak": 0.5, "head_dim": 128, "seq_len": 4096,
         "causal": False, "gpu_name": "G"}])
    r = attention_utilisation_claim("FA2", peaks, 50, 73, "A100")
    # another GPU and another denominator: not measurable (our fraction beside it), not a FLOP-convention mismatch
    assert r["kind"] == NOT_MEASURABLE and r["ratio"] == pytest.approx(1.0)
    assert r["verdict"].startswith("not measurable: the paper's 50-73 % is of A100's theoretical peak")
    assert "25-50 %" in r["ours"] and "800 TFLOP/s" in r["ours"]
    assert attention_utilisation_claim("FA2", peaks.iloc[:1], 50, 73, "A100")["kind"] == NOT_MEASURABLE


def test_vocabulary_fact():
    assert "vocab_size 32000 matches" in vocabulary_claim("hf/x", 32000, 32000, "p")["verdict"]
    assert "differs" in vocabulary_claim("hf/x", 50000, 32000, "p")["verdict"]
    assert "has no vocab_size" in vocabulary_claim("hf/x", None, 32000, "p")["verdict"]


@pytest.fixture(scope="module")
def shipped():
    claims, results, accuracy = load_claims(), load_results(), load_accuracy()
    return claims, results, accuracy, llm_claim_rows(claims, results, accuracy, load_peaks(), spec_vocab)


def test_shipped_verdicts(shipped):
    claims, _, _, llm = shipped
    assert (llm["claim_row"] >= 0).all() and llm["claim_row"].is_unique
    assert (llm["source"] != "").sum() >= 6            # every number of ours names where it comes from
    assert (llm.loc[llm["ours"] != "", "source"] != "").all()
    v = dict(zip(llm["claim_model"], llm["kind"]))
    # OLMo 2 against Llama 3.1 and Qwen 2.5 (18T tokens, the Qwen2.5 report) in the OLMo card's average:
    # fewer training FLOPs than every compared model, so no compared model dominates
    assert v["hf/olmo-2-7b"] == v["hf/olmo-2-13b"] == v["hf/olmo-2-7b; hf/olmo-2-13b"] == HOLDS
    olmo = llm.set_index("claim_model").loc["hf/olmo-2-7b"]
    assert "0.25x hf/llama-3.1-8b's FLOPs, +1.1 points" in olmo["verdict"]
    assert "0.22x hf/qwen2.5-7b's FLOPs, -4.5 points" in olmo["verdict"]
    assert olmo["ratio"] == pytest.approx(7.2986 * 4.15 / (8.0303 * 15), rel=1e-3)
    frontier = llm.set_index("claim_model").loc["hf/olmo-2-7b; hf/olmo-2-13b"]
    assert "other 6 zoo models scored in average-base-olmo2-card" in frontier["verdict"]
    assert claims.at[frontier["claim_row"], "quote"].startswith("Our OLMo 2 base models sit at the Pareto frontier")
    k2 = llm.set_index("claim_model").loc["hf/k2-65b"]
    assert k2["kind"] == HOLDS and k2["ratio"] == pytest.approx(1.4 * 65.286 / (2.0 * 68.977), rel=1e-3)
    assert "LLaMA-65B (v1) is not in the zoo" in k2["verdict"]
    assert "mmlu-base-llm360-eval-page: hf/k2-65b 62.6, hf/llama-2-70b 65.4" in k2["verdict"]
    assert v["BiBERT"] == NOT_MEASURABLE and "60.62 GMACs = 121.2 GFLOPs" in \
        llm.set_index("claim_model").loc["BiBERT", "ours"]
    assert v["FlashAttention-2"] == NOT_MEASURABLE and "another GPU, another denominator" in \
        llm.set_index("claim_model").loc["FlashAttention-2", "verdict"]
    assert CONVENTION not in set(llm["kind"])    # no language claim is about a FLOP convention
    assert "vocab_size 32000 matches" in llm.set_index("claim_model").loc["hf/llama-2-70b", "verdict"]
    assert (llm.loc[llm["claim_model"].isin(["KV Prediction", "Mixtral-8x7B + AdaMoE", "MemoryFormer"]), "kind"]
            == NOT_MEASURABLE).all()


def test_shipped_verdict_lines_take_these(shipped):
    claims, results, accuracy, llm = shipped
    verdicts = with_llm_verdicts(claim_verdicts(claims, claimed_vs_measured(claims, results, accuracy)), llm)
    by_row = verdicts.set_index("claim_row")
    for _, r in llm.iterrows():
        assert by_row.at[r["claim_row"], "verdict"] == r["verdict"]
        assert by_row.at[r["claim_row"], "kind"] == r["kind"]
    assert len(verdicts) == len(claims)


def test_training_flops_agree_with_the_olmo_cards_column(shipped):
    """Our 6 x params_active x tokens against the Train FLOPs the OLMo 2 card prints beside each model of the
    comparison (kept in the accuracy rows' note): the token counts behind the OLMo 2 claim are the card's."""
    _, results, accuracy, _ = shipped
    counts = hf_counts(results)
    rows = accuracy[accuracy["dataset"] == "average-base-olmo2-card"]
    assert len(rows) >= 7
    for model, note in zip(rows["model"], rows["note"]):
        card = float(re.search(r"Train FLOPs ([0-9.]+)·10²³", note).group(1)) * 1e23
        assert counts.at[model, "training_flops"] == pytest.approx(card, rel=0.03), model
