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
import concurrent.futures as cf
import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import platform
import signal
import sys
import time
from collections import defaultdict
from pathlib import Path

from efficiency.store import cache
from efficiency.store import schema
from efficiency.measure.environment import cpu_model, library_versions
from efficiency.zoo import TASKS, UnknownModelError, ZooEntry, load_zoo

COUNTER_VERSION = schema.COUNTER_VERSION
FLUSH_EVERY_S = float(os.environ.get("EFFICIENCY_FLUSH_S", "15"))  # tests set 0


# --------------------------------------------------------------------------- plan


@dataclasses.dataclass(frozen=True)
class LatencySpec:
    device: str
    batch_size: int
    dtype: str
    mode: str
    channels_last: bool = False
    num_threads: int | None = None
    min_time_s: float = 1.0
    max_time_s: float = 10.0


@dataclasses.dataclass(frozen=True)
class Job:
    """One group of zoo entries that share an architecture and input size (timm lists
    several pretrained tags of one architecture): built and measured once."""

    entries: tuple[ZooEntry, ...]
    count: bool
    latency: tuple[LatencySpec, ...]
    threads: int


def _hash(obj) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def count_key(entry: ZooEntry, versions: dict) -> str:
    return _hash(["count", entry.id, entry.name, entry.input_size, COUNTER_VERSION, versions])


def latency_key(entry: ZooEntry, spec: LatencySpec, versions: dict, device_name: str) -> str:
    lib = {k: v for k, v in versions.items() if k != "fvcore"}  # latency never uses fvcore
    return _hash(["latency", entry.id, entry.name, entry.input_size, dataclasses.asdict(spec),
                  lib, device_name])


def group_key(entry: ZooEntry) -> tuple:
    # pretrained tags (timm) and weight versions (torchvision) of one architecture at one
    # input size are the same network: build and measure it once
    return (entry.source, entry.arch, entry.input_size, entry.task)


def _row_key(row) -> tuple:
    return tuple(row[c] for c in schema.KEY_COLUMNS)


def plan(entries: list[ZooEntry], existing, versions: dict, count: bool,
         specs: list[LatencySpec], force: bool, retry_errors: bool, device_names: dict,
         latency_max_macs: float | None, threads: int, recount_uncovered: bool = False) -> list[Job]:
    """Groups of entries with the work still to do for them."""
    have: dict[tuple, tuple[str, bool]] = {}
    if not existing.empty:
        cols = schema.KEY_COLUMNS + ["input_key", "error", "uncovered_ops"]
        for rec in existing[cols].itertuples(index=False):
            rec = rec._asdict()
            redo = (retry_errors and bool(rec["error"])) or (
                recount_uncovered and rec["kind"] == "count" and rec["uncovered_ops"] not in ("", "{}"))
            have[_row_key(rec)] = (rec["input_key"], redo)
    known_macs = {}
    if not existing.empty:
        cnt = existing[existing["kind"] == "count"]
        cnt = cnt[cnt["macs"].notna()]  # error rows have no count: never skip on them
        known_macs = dict(zip(cnt["model"], cnt["macs"].astype(int)))

    def todo(key: tuple, input_key: str) -> bool:
        if force or key not in have:
            return True
        old_key, redo = have[key]
        return old_key != input_key or redo

    groups: dict[tuple, list[ZooEntry]] = defaultdict(list)
    for e in entries:
        groups[group_key(e)].append(e)
    jobs = []
    for members in groups.values():
        need_count = count and any(
            todo((e.id, "count", 1, "cpu", "fp32", "count", False), count_key(e, versions)) for e in members)
        need_lat = []
        for s in specs:
            macs = known_macs.get(members[0].id)
            if latency_max_macs is not None and macs is not None and macs > latency_max_macs:
                continue
            if any(todo((e.id, "latency", s.batch_size, s.device, s.dtype, s.mode, s.channels_last),
                        latency_key(e, s, versions, device_names[s.device])) for e in members):
                need_lat.append(s)
        if need_count or need_lat:
            jobs.append(Job(tuple(members), need_count, tuple(need_lat), threads))
    return jobs


# --------------------------------------------------------------------------- worker


def _id_columns(entry: ZooEntry) -> dict:
    return {"model": entry.id, "source": entry.source, "arch": entry.arch, "weights": entry.weights,
            "task": entry.task, "family": entry.family, "input_size": entry.input_size_str,
            "paper": entry.paper, "user_accuracy": entry.user_accuracy}


