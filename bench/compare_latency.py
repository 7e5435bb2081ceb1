"""Compare the latency rows two caches share: how far apart are the p50s of the same model and
configuration measured in two runs (two sessions, two machines, before and after a change)?

    python bench/compare_latency.py OLD.parquet NEW.parquet [--since 2026-11-28T20:40] [--models 'torchvision/*']

Rows are matched on model, device, batch size, dtype, mode and channels_last; error rows are left
out. ``--since`` keeps only NEW rows measured at or after that time (a cache copy still holds the
rows it started with). Prints one line per pair and, per configuration, the median and worst
absolute difference in %.
"""
from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from efficiency.store import cache
from efficiency.store import schema# noqa: E402

KEY = [c for c in schema.KEY_COLUMNS if c != "kind"]   # latency rows only


def latency_rows(path: str):
    df = cache.read(Path(path))
    df = df[(df["kind"] == "latency") & (df["error"].fillna("") == "")]
    return df


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--since", default=None, help="only NEW rows with measured_at >= this ISO time")
    p.add_argument("--models", nargs="+", default=["*"], help="fnmatch patterns over model ids")
    args = p.parse_args(argv)
    old, new = latency_rows(args.old), latency_rows(args.new)
    if args.since:
        new = new[new["measured_at"] >= args.since]
    keep = new["model"].map(lambda m: any(fnmatch.fnmatch(m, pat) for pat in args.models))
    new = new[keep]
    m = new[KEY + ["latency_ms_p50", "host"]].merge(old[KEY + ["latency_ms_p50", "host"]], on=KEY,
                                                   suffixes=("_new", "_old"))
    if m.empty:
        print("no latency rows in common", file=sys.stderr)
        return 1
    m["diff_pct"] = (m["latency_ms_p50_new"] / m["latency_ms_p50_old"] - 1) * 100
    for r in m.sort_values(KEY).itertuples(index=False):
        print(f"{r.model:55s} {r.device}/b{r.batch_size}/{r.dtype}/{r.mode}{'/cl' if r.channels_last else '':3s} "
              f"{r.latency_ms_p50_old:9.3f} -> {r.latency_ms_p50_new:9.3f} ms  {r.diff_pct:+6.1f} %")
    print()
    for cfg, grp in m.groupby(["device", "batch_size", "dtype", "mode", "channels_last"]):
        worst = grp.loc[grp["diff_pct"].abs().idxmax()]
        label = "/".join(map(str, cfg[:4])) + ("/channels_last" if cfg[4] else "")
        print(f"{label:28s} pairs {len(grp):4d}  median |diff| "
              f"{grp['diff_pct'].abs().median():5.1f} %  worst {abs(worst['diff_pct']):5.1f} % ({worst['model']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
