"""Latency module: statistics, the timing loop, config rules, measure() on a tiny CPU model.

CPU-only and fast; the tests marked ``needs_cuda`` run the real CUDA / CUDA-graph path on a GPU host.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from efficiency.measure import environment
from efficiency.measure import latency
from efficiency.store import schema
from efficiency.measure import timing
from efficiency.measure.latency import ConfigError, CudaGraphError, LatencyConfig, MeasureError, measure
from efficiency.measure.timing import CudaEventTimer, LatencyStats, PerfCounterTimer, timer_for, timing_loop


def run_timing_loop(*args, **kwargs) -> list[float]:
    """The loop's timed samples only (what these tests check); rows also read its warm-up count."""
    return list(timing_loop(*args, **kwargs).samples_ms)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU; CI has none")

FAST = dict(warmup_iters=2, min_iters=5, min_time_s=0.01, max_time_s=0.5, num_threads=1)


def tiny_model() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 10),
    )


class FakeTimer:
    """Returns scripted latencies (ms) and counts the calls; calls fn like a real timer."""

    def __init__(self, ms: float | list[float]):
        self.ms = ms
        self.calls = 0

    def time(self, fn) -> float:
        fn()
        value = self.ms[self.calls % len(self.ms)] if isinstance(self.ms, list) else self.ms
        self.calls += 1
        return value


# ---------------------------------------------------------------------------------------- stats


def test_stats_match_numpy():
    samples = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 2.5, 3.5]
    s = LatencyStats.from_samples(samples, batch_size=4)
    a = np.array(samples)
    assert s.n_samples == 8
    assert s.mean_ms == pytest.approx(a.mean())
    assert s.std_ms == pytest.approx(a.std(ddof=1))
    assert s.min_ms == 1.0 and s.max_ms == 10.0
    assert s.p50_ms == pytest.approx(np.percentile(a, 50)) == pytest.approx(3.25)
    assert s.p90_ms == pytest.approx(np.percentile(a, 90))
    assert s.p99_ms == pytest.approx(np.percentile(a, 99))
    assert s.iqr_ms == pytest.approx(np.percentile(a, 75) - np.percentile(a, 25))
    assert s.throughput == pytest.approx(4 * 1000 / 3.25)


def test_stats_hand_computed_linear_interpolation():
    # 1..5: p50 = 3, p90 = 4 + 0.6 * (5 - 4) = 4.6, p25 = 2, p75 = 4
    s = LatencyStats.from_samples([1, 2, 3, 4, 5], batch_size=1)
    assert (s.p50_ms, s.p90_ms, s.iqr_ms) == pytest.approx((3.0, 4.6, 2.0))
    assert s.throughput == pytest.approx(1000 / 3)


def test_stats_single_sample_and_errors():
    s = LatencyStats.from_samples([2.0], batch_size=8)
    assert s.std_ms == 0.0 and s.iqr_ms == 0.0 and s.p99_ms == 2.0
    assert s.throughput == pytest.approx(4000.0)
    with pytest.raises(ValueError):
        LatencyStats.from_samples([], batch_size=1)
    with pytest.raises(ValueError):
        LatencyStats.from_samples([1.0, float("nan")], batch_size=1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1e5, allow_nan=False), min_size=1, max_size=200),
       st.integers(min_value=1, max_value=512))
def test_stats_properties(samples, batch):
    s = LatencyStats.from_samples(samples, batch)
    eps = 1e-9 * max(1.0, s.max_ms)
    assert s.min_ms - eps <= s.p50_ms <= s.max_ms + eps
    assert s.p50_ms <= s.p90_ms + eps and s.p90_ms <= s.p99_ms + eps
    assert s.iqr_ms >= -eps and s.std_ms >= 0
    assert s.min_ms - eps <= s.mean_ms <= s.max_ms + eps
    assert s.n_samples == len(samples)


# ---------------------------------------------------------------------------------- timing loop


def test_loop_min_iters_dominates():
    # 1 ms each; min_time 5 ms would need 5 calls but min_iters asks for 30
    timer, calls = FakeTimer(1.0), []
    out = run_timing_loop(lambda: calls.append(1), timer, warmup_iters=4, min_iters=30,
                          min_time_s=0.005, max_time_s=10.0)
    assert len(out) == 30 and out == [1.0] * 30
    assert timer.calls == len(calls) == 34  # warm-up calls run but are not returned


