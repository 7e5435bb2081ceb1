"""Benchmark the latency module itself: is it repeatable, what does it cost, is it physical?

For each model (timm or torchvision classifiers built without weights) and one configuration:

(a) repeatability: ``--runs`` measurements (default 3) in one process; spread of p50 =
    (max - min) / median, in %.
(b) cost: wall seconds one ``measure()`` call takes (warm-up + timed loop + setup), and the seconds to
    build the model.
(c) physics: achieved TFLOP/s = 2 * MACs * batch / p50 against the device's peak. MACs per sample come
    from ``--macs-from`` (a results parquet with ``kind == "count"`` rows) or are counted here with
    ``torch.utils.flop_counter.FlopCounterMode`` on the meta device (its flops / 2). A fraction of peak
    above 100 % means the timing is wrong (e.g. not synchronised).

Peak (``--peak-tflops``): on CUDA the default is measured in the same process, before the models: the
TFLOP/s of an 8192^3 GEMM in the run's dtype (``efficiency.measure.gpu_peaks.matmul_peak``), i.e. what a
plain matmul reaches on this GPU with this torch, not a vendor figure (none is stored with a source for
the H200). There is no CPU default: pass ``cores * GHz * fp32 FLOPs per cycle per core / 1000`` (e.g. 32
for AVX-512 with two FMA units: 16 lanes * 2 ops * 2 units), otherwise the CPU column reads n/a.

Seen on one H200 (torch 2.11, bf16, batch 32, the 10 default models, 3 runs): cuda_graph p50 spread
median 0.2 % (max 4 %), about 0.4 s per run at --min-time-s 0.3; eager median 7 % (max 39 %), about
1.1 s per run at the defaults, because these small models are bound by host-side kernel launches and
the host's jitter shows; compile adds ~8-12 s of compilation per run. Nothing exceeded 12 % of peak (then a 989 TFLOP/s figure; a measured GEMM peak is lower, so
the same runs read higher against it).

Needs torch (>= 2.1) and timm; never fvcore. Examples::

    python bench/bench_latency.py --device cuda --dtype bf16 --mode cuda_graph --batch-size 32
    python bench/bench_latency.py --device cpu --models resnet18,mobilenetv3_small_100 \\
        --min-time-s 0.2 --max-time-s 2 --out bench_cpu.csv
"""
from __future__ import annotations

import argparse
import gc
import math
import pathlib
import statistics
import sys
import time
from dataclasses import dataclass

import pandas as pd
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a plain script

from efficiency.measure.latency import LatencyConfig, measure  # noqa: E402

DEFAULT_MODELS = (
    "resnet18", "mobilenetv3_small_100", "efficientnet_b0", "convnext_atto", "deit_tiny_patch16_224",
    "regnety_002", "ghostnet_100", "mnasnet_100", "resnet50", "vit_tiny_patch16_224",
)


@dataclass(frozen=True)
class BenchModel:
    name: str                      # as given: "resnet18" (timm) or "torchvision/resnet18"
    input_shape: tuple[int, ...]   # per sample


def _split(name: str) -> tuple[str, str]:
    return ("torchvision", name.split("/", 1)[1]) if name.startswith("torchvision/") else ("timm", name)


def build(name: str, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, BenchModel]:
    """Build without weights (random init) directly on ``device`` (``meta`` for counting)."""
    source, arch = _split(name)
    with torch.device(device):
        if source == "torchvision":
            import torchvision

            model = torchvision.models.get_model(arch, weights=None)
            shape = (3, 224, 224)
        else:
            import timm

            model = timm.create_model(arch, pretrained=False)
            shape = tuple(model.pretrained_cfg.get("input_size", (3, 224, 224)))
    return model, BenchModel(name, shape)


def count_macs(name: str) -> int | None:
    """MACs per sample at batch 1: FlopCounterMode flops / 2 on the meta device (CPU if meta fails)."""
    from torch.utils.flop_counter import FlopCounterMode

    for device in ("meta", "cpu"):
        try:
            model, spec = build(name, device)
            x = torch.randn((1, *spec.input_shape), device=device)
            counter = FlopCounterMode(display=False)
            with torch.no_grad(), counter:  # not inference_mode: some versions then count zero
                model.eval()(x)
            return int(counter.get_total_flops()) // 2
        except Exception as exc:  # noqa: BLE001 - a counting failure must not stop the benchmark
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            print(f"  [macs] {name} on {device}: {type(exc).__name__}: {first_line}", file=sys.stderr)
    return None


