"""Energy repeatability: the same GPU configurations measured in several runs, compared per model.

Issue 14 asks how repeatable the NVML energy figures are over 3 runs. Make the runs with the refresh,
one new cache file per run (so each run measures everything again), e.g. on the H200:

    for i in 1 2 3; do python -m efficiency.refresh --models <models> --skip-counts --device cuda \\
        --dtype bf16 --batch-size 1 256 --mode eager --cache run$i.parquet; done
    python bench/energy_repeatability.py run1.parquet run2.parquet run3.parquet

For every (model, batch, mode, dtype) measured on CUDA in all runs, it prints J/sample and average watts
of each run and their spread: (max - min) / median of the runs, beside the same spread of p50 latency,
so energy's repeatability reads against latency's. Rows with an error or without energy are left out
(and counted).

Each run's speed ratio is printed too: the energy window's mean time per call over the timed p50
(efficiency.store.noisy; = J/sample x throughput / W). J/sample is the window's mean, so a ratio off 1
means that run's energy was measured at another speed than its latency; a run more than 10 % off is
energy-noisy (and noisy). Read an energy spread against these ratios: a spread that follows the ratios
is the window's speed moving, not the counter.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from efficiency.store import cache, noisy  # noqa: E402 - after the path set-up above

KEY = ["model", "batch_size", "mode", "dtype"]


def spread(values: pd.Series) -> float:
    """(max - min) / median: the whole range of the runs relative to their middle."""
    return float((values.max() - values.min()) / values.median())


def runs_table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per configuration measured in every run: each run's J/sample, W, p50, and the spreads."""
    parts = []
    for i, df in enumerate(frames, start=1):
        ok = df[(df["device"] == "cuda") & (df["kind"] == "latency") & (df["error"].fillna("") == "")
                & df["energy_j_per_sample"].notna()]
        parts.append(ok[KEY + ["energy_j_per_sample", "power_w_avg", "latency_ms_p50"]]
                     .assign(run=i, speed_ratio=noisy.speed_ratios(ok)))
    long = pd.concat(parts, ignore_index=True)
    n = long.groupby(KEY)["run"].nunique()
    common = n[n == len(frames)].index
    long = long.set_index(KEY).loc[common].reset_index()
    g = long.groupby(KEY)
    out = g["energy_j_per_sample"].agg(list).rename("j_per_sample").to_frame()
    out["watts"] = g["power_w_avg"].agg(list)
    out["energy_spread"] = g["energy_j_per_sample"].agg(spread)
    out["power_spread"] = g["power_w_avg"].agg(spread)
    out["p50_spread"] = g["latency_ms_p50"].agg(spread)
    out["speed_ratio"] = g["speed_ratio"].agg(list)
    out["energy_noisy_runs"] = g["speed_ratio"].agg(lambda r: int(((r - 1).abs() > noisy.ENERGY_SPEED_TOL).sum()))
    return out.reset_index()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("caches", nargs="+", type=Path, help="one results parquet per run (at least 2)")
    a = p.parse_args(argv)
    if len(a.caches) < 2:
        p.error("give at least two runs")
    frames = [cache.read(c) for c in a.caches]
    t = runs_table(frames)
    if t.empty:
        print("no configuration with energy was measured in every run")
        return 1
    pd.set_option("display.width", 200)
    fmt = lambda v: ", ".join(f"{x:.4g}" for x in v)          # noqa: E731 - a table formatter
    show = t.assign(j_per_sample=t["j_per_sample"].map(fmt), watts=t["watts"].map(fmt),
                    speed_ratio=t["speed_ratio"].map(lambda v: ", ".join(f"{x:.3f}" for x in v)))
    print(show.to_string(index=False, float_format=lambda x: f"{x:.1%}"))
    print(f"\n{len(t)} configurations in all {len(frames)} runs; energy spread median "
          f"{t['energy_spread'].median():.1%}, max {t['energy_spread'].max():.1%}; p50 spread median "
          f"{t['p50_spread'].median():.1%}, max {t['p50_spread'].max():.1%}")
    ratios = pd.Series([x for v in t["speed_ratio"] for x in v], dtype="float64")
    print(f"speed ratio (window mean time per call / p50) over all runs: {ratios.min():.3f} to {ratios.max():.3f}; "
          f"{int(t['energy_noisy_runs'].gt(0).sum())} configurations energy-noisy in at least one run "
          f"(|ratio - 1| > {noisy.ENERGY_SPEED_TOL:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
