"""Upgrades of caches written by older code, applied when they are read (no torch import).

A cache file carries its schema version (``efficiency.schema_version`` in the parquet metadata);
:func:`upgrade` brings an older frame to :data:`efficiency.store.schema.SCHEMA_VERSION` in memory. The
file itself is rewritten by the next merge (every write is the current version), never by a read.

Version 1 -> 2: the ``hardware`` key column and ``hardware_name``. A version-1 row recorded only the
CPU's model string (``cpu_model``, e.g. "AMD EPYC": Zen 3 parts without AVX-512 and Zen 4/5 parts with
it report the same string), the GPU's name and a host name ("vm" everywhere), never the CPU family,
instruction sets or core count, nor the GPU's memory or power limit. So a version-1 latency row's
machine cannot be established from its columns: it is marked ``unknown``, with what it did record in
``hardware_name``; a refresh then measures afresh rather than take it as current on a machine that may
differ. Count rows do not depend on the machine: ``any``.

Version 2 -> 3: ``derived_from`` (entries the refresh's ``--resolution`` derives at other input sizes).
Every version-2 row came from the zoo's own entries or a user's model: ``""``.

One exception, :data:`V1_GPU_MACHINES`: a GPU row whose name and driver are those of the machines this
project's GPU rows were measured on. Every version-1 GPU row says "NVIDIA H200" with driver 580.159.04;
the H200 (SXM; the NVL part names itself "NVIDIA H200 NVL") has one memory size, and the lent machines
with that driver were read at 143,771 MiB and a 700 W enforced power limit whenever it was read
(2026-12-01 and 2026-12-02, the rows measured then with version 2 say so). A CPU's model string
("AMD EPYC") establishes nothing of the kind, so CPU rows stay ``unknown``.

Version 3 -> 4: the timing loop's ``warmup_calls`` and the settings it ran under (``warmup_iters``,
``min_iters``, ``min_time_s``, ``max_time_s``; efficiency.store.schema.LATENCY_COLUMNS), null on every
older row. They were not recorded and cannot be recovered from what was: the shipped sweeps ran with
different ``--min-time`` / ``--max-time`` options (bench/RESULTS.md: ``--max-time 1`` or ``2`` on the
GPU sweeps), a row holds them only hashed into its ``input_key``, and the warm-up stopped after anything
from one call to ``warmup_iters`` depending on how long the calls took, which the timed samples' summary
does not fix. Null is "not recorded"; a value would be a guess. ``macs_mismatch`` is left as it is: on
language-model count rows it is the closed-form cross-check (schema.COUNT_COLUMNS), which did run.
"""
from __future__ import annotations

import pandas as pd

from efficiency.store.schema import ANY_HARDWARE, ANY_HARDWARE_NAME, UNKNOWN_HARDWARE


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series("", index=df.index, dtype=object)
    return df[col].astype(object).where(df[col].notna(), "").astype(str)


def v1_hardware_name(device: str, device_name: str, cpu_model: str, gpu_name: str) -> str:
    """What a version-1 latency row says of its machine, in words, with what it did not record."""
    if device == "cuda":
        name = gpu_name or device_name
        return f"{name} (memory and power limit not recorded)" if name else "GPU not recorded"
    name = cpu_model or device_name
    return (f"{name} (family, model, instruction sets and cores not recorded)" if name
            else "CPU not recorded")


# (gpu_name, gpu_driver) of a version-1 row -> (identity, name) established for it (module docstring);
# the same strings efficiency.measure.environment.gpu_hardware_from gives that machine today
V1_GPU_MACHINES = {
    ("NVIDIA H200", "580.159.04"): ("gpu/NVIDIA H200/140GiB/700W", "NVIDIA H200, 140 GiB, 700 W limit"),
}


def v1_machine(kind: str, device: str, gpu_name: str, gpu_driver: str, readable: str) -> tuple[str, str]:
    """(hardware, hardware_name) of one version-1 row."""
    if kind == "count":
        return ANY_HARDWARE, ANY_HARDWARE_NAME
    if device == "cuda" and (gpu_name, gpu_driver) in V1_GPU_MACHINES:
        return V1_GPU_MACHINES[gpu_name, gpu_driver]
    return UNKNOWN_HARDWARE, readable


def to_v2(df: pd.DataFrame) -> pd.DataFrame:
    """Version 1 -> 2: ``hardware`` and ``hardware_name`` on every row (see the module docstring)."""
    df = df.copy()
    device, gpu = _text(df, "device"), _text(df, "gpu_name")
    names = [v1_hardware_name(*values) for values in zip(device, _text(df, "device_name"),
                                                         _text(df, "cpu_model"), gpu)]
    machines = [v1_machine(*values) for values in zip(_text(df, "kind"), device, gpu,
                                                      _text(df, "gpu_driver"), names)]
    df["hardware"] = [m[0] for m in machines]
    df["hardware_name"] = [m[1] for m in machines]
    return df


def to_v3(df: pd.DataFrame) -> pd.DataFrame:
    """Version 2 -> 3: ``derived_from`` "" on every row (see the module docstring)."""
    return df.assign(derived_from="")


# the columns a version-4 measurement records and older rows lack (module docstring)
V4_LOOP_COLUMNS = ("warmup_calls", "warmup_iters", "min_iters", "min_time_s", "max_time_s")


def to_v4(df: pd.DataFrame) -> pd.DataFrame:
    """Version 3 -> 4: the loop's columns null on every row (see the module docstring)."""
    return df.assign(**{c: pd.NA for c in V4_LOOP_COLUMNS})


STEPS = {1: to_v2, 2: to_v3, 3: to_v4}   # from version -> the step to the next one


def upgrade(df: pd.DataFrame, version: int) -> pd.DataFrame:
    """``df`` read from a cache of schema ``version``, brought to the current version."""
    from efficiency.store import schema

    while version < schema.SCHEMA_VERSION:
        df = STEPS[version](df)
        version += 1
    return df
