"""The Dask executor: jobs run as tasks on a ``dask.distributed`` cluster (no torch in the parent).

A second implementation of :class:`efficiency.run.executor.Executor` (``refresh --executor dask``).
Each :class:`~efficiency.run.plan.Job` (one build and its configurations) is one Dask task,
:func:`run_job_task`, which returns the job's rows; only the refresh process writes them into the cache
(:class:`efficiency.run.sweep.Recorder`: lock, atomic merge, as they arrive). A job with a CUDA
configuration asks for the worker resource ``GPU=1``, so it runs only on a worker that owns a GPU.

* ``--scheduler ADDRESS``: an existing cluster (:func:`connect`); an unreachable scheduler is refused
  before any work (:class:`~efficiency.run.machines.ClusterError`, exit 2). Without an address,
  :func:`local_cluster` starts one on this machine for the run: one worker per GPU, pinned to it with
  ``CUDA_VISIBLE_DEVICES``, and ``--jobs`` CPU workers for jobs without a GPU configuration.
* A task whose worker dies (killed, out of memory, a model that crashes the process) is retried once
  on another worker by the scheduler (``distributed.scheduler.allowed-failures`` = 1, set for the
  local cluster; an external scheduler is started with it, see README); when that worker dies too
  the job's rows are error rows (:func:`efficiency.run.rows.crash_rows`) and the sweep goes on.
* Time limits: a task runs its job in a thread and stops waiting at the task's limit
  (:class:`efficiency.run.limits.Limits`): rows of the finished tasks are kept, the others become
  error rows naming the limit, and the parent restarts the worker (its thread cannot be stopped
  otherwise). Memory: the local cluster's workers get ``--memory-limit`` each (Dask's nanny ends a
  worker past 95 % of it; the task is then retried once as above).
* :meth:`DaskExecutor.shutdown` (end, Ctrl-C, SIGTERM) cancels the futures not yet back; rows already
  back are kept by the recorder. A task already running on a remote worker finishes there unseen.
"""
from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
import uuid
import warnings

from efficiency.measure.errors import error_text
from efficiency.run.executor import Executor, Finished
from efficiency.run.limits import Limits, limit_message
from efficiency.run.machines import ClusterError, Machines, cluster_machines, describe_worker
from efficiency.run.plan import Job
from efficiency.run.rows import WORKER_DIED, crash_rows, job_tasks

CONNECT_TIMEOUT_S = 10.0
CONNECT_GRACE_S = 5.0      # past Client's own timeout, for a handshake that never ends
POLL_S = 0.05          # how often finished() looks at the futures' states
ALLOWED_FAILURES = 1   # retries of a task whose worker died: once, then it is an error row
DIED_TWICE = f"{WORKER_DIED}, and again on the worker it was retried on"


@dataclasses.dataclass(frozen=True)
class TaskResult:
    """What a Dask task returns: the job's rows, why it ended early ("" when it ran), and whether its
    worker is left running a task past its limit (the parent restarts it)."""

    rows: list
    crash: str = ""
    stuck: bool = False


def _uses_gpu(job: Job) -> bool:
    return any(spec.device.startswith("cuda") for spec in job.latency)


def run_job_task(job: Job, limits: Limits) -> TaskResult:
    """Run on a Dask worker: the job's tasks (:func:`efficiency.run.worker.run_tasks`) in a thread,
    each under its time limit."""
    from efficiency.run.worker import run_tasks

    warnings.filterwarnings("ignore")   # tracer chatter in the workers' logs
    messages: queue.Queue = queue.Queue()

    def produce() -> None:
        try:
            for message in run_tasks(job):
                messages.put(message)
            messages.put(("done", None))
        except Exception as exc:  # noqa: BLE001 - run_tasks turns model failures into rows; this is a bug
            messages.put(("failed", error_text(exc)))

    threading.Thread(target=produce, daemon=True, name="efficiency-job").start()
    rows, done, since, tasks = [], 0, time.monotonic(), job_tasks(job)
    while True:
        kind = "count" if done < len(tasks) and tasks[done] is None else "latency"
        limit = limits.timeout_s(kind)
        wait = None if limit is None else max(0.0, since + limit - time.monotonic())
        try:
            what, payload = messages.get(timeout=wait)
        except queue.Empty:
            reason = limit_message(kind, limits, "time")
            return TaskResult(rows + crash_rows(job, reason, done), reason, stuck=True)
        if what == "start":
            since = time.monotonic()
        elif what == "rows":
            rows.extend(payload)
            done += 1
        elif what == "done":
            return TaskResult(rows)
        else:
            reason = f"the worker failed on this model: {payload}"
            return TaskResult(rows + crash_rows(job, reason, done), payload)


