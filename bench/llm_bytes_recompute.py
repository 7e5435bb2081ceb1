"""Recompute the language rows' bytes per decode step and their bandwidth bound with the corrected
byte formula (AUDIT7 F1), from what the sweep stored.

Rows swept before 2026-12-08 counted, in ``decode_bytes_per_step``, the weights of a model built with
its embeddings untied (tied models had one vocab x hidden table too many) and every embedding table
whole. The corrected count (:func:`efficiency.measure.llm_latency.weight_bytes_per_step` on the model
:func:`~efficiency.measure.llm_latency.build_random` now builds, tied as published) reads a tied table
once and, of a table that is only looked up, the ``batch`` rows a step looks up. This script rebuilds
each model on the meta device (nothing allocated), and for each stored decode row:

* KV part: ``batch x mean context x kv_cache_bytes_per_token_measured``, the mean context as
  ``time_decode`` took it (``prompt_len + warmup + new_tokens / 2``; warmup 8, its default, where the
  row stores none). The stored bytes minus this must equal the weight bytes as the sweep counted them
  (checked to the byte; a row that fails is left out and named);
* new ``decode_bytes_per_step`` = corrected weight bytes + that KV part; the bound and the fraction
  of it from the stored ``memory_bandwidth_gb_s`` and ``decode_tokens_per_s``
  (:func:`~efficiency.measure.llm_latency.bound_columns`, as the sweep does).

Measured columns (times, peak memory) are kept as they are. Prints before/after per row and writes
the changed rows (all columns) to ``--out``, a cache file for ``python -m efficiency.refresh --merge``.

    python bench/llm_bytes_recompute.py [--results data/results.parquet] [--out out/llmtie_recomputed.parquet]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_WARMUP = 8        # time_decode's warm-up steps, which every sweep so far used
FIELDS = ("decode_bytes_per_step", "decode_bound_tokens_per_s", "decode_fraction_of_bound")


def swept_weight_bytes(model, batch: int) -> int:
    """The weight bytes the sweep counted before the fix: every parameter of the untied build (a tied
    table twice), every embedding table whole, mixture of experts as now."""
    from efficiency.measure.llm_latency import unrouted_expert_bytes

    total = sum(p.numel() * p.element_size() for p in model.parameters())
    head, table = model.get_output_embeddings(), model.get_input_embeddings()
    if head is not None and table is not None and head.weight is table.weight:
        total += head.weight.numel() * head.weight.element_size()
    return total - unrouted_expert_bytes(model, batch)


def kv_bytes(row) -> float:
    """The KV-cache part of a stored row's bytes per step, as time_decode computed it."""
    warmup = DEFAULT_WARMUP if _missing(row.get("warmup_iters")) else int(row["warmup_iters"])
    mean_ctx = row["prompt_len"] + warmup + row["new_tokens"] / 2
    return row["batch_size"] * mean_ctx * row["kv_cache_bytes_per_token_measured"]


def _missing(value) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _model(name: str):
    import json

    import torch

    from efficiency import paths
    from efficiency.measure.llm_latency import build_random

    spec = json.loads((paths.DATA / "llm" / f"{name}.json").read_text())
    return build_random(spec["config"], spec.get("kind", "causal_lm"), torch.device("meta"))


def recompute(df):
    """(the decode rows of ``df`` with the three columns recomputed, lines saying what changed and
    which rows were left out)."""
    import pandas as pd

    from efficiency.measure.llm_latency import bound_columns, weight_bytes_per_step

    rows = df[(df["source"] == "hf") & (df["kind"] == "latency") & df["decode_bytes_per_step"].notna()
              & (df["error"].fillna("") == "")]
    out, lines = [], []
    for name, group in rows.groupby("model", sort=False):
        model = _model(name.removeprefix("hf/"))
        for idx, row in group.sort_values(["batch_size", "mode"]).iterrows():
            b, kv = int(row["batch_size"]), kv_bytes(row)
            stored_weights = row["decode_bytes_per_step"] - kv
            if abs(stored_weights - swept_weight_bytes(model, b)) > 1:
                lines.append(f"LEFT OUT {name} b{b} {row['mode']}: stored bytes minus KV = {stored_weights:,.0f}, "
                             f"not the sweep's weight count {swept_weight_bytes(model, b):,}")
                continue
            new = bound_columns(row["decode_tokens_per_s"], b, weight_bytes_per_step(model, b) + kv,
                                row["memory_bandwidth_gb_s"])
            out.append(pd.Series({**row.to_dict(), **new}, name=idx))
            lines.append(_line(name, row, new))
    return pd.DataFrame(out), lines


def _line(name: str, row, new: dict) -> str:
    old_b, new_b = row["decode_bytes_per_step"], new["decode_bytes_per_step"]
    return (f"{name:22s} b{int(row['batch_size']):<3d} {row['mode']:10s} bytes {old_b / 1e9:9.4f} -> {new_b / 1e9:9.4f} GB "
            f"({(new_b - old_b) / old_b:+7.2%})  bound {row['decode_bound_tokens_per_s']:12,.1f} -> "
            f"{new['decode_bound_tokens_per_s']:12,.1f} tok/s  fraction {row['decode_fraction_of_bound']:.4f} -> "
            f"{new['decode_fraction_of_bound']:.4f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", type=Path, default=ROOT / "data" / "results.parquet", help="results parquet to read")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "llmtie_recomputed.parquet",
                    help="cache file for the recomputed rows (never the results file itself)")
    args = ap.parse_args(argv)
    if args.out.resolve() == args.results.resolve():
        print("refusing to write over the results file: merge --out into it instead", file=sys.stderr)
        return 2
    import pandas as pd

    from efficiency.store import cache

    new, lines = recompute(pd.read_parquet(args.results))
    print("\n".join(lines))
    cache.write_atomic(cache.normalise(new), args.out)
    print(f"{len(new)} rows written to {args.out}; merge: python -m efficiency.refresh --merge {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
