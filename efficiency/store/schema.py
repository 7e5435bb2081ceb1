"""Column names of the results cache, in one place (no torch import).

One row per (model, measurement configuration). ``kind`` says which:

* ``count`` rows: MACs and params at batch 1 (``device`` is where the count ran).
* ``latency`` rows: one per device x batch x dtype x mode x channels_last x compile.
  ``load_results()`` copies the count columns of the same ``model`` onto them so
  a latency row can be plotted against MACs without a join.
"""
from __future__ import annotations

# Bump when the count of an operator that was already covered changes: every count row is
# then recomputed. A *new* handle for an operator that rows list as uncovered needs no bump:
# ``refresh --recount-uncovered`` recounts exactly those rows. Lives here (no torch import) so
# that the refresh planner and the counter read the one value.
COUNTER_VERSION = "1"

# 2: the ``hardware`` key column and ``hardware_name``; 3: ``derived_from``; 4: the timing loop's
# ``warmup_calls`` and settings (older caches are upgraded when read: efficiency.store.upgrade)
SCHEMA_VERSION = 4

# identity of the zoo entry (shared by count and latency rows)
ID_COLUMNS = [
    "model",        # zoo id: "<source>/<name>@<img size>", e.g. "timm/resnet50.a1_in1k@224"
    "source",       # "timm" | "torchvision" | "custom"
    "arch",         # architecture (timm/torchvision builder name, or the entry point)
    "weights",      # timm pretrained tag / torchvision weight enum name / ""
    "task",         # "classification" | "detection" | "segmentation" | "video" | "optical_flow" | ...
    "family",       # coarse family for colouring, e.g. "resnet", "vit", "convnext"
    "input_size",   # "3x224x224" (video: "3x16x112x112"), per sample
    "paper",        # seed paper title the architecture implements, or ""
    "user_accuracy",  # custom models only: ImageNet-1k top-1 (%) the user gave, else NaN
    "derived_from",   # refresh --resolution: the zoo id this entry's weights come from, built at another
                      # input size (no published accuracy; not one of the dashboard's models); "" else
]

# measurement configuration
CONFIG_COLUMNS = [
    "kind",          # "count" | "latency"
    "batch_size",    # int
    "device",        # "meta" | "cpu" | "cuda"
    "device_name",   # CPU model string or GPU name
    "hardware",      # the machine's identity (efficiency.measure.environment.Hardware), part of the key:
                     # "cpu/<vendor>/<family>-<model>/<isa>/<cores>c", "gpu/<name>/<mem>GiB/<limit>W";
                     # "any" on count rows (MACs do not depend on the machine); "unknown": not recorded
    "hardware_name", # the same in words, for the dashboard
    "dtype",         # "fp32" | "bf16" | "fp16" (autocast for bf16/fp16)
    "mode",          # "count" | "eager" | "cuda_graph" | "compile"
    "channels_last", # bool
]

# count columns (kind == "count"); copied onto latency rows by load_results()
COUNT_COLUMNS = [
    "macs",              # int, multiply-accumulates per sample (1 MAC = 1 multiply-add)
    "flops",             # int, = 2 * macs
    "macs_fvcore",       # int, fvcore FlopCountAnalysis + our handles
    "macs_torch",        # int, torch FlopCounterMode total / 2 (meta device)
    "macs_rel_diff",     # float, |fvcore - torch| / max(...)
    "macs_mismatch",     # bool, macs_rel_diff > 1 %, or one counter failed
    # Language models (source "hf") run no fvcore (macs_fvcore null): their second figure is the closed
    # form, macs_formula. There macs_rel_diff = |torch - formula| / max(...), and macs_mismatch is True when
    # any counted figure (prefill, decode steps, KV bytes) differs from the formula (efficiency.measure.llm_count)
    "macs_by_op",        # JSON str {aten op: MACs}
    "uncovered_ops",     # JSON str {aten op: occurrences} ops no formula covered (not counted)
    "ignored_ops",       # JSON str {aten op: occurrences} element-wise/norm/pool ops, deliberately 0 MACs
    "params",            # int, exact parameter count
    "param_bytes_fp32",  # int, params * 4
    "count_notes",       # text: a counter that failed, and why ("" when both ran)
]

