"""The Model detail, Compare and Hardware pages' tables for language models (no torch, no Streamlit).

A language model's count row holds a 512-token prefill (``macs``; causal LMs: logits of the last
position only) and the LLM count columns (efficiency.store.schema.LLM_COUNT_COLUMNS); its latency
rows hold ONE decode step (``latency_ms_*``), decode tokens/s against the memory-bandwidth bound,
TTFT on the batch-1 rows and energy per token. BERT's rows are one eager forward of 512 tokens. Every
header here states its unit and convention: FLOPs = 2 x MACs, bytes are bf16 (2 a value).
"""
from __future__ import annotations

import math

import pandas as pd

from efficiency.ui.byte_units import binary_bytes
from efficiency.ui.lang_stability import TTFT_RULE, ttft_flags, ttft_words
from efficiency.ui.language import mode_label
from efficiency.ui.models_table import round_column
from efficiency.ui.tables import GIB, KIB, latency_derived, stability

FACT_COLUMNS = ["quantity", "value", "convention"]
# most telling first, and what a reader looks for within the first screen at 1440 px: the speed, TTFT and its
# flag, the step's latency, then whether it fits (peak memory, the "batch 64 does not fit" note) and whether the
# figures would hold on a rerun (stability), before the long tail: energy, the bound, prefill TFLOP/s, spreads,
# the machine last (AUDIT7 L2: memory, stability and the note had been off screen to the right).
# Headers are short (the full conventions are in SPEED_CAPTION, under the table on the page).
SPEED_HEADERS = {
    "batch_size": "batch", "mode": "mode", "decode_tps": "decode tokens/s", "ttft_ms": "TTFT p50 (ms)",
    "ttft_flag": "TTFT flag", "lat_p50_ms": "step p50 (ms)", "mem_mib": "peak allocated (MiB)",
    "stability": "stability (step)", "latency_notes": "notes", "energy_j_token": "energy (J/token)",
    "bound_fraction": "fraction of bound", "bound_tps": "bound (tokens/s)", "prefill_tflops": "prefill TFLOP/s",
    "step_spread_pct": "step spread (% of p50)", "lat_iqr_pct": "step IQR (% of p50)", "dtype": "dtype",
    "hardware_name": "machine",
}
# the speed table's numbers, shown with 3 significant digits (timings vary by several % between runs)
SPEED_NUMBERS = ("decode_tps", "ttft_ms", "lat_p50_ms", "energy_j_token", "bound_fraction", "bound_tps",
                 "prefill_tflops", "mem_mib", "lat_iqr_pct", "step_spread_pct")
SPEED_CAPTION = ("*decode tokens/s*: tokens of the whole batch per second; *TTFT p50*: time to first token of a "
                 "512-token prompt at batch 1 (batch-1 rows only); *step p50*: one decode step (BERT: one "
                 "512-token forward); *energy*: joules per generated token; *bound*: the memory-bandwidth bound "
                 "in tokens/s, and the measured speed's fraction of it; *peak allocated*: CUDA's peak memory allocated; "
                 "*prefill TFLOP/s*: prefill FLOPs / TTFT; "
                 "*stability (step)*: the row's stored flag, else noisy where the step's spread (its IQR, or its "
                 "std where no IQR is stored) is over 5 % of p50; *TTFT flag*: " + TTFT_RULE.removeprefix("TTFT: ") + ". "
                 "Numbers to 3 significant digits.")
ERROR_COLUMNS = ["device", "batch_size", "dtype", "mode", "hardware_name", "error"]
ACCURACY_HEADERS = {"protocol_group": "protocol group", "benchmark": "benchmark", "shots": "shots",
                    "metric": "metric", "value": "score (%)", "source_url": "source", "harness": "harness",
                    "variant": "variant", "source_quote": "where in the source"}