def test_loop_min_time_dominates():
    # 2 ms each; min_iters 3 but min_time 100 ms -> 50 samples
    out = run_timing_loop(lambda: None, FakeTimer(2.0), warmup_iters=0, min_iters=3,
                          min_time_s=0.1, max_time_s=10.0)
    assert len(out) == 50


def test_loop_max_time_wins_over_min_iters():
    # 100 ms each; min_iters 30 would be 3 s, max_time 0.5 s stops after 5
    out = run_timing_loop(lambda: None, FakeTimer(100.0), warmup_iters=0, min_iters=30,
                          min_time_s=0.0, max_time_s=0.5)
    assert len(out) == 5


def test_loop_max_time_keeps_a_few_samples():
    # one call already exceeds max_time: still MIN_SAMPLES samples
    out = run_timing_loop(lambda: None, FakeTimer(5000.0), warmup_iters=0, min_iters=30,
                          min_time_s=1.0, max_time_s=0.5)
    assert len(out) == timing.MIN_SAMPLES


def test_loop_warmup_bounded_and_hook_runs_between():
    order: list[str] = []
    timer = FakeTimer(400.0)
    out = run_timing_loop(lambda: order.append("call"), timer, warmup_iters=100, min_iters=3,
                          min_time_s=0.0, max_time_s=1.0, after_warmup=lambda: order.append("hook"))
    # warm-up stops after 3 calls (1200 ms >= 1 s), then the hook, then 3 timed calls
    assert order == ["call"] * 3 + ["hook"] + ["call"] * 3
    assert out == [400.0] * 3


def test_perf_counter_timer_measures_ms(monkeypatch):
    # a scripted clock: the call takes exactly 12.5 ms of perf_counter_ns, which must read 12.5
    ticks = iter([1_000_000_000, 1_012_500_000])
    monkeypatch.setattr(timing.time, "perf_counter_ns", lambda: next(ticks))
    calls = []
    ms = PerfCounterTimer().time(lambda: calls.append(1))
    assert calls == [1] and ms == 12.5


# ------------------------------------------------------------------------------------- config


def test_validate_accepts_defaults_and_returns_self():
    c = LatencyConfig()
    assert c.validate(cuda_available=False) is c
    assert c.num_threads >= 1
    LatencyConfig(dtype="bf16").validate(cuda_available=False)  # bf16 on CPU is allowed
    LatencyConfig(mode="compile").validate(cuda_available=False)
    LatencyConfig(device="cuda", dtype="fp16", mode="cuda_graph").validate(cuda_available=True)