def macs_from_parquet(path: str, name: str) -> int | None:
    """The ``macs`` of the count row for this architecture: by ``arch``, else by zoo id prefix."""
    df = pd.read_parquet(path)
    if "kind" in df.columns:
        df = df[df["kind"] == "count"]
    source, arch = _split(name)
    hits = df[df["arch"] == arch] if "arch" in df.columns else df.iloc[0:0]
    if "source" in hits.columns:
        hits = hits[hits["source"] == source]
    if hits.empty and "model" in df.columns:
        ids = df["model"].astype(str)
        hits = df[ids.str.startswith(f"{source}/{arch}.") | ids.str.startswith(f"{source}/{arch}@")]
    hits = hits.dropna(subset=["macs"]) if "macs" in hits.columns else hits.iloc[0:0]
    return int(hits["macs"].iloc[0]) if not hits.empty else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(DEFAULT_MODELS),
                   help="comma list; timm names, or torchvision/<builder>")
    p.add_argument("--num-models", type=int, default=None, help="only the first N of --models")
    p.add_argument("--runs", type=int, default=3, help="measurements per model (repeatability)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--dtype", choices=("fp32", "bf16", "fp16"), default="fp32")
    p.add_argument("--mode", choices=("eager", "cuda_graph", "compile"), default="eager")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--num-threads", type=int, default=None, help="CPU threads (default: torch's)")
    p.add_argument("--warmup-iters", type=int, default=10)
    p.add_argument("--min-iters", type=int, default=30)
    p.add_argument("--min-time-s", type=float, default=1.0)
    p.add_argument("--max-time-s", type=float, default=10.0)
    p.add_argument("--macs-from", default=None, help="results parquet with kind=='count' rows")
    p.add_argument("--peak-tflops", type=float, default=None,
                   help="device peak; default on cuda: an 8192^3 GEMM in the run's dtype measured first in "
                        "this process; none on cpu")
    p.add_argument("--out", default=None, help="summary CSV; the per-run rows go to <stem>.runs.csv")
    return p.parse_args(argv)


def measured_peak(device: str, dtype: str) -> float | None:
    """TFLOP/s of an 8192^3 GEMM in ``dtype`` on ``device`` (CUDA only: a CPU's GEMM peak depends on the
    threads and the BLAS, so it is passed by hand)."""
    if device != "cuda":
        return None
    from efficiency.measure.gpu_peaks import matmul_peak
    torch_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[dtype]
    return matmul_peak(torch.device("cuda"), dtype=torch_dtype)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()][: args.num_models]
    peak = args.peak_tflops if args.peak_tflops is not None else measured_peak(args.device, args.dtype)
    extra = {} if args.num_threads is None else {"num_threads": args.num_threads}
    config = LatencyConfig(
        device=args.device, batch_size=args.batch_size, dtype=args.dtype, mode=args.mode,
        channels_last=args.channels_last, warmup_iters=args.warmup_iters, min_iters=args.min_iters,
        min_time_s=args.min_time_s, max_time_s=args.max_time_s, **extra,
    ).validate()
    print(f"config: {config}\npeak: {peak if peak else 'n/a'} TFLOP/s")

    runs, summary = [], []
    for name in names:
        print(f"{name} ...", flush=True)
        macs = macs_from_parquet(args.macs_from, name) if args.macs_from else None
        macs_source = "parquet" if macs is not None else "flop_counter"
        if macs is None:
            macs = count_macs(name)
        error, p50s, costs, build_s = "", [], [], math.nan
        t0 = time.perf_counter()
        try:
            model, spec = build(name, "cpu")
            build_s = time.perf_counter() - t0
            for run in range(args.runs):
                t1 = time.perf_counter()
                result = measure(model, spec.input_shape, config)
                cost = time.perf_counter() - t1
                row = result.to_row()
                runs.append({"model": name, "run": run, "cost_s": cost, **row})
                p50s.append(result.stats.p50_ms)
                costs.append(cost)
        except Exception as exc:  # noqa: BLE001 - errors are data; the sweep goes on
            error = f"{type(exc).__name__}: {exc}"
            print(f"  error: {error}", file=sys.stderr)
        finally:
            model = None
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()

        med = statistics.median(p50s) if p50s else math.nan
        tflops = (2 * macs * args.batch_size / (med / 1000) / 1e12) if (macs and p50s) else math.nan
        summary.append({
            "model": name,
            "runs": len(p50s),
            "p50_ms_median": med,
            "p50_spread_pct": (max(p50s) - min(p50s)) / med * 100 if len(p50s) > 1 else math.nan,
            "noisy_runs": sum(bool(r["noisy"]) for r in runs if r["model"] == name),
            "cost_s_per_run": statistics.mean(costs) if costs else math.nan,
            "build_s": build_s,
            "macs": macs,
            "macs_source": macs_source if macs is not None else "",
            "achieved_tflops": tflops,
            "pct_of_peak": tflops / peak * 100 if peak and not math.isnan(tflops) else math.nan,
            "error": error,
        })

    table = pd.DataFrame(summary)
    with pd.option_context("display.width", 200, "display.max_columns", None,
                           "display.float_format", "{:.3g}".format):
        print(table.drop(columns=["error"]).to_string(index=False))
    good = table[table["runs"] > 1]
    if not good.empty:
        print(f"\np50 spread over {args.runs} runs: median {good['p50_spread_pct'].median():.2f} %, "
              f"max {good['p50_spread_pct'].max():.2f} %")
        print(f"cost per model per configuration: {(good['cost_s_per_run'] * args.runs).mean():.2f} s "
              f"({good['cost_s_per_run'].mean():.2f} s per run)")
    impossible = table[table["pct_of_peak"] > 100]
    if not impossible.empty:
        print(f"\nIMPOSSIBLE: above peak (timing bug or wrong peak): {list(impossible['model'])}")
    for _, r in table[table["error"] != ""].iterrows():
        print(f"error {r['model']}: {r['error']}")
    if args.out:
        out = pathlib.Path(args.out)
        table.to_csv(out, index=False)
        pd.DataFrame(runs).to_csv(out.with_suffix(".runs.csv"), index=False)
        print(f"\nwrote {out} and {out.with_suffix('.runs.csv')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
