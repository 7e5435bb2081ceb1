"""The dashboard's axes: each cost axis's label, unit and convention, and the accuracy axis's label
(no torch, no Streamlit).

Conventions:

* GMACs: 1e9 multiply-accumulates per sample (1 multiply-add = 1), what timm /
  torchvision / fvcore call "GFLOPs". GFLOPs here are true FLOPs = 2 x MACs.
* latency: milliseconds per forward call of one batch (p50 / p90 over the samples).
* 1/throughput: milliseconds per sample = 1000 / (samples per second).
* memory: peak bytes of the measured configuration, shown in MiB (2^20 bytes):
  CUDA ``max_memory_allocated``. A CPU row has no peak memory: its figure is the growth of the
  process' RSS high-water mark during the run, a lower bound that reads 0 when the process had
  peaked earlier (efficiency/measure/latency.py); :func:`axis_for` names it so on CPU views and
  :func:`lower_bound_axis` keeps the front off it.
* energy per sample: joules of NVML's board energy counter over a window of at least 2 s of the
  timed calls (extended by untimed calls when they were shorter), divided by the samples run in it
  (``energy_j_per_sample``; GPU rows only: a CPU row has none and is not plotted on that axis). It is
  the MEAN over that window, not the energy at the latency axes' p50: a row whose window ran more
  than 10 % away from p50 is noisy (efficiency.store.noisy); the label and :attr:`AxisSpec.note` say so.
  Energy per generated token likewise (a window of whole decodes).
* language models (task "language", :data:`LANGUAGE_AXES`): FLOPs are true FLOPs (2 x MACs); decode
  FLOPs are one generated token at a context of 512 (or 4096) tokens; training FLOPs are 6 x active
  parameters x pre-training tokens; bytes are bf16 (2 a value); a latency row is ONE decode step
  (batch ``b`` generates ``b`` tokens), TTFT a 512-token prompt at batch 1.

Most axes are costs (lower is better). Decode tokens/s and the fraction of the bandwidth bound are
benefits (:attr:`AxisSpec.benefit`): the front then maximises x as well as accuracy, and their label
says "higher is better". The axis keys are :data:`efficiency.vocab.X_AXES`; :data:`AXES` gives each
its :class:`AxisSpec`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from efficiency.store.noisy import ENERGY_SPEED_TOL
from efficiency.ui.state import ViewState
from efficiency.vocab import ALL_TASKS, X_AXES

LANGUAGE = "language"


@dataclass(frozen=True)
class AxisSpec:
    key: str
    label: str          # axis title (with unit and convention); "{batch}", "{hw}" and "{hw1}" are filled in
    short: str          # column header / budget wording
    unit: str
    column: str         # the view table's column holding the value
    needs_hw: bool      # depends on the hardware configuration
    benefit: bool = False   # higher is better (tokens/s): the front maximises it
    note: str = ""          # what the number is, for a hover or help text where the label is too short


_DECODE = "(true FLOPs = 2 x MACs; the same at any batch)"
# the energy figure is the window's mean, kept as measured (efficiency.store.noisy says why it is not
# rescaled to p50); where the two speeds part by more than 10 % the row is noisy
_ENERGY_NOTE = ("J per {unit}, mean over the NVML window of >= 2 s (not at the latency p50; "
                f"a window more than {ENERGY_SPEED_TOL * 100:.0f} % off p50 marks the row noisy)")
AXES: dict[str, AxisSpec] = {a.key: a for a in [
    AxisSpec("gmacs", "GMACs per sample (1 multiply-add = 1 MAC)", "GMACs", "GMACs", "gmacs", False),
    AxisSpec("gflops", "GFLOPs per sample (= 2 x MACs)", "GFLOPs", "GFLOPs", "gflops", False),
    AxisSpec("params", "Parameters (millions)", "Params", "M", "params_m", False),
    AxisSpec("latency_p50", "Latency p50 (ms per batch of {batch}) on {hw}", "Latency p50", "ms", "lat_p50_ms",
             True),
    AxisSpec("latency_p90", "Latency p90 (ms per batch of {batch}) on {hw}", "Latency p90", "ms", "lat_p90_ms",
             True),
    AxisSpec("inv_throughput", "1 / throughput (ms per sample) on {hw}", "1/throughput", "ms/sample",
             "ms_per_sample", True),
    AxisSpec("memory", "Peak memory (MiB, 1 MiB = 2^20 bytes) on {hw}", "Peak memory", "MiB", "mem_mib", True),
    AxisSpec("energy_sample", "Energy per sample (J, mean over an NVML window of >= 2 s; batch {batch}) on {hw}",
             "Energy/sample", "J/sample", "energy_j_per_sample", True, note=_ENERGY_NOTE.format(unit="sample")),
    # ---- language models
    AxisSpec("decode_gflops_512", f"Decode GFLOPs per generated token at context 512 {_DECODE}",
             "Decode GFLOPs/token @512", "GFLOPs/token", "decode_gflops_512", False),
    AxisSpec("decode_gflops_4096", f"Decode GFLOPs per generated token at context 4096 {_DECODE}",
             "Decode GFLOPs/token @4096", "GFLOPs/token", "decode_gflops_4096", False),
    AxisSpec("prefill_gflops_512", "Prefill GFLOPs of a 512-token prompt (true FLOPs = 2 x MACs; "
             "causal LMs: logits of the last position only)", "Prefill GFLOPs @512", "GFLOPs", "gflops", False),
    AxisSpec("train_flops", "Training FLOPs (6 x active params x pre-training tokens; true FLOPs)",
             "Training FLOPs", "FLOPs", "training_flops", False),
    AxisSpec("params_active", "Active parameters per token (billions; mixture of experts: the routed share)",
             "Active params", "B", "params_active_b", False),
    AxisSpec("weight_gib", "Weights in bf16 (GiB = 2^30 bytes; 2 bytes per parameter)", "Weights (bf16)", "GiB",
             "weight_gib", False),
    AxisSpec("kv_cache", "KV cache per token in bf16 (KiB = 2^10 bytes; K and V of every layer, one sequence)",
             "KV cache/token", "KiB/token", "kv_kib_token", False),
    AxisSpec("ttft", "Time to first token p50 (ms; 512-token prompt at batch 1) on {hw1}", "TTFT p50", "ms",
             "ttft_ms", True),
    AxisSpec("decode_tps", "Decode tokens/s, higher is better (all {batch} sequences together; context 512 "
             "to 640) on {hw}", "Decode tokens/s", "tokens/s", "decode_tps", True, benefit=True),
    AxisSpec("decode_ms_token", "Decode time per token (ms = 1000 / decode tokens/s at batch {batch}) on {hw}",
             "Decode ms/token", "ms/token", "decode_ms_token", True),
    AxisSpec("bound_fraction", "Decode speed / memory-bandwidth bound (fraction, higher is better; batch {batch})"
             " on {hw}", "Fraction of bound", "fraction", "bound_fraction", True, benefit=True),
    AxisSpec("energy_token", "Energy per generated token (J, mean over an NVML window of >= 2 s; batch {batch}) on"
             " {hw}", "Energy/token", "J/token", "energy_j_token", True, note=_ENERGY_NOTE.format(unit="token")),
]}
assert tuple(AXES) == X_AXES, "efficiency.vocab.X_AXES and the axis specs disagree"

# the axes each kind of task offers, in the selector's order; the first is the default
VISION_AXES = ("gmacs", "gflops", "params", "latency_p50", "latency_p90", "inv_throughput", "memory",
               "energy_sample")
LANGUAGE_AXES = ("decode_gflops_512", "train_flops", "decode_gflops_4096", "prefill_gflops_512", "params_active",
                 "weight_gib", "kv_cache", "ttft", "decode_tps", "decode_ms_token", "bound_fraction",
                 "energy_token", "memory")
assert set(VISION_AXES) | set(LANGUAGE_AXES) == set(X_AXES)

# axis key -> the view table's column
X_COLUMN = {k: a.column for k, a in AXES.items()}

# metric -> unit of the published value (percent unless listed)
METRIC_UNITS = {"epe": "px", "per_image_epe": "px"}
PRETTY_DATASETS = {"imagenet-1k": "ImageNet-1k", "imagenet-real": "ImageNet-ReaL", "imagenetv2": "ImageNetV2",
                   "imagenet-a": "ImageNet-A", "imagenet-a-clean": "ImageNet-A (clean)", "imagenet-r": "ImageNet-R",
                   "imagenet-r-clean": "ImageNet-R (clean)", "imagenet-sketch": "ImageNet-Sketch",
                   "coco-val2017": "COCO val2017", "coco-val2017-person": "COCO val2017, person only",
                   # torchvision's segmentation weights: COCO val2017 with the 20 Pascal VOC categories (its docs)
                   "coco-val2017-voc-labels": "COCO val2017 (VOC labels)",
                   "kinetics-400": "Kinetics-400", "kitti-train": "KITTI train", "kitti-test": "KITTI test",
                   "sintel-train-cleanpass": "Sintel train (clean)", "sintel-train-finalpass": "Sintel train (final)",
                   "sintel-test-cleanpass": "Sintel test (clean)", "sintel-test-finalpass": "Sintel test (final)"}
PRETTY_METRICS = {"top1": "top-1", "top5": "top-5", "box_map": "box mAP", "mask_map": "mask mAP",
                  "kp_map": "keypoint mAP", "miou": "mIoU", "pixel_acc": "pixel acc.", "epe": "EPE",
                  "fl_all": "Fl-all", "per_image_epe": "per-image EPE"}


# On CPU the memory axis is what the CPU row holds: the growth of the process' RSS high-water mark
# during the run. It stays offered (a device switch never moves the x axis, and the raw figures are
# worth seeing), but under its own name, and no front is drawn on it (:func:`lower_bound_axis`):
# ranking models on a lower bound that reads 0 for most of them ranks the order they were measured in.
# (the label stays as short as the one it replaces: an axis title longer than the plot is clipped; the
# warning above the chart says what the figure is)
CPU_MEMORY = replace(AXES["memory"], label="RSS growth (MiB; a lower bound of peak memory) on {hw}",
                     short="RSS growth (lower bound)")
# axes whose figure only a CUDA GPU records (NVML's board energy counter)
GPU_ONLY_AXES = ("energy_sample", "energy_token")


def axis_for(state: ViewState) -> AxisSpec:
    """The spec of ``state``'s x axis on its device: on CPU, memory is :data:`CPU_MEMORY`."""
    return CPU_MEMORY if state.x == "memory" and state.device == "cpu" else AXES[state.x]


