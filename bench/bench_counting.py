"""Counting benchmarks: agreement with published figures, counting cost, no-op refresh time.

    python bench/bench_counting.py agreement            # torchvision _ops / num_params, timm params
    python bench/bench_counting.py cost                 # per-model counting seconds from the cache
    python bench/bench_counting.py noop --runs 5        # a whole-zoo refresh with nothing to do
    python bench/bench_counting.py zoo --jobs 2         # time a full recount into a temporary cache

Figures print as markdown tables; paste them into bench/RESULTS.md with the command.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from efficiency.store import query# noqa: E402
from efficiency.reference.accuracy import load_torchvision_meta  # noqa: E402

TIMM_TABLE = ROOT / "data" / "reference" / "timm" / "results-imagenet.csv"


def _counts() -> pd.DataFrame:
    df = query.load_results()
    return df[df["kind"] == "count"]


def agreement(verbose: bool) -> None:
    counts = _counts().set_index("model")
    meta = load_torchvision_meta()
    rows = []
    for m in meta.itertuples():
        if m.model not in counts.index:
            rows.append((m.model, m.task, m.published_gmacs, None, None, m.num_params, None, "not counted"))
            continue
        c = counts.loc[m.model]
        ours = None if pd.isna(c["macs"]) else c["macs"] / 1e9
        pub = m.published_gmacs
        if ours is None:
            verdict = f"error: {c['error'][:60]}"
        else:
            rel = abs(ours - pub) / pub
            within_rounding = round(ours, 3) == round(pub, 3) or abs(ours - pub) <= 0.0005
            verdict = "ok" if rel <= 0.005 or within_rounding else f"off {100 * rel:.2f}%"
        rows.append((m.model, m.task, pub, ours, None if ours is None else ours / pub, m.num_params,
                     int(c["params"]) if not pd.isna(c["params"]) else None, verdict))
    tv = pd.DataFrame(rows, columns=["model", "task", "published_gmacs", "our_gmacs", "ratio",
                                     "published_params", "our_params", "verdict"])
    tv["params_equal"] = tv["published_params"] == tv["our_params"]
    print("## torchvision: our MACs against meta['_ops'] (GMACs), params against meta['num_params']\n")
    by_task = tv.groupby("task").agg(weights=("model", "size"), macs_ok=("verdict", lambda v: (v == "ok").sum()),
                                     params_equal=("params_equal", "sum"))
    print(by_task.to_markdown())
    bad = tv[(tv["verdict"] != "ok") | ~tv["params_equal"]]
    print(f"\n{len(tv)} weights; MACs within 0.5 % or the published rounding: {(tv.verdict == 'ok').sum()}; "
          f"params equal: {int(tv.params_equal.sum())}")
    if len(bad):
        print("\nDisagreements:\n")
        print(bad.to_markdown(index=False, floatfmt=".4f"))
    elif verbose:
        print(tv.to_markdown(index=False, floatfmt=".4f"))

    # timm: params against the table (millions, 2 decimals)
    table = pd.read_csv(TIMM_TABLE, thousands=",")
    table["model_id"] = "timm/" + table["model"] + "@" + table["img_size"].astype(str)
    ours = counts["params"]
    table["our_params_m"] = table["model_id"].map(ours) / 1e6
    table["diff_m"] = (table["our_params_m"] - table["param_count"]).abs()
    counted = table.dropna(subset=["our_params_m"])
    ok = counted["diff_m"] <= 0.005 + 1e-9
    print("\n## timm: our params against results-imagenet.csv param_count (millions, 2 decimals)\n")
    print(f"{len(table)} rows, {len(counted)} counted, {int(ok.sum())} within the table's rounding (0.005 M), "
          f"{int((counted['diff_m'] <= 0.01 + 1e-9).sum())} within 0.01 M")
    if (~ok).any():
        print(counted[~ok][["model", "img_size", "param_count", "our_params_m", "diff_m"]]
              .sort_values("diff_m", ascending=False).head(20).to_markdown(index=False, floatfmt=".4f"))

    # the two counters against each other
    c = counts.drop_duplicates(subset=["arch", "input_size"])
    ok_both = c.dropna(subset=["macs_fvcore", "macs_torch"])
    print(f"\n## fvcore (+ our handles) against FlopCounterMode / 2\n\n{len(c)} distinct builds, "
          f"{len(ok_both)} counted by both, {int((ok_both['macs_rel_diff'] > 0.01).sum())} differ by more than 1 %, "
          f"{int((ok_both['macs_rel_diff'] == 0).sum())} identical; error rows: {int((c['error'] != '').sum())}; "
          f"rows with uncovered operators: {int((~c['uncovered_ops'].fillna('').isin(['', '{}'])).sum())}")


def cost() -> None:
    c = _counts()
    c = c[c["error"] == ""].drop_duplicates(subset=["arch", "input_size"])
    d = c["duration_s"].astype(float)
    print(f"{len(c)} distinct builds counted; per-model seconds (build + fvcore trace + meta count, one "
          f"worker of --jobs 2 on this machine): median {d.median():.2f}, p90 {d.quantile(.9):.2f}, "
          f"max {d.max():.1f} ({c.loc[d.idxmax(), 'arch']}), sum {d.sum() / 60:.1f} worker-minutes")


def noop(runs: int) -> None:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "efficiency.refresh", "--skip-latency", "--no-progress"],
                           cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if "Nothing to do" not in r.stdout:
            print("warning: the refresh had work to do:\n" + r.stdout[-500:])
    print(f"no-op whole-zoo refresh (process start to exit), {runs} runs: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s")


def zoo(jobs: int, models: list[str] | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "efficiency.refresh", "--skip-latency", "--jobs", str(jobs),
               "--cache", str(Path(tmp) / "c.parquet")] + (["--models", *models] if models else [])
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=False)
        print(f"full count of {'the whole zoo' if not models else models} with --jobs {jobs}: "
              f"{(time.perf_counter() - t0) / 60:.1f} min wall")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    a = sub.add_parser("agreement")
    a.add_argument("--verbose", action="store_true")
    sub.add_parser("cost")
    n = sub.add_parser("noop")
    n.add_argument("--runs", type=int, default=5)
    z = sub.add_parser("zoo")
    z.add_argument("--jobs", type=int, default=2)
    z.add_argument("--models", nargs="*")
    args = p.parse_args()
    if args.what == "agreement":
        agreement(args.verbose)
    elif args.what == "cost":
        cost()
    elif args.what == "noop":
        noop(args.runs)
    else:
        zoo(args.jobs, args.models)


if __name__ == "__main__":
    main()
