"""The refresh command's flow (``python -m efficiency.refresh``; its options and their checks are
:mod:`efficiency.run.options`): options checked, models selected, latency configurations validated,
the cache read (or a corrupt one moved aside), the plan, writability checked, then the sweep and
its summary. Everything that can be refused is refused before any work, with exit status 2 and one
line on stderr.
"""
from __future__ import annotations

import contextlib
import itertools
import sys
import time
from pathlib import Path

from efficiency.measure.config import ConfigError, LatencyConfig
from efficiency.measure.environment import library_versions
from efficiency.run.executor import Executor, LocalExecutor
from efficiency.run.machines import ClusterError, Machines, local_machines
from efficiency.run.options import UsageError, build_parser, check_options, task_limits, threads_per_worker
from efficiency.run.plan import UNTIMED_SOURCES, Job, LatencySpec, kept_accuracy, plan, stale_accuracy, stale_labels
from efficiency.run.summary import ALL_FAILED, counted, every_row_failed, print_summary
from efficiency.run.sweep import Recorder, Terminated, sigterm_as_interrupt, sweep
from efficiency.store import cache
from efficiency.zoo import UnknownModelError, ZooEntry, load_zoo, resolution


# --------------------------------------------------------------------------- selection


def _custom_entries(args) -> list[ZooEntry]:
    if not args.custom:
        if args.input_size or args.accuracy is not None:
            raise UsageError("--input-size and --accuracy belong to --custom")
        return []
    from efficiency.zoo.custom import CustomModelError, custom_entry, load_callable
    if not args.input_size:
        raise UsageError("--custom needs --input-size, e.g. --input-size 3,224,224")
    entries = []
    for spec in args.custom:
        try:
            entries.append(custom_entry(spec, args.input_size, args.accuracy))
            load_callable(spec)  # import now: a bad entry point fails before any work
        except (CustomModelError, ValueError) as exc:
            raise UsageError(str(exc)) from None
    if args.accuracy is not None and args.accuracy < 1:   # 0.555 is most likely a fraction typed for 55.5 %
        print(f"warning: --accuracy {args.accuracy:g} is taken as {args.accuracy:g} % (top-1 in percent, 0-100); "
              f"for {args.accuracy * 100:g} % pass --accuracy {args.accuracy * 100:g}", file=sys.stderr)
    return entries


def select(args) -> list[ZooEntry]:
    """The zoo entries and --custom models the command line names, with --resolution's other sizes."""
    entries = _custom_entries(args)
    zoo = None
    if args.models or not args.custom:
        zoo = load_zoo()
        try:
            entries += zoo.select(args.models, task=args.task)
        except UnknownModelError as exc:
            raise UsageError(str(exc)) from None
    if not entries:
        raise UsageError(f"no zoo entry has task {args.task!r}")
    return at_resolutions(entries, args.resolution, zoo) if args.resolution else entries


def at_resolutions(entries: list[ZooEntry], sizes: list[int], zoo) -> list[ZooEntry]:
    """--resolution: ``entries`` with each eligible one at ``sizes`` (efficiency.zoo.resolution), saying
    which selected models it does not apply to (measured at their own size only)."""
    try:
        found = resolution.derive(entries, sizes, zoo)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if found.ineligible:
        names = ", ".join(e.id for e in found.ineligible[:5]) + (" ..." if len(found.ineligible) > 5 else "")
        print(f"Note: --resolution applies to timm and torchvision classification models taking a square image; "
              f"{counted(len(found.ineligible), 'selected model')} "
              f"{'is' if len(found.ineligible) == 1 else 'are'} measured at their own input size only: {names}")
    print(f"--resolution {' '.join(str(s) for s in resolution.check_sizes(sizes))}: "
          f"{counted(len(found.derived), 'entry', 'entries')} derived at other sizes (no published accuracy), "
          f"{counted(len(found.from_zoo), 'zoo entry', 'zoo entries')} added at sizes the zoo has.")
    return found.entries


# --------------------------------------------------------------------------- configurations


def _skipped(args, device: str, batch_size: int, mode: str) -> bool:
    if mode != "cuda_graph":
        return False
    if args.cuda_graph_batch_size and batch_size not in args.cuda_graph_batch_size:
        return True
    return device == "cpu" and "cuda" in args.device   # --device cpu cuda: graphs on the GPU only


def latency_specs(args, cuda_available: bool) -> list[LatencySpec]:
    """Every latency configuration the options ask for, each validated (UsageError if refused)."""
    modes = list(dict.fromkeys(args.mode + (["compile"] if args.compile else [])))
    specs = []
    for device in args.device:
        batches = args.batch_size or ([1] if device == "cpu" else [1, 256])
        dtypes = args.dtype or (["fp32"] if device == "cpu" else ["bf16"])
        for b, d, m in itertools.product(batches, dtypes, modes):
            if _skipped(args, device, b, m):
                continue
            try:
                LatencyConfig(device=device, batch_size=b, dtype=d, mode=m, channels_last=args.channels_last,
                              num_threads=args.threads or 1, min_time_s=args.min_time, max_time_s=args.max_time
                              ).validate(cuda_available)
            except ConfigError as exc:
                raise UsageError(f"unsupported configuration device={device} batch={b} dtype={d} "
                                 f"mode={m}: {exc}") from None
            specs.append(LatencySpec(device, b, d, m, args.channels_last, args.threads,
                                     args.min_time, args.max_time))
    return specs


