"""What a worker process runs: :func:`serve` receives jobs over its pipe, :func:`run_job` builds and
measures one job and returns its rows (torch is imported here, inside the worker, never at import).

A job's architecture is built without weights (:func:`efficiency.zoo.build.build`), timed for each
latency configuration (:func:`efficiency.measure.latency.measure`), then counted
(:func:`efficiency.measure.counting.count_model`). A failure of the model becomes the ``error`` of
its rows; a worker that dies is handled by the executor (:mod:`efficiency.run.executor`).

Protocol of :func:`serve` (the parent's side is ``executor._Worker``): the parent sends a
:class:`~efficiency.run.plan.Job` and receives ``("rows", list_of_rows)``, or ``("failed", text)``
when :func:`run_job` itself raised; ``None`` (or a closed pipe) tells the worker to leave.
"""
from __future__ import annotations

import functools
import signal
import time
import warnings
from multiprocessing.connection import Connection

from efficiency.measure.environment import capture_environment, library_versions
from efficiency.measure.errors import error_text
from efficiency.run.plan import Job, LatencySpec
from efficiency.run.rows import Provenance, job_rows
from efficiency.zoo import ZooEntry


def init_worker() -> None:
    # the parent handles Ctrl-C and stops the workers; a worker must not die half-way a row
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.filterwarnings("ignore")  # tracer/deprecation chatter would break the progress bar


def serve(conn: Connection) -> None:
    """A worker's loop: run each job the parent sends, send its rows back, until told to stop."""
    init_worker()
    while True:
        try:
            job = conn.recv()
        except EOFError:   # the parent closed its end
            return
        if job is None:
            return
        try:
            reply = ("rows", run_job(job))
        except Exception as exc:  # noqa: BLE001 - run_job turns model failures into rows; this is a bug
            reply = ("failed", error_text(exc))
        conn.send(reply)


def run_job(job: Job) -> list[dict]:
    """Build (random initialisation, no weights downloaded), measure latency, then count. Each
    latency configuration builds afresh: a measurement moves the model (device, memory format, CUDA
    graph capture), so a clean build keeps configurations independent."""
    import torch

    torch.set_num_threads(job.threads)
    versions = library_versions()
    rows: list[dict] = []
    for spec in job.latency:
        rows.extend(_measured_rows(job, spec, versions))
    if job.count:
        rows.extend(_measured_rows(job, None, versions))
    return rows


def _measured_rows(job: Job, spec: LatencySpec | None, versions: dict) -> list[dict]:
    """The rows of one measurement of ``job``: its count (``spec`` None) or latency for ``spec``."""
    t0 = time.perf_counter()
    values, error = measure_count(job.head) if spec is None else measure_latency(job.head, spec)
    duration = time.perf_counter() - t0
    device = "cpu" if spec is None else spec.device
    provenance = Provenance(capture_environment(device), versions, dict(job.device_names))
    return job_rows(job, spec, provenance, values, error, duration)


def measure_count(entry: ZooEntry) -> tuple[dict, str]:
    """(count columns, "") or ({}, error text)."""
    try:
        from efficiency.measure.counting import count_model
        from efficiency.zoo.build import build

        built = build(entry)
        return count_model(built.model, built.inputs, built.list_input).to_row(), ""
    except Exception as exc:  # noqa: BLE001 - a failing model becomes an error row
        return {}, error_text(exc)


def _expanded(inputs: tuple, list_input: bool, batch_size: int, device, dtype):
    """A model's own example inputs at ``batch_size`` (for inputs ``torch.randn`` cannot make:
    several tensors, or a list of images)."""
    xs = tuple(t.to(device).expand(batch_size, *t.shape[1:]).contiguous() for t in inputs)
    return list(xs[0]) if list_input else xs


def measure_latency(entry: ZooEntry, spec: LatencySpec) -> tuple[dict, str]:
    """(latency and environment columns, "") or ({}, error text)."""
    from efficiency.measure.latency import CudaGraphError, LatencyConfig, measure
    from efficiency.zoo.build import build

    kw = {} if spec.num_threads is None else {"num_threads": spec.num_threads}
    config = LatencyConfig(device=spec.device, batch_size=spec.batch_size, dtype=spec.dtype, mode=spec.mode,
                           channels_last=spec.channels_last, min_time_s=spec.min_time_s,
                           max_time_s=spec.max_time_s, **kw)
    try:
        built = build(entry)
        make_input = None
        if built.list_input or entry.task == "optical_flow":
            make_input = functools.partial(_expanded, built.inputs, built.list_input)
        return measure(built.model, entry.input_size, config, make_input=make_input).to_row(), ""
    except CudaGraphError as exc:
        return {}, f"cannot be captured as a CUDA graph: {error_text(exc)}"
    except Exception as exc:  # noqa: BLE001 - a failing model becomes an error row
        return {}, error_text(exc)
