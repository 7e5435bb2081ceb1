"""UI benchmarks: Pareto page rerun time, first paint in headless Chromium, pareto_front at 100k points.

    python bench/bench_ui.py                 # the shipped cache (data/) and a synthetic zoo-sized cache
    python bench/bench_ui.py --no-browser    # skip the Chromium first-paint measurement

Prints one line per figure. "rerun" is a full Streamlit script run of the Pareto page
(router + sidebar + page + figure) after the first load, measured with AppTest in this
process; "build_view" is the uncached view computation alone.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from efficiency.store import cache  # noqa: E402
from efficiency.ui import data as uidata  # noqa: E402
from efficiency.ui.explorer import build_view  # noqa: E402
from efficiency.ui.pareto import pareto_front  # noqa: E402
from efficiency.store.schema import ALL_COLUMNS  # noqa: E402
from efficiency.ui.state import ViewState  # noqa: E402


def bench_pareto(n: int = 100_000, repeat: int = 20) -> None:
    rng = np.random.default_rng(0)
    cost = rng.lognormal(1.0, 1.5, n)
    acc = 60 + 25 * np.tanh(np.log1p(cost)) + rng.normal(0, 3, n)
    pareto_front(cost, acc)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        pareto_front(cost, acc)
        times.append(time.perf_counter() - t)
    print(f"pareto_front, {n:,} points: best {min(times) * 1e3:.2f} ms, median {statistics.median(times) * 1e3:.2f} ms "
          f"(budget 20 ms)")


def synthetic_cache(folder: Path, n_models: int = 1600) -> tuple[Path, Path]:
    """A zoo-sized cache: the ImageNet models of the shipped accuracy table, count + 8 latency rows each."""
    acc = pd.read_parquet(ROOT / "data" / "accuracy.parquet")
    top1 = acc[(acc["dataset"] == "imagenet-1k") & (acc["metric"] == "top1")].drop_duplicates("model").head(n_models)
    rng = np.random.default_rng(1)
    rows = []
    for i, (mid, p) in enumerate(zip(top1["model"], top1["param_count_m"].fillna(25.0))):
        macs = int(max(0.02, rng.lognormal(1.0, 1.2)) * 1e9)
        arch = mid.split("/", 1)[1].split(".")[0].split("@")[0]
        base = {c: None for c in ALL_COLUMNS} | dict(model=mid, source=mid.split("/")[0], arch=arch, weights="",
                                                      task="classification", family=arch.split("_")[0][:10],
                                                      input_size="3x224x224", paper="", macs=macs, flops=2 * macs,
                                                      macs_fvcore=macs, macs_torch=macs, macs_rel_diff=0.0,
                                                      macs_mismatch=False, macs_by_op='{"aten.convolution": %d}' % macs,
                                                      uncovered_ops="{}", ignored_ops="{}", param_bytes_fp32=int(p * 4e6),
                                                      params=int(p * 1e6), error="", channels_last=False,
                                                      measured_at="2026-11-28T00:00:00+00:00")
        rows.append(base | dict(kind="count", batch_size=1, device="cpu", dtype="fp32", mode="count"))
        for dev in ("cpu", "cuda"):
            for b in (1, 256):
                for m in ("eager", "cuda_graph"):
                    p50 = 0.05 + 2 * macs * b / (100e12 if dev == "cuda" else 1e12) * 1e3
                    rows.append(base | dict(kind="latency", batch_size=b, device=dev, dtype="bf16", mode=m,
                                            device_name="NVIDIA H200" if dev == "cuda" else "cpu",
                                            latency_ms_p50=p50, latency_ms_p90=1.05 * p50, throughput=b / p50 * 1e3,
                                            mem_gpu_max_allocated_bytes=1e8 * b ** 0.5))
    res = folder / "results.parquet"
    cache.write_atomic(pd.DataFrame(rows), res)
    return res, ROOT / "data" / "accuracy.parquet"


def bench_server(label: str, results: Path, accuracy: Path, reruns: int = 10) -> None:
    from streamlit.testing.v1 import AppTest
    os.environ["EFFICIENCY_RESULTS"] = str(results)
    os.environ["EFFICIENCY_ACCURACY"] = str(accuracy)
    res = uidata.read_results(results).df
    acc = uidata.read_accuracy(accuracy, res).df
    st = ViewState()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        v = build_view(res, acc, st)
        times.append(time.perf_counter() - t)
    print(f"[{label}] {len(res):,} result rows, {len(v.points)} models plotted: "
          f"build_view {min(times) * 1e3:.1f} ms (uncached)")
    t = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    first = time.perf_counter() - t
    assert not at.exception, at.exception
    times = []
    for _ in range(reruns):
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    print(f"[{label}] Pareto page: first load {first * 1e3:.0f} ms, rerun median "
          f"{statistics.median(times) * 1e3:.0f} ms, best {min(times) * 1e3:.0f} ms (server side, AppTest)")
    at.selectbox(key="w_x").set_value("params")
    t = time.perf_counter()
    at.run()
    print(f"[{label}] Pareto page: rerun after changing the x metric {(time.perf_counter() - t) * 1e3:.0f} ms")


def bench_first_paint(results: Path, accuracy: Path, repeat: int = 3) -> None:
    spec = importlib.util.spec_from_file_location("browser_helpers", ROOT / "tests" / "test_browser.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if not Path(mod.CHROMIUM).exists():
        print("first paint: skipped (no Chromium at /usr/bin/chromium)")
        return
    env = {"EFFICIENCY_RESULTS": str(results), "EFFICIENCY_ACCURACY": str(accuracy)}
    with mod.streamlit_server(env) as base, mod.browser_page() as page:
        times = []
        for i in range(repeat):
            t = time.perf_counter()
            page.goto(f"{base}/?x=gmacs")
            try:
                mod.read_figure(page, timeout_s=120)
            except Exception as exc:  # noqa: BLE001 - a busy shared machine: report, do not crash the bench
                print(f"first paint: no figure within 120 s ({type(exc).__name__})")
                return
            times.append(time.perf_counter() - t)
        print(f"first paint (navigation -> plotted points in headless Chromium): first {times[0] * 1e3:.0f} ms "
              f"(cold server cache), then {', '.join(f'{x * 1e3:.0f}' for x in times[1:])} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--no-browser", action="store_true")
    a = p.parse_args()
    bench_pareto()
    shipped = uidata.DEFAULTS["results"], uidata.DEFAULTS["accuracy"]
    if shipped[0].exists():
        bench_server("shipped cache", *shipped)
    else:
        print("shipped cache: data/results.parquet absent, skipped")
    with tempfile.TemporaryDirectory() as tmp:
        synth = synthetic_cache(Path(tmp))
        bench_server("synthetic zoo, 1600 models x 9 rows", *synth)
        if not a.no_browser:
            bench_first_paint(*shipped if shipped[0].exists() else synth)
            bench_first_paint(*synth)


if __name__ == "__main__":
    main()
