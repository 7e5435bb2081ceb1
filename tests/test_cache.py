"""The parquet cache: round trip, atomic writes, the lock, broken and foreign files."""
import contextlib
import multiprocessing as mp
import os
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from efficiency.store import cache
from efficiency.store import query
from efficiency.store import schema


@contextlib.contextmanager
def read_only(folder):
    """``folder`` read-only for this process: a read-only tmpfs mounted over it as root, else
    permission bits."""
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], check=True)
        try:
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


def row(model, kind="count", **kw):
    base = {"model": model, "kind": kind, "batch_size": 1, "device": "cpu", "dtype": "fp32",
            "mode": "count" if kind == "count" else "eager", "channels_last": False}
    return {**base, **kw}


def test_round_trip(tmp_path):
    p = tmp_path / "r.parquet"
    cache.merge_rows([row("a", macs=10, flops=20, params=3, macs_mismatch=False, error="")], p)
    df = cache.read(p)
    assert list(df.columns[: len(schema.ALL_COLUMNS)]) == schema.ALL_COLUMNS
    assert df.loc[0, "macs"] == 10 and df.loc[0, "flops"] == 20 and df.loc[0, "model"] == "a"


def test_upsert_replaces_same_key_and_keeps_others(tmp_path):
    p = tmp_path / "r.parquet"
    cache.merge_rows([row("a", macs=1), row("b", macs=2)], p)
    cache.merge_rows([row("a", macs=5)], p)
    df = cache.read(p).set_index("model")
    assert df.loc["a", "macs"] == 5 and df.loc["b", "macs"] == 2 and len(df) == 2


def test_latency_rows_get_count_columns(tmp_path):
    p = tmp_path / "r.parquet"
    cache.merge_rows([row("a", macs=7, flops=14, params=3),
                      row("a", kind="latency", device="cuda", latency_ms_p50=1.5)], p)
    df = query.load_results(p)
    lat = df[df.kind == "latency"].iloc[0]
    assert lat["macs"] == 7 and lat["flops"] == 14 and lat["latency_ms_p50"] == 1.5


def test_failed_write_leaves_previous_file(tmp_path, monkeypatch):
    p = tmp_path / "r.parquet"
    cache.merge_rows([row("a", macs=1)], p)
    before = p.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(cache.pq, "write_table", boom)
    with pytest.raises(OSError):
        cache.merge_rows([row("b", macs=2)], p)
    assert p.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir() if f.name.endswith(".tmp")] == []


def test_corrupt_file_is_reported_and_not_overwritten(tmp_path):
    p = tmp_path / "r.parquet"
    p.write_bytes(b"this is not parquet")
    with pytest.raises(cache.CacheError, match="r.parquet"):
        cache.read(p)
    with pytest.raises(cache.CacheError):
        cache.merge_rows([row("a", macs=1)], p)
    assert p.read_bytes() == b"this is not parquet"


def test_foreign_parquet_is_refused(tmp_path):
    p = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), p)
    with pytest.raises(cache.CacheError, match="not an efficiency results cache"):
        cache.read(p)


def _writer(path, start, n):
    for i in range(start, start + n):
        cache.merge_rows([row(f"m{i}", macs=i)], path)


def test_concurrent_writers_lose_nothing(tmp_path):
    p = tmp_path / "r.parquet"
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(p, k * 100, 15)) for k in range(3)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(60)
    assert all(pr.exitcode == 0 for pr in procs)
    df = cache.read(p)
    assert len(df) == 45 and set(df.model) == {f"m{k * 100 + i}" for k in range(3) for i in range(15)}


def test_missing_file_is_empty(tmp_path):
    df = cache.read(tmp_path / "none.parquet")
    assert df.empty and list(df.columns) == schema.ALL_COLUMNS


