"""The noisy rule that a row's own columns can judge: energy measured at another speed than the
latency (no torch import; the measurement applies the same rule, efficiency.measure.energy).

A GPU row's energy figure is NVML's over its energy window (efficiency.measure.energy): window energy
divided by the samples run in it, so it is the energy per sample at the window's MEAN time per call
(the timed calls plus any untimed calls that extended the window to 2 s). The row's latency and
throughput are the timed calls' p50. The two describe the same speed only when

    ratio = window mean time per call / p50
          = energy_window_s / energy_window_calls / latency_ms_p50      (rows that record the window)
          = energy_j_per_sample x throughput / power_w_avg               (any row: the same quantity)

is near 1 (J/sample = E / (calls x batch), throughput = batch x 1000 / p50, W = E / seconds). On the
rows measured before the window was recorded it ranged 0.63 to 1.51 (batch-1 eager, launch-bound;
AUDIT2 D5); batch-1 CUDA-graph rows and large batches stay within 6 %.

Why flag and not rescale: the window's J/sample is what the counter measured. Rescaling it to p50
(average watts x p50 / batch) would assume the board draws the same power at both speeds, which is
not measured (a launch-bound GPU running faster draws more), so it would be a modelled number shown
as a measurement. The figure stays the window's mean, its axis says so, and a row whose window ran
more than :data:`ENERGY_SPEED_TOL` away from p50 is ``energy_noisy`` and ``noisy`` (issue 14: "a noisy
rule that covers it"): its energy and its latency are not one operating point.

:func:`flag` applies the rule to a frame; the cache applies it whenever it normalises one
(efficiency.store.cache.normalise), so rows written before the rule existed are flagged on load
and every file written since carries the flag.
"""
from __future__ import annotations

import pandas as pd

ENERGY_SPEED_TOL = 0.10   # |window mean time per call / p50 - 1| above this: energy noisy


def speed_ratio(window_s: float, window_calls: int, p50_ms: float) -> float | None:
    """The window's mean time per call over p50; None when either is not a real figure."""
    if not (window_s > 0 and window_calls >= 1 and p50_ms > 0):
        return None
    return window_s * 1000.0 / window_calls / p50_ms


def off_speed(ratio: float | None) -> bool:
    """The energy window ran more than ENERGY_SPEED_TOL away from p50."""
    return ratio is not None and abs(ratio - 1.0) > ENERGY_SPEED_TOL


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(float("nan"), index=df.index, dtype="float64")
    return pd.to_numeric(df[col], errors="coerce").astype("float64")


def speed_ratios(df: pd.DataFrame) -> pd.Series:
    """Each row's ratio (module docstring): from the recorded window where there is one, else from
    the energy, throughput and watts columns (language rows: energy per token, throughput in tokens
    per second); NaN on rows without energy."""
    recorded = _num(df, "energy_window_s") * 1000.0 / _num(df, "energy_window_calls") / _num(df, "latency_ms_p50")
    joules = _num(df, "energy_j_per_sample").fillna(_num(df, "energy_j_per_token"))
    derived = joules * _num(df, "throughput") / _num(df, "power_w_avg")
    ratio = recorded.where(recorded.notna() & (recorded > 0), derived)
    return ratio.where(ratio > 0)


def _flags(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(pd.NA, index=df.index, dtype="boolean")
    return df[col].astype("boolean")


def flag(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``energy_noisy`` set on every row with energy (a flag it already holds is kept: the
    measurement also marks power above the board's limit) and ``noisy`` set where ``energy_noisy``
    is. Rows without energy keep what they hold. Returns a new frame."""
    ratio = speed_ratios(df)
    judged = ratio.notna()
    off = ((ratio - 1.0).abs() > ENERGY_SPEED_TOL) & judged
    prior = _flags(df, "energy_noisy")
    energy_noisy = prior.mask(judged, prior.fillna(False) | off)
    noisy = _flags(df, "noisy").mask(energy_noisy.fillna(False), True)
    return df.assign(energy_noisy=energy_noisy, noisy=noisy)
