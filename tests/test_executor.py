"""The local executor under faults: a task past its time limit, a worker past its memory limit, a
worker that dies, and a refresh killed with SIGKILL (nothing of it may survive)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from efficiency.run.executor import LocalExecutor
from efficiency.run.limits import Limits
from efficiency.run.plan import LatencySpec, plan
from efficiency.store import cache
from efficiency.zoo.custom import custom_entry

ROOT = Path(__file__).resolve().parent.parent

MODELS = '''
import time
from pathlib import Path
import torch
from torch import nn

def tiny():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 2))

class Hang(nn.Module):
    def forward(self, x):
        Path(__file__).with_name("hang.started").touch()
        time.sleep(3600)
        return x

def hang():
    return Hang()

class Hungry(nn.Module):
    def forward(self, x):
        held = torch.ones(3 * 2 ** 28)   # 3 GiB of float32, every page touched
        time.sleep(120)
        return x + held[0]

def hungry():
    return Hungry()

class SlowCount(nn.Conv2d):
    # fast when timed (a plain conv), stuck while counted: FlopCounterMode is active then
    def forward(self, x):
        from torch.utils._python_dispatch import _get_current_dispatch_mode_stack
        if _get_current_dispatch_mode_stack():
            time.sleep(3600)
        return super().forward(x)

def slow_count():
    return SlowCount(3, 4, 3)
'''


@pytest.fixture()
def models_file(tmp_path):
    f = tmp_path / "limitmodels.py"
    f.write_text(MODELS)
    return f


def _jobs(models_file, names, specs=()):
    entries = [custom_entry(f"{models_file}:{n}", "3,32,32") for n in names]
    return plan(entries, cache.empty_frame(), {}, count=True, specs=list(specs), force=False,
                retry_errors=False, device_names={"cpu": "test cpu"}, latency_max_macs=None, threads=1)


def _run_all(executor, jobs, deadline_s=300, arrivals=None):
    """Run ``jobs``; {model name: Finished}. ``arrivals`` (a dict) gets each one's wall-clock time."""
    got = []
    deadline = time.monotonic() + deadline_s
    with executor as ex:
        for job in jobs:
            ex.submit(job)
        while ex.outstanding and time.monotonic() < deadline:
            for f in ex.finished(timeout=5):
                got.append(f)
                if arrivals is not None:
                    arrivals[f.job.head.arch.rsplit(":", 1)[1]] = time.time()
    return {f.job.head.arch.rsplit(":", 1)[1]: f for f in got}


def _worker_processes():
    import multiprocessing
    return [p for p in multiprocessing.active_children() if p.name.startswith("efficiency-worker")]


def test_task_past_its_time_limit_is_killed_recorded_and_replaced(models_file):
    # one worker: the hung model must not block the model queued behind it
    jobs = _jobs(models_file, ["hang", "tiny"])
    arrivals = {}
    done = _run_all(LocalExecutor(1, limits=Limits(count_timeout_s=3)), jobs, arrivals=arrivals)
    # from the moment the hung forward began to its error row: its limit (the task also built the
    # model before that moment) plus at most 10 s
    hung_for = arrivals["hang"] - models_file.with_name("hang.started").stat().st_mtime
    assert set(done) == {"hang", "tiny"}
    hang = done["hang"]
    assert [r["kind"] for r in hang.rows] == ["count"]
    assert hang.rows[0]["error"] == hang.crash
    assert "time limit of 3 s" in hang.crash and "--count-timeout" in hang.crash
    assert done["tiny"].crash == "" and done["tiny"].rows[0]["error"] == ""
    assert done["tiny"].rows[0]["macs"] == 4 * 32 * 32 * 27 + 8
    assert hung_for <= 3 + 10, hung_for
    assert not _worker_processes()


def test_rows_of_finished_tasks_survive_a_kill_and_the_rest_are_errors(models_file):
    # latency runs first and finishes; the count hangs and is killed: the latency row is kept
    spec = LatencySpec("cpu", 1, "fp32", "eager", min_time_s=0.01, max_time_s=0.2)
    jobs = _jobs(models_file, ["slow_count"], [spec])
    done = _run_all(LocalExecutor(1, limits=Limits(count_timeout_s=20, latency_timeout_s=120)), jobs)
    rows = {r["kind"]: r for r in done["slow_count"].rows}
    assert set(rows) == {"latency", "count"}
    assert rows["latency"]["error"] == "" and rows["latency"]["latency_ms_p50"] > 0
    assert "time limit of 20 s" in rows["count"]["error"]


def test_worker_past_its_memory_limit_is_killed(models_file):
    jobs = _jobs(models_file, ["hungry", "tiny"])
    done = _run_all(LocalExecutor(1, limits=Limits(memory_bytes=2 * 2 ** 30)), jobs)
    assert "memory passed its limit of 2.00 GiB" in done["hungry"].crash
    assert done["hungry"].rows[0]["error"] == done["hungry"].crash
    assert done["tiny"].rows[0]["error"] == ""


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"   # a zombie has exited; only its parent's wait is missing


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_refresh_killed_with_sigkill_leaves_no_process(tmp_path, models_file):
    proc = subprocess.Popen(
        [sys.executable, "-m", "efficiency.refresh", "--no-progress", "--custom", f"{models_file}:hang",
         "--input-size", "3,32,32", "--skip-latency", "--cache", str(tmp_path / "c.parquet")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        marker = models_file.with_name("hang.started")
        deadline = time.monotonic() + 180
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), "the worker never started the model"
        family = _descendants(proc.pid)   # forkserver, resource tracker, worker
        assert len(family) >= 2, family
    finally:
        os.kill(proc.pid, signal.SIGKILL)   # also when an assertion above failed
        proc.wait()
    time.sleep(10)
    survivors = {p for p in family if _alive(p)}
    for p in survivors:   # do not leave them to the next test
        os.kill(p, signal.SIGKILL)
    assert not survivors


def test_worker_outlives_sigterm_and_shutdown_still_ends_it(models_file):
    # SIGTERM to the process group must reach only the refresh, which stops the workers itself: a
    # worker that died of it would have its model recorded as a crash
    jobs = _jobs(models_file, ["hang"])
    ex = LocalExecutor(1, limits=Limits(count_timeout_s=600))
    try:
        ex.submit(jobs[0])
        marker = models_file.with_name("hang.started")
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline:
            assert ex.finished(timeout=0.5) == []
        (worker,) = _worker_processes()
        os.kill(worker.pid, signal.SIGTERM)
        assert ex.finished(timeout=3) == []     # nothing came back: the job is still running
        assert worker.is_alive()
    except BaseException:
        ex.shutdown()
        raise
    t0 = time.monotonic()
    ex.shutdown()
    assert not worker.is_alive() and time.monotonic() - t0 < 5


def test_workers_do_not_rerun_the_parents_main_script(models_file, tmp_path, monkeypatch):
    # multiprocessing re-runs the parent's main script in each new process; a parent whose main is
    # an app (Streamlit, a notebook, a test runner that executed one) must not have it run again
    # inside the workers, where it would kill them
    import types

    script = tmp_path / "app_main.py"
    script.write_text("raise SystemExit('the main script ran inside a worker')\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake)
    done = _run_all(LocalExecutor(1), _jobs(models_file, ["tiny"]))
    assert done["tiny"].crash == "" and done["tiny"].rows[0]["error"] == ""
    assert sys.modules["__main__"] is fake