def _latency_devices(args) -> set[str]:
    if args.skip_latency:
        return set()
    return set(args.device) | ({"cuda"} if "cuda_graph" in args.mode else set())


def configurations(args, client=None) -> tuple[list[LatencySpec], Machines]:
    """The latency specs (validated before any work) and the machines they run on: this one's, or
    those of the Dask cluster behind ``client`` (ClusterError when it cannot run them)."""
    need = _latency_devices(args)
    if client is None:
        machines = local_machines("cuda" in need)
    else:
        from efficiency.run.executor_dask import machines_of
        machines = machines_of(client, need, args.scheduler)
    if args.skip_latency:
        return [], machines
    return latency_specs(args, machines.cuda_available), machines


@contextlib.contextmanager
def remote_client(args):
    """A client of ``--scheduler``'s cluster (closed on exit), or None: reached before any work."""
    if args.executor != "dask" or not args.scheduler:
        yield None
        return
    from efficiency.run.executor_dask import ALLOWED_FAILURES, allowed_failures, connect
    client = connect(args.scheduler)
    try:
        retries = allowed_failures(client)
        if retries is not None and retries != ALLOWED_FAILURES:
            print(f"Note: the scheduler retries a task whose worker died {retries} times, not "
                  f"{ALLOWED_FAILURES} (start it with DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="
                  f"{ALLOWED_FAILURES}).")
        yield client
    finally:
        client.close()


# --------------------------------------------------------------------------- main


