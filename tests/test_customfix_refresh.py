"""A user's own model through the refresh (UXCHECK6 #4, #6, #7, #9): a corrected --accuracy updates the cached
rows without remeasuring, a fraction warns, a run whose every row failed says so and exits 3, the family is the
module's name, a module not found says how to reach it, and Model detail tells how to add a custom accuracy."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from efficiency.store import cache
from efficiency.zoo.custom import CustomModelError, custom_entry, load_callable

ROOT = Path(__file__).resolve().parent.parent

TINYNET = '''
from torch import nn

def build():
    # conv 3->4, 3x3, padding 1, 8x8 output: 4*8*8*27 = 6912 MACs; linear 4->2: 8
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 2))

def broken():
    raise RuntimeError("deliberate failure while building")
'''
FAST = ["--input-size", "3,8,8", "--threads", "1", "--min-time", "0.01", "--max-time", "0.05"]


def run(*args, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "efficiency.refresh", "--no-progress", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture()
def tinynet(tmp_path):
    f = tmp_path / "tinynet.py"
    f.write_text(TINYNET)
    return f


def test_a_corrected_accuracy_updates_the_cached_rows_without_remeasuring(tmp_path, tinynet):
    db = tmp_path / "c.parquet"
    spec = f"{tinynet}:build"
    r = run("--custom", spec, *FAST, "--accuracy", "55.5", "--cache", str(db))
    assert r.returncode == 0, r.stderr
    first = cache.read(db).sort_values("kind").reset_index(drop=True)
    assert list(first["kind"]) == ["count", "latency"] and set(first["user_accuracy"]) == {55.5}
    # rows written when the family was the callable's name ("build"): relabelled in the same run, and the
    # accuracy update, merged after the relabelling, does not undo it
    cache.write_atomic(first.assign(family="build"), db)
    r = run("--custom", spec, *FAST, "--accuracy", "57", "--cache", str(db))
    assert r.returncode == 0, r.stderr
    model = first["model"].iloc[0]
    assert f"accuracy of {model} updated: 55.5 -> 57 (no re-measure needed)" in r.stdout.splitlines()
    assert "Nothing to do" in r.stdout                       # nothing was measured again
    after = cache.read(db).sort_values("kind").reset_index(drop=True)
    assert set(after["user_accuracy"]) == {57.0} and set(after["family"]) == {"tinynet"}
    for col in ("input_key", "measured_at", "macs", "latency_ms_p50"):   # the same measurements
        assert after[col].equals(first[col]), col
    stamp = db.read_bytes()
    r = run("--custom", spec, *FAST, "--accuracy", "57", "--cache", str(db))
    assert r.returncode == 0 and "Nothing to do" in r.stdout and "updated" not in r.stdout
    assert db.read_bytes() == stamp                          # the same accuracy: the file is not touched


def test_an_accuracy_below_one_warns_and_one_outside_0_100_is_refused(tmp_path, tinynet):
    db = tmp_path / "c.parquet"
    r = run("--custom", f"{tinynet}:build", *FAST, "--accuracy", "0.555", "--list", "--cache", str(db))
    assert r.returncode == 0, r.stderr
    assert "warning: --accuracy 0.555 is taken as 0.555 %" in r.stderr and "--accuracy 55.5" in r.stderr
    r = run("--custom", f"{tinynet}:build", *FAST, "--accuracy", "55.5", "--list", "--cache", str(db))
    assert r.returncode == 0 and "warning" not in r.stderr
    for bad in ("150", "-1"):
        r = run("--custom", f"{tinynet}:build", *FAST, "--accuracy", bad, "--list", "--cache", str(db))
        assert r.returncode == 2 and "is not a percentage" in r.stderr


def test_a_run_whose_every_row_failed_exits_3_and_calls_no_error_measured(tmp_path, tinynet):
    db = tmp_path / "c.parquet"
    r = run("--custom", f"{tinynet}:broken", *FAST, "--cache", str(db))
    assert r.returncode == 3, r.stdout + r.stderr
    assert f"2 rows written to {db}: 0 measured (0 count, 0 latency), 2 errors" in r.stdout
    assert "Every row of this run is an error row: nothing was measured (exit status 3)." in r.stdout
    assert "RuntimeError: deliberate" in r.stdout              # the reason (cut at 160 characters)
    assert len(cache.read(db)) == 2                          # the errors are in the cache all the same
    # one model measured beside the broken one: a sweep with a few errors is a success
    db = tmp_path / "other.parquet"
    r = run("--custom", f"{tinynet}:broken", "--custom", f"{tinynet}:build", *FAST, "--skip-latency",
            "--cache", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"2 rows written to {db}: 1 measured (1 count, 0 latency), 1 error;" in r.stdout
    assert "Every row" not in r.stdout
    assert "3 done, but every row this run computed is an error row" in " ".join(run("--help").stdout.split())


def test_the_family_is_the_module_or_file_name_and_the_id_is_unchanged(tmp_path):
    from efficiency.run.plan import count_key

    by_file = custom_entry("models/tinynet.py:build", "3,32,32")
    by_module = custom_entry("mypkg.tinynet:build", "3,32,32")
    assert by_file.family == "tinynet" and by_module.family == "tinynet"
    # the family is a label: the id and the input key, which cached rows are found by, do not hold it
    assert by_file.id == "custom/models/tinynet.py:build@3x32x32"
    relabelled = dataclasses.replace(by_file, family="build")
    assert count_key(relabelled, {"torch": "x"}) == count_key(by_file, {"torch": "x"})


def test_a_module_not_found_says_how_to_reach_it(tmp_path):
    r = run("--custom", "tinynet_nowhere_xyz:build", "--input-size", "3,8,8", "--list",
            "--cache", str(tmp_path / "c.parquet"))
    assert r.returncode == 2
    assert ("ModuleNotFoundError" in r.stderr and "(is its folder on PYTHONPATH, or pass a path: "
            "path/to/tinynet_nowhere_xyz.py:build?)" in r.stderr)
    with pytest.raises(CustomModelError, match=r"path/to/pkg_nowhere_xyz/nets\.py:build\?\)"):
        load_callable("pkg_nowhere_xyz.nets:build")
    # the user's module is found but imports a package that is missing: the hint would mislead
    (tmp_path / "needsdep_customfix.py").write_text("import no_such_dependency_xyz\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(CustomModelError) as err:
            load_callable("needsdep_customfix:build")
    finally:
        sys.path.remove(str(tmp_path))
    assert "no_such_dependency_xyz" in str(err.value) and "PYTHONPATH" not in str(err.value)


def test_detail_of_a_custom_model_without_accuracy_shows_the_refresh_that_adds_it(fixture_env):
    from streamlit.testing.v1 import AppTest

    from efficiency.ui.state import PAGES

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["sel"] = "custom/mypkg.nets:tiny_cnn@3x224x224"
    at.run()
    at.switch_page(PAGES["detail"][1]).run()
    assert not at.exception
    info = " ".join(str(i.value) for i in at.info)
    results = os.environ["EFFICIENCY_RESULTS"]     # not the refresh's default: the command names it
    assert (f"`python -m efficiency.refresh --custom 'mypkg.nets:tiny_cnn' --input-size 3,224,224 --skip-latency "
            f"--accuracy TOP1 --cache {results}`") in info
    assert "accuracy_build" not in info
