"""The project's vocabulary, defined once (no torch): what a measurement configuration, a zoo
entry and a dashboard view may say. The command line's choices, the cache's values, the URL codec
and the sidebar all read these tuples.
"""
from __future__ import annotations

# where a latency row was measured; count rows say "cpu" (the count runs there)
DEVICES = ("cpu", "cuda")
# fp32, or bf16 / fp16 through torch.autocast (see efficiency.measure.latency)
DTYPES = ("fp32", "bf16", "fp16")
# how the forward is run for a latency row
MODES = ("eager", "cuda_graph", "compile")
# a count row's mode (not a way of running the model: it is never timed)
COUNT_MODE = "count"
# a row's kind
KINDS = ("count", "latency")

# zoo sources and tasks
SOURCES = ("timm", "torchvision", "seed", "custom", "hf")
TASKS = ("classification", "detection", "segmentation", "video", "optical_flow", "custom", "language")

# the dashboard's cost axes (labels and units: efficiency.ui.axes) and colourings; the language
# models' axes follow the vision ones (decode FLOPs per token, training FLOPs, TTFT, tokens/s, bytes)
X_AXES = ("gmacs", "gflops", "params", "latency_p50", "latency_p90", "inv_throughput", "memory",
          "energy_sample", "decode_gflops_512", "decode_gflops_4096", "prefill_gflops_512", "train_flops",
          "params_active", "weight_gib", "kv_cache", "ttft", "decode_tps", "decode_ms_token", "bound_fraction", "energy_token")
COLOR_BY = ("family", "source", "paper")
# torchvision.models subpackage ("" the top level) -> the zoo task of its builders
TORCHVISION_SUBPACKAGES = {"": "classification", "detection": "detection", "segmentation": "segmentation",
                           "video": "video", "optical_flow": "optical_flow"}
# the task value that means "every task" in a view
ALL_TASKS = "all"


def unsupported_configuration(device: str, dtype: str, mode: str, cuda_available: bool = True) -> str | None:
    """Why the refresh refuses a latency configuration (device, dtype, mode), or None when it runs it.

    Defined here, not in ``efficiency.measure.config``, because the dashboard may not import the
    measuring side yet must never suggest a command that the refresh refuses: both read this rule.
    """
    if device not in DEVICES:
        return f"device {device!r} is not one of {DEVICES}"
    if dtype not in DTYPES:
        return f"dtype {dtype!r} is not one of {DTYPES}"
    if mode not in MODES:
        return f"mode {mode!r} is not one of {MODES}"
    if device == "cuda" and not cuda_available:
        return "device 'cuda' requested but no CUDA GPU is available"
    if device == "cpu" and dtype == "fp16":
        return "fp16 on the CPU is not supported (use bf16 or fp32)"
    if mode == "cuda_graph" and device != "cuda":
        return "mode 'cuda_graph' needs device 'cuda'"
    return None

# the language sweep's settings (efficiency.run.llm_sweep), here so that the torch-free pages can state them:
# a PROMPT_LEN-token prompt, NEW_TOKENS timed decode steps, batch 1 and up to LLM_LARGE_BATCH
LLM_PROMPT_LEN, LLM_NEW_TOKENS, LLM_LARGE_BATCH = 512, 128, 64
