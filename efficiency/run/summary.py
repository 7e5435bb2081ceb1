"""What a refresh prints when it ends: rows written, errors, counter disagreements, lost workers."""
from __future__ import annotations

from pathlib import Path

from efficiency.run.plan import Job

SHOWN_ERRORS = 10


def print_summary(rows: list[dict], jobs: list[Job], n_models: int, path: Path, seconds: float,
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
    for r in errors[:SHOWN_ERRORS]:
        print(f"  ! {r['model']} [{r['kind']}]: {str(r['error'])[:160]}")
    if len(errors) > SHOWN_ERRORS:
        print(f"  ... and {len(errors) - SHOWN_ERRORS} more (error column of the cache)")
    if crashed:
        print(f"  worker crashed on: {', '.join(crashed[:SHOWN_ERRORS])}")
