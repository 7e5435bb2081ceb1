"""The energy window beside the p50 (AUDIT2 D5): the window recorded per row, and a row whose window ran
more than 10 % away from p50 flagged energy-noisy and noisy, on new rows and on rows stored before the
window was recorded. CPU only: a fake NVML counter and a fake clock."""
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from efficiency.measure.energy import Energy, EnergyWindow, row_columns
from efficiency.measure.timing import LatencyStats
from test_latency import run_timing_loop
from efficiency.store import cache, noisy, schema
from efficiency.ui.axes import AXES


def _stored(ratio, p50_ms=2.0, batch=1, watts=300.0, **kw):
    """A GPU latency row as stored before the window was recorded: its J/sample is the window's,
    whose mean time per call is ``ratio`` x p50."""
    throughput = batch * 1000.0 / p50_ms
    return {"model": f"timm/m{ratio}.w@224", "kind": "latency", "batch_size": batch, "device": "cuda",
            "dtype": "bf16", "mode": "eager", "channels_last": False, "hardware": "gpu/NVIDIA H200/140GiB/700W",
            "latency_ms_p50": p50_ms, "throughput": throughput, "power_w_avg": watts,
            "energy_j_per_sample": ratio * watts / throughput, "noisy": False, "error": "", **kw}


@pytest.mark.parametrize("ratio, off", [(1.0, False), (1.05, False), (0.95, False), (1.15, True), (0.85, True)])
def test_stored_rows_are_flagged_from_their_own_columns(ratio, off):
    df = pd.DataFrame([_stored(ratio)])
    assert noisy.speed_ratios(df).iloc[0] == pytest.approx(ratio)
    out = cache.normalise(df)
    assert bool(out["energy_noisy"].iloc[0]) is off
    assert bool(out["noisy"].iloc[0]) is off            # the noisy rule covers it


def test_the_recorded_window_wins_and_the_other_flags_stay():
    # the window's columns say 1.2 x p50 even though the J/sample-derived figure says 1.0
    rows = pd.DataFrame([_stored(1.0, energy_window_calls=100, energy_window_s=0.24),
                         _stored(1.0, noisy=True),                          # IQR-noisy: stays noisy
                         _stored(1.0, energy_noisy=True),                   # power over the limit: kept
                         {**_stored(1.0), "energy_j_per_sample": None, "power_w_avg": None, "noisy": pd.NA}])
    out = noisy.flag(rows)
    assert noisy.speed_ratios(rows).iloc[0] == pytest.approx(1.2)
    assert out["energy_noisy"].tolist()[:3] == [True, False, True]
    assert out["noisy"].tolist()[:3] == [True, True, True]
    assert out["energy_noisy"].isna().iloc[3] and out["noisy"].isna().iloc[3]   # no energy: nothing judged


def test_language_rows_use_energy_per_token():
    # decode: throughput in tokens/s, energy per token; noisy was never set on these rows (NA)
    row = _stored(1.3, batch=8)
    row["energy_j_per_token"], row["energy_j_per_sample"], row["noisy"] = row["energy_j_per_sample"], None, pd.NA
    out = noisy.flag(pd.DataFrame([row]))
    assert bool(out["energy_noisy"].iloc[0]) and bool(out["noisy"].iloc[0])


def _measure(call_s: float, extension_s: float, timed_calls: int = 4):
    """measure()'s sequence on a fake GPU: warm-up, the window starts, the timed loop (a fake timer),
    the window extended to 2 s by untimed calls that take ``extension_s``; 100 W throughout."""
    t = {"now": 0.0, "mj": 0.0, "each": call_s}

    def step():
        t["now"] += t["each"]
        t["mj"] += 100_000.0 * t["each"]       # 100 W = 100,000 mJ per second

    class FakeTimer:
        def time(self, fn):
            fn()
            return call_s * 1000.0

    window = EnergyWindow(0, read=lambda index: t["mj"], clock=lambda: t["now"], window_s=2.0)
    samples = run_timing_loop(step, FakeTimer(), warmup_iters=2, min_iters=timed_calls, min_time_s=0.0,
                              max_time_s=10.0, after_warmup=window.start)
    t["each"] = extension_s
    energy = window.stop(step, lambda: None, len(samples), batch_size=2)
    stats = LatencyStats.from_samples(samples, 2)
    return energy, stats, row_columns(energy, stats.p50_ms, limit_w=700.0)