class DaskExecutor(Executor):
    """Jobs as tasks of the cluster behind ``client``; ``cluster`` (started here) is closed at shutdown."""

    def __init__(self, client, limits: Limits | None = None, cluster=None):
        self._client = client
        self._cluster = cluster
        self.limits = limits if limits is not None else Limits()
        self._running: dict[str, tuple[object, Job]] = {}   # future key -> (future, job)

    def submit(self, job: Job) -> None:
        key = f"efficiency-{job.head.id}-{uuid.uuid4().hex[:8]}"
        future = self._client.submit(run_job_task, job, self.limits, key=key, pure=False,
                                     resources={"GPU": 1} if _uses_gpu(job) else None)
        self._running[key] = (future, job)

    @property
    def outstanding(self) -> int:
        return len(self._running)

    def finished(self, timeout: float | None = None) -> list[Finished]:
        if not self._running:
            return []
        # polled: distributed.wait needs a default client, and this one is not made the default
        # (a refresh embedded in a program that has its own must not take it over)
        deadline = None if timeout is None else time.monotonic() + timeout
        while all(f.status == "pending" for f, _ in self._running.values()):
            if deadline is not None and time.monotonic() >= deadline:
                return []
            time.sleep(POLL_S)
        out = []
        for key, (future, job) in list(self._running.items()):
            if future.status != "pending":
                del self._running[key]
                out.append(self._collect(future, job))
        return out

    def _collect(self, future, job: Job) -> Finished:
        from distributed import KilledWorker

        if future.status == "finished":
            result: TaskResult = future.result()
            if result.stuck:
                self._restart(future)
            return Finished(job, result.rows, result.crash)
        exc = future.exception() if future.status == "error" else None
        if isinstance(exc, KilledWorker):
            reason = DIED_TWICE
        elif exc is not None:
            reason = f"the worker failed on this model: {error_text(exc)}"
        else:
            reason = f"the Dask task ended as {future.status}"
        return Finished(job, crash_rows(job, reason), reason)

    def _restart(self, future) -> None:
        """Restart the worker whose task passed its limit (its thread runs on, holding the device)."""
        try:
            workers = list(self._client.who_has([future]).get(future.key, ()))
            if workers:
                self._client.restart_workers(workers, raise_for_error=False)
        except Exception as exc:  # noqa: BLE001 - a worker without a nanny cannot be restarted: say so
            logging.getLogger(__name__).warning("could not restart the worker past its limit: %s", exc)

    def shutdown(self) -> None:
        futures = [f for f, _ in self._running.values()]
        self._running.clear()
        try:
            if futures:
                self._client.cancel(futures, force=True)
        finally:
            if self._cluster is not None:
                self._client.close()
                self._cluster.close()


# --------------------------------------------------------------------------- clusters


