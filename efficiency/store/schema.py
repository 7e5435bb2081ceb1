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

SCHEMA_VERSION = 1

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
]

# measurement configuration
CONFIG_COLUMNS = [
    "kind",          # "count" | "latency"
    "batch_size",    # int
    "device",        # "meta" | "cpu" | "cuda"
    "device_name",   # CPU model string or GPU name
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
    "macs_mismatch",     # bool, macs_rel_diff > 1 %
    "macs_by_op",        # JSON str {aten op: MACs}
    "uncovered_ops",     # JSON str {aten op: occurrences} ops no formula covered (not counted)
    "ignored_ops",       # JSON str {aten op: occurrences} element-wise/norm/pool ops, deliberately 0 MACs
    "params",            # int, exact parameter count
    "param_bytes_fp32",  # int, params * 4
    "count_notes",       # text: a counter that failed, and why ("" when both ran)
]

# latency columns (kind == "latency"); filled by efficiency.measure.latency
LATENCY_COLUMNS = [
    "n_samples", "latency_ms_mean", "latency_ms_std", "latency_ms_min",
    "latency_ms_p50", "latency_ms_p90", "latency_ms_p99", "latency_ms_iqr",
    "throughput",                 # samples per second = batch_size x 1000 / latency_ms_p50
    "mem_gpu_max_allocated_bytes", "mem_gpu_max_reserved_bytes",
    "mem_cpu_rss_growth_bytes",   # peak RSS growth of the measuring process
    "num_threads", "compile_time_s", "noisy",
    "gpu_clock_mhz_start", "gpu_clock_mhz_end", "gpu_temp_c_start", "gpu_temp_c_end",
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

ALL_COLUMNS = ID_COLUMNS + CONFIG_COLUMNS + COUNT_COLUMNS + LATENCY_COLUMNS + ENV_COLUMNS

# the columns that make a row unique in the cache
KEY_COLUMNS = ["model", "kind", "batch_size", "device", "dtype", "mode", "channels_last"]
