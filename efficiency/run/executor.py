"""Where jobs run: the :class:`Executor` interface and :class:`LocalExecutor`, worker processes on
this machine (no torch in the parent).

An executor takes jobs (:meth:`~Executor.submit`), hands back each one once as :class:`Finished`
(:meth:`~Executor.finished`, waiting at most a timeout so the caller can flush rows in between) and
stops its workers (:meth:`~Executor.shutdown`). A job whose worker is lost comes back with the crash
rows of exactly that job (:func:`efficiency.run.rows.crash_rows`) and ``crash`` saying why; the run
goes on. A Dask executor is meant as a second implementation of the same interface.

:class:`LocalExecutor` starts each worker as its own process (forkserver context, torch and the
builders preloaded) with its own pipe, running :func:`efficiency.run.worker.serve`. The parent waits on
the pipes and the processes' sentinels together (:func:`multiprocessing.connection.wait`), so it always
knows which job, and which task of it, each worker runs: a worker that exits without finishing is
that job's crash, and it is replaced. A worker leaves after :data:`TASKS_PER_WORKER` jobs (memory
that builds leave behind is given back).

Limits (:class:`efficiency.run.limits.Limits`): a task that runs past its time limit, or a worker
whose resident memory passes the memory limit, is killed; the rows of the job's finished tasks are
kept, the unfinished ones become error rows naming the limit and its value, and a new worker takes
its place. Memory is read from ``/proc`` every :data:`MEMORY_POLL_S` seconds, so an allocation
faster than that can still meet the kernel's OOM killer first (then the job's rows say the worker
died). Each worker holds a lifeline to this process and ends when it dies (see
:mod:`efficiency.run.worker`).
"""
from __future__ import annotations

import abc
import contextlib
import dataclasses
import multiprocessing
import os
import sys
import time
import types
from collections import deque
from multiprocessing.connection import wait

from efficiency.run.limits import Limits, limit_message
from efficiency.run.plan import Job
from efficiency.run.rows import crash_rows, died_message, job_tasks
from efficiency.run.worker import serve

# imported once by the forkserver, so that each worker starts with them in memory
PRELOAD = ["torch", "timm", "torchvision", "efficiency.zoo.build", "efficiency.measure.counting"]
TASKS_PER_WORKER = 25   # jobs a worker runs before it is replaced
STOP_GRACE_S = 5.0   # how long a stopping worker may take to exit before it is killed
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MEMORY_POLL_S = 0.5  # how often a busy worker's resident memory is read when there is a memory limit


@dataclasses.dataclass(frozen=True)
class Finished:
    """A job that came back: its rows, or its crash rows and ``crash`` saying why ("" when it ran)."""

    job: Job
    rows: list[dict]
    crash: str = ""


class Executor(abc.ABC):
    """Runs jobs somewhere; usable as a context manager (shutdown on exit)."""

    @abc.abstractmethod
    def submit(self, job: Job) -> None:
        """Queue ``job``; it runs when a worker is free."""

    @property
    @abc.abstractmethod
    def outstanding(self) -> int:
        """Jobs submitted and not yet handed back by :meth:`finished`."""

    @abc.abstractmethod
    def finished(self, timeout: float | None = None) -> list[Finished]:
        """Jobs that came back since the last call, waiting up to ``timeout`` seconds (None: until
        one does) for the first; [] when none did in time or none is outstanding."""

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Drop the queued jobs, stop every worker (a running job is abandoned) and wait for them."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


