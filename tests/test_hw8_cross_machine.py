"""The Hardware page's machine-vs-machine ratios (AUDIT8 F1): one model, one configuration, two machines;
never CUDA graph against eager; each side's stability; batch-1 eager said to time the host; and the shipped
cache's H100/H200 figures recomputed here with plain pandas."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efficiency.store.query import load_results
from efficiency.ui.cross_machine import (HOST_BOUND, HOST_WORDS, Pair, cross_frame, cross_rows, machine_pairs,
                                         summaries, summary_line)
from efficiency.ui.hardware import hardware_table
from conftest import run_app, use_tables
from test_hardware_speedups import H100, NET1, P50, results
from test_ui_machine_choice import H200, accuracy

H100_ID, H200_ID = H100[0], H200[0]
MODES = ("eager", "cuda_graph")


def _hw(cells: list[tuple[str, str, str, int, float, bool]], decode: bool = False) -> pd.DataFrame:
    """hardware_table-like rows: (machine id, model, mode, batch, p50 ms, noisy)."""
    names = {H100_ID: H100[1], H200_ID: H200[1]}
    return pd.DataFrame([{"model": m, "device": "cuda", "dtype": "bf16", "mode": mode, "batch_size": b,
                          "channels_last": False, "hardware": h, "hardware_name": names[h],
                          "device_name": names[h].split(",")[0], "lat_p50_ms": p, "noisy": n,
                          "decode_tps": b / (p / 1e3) if decode else float("nan")}
                         for h, m, mode, b, p, n in cells])


cell = st.tuples(st.sampled_from([H100_ID, H200_ID]), st.sampled_from(["a", "b", "c"]), st.sampled_from(MODES),
                 st.sampled_from([1, 64]), st.floats(0.01, 1e4), st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(cell, min_size=1, max_size=24), st.booleans())
def test_a_ratio_is_one_configuration_on_both_machines_and_swapping_them_inverts_it(cells, decode):
    hw = _hw(cells, decode)
    pairs = machine_pairs(hw, (H200_ID,))
    fastest = hw.sort_values("lat_p50_ms").drop_duplicates(["model", "mode", "batch_size", "hardware"])
    both = fastest.groupby(["model", "mode", "batch_size"])["hardware"].nunique().eq(2)
    if not both.any():
        assert pairs == []
        return
    (pair,) = pairs
    assert (pair.base, pair.other, pair.rows) == (H200_ID, H100_ID, int(both.sum()))
    rows = cross_rows(hw, pair)
    p50 = fastest.set_index(["hardware", "model", "mode", "batch_size"])["lat_p50_ms"]
    for r in rows.itertuples():
        key = (r.model, r.mode, r.batch_size)
        assert r.ratio == pytest.approx(p50[(H100_ID, *key)] / p50[(H200_ID, *key)], rel=1e-9)
        assert r.host_bound == (r.batch_size == 1 and r.mode == "eager")
    assert sorted(zip(rows["model"], rows["mode"], rows["batch_size"])) == sorted(both[both].index)
    swapped = cross_rows(hw, Pair(H100_ID, H200_ID, "H100", "H200", pair.rows)).set_index(
        ["model", "mode", "batch_size"])["ratio"]
    mine = rows.set_index(["model", "mode", "batch_size"])["ratio"]
    assert (mine * swapped[mine.index]).to_numpy() == pytest.approx([1.0] * len(mine))
    for s in summaries(rows):
        g = rows[rows["config"] == s.config]
        assert s.models == len(g) and s.lo <= s.median <= s.hi
        assert s.noisy == int((~g["both_stable"]).sum())
        assert math.isnan(s.stable_lo) == (s.noisy == s.models)


def test_cuda_graph_is_never_set_against_eager():
    hw = _hw([(H100_ID, "a", "eager", 1, 5.0, False), (H200_ID, "a", "cuda_graph", 1, 1.0, False)])
    assert machine_pairs(hw) == [] and cross_rows(hw, Pair(H200_ID, H100_ID, "H200", "H100", 0)).empty


def test_noisy_sides_and_host_bound_rows_are_said_in_the_summary_and_the_table():
    hw = _hw([(H100_ID, "a", "eager", 1, 4.0, True), (H200_ID, "a", "eager", 1, 8.0, True),
              (H100_ID, "b", "eager", 1, 3.0, False), (H200_ID, "b", "eager", 1, 3.0, True),
              (H100_ID, "a", "cuda_graph", 1, 1.05, False), (H200_ID, "a", "cuda_graph", 1, 1.0, False)])
    (pair,) = machine_pairs(hw, (H200_ID,))
    rows = cross_rows(hw, pair)
    graph, eager = summaries(rows)
    assert (graph.config, graph.models, graph.noisy) == ("cuda b1 bf16 cuda_graph", 1, 0)
    assert (eager.models, eager.noisy, eager.host_bound) == (2, 2, True)
    text = summary_line(eager, pair)
    assert "0.50–1.00x" in text and "noisy" in text and HOST_BOUND in text
    assert summary_line(graph, pair).startswith("**cuda b1 bf16 cuda_graph**: NVIDIA H100 80GB HBM3 1.05x the NVIDIA "
                                                "H200's p50") and "the NVIDIA H200 faster; both sides stable" in \
        summary_line(graph, pair)
    frame = cross_frame(rows, pair)
    assert list(frame.columns[:3]) == ["H100 / H200 (x)", "model", "configuration"]
    assert set(frame["stability"]) == {"stable", "noisy: both", "noisy: H200"}
    assert set(frame.loc[frame["configuration"].str.endswith("eager"), "what it times"]) == {HOST_WORDS}


def _shipped_pairs(task: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cross_rows of the shipped cache's H100/H200 pair for ``task``, the same by plain pandas)."""
    res = load_results("data/results.parquet")
    hw = hardware_table(res)
    hw = hw[hw["task"] == task]
    (pair,) = [p for p in machine_pairs(hw, (H200_ID,)) if {p.base, p.other} == {H100_ID, H200_ID}]
    assert pair.base == H200_ID
    lat = res[(res["kind"] == "latency") & (res["task"] == task) & res["hardware"].isin([H100_ID, H200_ID])
              & (res["error"].fillna("") == "")]
    value = "decode_tokens_per_s" if task == "language" else "latency_ms_p50"
    agg = "max" if task == "language" else "min"
    p = lat.pivot_table(index=["model", "batch_size", "dtype", "mode"], columns="hardware", values=value,
                        aggfunc=agg).dropna()
    p["want"] = p[H200_ID] / p[H100_ID] if task == "language" else p[H100_ID] / p[H200_ID]
    return cross_rows(hw, pair), p.reset_index()


