"""Language-model speed on a GPU: time to first token, decode tokens/s eager and as a CUDA graph,
memory, energy, and each decode figure beside its memory-bandwidth bound (imports torch).

Conventions (stated on every row by :func:`decode_row`):

* bf16 weights (the model is built in bf16, random values: speed does not depend on them), SDPA
  attention, greedy argmax of the last position's logits; generation never stops early, because
  the loop below has no end-of-sequence test at all.
* **TTFT**: one prefill of a ``prompt_len``-token prompt at batch 1 with a fresh cache, logits of
  the last position only (what generation computes), argmax, GPU synchronised.
* **decode**: after a prefill of ``prompt_len`` tokens, ``new_tokens`` single-token steps; each
  step is timed with CUDA events (context ``prompt_len`` .. ``prompt_len + new_tokens``), the first
  ``warmup`` steps are not kept. ``eager`` runs the Python forward with a dynamic cache;
  ``cuda_graph`` captures one step over a static KV cache and replays it.
* **model**: built as the published config says, embeddings tied where ``tie_word_embeddings`` is
  set (:func:`build_random` checks it), so it has the count rows' parameters, and its memory theirs.
* **bound**: one decode step must read every weight it uses, each distinct tensor once (a tied
  embedding table once: the unembedding reads all of it), except an embedding table that is only
  looked up (tokens of an untied model, positions): of it a step reads the ``batch`` rows it looks
  up. Mixture of experts at batch 1: the shared weights and the k of E experts the router picks; at
  larger batches all experts, an upper bound on what is read. Plus the batch's KV cache at the mean
  context; ``bound tokens/s = batch / (bytes per step / bandwidth)`` with the bandwidth measured in
  the same run (:func:`efficiency.measure.gpu_peaks.memory_bandwidth`). Rows swept before
  2026-12-08 counted every embedding table whole and timed tied models untied (one table more);
  ``bench/llm_bytes_recompute.py`` recomputes their bytes and bound.
* **attention kernels**: SDPA limited to its flash and memory-efficient backends
  (:data:`ATTENTION_BACKENDS`, stored on each row). Left to choose, torch 2.11 on an H200 picks cuDNN
  attention for a one-token query, and cuDNN builds a new execution plan for every new key length: an
  eager decode step of GPT-2 then takes 45 ms of host time instead of 7.5 ms (measured on the H200,
  ``out``-less probe in the session notes), a cost of the default kernel choice, not of the model.
* **energy**: NVML's total-energy counter (millijoules) read around a decode window of at least
  ``efficiency.measure.energy.WINDOW_S`` seconds (the counter advances in steps of tens of milliseconds; a 2 s window
  keeps that below 2 %), divided by the tokens generated in the window.
* **noisy**: the vision rows' rule (efficiency.measure.latency.is_noisy), applied to the timed decode steps:
  their IQR over 5 % of p50, or the SM clock read before and after them fell by over 10 %; or the
  energy window's columns (efficiency.measure.energy.row_columns) mark it: its mean time per step more
  than 10 % off the step p50, or an average power above the board's limit. The rows measured before
  this (2026-12-02/03) store no flag, and the dashboard says "not assessed" for them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from efficiency.measure.latency import is_noisy
from efficiency.measure.timing import LatencyStats

ATTENTION_BACKENDS = ("flash", "efficient")   # SDPA backends allowed (see the module docstring)


def attention_kernels():
    """A context limiting SDPA to :data:`ATTENTION_BACKENDS`."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    names = {"flash": SDPBackend.FLASH_ATTENTION, "efficient": SDPBackend.EFFICIENT_ATTENTION}
    return sdpa_kernel([names[b] for b in ATTENTION_BACKENDS])