def _env(versions: dict, cpu: str) -> dict:
    return {"torch_version": versions.get("torch", ""), "torchvision_version": versions.get("torchvision", ""),
            "timm_version": versions.get("timm", ""), "fvcore_version": versions.get("fvcore", ""),
            "python_version": platform.python_version(), "cpu_model": cpu, "host": platform.node()}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text[:2000]


def _worker_init() -> None:
    # the parent handles Ctrl-C and stops the pool; workers must not die half-way a row
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import warnings
    warnings.filterwarnings("ignore")  # tracer/deprecation chatter would break the progress bar


def run_job(job: Job) -> list[dict]:
    """Runs in a worker process: build (random initialisation, no weights downloaded), measure
    latency, then count. Each latency configuration builds afresh: a measurement moves the model
    (device, memory format, CUDA graph capture), so a clean build keeps configurations independent."""
    import torch

    torch.set_num_threads(job.threads)
    versions = library_versions()
    cpu = cpu_model()
    rows: list[dict] = []
    head = job.entries[0]

    for spec in job.latency:
        rows.extend(_latency_rows(job, spec, versions, cpu))

    if job.count:
        t0 = time.perf_counter()
        base = {"kind": "count", "batch_size": 1, "device": "cpu", "device_name": cpu, "dtype": "fp32",
                "mode": "count", "channels_last": False, **_env(versions, cpu), "measured_at": _now()}
        try:
            from efficiency.zoo.build import build
            from efficiency.measure.counting import count_model

            built = build(head)
            result = count_model(built.model, built.inputs, built.list_input)
            values = result.to_row()
            error = ""
        except Exception as exc:  # noqa: BLE001 - a failing model becomes an error row
            values, error = {}, _error_text(exc)
        duration = time.perf_counter() - t0
        for e in job.entries:
            rows.append({**_id_columns(e), **base, **values, "error": error, "duration_s": duration,
                         "input_key": count_key(e, versions)})
    return rows


def _latency_rows(job: Job, spec: LatencySpec, versions: dict, cpu: str) -> list[dict]:
    from efficiency.zoo.build import build
    from efficiency.measure.latency import CudaGraphError, LatencyConfig, measure

    head = job.entries[0]
    kw = {} if spec.num_threads is None else {"num_threads": spec.num_threads}
    config = LatencyConfig(device=spec.device, batch_size=spec.batch_size, dtype=spec.dtype, mode=spec.mode,
                           channels_last=spec.channels_last, min_time_s=spec.min_time_s,
                           max_time_s=spec.max_time_s, **kw)
    t0 = time.perf_counter()
    try:
        built = build(head)
        if built.list_input or head.task == "optical_flow":
            inputs = built.inputs

            def make_input(batch_size, device, dtype, _inputs=inputs, _list=built.list_input):
                xs = tuple(t.to(device).expand(batch_size, *t.shape[1:]).contiguous() for t in _inputs)
                return list(xs[0]) if _list else xs
            result = measure(built.model, head.input_size, config, make_input=make_input)
        else:
            result = measure(built.model, head.input_size, config)
        values, error = result.to_row(), ""
    except CudaGraphError as exc:
        values, error = {}, f"cannot be captured as a CUDA graph: {_error_text(exc)}"
    except Exception as exc:  # noqa: BLE001
        values, error = {}, _error_text(exc)
    device_name = values.get("device_name") or (cpu if spec.device == "cpu" else "")
    base = {**_env(versions, cpu), "kind": "latency", "batch_size": spec.batch_size, "device": spec.device,
            "device_name": device_name, "dtype": spec.dtype, "mode": spec.mode,
            "channels_last": spec.channels_last, "measured_at": _now()}
    duration = time.perf_counter() - t0
    out = []
    for e in job.entries:
        row = {**base, **{k: v for k, v in values.items() if v is not None}, **_id_columns(e),
               "error": error, "duration_s": duration}
        row["input_key"] = latency_key(e, spec, versions, _key_device_name(spec.device, cpu))
        out.append(row)
    return out


def _key_device_name(device: str, cpu: str) -> str:
    if device == "cpu":
        return cpu
    import torch
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cuda"