@pytest.mark.parametrize("kwargs, match", [
    (dict(dtype="fp16"), "fp16"),
    (dict(mode="cuda_graph"), "cuda_graph"),
    (dict(device="cuda"), "no CUDA"),
    (dict(device="tpu"), "device"),
    (dict(dtype="int8"), "dtype"),
    (dict(mode="jit"), "mode"),
    (dict(batch_size=0), "batch_size"),
    (dict(min_time_s=5.0, max_time_s=1.0), "max_time_s"),
])
def test_validate_rejects(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        LatencyConfig(**kwargs).validate(cuda_available=False)


def test_config_error_is_value_error_and_graph_error_is_measure_error():
    assert issubclass(ConfigError, ValueError)
    assert issubclass(CudaGraphError, MeasureError)


def test_measure_validates_before_work():
    model = tiny_model()
    with pytest.raises(ConfigError):
        measure(model, (3, 8, 8), LatencyConfig(mode="cuda_graph", **FAST))
    with pytest.raises(ConfigError):
        measure(model, (3, 8, 8), LatencyConfig(dtype="fp16", **FAST))


# ---------------------------------------------------------------------------------- clock choice


def test_timer_for_picks_clock_by_device():
    # CUDA events are created lazily: choosing the CUDA clock needs no GPU
    assert isinstance(timer_for("cpu"), PerfCounterTimer)
    assert isinstance(timer_for("cuda"), CudaEventTimer)
    assert isinstance(timer_for("cuda:0"), CudaEventTimer)


def test_gpu_state_without_gpu_is_none(monkeypatch):
    monkeypatch.setattr(environment, "_nvml", lambda: None)
    monkeypatch.setattr(environment.shutil, "which", lambda name: None)
    assert environment.gpu_state() == {"clock_mhz": None, "temp_c": None}


def test_noisy_rules():
    calm = LatencyStats.from_samples([10.0, 10.1, 10.0, 10.1], 1)
    assert not latency.is_noisy(calm, None, None)
    assert not latency.is_noisy(calm, 1980.0, 1900.0)
    assert latency.is_noisy(calm, 1980.0, 1500.0)  # clock fell > 10 %
    assert latency.is_noisy(LatencyStats.from_samples([10.0, 12.0, 14.0, 16.0], 1), None, None)


# --------------------------------------------------------------------------------------- measure


def test_capture_environment_fields():
    env = environment.capture_environment("cpu")
    hardware = {"hardware", "hardware_name"}   # the machine's identity: key columns of the row
    assert set(env) == set(environment.ENVIRONMENT_FIELDS) | hardware
    assert set(env) - hardware <= set(schema.ENV_COLUMNS) and hardware <= set(schema.CONFIG_COLUMNS)
    assert env["hardware"] == environment.cpu_hardware().identity and env["hardware"].startswith("cpu/")
    # the package version, as the rows' input keys hash it; the build's CUDA is its own field
    assert env["torch_version"] == environment.library_versions()["torch"]
    assert str(torch.__version__).startswith(env["torch_version"])
    assert env["cuda_version"] == torch.version.cuda
    assert env["gpu_name"] is None and env["python_version"]


def test_static_environment_needs_no_torch():
    import pathlib
    import subprocess
    import sys

    code = ("import sys; from efficiency.measure import environment as e; env = e.static_environment(); "
            "print(sorted(env) == sorted(e.ENVIRONMENT_FIELDS), 'torch' in sys.modules, bool(env['torch_version']))")
    root = pathlib.Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["True", "False", "True"], out.stderr[-2000:]


def test_measure_tiny_cpu_model_and_row():
    config = LatencyConfig(batch_size=2, channels_last=True, **FAST)
    result = measure(tiny_model(), (3, 16, 16), config)
    s = result.stats
    assert s.n_samples >= 5
    assert 0 < s.min_ms <= s.p50_ms <= s.p90_ms <= s.p99_ms <= s.max_ms
    assert s.throughput == pytest.approx(2000 / s.p50_ms)
    assert result.num_threads == 1
    assert result.mem_gpu_max_allocated_bytes is None and result.mem_cpu_rss_growth_bytes >= 0
    assert result.compile_time_s is None and result.gpu_clock_mhz_start is None

    row = result.to_row()
    expected = (set(schema.LATENCY_COLUMNS) | set(schema.CONFIG_COLUMNS)
                | set(schema.ENV_COLUMNS) - {"input_key", *schema.FAILED_COLUMNS})
    assert set(row) == expected
    assert row["kind"] == "latency" and row["device"] == "cpu" and row["channels_last"] is True
    assert row["latency_ms_p50"] == s.p50_ms and row["error"] == ""
    assert row["hardware"] == environment.cpu_hardware().identity
    assert row["device_name"] == environment.cpu_model()
    assert row["duration_s"] > 0 and row["measured_at"].endswith("+00:00")


def test_measure_restores_threads_and_uses_make_input():
    # start from a thread count the measurement (FAST: 1 thread) does not use, so a missing
    # restore shows
    before = torch.get_num_threads()
    torch.set_num_threads(2 if FAST["num_threads"] != 2 else 3)
    request = torch.get_num_threads()
    seen = []

    def make_input(batch, device, dtype):
        seen.append((batch, device, dtype))
        return torch.zeros(batch, 3, 8, 8, device=device, dtype=dtype)

    result = measure(tiny_model(), (3, 8, 8), LatencyConfig(batch_size=3, **FAST), make_input=make_input)
    assert seen == [(3, torch.device("cpu"), torch.float32)]
    after = torch.get_num_threads()
    torch.set_num_threads(before)
    assert after == request
    assert result.stats.n_samples >= 5


def test_measure_tuple_input_is_unpacked():
    class TwoFrames(torch.nn.Module):
        def forward(self, a, b):
            return a - b

    result = measure(TwoFrames(), (3, 4, 4), LatencyConfig(**FAST),
                     make_input=lambda n, d, t: (torch.ones(n, 3, 4, 4), torch.ones(n, 3, 4, 4)))
    assert result.stats.n_samples >= 5


def test_measure_bf16_autocast_on_cpu():
    seen = []

    class Probe(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(4, 4)

        def forward(self, x):
            y = self.lin(x)
            seen.append(y.dtype)
            return y

    measure(Probe(), (4,), LatencyConfig(dtype="bf16", **FAST))
    assert set(seen) == {torch.bfloat16}


def test_measure_compile_records_first_call(monkeypatch):
    # the plumbing only: a stand-in for torch.compile keeps this test fast
    import torch._dynamo

    compiled, resets = [], []
    monkeypatch.setattr(torch, "compile", lambda m: compiled.append(m) or m)
    monkeypatch.setattr(torch._dynamo, "reset", lambda: resets.append(1))
    result = measure(tiny_model(), (3, 8, 8), LatencyConfig(mode="compile", **FAST))
    assert len(compiled) == 1 and len(resets) == 1  # a fresh compile, not a cached one
    assert result.compile_time_s is not None and result.compile_time_s > 0
    assert result.to_row()["mode"] == "compile"


def test_channels_last_rejects_odd_rank():
    with pytest.raises(ConfigError, match="channels_last"):
        measure(torch.nn.Linear(4, 4), (4,), LatencyConfig(channels_last=True, **FAST))


# ------------------------------------------------------------------------------------ real CUDA


@needs_cuda
@pytest.mark.parametrize("mode, dtype", [("eager", "fp32"), ("eager", "bf16"), ("cuda_graph", "fp16")])
def test_measure_cuda(mode, dtype):
    config = LatencyConfig(device="cuda", batch_size=4, dtype=dtype, mode=mode, channels_last=True, **FAST)
    result = measure(tiny_model(), (3, 32, 32), config)
    row = result.to_row()
    assert result.stats.p50_ms > 0
    assert row["mem_gpu_max_allocated_bytes"] > 0
    assert row["mem_gpu_max_reserved_bytes"] >= row["mem_gpu_max_allocated_bytes"]
    assert row["mem_cpu_rss_growth_bytes"] is None
    assert row["gpu_name"] == torch.cuda.get_device_name() == row["device_name"]
    assert row["cuda_version"] == torch.version.cuda


@needs_cuda
def test_cuda_graph_memory_does_not_grow_across_measurements():
    config = LatencyConfig(device="cuda", batch_size=4, mode="cuda_graph", **FAST)
    model = tiny_model()
    first = measure(model, (3, 32, 32), config).mem_gpu_max_allocated_bytes
    for _ in range(3):
        again = measure(model, (3, 32, 32), config).mem_gpu_max_allocated_bytes
    assert again <= first + (1 << 20)


@needs_cuda
def test_cuda_graph_capture_failure_raises_cuda_graph_error():
    class Syncs(torch.nn.Module):
        def forward(self, x):
            return x * float(x.sum().item())  # a host sync: illegal during capture

    with pytest.raises(CudaGraphError, match="capture"):
        measure(Syncs(), (3, 8, 8), LatencyConfig(device="cuda", mode="cuda_graph", **FAST))
    # the device (and its random generator) is still usable for the eager fallback
    measure(Syncs(), (3, 8, 8), LatencyConfig(device="cuda", **FAST))
    assert torch.randn(4, device="cuda").isfinite().all()


@needs_cuda
def test_cuda_oom_is_measure_error():
    free, _ = torch.cuda.mem_get_info()
    side = int((free / 4) ** 0.5) + 1024  # one fp32 square input bigger than the free memory

    with pytest.raises(MeasureError, match="out of memory"):
        measure(torch.nn.Identity(), (side, side), LatencyConfig(device="cuda", **FAST),
                make_input=lambda n, d, t: torch.empty(n, side, side, device=d, dtype=t) * 2)
