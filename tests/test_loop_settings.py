"""Latency rows record their timing loop (out/notes/DATACHECK.md M1): the warm-up calls actually made and
the settings the loop ran under, from the measurement through the cache to model detail's table; rows of
older caches read as "not recorded" (null), never a guess. And language-model count rows keep
``macs_mismatch`` as their closed-form cross-check (L3, documented in efficiency.store.schema)."""
from __future__ import annotations

import re
import time

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from efficiency.measure.timing import MIN_SAMPLES, timing_loop
from efficiency.store import cache, schema, upgrade
from efficiency.ui.latency_rows import WARMUP_HEADER, latency_display, model_latencies, phone_latency
from efficiency.ui.models_table import html_table

LOOP = ["warmup_calls", "warmup_iters", "min_iters", "min_time_s", "max_time_s"]
MODEL = "custom/tiny@3x8x8"
H200 = ("gpu/NVIDIA H200/140GiB/700W", "NVIDIA H200, 140 GiB, 700 W limit")


class FakeTimer:
    def __init__(self, ms: float):
        self.ms = ms

    def time(self, fn):
        fn()
        return self.ms


def _ids(model: str = MODEL, source: str = "custom") -> dict:
    return {"model": model, "source": source, "arch": model.split("/")[1], "weights": "", "task": "classification",
            "family": "tiny", "input_size": "3x8x8", "error": ""}


def _measure(model, **loop) -> dict:
    from efficiency.measure.latency import LatencyConfig, measure

    config = LatencyConfig(device="cpu", batch_size=1, num_threads=1, **loop)
    return {**_ids(), **measure(model, (3, 8, 8), config).to_row(), "input_key": "k"}


def _slow(seconds: float):
    """A model whose every call takes at least ``seconds`` (a sleep): longer than a tiny max_time."""
    import torch

    class Slow(torch.nn.Module):
        def forward(self, x):
            time.sleep(seconds)
            return x.sum()

    return Slow()


# --------------------------------------------------------------------------- the loop and the measurement

def test_the_loop_reports_the_warmup_calls_it_made():
    full = timing_loop(lambda: None, FakeTimer(1.0), warmup_iters=4, min_iters=5, min_time_s=0.0, max_time_s=10.0)
    assert full.warmup_calls == 4 and full.samples_ms == (1.0,) * 5
    # 400 ms calls, max_time 1 s: the warm-up stops after 3 calls (1.2 s), not the 100 asked
    cut = timing_loop(lambda: None, FakeTimer(400.0), warmup_iters=100, min_iters=30, min_time_s=0.0, max_time_s=1.0)
    assert cut.warmup_calls == 3 and len(cut.samples_ms) == 3
    none = timing_loop(lambda: None, FakeTimer(1.0), warmup_iters=0, min_iters=2, min_time_s=0.0, max_time_s=1.0)
    assert none.warmup_calls == 0


def test_a_cpu_row_records_its_warmup_and_loop_settings():
    torch = pytest.importorskip("torch")
    row = _measure(torch.nn.Conv2d(3, 4, 3), warmup_iters=3, min_iters=5, min_time_s=0.0, max_time_s=5.0)
    assert set(LOOP) <= set(schema.LATENCY_COLUMNS)
    assert [row[c] for c in LOOP] == [3, 3, 5, 0.0, 5.0]
    assert row["n_samples"] == 5


def test_a_tiny_max_time_stops_warmup_and_timing_early_and_the_row_says_so():
    pytest.importorskip("torch")
    # every call sleeps 20 ms, max_time 10 ms: one warm-up call of the 10 asked, then the floor of timed calls
    row = _measure(_slow(0.02), warmup_iters=10, min_iters=30, min_time_s=0.0, max_time_s=0.01)
    assert row["warmup_calls"] == 1 and row["warmup_iters"] == 10
    assert row["n_samples"] == MIN_SAMPLES == 3 and row["min_iters"] == 30 and row["max_time_s"] == 0.01


def test_a_measured_row_keeps_the_columns_through_the_cache_and_shows_on_detail(tmp_path):
    torch = pytest.importorskip("torch")
    db = tmp_path / "c.parquet"
    row = _measure(torch.nn.Conv2d(3, 4, 3), warmup_iters=2, min_iters=4, min_time_s=0.0, max_time_s=5.0)
    count = {**_ids(), "kind": "count", "batch_size": 1, "device": "meta", "dtype": "fp32", "mode": "count",
             "channels_last": False, "hardware": schema.ANY_HARDWARE, "macs": 1000, "flops": 2000, "params": 112}
    cache.merge_rows([count, row], db)
    got = cache.read(db)
    lat = got[got["kind"] == "latency"].iloc[0]
    assert [lat[c] for c in LOOP] == [2, 2, 4, 0.0, 5.0]
    assert str(got["warmup_calls"].dtype) == "Int64" and got.loc[got["kind"] == "count", "warmup_calls"].isna().all()
    shown = latency_display(model_latencies(got, MODEL))
    assert shown[WARMUP_HEADER].tolist() == [2]


