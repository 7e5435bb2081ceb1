"""The Dask executor (CPU only): the same rows as the local executor, a worker killed mid-task loses no
row (the task is retried once elsewhere), a task whose worker dies twice becomes an error row, and an
unreachable scheduler is refused before any work (exit 2)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from efficiency.run.executor import LocalExecutor  # noqa: E402
from efficiency.run.executor_dask import DIED_TWICE, DaskExecutor, local_cluster  # noqa: E402
from efficiency.run.plan import plan, row_key  # noqa: E402
from efficiency.store import cache  # noqa: E402
from efficiency.zoo.custom import custom_entry  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

MODELS = '''
import os
import time
from pathlib import Path
from torch import nn

HERE = Path(__file__).parent

def _net(width):
    return nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(width, 2))

def w2(): return _net(2)
def w4(): return _net(4)
def w6(): return _net(6)
def w8(): return _net(8)

class Victim(nn.Conv2d):
    # the first attempt announces its worker's pid and waits to be killed; the retry runs normally
    def forward(self, x):
        marker = HERE / "victim.pid"
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            time.sleep(600)
        return super().forward(x)

def victim(): return Victim(3, 4, 3)

class Killer(nn.Module):
    # kills its worker on every attempt, and counts the attempts
    def forward(self, x):
        with open(HERE / "killer.attempts", "a") as f:
            f.write("x")
        os.kill(os.getpid(), 9)

def killer(): return Killer()
'''


@pytest.fixture(scope="module")
def models_file(tmp_path_factory):
    f = tmp_path_factory.mktemp("daskmodels") / "daskmodels.py"
    f.write_text(MODELS)
    return f


@pytest.fixture(scope="module")
def cluster():
    cl, client = local_cluster(cpu_workers=2, gpus=0, memory_limit=None)
    yield cl, client
    client.close()
    cl.close()


def _jobs(models_file, names):
    entries = [custom_entry(f"{models_file}:{n}", "3,32,32") for n in names]
    return plan(entries, cache.empty_frame(), {}, count=True, specs=[], force=False, retry_errors=False,
                device_names={"cpu": "test cpu"}, latency_max_macs=None, threads=1)


def _run(executor, jobs, deadline_s=240):
    got = []
    deadline = time.monotonic() + deadline_s
    for job in jobs:
        executor.submit(job)
    while executor.outstanding and time.monotonic() < deadline:
        got += executor.finished(timeout=1)
    assert not executor.outstanding, "jobs did not come back in time"
    return got


def _table(finished):
    """key -> (macs, params, input_key, error) of every row."""
    rows = [r for f in finished for r in f.rows]
    return {row_key(r): (r.get("macs"), r.get("params"), r["input_key"], r["error"]) for r in rows}


def test_dask_rows_equal_the_local_executors(models_file, cluster):
    names = ["w2", "w4", "w6", "w8"]
    with LocalExecutor(2) as ex:
        local = _table(_run(ex, _jobs(models_file, names)))
    dask = _table(_run(DaskExecutor(cluster[1]), _jobs(models_file, names)))
    assert len(local) == len(names) and dask == local
    assert all(err == "" for *_, err in dask.values())
    macs = {k[0].rsplit(":", 1)[1].split("@")[0]: v[0] for k, v in dask.items()}
    assert macs["w4"] == 4 * 32 * 32 * 27 + 4 * 2   # conv 3->4 3x3 at 32x32, linear 4->2
    assert {k[-1] for k in dask} == {"any"}        # count rows: hardware-independent


def test_worker_killed_mid_task_loses_no_row(models_file, cluster):
    marker = models_file.with_name("victim.pid")
    ex = DaskExecutor(cluster[1])
    jobs = _jobs(models_file, ["victim", "w2", "w4", "w6"])
    for job in jobs:
        ex.submit(job)
    got = []
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline:
        got += ex.finished(timeout=0.5)
    assert marker.exists(), "the victim never started"
    time.sleep(0.5)   # the pid is written before the sleep begins
    os.kill(int(marker.read_text()), signal.SIGKILL)
    got += _run(ex, [])
    rows = _table(got)
    assert len(got) == len(jobs) and len(rows) == len(jobs)
    assert all(err == "" for *_, err in rows.values()), rows
    assert all(f.crash == "" for f in got)


def test_task_whose_worker_dies_twice_is_an_error_row(models_file):
    # in a fresh process with a cluster of its own, as a refresh runs it: inside the long test session
    # (thousands of tests, their fork servers and Streamlit scripts) the retried task once never came
    # back. One task after the other: a task being handed to a worker when the killer takes it down
    # shares that death (Dask counts it against every task the worker held)
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; from pathlib import Path; "
            "import test_executor_dask as t; from efficiency.run.executor_dask import DaskExecutor, local_cluster; "
            "cl, client = local_cluster(cpu_workers=2, gpus=0, memory_limit=None); "
            "t._dies_twice(Path(sys.argv[3]), DaskExecutor(client)); client.close(); cl.close(); print('ok')")
    r = subprocess.run([sys.executable, "-c", code, str(ROOT), str(ROOT / "tests"), str(models_file)],
                       cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stdout[-2000:] + r.stderr[-4000:]


def _dies_twice(models_file, ex):
    got = _run(ex, _jobs(models_file, ["killer"])) + _run(ex, _jobs(models_file, ["w8"]))
    by = {f.job.head.arch.rsplit(":", 1)[1]: f for f in got}
    assert by["killer"].crash == DIED_TWICE
    assert [r["error"] for r in by["killer"].rows] == [DIED_TWICE]
    assert models_file.with_name("killer.attempts").read_text() == "xx"   # retried once, not more
    assert by["w8"].crash == "" and by["w8"].rows[0]["error"] == ""


def test_unreachable_scheduler_exits_2_before_any_work(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    r = subprocess.run([sys.executable, "-m", "efficiency.refresh", "--no-progress", "--executor", "dask",
                        "--scheduler", "tcp://127.0.0.1:1", "--custom", f"{models_file}:w2",
                        "--input-size", "3,32,32", "--skip-latency", "--cache", str(db)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:1")
    assert len(r.stderr.strip().splitlines()) == 1
    assert not db.exists()


def test_scheduler_needs_the_dask_executor(tmp_path, models_file):
    r = subprocess.run([sys.executable, "-m", "efficiency.refresh", "--scheduler", "tcp://127.0.0.1:1",
                        "--custom", f"{models_file}:w2", "--input-size", "3,32,32",
                        "--cache", str(tmp_path / "c.parquet")], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "--scheduler needs --executor dask" in r.stderr


@pytest.mark.parametrize("reply", [b"", b"HTTP/1.1 200 OK\r\n\r\n" + b"\xff" * 64], ids=["silent", "garbage"])
def test_a_port_that_is_not_a_scheduler_is_one_line_in_bounded_time(reply):
    """A server that accepts the connection but does not speak Dask's protocol (the dashboard's port typed
    for the scheduler's) left refresh waiting with no output for 10 minutes, or failed with a traceback
    (CLICHECK F1): one ClusterError line, within Client's timeout plus the grace period."""
    import socket
    import threading
    import time
    from efficiency.run.executor_dask import CONNECT_GRACE_S, connect
    from efficiency.run.machines import ClusterError

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    held = []

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            held.append(conn)
            if reply:
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    t0 = time.monotonic()
    try:
        with pytest.raises(ClusterError) as err:
            connect(f"tcp://127.0.0.1:{srv.getsockname()[1]}", timeout_s=2.0)
    finally:
        srv.close()
        for c in held:
            c.close()
    assert time.monotonic() - t0 < 2.0 + CONNECT_GRACE_S + 3
    assert len(str(err.value).splitlines()) == 1 and "--scheduler" in str(err.value)
