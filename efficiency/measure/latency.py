"""Latency of one model in one configuration: a timed loop, a value object, one cache row.

Conventions (see also the package docstring):

* Times are milliseconds per call of the model on a whole batch; ``throughput`` is samples per second,
  ``batch_size * 1000 / p50``.
* Percentiles, clocks and the loop: :mod:`efficiency.measure.timing`.
* ``bf16`` and ``fp16`` mean mixed precision through :func:`torch.autocast`: weights and inputs stay
  fp32, autocast runs the eligible ops (convolutions, matmuls) in the low precision. This is how the
  models are usually deployed from PyTorch and keeps one model object for every dtype.
  ``fp16`` on the CPU is refused (:class:`ConfigError`); ``bf16`` on the CPU is allowed (CPU autocast
  supports it; it is only fast on CPUs with AVX512-BF16 or AMX, which is exactly what the row shows).
* ``compile_time_s`` is the wall time of the first call after ``torch.compile`` (compilation plus
  one run), after ``torch._dynamo.reset()``; inductor's on-disk caches may still shorten it.
* Memory in bytes. GPU: ``torch.cuda.max_memory_allocated`` / ``max_memory_reserved`` after a
  reset of the peak statistics (weights, input and activations). CPU: growth of the process's peak
  resident set (``ru_maxrss``) across the measurement. ``ru_maxrss`` is a high-water mark of the
  whole process: if the process already peaked higher earlier (a bigger model measured before) the
  growth reads 0, so treat it as a lower bound and measure big models first or in a fresh process.

Errors are exceptions a caller turns into error rows: :class:`ConfigError` before any work,
:class:`MeasureError` (GPU out of memory, ...) and its subclass :class:`CudaGraphError` (the
capture failed). A failed capture is recorded as the ``cuda_graph`` row's error; an eager figure is
never put in its place (eager is measured when asked for, under its own key).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from efficiency.store import schema
from efficiency.measure.timing import LatencyStats, timer_for, timing_loop
from efficiency.measure.environment import _nvml_index, _power_limit_w, capture_environment, gpu_state
from efficiency.measure.energy import EnergyWindow, row_columns
from efficiency.measure.config import ConfigError, LatencyConfig  # noqa: F401 - part of this module's API

AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}

NOISY_IQR_REL = 0.05     # iqr / p50 above this marks a row noisy
NOISY_CLOCK_DROP = 0.10  # an SM clock drop above this (start -> end) marks a row noisy
CUDA_GRAPH_WARMUP = 3    # eager calls on a side stream before the capture (allocator, cuDNN autotune)


class MeasureError(RuntimeError):
    """The measurement itself failed (e.g. GPU out of memory); the message says why."""


class CudaGraphError(MeasureError):
    """Capturing the forward in a CUDA graph failed; the message carries torch's reason."""


# --------------------------------------------------------------------------------------------------
# result