def build_random(config: dict, kind: str, device: torch.device, dtype=torch.bfloat16):
    """The transformers model for ``config`` (a published config.json's fields) on ``device`` in
    ``dtype``, weights filled with N(0, 0.02) directly there (no CPU copy, no init pass), its
    embeddings tied as the config says."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM
    from transformers.initialization import no_init_weights

    cfg = AutoConfig.for_model(**config)
    cls = AutoModelForMaskedLM if kind == "masked_lm" else AutoModelForCausalLM
    with torch.device(device), no_init_weights():
        model = cls.from_config(cfg, dtype=dtype, attn_implementation="sdpa")
    # no_init_weights skips init_weights(), and the tie_weights() call inside it: without this the
    # output matrix of a tied model is a second table, read and stored beside the input one
    model.tie_weights()
    check_tied(model)
    with torch.no_grad():
        for p in model.parameters():    # a tied tensor is yielded (and filled) once
            p.normal_(0.0, 0.02)
    return model.eval().requires_grad_(False)


def check_tied(model) -> None:
    """Raise unless the input and output embeddings share one tensor exactly when the config ties them."""
    head, table = model.get_output_embeddings(), model.get_input_embeddings()
    if head is None or table is None:
        return
    tied = bool(getattr(model.config, "tie_word_embeddings", False))
    if (head.weight is table.weight) != tied:
        raise RuntimeError(f"{type(model).__name__}: tie_word_embeddings={tied} but the built input and "
                           f"output embeddings are {'separate' if tied else 'one tensor'}")


def _lookup_tables(model) -> list[torch.nn.Embedding]:
    """Embedding tables a step only looks up: every nn.Embedding except one the unembedding reads."""
    get_head = getattr(model, "get_output_embeddings", None)
    head = get_head() if get_head else None
    read_whole = {id(p) for p in head.parameters()} if head is not None else set()
    return [m for m in model.modules() if isinstance(m, torch.nn.Embedding) and id(m.weight) not in read_whole]


def unrouted_expert_bytes(model, batch: int) -> int:
    """Bytes of the routed experts a batch-1 step does not read (E - k of E); 0 otherwise."""
    cfg = model.config
    n_exp = getattr(cfg, "num_local_experts", None) or getattr(cfg, "num_experts", None)
    k = getattr(cfg, "num_experts_per_tok", None)
    if not n_exp or not k or batch > 1:
        return 0
    expert = sum(p.numel() * p.element_size() for n, p in model.named_parameters() if ".experts." in n)
    return expert - expert * k // n_exp


def weight_bytes_per_step(model, batch: int) -> int:
    """Bytes of weights one decode step reads: each distinct parameter once, a looked-up table only
    the ``batch`` rows it looks up, mixture of experts as the module docstring says."""
    total = sum(p.numel() * p.element_size() for p in model.parameters())   # a tied tensor once
    for table in _lookup_tables(model):
        w = table.weight
        total -= (w.shape[0] - min(batch, w.shape[0])) * w.shape[1] * w.element_size()
    return total - unrouted_expert_bytes(model, batch)


def _cache_bytes(cache) -> int:
    total = 0
    for layer in getattr(cache, "layers", []):
        for t in (getattr(layer, "keys", None), getattr(layer, "values", None)):
            if isinstance(t, torch.Tensor):
                total += t.numel() * t.element_size()
    return total


def _sync_ms(fn: Callable[[], object]) -> float:
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end)


def time_ttft(model, prompt_len: int, warmup: int = 2, reps: int = 10) -> LatencyStats:
    """Time to first token at batch 1 (milliseconds), see the module docstring."""
    from transformers import DynamicCache

    ids = torch.randint(0, model.config.vocab_size, (1, prompt_len), device="cuda")

    def first_token():
        out = model(input_ids=ids, past_key_values=DynamicCache(config=model.config), use_cache=True,
                    logits_to_keep=1)
        return out.logits[:, -1].argmax(-1)

    for _ in range(warmup):
        first_token()
    torch.cuda.synchronize()
    return LatencyStats.from_samples([_sync_ms(first_token) for _ in range(reps)], batch_size=1)


@dataclass
class _Decoder:
    """One decode step and a reset to the end of the prompt, for either mode."""
    step: Callable[[], None]
    reset: Callable[[], None]
    kv_bytes_per_token: float   # per sequence, from the cache actually allocated


def _eager_decoder(model, batch: int, prompt_len: int) -> _Decoder:
    from transformers import DynamicCache

    ids = torch.randint(0, model.config.vocab_size, (batch, prompt_len), device="cuda")
    cache = DynamicCache(config=model.config)
    out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
    state = {"tok": out.logits[:, -1:].argmax(-1)}
    kv = _cache_bytes(cache) / (batch * prompt_len)

    def step():
        o = model(input_ids=state["tok"], past_key_values=cache, use_cache=True, logits_to_keep=1)
        state["tok"] = o.logits[:, -1:].argmax(-1)

    return _Decoder(step, lambda: cache.crop(prompt_len), kv)


def _rewind(cache, length: int) -> None:
    """Set a static cache's write position back to ``length`` in place. transformers 5.x keeps it in
    each layer (``cumulative_length``, a device tensor that positions, masks and writes are computed
    from, and the ``cumulative_length_int`` of sliding-window layers), not in ``cache_position``: a
    CUDA graph replays those reads, so rewinding them is what restarts the decode."""
    for layer in cache.layers:
        if isinstance(getattr(layer, "cumulative_length", None), torch.Tensor):
            layer.cumulative_length.fill_(length)
        if hasattr(layer, "cumulative_length_int"):
            layer.cumulative_length_int = length


def _graph_decoder(model, batch: int, prompt_len: int, max_len: int) -> _Decoder:
    from transformers import StaticCache

    cache = StaticCache(config=model.config, max_cache_len=max_len)
    ids = torch.randint(0, model.config.vocab_size, (batch, prompt_len), device="cuda")
    out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
    tok = out.logits[:, -1:].argmax(-1)           # a static buffer the graph reads and writes

    def forward_step():
        o = model(input_ids=tok, past_key_values=cache, use_cache=True, logits_to_keep=1)
        tok.copy_(o.logits[:, -1:].argmax(-1))

    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):                 # warm-up off the capture stream, as torch asks
        for _ in range(3):
            forward_step()
    torch.cuda.current_stream().wait_stream(side)
    _rewind(cache, prompt_len)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        forward_step()
    _rewind(cache, prompt_len)
    kv = _cache_bytes(cache) / (batch * max_len)
    return _Decoder(graph.replay, lambda: _rewind(cache, prompt_len), kv)


def _energy_window(dec: _Decoder, new_tokens: int, batch: int, window=None):
    """The :class:`efficiency.measure.energy.Energy` of at least energy.WINDOW_S seconds of whole decodes
    (each rewound to the prompt; a "sample" is a token), None without NVML."""
    from efficiency.measure.energy import EnergyWindow

    def one_decode():
        dec.reset()
        for _ in range(new_tokens):
            dec.step()

    window = window or EnergyWindow(torch.cuda.current_device())
    torch.cuda.synchronize()
    window.start()
    return window.stop(one_decode, torch.cuda.synchronize, 0, new_tokens * batch)   # a "sample" is a token


@dataclass(frozen=True)
class DecodeResult:
    mode: str
    batch: int
    step_ms: LatencyStats      # one decode step (ms); its throughput is sequences per second
    tokens_per_s: float        # batch x 1000 / median step
    kv_bytes_per_token: float  # per sequence, measured from the allocated cache
    bytes_per_step: float      # weights read + the batch's KV cache at the mean context
    energy_j_per_token: float | None
    power_w_avg: float | None
    mem_allocated: int
    mem_reserved: int
    # what the noisy rule reads (module docstring): the SM clock before and after the timed steps, the
    # energy window (steps_per_call decode steps in each of its calls) and the board's power limit
    clock_mhz_start: float | None = None
    clock_mhz_end: float | None = None
    window: object | None = None               # efficiency.measure.energy.Energy
    steps_per_call: int = 1
    power_limit_w: float | None = None
    warmup_steps: int | None = None            # decode steps run before the timed ones, not kept


def time_decode(model, mode: str, batch: int, prompt_len: int = 512, new_tokens: int = 128,
                warmup: int = 8) -> DecodeResult:
    """Decode speed in ``mode`` ("eager" | "cuda_graph") at ``batch``; raises torch.OutOfMemoryError
    when it does not fit (the caller tries a smaller batch)."""
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    total = warmup + new_tokens
    dec = (_eager_decoder(model, batch, prompt_len) if mode == "eager"
           else _graph_decoder(model, batch, prompt_len, prompt_len + total + 4))
    dec.reset()
    clock_start = _sm_clock()
    stats = time_steps(dec.step, total, warmup, batch)
    clock_end = _sm_clock()
    energy = _energy_window(dec, total, batch)
    mean_ctx = prompt_len + warmup + new_tokens / 2
    per_step = weight_bytes_per_step(model, batch) + batch * mean_ctx * dec.kv_bytes_per_token
    result = DecodeResult(mode, batch, stats, stats.throughput, dec.kv_bytes_per_token, per_step,
                          None if energy is None else energy.j_per_sample, None if energy is None else energy.power_w,
                          torch.cuda.max_memory_allocated(), torch.cuda.max_memory_reserved(),
                          clock_start, clock_end, energy, total, _power_limit(), warmup)
    del dec
    torch.cuda.empty_cache()
    return result


def time_steps(step: Callable[[], None], total: int, warmup: int, batch: int, timer=None) -> LatencyStats:
    """``total`` calls of ``step``, each timed by ``timer`` (ms; default: CUDA events around the call),
    the first ``warmup`` not kept."""
    timer = timer or _sync_ms
    return LatencyStats.from_samples([timer(step) for _ in range(total)][warmup:], batch)


def _sm_clock() -> float | None:
    from efficiency.measure.environment import gpu_state

    return gpu_state(torch.cuda.current_device())["clock_mhz"]


def _power_limit() -> float | None:
    from efficiency.measure.environment import _nvml_index, _power_limit_w

    return _power_limit_w(_nvml_index(torch.cuda.current_device()))


def stats_columns(s: LatencyStats) -> dict:
    """The cache's latency_ms_* and n_samples columns of a summary, and ``noisy`` by its IQR (the
    part of the rule the samples alone decide; :func:`decode_row` adds the clock and the energy)."""
    return {"n_samples": s.n_samples, "latency_ms_mean": s.mean_ms, "latency_ms_std": s.std_ms,
            "latency_ms_min": s.min_ms, "latency_ms_p50": s.p50_ms, "latency_ms_p90": s.p90_ms,
            "latency_ms_p99": s.p99_ms, "latency_ms_iqr": s.iqr_ms, "noisy": is_noisy(s, None, None)}


def stability_columns(result: DecodeResult) -> dict:
    """``noisy`` by the whole rule (module docstring), the clock readings, and the energy window's
    columns (``energy_j_per_token``, not per sample: a decode's sample is a token) where it was read."""
    s = result.step_ms
    cols = {"gpu_clock_mhz_start": result.clock_mhz_start, "gpu_clock_mhz_end": result.clock_mhz_end,
            "noisy": is_noisy(s, result.clock_mhz_start, result.clock_mhz_end)}
    if result.window is not None:
        from efficiency.measure.energy import row_columns

        energy = row_columns(result.window, s.p50_ms, result.power_limit_w, result.steps_per_call)
        energy["energy_j_per_token"] = energy.pop("energy_j_per_sample")
        cols.update(energy, noisy=cols["noisy"] or bool(energy["energy_noisy"]))
    return cols


def bound_columns(tokens_per_s: float, batch: int, bytes_per_step: float, bandwidth_gb_s: float) -> dict:
    """The bytes a decode step reads, the tokens/s that reading them at ``bandwidth_gb_s`` allows,
    and the measured tokens/s as a fraction of it (also bench/llm_bytes_recompute.py's)."""
    bound = batch / (bytes_per_step / (bandwidth_gb_s * 1e9))
    return {"decode_bytes_per_step": bytes_per_step, "decode_bound_tokens_per_s": bound,
            "decode_fraction_of_bound": tokens_per_s / bound}


def decode_row(result: DecodeResult, bandwidth_gb_s: float, prompt_len: int, new_tokens: int) -> dict:
    """The cache columns of one decode measurement (``latency_ms_*`` = one decode step,
    ``throughput`` = generated tokens per second)."""
    s = result.step_ms
    return {
        "batch_size": result.batch, "mode": result.mode, **stats_columns(s),
        "throughput": result.tokens_per_s,
        "mem_gpu_max_allocated_bytes": result.mem_allocated, "mem_gpu_max_reserved_bytes": result.mem_reserved,
        "decode_tokens_per_s": result.tokens_per_s,
        **bound_columns(result.tokens_per_s, result.batch, result.bytes_per_step, bandwidth_gb_s),
        "kv_cache_bytes_per_token_measured": result.kv_bytes_per_token,
        "memory_bandwidth_gb_s": bandwidth_gb_s, "prompt_len": prompt_len, "new_tokens": new_tokens,
        "energy_j_per_token": result.energy_j_per_token, "power_w_avg": result.power_w_avg,
        "attention_backends": ",".join(ATTENTION_BACKENDS), **stability_columns(result),
        # a fixed count, always all run: no time limit stops them (min_iters and the times stay empty)
        "warmup_calls": result.warmup_steps, "warmup_iters": result.warmup_steps,
    }
