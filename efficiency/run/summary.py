"""What a refresh prints when it ends: rows written, failures kept apart, errors, counter
disagreements, lost workers, and rows that could not be merged (where they are, how to merge them)."""
from __future__ import annotations

import shlex
from pathlib import Path

from efficiency.run.plan import Job
from efficiency.run.sweep import Recorder

SHOWN_ERRORS = 10
COMMAND = "python -m efficiency.refresh"
# the exit status of a refresh that ran to its end but whose every row is an error row (1, 2, 130 and 143
# are taken: efficiency.run.options). A sweep where some rows failed exits 0: errors are data in the cache.
ALL_FAILED = 3


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with ``noun`` in the number it takes: "1 row", "2 rows", "1 entry" (``plural`` where
    adding an s is wrong). The refresh printed "1 rows written", "1 models selected" (AUDIT7 L7)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def every_row_failed(recorder: Recorder) -> bool:
    """Whether the run computed rows and every one of them is an error row (a script checking the
    status learns that nothing was measured)."""
    return bool(recorder.rows) and all(r.get("error") for r in recorder.rows)


def merge_command(side: Path, path: Path, force: bool = False) -> str:
    """The command that merges the side file ``side`` into the cache at ``path``."""
    return (f"{COMMAND} --cache {shlex.quote(str(path))} --merge {shlex.quote(str(side))}"
            + (" --force" if force else ""))


def print_summary(recorder: Recorder, jobs: list[Job], n_models: int, seconds: float,
                  interrupted: bool) -> None:
    rows = recorder.rows
    counts = [r for r in rows if r.get("kind") == "count"]
    lat = [r for r in rows if r.get("kind") == "latency"]
    errors = [r for r in rows if r.get("error")]
    mismatch = [r for r in counts if r.get("macs_mismatch") and not r.get("error")]
    uncovered = [r for r in counts if r.get("uncovered_ops") not in (None, "", "{}")]
    good_counts, good_lat = (sum(not r.get("error") for r in some) for some in (counts, lat))   # errors: not measured
    written = (f"{counted(len(rows), 'row')} written to {recorder.path}" if recorder.written == len(rows)
               else f"{counted(len(rows), 'row')} ({recorder.written} written to {recorder.path})")
    print(f"\n{'Stopped' if interrupted else 'Done'} in {seconds:.0f} s: {written}: {good_counts + good_lat} measured "
          f"({good_counts} count, {good_lat} latency), {counted(len(errors), 'error')}; "
          f"for {counted(n_models, 'selected model')} ({counted(len(jobs), 'build')} planned).")
    print(f"  failures kept apart (a good row holds their key; see its "
          f"failed_* columns): {recorder.kept_apart}   fvcore/FlopCounterMode disagree >1%: "
          f"{len(mismatch)}   rows with uncovered operators: {len(uncovered)}")
    for r in errors[:SHOWN_ERRORS]:
        print(f"  ! {r['model']} [{r['kind']}]: {str(r['error'])[:160]}")
    if len(errors) > SHOWN_ERRORS:
        print(f"  ... and {len(errors) - SHOWN_ERRORS} more (error column of the cache)")
    if recorder.crashed:
        print(f"  worker crashed on: {', '.join(recorder.crashed[:SHOWN_ERRORS])}")
    if every_row_failed(recorder) and not (interrupted or recorder.unmerged):   # else 130/143/1
        print(f"  Every row of this run is an error row: nothing was measured (exit status {ALL_FAILED}).")
    if recorder.unmerged:
        _print_unmerged(recorder)


def _print_unmerged(recorder: Recorder) -> None:
    print(f"\nFAILED: {counted(recorder.unmerged, 'row')} could not be merged into {recorder.path} "
          f"({recorder.merge_error}).")
    if recorder.side_file is None:
        print("  They could not be saved anywhere either: they are lost.")
        return
    print(f"  They are saved in {recorder.side_file}; once the cause is fixed, merge them with:")
    print(f"  {merge_command(recorder.side_file, recorder.path, recorder.force)}")