@contextlib.contextmanager
def _main_module_hidden():
    """Start a worker without its re-running this process's ``__main__``: multiprocessing imports
    the parent's main script in every new process, which for a parent whose main is an app (a
    Streamlit script, a notebook, a test runner that executed one) runs that app again inside the
    worker, and can kill it. A worker needs nothing from ``__main__`` (jobs and ``serve`` live in
    this package), so the main module is hidden while the process starts (a synchronous call)."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Worker:
    """One worker process, the parent's ends of its pipe and lifeline, and the job it runs: the
    rows of its finished tasks and when its current task started (``job`` None: idle)."""

    def __init__(self, ctx, index: int):
        self.conn, child = ctx.Pipe()
        life_r, self._lifeline = ctx.Pipe(duplex=False)
        # not daemonic: torch.compile may start processes of its own, which a daemon cannot
        self.process = ctx.Process(target=serve, args=(child, life_r), name=f"efficiency-worker-{index}")
        with _main_module_hidden():
            self.process.start()
        child.close()
        life_r.close()   # only the worker holds the read end: it sees EOF when this process dies
        self.job: Job | None = None
        self.rows: list[dict] = []
        self.done = 0                      # tasks of the job whose rows arrived
        self.task: int | None = None       # index of the running task in job_tasks(job)
        self.since: float | None = None    # when it started (time.monotonic)
        self.jobs = 0

    def assign(self, job: Job) -> None:
        self.job, self.rows, self.done, self.task, self.since = job, [], 0, None, time.monotonic()
        self.jobs += 1
        self.conn.send(job)

    def task_kind(self) -> str:
        """"count" or "latency": the kind of the running (or next) task."""
        spec = job_tasks(self.job)[min(self.done, len(job_tasks(self.job)) - 1)]
        return "count" if spec is None else "latency"

    def drain(self) -> tuple[str, object] | None:
        """Read what the worker sent; ("done", None) or ("failed", text) once its job ended, else
        None. Raises EOFError (or OSError) when the worker is gone."""
        while self.conn.poll():
            kind, payload = self.conn.recv()
            if kind == "start":
                self.task, self.since = payload, time.monotonic()
            elif kind == "rows":
                self.rows.extend(payload)
                self.done += 1
            else:
                return kind, payload
        return None

    def release(self) -> tuple[Job, list[dict], int]:
        """The job, the rows of its finished tasks and how many tasks finished; the worker is idle."""
        out = (self.job, self.rows, self.done)
        self.job, self.rows, self.done, self.task, self.since = None, [], 0, None, None
        return out

    def rss_bytes(self) -> int | None:
        """Resident memory of the worker process (Linux /proc), None where unreadable."""
        try:
            with open(f"/proc/{self.process.pid}/statm") as f:
                return int(f.read().split()[1]) * PAGE_BYTES
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Ask an idle worker to leave (a closed pipe means the same to it)."""
        try:
            self.conn.send(None)
        except OSError:
            pass

    def kill(self) -> None:
        self.process.kill()

    def close(self, grace_s: float) -> None:
        """Wait for the process to exit, killing it after ``grace_s`` (it ignores SIGTERM)."""
        self.process.join(grace_s)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        self._lifeline.close()


