"""What a worker process runs: :func:`serve` receives jobs over its pipe, :func:`run_job` builds and
measures one job and returns its rows (torch is imported here, inside the worker, never at import).

A job's architecture is built without weights (:func:`efficiency.zoo.build.build`), timed for each
latency configuration (:func:`efficiency.measure.latency.measure`), then counted
(:func:`efficiency.measure.counting.count_model`). A failure of the model becomes the ``error`` of
its rows; a worker that dies is handled by the executor (:mod:`efficiency.run.executor`).

Protocol of :func:`serve` (the parent's side is ``executor._Worker``): the parent sends a
:class:`~efficiency.run.plan.Job`; for each task of the job (:func:`efficiency.run.rows.job_tasks`:
its latency configurations, then its count) the worker sends ``("start", index)`` then
``("rows", rows)``, and ``("done", None)`` at the end, or ``("failed", text)`` when :func:`run_tasks`
itself raised. Per-task messages let the parent apply each task's time limit and keep the rows of
the tasks that finished when it has to kill the worker. ``None`` (or a closed pipe) tells the worker
to leave.

A worker also holds the read end of a *lifeline* pipe whose write end only the refresh holds: a
thread blocks on it and ends the worker when it reads end-of-file, i.e. when the refresh is gone,
however it died (kill -9 included). The forkserver leaves on its own when the refresh dies, and the
resource tracker when the last process holding its pipe (these workers) is gone: nothing survives.
"""
from __future__ import annotations

import functools
import os
import signal
import threading
import time
import warnings
from multiprocessing.connection import Connection

from efficiency.measure.environment import capture_environment, library_versions
from efficiency.measure.errors import error_text
from efficiency.run.plan import Job, LatencySpec
from efficiency.run.rows import Provenance, job_rows, job_tasks
from efficiency.zoo import ZooEntry


def init_worker() -> None:
    # the parent handles Ctrl-C and SIGTERM (sent to the whole process group by a terminal or a
    # service manager) and stops the workers itself: a worker that died of them would be recorded
    # as its model's crash
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    warnings.filterwarnings("ignore")  # tracer/deprecation chatter would break the progress bar


def serve(conn: Connection, lifeline: Connection | None = None) -> None:
    """A worker's loop: run each job the parent sends, sending its rows task by task, until told to
    stop; ``lifeline`` (see the module docstring) ends the worker when the refresh dies."""
    init_worker()
    if lifeline is not None:
        threading.Thread(target=_watch_parent, args=(lifeline,), daemon=True, name="lifeline").start()
    while True:
        try:
            job = conn.recv()
        except EOFError:   # the parent closed its end
            return
        if job is None:
            return
        try:
            for message in run_tasks(job):
                conn.send(message)
            conn.send(("done", None))
        except Exception as exc:  # noqa: BLE001 - run_tasks turns model failures into rows; this is a bug
            conn.send(("failed", error_text(exc)))


def _watch_parent(lifeline: Connection) -> None:
    """Block until the refresh's end of the lifeline closes, then end this process at once (a
    model may be running in the main thread: no clean-up is waited for)."""
    try:
        lifeline.recv()
    except (EOFError, OSError):
        pass
    os._exit(1)


def run_tasks(job: Job):
    """Build (random initialisation, no weights downloaded), measure each latency configuration,
    then count; yields ``("start", index)`` and ``("rows", rows)`` per task. Each task builds
    afresh: a measurement moves the model (device, memory format, CUDA graph capture), so a clean
    build keeps tasks independent."""
    import torch

    torch.set_num_threads(job.threads)
    versions = library_versions()
    for index, spec in enumerate(job_tasks(job)):
        yield "start", index
        yield "rows", _measured_rows(job, spec, versions)


def run_job(job: Job) -> list[dict]:
    """Every row of ``job``, measured in this process (:func:`run_tasks` without the messages)."""
    return [row for kind, payload in run_tasks(job) if kind == "rows" for row in payload]


def _measured_rows(job: Job, spec: LatencySpec | None, versions: dict) -> list[dict]:
    """The rows of one measurement of ``job``: its count (``spec`` None) or latency for ``spec``."""
    t0 = time.perf_counter()
    values, error = measure_count(job.head) if spec is None else measure_latency(job.head, spec)
    duration = time.perf_counter() - t0
    device = "cpu" if spec is None else spec.device
    provenance = Provenance(capture_environment(device), versions, dict(job.device_names))
    return job_rows(job, spec, provenance, values, error, duration)


def measure_count(entry: ZooEntry) -> tuple[dict, str]:
    """(count columns, "") or ({}, error text). A language model (source hf) is counted on the meta
    device (:mod:`efficiency.run.language`): never built on the CPU, never traced by fvcore."""
    try:
        if entry.source == "hf":
            from efficiency.run.language import count_entry
            return count_entry(entry), ""
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


# the planner skips these (plan.plan); a job made elsewhere gets this error, never a CPU build
LLM_LATENCY_ERROR = ("language-model speed is not measured by the refresh: run "
                     "`python -m efficiency.run.llm_sweep` on a GPU and merge its rows (refresh --merge)")


def measure_latency(entry: ZooEntry, spec: LatencySpec) -> tuple[dict, str]:
    """(latency and environment columns, "") or ({}, error text)."""
    if entry.source == "hf":
        return {}, LLM_LATENCY_ERROR
    from efficiency.measure.latency import CudaGraphError, LatencyConfig, measure
    from efficiency.zoo.build import build

    kw = {} if spec.num_threads is None else {"num_threads": spec.num_threads}
    config = LatencyConfig(device=spec.device, batch_size=spec.batch_size, dtype=spec.dtype, mode=spec.mode,
                           channels_last=spec.channels_last, min_time_s=spec.min_time_s,
                           max_time_s=spec.max_time_s, **kw)
    try:
        built = build(entry, device=spec.device)
        make_input = None
        if built.list_input or entry.task == "optical_flow":
            make_input = functools.partial(_expanded, built.inputs, built.list_input)
        return measure(built.model, entry.input_size, config, make_input=make_input).to_row(), ""
    except CudaGraphError as exc:
        return {}, f"cannot be captured as a CUDA graph: {error_text(exc)}"
    except Exception as exc:  # noqa: BLE001 - a failing model becomes an error row
        return {}, error_text(exc)
