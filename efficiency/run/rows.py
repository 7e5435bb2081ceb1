"""Row assembly: the one place a cache row is put together (no torch).

:func:`make_row` serves every path that writes a row: a worker's count and latency measurements
(:mod:`efficiency.run.worker`) and the crash rows the parent writes for a job whose worker was lost
(:func:`crash_rows`). A row is the entry's identity columns, the configuration columns
(:func:`efficiency.run.plan.configuration`), the environment, what was measured, and the error,
duration and input key; the environment is :func:`efficiency.measure.environment.capture_environment`
inside a worker and :func:`~efficiency.measure.environment.static_environment` (torch-free) in the
parent.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import signal
from collections.abc import Mapping

from efficiency.measure.environment import Hardware, library_versions, static_environment
from efficiency.run.plan import Job, LatencySpec, configuration, input_key
from efficiency.store import schema
from efficiency.zoo import ZooEntry

WORKER_DIED = "the worker process died while measuring this model"


def died_message(exitcode: int | None) -> str:
    """:data:`WORKER_DIED` with how the process ended (a signal's name, or its exit code)."""
    if exitcode is None:
        return WORKER_DIED
    if exitcode < 0:
        try:
            return f"{WORKER_DIED} (killed by {signal.Signals(-exitcode).name})"
        except ValueError:
            return f"{WORKER_DIED} (killed by signal {-exitcode})"
    return f"{WORKER_DIED} (exit code {exitcode})"


@dataclasses.dataclass(frozen=True)
class Provenance:
    """Where and with what a row was made: ``environment`` (schema.ENV_COLUMNS' environment
    fields, and in a measuring process the ``hardware`` it ran on), the library ``versions`` the input
    keys hash, the device names they hash, and the machines the plan expected (device ->
    :class:`Hardware`; used where the environment names none: rows made in the parent)."""

    environment: dict
    versions: dict
    device_names: Mapping
    hardware: Mapping = dataclasses.field(default_factory=dict)

    def machine(self, spec: LatencySpec | None) -> Hardware:
        """The machine of a row for ``spec``: any for a count; the one measured on, else the planned one."""
        if spec is None:
            return Hardware(schema.ANY_HARDWARE, schema.ANY_HARDWARE_NAME)
        if self.environment.get("hardware"):
            return Hardware(self.environment["hardware"], self.environment.get("hardware_name") or "")
        return self.hardware.get(spec.device) or Hardware(schema.UNKNOWN_HARDWARE, "not recorded")


def identity(entry: ZooEntry) -> dict:
    """The ID columns of ``entry``'s rows."""
    return {"model": entry.id, "source": entry.source, "arch": entry.arch, "weights": entry.weights,
            "task": entry.task, "family": entry.family, "input_size": entry.input_size_str,
            "paper": entry.paper, "user_accuracy": entry.user_accuracy,
            "derived_from": entry.derived_from}


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def make_row(entry: ZooEntry, spec: LatencySpec | None, provenance: Provenance, values: dict | None = None,
             error: str = "", duration_s: float | None = None) -> dict:
    """``entry``'s count row (``spec`` None) or latency row for ``spec``.

    ``values`` are the measurement's columns (``CountResult.to_row()``, ``LatencyResult.to_row()``;
    None values are left out, so they never hide the environment's); ``error`` is "" for a good row.
    ``device_name`` is the measurement's, else the name the input key hashes (the CPU model, the
    GPU's name). ``duration_s`` is left out when None (a row that was never measured).
    """
    machine = provenance.machine(spec)
    config = configuration(spec, machine.identity)
    row = {**identity(entry), **config, "device_name": provenance.device_names[config["device"]],
           **provenance.environment, "measured_at": now()}
    row.update((k, v) for k, v in (values or {}).items() if v is not None)
    row["hardware"], row["hardware_name"] = machine.identity, machine.name   # a count's: any machine
    row["error"] = error
    if duration_s is not None:
        row["duration_s"] = duration_s
    row["input_key"] = input_key(entry, spec, provenance.versions, provenance.device_names,
                                 {config["device"]: machine.identity})
    return row


def job_rows(job: Job, spec: LatencySpec | None, provenance: Provenance, values: dict | None = None,
             error: str = "", duration_s: float | None = None) -> list[dict]:
    """One :func:`make_row` per entry of ``job``: its entries are one network, measured once."""
    return [make_row(e, spec, provenance, values, error, duration_s) for e in job.entries]


def job_tasks(job: Job) -> list[LatencySpec | None]:
    """The tasks of ``job`` in the order a worker runs them: each latency configuration, then the
    count (None)."""
    return list(job.latency) + ([None] if job.count else [])


def crash_rows(job: Job, message: str = WORKER_DIED, done: int = 0) -> list[dict]:
    """Error rows for the tasks of ``job`` that did not finish (all but the first ``done``), made in
    the parent (torch-free) when the job's worker was lost or killed, so that a model that kills or
    outlasts its worker is recorded, not retried on every run (--retry-errors retries it). The task
    that was running gets ``message``; the ones after it say they were not measured because of it."""
    provenance = Provenance(static_environment(), library_versions(), dict(job.device_names), job.hardware_of())
    rows = []
    for i, spec in enumerate(job_tasks(job)[done:]):
        error = message if i == 0 else f"not measured: an earlier task of this build ended it ({message})"
        rows += job_rows(job, spec, provenance, error=error)
    return rows