def test_shipped_vision_b1_cuda_graph_h100_is_within_a_few_percent_of_the_h200(shipped_env):
    """AUDIT8 F1: 14 classification models at b1 cuda_graph on both GPUs, H100/H200 1.004-1.053."""
    rows, want = _shipped_pairs("classification")
    got = rows.set_index(["model", "batch_size", "dtype", "mode"])["ratio"]
    mine = want.set_index(["model", "batch_size", "dtype", "mode"])["want"]
    assert set(got.index) == set(mine.index) and got[mine.index].to_numpy() == pytest.approx(mine.to_numpy())
    graph = rows[(rows["batch_size"] == 1) & (rows["mode"] == "cuda_graph")]
    assert graph["model"].nunique() == 14 and graph["both_stable"].all()
    assert 1.0 < graph["ratio"].min() < 1.01 and 1.05 < graph["ratio"].max() < 1.055
    eager = rows[(rows["batch_size"] == 1) & (rows["mode"] == "eager")]
    assert len(eager) == 100 and eager["host_bound"].all() and eager["ratio"].max() > 2     # host, not GPU
    (s,) = [s for s in summaries(rows) if s.config == "cuda b1 bf16 cuda_graph"]
    assert (s.models, f"{s.lo:.2f}", f"{s.hi:.2f}") == (14, "1.00", "1.05")


def test_shipped_language_cuda_graph_h200_is_up_to_12_percent_faster_and_eager_rows_are_noisy(shipped_env):
    rows, want = _shipped_pairs("language")
    got = rows.set_index(["model", "batch_size", "dtype", "mode"])["ratio"]
    mine = want.set_index(["model", "batch_size", "dtype", "mode"])["want"]
    assert set(got.index) == set(mine.index) and got[mine.index].to_numpy() == pytest.approx(mine.to_numpy())
    assert rows["decode"].all() and len(rows) == 56
    graph = rows[rows["mode"] == "cuda_graph"]
    assert graph["both_stable"].all() and 1.12 < graph["ratio"].max() < 1.13       # gemma-2-9b b1: 1.124
    assert graph.loc[graph["ratio"].idxmax(), "model"] == "hf/gemma-2-9b"
    eager = rows[rows["mode"] == "eager"]
    assert eager["ratio"].min() < 0.52 and (~eager["both_stable"]).sum() >= 20     # gpt2 b1 0.513, flagged


def test_hardware_page_shows_the_h100_against_the_h200(tmp_path, monkeypatch):
    use_tables(tmp_path, monkeypatch, results(), accuracy())
    at = run_app({"sel": NET1}, "hardware", timeout=120)
    assert any(h.value.startswith("Machine vs machine") for h in at.subheader)
    lines = " ".join(m.value for m in at.markdown)
    assert "**cuda b1 bf16 cuda_graph**: NVIDIA H100 80GB HBM3 1.10x the NVIDIA H200's p50" in lines
    table = next(d.value for d in at.dataframe if "H100 / H200 (x)" in d.value.columns)
    got = dict(zip(table["configuration"], table["H100 / H200 (x)"]))
    want = {"cuda b1 bf16 cuda_graph": P50[(H100, NET1, 1, "cuda_graph")] / P50[(H200, NET1, 1, "cuda_graph")],
            "cuda b1 bf16 eager": P50[(H100, NET1, 1, "eager")] / P50[(H200, NET1, 1, "eager")]}
    assert got == pytest.approx(want)                  # b256: eager on the H100, cuda_graph on the H200: no ratio