def test_a_language_decode_row_records_its_fixed_warmup_and_no_time_limits():
    pytest.importorskip("torch")
    from efficiency.measure import llm_latency

    it = iter([2.0] * 10)
    stats = llm_latency.time_steps(lambda: None, 10, 2, 1, timer=lambda step: next(it))
    res = llm_latency.DecodeResult("eager", 1, stats, stats.throughput, 1000.0, 8e9, None, None, 1, 2, warmup_steps=2)
    row = llm_latency.decode_row(res, bandwidth_gb_s=4000.0, prompt_len=512, new_tokens=8)
    assert (row["warmup_calls"], row["warmup_iters"], row["n_samples"]) == (2, 2, 8)
    assert not {"min_iters", "min_time_s", "max_time_s"} & set(row)     # no time limit: null in the cache


# --------------------------------------------------------------------------- older caches

def _v3_file(tmp_path):
    rows = [{**_ids(), "kind": "latency", "batch_size": 1, "device": "cuda", "dtype": "bf16", "mode": "eager",
             "channels_last": False, "hardware": H200[0], "hardware_name": H200[1], "n_samples": 3,
             "latency_ms_p50": 1000.0, "throughput": 1.0},
            {**_ids("hf/gpt2", "hf"), "kind": "count", "batch_size": 1, "device": "meta", "dtype": "fp32",
             "mode": "count", "channels_last": False, "hardware": schema.ANY_HARDWARE, "macs": 10, "macs_torch": 10,
             "macs_fvcore": None, "macs_formula": 10, "macs_rel_diff": 0.0, "macs_mismatch": False}]
    old = cache.normalise(pd.DataFrame(rows)).drop(columns=LOOP)       # a version-3 cache has none of them
    db = tmp_path / "v3.parquet"
    table = pa.Table.from_pandas(old, preserve_index=False)
    pq.write_table(table.replace_schema_metadata({b"efficiency.schema_version": b"3"}), db, write_page_checksum=True)
    return db


def test_a_version_3_cache_reads_with_the_loop_columns_null(tmp_path):
    assert schema.SCHEMA_VERSION == 4 and upgrade.V4_LOOP_COLUMNS == tuple(LOOP)
    got = cache.read(_v3_file(tmp_path))
    assert got[LOOP].isna().all().all()
    assert [str(got[c].dtype) for c in LOOP] == ["Int64", "Int64", "Int64", "float64", "float64"]
    # the language row's cross-check is its closed form (schema.COUNT_COLUMNS), which ran: kept, not nulled
    hf = got[got["source"] == "hf"].iloc[0]
    assert pd.notna(hf["macs_mismatch"]) and not hf["macs_mismatch"]
    assert pd.isna(hf["macs_fvcore"]) and hf["macs_formula"] == hf["macs_torch"]


def test_an_upgraded_cache_is_written_as_version_4_with_checksummed_pages(tmp_path):
    db = _v3_file(tmp_path)
    cache.merge_rows(cache.read(db).iloc[[0]], db)        # a merge rewrites the file (the lead's no-op merge)
    assert pq.read_metadata(db).metadata[b"efficiency.schema_version"] == b"4"
    raw = pq.read_table(db, page_checksum_verification=True).to_pandas()
    assert set(LOOP) <= set(raw.columns) and raw[LOOP].isna().all().all()
    assert len(cache.read(db)) == 2


# --------------------------------------------------------------------------- model detail's table

def _detail_rows() -> pd.DataFrame:
    base = {**_ids(), "kind": "latency", "batch_size": 1, "dtype": "bf16", "mode": "eager", "channels_last": False,
            "latency_ms_p50": 2.0, "latency_ms_iqr": 0.01, "n_samples": 40, "noisy": False}
    rows = [{**_ids(), "kind": "count", "batch_size": 1, "device": "meta", "dtype": "fp32", "mode": "count",
             "channels_last": False, "hardware": schema.ANY_HARDWARE, "macs": 1000, "params": 112},
            {**base, "device": "cuda", "hardware": H200[0], "hardware_name": H200[1], "warmup_calls": 10,
             "warmup_iters": 10, "min_iters": 30, "min_time_s": 1.0, "max_time_s": 10.0},
            {**base, "device": "cuda", "mode": "cuda_graph", "hardware": H200[0], "hardware_name": H200[1]}]
    return cache.normalise(pd.DataFrame(rows))


def test_detail_shows_warmup_calls_where_recorded_and_blank_where_not():
    lat = model_latencies(_detail_rows(), MODEL)
    shown = latency_display(lat).set_index("mode")
    assert shown.loc["eager", WARMUP_HEADER] == 10 and pd.isna(shown.loc["cuda_graph", WARMUP_HEADER])
    cols = list(shown.columns)
    assert cols.index(WARMUP_HEADER) == cols.index("timed calls") + 1
    phone = phone_latency(lat)                                   # sorted by mode: cuda_graph first
    assert pd.isna(phone["warm-up calls"].iloc[0]) and phone["warm-up calls"].iloc[1] == 10
    page = html_table(phone, phone=True)
    assert "<NA>" not in page and "nan" not in page and "None" not in page
    assert re.findall(r'data-label="warm-up calls">([^<]*)</td>', page) == ["", "10"]
