"""The refresh-benchmark CLI: custom models, incremental no-op, bad input, Ctrl-C."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from efficiency.store import cache

ROOT = Path(__file__).resolve().parent.parent

MODELS = '''
import time
import torch
from torch import nn

def tiny():
    # conv 3->4, 3x3, 32x32 output (padding 1): 4*32*32*27 = 110592 MACs; linear 4->2: 8
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 2))

class Slow(nn.Module):
    def forward(self, x):
        time.sleep(600)   # far beyond the Ctrl-C test's wait: exiting in time means the worker was killed
        return x

def slow():
    return Slow()

class Crash(nn.Module):
    def forward(self, x):
        import os
        os._exit(3)   # as a segfault or the OOM killer would: the worker is gone

def crash():
    return Crash()

KILLED = __import__("pathlib").Path(__file__).with_name("killed")   # written just before the kill

class Killer(nn.Module):
    def forward(self, x):
        import os, signal
        KILLED.touch()
        os.kill(os.getpid(), signal.SIGKILL)

def killer():
    return Killer()

class Steady(nn.Module):
    # finishes only after the killer has died: it is running beside it when it dies
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        deadline = time.monotonic() + 120
        while not KILLED.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.conv(x)

def steady():
    return Steady()

def not_a_module():
    return 42

def broken():
    raise RuntimeError("cannot build")
'''


def run(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "efficiency.refresh", "--no-progress", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture()
def models_file(tmp_path):
    f = tmp_path / "mymodels.py"
    f.write_text(MODELS)
    return f


def test_custom_model_counted_then_noop_leaves_cache_untouched(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    args = ["--custom", f"{models_file}:tiny", "--input-size", "3,32,32", "--accuracy", "55.5",
            "--skip-latency", "--cache", str(db)]
    r = run(*args)
    assert r.returncode == 0, r.stderr
    df = cache.read(db)
    assert len(df) == 1
    row = df.iloc[0]
    assert row["macs"] == 110592 + 8 and row["flops"] == 2 * row["macs"]
    assert row["params"] == 4 * 27 + 4 + 4 * 2 + 2
    assert row["source"] == "custom" and row["user_accuracy"] == 55.5 and row["error"] == ""
    assert row["input_size"] == "3x32x32"
    stamp = (db.stat().st_mtime_ns, db.read_bytes())
    r = run(*args)
    assert r.returncode == 0 and "Nothing to do" in r.stdout
    assert (db.stat().st_mtime_ns, db.read_bytes()) == stamp


def test_custom_latency_row(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    r = run("--custom", f"{models_file}:tiny", "--input-size", "3,32,32", "--skip-counts",
            "--min-time", "0.05", "--max-time", "0.5", "--threads", "1", "--cache", str(db))
    assert r.returncode == 0, r.stderr
    lat = cache.read(db).iloc[0]
    assert lat["kind"] == "latency" and lat["device"] == "cpu" and lat["batch_size"] == 1
    assert 0 < lat["latency_ms_p50"] <= lat["latency_ms_p90"] <= lat["latency_ms_p99"]
    assert lat["num_threads"] == 1 and lat["cpu_model"]


def test_model_that_fails_to_build_becomes_error_row(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    r = run("--custom", f"{models_file}:broken", "--custom", f"{models_file}:tiny",
            "--input-size", "3,32,32", "--skip-latency", "--cache", str(db))
    assert r.returncode == 0, r.stderr
    df = cache.read(db).set_index("arch")
    assert "cannot build" in df.loc[f"{models_file}:broken", "error"]
    assert df.loc[f"{models_file}:tiny", "error"] == ""


@pytest.mark.parametrize("spec, message", [
    ("no_such_module_xyz:build", "import of 'no_such_module_xyz' failed"),
    ("{file}:missing", "has no attribute 'missing'"),
    ("not-an-entry-point", "expected 'package.module:callable'"),
])
def test_bad_custom_entry_points(tmp_path, models_file, spec, message):
    db = tmp_path / "c.parquet"
    r = run("--custom", spec.format(file=models_file), "--input-size", "3,32,32", "--cache", str(db))
    assert r.returncode == 2
    assert message in r.stderr
    assert not db.exists()


def test_unknown_model_exits_2_with_suggestions_and_cache_untouched(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    run("--custom", f"{models_file}:tiny", "--input-size", "3,32,32", "--skip-latency", "--cache", str(db))
    before = db.read_bytes()
    r = run("--models", "resnt50", "--skip-latency", "--cache", str(db))
    assert r.returncode == 2
    assert "resnt50" in r.stderr and "resnet50" in r.stderr
    assert db.read_bytes() == before


def test_broken_cache_is_reported_and_kept(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    db.write_bytes(b"garbage")
    r = run("--custom", f"{models_file}:tiny", "--input-size", "3,32,32", "--skip-latency", "--cache", str(db))
    assert r.returncode == 2 and str(db) in r.stderr
    assert db.read_bytes() == b"garbage"


@pytest.mark.parametrize("args, message", [
    (["--dtype", "fp16"], "fp16 on the CPU"),
    (["--device", "cpu", "--mode", "cuda_graph"], "cuda_graph"),
])
def test_unsupported_configurations_exit_2_before_work(tmp_path, models_file, args, message):
    db = tmp_path / "c.parquet"
    r = run("--custom", f"{models_file}:tiny", "--input-size", "3,32,32", *args, "--cache", str(db))
    assert r.returncode == 2 and message in r.stderr
    assert not db.exists()


def test_cuda_without_gpu_exits_2(tmp_path, models_file):
    import torch
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the refusal cannot be observed")
    r = run("--custom", f"{models_file}:tiny", "--input-size", "3,32,32", "--device", "cuda",
            "--cache", str(tmp_path / "c.parquet"))
    assert r.returncode == 2 and "no CUDA GPU" in r.stderr


def test_list_and_help():
    r = run("--help")
    assert r.returncode == 0 and "--skip-latency" in r.stdout and "multiply-add" in r.stdout
    r = run("--models", "resnet18", "--task", "classification", "--skip-latency", "--list",
            "--cache", "/nonexistent/dir/c.parquet")
    assert r.returncode == 0 and "torchvision/resnet18.IMAGENET1K_V1" in r.stdout


def test_ctrl_c_keeps_finished_rows(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    proc = subprocess.Popen(
        [sys.executable, "-m", "efficiency.refresh", "--no-progress", "--custom", f"{models_file}:tiny",
         "--custom", f"{models_file}:slow", "--input-size", "3,32,32",
         "--skip-latency", "--flush-every", "0", "--cache", str(db)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C as a terminal delivers it: a runner started in the background ('cmd &' in a script) has
        # SIGINT ignored, and a child inherits that, so the refresh would never see this signal
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not db.exists():
            time.sleep(0.2)
        assert db.exists(), "the first model's row was never flushed"
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        # generous for a loaded CI machine (a stopping worker may still be importing torch), and far below
        # the slow model's 600 s: a refresh that waited for it instead of killing its worker fails here
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:   # an assertion above failed: leave nothing running
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    df = cache.read(db)
    assert list(df["arch"]) == [f"{models_file}:tiny"]
    assert "Stopped" in out


def test_latency_max_gmacs_skips_big_models_and_tolerates_error_rows():
    from efficiency.run.plan import LatencySpec, plan
    from efficiency.zoo import load_zoo

    zoo = load_zoo()
    small, big, broken = (zoo.get(i) for i in ("torchvision/resnet18.IMAGENET1K_V1",
                                                 "torchvision/vit_h_14.IMAGENET1K_SWAG_E2E_V1",
                                                 "torchvision/alexnet.IMAGENET1K_V1"))
    existing = cache.normalise(__import__("pandas").DataFrame([
        {"model": small.id, "kind": "count", "batch_size": 1, "device": "cpu", "dtype": "fp32",
         "mode": "count", "channels_last": False, "macs": 1_814_000_000, "error": ""},
        {"model": big.id, "kind": "count", "batch_size": 1, "device": "cpu", "dtype": "fp32",
         "mode": "count", "channels_last": False, "macs": 1_016_000_000_000, "error": ""},
        {"model": broken.id, "kind": "count", "batch_size": 1, "device": "cpu", "dtype": "fp32",
         "mode": "count", "channels_last": False, "macs": None, "error": "boom"},
    ]))
    spec = LatencySpec("cpu", 1, "fp32", "eager")
    jobs = plan([small, big, broken], existing, {}, count=False, specs=[spec], force=False,
                retry_errors=False, device_names={"cpu": "x"}, latency_max_macs=20e9, threads=1)
    planned = {j.entries[0].id for j in jobs}
    assert planned == {small.id, broken.id}   # big skipped; unknown MACs are measured


def test_cuda_graph_batch_size_limits_graph_mode_to_those_batches():
    # the GPU sweep measures b1 eager + cuda_graph and b256 eager only; the spec list must say so
    # (validated as if a GPU were present, so this runs on CI's CPU)
    from efficiency.run.cli import build_parser, latency_specs

    args = build_parser().parse_args(["--device", "cuda", "--batch-size", "1", "256", "--dtype", "bf16",
                                      "--mode", "eager", "cuda_graph", "--cuda-graph-batch-size", "1"])
    got = {(s.batch_size, s.mode) for s in latency_specs(args, cuda_available=True)}
    assert got == {(1, "eager"), (1, "cuda_graph"), (256, "eager")}
    args = build_parser().parse_args(["--device", "cuda", "--mode", "eager", "cuda_graph"])
    got = {(s.batch_size, s.mode) for s in latency_specs(args, cuda_available=True)}
    assert got == {(1, "eager"), (1, "cuda_graph"), (256, "eager"), (256, "cuda_graph")}
    # both devices: CUDA graphs are measured on the GPU only, not refused for the CPU
    args = build_parser().parse_args(["--device", "cpu", "cuda", "--mode", "eager", "cuda_graph"])
    got = {(s.device, s.batch_size, s.mode) for s in latency_specs(args, cuda_available=True)}
    assert got == {("cpu", 1, "eager"), ("cuda", 1, "eager"), ("cuda", 1, "cuda_graph"),
                   ("cuda", 256, "eager"), ("cuda", 256, "cuda_graph")}


def test_arguments_from_a_file(tmp_path):
    # long model lists travel as @file, one argument per line
    from efficiency.run.cli import build_parser

    f = tmp_path / "args.txt"
    f.write_text("--models\ntimm/resnet50.a1_in1k@224\nresnet18\n--skip-counts\n")
    args = build_parser().parse_args([f"@{f}", "--batch-size", "1"])
    assert args.models == ["timm/resnet50.a1_in1k@224", "resnet18"]
    assert args.skip_counts and args.batch_size == [1]


def test_stale_family_labels_are_relabelled_not_recomputed(tmp_path):
    # rows written under an older family rule keep their measurements; a refresh with nothing
    # to recompute still brings their labels in line with the zoo
    import pandas as pd

    from efficiency.run.plan import count_key, stale_labels
    from efficiency.measure.environment import library_versions
    from efficiency.zoo import load_zoo

    e = load_zoo().get("timm/convnextv2_atto.fcmae_ft_in1k@224")
    rows = cache.normalise(pd.DataFrame([
        {"model": e.id, "arch": e.arch, "family": "convnextv", "paper": "", "kind": "count", "batch_size": 1,
         "device": "cpu", "dtype": "fp32", "mode": "count", "channels_last": False, "hardware": "any",
         "macs": 123, "error": "", "input_key": count_key(e, library_versions())},   # up to date: nothing to recount
    ]))
    out = stale_labels(rows, [e])
    assert list(out["family"]) == ["convnextv2"] and list(out["macs"]) == [123]
    fixed = rows.assign(family="convnextv2")
    assert stale_labels(fixed, [e]).empty
    db = tmp_path / "c.parquet"
    cache.write_atomic(rows, db)
    r = run("--models", e.id, "--skip-latency", "--cache", str(db))
    assert r.returncode == 0, r.stderr
    assert "Nothing to do" in r.stdout and "labels of 1 cached row to" in r.stdout
    after = cache.read(db)
    assert set(after["family"]) == {"convnextv2"}
    assert list(after["macs"]) == [123]            # relabelled, not recounted


@pytest.mark.parametrize("skip", ["--skip-latency", "--skip-counts"])
def test_worker_crash_is_blamed_on_its_model_and_recorded(tmp_path, models_file, skip):
    # two workers: the executor knows which job each worker runs, so the error row names the
    # model that crashed, in the kind of row that was asked for, and the other model is measured
    db = tmp_path / "c.parquet"
    r = run("--custom", f"{models_file}:tiny", "--custom", f"{models_file}:crash", "--input-size", "3,32,32",
            skip, "--jobs", "2", "--min-time", "0.01", "--max-time", "0.2", "--cache", str(db))
    assert r.returncode == 0, r.stderr
    df = cache.read(db).set_index("arch")
    kind = "count" if skip == "--skip-latency" else "latency"
    assert set(df["kind"]) == {kind}
    assert "worker process died while measuring this model (exit code 3)" in df.loc[f"{models_file}:crash", "error"]
    assert df.loc[f"{models_file}:tiny", "error"] == ""
    assert "worker crashed on: custom/" in r.stdout


def test_local_executor_blames_only_the_job_whose_worker_died(models_file):
    # two workers side by side: one job SIGKILLs its worker while the other job runs (the steady
    # model cannot finish before the killer's marker exists). The executor knows which job each
    # worker ran, so the other job's rows arrive and only the killer gets crash rows; the dead
    # worker is replaced (a third job runs) and every worker is gone after shutdown
    import multiprocessing

    from efficiency.run.executor import LocalExecutor
    from efficiency.run.plan import plan
    from efficiency.run.rows import WORKER_DIED
    from efficiency.zoo.custom import custom_entry

    killer, steady, tiny = (custom_entry(f"{models_file}:{name}", "3,32,32")
                            for name in ("killer", "steady", "tiny"))
    jobs = plan([killer, steady, tiny], cache.empty_frame(), {}, count=True, specs=[], force=False,
                retry_errors=False, device_names={"cpu": "test cpu"}, latency_max_macs=None, threads=1)
    assert [j.head.id for j in jobs] == [killer.id, steady.id, tiny.id]
    got = []
    deadline = time.monotonic() + 300
    with LocalExecutor(2) as ex:
        for job in jobs:
            ex.submit(job)
        while ex.outstanding and time.monotonic() < deadline:
            got += ex.finished(timeout=5)
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("efficiency-worker")]
    done = {f.job.head.id: f for f in got}
    assert set(done) == {killer.id, steady.id, tiny.id}
    assert done[killer.id].crash == f"{WORKER_DIED} (killed by SIGKILL)"
    assert [(r["model"], r["kind"], r["error"]) for r in done[killer.id].rows] == [
        (killer.id, "count", done[killer.id].crash)]
    for ok in (steady, tiny):
        assert done[ok.id].crash == "", (ok.id, done[ok.id])
        assert [(r["model"], r["error"]) for r in done[ok.id].rows] == [(ok.id, "")]
    assert done[steady.id].rows[0]["macs"] == 4 * 32 * 32 * 27
