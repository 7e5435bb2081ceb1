"""Running planned jobs through an executor: rows merged into the cache as they come (no torch).

:class:`Recorder` keeps every finished row for the summary and merges the new ones into the cache at
most every ``flush_every`` seconds (locked, atomic: :func:`efficiency.store.cache.merge_rows`), so
Ctrl-C or a kill keeps them. A merge that fails (full disk, a folder gone read-only, a cache replaced
by something unreadable) loses nothing: the rows stay pending and the next flush tries again; rows
still unmerged when the sweep ends go to a side file (:func:`efficiency.store.cache.save_unmerged`)
that ``--merge`` merges later. :func:`sweep` submits the jobs, records what comes back, and on
Ctrl-C or SIGTERM (:func:`sigterm_as_interrupt`) stops the executor and keeps what finished.
"""
from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from efficiency.run.executor import Executor, Finished
from efficiency.run.plan import Job
from efficiency.store import cache

POLL_S = 1.0   # the longest the loop sleeps before it looks at the flush clock again


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stopped like Ctrl-C (workers stopped, finished rows merged), exit 143."""


class Recorder:
    """Finished rows: all of them (``rows``, for the summary), the models whose worker was lost
    (``crashed``), and those not yet merged into the cache at ``path`` (``unmerged``).

    ``written`` / ``kept_apart`` sum the merges' :class:`~efficiency.store.cache.MergeReport` s;
    ``merge_error`` is the last merge failure ("" once a merge worked); ``side_file`` is where the
    rows that could not be merged went when the sweep ended (None when there were none)."""

    def __init__(self, path: Path, flush_every: float, total: int, progress: bool = True,
                 force: bool = False):
        from tqdm import tqdm

        self.path = path
        self.flush_every = flush_every
        self.force = force   # --force: error rows may replace good rows too
        self.rows: list[dict] = []
        self.crashed: list[str] = []
        self.written = 0
        self.kept_apart = 0
        self.merge_error = ""
        self.side_file: Path | None = None
        self._pending: list[dict] = []
        self._last_flush = time.monotonic()
        self.bar = tqdm(total=total, unit="build", disable=not progress, dynamic_ncols=True,
                        desc="refresh", smoothing=0.05)

    @property
    def unmerged(self) -> int:
        """Rows finished but not in the cache (in ``side_file`` once the sweep ended)."""
        return len(self._pending)

    def record(self, done: Finished) -> None:
        self._pending.extend(done.rows)
        self.rows.extend(done.rows)
        if done.crash:
            self.crashed.append(done.job.head.id)
        self.bar.update(1)
        self.bar.set_postfix_str(done.job.head.arch[:30])

    def flush(self, force: bool = False) -> None:
        """Merge the pending rows when ``flush_every`` seconds have passed since the last merge (or
        ``force``). A failed merge keeps them pending for the next flush."""
        if not self._pending or not (force or time.monotonic() - self._last_flush >= self.flush_every):
            return
        try:
            report = cache.merge_rows(self._pending, self.path, force=self.force)
        except Exception as exc:  # noqa: BLE001 - whatever stops a merge, the computed rows must survive
            self._merge_failed(exc)
        else:
            self.written += report.written
            self.kept_apart += report.kept_apart
            self._pending, self.merge_error = [], ""
        self._last_flush = time.monotonic()

    def _merge_failed(self, exc: Exception) -> None:
        text = " ".join(f"{type(exc).__name__}: {exc}".split())
        if text != self.merge_error:   # once per kind of failure, not at every retry
            self.bar.write(f"warning: could not merge {len(self._pending)} rows into {self.path} "
                           f"({text}); they are kept and the next flush tries again")
        self.merge_error = text

    def close(self) -> None:
        """The last merge; rows it could not merge go to a side file."""
        self.bar.close()
        self.flush(force=True)
        if self._pending:
            try:
                self.side_file = cache.save_unmerged(self._pending, self.path)
            except OSError as exc:
                self.merge_error += f"; {exc}"


class _Sigterm:
    """The SIGTERM handler's state (process-wide, as the handler is). Raises :class:`Terminated`
    once: a second SIGTERM cannot cut the final merge short. While ``holding`` (the final merge)
    a SIGTERM is noted and raised when the hold ends."""

    def __init__(self) -> None:
        self.raised = self.holding = self.held = False

    def handle(self, signum, frame) -> None:
        if self.raised:
            return
        if self.holding:
            self.held = True
            return
        self.raised = True
        raise Terminated()

    @contextmanager
    def hold(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.held and not self.raised:
            self.raised = True
            raise Terminated()


_SIGTERM = _Sigterm()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` (a KeyboardInterrupt) in the main thread: the sweep stops
    as on Ctrl-C. The previous handler is restored on exit. Elsewhere than the main thread (where no
    handler can be set) a no-op."""
    global _SIGTERM
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _SIGTERM = _Sigterm()
    previous = signal.signal(signal.SIGTERM, _SIGTERM.handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def sweep(jobs: list[Job], executor: Executor, recorder: Recorder) -> KeyboardInterrupt | None:
    """Run ``jobs`` on ``executor`` into ``recorder``; the interruption (Ctrl-C's KeyboardInterrupt,
    SIGTERM's :class:`Terminated`) that stopped it, or None. Either way the executor is shut down and
    every finished row is merged (or saved aside, see :meth:`Recorder.close`). A SIGTERM that arrives
    during that last step is held back until it is done, then raised."""
    try:
        for job in jobs:
            executor.submit(job)
        while executor.outstanding:
            for done in executor.finished(timeout=POLL_S):
                recorder.record(done)
            recorder.flush()
    except KeyboardInterrupt as stop:
        recorder.bar.write("Interrupted: keeping the rows already finished, stopping the workers.")
        return stop
    finally:
        _wind_up(executor, recorder)
    return None


def _wind_up(executor: Executor, recorder: Recorder) -> None:
    # a SIGTERM now is held back (see _Sigterm), not lost, so that it cannot cut the final merge
    # short; a second Ctrl-C can (the way out of a merge stuck on the lock), but not skip the merge
    # by landing while the workers stop
    with _SIGTERM.hold():
        try:
            executor.shutdown()
        finally:   # a second Ctrl-C while the workers stop still leaves the rows merged
            recorder.close()