class LocalExecutor(Executor):
    """``workers`` worker processes on this machine, started as jobs need them, each task under
    ``limits``."""

    def __init__(self, workers: int, tasks_per_worker: int = TASKS_PER_WORKER, limits: Limits | None = None):
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(PRELOAD)
        self._size = workers
        self._tasks_per_worker = tasks_per_worker
        self.limits = limits if limits is not None else Limits()
        self._queue: deque[Job] = deque()
        self._workers: list[_Worker] = []
        self._leaving: list[_Worker] = []     # told to stop, not yet joined
        self._lost: list[Finished] = []       # jobs lost before the next finished() call
        self._started = 0

    def submit(self, job: Job) -> None:
        self._queue.append(job)

    @property
    def outstanding(self) -> int:
        return len(self._queue) + len(self._lost) + len(self._busy())

    def finished(self, timeout: float | None = None) -> list[Finished]:
        self._dispatch()
        done, self._lost = self._lost, []
        busy = self._busy()
        if busy:
            handles = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = set(wait(handles, 0 if done else self._wait_timeout(timeout, busy)))
            for w in busy:
                if w.conn in ready or w.process.sentinel in ready:
                    done += self._collect(w)
            done += self._enforce_limits()
        self._dispatch()
        return done

    def shutdown(self) -> None:
        self._queue.clear()
        for w in self._workers:
            if w.job is None:
                w.stop()
            else:
                w.kill()   # do not wait for a model that may take minutes (workers ignore SIGTERM)
        for w in self._workers + self._leaving:
            w.close(STOP_GRACE_S)
        self._workers, self._leaving = [], []

    def _busy(self) -> list[_Worker]:
        return [w for w in self._workers if w.job is not None]

    def _wait_timeout(self, timeout: float | None, busy: list[_Worker]) -> float | None:
        """How long the parent may sleep: the caller's timeout, cut short by the nearest task
        deadline and, under a memory limit, by the next memory reading."""
        bounds = [] if timeout is None else [timeout]
        now = time.monotonic()
        for w in busy:
            limit = self.limits.timeout_s(w.task_kind())
            if limit is not None and w.since is not None:
                bounds.append(max(0.0, w.since + limit - now))
        if self.limits.memory_bytes is not None:
            bounds.append(MEMORY_POLL_S)
        return min(bounds) if bounds else None

    def _collect(self, worker: _Worker) -> list[Finished]:
        """The job of a worker whose pipe or sentinel is ready, once it ended ([] while it runs)."""
        try:
            reply = worker.drain()
        except (EOFError, OSError):
            return [self._lose(worker)]
        if reply is None:
            if worker.process.is_alive():
                return []
            return [self._lose(worker)]
        job, rows, done = worker.release()
        if worker.jobs >= self._tasks_per_worker or not worker.process.is_alive():
            self._retire(worker)
        kind, payload = reply
        if kind == "failed":
            reason = f"the worker failed on this model: {payload}"
            return [Finished(job, rows + crash_rows(job, reason, done), payload)]
        return [Finished(job, rows)]

    def _enforce_limits(self) -> list[Finished]:
        """Kill the workers whose task passed its time limit or whose memory passed the limit."""
        out = []
        now = time.monotonic()
        for w in self._busy():
            kind = w.task_kind()
            limit = self.limits.timeout_s(kind)
            if limit is not None and w.since is not None and now - w.since > limit:
                out.append(self._lose(w, limit_message(kind, self.limits, "time")))
            elif self.limits.memory_bytes is not None and (w.rss_bytes() or 0) > self.limits.memory_bytes:
                out.append(self._lose(w, limit_message(kind, self.limits, "memory")))
        return out

    def _lose(self, worker: _Worker, reason: str | None = None) -> Finished:
        """The worker is gone (``reason`` None: it died, how is read from its exit status) or is
        killed for ``reason``, with its job: the rows of its finished tasks and error rows for the
        others; a new worker takes its place on the next dispatch."""
        if worker.process.is_alive():
            worker.kill()
        job, rows, done = worker.release()
        self._workers.remove(worker)
        worker.close(STOP_GRACE_S)
        reason = reason or died_message(worker.process.exitcode)
        return Finished(job, rows + crash_rows(job, reason, done), reason)

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        self._workers.remove(worker)
        self._leaving.append(worker)

    def _dispatch(self) -> None:
        """Queued jobs to idle workers, starting workers up to the pool's size."""
        self._reap()
        while self._queue:
            worker = self._idle_worker()
            if worker is None:
                return
            job = self._queue.popleft()
            try:
                worker.assign(job)
            except OSError:   # the worker died before it got the job
                self._lost.append(self._lose(worker))

    def _idle_worker(self) -> _Worker | None:
        for w in self._workers:
            if w.job is None:
                return w
        if len(self._workers) >= self._size:
            return None
        self._started += 1
        worker = _Worker(self._ctx, self._started)
        self._workers.append(worker)
        return worker

    def _reap(self) -> None:
        """Join workers that left, and drop idle workers that died (no job lost with them)."""
        for w in [w for w in self._leaving if not w.process.is_alive()]:
            self._leaving.remove(w)
            w.close(0)
        for w in [w for w in self._workers if w.job is None and not w.process.is_alive()]:
            self._workers.remove(w)
            w.close(0)
