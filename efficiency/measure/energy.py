"""GPU energy of a latency measurement, from NVML's total-energy counter (no torch import).

``nvmlDeviceGetTotalEnergyConsumption`` is the board's energy in millijoules since the driver was
loaded (Volta and newer). A measurement reads it when the timed loop starts and again at the end of
a window of at least :data:`WINDOW_S` seconds: the timed loop itself, extended by further (untimed)
calls of the same step when it was shorter. Why that long: the counter is refreshed only every 20 to
100 ms on recent GPUs (PETSc's notes on the same call), so one missed refresh costs at most
100 ms / 2 s = 5 % of the window's energy; the millijoule unit itself is negligible against the
tens of joules a 2 s window holds. Stored per row: ``energy_j_per_sample`` (window energy / (calls x
batch)) and ``power_w_avg`` (window energy / window seconds; the host's gaps between synchronised
calls are in the window), and the window itself, ``energy_window_calls`` and ``energy_window_s``.
Without NVML (no ``pynvml`` / nvidia-ml-py, no driver, a GPU too old) all are None.

J/sample is therefore the energy at the window's MEAN time per call (timed and extension calls
together), not at the timed p50 that the row's latency and throughput report. It is kept as measured,
not rescaled to p50 (that would assume the same power at both speeds: efficiency.store.noisy says
why); a window whose mean time per call is more than ``efficiency.store.noisy.ENERGY_SPEED_TOL``
(10 %) away from p50 marks the row ``energy_noisy`` and ``noisy`` (:meth:`Energy.off_speed`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from efficiency.measure.environment import _nvml, _nvml_index
from efficiency.store import noisy

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
    """One window's figures, joules per sample and average watts, and the window they came from: its
    calls of the measured step and its seconds."""

    j_per_sample: float
    power_w: float
    calls: int
    seconds: float

    @classmethod
    def of(cls, delta_mj: float, seconds: float, calls: int, batch_size: int) -> "Energy | None":
        """The figures of ``delta_mj`` over ``seconds`` and ``calls`` calls of a batch; None when the
        counter did not advance or the window is not a real one."""
        if delta_mj <= 0 or seconds <= 0 or calls < 1 or batch_size < 1:
            return None
        joules = delta_mj / 1000.0
        return cls(joules / (calls * batch_size), joules / seconds, calls, seconds)

    def speed_ratio(self, p50_ms: float, steps_per_call: int = 1) -> float | None:
        """The window's mean time per step over ``p50_ms``. A step is what p50 times: one call of a
        vision model; on language rows one decode step, ``steps_per_call`` of them in each call (a
        whole decode) of the window."""
        return noisy.speed_ratio(self.seconds, self.calls * steps_per_call, p50_ms)

    def off_speed(self, p50_ms: float, steps_per_call: int = 1) -> bool:
        """J/sample describes another speed than p50, by more than noisy.ENERGY_SPEED_TOL."""
        return noisy.off_speed(self.speed_ratio(p50_ms, steps_per_call))


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


# a latency row's energy columns (efficiency.store.schema.LATENCY_COLUMNS)
ENERGY_COLUMNS = ("energy_j_per_sample", "power_w_avg", "energy_window_calls", "energy_window_s", "energy_noisy")


def row_columns(energy: Energy | None, p50_ms: float, limit_w: float | None, steps_per_call: int = 1) -> dict:
    """The cache columns of a window measured beside a timed ``p50_ms`` (all None without a window).
    ``energy_noisy``: J/sample describes another speed than p50 (:meth:`Energy.off_speed`), or the
    window's power is one the board cannot draw (:func:`over_limit`); the caller ORs it into ``noisy``."""
    if energy is None:
        return dict.fromkeys(ENERGY_COLUMNS)
    return {"energy_j_per_sample": energy.j_per_sample, "power_w_avg": energy.power_w,
            "energy_window_calls": energy.calls * steps_per_call, "energy_window_s": energy.seconds,
            "energy_noisy": energy.off_speed(p50_ms, steps_per_call) or over_limit(energy.power_w, limit_w)}
