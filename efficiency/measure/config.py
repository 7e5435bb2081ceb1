"""What a latency measurement is asked to do: :class:`LatencyConfig` and its rules (no torch at
import, so that the refresh command validates its options before it starts a worker).

See :mod:`efficiency.measure.latency` for the conventions (autocast dtypes, the timing loop).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from efficiency.vocab import unsupported_configuration


def _default_threads() -> int:
    import torch

    return torch.get_num_threads()


class ConfigError(ValueError):
    """An unsupported or inconsistent :class:`LatencyConfig`; raised before any work starts."""


@dataclass(frozen=True)
class LatencyConfig:
    """What to measure. ``dtype`` bf16/fp16 means torch.autocast (see the module docstring).

    ``num_threads``: intra-op CPU threads, set for the measurement and restored afterwards (on CUDA
    only recorded). Loop: ``warmup_iters`` untimed calls, then timed calls until both ``min_iters``
    and ``min_time_s`` are reached, stopping at ``max_time_s`` (see :func:`efficiency.measure.timing.timing_loop`).
    """

    device: str = "cpu"
    batch_size: int = 1
    dtype: str = "fp32"
    mode: str = "eager"
    channels_last: bool = False
    num_threads: int = field(default_factory=_default_threads)
    warmup_iters: int = 10
    min_iters: int = 30
    min_time_s: float = 1.0
    max_time_s: float = 10.0

    def validate(self, cuda_available: bool | None = None) -> "LatencyConfig":
        """Raise :class:`ConfigError` for an unsupported combination; return self when fine.

        ``cuda_available`` defaults to ``torch.cuda.is_available()`` (pass it to test the rules).
        """
        if cuda_available is None:
            import torch

            cuda_available = torch.cuda.is_available()
        problem = unsupported_configuration(self.device, self.dtype, self.mode, cuda_available)
        if problem:
            raise ConfigError(problem)
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.num_threads < 1:
            raise ConfigError(f"num_threads must be >= 1, got {self.num_threads}")
        if self.warmup_iters < 0 or self.min_iters < 1:
            raise ConfigError("warmup_iters must be >= 0 and min_iters >= 1")
        if not (math.isfinite(self.min_time_s) and math.isfinite(self.max_time_s)):
            raise ConfigError("min_time_s and max_time_s must be finite numbers of seconds")
        if self.min_time_s < 0 or self.max_time_s <= 0:
            raise ConfigError("min_time_s must be >= 0 and max_time_s > 0")
        if self.max_time_s < self.min_time_s:
            raise ConfigError(f"max_time_s {self.max_time_s} < min_time_s {self.min_time_s}")
        return self
