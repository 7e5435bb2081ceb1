"""Why is a batch-64 decode step slower as a CUDA graph than eager (bench/RESULTS.md, language models)?

The sweep's two modes differ in two things at once: ``eager`` decodes over a dynamic KV cache (keys
grow one slot a step, no mask), ``cuda_graph`` replays one captured step over a static cache of
``max_len`` slots (every step attends over all of them, the unwritten ones masked out). This script
separates the two: for each model and batch it times one decode step

* ``eager/dynamic``  - the sweep's eager row,
* ``eager/static``   - the static cache without a graph (the graph's attention, the Python launches),
* ``graph/static``   - the sweep's cuda_graph row,

each as the median of ``--steps`` steps after 8 warm-up steps (CUDA events, synchronised), and lists
the GPU kernels that take the most time in one profiled step of each (torch.profiler), so the
attention kernel each path runs is named. Weights are random bf16 (speed does not depend on them);
SDPA is limited to the flash and memory-efficient kernels as in the sweep.

    python bench/llm_graph_vs_eager.py --models llama-3.1-8b llama-3.2-1b --batch 1 64

Needs a CUDA GPU and transformers (the GPU machine's image); prints a table and the kernel lists.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _static_decoder(model, batch: int, prompt_len: int, max_len: int):
    """A static cache stepped by the Python forward (no graph): the graph's attention shapes and mask."""
    import torch
    from transformers import StaticCache

    from efficiency.measure.llm_latency import _Decoder, _cache_bytes, _rewind

    cache = StaticCache(config=model.config, max_cache_len=max_len)
    ids = torch.randint(0, model.config.vocab_size, (batch, prompt_len), device="cuda")
    out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
    tok = out.logits[:, -1:].argmax(-1)

    def step():
        o = model(input_ids=tok, past_key_values=cache, use_cache=True, logits_to_keep=1)
        tok.copy_(o.logits[:, -1:].argmax(-1))

    return _Decoder(step, lambda: _rewind(cache, prompt_len), _cache_bytes(cache) / (batch * max_len))


def _decoder(model, path: str, batch: int, prompt_len: int, max_len: int):
    from efficiency.measure.llm_latency import _eager_decoder, _graph_decoder

    if path == "eager/dynamic":
        return _eager_decoder(model, batch, prompt_len)
    if path == "eager/static":
        return _static_decoder(model, batch, prompt_len, max_len)
    return _graph_decoder(model, batch, prompt_len, max_len)


def _top_kernels(dec, n: int = 6) -> list[tuple[str, float]]:
    """The ``n`` GPU kernels with the most time in one step (name, microseconds)."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        dec.step()
        torch.cuda.synchronize()
    rows = sorted(prof.key_averages(), key=lambda e: -e.device_time_total)
    return [(e.key[:90], e.device_time_total) for e in rows[:n] if e.device_time_total > 0]


def measure(model, path: str, batch: int, prompt_len: int, steps: int) -> tuple[float, list]:
    import torch

    from efficiency.measure.llm_latency import _sync_ms

    dec = _decoder(model, path, batch, prompt_len, prompt_len + steps + 16)
    dec.reset()
    ms = [_sync_ms(dec.step) for _ in range(8 + steps)][8:]
    kernels = _top_kernels(dec)
    del dec
    torch.cuda.empty_cache()
    return statistics.median(ms), kernels


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", default=["llama-3.1-8b"], help="names of data/llm/*.json")
    p.add_argument("--batch", nargs="+", type=int, default=[1, 64])
    p.add_argument("--prompt", type=int, default=512)
    p.add_argument("--steps", type=int, default=64)
    a = p.parse_args(argv)
    import torch

    from efficiency.measure.llm_latency import attention_kernels, build_random

    paths = ("eager/dynamic", "eager/static", "graph/static")
    print(f"GPU {torch.cuda.get_device_name()}, torch {torch.__version__}, prompt {a.prompt}, "
          f"median of {a.steps} steps (ms per decode step)")
    for name in a.models:
        spec = json.loads((ROOT / "data" / "llm" / f"{name}.json").read_text())
        model = build_random(spec["config"], spec.get("kind", "causal_lm"), torch.device("cuda"))
        with attention_kernels(), torch.no_grad():
            for b in a.batch:
                got = {path: measure(model, path, b, a.prompt, a.steps) for path in paths}
                print(f"\n{name} batch {b}: " + ", ".join(f"{k} {v[0]:.2f} ms" for k, v in got.items()))
                for path, (_, kernels) in got.items():
                    print(f"  {path}: " + "; ".join(f"{k} {us:.0f} us" for k, us in kernels))
        del model
        torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
