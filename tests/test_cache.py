"""The parquet cache: round trip, atomic writes, the lock, broken and foreign files."""
import multiprocessing as mp

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from efficiency.store import cache
from efficiency.store import query
from efficiency.store import schema


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
