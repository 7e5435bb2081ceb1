"""Recompute MACs, params and measured latency for the zoo (or part of it) into the cache.

Incremental: every row carries an ``input_key`` (a hash of the model, the configuration,
the library versions and the counter version); a row whose key is unchanged is not
recomputed, and a run with nothing to do does not touch the cache file. Finished rows are
merged into the cache every few seconds (locked, atomic), so Ctrl-C or a kill keeps them.

Examples::

    python -m efficiency.refresh --skip-latency                     # counts for the whole zoo
    python -m efficiency.refresh --models 'resnet*' 'vit_base*' --jobs 2
    python -m efficiency.refresh --task classification --latency-max-gmacs 20
    python -m efficiency.refresh --device cuda --batch-size 1 256 --dtype bf16 --mode eager cuda_graph
    python -m efficiency.refresh --custom mypkg.models:build --input-size 3,224,224 --accuracy 76.1
    python -m efficiency.refresh @gpu_args.txt      # arguments read from a file, one per line
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

from efficiency.measure.config import ConfigError, LatencyConfig
from efficiency.measure.environment import cpu_model, library_versions
from efficiency.run.executor import LocalExecutor
from efficiency.run.plan import Job, LatencySpec, plan, relabel
from efficiency.run.summary import print_summary
from efficiency.run.sweep import Recorder, sweep
from efficiency.store import cache
from efficiency.vocab import DEVICES, DTYPES, MODES, TASKS
from efficiency.zoo import UnknownModelError, ZooEntry, load_zoo

FLUSH_EVERY_S = 15.0


class UsageError(Exception):
    """A bad option or selection: exit 2 before any work."""


# --------------------------------------------------------------------------- options


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m efficiency.refresh",
        description=__doc__.split("\n\n")[0] + "\n\nMACs follow fvcore/timm/torchvision: one "
        "multiply-add = 1 MAC; flops = 2 x macs. Counts are per sample at batch 1.",
        epilog=__doc__.split("Examples::", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter,
        fromfile_prefix_chars="@")
    _selection_options(p.add_argument_group("what to refresh"))
    _work_options(p.add_argument_group("what to compute"))
    _how_options(p.add_argument_group("how"))
    return p


def _selection_options(sel) -> None:
    sel.add_argument("--models", nargs="+", metavar="PATTERN",
                     help="fnmatch patterns over zoo ids, names and architectures "
                          "(e.g. 'resnet5*' 'torchvision/vit_b_16*'); default: the whole zoo")
    sel.add_argument("--task", choices=[t for t in TASKS if t != "custom"], help="only entries of this task")
    sel.add_argument("--custom", action="append", default=[], metavar="ENTRY_POINT",
                     help="a user model: 'package.module:callable' or 'path/file.py:callable' returning an "
                          "nn.Module (repeatable; needs --input-size)")
    sel.add_argument("--input-size", metavar="C,H,W", help="per-sample input size of --custom models, e.g. 3,224,224")
    sel.add_argument("--accuracy", type=float, metavar="TOP1",
                     help="ImageNet-1k top-1 (%%) of the --custom model, shown on the dashboard")
    sel.add_argument("--list", action="store_true", help="print the selected models and the work to do, then exit")


def _work_options(work) -> None:
    work.add_argument("--skip-latency", action="store_true", help="only MACs and params")
    work.add_argument("--skip-counts", action="store_true", help="only latency (no fvcore needed)")
    work.add_argument("--device", nargs="+", default=["cpu"], choices=DEVICES)
    work.add_argument("--batch-size", nargs="+", type=int, default=None,
                      help="default: 1 on cpu; 1 and 256 on cuda")
    work.add_argument("--dtype", nargs="+", default=None, choices=DTYPES,
                      help="fp32, or bf16/fp16 through torch.autocast (default: fp32 on cpu, bf16 on cuda)")
    work.add_argument("--mode", nargs="+", default=["eager"], choices=MODES,
                      help="eager; cuda_graph (cuda only); compile (torch.compile, records compile time)")
    work.add_argument("--cuda-graph-batch-size", nargs="+", type=int, default=None, metavar="B",
                      help="measure mode cuda_graph only at these batch sizes (default: at every "
                           "--batch-size); e.g. 1, since at large batches the GPU, not launch "
                           "overhead, sets the time")
    work.add_argument("--channels-last", action="store_true", help="measure with channels_last memory format")
    work.add_argument("--compile", action="store_true", help="also measure mode 'compile'")
    work.add_argument("--threads", type=int, default=None,
                      help="CPU threads per worker (default: cores / jobs); recorded in every row")
    work.add_argument("--min-time", type=float, default=1.0, help="minimum timed seconds per configuration")
    work.add_argument("--max-time", type=float, default=10.0, help="maximum timed seconds per configuration")
    work.add_argument("--latency-max-gmacs", type=float, default=None,
                      help="skip latency for models above this many GMACs (needs counts in the cache)")


def _how_options(run) -> None:
    run.add_argument("--force", action="store_true", help="recompute rows even when their inputs are unchanged")
    run.add_argument("--retry-errors", action="store_true", help="recompute rows that failed last time")
    run.add_argument("--recount-uncovered", action="store_true",
                     help="recount rows that listed uncovered operators (after a handle was added)")
    run.add_argument("--cache", type=Path, default=None, help=f"cache file (default: {cache.DEFAULT_PATH})")
    run.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    run.add_argument("--flush-every", type=float, default=FLUSH_EVERY_S, metavar="SECONDS",
                     help=f"merge finished rows into the cache at most this often (default {FLUSH_EVERY_S:g}; "
                          "0: after every model)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")


def check_options(args) -> None:
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.skip_counts and args.skip_latency:
        raise UsageError("--skip-counts and --skip-latency together leave nothing to do")
    if not args.flush_every >= 0:
        raise UsageError("--flush-every must be 0 or more seconds")


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
    return entries


def select(args) -> list[ZooEntry]:
    """The zoo entries and --custom models the command line names."""
    entries = _custom_entries(args)
    if args.models or not args.custom:
        try:
            entries += load_zoo().select(args.models, task=args.task)
        except UnknownModelError as exc:
            raise UsageError(str(exc)) from None
    if not entries:
        raise UsageError(f"no zoo entry has task {args.task!r}")
    return entries


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


def configurations(args) -> tuple[list[LatencySpec], dict[str, str]]:
    """The latency specs (validated before any work) and the name of each device they use."""
    device_names = {"cpu": cpu_model()}
    if args.skip_latency:
        return [], device_names
    cuda_available = False
    if "cuda" in args.device or "cuda_graph" in args.mode:
        import torch
        cuda_available = torch.cuda.is_available()
        if cuda_available:
            device_names["cuda"] = torch.cuda.get_device_name(0)
    return latency_specs(args, cuda_available), device_names


def threads_per_worker(args) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return args.threads or max(1, cores // args.jobs)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _main(args)
    except (UsageError, cache.CacheError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _main(args) -> int:
    t_start = time.perf_counter()
    check_options(args)
    path = args.cache or cache.DEFAULT_PATH
    existing = cache.read(path)  # a broken cache stops here, before any work, untouched
    entries = select(args)
    specs, device_names = configurations(args)
    jobs = plan(entries, existing, library_versions(), count=not args.skip_counts, specs=specs,
                force=args.force, retry_errors=args.retry_errors, recount_uncovered=args.recount_uncovered,
                device_names=device_names,
                latency_max_macs=None if args.latency_max_gmacs is None else args.latency_max_gmacs * 1e9,
                threads=threads_per_worker(args))
    if args.list:
        return _print_list(jobs, len(entries))
    relabelled = relabel(existing, entries, path)
    if relabelled:
        print(f"Updated the family/paper labels of {relabelled} cached rows to the current zoo.")
    if not jobs:
        print(f"Nothing to do: all {len(entries)} selected models are up to date in {path} "
              f"({time.perf_counter() - t_start:.1f} s). Use --force to recompute.")
        return 0
    return _execute(jobs, args, path, len(entries), t_start)


def _print_list(jobs: list[Job], n_models: int) -> int:
    for job in jobs:
        what = (["count"] if job.count else []) + [f"{s.device}/b{s.batch_size}/{s.dtype}/{s.mode}"
                                                  for s in job.latency]
        print(f"{job.head.id}  (+{len(job.entries) - 1} sharing it)  {' '.join(what)}")
    print(f"{n_models} models selected, {len(jobs)} builds to run")
    return 0


def _execute(jobs: list[Job], args, path: Path, n_models: int, t_start: float) -> int:
    recorder = Recorder(path, args.flush_every, total=len(jobs), progress=not args.no_progress)
    interrupted = sweep(jobs, LocalExecutor(args.jobs), recorder)
    print_summary(recorder.rows, jobs, n_models, path, time.perf_counter() - t_start, interrupted,
                  recorder.crashed)
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
