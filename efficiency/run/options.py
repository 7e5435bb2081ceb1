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
    python -m efficiency.refresh --models 'timm/resnet50.a1_in1k@224' --resolution 128 224 320 512
    python -m efficiency.refresh @bench/sweeps/resolution_curve.args --device cuda --batch-size 1 64
    python -m efficiency.refresh @gpu_args.txt      # arguments read from a file, one per line
    python -m efficiency.refresh --cache data/results.parquet --merge FILE   # rows a failed run saved aside
    python -m efficiency.refresh --executor dask --scheduler tcp://HOST:8786 --device cuda   # a Dask cluster

Exit status: 0 done (some rows may be error rows: their reasons are printed and kept in the cache);
1 rows could not be merged into the cache (saved aside, see --merge); 2 a bad option, selection or
cache, refused before any work; 3 done, but every row this run computed is an error row (nothing was
measured); 130 Ctrl-C; 143 SIGTERM (finished rows kept).
"""
# This module holds the options of ``python -m efficiency.refresh`` (the docstring above is its
# --help) and their checks (check_options), run before any work; efficiency.run.cli runs the command.
from __future__ import annotations

import argparse
import math
import os
import shlex
import sys
from pathlib import Path

from efficiency.run import limits
from efficiency.store import cache
from efficiency.vocab import DEVICES, DTYPES, MODES, TASKS
from efficiency.zoo.resolution import LARGEST, SMALLEST

FLUSH_EVERY_S = 15.0


def _utf8(path: str) -> bool:
    try:
        Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    except OSError:
        return True      # missing or unreadable: argparse says so itself
    return True


class UsageError(Exception):
    """A bad option or selection: exit 2 before any work."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):   # one line, like every other refusal (no usage block)
        self.exit(2, f"error: {message} (see --help)\n")

    def convert_arg_line_to_args(self, arg_line: str) -> list[str]:
        """An @file line as a shell would split it: ``--models timm/resnet18`` on one line, blank lines and
        ``#`` comments, quotes (argparse took each line whole, so these failed with messages that hid the
        cause: "unrecognized arguments: --models ...", "no zoo model matches ''", CLICHECK F3)."""
        try:
            return shlex.split(arg_line, comments=True)
        except ValueError as exc:     # an unclosed quote
            self.error(f"an @file line cannot be read ({exc}): {arg_line.strip()!r}")

    def parse_known_args(self, args=None, namespace=None):
        try:
            return super().parse_known_args(args, namespace)
        except UnicodeDecodeError:    # a binary or non-UTF-8 @file gave a traceback (CLICHECK F2)
            bad = [a for a in (args if args is not None else sys.argv[1:]) if a.startswith("@") and not _utf8(a[1:])]
            self.error(f"{bad[0] if bad else 'an @file'} is not UTF-8 text: one option or pattern per line")


# --------------------------------------------------------------------------- options


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m efficiency.refresh",
        description=__doc__.split("\n\n")[0] + "\n\nMACs follow fvcore/timm/torchvision: one "
        "multiply-add = 1 MAC; flops = 2 x macs. Counts are per sample at batch 1.",
        epilog=__doc__.split("Examples::", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter,
        fromfile_prefix_chars="@")
    _selection_options(p.add_argument_group("what to refresh"))
    _work_options(p.add_argument_group("what to compute"))
    _how_options(p.add_argument_group("how"))
    _limit_options(p.add_argument_group("limits per task (a task: one model's count, or one latency "
                                        "configuration; past a limit it is killed and recorded as an error row)"))
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
                     help="ImageNet-1k top-1 (%%, 0-100) of the --custom model, shown on the dashboard; "
                          "a new value updates the cached rows without remeasuring")
    sel.add_argument("--resolution", nargs="+", type=int, metavar="PX",
                     help="also measure each selected timm or torchvision classification model at these "
                          "square input sizes (px), for latency-versus-resolution curves: a size the zoo "
                          "has is that zoo entry; any other is derived (id '<zoo id>@<px>', no published "
                          "accuracy, kept out of the dashboard's model set). Needs --models")
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
    run.add_argument("--jobs", type=int, default=1, help="worker processes (default 1); with --executor dask "
                     "and no --scheduler, the CPU workers of the cluster started for the run")
    run.add_argument("--executor", choices=("local", "dask"), default="local",
                     help="local: worker processes of this refresh (default); dask: tasks of a Dask cluster, "
                          "the one at --scheduler, else one started on this machine (a worker per GPU)")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (--executor dask)")
    run.add_argument("--flush-every", type=float, default=FLUSH_EVERY_S, metavar="SECONDS",
                     help=f"merge finished rows into the cache at most this often (default {FLUSH_EVERY_S:g}; "
                          "0: after every model)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--quarantine-corrupt", action="store_true",
                     help="when the cache cannot be read, move it aside (renamed <name>.corrupt-<time>) "
                          "and start a new one")
    run.add_argument("--merge", type=Path, metavar="FILE",
                     help="merge rows a failed run saved aside (it prints the command) into --cache, then exit")