COMPARE_COLUMNS = ["model", "arch", "family", "source", "decode_gflops_512", "params_active_b", "weight_gib",
                   "kv_kib_token", "training_flops", "acc", "ttft_ms", "ttft_flag", "lat_p50_ms", "stability",
                   "decode_tps", "bound_fraction", "energy_j_token"]
# the flags beside TTFT and the step (efficiency.ui.lang_stability): words, never a normalised bar
COMPARE_TEXT = ("ttft_flag", "stability")
COMPARE_HEADERS = {"decode_gflops_512": "decode GFLOPs/token @512 (= 2 x MACs)", "params_active_b": "active params (B)",
                   "weight_gib": "weights bf16 (GiB)", "kv_kib_token": "KV cache bf16 (KiB/token)",
                   "training_flops": "training FLOPs (6 x N x D)", "ttft_ms": "TTFT p50 (ms, batch 1)",
                   "ttft_flag": "TTFT flag (launch-bound / noisy)", "stability": "decode step stability",
                   "lat_p50_ms": "decode step p50 (ms)", "decode_tps": "decode tokens/s",
                   "bound_fraction": "fraction of bandwidth bound", "energy_j_token": "energy (J/token)"}
# compare's normalised bars: these are better higher (the rest are costs)
HIGHER_IS_BETTER = ("acc", "decode_tps", "bound_fraction")


def is_language(row) -> bool:
    """A language model's count row (task "language", or the hf source)."""
    return str(row.get("task", "")) == "language" or str(row.get("source", "")) == "hf"


def _num(row, key: str) -> float:
    try:
        v = float(row.get(key))
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def _fmt(v: float, spec: str, unit: str, missing: str) -> str:
    return missing if math.isnan(v) else f"{v:{spec}} {unit}".strip()


def count_facts(row) -> pd.DataFrame:
    """What the count row says of a language model, one quantity a line, with its unit and convention."""
    n = lambda k: _num(row, k)  # noqa: E731
    formula, torch = n("macs_formula"), n("macs_torch")
    check = abs(formula - torch) / torch if torch and not math.isnan(formula) else math.nan
    facts = [
        ("Parameters", _fmt(n("params") / 1e9, ".4g", "B", "n/a"), "exact count, tied tensors once"),
        ("Active parameters per token", _fmt(n("params_active") / 1e9, ".4g", "B", "n/a"),
         "mixture of experts: routed experts at k / E of their size"),
        ("Embedding parameters", _fmt(n("params_embedding") / 1e9, ".4g", "B", "n/a"),
         "token/position tables + an untied unembedding"),
        ("Weights in bf16", _fmt(n("weight_bytes_bf16") / GIB, ".4g", "GiB", "n/a"), "params x 2 bytes; GiB = 2^30"),
        ("KV cache per token in bf16", _fmt(n("kv_cache_bytes_per_token_bf16") / KIB, ",.1f", "KiB", "n/a"),
         "K and V of every layer, one sequence; KiB = 2^10"),
        ("Prefill of a 512-token prompt", _fmt(n("flops") / 1e9, ",.1f", "GFLOPs", "n/a"),
         "true FLOPs = 2 x MACs; causal LMs: logits of the last position only"),
        ("Decode, per token at context 512", _fmt(n("decode_flops_per_token_512") / 1e9, ".4g", "GFLOPs", "n/a"),
         "true FLOPs = 2 x MACs, one generated token"),
        ("Decode, per token at context 4096", _fmt(n("decode_flops_per_token_4096") / 1e9, ".4g", "GFLOPs",
                                                   "n/a (context shorter than 4096)"), "true FLOPs = 2 x MACs"),
        ("Pre-training tokens", _fmt(n("training_tokens") / 1e12, ".3g", "T", "not read from a paper or card"),
         "from the model's paper or card (data/llm/<name>.json)"),
        ("Training FLOPs", _fmt(n("training_flops"), ".3e", "FLOPs", "n/a (no token count)"),
         "6 x active params x tokens (the usual estimate, not a measurement)"),
        ("Closed-form check of the prefill MACs", _fmt(check * 100, ".2f", "% apart", "n/a"),
         "efficiency.measure.llm_formula against torch's FlopCounterMode"),
    ]
    return pd.DataFrame(facts, columns=FACT_COLUMNS)