@dataclass(frozen=True)
class LatencyResult:
    """One measurement: configuration, statistics, memory, clocks, environment. Flattens to one row."""

    config: LatencyConfig
    stats: LatencyStats
    device_name: str
    num_threads: int
    mem_gpu_max_allocated_bytes: int | None
    mem_gpu_max_reserved_bytes: int | None
    mem_cpu_rss_growth_bytes: int | None
    compile_time_s: float | None
    gpu_clock_mhz_start: float | None
    gpu_clock_mhz_end: float | None
    gpu_temp_c_start: float | None
    gpu_temp_c_end: float | None
    noisy: bool
    environment: dict = field(compare=False)  # capture_environment(device)
    measured_at: str = ""                     # UTC ISO-8601, start of the measurement
    duration_s: float = 0.0                   # wall seconds measure() took
    # GPU: the NVML energy window's columns (efficiency.measure.energy.row_columns), else empty
    energy: dict = field(default_factory=dict, compare=False)
    warmup_calls: int | None = None           # untimed calls the loop made (timing.TimedLoop; <= asked)

    def to_row(self) -> dict:
        """CONFIG_COLUMNS + LATENCY_COLUMNS + ENV_COLUMNS except ``input_key`` (the caller's hash).

        ``error`` is "" (a result is a good row); ``measured_at`` and ``duration_s`` are measure()'s
        own; the caller adds the ID columns and may overwrite ``duration_s`` with its wider timing.
        """
        c, s = self.config, self.stats
        row: dict[str, Any] = {
            "kind": "latency",
            "batch_size": c.batch_size,
            "device": c.device,
            "device_name": self.device_name,
            "dtype": c.dtype,
            "mode": c.mode,
            "channels_last": c.channels_last,
            "n_samples": s.n_samples, "warmup_calls": self.warmup_calls, "warmup_iters": c.warmup_iters,
            "min_iters": c.min_iters, "min_time_s": c.min_time_s, "max_time_s": c.max_time_s,  # its loop
            "latency_ms_mean": s.mean_ms,
            "latency_ms_std": s.std_ms,
            "latency_ms_min": s.min_ms,
            "latency_ms_p50": s.p50_ms,
            "latency_ms_p90": s.p90_ms,
            "latency_ms_p99": s.p99_ms,
            "latency_ms_iqr": s.iqr_ms,
            "throughput": s.throughput,
            "mem_gpu_max_allocated_bytes": self.mem_gpu_max_allocated_bytes,
            "mem_gpu_max_reserved_bytes": self.mem_gpu_max_reserved_bytes,
            "mem_cpu_rss_growth_bytes": self.mem_cpu_rss_growth_bytes,
            "num_threads": self.num_threads,
            "compile_time_s": self.compile_time_s,
            "noisy": self.noisy,
            "gpu_clock_mhz_start": self.gpu_clock_mhz_start,
            "gpu_clock_mhz_end": self.gpu_clock_mhz_end,
            "gpu_temp_c_start": self.gpu_temp_c_start,
            "gpu_temp_c_end": self.gpu_temp_c_end,
            **row_columns(None, 0.0, None), **self.energy,
            # the machine measured on (capture_environment); "unknown" only where it was not read
            "hardware": self.environment.get("hardware") or schema.UNKNOWN_HARDWARE,
            "hardware_name": self.environment.get("hardware_name") or "",
        }
        for name in schema.ENV_COLUMNS:
            if name in self.environment:
                row[name] = self.environment[name]
        row["measured_at"] = self.measured_at
        row["duration_s"] = self.duration_s
        row["error"] = ""
        return row


def is_noisy(stats: LatencyStats, clock_start: float | None, clock_end: float | None) -> bool:
    """iqr/p50 above NOISY_IQR_REL, or the SM clock fell by more than NOISY_CLOCK_DROP."""
    if stats.p50_ms > 0 and stats.iqr_ms / stats.p50_ms > NOISY_IQR_REL:
        return True
    if clock_start and clock_end is not None:
        return clock_end < (1.0 - NOISY_CLOCK_DROP) * clock_start
    return False


# --------------------------------------------------------------------------------------------------
# measurement

MakeInput = Callable[[int, torch.device, torch.dtype], Any]


def _memory_format(input_shape: tuple[int, ...]) -> torch.memory_format:
    if len(input_shape) == 3:
        return torch.channels_last
    if len(input_shape) == 4:
        return torch.channels_last_3d
    raise ConfigError(f"channels_last needs a 3- or 4-dim per-sample shape, got {input_shape}")


def _to_format(x: Any, fmt: torch.memory_format) -> Any:
    rank = 4 if fmt == torch.channels_last else 5
    if isinstance(x, torch.Tensor):
        return x.contiguous(memory_format=fmt) if x.dim() == rank else x
    if isinstance(x, (list, tuple)):
        return type(x)(_to_format(v, fmt) for v in x)
    return x


