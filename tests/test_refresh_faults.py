"""The refresh under faults: bad options, an unwritable or full disk, two runs at once, corrupt
caches, a failure after a success, SIGTERM, stale temporary files (issue 10)."""
import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from efficiency.run import cli
from efficiency.store import cache

ROOT = Path(__file__).resolve().parent.parent

MODELS = '''
import time
from pathlib import Path
from torch import nn

HERE = Path(__file__).parent

def tiny():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 2))

def tiny2():
    return nn.Sequential(nn.Conv2d(3, 2, 1), nn.Flatten())

def marked():
    # proves that a worker built a model: a run refused up front never gets here
    (HERE / "built").touch()
    return tiny()

def gated():
    # "started" says the run is under way; it goes on once the test creates "go"
    (HERE / "started").touch()
    deadline = time.monotonic() + 120
    while not (HERE / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return tiny()

class Slow(nn.Module):
    def forward(self, x):
        time.sleep(60)
        return x

def slow_marked():
    # built only after the job before it came back (one worker): its rows are in the parent
    (HERE / "started").touch()
    return Slow()
'''

BROKEN = '''
def tiny():
    raise RuntimeError("now broken")
'''


def run(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "efficiency.refresh", "--no-progress", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


_STARTED: list[subprocess.Popen] = []


def start(*args, env=None):
    proc = subprocess.Popen([sys.executable, "-m", "efficiency.refresh", "--no-progress", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    _STARTED.append(proc)
    return proc


@pytest.fixture(autouse=True)
def _no_refresh_left_running():
    """A test that fails half-way must not leave its refresh (and, through their lifeline, its
    workers) running into the next tests."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def wait_for(path: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert path.exists(), f"{path} never appeared"


def main_code(argv: list[str]) -> int:
    """cli.main in this process (argparse's refusals exit through SystemExit)."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return exc.code


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.fixture()
def models_file(tmp_path):
    f = tmp_path / "mymodels.py"
    f.write_text(MODELS)
    return f


def tiny_args(models_file, db, *names, size="3,32,32"):
    custom = [a for n in (names or ("tiny",)) for a in ("--custom", f"{models_file}:{n}")]
    return [*custom, "--input-size", size, "--skip-latency", "--cache", str(db)]


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize("bad, message", [
    (["--threads", "0"], "--threads must be at least 1"),
    (["--threads", "-2"], "--threads must be at least 1"),
    (["--min-time", "nan", "--max-time", "nan"], "--min-time must be a finite"),
    (["--max-time", "nan"], "--max-time must be a finite"),
    (["--min-time", "inf"], "--min-time must be a finite"),
    (["--max-time", "inf"], "--max-time must be a finite"),
    (["--min-time", "-1"], "--min-time must be a finite"),
    (["--max-time", "0"], "--max-time must be a finite"),
    (["--min-time", "2", "--max-time", "1"], "--max-time 1 is below --min-time 2"),
    (["--batch-size", "0"], "batch sizes must be at least 1"),            # even with --skip-latency
    (["--batch-size", "1", "-3"], "batch sizes must be at least 1"),
    (["--cuda-graph-batch-size", "0"], "batch sizes must be at least 1"),
    (["--latency-max-gmacs", "-1"], "--latency-max-gmacs must be"),
    (["--latency-max-gmacs", "nan"], "--latency-max-gmacs must be"),
    (["--latency-max-gmacs", "inf"], "--latency-max-gmacs must be"),
    (["--flush-every", "-1"], "--flush-every must be"),
    (["--flush-every", "nan"], "--flush-every must be"),
    (["--flush-every", "inf"], "--flush-every must be"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--jobs", "-4"], "--jobs must be at least 1"),
    (["--count-timeout", "0"], "--count-timeout must be a finite number above 0"),
    (["--count-timeout", "nan"], "--count-timeout must be a finite number above 0"),
    (["--latency-timeout", "-1"], "--latency-timeout must be a finite number above 0"),
    (["--latency-timeout", "inf"], "--latency-timeout must be a finite number above 0"),
    (["--memory-limit", "0"], "--memory-limit must be a finite number above 0"),
    (["--memory-limit", "nan"], "--memory-limit must be a finite number above 0"),
    (["--threads", "many"], "invalid int value"),                          # argparse's own refusal
    (["--skip-counts"], "leave nothing to do"),
])
def test_bad_option_exits_2_with_one_line_before_any_work(tmp_path, models_file, capsys, bad, message):
    db = tmp_path / "c.parquet"
    before = set(tmp_path.iterdir())
    assert main_code(["--no-progress", *tiny_args(models_file, db, "marked"), *bad]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert message in line
    assert set(tmp_path.iterdir()) == before      # no cache, no lock file, no model built


def test_bad_option_through_the_command_line_has_no_traceback(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    r = run(*tiny_args(models_file, db), "--min-time", "nan", "--max-time", "nan")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--min-time" in one_error_line(r.stderr) and not db.exists()


def test_merge_of_a_missing_file_is_refused(tmp_path, capsys):
    assert cli.main(["--cache", str(tmp_path / "c.parquet"), "--merge", str(tmp_path / "none.parquet")]) == 2
    assert "no such file" in one_error_line(capsys.readouterr().err)


def test_merge_of_a_malformed_file_names_it_and_leaves_the_cache(tmp_path, capsys):
    db, bad = tmp_path / "c.parquet", tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    assert cli.main(["--cache", str(db), "--merge", str(bad)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"cannot merge {bad}" in line and "nothing was merged" in line and "--cache" not in line
    assert not db.exists()


def test_sigterm_handler_is_restored(tmp_path, capsys):
    before = signal.getsignal(signal.SIGTERM)
    cli.main(["--threads", "0", "--cache", str(tmp_path / "c.parquet")])
    assert signal.getsignal(signal.SIGTERM) is before


def test_jobs_above_the_builds_are_capped_with_a_note(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    r = run(*tiny_args(models_file, db, "tiny", "tiny2"), "--jobs", "8")
    assert r.returncode == 0, r.stderr
    notes = [line for line in r.stdout.splitlines() if "capped" in line]
    assert notes == ["Note: --jobs 8 capped to 2: only 2 builds to run."]
    assert len(cache.read(db)) == 2


def test_limits_are_named_in_help_with_their_defaults():
    from efficiency.run import limits

    text = " ".join(cli.build_parser().format_help().split())
    assert f"--count-timeout SECONDS time limit of a count (default {limits.COUNT_TIMEOUT_S:g})" in text
    assert f"(default {limits.LATENCY_TIMEOUT_S:g})" in text and "--memory-limit GIB" in text
    assert "divided by --jobs" in text
    args = cli.build_parser().parse_args(["--memory-limit", "1.5", "--count-timeout", "7"])
    got = cli.task_limits(args, workers=2)
    assert (got.count_timeout_s, got.latency_timeout_s, got.memory_bytes) == (
        7.0, limits.LATENCY_TIMEOUT_S, int(1.5 * 2**30))
    assert cli.task_limits(cli.build_parser().parse_args([]), workers=4).memory_bytes == \
        limits.default_memory_bytes(4)


# --------------------------------------------------------------------------- the disk


@contextlib.contextmanager
def tmpfs(folder: Path, options: str):
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_read_only_folder_exits_2_before_any_work(tmp_path, models_file):
    if os.geteuid() != 0:
        pytest.skip("a read-only tmpfs needs root (root ignores permission bits)")
    with tmpfs(tmp_path / "ro", "ro,size=1m") as ro:
        r = run(*tiny_args(models_file, ro / "c.parquet", "marked"))
        assert r.returncode == 2
        assert re.search("not writable|cannot write", one_error_line(r.stderr)) and str(ro) in r.stderr
        assert not (tmp_path / "built").exists()     # refused before a worker built anything
        assert list(ro.iterdir()) == []


def test_missing_cache_folder_is_refused_not_created(tmp_path, models_file):
    missing = tmp_path / "no" / "such"
    r = run(*tiny_args(models_file, missing / "c.parquet", "marked"))
    assert r.returncode == 2 and "does not exist" in one_error_line(r.stderr)
    assert not missing.parent.exists() and not (tmp_path / "built").exists()


def _fill(folder: Path) -> Path:
    """Write into ``folder`` until its file system is full."""
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        chunk = b"\0" * 2**20
        with contextlib.suppress(OSError):
            while True:
                fh.write(chunk)
                fh.flush()
    with pytest.raises(OSError):
        with open(folder / "probe", "wb") as fh:
            fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
    return filler


def test_full_disk_mid_run_keeps_every_row_in_a_side_file(tmp_path, models_file):
    # the disk passes the check before the work (64 MiB free) and fills while the first model runs:
    # no merge can land, the rows go to a side file (the cache's folder is full, so the user cache
    # directory), the run exits 1 and prints the command that merges them once there is room
    if os.geteuid() != 0:
        pytest.skip("a tmpfs needs root (see test_merge_failures_keep_rows_pending for the logic)")
    user_cache = tmp_path / "user-cache"
    with tmpfs(tmp_path / "disk", "size=70m") as disk:
        db = disk / "c.parquet"
        proc = start(*tiny_args(models_file, db, "gated", "tiny2"), "--flush-every", "0",
                     env={"EFFICIENCY_CACHE_DIR": str(user_cache)})
        wait_for(tmp_path / "started")
        filler = _fill(disk)
        (tmp_path / "go").touch()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err
        assert "warning: could not merge" in out and "FAILED: 2 rows could not be merged" in out
        assert not db.exists() and not list(disk.glob(".c.parquet.*.tmp"))
        command = out.strip().splitlines()[-1].strip()
        argv = shlex.split(command)
        assert argv[:3] == ["python", "-m", "efficiency.refresh"] and "--merge" in argv
        side = Path(argv[argv.index("--merge") + 1])
        assert side.parent == user_cache and side.exists()
        filler.unlink()
        r = subprocess.run([sys.executable, *argv[1:]], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "2 rows written" in r.stdout
        df = cache.read(db)
        assert sorted(df["arch"]) == sorted(f"{models_file}:{n}" for n in ("gated", "tiny2"))
        assert set(df["error"]) == {""}


def _finished(model: str, error: str = ""):
    row = {"model": model, "kind": "count", "batch_size": 1, "device": "cpu", "dtype": "fp32",
           "mode": "count", "channels_last": False, "macs": 7, "error": error, "input_key": "k"}
    job = types.SimpleNamespace(head=types.SimpleNamespace(id=model, arch=model))
    return types.SimpleNamespace(job=job, rows=[row], crash="")


def test_merge_failures_keep_rows_pending(tmp_path, monkeypatch):
    # in process (no root needed): a merge that fails keeps its rows for the next flush; rows still
    # unmerged at the end go to a side file that merge_file recovers
    from efficiency.run.sweep import Recorder

    db = tmp_path / "c.parquet"
    real = cache.merge_rows
    failing = {"on": True}

    def merge(rows, path, force=False):
        if failing["on"]:
            raise OSError(28, "No space left on device")
        return real(rows, path, force=force)

    monkeypatch.setattr(cache, "merge_rows", merge)
    rec = Recorder(db, flush_every=0, total=3, progress=False)
    rec.record(_finished("a"))
    rec.flush()
    assert rec.unmerged == 1 and "No space left" in rec.merge_error and not db.exists()
    failing["on"] = False
    rec.record(_finished("b"))
    rec.flush()                                     # the retry takes both
    assert rec.unmerged == 0 and rec.written == 2 and rec.merge_error == ""
    failing["on"] = True
    rec.record(_finished("c"))
    rec.close()
    assert rec.unmerged == 1 and rec.side_file is not None and rec.side_file.parent == tmp_path
    failing["on"] = False
    assert cache.merge_file(rec.side_file, db).written == 1
    assert sorted(cache.read(db)["model"]) == ["a", "b", "c"]


def test_summary_prints_the_side_file_and_the_merge_command(tmp_path, capsys):
    from efficiency.run.summary import print_summary
    from efficiency.run.sweep import Recorder

    db, side = tmp_path / "my cache.parquet", tmp_path / "side.parquet"
    rec = Recorder(db, flush_every=0, total=1, progress=False, force=True)
    rec.record(_finished("a"))
    rec.side_file, rec.merge_error = side, "OSError: full"
    print_summary(rec, [], 1, 1.0, interrupted=False)
    out = capsys.readouterr().out
    assert "FAILED: 1 row could not be merged" in out
    assert f"python -m efficiency.refresh --cache '{db}' --merge {side} --force" in out


def test_stale_temp_file_is_removed_by_the_next_refresh(tmp_path, models_file):
    db = tmp_path / "c.parquet"
    stale = tmp_path / ".c.parquet.k3j2h1.tmp"          # as a merge killed mid-write leaves it
    stale.write_bytes(b"half a parquet")
    other = tmp_path / ".other.parquet.x.tmp"          # another file's: not ours to remove
    other.write_bytes(b"x")
    r = run(*tiny_args(models_file, db))
    assert r.returncode == 0, r.stderr
    assert not stale.exists() and other.exists() and len(cache.read(db)) == 1


# --------------------------------------------------------------------------- concurrency, signals


def test_two_refreshes_at_once_on_one_cache_both_land(tmp_path):
    # each run waits at its first model until both are under way, so their merges overlap
    files = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        files.append(tmp_path / name / "mymodels.py")
        files[-1].write_text(MODELS)
    db = tmp_path / "c.parquet"
    procs = [start(*tiny_args(f, db, "gated", "tiny2"), "--flush-every", "0") for f in files]
    for f in files:
        wait_for(f.with_name("started"))
    for f in files:
        f.with_name("go").touch()
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    df = cache.read(db)
    assert sorted(df["arch"]) == sorted(f"{f}:{n}" for f in files for n in ("gated", "tiny2"))
    assert set(df["error"]) == {""}


def test_sigterm_stops_like_ctrl_c_merges_and_exits_143(tmp_path, models_file):
    # --flush-every is an hour: the finished row reaches the cache only through the final merge
    db = tmp_path / "c.parquet"
    proc = start(*tiny_args(models_file, db, "tiny", "slow_marked"), "--flush-every", "3600")
    wait_for(tmp_path / "started")
    time.sleep(1.0)
    assert not db.exists()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Stopped" in out and "Traceback" not in err
    assert list(cache.read(db)["arch"]) == [f"{models_file}:tiny"]


def test_sigterm_to_the_whole_process_group_records_no_crash(tmp_path, models_file):
    # a service manager or a terminal signals every process of the group: the workers must leave it
    # to the refresh, or the model they were running would be recorded as having crashed them
    db = tmp_path / "c.parquet"
    proc = subprocess.Popen([sys.executable, "-m", "efficiency.refresh", "--no-progress",
                             *tiny_args(models_file, db, "tiny", "slow_marked")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    _STARTED.append(proc)
    wait_for(tmp_path / "started")
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    df = cache.read(db)
    assert list(df["arch"]) == [f"{models_file}:tiny"]   # no crash row for the slow model
    assert (df["error"] == "").all()


# --------------------------------------------------------------------------- corrupt caches


def _truncated(db: Path) -> None:
    cache.merge_rows([_finished("x").rows[0]], db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def _bad_marker(db: Path) -> None:
    cache.merge_rows([_finished("x").rows[0]], db)
    table = pq.read_table(db)
    pq.write_table(table.replace_schema_metadata({}), db)   # a parquet, but not marked as ours


@pytest.mark.parametrize("damage", [_truncated, lambda db: db.write_bytes(b""), _bad_marker],
                         ids=["truncated", "empty", "bad-marker"])
def test_corrupt_cache_refused_then_quarantined(tmp_path, models_file, damage):
    db = tmp_path / "c.parquet"
    damage(db)
    bad = db.read_bytes()
    r = run(*tiny_args(models_file, db, "marked"))
    assert r.returncode == 2
    line = one_error_line(r.stderr)
    assert str(db) in line and "--quarantine-corrupt" in line
    assert db.read_bytes() == bad and not (tmp_path / "built").exists()
    r = run(*tiny_args(models_file, db, "marked"), "--quarantine-corrupt")
    assert r.returncode == 0, r.stderr
    aside = list(tmp_path.glob("c.parquet.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == bad and str(aside[0]) in r.stdout
    assert list(cache.read(db)["arch"]) == [f"{models_file}:marked"]


def test_dashboard_message_names_the_file_and_its_command_works(tmp_path):
    from efficiency.ui.data import read_results

    db = tmp_path / "my results.parquet"
    db.write_bytes(b"garbage")
    (message,) = read_results(db).problems
    assert str(db) in message
    command = message.split("`")[1]
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "efficiency.refresh"] and "--quarantine-corrupt" in argv
    assert Path(argv[argv.index("--cache") + 1]) == db
    # the command as offered (listing only, so as not to count every ResNet here) is accepted
    r = subprocess.run([sys.executable, *argv[1:], "--list"], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "--quarantine-corrupt will move it aside" in r.stdout and "resnet" in r.stdout
    assert db.read_bytes() == b"garbage"           # --list writes nothing


# --------------------------------------------------------------------------- a failure after a success


def test_a_failure_never_replaces_a_good_row_and_is_not_retried(tmp_path, models_file):
    # a good latency row; then its inputs change (--max-time) and the model now fails: the good row
    # stays, the failure is noted beside it, and the next run does not try again (--retry-errors does)
    db = tmp_path / "c.parquet"
    base = ["--custom", f"{models_file}:tiny", "--input-size", "3,32,32", "--skip-counts", "--threads", "1",
            "--min-time", "0.01", "--cache", str(db)]
    r = run(*base, "--max-time", "0.1")
    assert r.returncode == 0, r.stderr
    good = cache.read(db).iloc[0]
    assert good["error"] == "" and good["latency_ms_p50"] > 0
    models_file.write_text(BROKEN)
    r = run(*base, "--max-time", "0.2")
    assert r.returncode == 3, r.stderr     # the one row this run computed is an error (kept apart)
    assert "failures kept apart (a good row holds their key; see its failed_* columns): 1" in r.stdout
    (row,) = cache.read(db).to_dict("records")
    assert row["error"] == "" and row["latency_ms_p50"] == good["latency_ms_p50"]
    assert row["input_key"] == good["input_key"]
    assert row["failed_key"] not in ("", good["input_key"]) and "now broken" in row["failed_error"]
    stamp = db.read_bytes()
    r = run(*base, "--max-time", "0.2")
    assert r.returncode == 0 and "Nothing to do" in r.stdout, r.stdout + r.stderr
    assert db.read_bytes() == stamp
    r = run(*base, "--max-time", "0.2", "--retry-errors", "--list")
    assert r.returncode == 0 and "1 build to run" in r.stdout


def test_planner_keeps_a_good_row_whose_failure_has_todays_inputs():
    from efficiency.run.plan import LatencySpec, input_key, plan
    from efficiency.zoo.custom import custom_entry

    entry = custom_entry("pkg.mod:net", "3,32,32")
    spec = LatencySpec("cpu", 1, "fp32", "eager")
    names = {"cpu": "test cpu"}
    now = input_key(entry, spec, {}, names, {})   # no machine given: "unknown", as plan() uses
    row = {"model": entry.id, "kind": "latency", "batch_size": 1, "device": "cpu", "dtype": "fp32",
           "mode": "eager", "channels_last": False, "hardware": "unknown", "error": "", "input_key": "older"}

    def planned(existing, **kw):
        opts = {"force": False, "retry_errors": False, **kw}
        return len(plan([entry], existing, {}, count=False, specs=[spec], device_names=names,
                        latency_max_macs=None, threads=1, **opts))

    kept = cache.normalise(pd.DataFrame([{**row, "failed_key": now}]))
    assert planned(kept) == 0
    assert planned(kept, retry_errors=True) == 1 and planned(kept, force=True) == 1
    assert planned(cache.normalise(pd.DataFrame([{**row, "failed_key": "other"}]))) == 1
    old = cache.normalise(pd.DataFrame([row])).drop(columns=cache.FAILED_COLUMNS)
    assert planned(old) == 1                      # a frame without failed_* columns (older code)
    assert planned(old.assign(input_key=now)) == 0