# latency columns (kind == "latency"); filled by efficiency.measure.latency
LATENCY_COLUMNS = [
    "n_samples",                  # int, timed calls (language rows: decode steps)
    # the timing loop (efficiency.measure.timing.timing_loop) and the settings it ran under
    # (efficiency.measure.config.LatencyConfig: the refresh sets min_time_s and max_time_s from --min-time /
    # --max-time, which its input key already hashes (efficiency.run.plan.LatencySpec), and leaves warmup_iters
    # and min_iters at their defaults). Outputs: no key or input key reads them. Rows measured before schema 4
    # did not record them: null, never inferred (efficiency.store.upgrade)
    "warmup_calls",               # int, untimed warm-up calls made before the timed ones; fewer than
                                  # warmup_iters when the warm-up alone reached max_time_s (as few as 1).
                                  # Not counted: the 3 eager calls before a CUDA graph capture and the
                                  # compiling first call of mode "compile"
    "warmup_iters",               # int, warm-up calls asked for
    "min_iters",                  # int, timed calls asked for, at least ...
    "min_time_s",                 # float, seconds: ... and at least this much timed time (sum of the calls)
    "max_time_s",                 # float, seconds: timing stops here once it has min(3, min_iters) calls,
                                  # so n_samples can be below min_iters
    # Language decode rows (efficiency.measure.llm_latency) run a fixed count, never stopped by time:
    # warmup_calls = warmup_iters = the decode steps run before the new_tokens timed ones; min_iters,
    # min_time_s and max_time_s null. Encoder rows (BERT, efficiency.run.llm_sweep): a fixed count too,
    # 3 warm-up forwards (warmup_calls = warmup_iters = 3) before 30 timed; the limits null
    "latency_ms_mean", "latency_ms_std", "latency_ms_min",
    "latency_ms_p50", "latency_ms_p90", "latency_ms_p99", "latency_ms_iqr",
    "throughput",                 # samples per second = batch_size x 1000 / latency_ms_p50
    "mem_gpu_max_allocated_bytes", "mem_gpu_max_reserved_bytes",
    "mem_cpu_rss_growth_bytes",   # peak RSS growth of the measuring process
    "num_threads", "compile_time_s", "noisy",
    "gpu_clock_mhz_start", "gpu_clock_mhz_end", "gpu_temp_c_start", "gpu_temp_c_end",
    # GPU rows: NVML's board energy counter over a window of at least efficiency.measure.energy.WINDOW_S
    "energy_j_per_sample",        # joules per sample = window energy / (calls x batch_size): the window's
                                  # MEAN speed, not p50's (efficiency.store.noisy)
    "power_w_avg",                # watts = window energy / window seconds
    # the window itself (rows measured before these were recorded: empty; old caches load as they are,
    # cache.normalise adds the columns). Language rows: calls are decode steps, as latency_ms_* time them
    "energy_window_calls",        # int, calls of the timed step in the window (timed + extension calls)
    "energy_window_s",            # float, the window's seconds
    "energy_noisy",               # bool, the window's mean time per call is > 10 % off latency_ms_p50 (or its
                                  # power above the board's limit); also sets ``noisy`` (efficiency.store.noisy)
]

# language models (source "hf"), efficiency.measure.llm_count and efficiency.run.llm_sweep. Conventions:
# bf16 (2 bytes a value); FLOPs = 2 x multiply-adds as everywhere; a count row's ``macs`` is the prefill
# of ``prompt_len`` tokens with logits for the last position only (what generation computes)
LLM_COUNT_COLUMNS = [
    "params_active",              # int, parameters used per token (mixture of experts: k of E experts)
    "params_embedding",           # int, embedding tables + an untied unembedding
    "weight_bytes_bf16",          # int, params x 2
    "kv_cache_bytes_per_token_bf16",   # int, K and V of every layer for one token of one sequence
    "prefill_flops_512",          # int, FLOPs of a 512-token prefill (= flops on the count row)
    "decode_flops_per_token_512",     # int, FLOPs of one decode step at context 512
    "decode_flops_per_token_4096",    # int, at context 4096 (null where the model cannot reach it)
    "macs_formula",               # int, efficiency.measure.llm_formula's closed form (cross-check of macs_torch)
    "training_tokens",            # float, pre-training tokens from the model's paper or card (its URL: data/llm)
    "training_flops",             # float, 6 x params_active x training_tokens
]
LLM_LATENCY_COLUMNS = [
    "prompt_len", "new_tokens",   # decode: after a prompt_len prefill, new_tokens timed steps
    "ttft_ms_p50", "ttft_ms_p90", # time to first token of a prompt_len prompt at batch 1
    "decode_tokens_per_s",        # generated tokens per second (= throughput on these rows)
    "decode_bound_tokens_per_s",  # batch / (bytes one step reads / measured memory bandwidth)
    "decode_fraction_of_bound",   # decode_tokens_per_s / decode_bound_tokens_per_s
    "decode_bytes_per_step",      # weights read + the batch's KV cache at the mean context
    "kv_cache_bytes_per_token_measured",   # from the cache the run allocated
    "memory_bandwidth_gb_s",      # measured in the same run (efficiency.measure.gpu_peaks)
    "energy_j_per_token",         # NVML energy over >= 2 s of decoding / tokens generated
    "attention_backends",         # SDPA backends allowed ("flash,efficient")
    "transformers_version",
    "latency_notes",              # e.g. the largest batch that fitted when the asked one did not
]

# environment and provenance, on every row
ENV_COLUMNS = [
    "torch_version", "torchvision_version", "timm_version", "fvcore_version",
    "python_version", "cpu_model", "gpu_name", "gpu_driver", "cuda_version",
    "host", "measured_at",   # UTC ISO-8601
    "input_key",             # hash of what determines the row; unchanged key => not recomputed
    "duration_s",            # wall seconds the measurement took
    "error",                 # "" when the row is good, else the exception text
    # a later attempt at a good row that failed: the good row is kept and the failure noted here
    # (efficiency.store.cache.upsert); cleared when a new good measurement replaces the row
    "failed_key",            # input_key of that failed attempt ("" when none)
    "failed_error",          # its error text
    "failed_at",             # when it ran, UTC ISO-8601
]

# written by the store, never by a measurement
FAILED_COLUMNS = ["failed_key", "failed_error", "failed_at"]

ALL_COLUMNS = (ID_COLUMNS + CONFIG_COLUMNS + COUNT_COLUMNS + LATENCY_COLUMNS + LLM_COUNT_COLUMNS
               + LLM_LATENCY_COLUMNS + ENV_COLUMNS)

# ``hardware`` of rows that do not depend on the machine (counts), and of rows whose machine was
# not recorded (efficiency.store.upgrade)
ANY_HARDWARE = "any"
ANY_HARDWARE_NAME = "any machine (counts do not depend on it)"
UNKNOWN_HARDWARE = "unknown"

# the columns that make a row unique in the cache
KEY_COLUMNS = ["model", "kind", "batch_size", "device", "dtype", "mode", "channels_last", "hardware"]