def connect(address: str, timeout_s: float = CONNECT_TIMEOUT_S):
    """A client of the scheduler at ``address``; ClusterError (one line) when it cannot be reached or does
    not answer as a scheduler. Client's own timeout covers opening the connection only: a port that accepts
    it but does not speak Dask's protocol (the dashboard's 8787 typed for the scheduler's 8786, any other
    server) left the handshake waiting for ever, or failed on its bytes with a traceback (CLICHECK F1), so
    the attempt runs in a thread given ``timeout_s`` plus a grace period, and any failure is one line."""
    from distributed import Client

    out: dict = {}

    def attempt() -> None:
        try:
            out["client"] = Client(address, timeout=timeout_s, set_as_default=False)
        except BaseException as exc:  # noqa: BLE001 - reported below, as one line
            out["error"] = exc

    thread = threading.Thread(target=attempt, name="dask-connect", daemon=True)
    thread.start()
    thread.join(timeout_s + CONNECT_GRACE_S)
    fix = "start it with `dask scheduler` (port 8786 by default) or fix --scheduler"
    if thread.is_alive():
        raise ClusterError(f"no Dask scheduler answered at {address} within {timeout_s + CONNECT_GRACE_S:g} s: "
                           f"something accepts connections there but does not speak Dask's protocol; {fix}")
    if "error" in out:
        exc = out["error"]
        if isinstance(exc, KeyboardInterrupt):
            raise exc
        what = ("cannot reach the Dask scheduler at" if isinstance(exc, (OSError, TimeoutError))
                else "no Dask scheduler answered at")
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise ClusterError(f"{what} {address} within {timeout_s:g} s ({type(exc).__name__}: {detail}); "
                           f"{fix}") from None
    return out["client"]


def machines_of(client, need: set[str], address: str) -> Machines:
    """The cluster's machines (:func:`efficiency.run.machines.cluster_machines`) from its workers."""
    info = client.scheduler_info(n_workers=-1)
    gpu_workers = {w for w, d in info.get("workers", {}).items() if (d.get("resources") or {}).get("GPU", 0) >= 1}
    reports = client.run(describe_worker, "cuda" in need) if info.get("workers") else {}
    return cluster_machines(reports, gpu_workers, need, address)


def allowed_failures(client) -> int | None:
    """The scheduler's retries of a task whose worker died, None when it will not say."""
    try:
        return int(client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures))
    except Exception:  # noqa: BLE001 - a scheduler may block run_on_scheduler
        return None


def local_cluster(cpu_workers: int, gpus: int, memory_limit: int | None):
    """(cluster, client): a cluster on this machine for one run, its workers one thread each: a worker
    per GPU (``GPU=1``, pinned with CUDA_VISIBLE_DEVICES) and ``cpu_workers`` without a GPU."""
    import dask
    from distributed import Client, Nanny, Scheduler, SpecCluster

    memory = memory_limit if memory_limit is not None else "auto"
    workers = {f"cpu-{i}": {"cls": Nanny, "options": {"nthreads": 1, "memory_limit": memory,
                                                     "env": {"CUDA_VISIBLE_DEVICES": ""}}}
               for i in range(cpu_workers)}
    workers.update({f"gpu-{i}": {"cls": Nanny, "options": {"nthreads": 1, "memory_limit": memory,
                                                           "resources": {"GPU": 1},
                                                           "env": {"CUDA_VISIBLE_DEVICES": str(i)}}}
                    for i in range(gpus)})
    from efficiency.run.executor import _main_module_hidden

    # not daemonic: torch.compile starts processes of its own, which a daemon process cannot
    # worker-saturation 1.0: a worker holds only the task it runs, none queued behind it, so a model that
    # kills its worker is not counted against tasks that merely waited there (each death is a failure
    # of every task the worker held: two and an innocent task is an error row)
    settings = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES, "distributed.worker.daemon": False,
                "distributed.scheduler.worker-saturation": 1.0}
    # worker processes come from a fork server started with this process's __main__ hidden: spawn (Dask's
    # default) re-runs __main__ in every worker and every restart, which for a parent whose main is an
    # app (a test runner that ran a Streamlit script) runs the app in the worker and kills it. Set for
    # the process, not the block: the nanny starts replacement workers later, when this has returned.
    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
    logging.getLogger("distributed").setLevel(logging.ERROR)   # its INFO lines would break the progress bar
    with dask.config.set(settings), _main_module_hidden():
        cluster = SpecCluster(workers=workers, silence_logs=logging.ERROR,
                              scheduler={"cls": Scheduler, "options": {"dashboard_address": ":0"}})
        return cluster, Client(cluster, set_as_default=False)


__all__ = ["ClusterError", "DaskExecutor", "TaskResult", "connect", "local_cluster", "machines_of",
           "run_job_task"]