def lower_bound_axis(state: ViewState) -> bool:
    """The x values are lower bounds, not the quantity (CPU memory): no front is drawn on them."""
    return state.x == "memory" and state.device == "cpu"


def gpu_only_text(state: ViewState) -> str | None:
    """Why ``state``'s axis has no value on its device (energy on a CPU), or None."""
    if state.x in GPU_ONLY_AXES and state.device != "cuda":
        return (f"Energy is measured on CUDA GPUs only (NVML's board energy counter): {state.device.upper()} "
                "rows have none, so nothing can be plotted on this axis here.")
    return None


def axes_for_task(task: str) -> tuple[str, ...]:
    """The x axes the explorer offers for ``task``: the language ones for language models, the
    vision ones for the others, all of them when tasks are mixed."""
    if task == LANGUAGE:
        return LANGUAGE_AXES
    return X_AXES if task == ALL_TASKS else VISION_AXES


def x_for_task(x: str, task: str) -> str:
    """``x`` when ``task`` offers it, else that task's default axis (a switch to language lands on
    decode FLOPs per token, a switch back on GMACs)."""
    offered = axes_for_task(task)
    return x if x in offered else offered[0]


def y_label(dataset: str, metric: str, higher_is_better: bool = True) -> str:
    """The accuracy axis title: pretty dataset and metric, unit, and the direction when lower wins."""
    unit = METRIC_UNITS.get(metric, "%")
    text = f"{PRETTY_DATASETS.get(dataset, dataset)} {PRETTY_METRICS.get(metric, metric)} ({unit}"
    return text + (")" if higher_is_better else ", lower is better)")


def hw_text(state: ViewState, device_name: str | None = None) -> str:
    """The hardware configuration in words: device (its name when known), batch, dtype, mode."""
    dev = device_name or state.device.upper()
    return f"{dev}, batch {state.batch}, {state.dtype}, {state.mode.replace('_', ' ')}"


# at batch 1 the decode axis' "all {batch} sequences together" reads "all 1 sequences together"
_ONE_SEQUENCE = ("all 1 sequences together", "1 sequence")


def axis_title(spec: AxisSpec, batch: int, hw: str, hw1: str) -> str:
    """``spec``'s label with ``batch`` and the hardware texts filled in, singular at batch 1."""
    return spec.label.format(batch=batch, hw=hw, hw1=hw1).replace(*_ONE_SEQUENCE)


def x_label(state: ViewState, device_name: str | None = None) -> str:
    """The cost axis title of ``state``, with its hardware filled in ({hw1}: the same at batch 1,
    where time to first token is measured whatever the batch shown)."""
    label = axis_title(axis_for(state), state.batch, hw_text(state, device_name),
                       hw_text(replace(state, batch=1), device_name))
    # an empty chart's axis says why it is empty
    return label + " (measured on CUDA GPUs only: none here)" if gpu_only_text(state) else label