def _fail(exc: BaseException) -> None:
    print("error: " + " ".join(str(exc).split()), file=sys.stderr)   # one line, whatever the text


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with sigterm_as_interrupt():
            return _main(args)
    except (UsageError, ClusterError, cache.CacheError) as exc:
        _fail(exc)
        return 2
    except OSError as exc:   # a write that failed after the checks (a merge is saved aside instead)
        _fail(exc)
        return 1
    except KeyboardInterrupt as stop:   # outside the sweep, which handles its own
        print("Stopped.", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130


def _main(args) -> int:
    t_start = time.perf_counter()
    check_options(args)
    path = args.cache or cache.DEFAULT_PATH
    if args.merge:
        return _merge(args, path)
    entries = select(args)
    with remote_client(args) as client:
        return _plan_and_run(args, path, entries, client, t_start)


def _plan_and_run(args, path: Path, entries: list[ZooEntry], client, t_start: float) -> int:
    specs, machines = configurations(args, client)
    existing = read_cache(args, path)
    entries, kept = kept_accuracy(existing, entries)
    jobs = plan(entries, existing, library_versions(), count=not args.skip_counts, specs=specs,
                force=args.force, retry_errors=args.retry_errors, recount_uncovered=args.recount_uncovered,
                device_names=machines.device_names, hardware=machines.hardware,
                latency_max_macs=None if args.latency_max_gmacs is None else args.latency_max_gmacs * 1e9,
                threads=threads_per_worker(args))
    untimed = sum(e.source in UNTIMED_SOURCES for e in entries)
    if specs and untimed:
        print(f"Note: latency of the {counted(untimed, 'language model')} selected is not measured here: "
              f"`python -m efficiency.run.llm_sweep` times them on a GPU (merge its rows with --merge).")
    if args.list:
        return _print_list(jobs, len(entries))
    labels = stale_labels(existing, entries)
    accuracy, accuracy_lines = stale_accuracy(existing, entries)   # labels set too: merged after them
    if jobs or len(labels) or len(accuracy):   # a run that writes nothing needs no writable folder
        cache.check_writable(path)   # a folder that cannot take the rows fails now, not after the work
    if len(labels):
        cache.merge_rows(labels, path)
        print(f"Updated the family/paper labels of {counted(len(labels), 'cached row')} to the current zoo.")
    if len(accuracy):
        cache.merge_rows(accuracy, path)
        print("\n".join(accuracy_lines))
    remeasured = {e.id for j in jobs for e in j.entries} & kept.keys()
    for model in sorted(remeasured):
        print(f"accuracy of {model}: {kept[model]:g} kept from the cache (pass --accuracy to change it)")
    if not jobs:
        print("Nothing to do: " + (f"all {len(entries)} selected models are" if len(entries) > 1 else
                                   f"the {len(entries)} selected model is") + f" up to date in {path} "
              f"({time.perf_counter() - t_start:.1f} s). Use --force to recompute.")
        return 0
    return _execute(jobs, args, path, len(entries), t_start, client)


def read_cache(args, path: Path):
    """The cache at ``path``. An unreadable one is refused (UsageError, naming it), or with
    --quarantine-corrupt moved aside so that a new cache starts (not under --list, which writes
    nothing). A cache of newer code is never moved."""
    try:
        return cache.read(path)
    except cache.NewerCacheError:
        raise
    except cache.CacheError as exc:
        if not args.quarantine_corrupt:
            raise UsageError(f"{exc} Pass --quarantine-corrupt to move it aside and start a new cache.") from None
    if args.list:
        print(f"{path} cannot be read: --quarantine-corrupt will move it aside; listed as for a new cache.")
        return cache.empty_frame()
    cache.check_writable(path)
    aside = cache.quarantine(path)
    if aside is None:   # another refresh moved or rewrote it meanwhile
        return cache.read(path)
    print(f"Moved the unreadable cache {path} aside to {aside}; a new cache starts at {path}.")
    return cache.empty_frame()


def _merge(args, path: Path) -> int:
    """--merge: the rows of a side file into the cache."""
    if not args.merge.is_file():
        raise UsageError(f"--merge {args.merge}: no such file")
    read_cache(args, path)
    cache.check_writable(path)
    report = cache.merge_file(args.merge, path, force=args.force)
    print(f"Merged {args.merge} into {path}: {counted(report.written, 'row')} written, "
          f"{counted(report.kept_apart, 'failure')} "
          f"kept apart (a good row holds their key). {args.merge} may be deleted now.")
    return 0


def _print_list(jobs: list[Job], n_models: int) -> int:
    for job in jobs:
        what = (["count"] if job.count else []) + [f"{s.device}/b{s.batch_size}/{s.dtype}/{s.mode}"
                                                  for s in job.latency]
        derived = [e for e in job.entries if e.derived_from]
        origin = (f"  [derived from {derived[0].derived_from}" + (f" and {len(derived) - 1} more" if len(derived) > 1
                                                                    else "") + "]") if derived else ""
        print(f"{job.head.id}  (+{len(job.entries) - 1} sharing it)  {' '.join(what)}{origin}")
    n_derived = len({e.id for j in jobs for e in j.entries if e.derived_from})
    print(f"{counted(n_models, 'model')} selected, {counted(len(jobs), 'build')} to run"
          + (f" ({counted(n_derived, 'derived entry', 'derived entries')} at other input sizes among them)"
             if n_derived else ""))
    return 0


def _executor(jobs: list[Job], args, client) -> Executor:
    """The executor of ``--executor``: this refresh's worker processes, or a Dask cluster's tasks."""
    workers = min(args.jobs, len(jobs))   # a worker per build at most: the others would idle
    if workers < args.jobs:
        print(f"Note: --jobs {args.jobs} capped to {workers}: only {len(jobs)} "
              f"build{'s' if len(jobs) > 1 else ''} to run.")
    limits = task_limits(args, workers)
    if args.executor == "local":
        return LocalExecutor(workers, limits=limits)
    from efficiency.run.executor_dask import DaskExecutor, local_cluster
    if client is not None:
        return DaskExecutor(client, limits)
    gpus = 0
    if any(s.device == "cuda" for j in jobs for s in j.latency):
        import torch
        gpus = torch.cuda.device_count()
    cpu_workers = workers if any(not any(s.device == "cuda" for s in j.latency) for j in jobs) else 0
    cluster, own = local_cluster(cpu_workers, gpus, limits.memory_bytes)
    print(f"Dask cluster on this machine: {cpu_workers} CPU and {gpus} GPU workers; dashboard "
          f"{cluster.dashboard_link}")
    return DaskExecutor(own, limits, cluster=cluster)


class _LabellingRecorder(Recorder):
    """A :class:`Recorder` that writes ``derived_from`` on the rows of derived entries (--resolution)
    as they come back, so the cache and any side file say so from the start (a worker's rows carry
    the entry's identity columns, which do not include it)."""

    def __init__(self, jobs: list[Job], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.derived_from = {e.id: e.derived_from for j in jobs for e in j.entries if e.derived_from}

    def record(self, done) -> None:
        for row in done.rows:
            row["derived_from"] = self.derived_from.get(row.get("model"), "")
        super().record(done)


def _execute(jobs: list[Job], args, path: Path, n_models: int, t_start: float, client=None) -> int:
    executor = _executor(jobs, args, client)
    recorder = _LabellingRecorder(jobs, path, args.flush_every, total=len(jobs), progress=not args.no_progress,
                                  force=args.force)
    try:
        stop = sweep(jobs, executor, recorder)
    except KeyboardInterrupt as late:   # a SIGTERM held back during the final merge, raised after it
        stop = late
    print_summary(recorder, jobs, n_models, time.perf_counter() - t_start, stop is not None)
    if recorder.unmerged:
        return 1
    if stop is not None:
        return 143 if isinstance(stop, Terminated) else 130
    return ALL_FAILED if every_row_failed(recorder) else 0


if __name__ == "__main__":
    sys.exit(main())