def test_an_error_row_never_replaces_a_good_row(tmp_path):
    p = tmp_path / "r.parquet"
    cache.merge_rows([row("a", macs=5, error="", input_key="k1"), row("b", macs=1, error="")], p)
    report = cache.merge_rows([row("a", error="RuntimeError: threads", input_key="k2", measured_at="t2"),
                               row("c", error="boom", input_key="k3")], p)
    assert report == cache.MergeReport(written=1, kept_apart=1)
    df = cache.read(p).set_index("model")
    assert df.loc["a", "macs"] == 5 and df.loc["a", "error"] == "" and df.loc["a", "input_key"] == "k1"
    assert (df.loc["a", "failed_key"], df.loc["a", "failed_error"], df.loc["a", "failed_at"]) == (
        "k2", "RuntimeError: threads", "t2")
    assert df.loc["c", "error"] == "boom"          # no good row to protect: the error row lands
    # a later good row replaces the row and clears the note; --force lets an error through
    cache.merge_rows([row("a", macs=6, error="", input_key="k4")], p)
    assert cache.read(p).set_index("model").loc["a", "failed_key"] == ""
    assert cache.merge_rows([row("a", error="forced", input_key="k5")], p, force=True).kept_apart == 0
    assert cache.read(p).set_index("model").loc["a", "error"] == "forced"


def test_stale_temp_files_are_removed_by_the_next_writer(tmp_path):
    p = tmp_path / "r.parquet"
    cache.merge_rows([row("a", macs=1)], p)
    stale = tmp_path / ".r.parquet.abc123.tmp"
    stale.write_bytes(b"half a parquet")
    other = tmp_path / ".other.parquet.x.tmp"
    other.write_bytes(b"not ours")
    cache.merge_rows([row("b", macs=2)], p)
    assert not stale.exists() and other.exists()


def test_check_writable(tmp_path):
    cache.check_writable(tmp_path / "r.parquet")                        # fine
    with pytest.raises(cache.CacheError, match="does not exist"):
        cache.check_writable(tmp_path / "missing" / "r.parquet")
    assert not (tmp_path / "missing").exists()                          # not created behind the user's back
    with pytest.raises(cache.CacheError, match="MiB free"):
        cache.check_writable(tmp_path / "r.parquet", min_free_bytes=2 ** 62)


def test_check_writable_refuses_a_read_only_folder(tmp_path):
    # root ignores permission bits, so as root (CI) the folder is a read-only tmpfs mount
    ro = tmp_path / "ro"
    ro.mkdir()
    with read_only(ro):
        with pytest.raises(cache.CacheError, match="not writable|cannot write"):
            cache.check_writable(ro / "r.parquet")


def test_quarantine_moves_only_a_broken_file_aside(tmp_path):
    p = tmp_path / "r.parquet"
    assert cache.quarantine(p) is None                 # absent
    cache.merge_rows([row("a", macs=1)], p)
    assert cache.quarantine(p) is None and p.exists()  # a good cache is never moved
    p.write_bytes(b"garbage")
    aside = cache.quarantine(p)
    assert aside is not None and aside.read_bytes() == b"garbage" and not p.exists()
    assert aside.name.startswith("r.parquet.corrupt-")
    cache.merge_rows([row("b", macs=2)], p)            # a new cache starts
    assert list(cache.read(p).model) == ["b"]


def test_unmerged_rows_go_to_a_side_file_and_merge_later(tmp_path):
    p = tmp_path / "r.parquet"
    side = cache.save_unmerged([row("a", macs=3), row("b", macs=4)], p)
    assert side.parent == tmp_path and "unmerged" in side.name
    assert cache.merge_file(side, p).written == 2
    assert sorted(cache.read(p).model) == ["a", "b"]


def test_bytes_overwritten_inside_a_data_page_are_a_cache_error(tmp_path):
    """A cache is written with page checksums and read verifying them: garbage written into a data page
    was read as numbers (a latency std of 1.4e53) and would be merged back as good rows (CLICHECK F8)."""
    import numpy as np
    import pandas as pd

    from efficiency.store import cache
    rng = np.random.default_rng(0)
    rows = pd.DataFrame({"model": [f"m{i}" for i in range(20000)], "latency_ms_std": rng.random(20000)})
    path = tmp_path / "c.parquet"
    cache.write_atomic(rows, path)
    assert len(cache.read(path)) == 20000
    data = bytearray(path.read_bytes())
    at = len(data) // 3                 # inside the data pages (the footer is at the end)
    data[at:at + 14] = b"GARBAGEGARBAGE"
    path.write_bytes(bytes(data))
    with pytest.raises(cache.CacheError, match="could not be read"):
        cache.read(path)