def _limit_options(lim) -> None:
    total = limits.total_memory_bytes()
    memory = ("none: this machine's memory is unknown" if total is None else
              f"{limits.MEMORY_FRACTION:.0%} of this machine's {total / 2**30:.0f} GiB shared by the "
              "workers, i.e. divided by --jobs".replace("%", "%%"))
    lim.add_argument("--count-timeout", type=float, default=limits.COUNT_TIMEOUT_S, metavar="SECONDS",
                     help=f"time limit of a count (default {limits.COUNT_TIMEOUT_S:g})")
    lim.add_argument("--latency-timeout", type=float, default=limits.LATENCY_TIMEOUT_S, metavar="SECONDS",
                     help=f"time limit of a latency measurement (default {limits.LATENCY_TIMEOUT_S:g})")
    lim.add_argument("--memory-limit", type=float, default=None, metavar="GIB",
                     help=f"memory a worker may hold, in GiB (default: {memory})")


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _option_problems(args) -> list[tuple[bool, str]]:
    """(refused?, why) for every option with a constraint argparse cannot express."""
    batches = (args.batch_size or []) + (args.cuda_graph_batch_size or [])
    gmacs = args.latency_max_gmacs
    sizes = args.resolution or []
    return [
        (args.skip_counts and args.skip_latency, "--skip-counts and --skip-latency together leave nothing to do"),
        (bool(sizes) and not args.models, "--resolution needs --models: every classification model of the zoo "
                                          "at several sizes is thousands of builds"),
        (any(not SMALLEST <= s <= LARGEST for s in sizes),
         f"--resolution sizes must be between {SMALLEST} and {LARGEST} px, got {sizes}"),
        (args.jobs < 1, f"--jobs must be at least 1, got {args.jobs}"),
        (args.scheduler is not None and args.executor != "dask", "--scheduler needs --executor dask"),
        (args.threads is not None and args.threads < 1, f"--threads must be at least 1, got {args.threads}"),
        (any(b < 1 for b in batches), f"batch sizes must be at least 1, got {batches}"),
        (not (_finite(args.min_time) and args.min_time >= 0),
         f"--min-time must be a finite number of seconds, 0 or more, got {args.min_time}"),
        (not (_finite(args.max_time) and args.max_time > 0),
         f"--max-time must be a finite number of seconds above 0, got {args.max_time}"),
        (args.max_time < args.min_time, f"--max-time {args.max_time:g} is below --min-time {args.min_time:g}"),
        (gmacs is not None and not (_finite(gmacs) and gmacs >= 0),
         f"--latency-max-gmacs must be a finite number, 0 or more, got {gmacs}"),
        (not (_finite(args.flush_every) and args.flush_every >= 0),
         f"--flush-every must be a finite number of seconds, 0 or more, got {args.flush_every}"),
    ] + [(value is not None and not (_finite(value) and value > 0),
          f"{name} must be a finite number above 0, got {value}")
         for name, value in (("--count-timeout", args.count_timeout), ("--latency-timeout", args.latency_timeout),
                             ("--memory-limit", args.memory_limit))]


def check_options(args) -> None:
    """Refuse (UsageError) any option value that would fail later, before any work: each of them
    used to pass and then fail inside every worker, or loop, or be ignored."""
    for refused, why in _option_problems(args):
        if refused:
            raise UsageError(why)


def task_limits(args, workers: int) -> limits.Limits:
    """The per-task limits of the options (memory: each of ``workers``' share by default)."""
    memory = (limits.default_memory_bytes(workers) if args.memory_limit is None
              else int(args.memory_limit * 2**30))
    return limits.Limits(count_timeout_s=args.count_timeout, latency_timeout_s=args.latency_timeout,
                         memory_bytes=memory)


def threads_per_worker(args) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return args.threads or max(1, cores // args.jobs)
