"""The dashboard's axes: each cost axis's label, unit and convention, and the accuracy axis's label
(no torch, no Streamlit).

Conventions:

* GMACs: 1e9 multiply-accumulates per sample (1 multiply-add = 1), what timm /
  torchvision / fvcore call "GFLOPs". GFLOPs here are true FLOPs = 2 x MACs.
* latency: milliseconds per forward call of one batch (p50 / p90 over the samples).
* 1/throughput: milliseconds per sample = 1000 / (samples per second).
* memory: peak bytes of the measured configuration, shown in MiB (2^20 bytes):
  CUDA ``max_memory_allocated``, CPU peak RSS growth.

The axis keys are :data:`efficiency.vocab.X_AXES`; :data:`AXES` gives each its :class:`AxisSpec`.
"""
from __future__ import annotations

from dataclasses import dataclass

from efficiency.ui.state import ViewState
from efficiency.vocab import X_AXES


@dataclass(frozen=True)
class AxisSpec:
    key: str
    label: str          # axis title (with unit and convention); "{batch}" and "{hw}" are filled in
    short: str          # column header / budget wording
    unit: str
    column: str         # the view table's column holding the value
    needs_hw: bool      # depends on the hardware configuration


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
]}
assert tuple(AXES) == X_AXES, "efficiency.vocab.X_AXES and the axis specs disagree"

# axis key -> the view table's column
X_COLUMN = {k: a.column for k, a in AXES.items()}

# metric -> unit of the published value (percent unless listed)
METRIC_UNITS = {"epe": "px", "per_image_epe": "px"}
PRETTY_DATASETS = {"imagenet-1k": "ImageNet-1k", "imagenet-real": "ImageNet-ReaL", "imagenetv2": "ImageNetV2",
                   "coco-val2017": "COCO val2017", "kinetics-400": "Kinetics-400"}
PRETTY_METRICS = {"top1": "top-1", "top5": "top-5", "box_map": "box mAP", "mask_map": "mask mAP",
                  "kp_map": "keypoint mAP", "miou": "mIoU", "pixel_acc": "pixel acc.", "epe": "EPE",
                  "fl_all": "Fl-all", "per_image_epe": "per-image EPE"}


def y_label(dataset: str, metric: str, higher_is_better: bool = True) -> str:
    """The accuracy axis title: pretty dataset and metric, unit, and the direction when lower wins."""
    unit = METRIC_UNITS.get(metric, "%")
    text = f"{PRETTY_DATASETS.get(dataset, dataset)} {PRETTY_METRICS.get(metric, metric)} ({unit}"
    return text + (")" if higher_is_better else ", lower is better)")


def hw_text(state: ViewState, device_name: str | None = None) -> str:
    """The hardware configuration in words: device (its name when known), batch, dtype, mode."""
    dev = device_name or state.device.upper()
    return f"{dev}, batch {state.batch}, {state.dtype}, {state.mode.replace('_', ' ')}"


def x_label(state: ViewState, device_name: str | None = None) -> str:
    """The cost axis title of ``state``, with its hardware filled in."""
    return AXES[state.x].label.format(batch=state.batch, hw=hw_text(state, device_name))