def _call(model: Callable, x: Any) -> Any:
    # a tuple is unpacked into positional arguments (two-frame optical flow); anything else
    # (a tensor, a list of images for detection, a dict) is the single argument
    return model(*x) if isinstance(x, tuple) else model(x)


def _rss_peak_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024  # Linux reports KiB


@functools.lru_cache(maxsize=None)
def _side_stream(index: int) -> "torch.cuda.Stream":
    # one side stream per GPU for the whole process: cuBLAS keeps a workspace (32 MiB on Hopper)
    # per stream it has seen and never frees it, so a new stream per measurement leaks memory
    return torch.cuda.Stream(device=index)


def _restore_rng(generator: torch.Generator, saved: torch.Generator | None) -> None:
    """After a failed capture the CUDA generator still believes it is capturing, and the next
    ``torch.randn`` on the GPU fails ("Offset increment outside graph capture"). Swap in the state
    cloned before the capture."""
    if saved is not None:
        try:
            generator.graphsafe_set_state(saved)
        except Exception:  # older torch without graph-safe generator states
            pass


def _capture_cuda_graph(model: Callable, x: Any) -> Callable[[], object]:
    """The standard recipe: warm up on a side stream, capture one forward, return ``graph.replay``.

    The input ``x`` is the graph's static input: replays read whatever it holds.
    """
    index = torch.cuda.current_device()
    generator = torch.cuda.default_generators[index]
    saved = generator.clone_state() if hasattr(generator, "clone_state") else None
    try:
        side = _side_stream(index)
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(CUDA_GRAPH_WARMUP):
                _call(model, x)
        torch.cuda.current_stream().wait_stream(side)
        torch.cuda.synchronize()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static_out = _call(model, x)
        torch.cuda.synchronize()
    except torch.cuda.OutOfMemoryError:
        _restore_rng(generator, saved)
        raise
    except Exception as exc:  # capture-unsafe ops, CPU syncs inside forward, dynamic shapes...
        _restore_rng(generator, saved)
        raise CudaGraphError(f"CUDA graph capture failed: {type(exc).__name__}: {exc}") from exc

    def replay(graph=graph, keep=static_out):  # keep the static output alive with the graph
        graph.replay()

    return replay


