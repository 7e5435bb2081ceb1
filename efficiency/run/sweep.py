"""Running planned jobs through an executor: rows merged into the cache as they come (no torch).

:class:`Recorder` keeps every finished row for the summary and merges the new ones into the cache at
most every ``flush_every`` seconds (locked, atomic: :func:`efficiency.store.cache.merge_rows`), so
Ctrl-C or a kill keeps them. :func:`sweep` submits the jobs, records what comes back, and on Ctrl-C
stops the executor and keeps what finished.
"""
from __future__ import annotations

import time
from pathlib import Path

from efficiency.run.executor import Executor, Finished
from efficiency.run.plan import Job
from efficiency.store import cache

POLL_S = 1.0   # the longest the loop sleeps before it looks at the flush clock again


class Recorder:
    """Finished rows: all of them (``rows``, for the summary), the models whose worker was lost
    (``crashed``), and those not yet merged into the cache at ``path``."""

    def __init__(self, path: Path, flush_every: float, total: int, progress: bool = True):
        from tqdm import tqdm

        self.path = path
        self.flush_every = flush_every
        self.rows: list[dict] = []
        self.crashed: list[str] = []
        self._pending: list[dict] = []
        self._last_flush = time.monotonic()
        self.bar = tqdm(total=total, unit="model", disable=not progress, dynamic_ncols=True,
                        desc="refresh", smoothing=0.05)

    def record(self, done: Finished) -> None:
        self._pending.extend(done.rows)
        self.rows.extend(done.rows)
        if done.crash:
            self.crashed.append(done.job.head.id)
        self.bar.update(1)
        self.bar.set_postfix_str(done.job.head.arch[:30])

    def flush(self, force: bool = False) -> None:
        """Merge the pending rows when ``flush_every`` seconds have passed since the last merge (or
        ``force``)."""
        if self._pending and (force or time.monotonic() - self._last_flush >= self.flush_every):
            cache.merge_rows(self._pending, self.path)
            self._pending = []
            self._last_flush = time.monotonic()

    def close(self) -> None:
        self.bar.close()
        self.flush(force=True)


def sweep(jobs: list[Job], executor: Executor, recorder: Recorder) -> bool:
    """Run ``jobs`` on ``executor`` into ``recorder``; True when Ctrl-C stopped it. Either way the
    executor is shut down and every finished row is merged."""
    try:
        for job in jobs:
            executor.submit(job)
        while executor.outstanding:
            for done in executor.finished(timeout=POLL_S):
                recorder.record(done)
            recorder.flush()
    except KeyboardInterrupt:
        recorder.bar.write("Interrupted: keeping the rows already finished, stopping the workers.")
        return True
    finally:
        executor.shutdown()
        recorder.close()
    return False
