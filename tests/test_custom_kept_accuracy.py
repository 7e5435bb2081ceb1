"""A custom model re-measured without --accuracy keeps the accuracy its cached rows hold (UXCHECK6): the
figure is the user's, not a measurement, so --force or a changed model must not drop it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from efficiency.run.plan import kept_accuracy
from efficiency.store import cache
from efficiency.zoo.custom import custom_entry

ROOT = Path(__file__).resolve().parent.parent
TINYNET = "from torch import nn\n\ndef build():\n    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten())\n"
FAST = ["--input-size", "3,8,8", "--threads", "1", "--min-time", "0.01", "--max-time", "0.05", "--no-progress"]


def _rows(pairs):
    return pd.DataFrame({"model": [m for m, _ in pairs], "user_accuracy": [a for _, a in pairs]})


def test_only_custom_entries_without_an_accuracy_take_the_cached_one(tmp_path):
    spec = f"{tmp_path / 'net.py'}:build"
    plain, given = custom_entry(spec, "3,8,8"), custom_entry(spec + "2", "3,8,8", 40.0)
    rows = _rows([(plain.id, 55.5), (plain.id, 55.5), (given.id, 12.0)])
    out, kept = kept_accuracy(rows, [plain, given])
    assert kept == {plain.id: 55.5}
    assert [e.user_accuracy for e in out] == [55.5, 40.0]      # a given --accuracy wins over the cache


def test_no_single_cached_value_keeps_nothing(tmp_path):
    e = custom_entry(f"{tmp_path / 'net.py'}:build", "3,8,8")
    for rows in (_rows([(e.id, None)]), _rows([(e.id, 50.0), (e.id, 51.0)]), _rows([]).iloc[0:0]):
        out, kept = kept_accuracy(rows, [e])
        assert kept == {} and out[0].user_accuracy is None


def test_force_remeasure_keeps_the_accuracy(tmp_path):
    (tmp_path / "tinynet.py").write_text(TINYNET)
    db, spec = tmp_path / "c.parquet", f"{tmp_path / 'tinynet.py'}:build"

    def refresh(*extra):
        return subprocess.run([sys.executable, "-m", "efficiency.refresh", "--custom", spec, *FAST, "--cache",
                               str(db), *extra], cwd=ROOT, capture_output=True, text=True, timeout=300)
    r = refresh("--accuracy", "55.5")
    assert r.returncode == 0, r.stderr
    r = refresh("--force")
    assert r.returncode == 0, r.stderr
    assert "55.5 kept from the cache (pass --accuracy to change it)" in r.stdout
    assert set(cache.read(db)["user_accuracy"]) == {55.5}