def measure(
    model: torch.nn.Module,
    input_shape: tuple[int, ...],
    config: LatencyConfig,
    make_input: MakeInput | None = None,
) -> LatencyResult:
    """Measure ``model`` on a batch of ``config.batch_size`` inputs of ``input_shape`` (per sample).

    The model is put in eval mode and moved to the device (and to channels_last if asked): it is
    modified in place. The input is ``torch.randn`` unless ``make_input(batch_size, device, dtype)``
    is given (dtype is always fp32: low precision comes from autocast); it may return a tensor, a
    list or dict (passed as the one argument) or a tuple (unpacked into positional arguments).
    Raises ConfigError (bad config), CudaGraphError (capture failed), MeasureError (GPU OOM).
    """
    config.validate()
    started = time.perf_counter()
    measured_at = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    device = torch.device(config.device)
    on_cuda = device.type == "cuda"
    cuda_index = (device.index if device.index is not None else torch.cuda.current_device()) if on_cuda else 0
    fmt = _memory_format(tuple(input_shape)) if config.channels_last else None
    previous_threads = torch.get_num_threads()
    environment = capture_environment(config.device)
    timer = timer_for(config.device)
    state_start: dict = {"clock_mhz": None, "temp_c": None}
    window = EnergyWindow(cuda_index)
    energy = None

    def read_start_state() -> None:
        if on_cuda:
            state_start.update(gpu_state(cuda_index))
            window.start()

    try:
        if not on_cuda:
            torch.set_num_threads(config.num_threads)
        num_threads = torch.get_num_threads()
        model = model.eval().to(device)
        if fmt is not None:
            model = model.to(memory_format=fmt)
        rss_before = _rss_peak_bytes()
        x = (make_input(config.batch_size, device, torch.float32) if make_input is not None
             else torch.randn((config.batch_size, *input_shape), device=device))
        if fmt is not None:
            x = _to_format(x, fmt)
        if on_cuda:
            torch.cuda.synchronize(device)
            torch.cuda.reset_peak_memory_stats(device)
        if config.dtype == "fp32":
            autocast = contextlib.nullcontext()
        else:  # the autocast weight cache cannot live across a CUDA graph capture
            autocast = torch.autocast(device.type, dtype=AUTOCAST_DTYPES[config.dtype],
                                      cache_enabled=config.mode != "cuda_graph")
        compile_time_s = None
        with torch.inference_mode(), autocast:
            if config.mode == "compile":
                # forget earlier compilations (same module measured before): the first call below
                # then really compiles; inductor's on-disk caches can still make it faster
                from torch import _dynamo  # imported here: it costs a second or two

                _dynamo.reset()
                compiled = torch.compile(model)
                t0 = time.perf_counter()
                timer.time(lambda: _call(compiled, x))  # first call compiles; timer syncs
                compile_time_s = time.perf_counter() - t0
                step: Callable[[], object] = lambda: _call(compiled, x)
            elif config.mode == "cuda_graph":
                step = _capture_cuda_graph(model, x)
            else:
                step = lambda: _call(model, x)
            loop = timing_loop(step, timer, config.warmup_iters, config.min_iters, config.min_time_s,
                               config.max_time_s, after_warmup=read_start_state)
            samples = loop.samples_ms
            if on_cuda:   # the energy window: the timed loop, extended to energy.WINDOW_S if shorter
                energy = window.stop(step, lambda: torch.cuda.synchronize(device), len(samples),
                                     config.batch_size)
        if on_cuda:
            torch.cuda.synchronize(device)
            mem_alloc = int(torch.cuda.max_memory_allocated(device))
            mem_reserved = int(torch.cuda.max_memory_reserved(device))
            state_end = gpu_state(cuda_index)
            rss_growth = None
            device_name = torch.cuda.get_device_name(device)
        else:
            mem_alloc = mem_reserved = None
            state_end = {"clock_mhz": None, "temp_c": None}
            rss_growth = max(0, _rss_peak_bytes() - rss_before)
            device_name = environment.get("cpu_model") or ""
    except torch.cuda.OutOfMemoryError as exc:
        step = x = None  # drop the references before freeing the cache
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise MeasureError(f"CUDA out of memory at batch {config.batch_size}: {exc}") from exc
    finally:
        torch.set_num_threads(previous_threads)

    stats = LatencyStats.from_samples(samples, config.batch_size)
    # energy_noisy: J/sample is the window's mean speed, > 10 % off this p50, or a power over the limit
    energy_cols = row_columns(energy, stats.p50_ms, _power_limit_w(_nvml_index(cuda_index)) if energy else None)
    return LatencyResult(
        config=config,
        stats=stats,
        device_name=device_name,
        num_threads=num_threads,
        mem_gpu_max_allocated_bytes=mem_alloc,
        mem_gpu_max_reserved_bytes=mem_reserved,
        mem_cpu_rss_growth_bytes=rss_growth,
        compile_time_s=compile_time_s,
        gpu_clock_mhz_start=state_start["clock_mhz"],
        gpu_clock_mhz_end=state_end["clock_mhz"],
        gpu_temp_c_start=state_start["temp_c"],
        gpu_temp_c_end=state_end["temp_c"],
        noisy=is_noisy(stats, state_start["clock_mhz"], state_end["clock_mhz"]) or bool(energy_cols["energy_noisy"]),
        environment=environment,
        measured_at=measured_at,
        duration_s=time.perf_counter() - started,
        energy=energy_cols, warmup_calls=loop.warmup_calls,
    )
