"""GPU energy of a latency measurement, from NVML's total-energy counter (no torch import).

``nvmlDeviceGetTotalEnergyConsumption`` is the board's energy in millijoules since the driver was
loaded (Volta and newer). A measurement reads it when the timed loop starts and again at the end of
a window of at least :data:`WINDOW_S` seconds: the timed loop itself, extended by further (untimed)
calls of the same step when it was shorter. Why that long: the counter is refreshed only every 20 to
100 ms on recent GPUs (PETSc's notes on the same call), so one missed refresh costs at most
100 ms / 2 s = 5 % of the window's energy; the millijoule unit itself is negligible against the
tens of joules a 2 s window holds. Stored per row: ``energy_j_per_sample`` (window energy / (calls x
batch)) and ``power_w_avg`` (window energy / window seconds; the host's gaps between synchronised
calls are in the window). Without NVML (no ``pynvml`` / nvidia-ml-py, no driver, a GPU too old)
both are None.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from efficiency.measure.environment import _nvml, _nvml_index

WINDOW_S = 2.0          # the shortest window whose energy is stored (see the module docstring)
OVER_LIMIT = 1.05       # an average power above the board's limit by more than this marks a row noisy


def energy_mj(cuda_index: int) -> float | None:
    """The GPU's total-energy counter in mJ (NVML), None when it cannot be read."""
    nvml = _nvml()
    if nvml is None:
        return None
    try:
        handle = nvml.nvmlDeviceGetHandleByIndex(_nvml_index(cuda_index))
        return float(nvml.nvmlDeviceGetTotalEnergyConsumption(handle))
    except Exception:  # noqa: BLE001 - not supported on this GPU, or NVML gone: no energy, not a failure
        return None


@dataclass(frozen=True)
class Energy:
    """One window's figures: joules per sample and average watts."""

    j_per_sample: float
    power_w: float

    @classmethod
    def of(cls, delta_mj: float, seconds: float, calls: int, batch_size: int) -> "Energy | None":
        """The figures of ``delta_mj`` over ``seconds`` and ``calls`` calls of a batch; None when the
        counter did not advance or the window is not a real one."""
        if delta_mj <= 0 or seconds <= 0 or calls < 1 or batch_size < 1:
            return None
        joules = delta_mj / 1000.0
        return cls(joules / (calls * batch_size), joules / seconds)


class EnergyWindow:
    """Reads the counter at :meth:`start`; :meth:`stop` extends the window to :data:`WINDOW_S` with
    further calls of ``step`` (synchronised by ``sync``) and returns the window's :class:`Energy`."""

    def __init__(self, cuda_index: int, read: Callable[[int], float | None] = energy_mj,
                 clock: Callable[[], float] = time.perf_counter, window_s: float = WINDOW_S):
        self._index, self._read, self._clock, self._window_s = cuda_index, read, clock, window_s
        self._start_mj: float | None = None
        self._t0 = 0.0

    def start(self) -> None:
        self._start_mj = self._read(self._index)
        self._t0 = self._clock()

    def stop(self, step: Callable[[], object], sync: Callable[[], object], calls: int,
             batch_size: int) -> Energy | None:
        if self._start_mj is None:
            return None
        while self._clock() - self._t0 < self._window_s:
            step()
            sync()   # as the timed loop does: one call at a time, never a queue of them
            calls += 1
        sync()
        end_mj, seconds = self._read(self._index), self._clock() - self._t0
        return None if end_mj is None else Energy.of(end_mj - self._start_mj, seconds, calls, batch_size)


def over_limit(power_w: float | None, limit_w: float | None) -> bool:
    """An average power the board cannot draw (above its limit by more than OVER_LIMIT): the counter
    or the window is off, and the row is marked noisy."""
    return power_w is not None and bool(limit_w) and power_w > OVER_LIMIT * limit_w
