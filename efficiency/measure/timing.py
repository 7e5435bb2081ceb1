"""The timing loop, its clocks and the statistics of its samples (times in ms).

* One clock per device, chosen in one place (:func:`timer_for`): CUDA events on the GPU, each pair
  synchronised before it is read; ``time.perf_counter_ns`` on the CPU.
* Percentiles are numpy's ``linear`` method (interpolate between the two nearest order statistics);
  ``iqr`` is ``p75 - p25``; ``std`` is the sample standard deviation (ddof=1; 0 for one sample).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np

MIN_SAMPLES = 3          # max_time_s stops the loop only once it has this many samples


# --------------------------------------------------------------------------------------------------
# statistics


@dataclass(frozen=True)
class LatencyStats:
    """Summary of raw per-call latencies, built once by :meth:`from_samples`. Times in ms."""

    n_samples: int
    mean_ms: float
    std_ms: float
    min_ms: float
    max_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    iqr_ms: float
    throughput: float  # samples per second = batch_size * 1000 / p50_ms

    @classmethod
    def from_samples(cls, samples_ms: Sequence[float], batch_size: int) -> "LatencyStats":
        """Percentiles by numpy's linear interpolation; std with ddof=1 (0 for a single sample)."""
        a = np.asarray(samples_ms, dtype=np.float64)
        if a.ndim != 1 or a.size == 0:
            raise ValueError("need at least one latency sample")
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ValueError("latency samples must be finite and >= 0")
        p25, p50, p75, p90, p99 = np.percentile(a, [25, 50, 75, 90, 99], method="linear")
        return cls(
            n_samples=int(a.size),
            mean_ms=float(a.mean()),
            std_ms=float(a.std(ddof=1)) if a.size > 1 else 0.0,
            min_ms=float(a.min()),
            max_ms=float(a.max()),
            p50_ms=float(p50),
            p90_ms=float(p90),
            p99_ms=float(p99),
            iqr_ms=float(p75 - p25),
            throughput=batch_size * 1000.0 / float(p50) if p50 > 0 else math.inf,
        )


# --------------------------------------------------------------------------------------------------
# clocks


class Timer(Protocol):
    """Owns the clock: runs ``fn`` once and returns how long it took, in ms, work completed."""

    def time(self, fn: Callable[[], object]) -> float: ...


class PerfCounterTimer:
    """Host wall clock, ``time.perf_counter_ns``; right for the CPU, where calls are synchronous."""

    def time(self, fn: Callable[[], object]) -> float:
        t0 = time.perf_counter_ns()
        fn()
        return (time.perf_counter_ns() - t0) / 1e6


class CudaEventTimer:
    """A pair of CUDA timing events around ``fn`` on the current stream, synchronised before reading.

    Synchronising every call measures each call in isolation (latency, not pipelined throughput).
    """

    def __init__(self) -> None:
        import torch

        self._start = torch.cuda.Event(enable_timing=True)
        self._end = torch.cuda.Event(enable_timing=True)

    def time(self, fn: Callable[[], object]) -> float:
        self._start.record()
        fn()
        self._end.record()
        self._end.synchronize()
        return float(self._start.elapsed_time(self._end))


def timer_for(device: str) -> Timer:
    """The one place that picks the clock: CUDA events for ``cuda*``, perf_counter otherwise."""
    return CudaEventTimer() if str(device).startswith("cuda") else PerfCounterTimer()


@dataclass(frozen=True)
class TimedLoop:
    """What :func:`timing_loop` did: the timed per-call latencies (ms) and the untimed warm-up calls it
    actually made, which is fewer than asked when the warm-up alone reached ``max_time_s``."""

    samples_ms: tuple[float, ...]
    warmup_calls: int


def timing_loop(
    fn: Callable[[], object],
    timer: Timer,
    warmup_iters: int,
    min_iters: int,
    min_time_s: float,
    max_time_s: float,
    after_warmup: Callable[[], object] | None = None,
) -> TimedLoop:
    """Warm up, then time ``fn`` until both ``min_iters`` and ``min_time_s`` are reached.

    Time is the sum of the timer's samples (so the loop is deterministic under a fake timer; the
    wall cost is a little higher: Python and synchronisation). ``max_time_s`` wins over
    ``min_iters``: the loop stops once the timed samples add up to ``max_time_s``, provided it has
    at least ``min(MIN_SAMPLES, min_iters)`` samples. The warm-up (``warmup_iters`` calls, untimed)
    also stops early once it alone has taken ``max_time_s``, after at least one call; the result
    says how many it made (a row records it: ``warmup_calls``).
    ``after_warmup`` runs once between warm-up and timing (e.g. to read the GPU clock).
    """
    max_ms = max_time_s * 1000.0
    warm_ms = 0.0
    warmup_calls = 0
    for _ in range(warmup_iters):
        warm_ms += timer.time(fn)
        warmup_calls += 1
        if warm_ms >= max_ms:
            break
    if after_warmup is not None:
        after_warmup()
    floor = min(MIN_SAMPLES, min_iters)
    samples: list[float] = []
    total_ms = 0.0
    while True:
        t = timer.time(fn)
        samples.append(t)
        total_ms += t
        n = len(samples)
        if n >= min_iters and total_ms >= min_time_s * 1000.0:
            break
        if total_ms >= max_ms and n >= floor:
            break
    return TimedLoop(tuple(samples), warmup_calls)
