"""Measure the language models of the zoo on a CUDA GPU: TTFT, decode eager and as a CUDA graph at
batch 1 and a large batch, the GPU's own peaks (bandwidth, matmul, flash attention).

    python -m efficiency.run.llm_sweep --out rows.parquet [--models 'gpt2*' ...] [--peaks peaks.parquet]

Writes rows in the results cache's columns (``kind`` "latency", ``device`` "cuda", ``dtype``
"bf16", ``mode`` "eager" | "cuda_graph", the GPU's ``hardware`` identity), one per (model, batch,
mode), merged into the cache with ``python -m efficiency.refresh --merge rows.parquet``. A model that does not fit in the GPU's memory,
or fails, is a row with the reason in ``error``; the sweep goes on. Needs only torch, transformers
and (for energy) nvidia-ml-py: it runs on a GPU machine that lacks the dashboard's packages.
See :mod:`efficiency.measure.llm_latency` for what each figure means.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from efficiency import paths
from efficiency.vocab import LLM_LARGE_BATCH, LLM_NEW_TOKENS, LLM_PROMPT_LEN

LLM_SPECS = paths.DATA / "llm"
LARGE_BATCH = LLM_LARGE_BATCH
PROMPT_LEN, NEW_TOKENS = LLM_PROMPT_LEN, LLM_NEW_TOKENS


def _specs(patterns: list[str], folder: Path = LLM_SPECS) -> list[dict]:
    specs = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    specs.sort(key=lambda s: s["published_params"])   # small first: a time limit cuts the largest
    if patterns:
        specs = [s for s in specs if any(fnmatch.fnmatch(s["name"], p) for p in patterns)]
    return specs


def _environment(device) -> dict:
    import importlib.metadata

    from efficiency.measure.environment import capture_environment

    env = capture_environment(device)
    env["transformers_version"] = importlib.metadata.version("transformers")
    env["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return env


def input_key(row: dict) -> str:
    """What a language-model speed row depends on: the model's spec, the configuration, the conventions
    of this module and the libraries and machine it ran with."""
    import hashlib

    parts = [row.get(k) for k in ("model", "batch_size", "mode", "dtype", "prompt_len", "new_tokens",
                                  "attention_backends", "torch_version", "transformers_version", "hardware")]
    return hashlib.sha1(json.dumps(["llm_sweep", parts], default=str).encode()).hexdigest()[:16]


# Room the weights must leave for the batch-1 KV cache, activations and logits. Measured on the H200:
# Llama 3.1 70B's peak allocation at batch 1 is 0.5 GB above its bf16 weights (141.7 vs 141.2 GB), so
# 1 GiB refuses only what cannot run; a tighter case still ends as an out-of-memory error row. (An
# earlier 4 GiB refused Qwen2.5 72B: 145.4 GB of weights with 148 GB free.)
HEADROOM_BYTES = 1 << 30


def _fits(spec: dict, free_bytes: int) -> str | None:
    """Why the model cannot be measured here, or None: its bf16 weights must leave HEADROOM_BYTES."""
    need = 2 * int(spec["published_params"])
    if need + HEADROOM_BYTES > free_bytes:
        # binary units first, as the dashboard shows bytes (weights in GiB, "NVIDIA H200, 140 GiB"), the
        # decimal figure beside them (AUDIT7 L3: "810 GB" read beside the headline's "756 GiB")
        return (f"does not fit: {need / 2**30:.1f} GiB ({need / 1e9:.1f} GB) of bf16 weights (published "
                f"{spec['published_params']:,} params) + {HEADROOM_BYTES / 2**30:.0f} GiB for the KV cache and "
                f"activations exceed the {free_bytes / 2**30:.1f} GiB ({free_bytes / 1e9:.1f} GB) free on the GPU")
    return None


def _decode_rows(model, bandwidth: float, base: dict, ttft: dict | None) -> list[dict]:
    """Eager and CUDA-graph decode at batch 1 and the largest batch up to LARGE_BATCH that fits."""
    import torch

    from efficiency.measure.llm_latency import decode_row, time_decode

    rows = []
    for mode in ("eager", "cuda_graph"):
        for batch in (1, LARGE_BATCH):
            b, note = batch, ""
            while True:
                try:
                    res = time_decode(model, mode, b, PROMPT_LEN, NEW_TOKENS)
                    break
                except torch.OutOfMemoryError:
                    torch.cuda.empty_cache()
                    if b == 1:
                        res = None
                        break
                    note, b = f"batch {batch} does not fit; largest that fits: ", b // 2
            if res is None:
                rows.append({**base, "batch_size": batch, "mode": mode, "error": "out of memory at batch 1"})
                continue
            row = {**base, **decode_row(res, bandwidth, PROMPT_LEN, NEW_TOKENS)}
            row["latency_notes"] = f"{note}{b}" if note else ""
            if b == 1 and ttft:
                row.update({"ttft_ms_p50": ttft.p50_ms, "ttft_ms_p90": ttft.p90_ms})
            rows.append(row)
    return rows


def measure_spec(spec: dict, bandwidth: float, env: dict) -> list[dict]:
    """All rows of one model; every failure is a row."""
    import torch

    from efficiency.measure.llm_latency import attention_kernels

    base = {"model": f"hf/{spec['name']}", "source": "hf", "arch": spec["name"], "weights": "",
            "task": "language", "family": spec.get("family", ""), "input_size": str(PROMPT_LEN),
            "kind": "latency", "device": "cuda", "device_name": env.get("gpu_name"), "dtype": "bf16",
            "channels_last": False, "error": "", **env}
    free, _ = torch.cuda.mem_get_info()
    why = _fits(spec, free)
    if why:
        return [{**base, "batch_size": 1, "mode": m, "error": why} for m in ("eager", "cuda_graph")]
    t0 = time.perf_counter()
    try:
        with attention_kernels():
            return _measure_built(spec, base, bandwidth, t0)
    except Exception as exc:  # noqa: BLE001 - a failure is a row, the sweep goes on
        rows = [{**base, "batch_size": 1, "mode": "eager", "error": f"{type(exc).__name__}: {str(exc)[:300]}"}]
    for r in rows:
        r["duration_s"] = time.perf_counter() - t0
    return rows


def _measure_built(spec: dict, base: dict, bandwidth: float, t0: float) -> list[dict]:
    import torch

    from efficiency.measure.llm_latency import build_random, time_ttft

    model = None
    try:
        model = build_random(spec["config"], spec.get("kind", "causal_lm"), torch.device("cuda"))
        ttft = time_ttft(model, PROMPT_LEN) if spec.get("kind") != "masked_lm" else None
        rows = (_decode_rows(model, bandwidth, base, ttft) if spec.get("kind") != "masked_lm"
                else [{**base, "batch_size": 1, "mode": "eager", **_encoder_row(model)}])
    finally:
        model = None
        torch.cuda.empty_cache()
    for r in rows:
        r["duration_s"] = time.perf_counter() - t0
    return rows


# An encoder's loop: untimed forwards, then timed ones, a fixed count that no time limit cuts (as decode's steps)
ENCODER_WARMUP, ENCODER_CALLS = 3, 30


def _encoder_row(model, clock=None) -> dict:
    """An encoder (BERT) has no decode: one forward of a PROMPT_LEN-token input at batch 1, ENCODER_WARMUP
    untimed, then ENCODER_CALLS timed by ``clock`` (a call -> its milliseconds; default llm_latency's CUDA
    events; the tests time a CPU model)."""
    import torch

    from efficiency.measure.llm_latency import _sync_ms, stats_columns
    from efficiency.measure.timing import LatencyStats

    ids = torch.randint(0, model.config.vocab_size, (1, PROMPT_LEN), device=model.device)
    for _ in range(ENCODER_WARMUP):
        model(input_ids=ids)
    if ids.is_cuda:
        torch.cuda.synchronize()
    timed = [(clock or _sync_ms)(lambda: model(input_ids=ids)) for _ in range(ENCODER_CALLS)]
    s = LatencyStats.from_samples(timed, batch_size=1)
    return {**stats_columns(s), "throughput": s.throughput, "prompt_len": PROMPT_LEN,
            # all run, as decode_row's steps: no time limit applies, so min_iters and the times stay empty
            "warmup_calls": ENCODER_WARMUP, "warmup_iters": ENCODER_WARMUP}


def _peaks(device, env: dict, attention: bool) -> tuple[float, list[dict]]:
    """The memory bandwidth (always: every decode bound divides by it) and, when ``attention``, the
    matmul peak and the flash-attention benchmark."""
    from efficiency.measure.gpu_peaks import as_rows, attention_bench, matmul_peak, memory_bandwidth

    bw = memory_bandwidth(device)
    rows = [{**env, "what": "memory_bandwidth", "copy_gb_s": bw.copy_gb_s, "read_gb_s": bw.read_gb_s}]
    if not attention:
        return bw.gb_s, rows
    peak = matmul_peak(device)
    rows.append({**env, "what": "matmul_peak_bf16", "tflops": peak})
    for p in as_rows(attention_bench(device)):
        rows.append({**env, "what": "sdpa_flash", **p, "fraction_of_matmul_peak": p["tflops"] / peak})
    return bw.gb_s, rows


def _pool():
    """One worker process for the models: a CUDA error (a device-side assert) poisons the process's
    CUDA context for good, so a model that fails that way must not take the next ones with it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def _isolated(pool, spec: dict, bandwidth: float, env: dict):
    """``measure_spec`` in the worker; a worker that died, or whose CUDA context a failure may have
    poisoned, is replaced for the next model. Returns (rows, the pool to use next)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        rows = pool.submit(measure_spec, spec, bandwidth, env).result()
    except BrokenProcessPool as exc:
        rows = [{"model": f"hf/{spec['name']}", "kind": "latency", "device": "cuda", "dtype": "bf16",
                 "batch_size": 1, "mode": "eager", "error": f"the measuring process died ({exc})"}]
    if any("CUDA error" in (r.get("error") or "") or "died" in (r.get("error") or "") for r in rows):
        pool.shutdown(wait=True, cancel_futures=True)
        pool = _pool()
    return rows, pool


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m efficiency.run.llm_sweep", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
        "example:\n  python -m efficiency.run.llm_sweep --models 'llama-3.1-8b' 'qwen2.5-*' --out rows.parquet\n"
        "  python -m efficiency.refresh --merge rows.parquet      # into the results cache\n\n"
        "Compute in its rows follows the cache's convention: MACs count one multiply-add as 1, FLOPs = 2 x MACs\n"
        "(decode GFLOPs per token at context 512); times are p50 of timed steps, after warm-up, synchronised."))
    ap.add_argument("--models", nargs="*", default=[], help="fnmatch patterns over data/llm names")
    ap.add_argument("--specs", type=Path, default=LLM_SPECS, help="folder of model specs (default: data/llm)")
    ap.add_argument("--out", type=Path, required=True, help="parquet file for the model rows")
    ap.add_argument("--peaks", type=Path, help="parquet file for the GPU's peaks and the attention benchmark "
                    "(measured only when given; the memory bandwidth is measured on every run)")
    args = ap.parse_args(argv)
    import pandas as pd
    import torch

    from efficiency.store import cache

    if not torch.cuda.is_available():
        print("llm_sweep: needs a CUDA GPU", file=sys.stderr)
        return 2
    specs = _specs(args.models, args.specs)
    if not specs:
        print(f"llm_sweep: no model in {args.specs} matches {args.models}", file=sys.stderr)
        return 2
    env = _environment("cuda")
    bandwidth, peak_rows = _peaks(torch.device("cuda"), env, attention=args.peaks is not None)
    torch.cuda.empty_cache()   # the models are measured in a worker process: leave it the memory
    if args.peaks:
        pd.DataFrame(peak_rows).to_parquet(args.peaks)
    rows = []
    pool = _pool()
    for i, spec in enumerate(specs, 1):
        new, pool = _isolated(pool, spec, bandwidth, env)
        for r in new:
            r["input_key"] = input_key(r)
        rows += new
        ok = [r for r in new if not r.get("error")]
        print(f"[{i}/{len(specs)}] {spec['name']}: {len(ok)}/{len(new)} rows"
              + "".join(f" | {r['mode']} b{r['batch_size']} {r.get('decode_tokens_per_s') or 0:.0f} tok/s" for r in ok)
              + "".join(f" | {r['error'][:80]}" for r in new if r.get("error")), flush=True)
        # after every model (a timeout keeps what ran), as a cache file that --merge accepts
        cache.write_atomic(cache.normalise(pd.DataFrame(rows)), args.out)
    pool.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
