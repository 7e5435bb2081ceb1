"""Issue 14 item 4 in the dashboard: throughput against batch size (curves per configuration, out-of-memory
rows where a curve stops, one batch size said in words), latency against input resolution (groups that
never mix weights, machines or configurations), energy per sample as a Pareto axis, and the hardware
page's configuration table; the pages that show them run on the shipped cache."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from efficiency.store import cache
from efficiency.ui import curves
from efficiency.ui import data as uidata
from efficiency.ui.detail import batch_figure, compare_table, resolution_figure
from efficiency.ui.explorer import build_view
from efficiency.ui.hardware import HARDWARE_CONFIG_COLUMNS, hardware_configs
from efficiency.ui.plot_cli import _parser
from efficiency.ui.state import DEFAULT, ViewState, from_query, to_query
from conftest import run_app

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
H200 = ("gpu/NVIDIA H200/140GiB/700W", "NVIDIA H200, 140 GiB, 700 W limit")
NVL = ("gpu/NVIDIA H200 NVL/140GiB/600W", "NVIDIA H200 NVL, 140 GiB, 600 W limit")
OOM = "MeasureError: CUDA out of memory at batch 512: Tried to allocate 20.00 GiB\nTraceback ..."


def _lat(model: str, batch: int, p50: float | None, machine=H200, mode="eager", dtype="bf16", **extra) -> dict:
    """One latency row the way the cache holds it (a failed row: p50 None and an ``error``)."""
    arch_weights, _, size = model.partition("@")
    source, _, name = arch_weights.partition("/")
    arch, _, weights = name.partition(".")
    return {"model": model, "source": source, "arch": arch, "weights": weights, "task": "classification",
            "input_size": f"3x{size}x{size}" if size.isdigit() else size, "kind": "latency", "batch_size": batch,
            "device": "cuda", "dtype": dtype, "mode": mode, "channels_last": False, "hardware": machine[0],
            "hardware_name": machine[1], "device_name": machine[1].split(",")[0], "latency_ms_p50": p50,
            "latency_ms_p90": p50, "error": "", "noisy": False, "measured_at": "2026-12-02T10:00:00+00:00",
            "torch_version": "2.11.0", **extra}


def _count(model: str, gmacs: float) -> dict:
    row = _lat(model, 1, None)
    return {**row, "kind": "count", "mode": "count", "device": "cpu", "hardware": "any", "macs": int(gmacs * 1e9),
            "flops": int(2 * gmacs * 1e9), "params": 1_000_000}


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = cache.normalise(pd.DataFrame(rows))
    counts = df[df["kind"] == "count"].set_index("model")["macs"]
    lat = df["kind"] == "latency"
    df.loc[lat, "macs"] = df.loc[lat, "model"].map(counts)   # what load_results copies onto latency rows
    return df


# --------------------------------------------------------------------------- throughput against batch

def test_batch_curve_is_ordered_by_batch_and_reads_the_stored_throughput():
    rows = [_lat("timm/a.w@224", b, p50, throughput=thr) for b, p50, thr in
            ((256, 40.0, 6000.0), (1, 1.0, None), (8, 2.0, None))]
    got = curves.batch_curves(_frame(rows), ["timm/a.w@224"])
    assert list(got["batch"]) == [1, 8, 256]
    # the row's own throughput column where stored, batch / p50 where not
    assert list(got["samples_per_s"]) == [1000.0, 4000.0, 6000.0]
    assert list(got["lat_p50_ms"]) == [1.0, 2.0, 40.0]


def test_out_of_memory_row_is_where_the_curve_stops_and_says_why():
    rows = [_lat("timm/a.w@224", b, 0.5 * b) for b in (1, 8, 256)]
    rows += [_lat("timm/a.w@224", 512, None, error=OOM), _lat("timm/a.w@224", 1024, None, error=OOM)]
    got = curves.by_config(curves.batch_curves(_frame(rows), ["timm/a.w@224"]))
    assert got.loc[got["error"] != "", "samples_per_s"].isna().all()
    notes = curves.batch_notes(got)
    assert notes == ["bf16, eager: stops after batch 256: batch 512, 1024 failed: MeasureError: CUDA out of memory "
                     "at batch 512: Tried to allocate 20.00 GiB"]
    fig = batch_figure(got)
    line = next(t for t in fig.data if t.meta == "curve")
    failed = next(t for t in fig.data if t.meta == "failed")
    assert list(line.x) == [1, 8, 256]
    # the crosses sit at the failed batches, level with the last good point, the error in the hover
    assert list(failed.x) == [512, 1024] and list(failed.y) == [2000.0, 2000.0]
    assert "CUDA out of memory at batch 512" in failed.hovertext[0]
    assert list(fig.layout.xaxis.tickvals) == [1, 8, 256, 512, 1024] and fig.layout.xaxis.type == "log"
    assert "samples/s" in fig.layout.yaxis.title.text and H200[1] in fig.layout.yaxis.title.text


def test_a_failure_below_a_good_batch_is_not_called_the_end():
    rows = [_lat("timm/a.w@224", 1, None, error="CudaGraphError: capture failed"),
            _lat("timm/a.w@224", 8, 1.0), _lat("timm/a.w@224", 64, 4.0)]
    notes = curves.batch_notes(curves.by_config(curves.batch_curves(_frame(rows), ["timm/a.w@224"])))
    assert notes == ["bf16, eager: batch 1 failed (CudaGraphError: capture failed); larger batches ran."]


def test_one_batch_size_is_said_in_words_not_drawn():
    rows = [_lat("timm/a.w@224", 1, 2.0), _lat("timm/a.w@224", 1, 4.0, mode="cuda_graph"),
            _lat("timm/a.w@224", 8, 8.0, mode="cuda_graph")]
    got = curves.by_config(curves.batch_curves(_frame(rows), ["timm/a.w@224"]))
    assert curves.drawn_lines(got) == ["bf16, cuda graph"]
    assert curves.batch_notes(got) == ["bf16, eager: only batch 1 measured (500 samples/s); no curve to draw."]
    only = got[got["mode"] == "eager"]
    assert curves.drawn_lines(only) == [] and not [t for t in batch_figure(only).data if t.meta == "curve"]


def test_machines_and_modes_are_separate_configurations_and_noisy_points_are_ringed():
    rows = [_lat("timm/a.w@224", b, float(b), noisy=b == 8) for b in (1, 8)]
    rows += [_lat("timm/a.w@224", b, 2.0 * b, machine=NVL) for b in (1, 8, 64)]
    rows += [_lat("timm/b.w@224", b, 3.0 * b, machine=NVL) for b in (1, 8)]
    got = curves.batch_curves(_frame(rows), ["timm/a.w@224", "timm/b.w@224"])
    options = curves.configurations(got, min_batches=2)
    assert [c.hardware for c in options] == [NVL[0], H200[0]]     # the one with more batch sizes first
    assert curves.preferred(options, "cuda", "bf16", "eager") == options[0]
    mine = curves.by_config(got[got["model"] == "timm/a.w@224"])
    assert sorted(set(mine["line"])) == ["NVIDIA H200 NVL bf16, eager", "NVIDIA H200 bf16, eager"]
    fig = batch_figure(mine)
    assert len([t for t in fig.data if t.meta == "curve"]) == 2
    ring = [t for t in fig.data if t.meta == "noisy"]
    assert len(ring) == 1 and list(ring[0].x) == [8] and ring[0].marker.symbol == "circle-open"
    # compare: one configuration, a line per model
    one = curves.by_model(curves.of_config(got, options[0]))
    assert curves.drawn_lines(one) == ["timm/a.w@224", "timm/b.w@224"]
    assert "<br>on" not in fig.layout.yaxis.title.text          # two machines: the legend names them


# --------------------------------------------------------------------------- latency against resolution

def _zoo() -> pd.DataFrame:
    rows = [_count(m, g) for m, g in (("timm/net.w1@224", 4.0), ("timm/net.w1@288", 6.6), ("timm/net.w1@384", 11.8),
                                      ("timm/net.w2@256", 5.2), ("timm/net.w2@320", 8.1), ("timm/solo.w@224", 1.0),
                                      ("timm/solo.w@320", 2.0))]
    rows += [_lat("timm/net.w1@224", 1, 1.0), _lat("timm/net.w1@288", 1, 1.4), _lat("timm/net.w1@384", 1, 2.2),
             _lat("timm/net.w2@256", 1, 1.2), _lat("timm/net.w2@320", 1, 1.6),
             _lat("timm/net.w1@384", 1, 9.9, dtype="fp32"),       # another configuration: never on the line
             _lat("timm/net.w1@288", 1, 1.5, machine=NVL), _lat("timm/net.w1@224", 1, 1.1, machine=NVL),
             _lat("timm/net.w1@384", 8, 7.0),                     # another batch
             _lat("timm/solo.w@224", 1, 0.3)]
    return _frame(rows)


def test_resolution_groups_never_mix_weights_batches_or_configurations():
    df = _zoo()
    got = curves.resolution_curves(df, ["timm/net.w1@288"], "cuda", "bf16", "eager", 1)
    h200 = got[got["hardware"] == H200[0]]
    assert list(h200["model"]) == ["timm/net.w1@224", "timm/net.w1@288", "timm/net.w1@384"]
    assert list(h200["lat_p50_ms"]) == [1.0, 1.4, 2.2] and list(h200["gmacs"]) == [4.0, 6.6, 11.8]
    assert list(h200["current"]) == [False, True, False]
    assert not got["model"].str.contains("w2").any()                 # other weights of the arch: not the group
    assert got["line"].nunique() == 2                                # the second machine is its own line
    assert curves.resolution_lines(got) == sorted(set(got["line"]))
    table = curves.resolution_table(got, [h200["line"].iloc[0]])
    assert list(table["GMACs / smallest size's"].round(2)) == [1.0, 1.65, 2.95]
    fig = resolution_figure(got, "CUDA, batch 1, bf16, eager")
    stars = [t for t in fig.data if t.meta == "current"]
    assert [list(t.x) for t in stars] == [[288.0], [288.0], [288.0], [288.0]]   # 2 lines x (latency, GMACs)
    assert fig.layout.xaxis.type == "log" and "px" in fig.layout.xaxis.title.text


def test_one_measured_size_is_a_one_line_note_naming_the_sizes_the_zoo_holds():
    df = _zoo()
    got = curves.resolution_curves(df, ["timm/solo.w@224"], "cuda", "bf16", "eager", 1)
    assert curves.resolution_lines(got) == []
    assert curves.resolution_notes(df, ["timm/solo.w@224"], got, "CUDA b1") == [
        "timm/solo.w: 1 input size measured on CUDA b1 (224 px); the zoo holds it at 224, 320 px: a curve needs "
        "two of them measured in one configuration."]
    none = curves.resolution_curves(df, ["timm/net.w1@224"], "cuda", "fp16", "eager", 1)
    assert none.empty and "no latency row on" in curves.resolution_notes(df, ["timm/net.w1@224"], none, "x")[0]


def test_video_clips_of_other_frame_counts_are_other_groups():
    assert curves.spatial("3x16x112x112") == ("3x16", 112, 112) and curves.spatial("512") is None
    rows = [_lat("tv/r3d.k@x", 1, 1.0, input_size="3x16x112x112"), _lat("tv/r3d.k@y", 1, 2.0, input_size="3x32x112x112"),
            _lat("tv/r3d.k@z", 1, 3.0, input_size="3x16x224x224")]
    got = curves.resolution_curves(_frame(rows), ["tv/r3d.k@x"], "cuda", "bf16", "eager", 1)
    assert list(got["model"]) == ["tv/r3d.k@x", "tv/r3d.k@z"] and "3x16 x H x W" in got["group"].iloc[0]


# --------------------------------------------------------------------------- energy on the Pareto explorer

@pytest.fixture(scope="module")
def fixture_tables():
    res = uidata.read_results(FIX / "results.parquet").df
    return res, uidata.read_accuracy(FIX / "accuracy.parquet", res).df


def test_energy_axis_plots_gpu_rows_with_energy_and_says_what_lacks_it(fixture_tables):
    res, acc = fixture_tables
    res = res.copy()
    gpu_b1 = res.index[(res["kind"] == "latency") & (res["device"] == "cuda") & (res["batch_size"] == 1)
                       & (res["mode"] == "cuda_graph")]
    with_energy = gpu_b1[:5]
    res.loc[with_energy, "energy_j_per_sample"] = [0.05, 0.1, 0.2, 0.4, 0.8]
    res.loc[with_energy, "power_w_avg"] = 300.0
    state = replace(DEFAULT, x="energy_sample", device="cuda", dtype="bf16", mode="cuda_graph", batch=1)
    v = build_view(res, acc, state)
    assert set(v.points["model"]) <= set(res.loc[with_energy, "model"]) and len(v.points) >= 3
    assert v.points["x"].equals(v.points["energy_j_per_sample"])
    assert v.x_label.startswith("Energy per sample (J, mean over an NVML window of >= 2 s; batch 1) on")
    note = " ".join(t for _, t in v.notes)
    assert "have an energy figure" in note and "are not plotted" in note
    # the same coverage line as a latency axis: latency coverage of the configuration
    assert v.lat_have == build_view(res, acc, replace(state, x="latency_p50")).lat_have
    cpu = build_view(res, acc, replace(state, device="cpu", dtype="fp32", mode="eager"))
    assert cpu.points.empty and "CPU rows have none" in " ".join(t for _, t in cpu.notes)


def test_energy_axis_survives_the_share_link_and_the_plot_command():
    s = ViewState(x="energy_sample", batch=256, mode="eager")
    assert from_query(to_query(s)) == s
    assert _parser().parse_args(["--x", "energy_sample"]).x == "energy_sample"


def test_compare_table_carries_energy(fixture_tables):
    res, acc = fixture_tables
    res = res.copy()
    row = res.index[(res["kind"] == "latency") & (res["device"] == "cuda") & (res["batch_size"] == 1)
                    & (res["mode"] == "cuda_graph")][0]
    res.loc[row, "energy_j_per_sample"] = 0.25
    t = compare_table(res, acc, [res.loc[row, "model"]], DEFAULT)
    assert t["energy_j_per_sample"].tolist() == [0.25]


# --------------------------------------------------------------------------- the hardware page's table

def test_configuration_table_counts_models_energy_noise_failures_dates_and_versions():
    rows = [_lat("timm/a.w@224", 1, 1.0, energy_j_per_sample=0.1, noisy=True),
            _lat("timm/b.w@224", 1, 2.0, measured_at="2026-11-28T09:00:00+00:00", torch_version="2.10.0"),
            _lat("timm/c.w@224", 1, None, error=OOM),
            _lat("timm/a.w@224", 1, 1.0, machine=NVL, energy_j_per_sample=0.2),
            _lat("timm/d.w@224", 512, None, error=OOM)]       # tried and lost: still a measured configuration
    got = hardware_configs(_frame(rows))
    assert list(got.columns[:len(HARDWARE_CONFIG_COLUMNS)]) == HARDWARE_CONFIG_COLUMNS
    h200 = got[(got["hardware"] == H200[0]) & (got["batch_size"] == 1)].iloc[0]
    assert (h200["models"], h200["energy_models"], h200["noisy_rows"], h200["failed_rows"]) == (2, 1, 1, 1)
    assert (h200["first_measured"], h200["last_measured"]) == ("2026-11-28", "2026-12-02")
    assert h200["torch_versions"] == "2.10.0, 2.11.0"
    lost = got[got["batch_size"] == 512].iloc[0]
    assert (lost["models"], lost["failed_rows"]) == (0, 1)
    assert set(got["hardware_name"]) == {H200[1], NVL[1]}


# --------------------------------------------------------------------------- the pages on the shipped cache

def _page(page: str, query: dict) -> AppTest:
    return run_app(query, page, timeout=120)


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _axis_titles(chart: dict) -> str:
    layout = chart.get("layout", {})
    return " ".join(str(v.get("title", {}).get("text", "")) for k, v in layout.items() if k.startswith(("xaxis",
                                                                                                        "yaxis")))


def test_shipped_detail_draws_batch_and_resolution_curves(shipped_env):
    # ese_vovnet19b_dw.ra_in1k is timed on the H200 at 224 and 288 px, batch 1 and 256
    at = _page("detail", {"sel": "timm/ese_vovnet19b_dw.ra_in1k@288", "dev": "cuda", "mode": "cuda_graph", "bs": "1"})
    titles = [_axis_titles(c) for c in _charts(at)]
    assert any("Batch size" in t and "samples/s" in t for t in titles), titles
    assert any("Input resolution" in t and "GMACs" in t for t in titles), titles
    assert any("only batch 1 measured" in str(c.value) for c in at.caption)   # the CPU row: one batch size


def test_shipped_compare_and_hardware_pages_run(shipped_env):
    at = _page("compare", {"sel": "timm/ese_vovnet19b_dw.ra_in1k@288,timm/resnet50.a1_in1k@224"})
    assert any("Batch size" in _axis_titles(c) for c in _charts(at))
    assert any("the zoo holds it at 224, 288 px" in str(c.value) for c in at.caption)
    at = _page("hardware", {})
    table = next(d.value for d in at.dataframe if "models with energy (NVML)" in d.value.columns)
    assert list(table.columns[:6]) == ["machine", "device", "dtype", "mode", "batch (samples per call)",
                                       "channels last"]


def test_shipped_pareto_on_the_energy_axis(shipped_env):
    # the shipped energy rows are the seed architectures' (no reference accuracy: drawn at their claims)
    at = _page("pareto", {"x": "energy_sample", "dev": "cuda", "mode": "cuda_graph", "bs": "1", "seedacc": "1"})
    assert at.selectbox(key="w_x").value == "energy_sample"
    chart = _charts(at)[0]
    title = chart["layout"]["xaxis"]["title"]["text"].replace("<br>", " ")     # wrapped for a phone
    assert title.startswith("Energy per sample (J, mean over an NVML window of >= 2 s; batch 1)")
    drawn = [t for t in chart["data"] if t.get("meta") in ("points", "seed-claims") and t.get("x")]
    assert drawn, [t.get("meta") for t in chart["data"]]
    plotted = int({m.label: m.value for m in at.metric}["Models plotted"])
    assert plotted > 0 or any("have an energy figure" in i.value for i in at.info)


def test_detail_latency_table_names_the_machine_and_rounds():
    """Model detail's latency table: the machine by its readable name first, numbers to 3 significant
    digits, missing values blank (NaN, drawn blank by the page)."""
    from efficiency.ui.latency_rows import latency_display

    lat = pd.DataFrame([{"hardware_name": "NVIDIA H200, 140 GiB, 700 W limit", "device": "cuda", "batch_size": 1,
                         "dtype": "bf16", "mode": "eager", "channels_last": False, "lat_p50_ms": 6.61437,
                         "lat_p90_ms": 6.9, "lat_p99_ms": 7.01234, "throughput_sps": 157.2327,
                         "achieved_tflops": None, "mem_mib": 1234.567, "energy_j_per_sample": 0.0123456,
                         "power_w_avg": 301.26, "n_samples": 40, "noisy": False, "measured_at": "2026-12-03"}])
    out = latency_display(lat)
    assert list(out.columns[:2]) == ["machine", "device"]
    r = out.iloc[0]
    assert r["p50 (ms/batch)"] == 6.61 and r["throughput (samples/s)"] == 157.0
    # a GPU row's memory sits under the GPU's quantity; the CPU's (RSS growth, a lower bound) stays blank
    assert r["GPU: peak memory allocated (MiB)"] == 1230.0 and pd.isna(r["CPU: RSS growth, lower bound (MiB)"])
    assert r["stability (noisy / stable / not assessed)"] == "stable"
    assert r["energy (J/sample, NVML)"] == 0.0123 and pd.isna(r["achieved TFLOP/s (2·MACs·batch/p50)"])


def test_resolution_figure_rings_noisy_latency_points_and_says_so_in_the_hover():
    rows = [_lat("timm/net.w1@224", 1, 1.0), _lat("timm/net.w1@288", 1, 1.4, noisy=True),
            _lat("timm/net.w1@384", 1, 2.2, noisy=True)]
    df = pd.concat([_zoo(), _frame(rows)], ignore_index=True).drop_duplicates(
        ["model", "kind", "batch_size", "hardware", "dtype"], keep="last")
    got = curves.resolution_curves(df, ["timm/net.w1@224"], "cuda", "bf16", "eager", 1)
    got = got[got["hardware"] == H200[0]]
    fig = resolution_figure(got, "CUDA, batch 1, bf16, eager")
    ringed = [t for t in fig.data if t.meta == "noisy"]
    assert len(ringed) == 1 and list(ringed[0].x) == [288.0, 384.0] and list(ringed[0].y) == [1.4, 2.2]
    latency = [t for t in fig.data if t.meta == "curve" and t.xaxis == "x"][0]
    assert ["noisy row" in h for h in latency.hovertext] == [False, True, True]
    clean = resolution_figure(curves.resolution_curves(_zoo(), ["timm/net.w1@224"], "cuda", "bf16", "eager", 1),
                              "x")
    assert not [t for t in clean.data if t.meta == "noisy"]
