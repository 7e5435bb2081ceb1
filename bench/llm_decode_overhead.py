"""Why do some 7-9B language models decode further from the bandwidth bound than others?

Issue 11 asks batch-1 CUDA-graph decode of the 8B-class models at 40 % or more of the bound (bytes read
per token over the measured memory bandwidth). Llama 3.1 8B, Qwen2.5 7B, Llama 2 7B and Mistral 7B reach
it on the H200; OLMo 2 7B (37 %) and Gemma 2 9B (36 %) do not. Their weights and KV cache are no larger,
so the bytes are not the reason. This script tests the other candidate: the number of GPU kernels a
decode step runs. Each small kernel costs a few microseconds even inside a CUDA graph, and at batch 1
nearly every kernel but the weight matmuls is small.

For every language model with a good batch-1 ``cuda_graph`` decode row in the cache, it

* reads the measured step time (1 / decode tokens/s) and the bound's (1 / bound tokens/s) from the cache;
* counts, on the meta device (no GPU), the operators one decode step at a 512-token context dispatches
  that launch a kernel: every ATen operator except views and metadata (:data:`NO_KERNEL`). The count
  is transformers' eager decomposition of the same modules; SDPA shows as its math decomposition on
  meta (a handful of operators per layer, alike for every model here);
* fits ``step = bound + c x kernels`` (``c`` through the origin, least squares) and prints, per model,
  the overhead per kernel and the fraction of the bound the fit predicts beside the measured one.

    python bench/llm_decode_overhead.py [--models olmo-2-7b llama-3.1-8b ...] [--hardware SUBSTRING]

CPU only (transformers, torch on meta); reads data/results.parquet. Mixture-of-experts and encoder
models are skipped (their step's kernels depend on routing, or they do not decode).
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# operators that reach the dispatcher but launch no GPU kernel: views, metadata, and the factory calls
# transformers makes once per step on the host side of a graph (they are not replayed as kernels)
NO_KERNEL = {"aten::view", "aten::_unsafe_view", "aten::t", "aten::transpose", "aten::expand", "aten::unsqueeze",
             "aten::slice", "aten::reshape", "aten::permute", "aten::select", "aten::as_strided", "aten::detach",
             "aten::alias", "aten::squeeze", "aten::split", "aten::split_with_sizes", "aten::chunk",
             "aten::unbind", "aten::_reshape_alias", "aten::lift_fresh", "aten::sym_size", "aten::empty",
             "aten::arange", "aten::zeros", "aten::ones", "aten::full", "aten::scalar_tensor"}


def measured_rows(hardware: str):
    """Batch-1 CUDA-graph decode rows of causal language models on ``hardware`` (a substring)."""
    from efficiency.store.query import good_rows, load_results

    d = good_rows(load_results())
    d = d[(d["kind"] == "latency") & d["model"].str.startswith("hf/") & (d["batch_size"] == 1)
          & (d["mode"] == "cuda_graph") & d["decode_tokens_per_s"].notna()
          & d["hardware"].astype(str).str.contains(hardware, regex=False)]
    return d.set_index(d["model"].str.removeprefix("hf/"))[["decode_tokens_per_s", "decode_bound_tokens_per_s",
                                                             "hardware_name"]]


def kernels_per_step(zoo, name: str, context: int = 512) -> tuple[int, int] | None:
    """(kernel-launching operators in one decode step, layers) of ``hf/<name>`` in ``zoo``; None for
    MoE/encoders."""
    from efficiency.measure.llm_count import count_decode
    from efficiency.zoo.hf import create

    model = create(zoo.get(f"hf/{name}"))
    cfg = model.config
    if getattr(cfg, "num_local_experts", None) or getattr(cfg, "is_encoder_decoder", False) \
            or not getattr(cfg, "is_decoder", True) or "bert" in name:
        return None
    counted, _ = count_decode(model, context)
    return sum(n for op, n in counted.ran.items() if op not in NO_KERNEL), cfg.num_hidden_layers


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="*", help="hf model names without 'hf/' (default: every measured one)")
    p.add_argument("--hardware", default="H200", help="substring of the rows' hardware identity (default H200)")
    args = p.parse_args()
    rows = measured_rows(args.hardware)
    if args.models:
        rows = rows[rows.index.isin(args.models)]
    if rows.empty:
        sys.exit(f"no batch-1 cuda_graph decode rows on hardware matching {args.hardware!r}")
    from efficiency.zoo import load_zoo

    zoo, table = load_zoo(), []
    for name, r in rows.sort_index().iterrows():
        k = kernels_per_step(zoo, name)
        if k is None:
            continue
        step_ms, bound_ms = 1e3 / r.decode_tokens_per_s, 1e3 / r.decode_bound_tokens_per_s
        table.append((name, k[0], k[1], step_ms, bound_ms))
        print(f"  counted {name}: {k[0]} kernels per step", file=sys.stderr, flush=True)
    # least squares through the origin: overhead = c x kernels
    c = sum((s - b) * n for _, n, _, s, b in table) / sum(n * n for _, n, _, _, _ in table)
    print(f"machine: {rows['hardware_name'].iloc[0]}; fit: step = bound + {c * 1e3:.2f} us x kernels "
          f"({len(table)} models)")
    print(f"{'model':18} {'kernels':>7} {'/layer':>6} {'step ms':>8} {'bound ms':>8} {'us/kernel':>9} "
          f"{'measured':>8} {'fit':>6}")
    per = []
    for name, n, layers, s, b in sorted(table, key=lambda t: t[4] / t[3]):
        per.append((s - b) / n * 1e3)
        print(f"{name:18} {n:7d} {n / layers:6.1f} {s:8.2f} {b:8.2f} {per[-1]:9.2f} {b / s:8.1%} "
              f"{b / (b + c * n):6.1%}")
    print(f"overhead per kernel: median {statistics.median(per):.2f} us, range {min(per):.2f} - {max(per):.2f} us")


if __name__ == "__main__":
    main()