# --------------------------------------------------------------------------- CLI


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m efficiency.refresh",
        description=__doc__.split("\n\n")[0] + "\n\nMACs follow fvcore/timm/torchvision: one "
        "multiply-add = 1 MAC; flops = 2 x macs. Counts are per sample at batch 1.",
        epilog=__doc__.split("Examples::", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter,
        fromfile_prefix_chars="@")
    sel = p.add_argument_group("what to refresh")
    sel.add_argument("--models", nargs="+", metavar="PATTERN",
                     help="fnmatch patterns over zoo ids, names and architectures "
                          "(e.g. 'resnet5*' 'torchvision/vit_b_16*'); default: the whole zoo")
    sel.add_argument("--task", choices=[t for t in TASKS if t != "custom"],
                     help="only entries of this task")
    sel.add_argument("--custom", action="append", default=[], metavar="ENTRY_POINT",
                     help="a user model: 'package.module:callable' or 'path/file.py:callable' returning an "
                          "nn.Module (repeatable; needs --input-size)")
    sel.add_argument("--input-size", metavar="C,H,W", help="per-sample input size of --custom models, e.g. 3,224,224")
    sel.add_argument("--accuracy", type=float, metavar="TOP1",
                     help="ImageNet-1k top-1 (%%) of the --custom model, shown on the dashboard")
    sel.add_argument("--list", action="store_true", help="print the selected models and the work to do, then exit")
    work = p.add_argument_group("what to compute")
    work.add_argument("--skip-latency", action="store_true", help="only MACs and params")
    work.add_argument("--skip-counts", action="store_true", help="only latency (no fvcore needed)")
    work.add_argument("--device", nargs="+", default=["cpu"], choices=["cpu", "cuda"])
    work.add_argument("--batch-size", nargs="+", type=int, default=None,
                      help="default: 1 on cpu; 1 and 256 on cuda")
    work.add_argument("--dtype", nargs="+", default=None, choices=["fp32", "bf16", "fp16"],
                      help="fp32, or bf16/fp16 through torch.autocast (default: fp32 on cpu, bf16 on cuda)")
    work.add_argument("--mode", nargs="+", default=["eager"], choices=["eager", "cuda_graph", "compile"],
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
    run = p.add_argument_group("how")
    run.add_argument("--force", action="store_true", help="recompute rows even when their inputs are unchanged")
    run.add_argument("--retry-errors", action="store_true", help="recompute rows that failed last time")
    run.add_argument("--recount-uncovered", action="store_true",
                     help="recount rows that listed uncovered operators (after a handle was added)")
    run.add_argument("--cache", type=Path, default=None, help=f"cache file (default: {cache.DEFAULT_PATH})")
    run.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


LABEL_COLUMNS = ("family", "paper")  # descriptive, not part of what was measured


def stale_labels(existing, entries: list[ZooEntry]):
    """Cached rows of ``entries`` whose descriptive labels differ from the zoo's now (the zoo's
    family rule or the seed-paper table changed after they were written), relabelled. Their
    measurements stay valid, so they are relabelled rather than recomputed."""
    if existing.empty:
        return existing
    want = {e.id: {"family": e.family, "paper": e.paper} for e in entries}
    rows = existing[existing["model"].isin(want)]
    if rows.empty:
        return rows
    new = {c: rows["model"].map(lambda m, c=c: want[m][c]) for c in LABEL_COLUMNS}
    differs = False
    for c in LABEL_COLUMNS:
        differs = differs | (rows[c].fillna("").astype(str) != new[c].astype(str))
    out = rows[differs].copy()
    for c in LABEL_COLUMNS:
        out[c] = new[c][differs]
    return out


def relabel(existing, entries: list[ZooEntry], path: Path) -> int:
    out = stale_labels(existing, entries)
    if len(out):
        cache.merge_rows(out, path)
    return len(out)


class UsageError(Exception):
    pass


def _specs(args, cuda_available: bool) -> list[LatencySpec]:
    from efficiency.measure.latency import ConfigError, LatencyConfig  # imports torch; only when measuring

    modes = list(dict.fromkeys(args.mode + (["compile"] if args.compile else [])))
    specs = []
    for device in args.device:
        batches = args.batch_size or ([1] if device == "cpu" else [1, 256])
        dtypes = args.dtype or (["fp32"] if device == "cpu" else ["bf16"])
        for b in batches:
            for d in dtypes:
                for m in modes:
                    if m == "cuda_graph" and args.cuda_graph_batch_size and b not in args.cuda_graph_batch_size:
                        continue
                    if m == "cuda_graph" and device == "cpu" and "cuda" in args.device:
                        continue   # --device cpu cuda --mode eager cuda_graph: graphs on the GPU only
                    spec = LatencySpec(device, b, d, m, args.channels_last, args.threads,
                                       args.min_time, args.max_time)
                    try:
                        LatencyConfig(device=device, batch_size=b, dtype=d, mode=m,
                                      channels_last=args.channels_last, num_threads=args.threads or 1,
                                      min_time_s=args.min_time, max_time_s=args.max_time
                                      ).validate(cuda_available)
                    except ConfigError as exc:
                        raise UsageError(f"unsupported configuration device={device} batch={b} dtype={d} "
                                         f"mode={m}: {exc}") from None
                    specs.append(spec)
    return specs


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _main(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except cache.CacheError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _main(args) -> int:
    t_start = time.perf_counter()
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.skip_counts and args.skip_latency:
        raise UsageError("--skip-counts and --skip-latency together leave nothing to do")
    path = args.cache or cache.DEFAULT_PATH
    existing = cache.read(path)  # a broken cache stops here, before any work, untouched

    # selection
    entries: list[ZooEntry] = []
    if args.custom:
        from efficiency.zoo.custom import CustomModelError, custom_entry, load_callable
        if not args.input_size:
            raise UsageError("--custom needs --input-size, e.g. --input-size 3,224,224")
        for spec in args.custom:
            try:
                entries.append(custom_entry(spec, args.input_size, args.accuracy))
                load_callable(spec)  # import now: a bad entry point fails before any work
            except (CustomModelError, ValueError) as exc:
                raise UsageError(str(exc)) from None
    elif args.input_size or args.accuracy is not None:
        raise UsageError("--input-size and --accuracy belong to --custom")
    if args.models or not args.custom:
        zoo = load_zoo()
        try:
            entries += zoo.select(args.models, task=args.task)
        except UnknownModelError as exc:
            raise UsageError(str(exc)) from None
    if not entries:
        raise UsageError(f"no zoo entry has task {args.task!r}")

    # configurations (validated before any work starts)
    specs: list[LatencySpec] = []
    device_names = {"cpu": cpu_model()}
    if not args.skip_latency:
        cuda_available = False
        if "cuda" in args.device or "cuda_graph" in args.mode:
            import torch
            cuda_available = torch.cuda.is_available()
            if cuda_available:
                device_names["cuda"] = torch.cuda.get_device_name(0)
        specs = _specs(args, cuda_available)
    versions = library_versions()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = args.threads or max(1, cores // args.jobs)
    jobs = plan(entries, existing, versions, count=not args.skip_counts, specs=specs, force=args.force,
                retry_errors=args.retry_errors, recount_uncovered=args.recount_uncovered,
                device_names=device_names,
                latency_max_macs=None if args.latency_max_gmacs is None else args.latency_max_gmacs * 1e9,
                threads=threads)
    n_models = len(entries)
    if args.list:
        for job in jobs:
            what = (["count"] if job.count else []) + [f"{s.device}/b{s.batch_size}/{s.dtype}/{s.mode}"
                                                      for s in job.latency]
            print(f"{job.entries[0].id}  (+{len(job.entries) - 1} sharing it)  {' '.join(what)}")
        print(f"{n_models} models selected, {len(jobs)} builds to run")
        return 0
    relabelled = relabel(existing, entries, path)
    if relabelled:
        print(f"Updated the family/paper labels of {relabelled} cached rows to the current zoo.")
    if not jobs:
        print(f"Nothing to do: all {n_models} selected models are up to date in {path} "
              f"({time.perf_counter() - t_start:.1f} s). Use --force to recompute.")
        return 0
    return _execute(jobs, args, path, n_models, t_start)


def _execute(jobs: list[Job], args, path: Path, n_models: int, t_start: float) -> int:
    from tqdm import tqdm

    pending: list[dict] = []
    done_rows: list[dict] = []
    last_flush = time.monotonic()
    interrupted = False
    crashed: list[str] = []

    def flush(force: bool = False) -> None:
        nonlocal pending, last_flush
        if pending and (force or time.monotonic() - last_flush > FLUSH_EVERY_S):
            cache.merge_rows(pending, path)
            pending = []
            last_flush = time.monotonic()

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["torch", "timm", "torchvision", "efficiency.zoo.build", "efficiency.measure.counting"])
    bar = tqdm(total=len(jobs), unit="model", disable=args.no_progress, dynamic_ncols=True,
               desc="refresh", smoothing=0.05)
    queue = list(jobs)
    queue.reverse()
    suspects: set[int] = set()
    pool = None

    def record(job: Job, rows: list[dict]) -> None:
        pending.extend(rows)
        done_rows.extend(rows)
        bar.update(1)
        bar.set_postfix_str(job.entries[0].arch[:30])
    try:
        while queue:
            pool = cf.ProcessPoolExecutor(max_workers=args.jobs, mp_context=ctx, initializer=_worker_init,
                                          max_tasks_per_child=25)
            in_flight: dict[cf.Future, Job] = {}
            broken = False
            while (queue or in_flight) and not broken:
                # a suspect (in flight when a worker died beside others) runs alone, so that a
                # second crash names the model that caused it
                while queue and len(in_flight) < args.jobs and not (in_flight and id(queue[-1]) in suspects):
                    job = queue.pop()
                    in_flight[pool.submit(run_job, job)] = job
                    if id(job) in suspects:
                        break
                finished, _ = cf.wait(in_flight, timeout=1.0, return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    job = in_flight[fut]
                    try:
                        rows = fut.result()
                    except cf.process.BrokenProcessPool:
                        broken = True   # a worker died (segfault, out of memory); handled below
                        continue
                    del in_flight[fut]
                    record(job, rows)
                if broken:
                    # every job still in flight died with the pool; blame one only when it ran alone
                    lost = list(in_flight.values())
                    in_flight.clear()
                    if len(lost) == 1:
                        crashed.append(lost[0].entries[0].id)
                        record(lost[0], _crash_rows(lost[0], "the worker process died while measuring this model"))
                    else:
                        suspects.update(id(j) for j in lost)
                        queue.extend(lost)
                flush()
            pool.shutdown(wait=True)
            pool = None
    except KeyboardInterrupt:
        interrupted = True
        bar.write("Interrupted: keeping the rows already finished, stopping the workers.")
    finally:
        if pool is not None:
            # do not wait for a model that may take minutes: stop its worker now
            workers = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in workers:
                proc.terminate()
        bar.close()
        flush(force=True)
    _summary(done_rows, jobs, n_models, path, time.perf_counter() - t_start, interrupted, crashed)
    return 130 if interrupted else 0


def _crash_rows(job: Job, message: str) -> list[dict]:
    """Error rows for every row the job would have written (count and latency), so that a model
    that kills its worker is recorded, not retried on every run (--retry-errors retries it)."""
    versions = library_versions()
    cpu = cpu_model()
    rows = []
    for e in job.entries:
        if job.count:
            rows.append({**_id_columns(e), **_env(versions, cpu), "kind": "count", "batch_size": 1,
                         "device": "cpu", "device_name": cpu, "dtype": "fp32", "mode": "count",
                         "channels_last": False, "error": message, "measured_at": _now(),
                         "input_key": count_key(e, versions)})
        for spec in job.latency:
            device_name = _key_device_name(spec.device, cpu)
            rows.append({**_id_columns(e), **_env(versions, cpu), "kind": "latency",
                         "batch_size": spec.batch_size, "device": spec.device, "device_name": device_name,
                         "dtype": spec.dtype, "mode": spec.mode, "channels_last": spec.channels_last,
                         "error": message, "measured_at": _now(),
                         "input_key": latency_key(e, spec, versions, device_name)})
    return rows


def _summary(rows: list[dict], jobs: list[Job], n_models: int, path: Path, seconds: float,
             interrupted: bool, crashed: list[str]) -> None:
    counts = [r for r in rows if r.get("kind") == "count"]
    lat = [r for r in rows if r.get("kind") == "latency"]
    errors = [r for r in rows if r.get("error")]
    mismatch = [r for r in counts if r.get("macs_mismatch") and not r.get("error")]
    uncovered = [r for r in counts if r.get("uncovered_ops") not in (None, "", "{}")]
    print(f"\n{'Stopped' if interrupted else 'Done'} in {seconds:.0f} s: {len(counts)} count rows and "
          f"{len(lat)} latency rows written to {path} for {n_models} selected models "
          f"({len(jobs)} builds planned).")
    print(f"  errors: {len(errors)}   fvcore/FlopCounterMode disagree >1%: {len(mismatch)}   "
          f"rows with uncovered operators: {len(uncovered)}")
    for r in errors[:10]:
        print(f"  ! {r['model']} [{r['kind']}]: {str(r['error'])[:160]}")
    if len(errors) > 10:
        print(f"  ... and {len(errors) - 10} more (error column of the cache)")
    if crashed:
        print(f"  worker crashed on: {', '.join(crashed[:10])}")


if __name__ == "__main__":
    sys.exit(main())