def speed_table(results: pd.DataFrame, model: str) -> pd.DataFrame:
    """The model's good latency rows with the decode columns (:data:`SPEED_HEADERS`: key columns first,
    short headers that :data:`SPEED_CAPTION` explains), numbers to 3 significant digits, one row per
    machine x batch x dtype x mode."""
    rows = results[(results["model"] == model) & (results["kind"] == "latency")]
    rows = rows[rows["error"].fillna("").astype(str) == ""]
    rows = latency_derived(rows)
    rows["prefill_tflops"] = prefill_tflops(results, model, rows["ttft_ms"])
    # the stored flag, else the step's spread (latency_derived: efficiency.ui.lang_stability.RULE)
    rows["stability"] = stability(rows)
    rows["ttft_flag"] = [ttft_words(f) for f in ttft_flags(rows, results)]
    rows = rows.reindex(columns=list(SPEED_HEADERS)).sort_values(["batch_size", "mode"], kind="stable")
    rows["latency_notes"] = rows["latency_notes"].map(binary_bytes)     # the page's units (byte_units)
    for name in SPEED_NUMBERS:      # one rounding for every number (0.433 beside 0.1945 read as unequal care)
        rows[name] = round_column(pd.to_numeric(rows[name], errors="coerce"))
    # a decode row's mode names its KV cache (language.MODE_LABELS); BERT's forward has no cache
    rows["mode"] = [mode_label(m) if pd.notna(d) else m for m, d in zip(rows["mode"], rows["decode_tps"])]
    return rows.reset_index(drop=True).rename(columns=SPEED_HEADERS)


def prefill_tflops(results: pd.DataFrame, model: str, ttft_ms: pd.Series) -> pd.Series:
    """What the GPU achieved during the timed prefill: the count row's ``prefill_flops_512`` over TTFT,
    in TFLOP/s. Set beside the GPU's matmul peak it says whether TTFT measured the GPU at all: on the
    H200 (758 TFLOP/s measured) models under ~2 B parameters reach 3 - 60 TFLOP/s, so their TTFT is the
    host launching kernels, not the prefill's arithmetic (bench/RESULTS.md, language models)."""
    count = results[(results["model"] == model) & (results["kind"] == "count")]
    flops = pd.to_numeric(count.get("prefill_flops_512", pd.Series(dtype=float)), errors="coerce").dropna()
    if flops.empty:
        return pd.Series(math.nan, index=ttft_ms.index)
    return float(flops.iloc[0]) / (pd.to_numeric(ttft_ms, errors="coerce") / 1e3) / 1e12


def speed_errors(results: pd.DataFrame, model: str) -> pd.DataFrame:
    """The model's failed latency rows: configuration and the error text (why it has no speed row), its
    sizes in the page's binary units, the stored decimal figure beside (:func:`efficiency.ui.byte_units.binary_bytes`:
    "does not fit: 754.4 GiB (810 GB) of bf16 weights" under the headline's "Weights (bf16) 756 GiB")."""
    rows = results[(results["model"] == model) & (results["kind"] == "latency")]
    rows = rows[rows["error"].fillna("").astype(str) != ""]
    rows = rows.reindex(columns=ERROR_COLUMNS).reset_index(drop=True)
    return rows.assign(error=rows["error"].map(binary_bytes))


def accuracy_rows(accuracy: pd.DataFrame, model: str) -> pd.DataFrame:
    """The model's published scores with their protocol group and source address (a link on the page)."""
    rows = accuracy[accuracy["model"] == model].reindex(columns=list(ACCURACY_HEADERS))
    return rows.sort_values(["benchmark", "protocol_group"], kind="stable").reset_index(drop=True).rename(
        columns=ACCURACY_HEADERS)