def test_the_measurement_records_its_window():
    energy, stats, cols = _measure(call_s=0.125, extension_s=0.125)     # binary fractions: exact sums
    assert stats.p50_ms == pytest.approx(125.0)
    assert cols["energy_window_calls"] == 16 and cols["energy_window_s"] == 2.0    # 4 timed + 12 untimed
    assert cols["energy_j_per_sample"] == pytest.approx(200.0 / (16 * 2))
    assert cols["power_w_avg"] == pytest.approx(100.0)
    assert energy.speed_ratio(stats.p50_ms) == pytest.approx(1.0) and cols["energy_noisy"] is False


def test_a_window_faster_than_p50_is_energy_noisy():
    # timed calls 0.125 s, the untimed extension 0.0625 s a call: the window's mean is 0.57 x p50
    energy, stats, cols = _measure(call_s=0.125, extension_s=0.0625)
    assert cols["energy_window_calls"] == 4 + 24 and cols["energy_window_s"] == 2.0
    assert energy.speed_ratio(stats.p50_ms) == pytest.approx(2.0 / 28 / 0.125)
    assert cols["energy_noisy"] is True
    row = pd.DataFrame([{**_stored(1.0), **cols, "latency_ms_p50": stats.p50_ms, "throughput": stats.throughput}])
    assert noisy.speed_ratios(row).iloc[0] == pytest.approx(energy.speed_ratio(stats.p50_ms))


def test_power_over_the_limit_is_energy_noisy_at_any_speed():
    e = Energy.of(delta_mj=1_600_000.0, seconds=2.0, calls=20, batch_size=1)      # 800 W, 0.1 s a call
    assert row_columns(e, 100.0, limit_w=700.0)["energy_noisy"] is True
    assert row_columns(e, 100.0, limit_w=None)["energy_noisy"] is False
    assert row_columns(None, 100.0, 700.0) == dict.fromkeys(["energy_j_per_sample", "power_w_avg",
                                                             "energy_window_calls", "energy_window_s", "energy_noisy"])


def test_language_windows_count_decode_steps():
    # three whole decodes of 10 steps in 1.5 s: 50 ms a step against a 40 ms p50 -> 1.25
    e = Energy.of(delta_mj=300_000.0, seconds=1.5, calls=3, batch_size=10 * 4)
    cols = row_columns(e, 40.0, None, steps_per_call=10)
    assert cols["energy_window_calls"] == 30 and e.speed_ratio(40.0, steps_per_call=10) == pytest.approx(1.25)
    assert cols["energy_noisy"] is True


def test_an_old_cache_without_the_window_columns_loads_and_is_flagged(tmp_path):
    db = tmp_path / "old.parquet"
    old = cache.normalise(pd.DataFrame([_stored(1.0), _stored(1.4)]))
    old = old.drop(columns=["energy_window_calls", "energy_window_s", "energy_noisy"])
    old["noisy"] = False                                  # as shipped: the rule did not exist
    table = pa.Table.from_pandas(old, preserve_index=False)
    pq.write_table(table.replace_schema_metadata({b"efficiency.schema_version": b"3"}), db)
    got = cache.read(db)
    assert {"energy_window_calls", "energy_window_s", "energy_noisy"} <= set(got.columns)
    assert got["energy_window_calls"].isna().all() and str(got["energy_window_calls"].dtype) == "Int64"
    assert got["energy_noisy"].tolist() == [False, True] and got["noisy"].tolist() == [False, True]
    cache.merge_rows(got.iloc[:0], db)                    # nothing to merge: the file is left as it is
    assert "energy_noisy" not in pq.read_schema(db).names
    cache.write_atomic(got, db)                           # the next write carries the columns and the flag
    again = pq.read_table(db).to_pandas()
    assert again["energy_noisy"].tolist() == [False, True]


def test_new_columns_are_in_the_schema_and_the_axis_says_what_the_number_is():
    assert {"energy_window_calls", "energy_window_s", "energy_noisy"} <= set(schema.LATENCY_COLUMNS)
    spec = AXES["energy_sample"]
    assert "mean over an NVML window of >= 2 s" in spec.label
    assert spec.note.startswith("J per sample, mean over the NVML window of >= 2 s") and "10 %" in spec.note
    assert "mean over an NVML window" in AXES["energy_token"].label
