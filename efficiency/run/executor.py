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
knows which job each worker runs: a worker that exits without a result is that job's crash, and it is
replaced. A worker leaves after :data:`TASKS_PER_WORKER` jobs (memory that builds leave behind is
given back). Seams for limits per job: :attr:`_Worker.since` (when its job started),
:meth:`_Worker.kill`, :meth:`LocalExecutor._lose` (crash rows with a reason, worker replaced) and
:meth:`LocalExecutor._wait_timeout` (how long the parent may sleep).
"""
from __future__ import annotations

import abc
import dataclasses
import multiprocessing
import time
from collections import deque
from multiprocessing.connection import wait

from efficiency.run.plan import Job
from efficiency.run.rows import WORKER_DIED, crash_rows
from efficiency.run.worker import serve

# imported once by the forkserver, so that each worker starts with them in memory
PRELOAD = ["torch", "timm", "torchvision", "efficiency.zoo.build", "efficiency.measure.counting"]
TASKS_PER_WORKER = 25
STOP_GRACE_S = 5.0   # how long a stopping worker may take to exit before it is terminated


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


class _Worker:
    """One worker process, the parent's end of its pipe, and the job it runs (None: idle)."""

    def __init__(self, ctx, index: int):
        self.conn, child = ctx.Pipe()
        # not daemonic: torch.compile may start processes of its own, which a daemon cannot
        self.process = ctx.Process(target=serve, args=(child,), name=f"efficiency-worker-{index}")
        self.process.start()
        child.close()
        self.job: Job | None = None
        self.since: float | None = None
        self.tasks = 0

    def assign(self, job: Job) -> None:
        self.conn.send(job)
        self.job, self.since = job, time.monotonic()
        self.tasks += 1

    def reply(self) -> tuple | None:
        """The worker's answer for its job, or None when it died without one."""
        try:
            return self.conn.recv() if self.conn.poll() else None
        except (EOFError, OSError):
            return None

    def release(self) -> Job:
        job, self.job, self.since = self.job, None, None
        return job

    def stop(self) -> None:
        """Ask an idle worker to leave (a closed pipe means the same to it)."""
        try:
            self.conn.send(None)
        except OSError:
            pass

    def kill(self) -> None:
        self.process.kill()

    def close(self, grace_s: float) -> None:
        """Wait for the process to exit, terminating (then killing) it after ``grace_s``."""
        self.process.join(grace_s)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(grace_s)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class LocalExecutor(Executor):
    """``workers`` worker processes on this machine, started as jobs need them."""

    def __init__(self, workers: int, tasks_per_worker: int = TASKS_PER_WORKER):
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(PRELOAD)
        self._size = workers
        self._tasks_per_worker = tasks_per_worker
        self._queue: deque[Job] = deque()
        self._workers: list[_Worker] = []
        self._leaving: list[_Worker] = []     # told to stop, not yet joined
        self._lost: list[Finished] = []       # jobs lost before the next finished() call
        self._started = 0

    def submit(self, job: Job) -> None:
        self._queue.append(job)

    @property
    def outstanding(self) -> int:
        return len(self._queue) + len(self._lost) + sum(w.job is not None for w in self._workers)

    def finished(self, timeout: float | None = None) -> list[Finished]:
        self._dispatch()
        busy = [w for w in self._workers if w.job is not None]
        done, self._lost = self._lost, []
        if busy:
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                             0 if done else self._wait_timeout(timeout)))
            done += [self._collect(w) for w in busy if w.conn in ready or w.process.sentinel in ready]
        self._dispatch()
        return done

    def shutdown(self) -> None:
        self._queue.clear()
        for w in self._workers:
            if w.job is None:
                w.stop()
            else:
                w.process.terminate()   # do not wait for a model that may take minutes
        for w in self._workers + self._leaving:
            w.close(STOP_GRACE_S)
        self._workers, self._leaving = [], []

    def _wait_timeout(self, timeout: float | None) -> float | None:
        """How long the parent may wait for a worker (a per-job deadline would shorten it)."""
        return timeout

    def _collect(self, worker: _Worker) -> Finished:
        """The job of a worker whose pipe or sentinel is ready."""
        reply = worker.reply()
        if reply is None:
            return self._lose(worker, WORKER_DIED)
        job = worker.release()
        if worker.tasks >= self._tasks_per_worker or not worker.process.is_alive():
            self._retire(worker)
        kind, payload = reply
        if kind == "failed":
            return Finished(job, crash_rows(job, f"the worker failed on this model: {payload}"), payload)
        return Finished(job, payload)

    def _lose(self, worker: _Worker, reason: str) -> Finished:
        """The worker is gone (or is to go) with its job: crash rows for that job; a new worker
        takes its place on the next dispatch."""
        job = worker.release()
        worker.kill()
        self._workers.remove(worker)
        worker.close(STOP_GRACE_S)
        return Finished(job, crash_rows(job, reason), reason)

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
                worker.job = job
                self._lost.append(self._lose(worker, WORKER_DIED))

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
