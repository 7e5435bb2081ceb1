"""Limits on one task of a worker (no torch): how long a count or a latency measurement may run,
and how much memory the worker may hold while it runs.

A task is one measurement of a job: its count, or one latency configuration. A task that passes a
limit has its worker killed; its rows (and those of the job's tasks not yet run) become error rows
that name the limit and its value (:func:`limit_message`), the worker is replaced and the sweep goes
on. Those rows are errors like any other: a rerun skips them unless ``--retry-errors``.
"""
from __future__ import annotations

import dataclasses
import os

# counting traces the model twice (fvcore, FlopCounterMode) on the CPU at batch 1: the largest zoo
# models (ViT-giant, detection at 800 px) take about two minutes on two cores
COUNT_TIMEOUT_S = 900.0
# a latency task builds, warms up and times for at most --max-time (10 s by default); compile mode
# adds torch.compile's minutes
LATENCY_TIMEOUT_S = 900.0
MEMORY_FRACTION = 0.8   # of the machine's memory, shared by the workers


def total_memory_bytes() -> int | None:
    """Physical memory of this machine, or None where it cannot be read."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_bytes(workers: int) -> int | None:
    """Each worker's share of :data:`MEMORY_FRACTION` of the machine's memory."""
    total = total_memory_bytes()
    return None if total is None else int(total * MEMORY_FRACTION / max(1, workers))


@dataclasses.dataclass(frozen=True)
class Limits:
    """Per-task limits; None switches a limit off."""

    count_timeout_s: float | None = COUNT_TIMEOUT_S
    latency_timeout_s: float | None = LATENCY_TIMEOUT_S
    memory_bytes: int | None = None

    def timeout_s(self, kind: str) -> float | None:
        """The time limit of a task of ``kind`` ("count" | "latency")."""
        return self.count_timeout_s if kind == "count" else self.latency_timeout_s


def limit_message(kind: str, limits: Limits, which: str) -> str:
    """The error text of a task killed for passing a limit (``which``: "time" | "memory")."""
    if which == "time":
        return (f"killed: the {kind} task ran past its time limit of {limits.timeout_s(kind):g} s "
                f"(--{kind}-timeout)")
    return (f"killed: the worker's memory passed its limit of {limits.memory_bytes / 2**30:.2f} GiB "
            "(--memory-limit)")
