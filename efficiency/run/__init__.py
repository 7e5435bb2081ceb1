"""Running a refresh: from the command line to rows in the cache.

* :mod:`.cli`: ``python -m efficiency.refresh`` (selection, configurations, main);
* :mod:`.options`: its options and their checks (every bad value refused before any work);
* :mod:`.plan`: which rows are stale, grouped into :class:`~.plan.Job` s (input keys, row keys);
* :mod:`.executor`: the :class:`~.executor.Executor` interface and :class:`~.executor.LocalExecutor`,
  worker processes that run jobs and turn a lost worker into crash rows for its job;
* :mod:`.limits`: the time and memory limits of a task;
* :mod:`.worker`: what a worker process runs (build, time, count; imports torch);
* :mod:`.rows`: row assembly, one :func:`~.rows.make_row` for every row written;
* :mod:`.sweep`: jobs through an executor, rows merged into the cache as they come;
* :mod:`.summary`: what a refresh prints when it ends.
"""
