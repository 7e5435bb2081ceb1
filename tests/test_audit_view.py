"""The explorer's logic and messages after the audit (out/notes/AUDIT.md F1, F2, F9, F10), on a small
cache built here: four classification models with published accuracy, measured on one CPU (RSS growth
0 for two of them) and one GPU (peak memory and energy); two seed architectures without published
accuracy, measured only on a second CPU; three detectors with accuracy, measured in eager mode, and a
seed detector, the only one measured with a CUDA graph."""
from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from efficiency.store import cache
from efficiency.ui import overlays
from efficiency.ui.axes import x_label
from efficiency.ui.commands import measure_hint
from efficiency.ui.explorer import build_view
from efficiency.ui.plottable import machine_counts, plottable_models, scoped_coverage
from efficiency.ui.seed_claims import CLAIMED_COLUMNS
from efficiency.ui.state import DEFAULT
from efficiency.ui.tables import config_rows, count_table
from efficiency.ui.view_notes import budget_gap_text

from conftest import run_app, use_tables

AMD = ("cpu/AuthenticAMD/25-1/avx2/2c", "AMD EPYC, family 25 model 1, avx2, 2 cores")
INTEL = ("cpu/GenuineIntel/6-167/avx2/2c", "Intel(R) Xeon(R) Processor, family 6 model 167, avx2, 2 cores")
H200 = ("gpu/NVIDIA H200/140GiB/700W", "NVIDIA H200, 140 GiB, 700 W limit")
NETS = [f"timm/net{i}.a1_in1k@224" for i in range(1, 5)]
SEEDS = ["seed/alpha.s@224", "seed/beta.s@224"]
DETECTORS = [f"torchvision/det{i}.COCO_V1@800" for i in range(1, 4)]
SEED_DET = "seed/gamma.n@640"
RSS = [0, 50 * 2**20, 0, 80 * 2**20]          # RSS growth of the four nets on the AMD CPU: two read 0
CPU = replace(DEFAULT, device="cpu", dtype="fp32", mode="eager", batch=1)
CONFIGS = {"cpu": ("fp32", "eager"), "cuda": ("bf16", "cuda_graph"), "eager": ("bf16", "eager")}


def _row(model: str, kind: str, task="classification", machine=AMD, config="cpu", p50=None, **extra) -> dict:
    source, rest = model.split("/")
    arch = rest.split(".")[0]
    dtype, mode = ("fp32", "count") if kind == "count" else CONFIGS[config]
    return {"model": model, "source": source, "arch": arch, "weights": "w", "family": arch, "task": task,
            "input_size": "3x224x224", "kind": kind, "batch_size": 1, "device": "cpu" if config == "cpu" else "cuda",
            "dtype": dtype, "mode": mode, "channels_last": False, "hardware": machine[0], "hardware_name": machine[1],
            "device_name": machine[1].split(",")[0], "latency_ms_p50": p50, "latency_ms_p90": p50,
            "throughput": None if p50 is None else 1e3 / p50, "error": "", "noisy": False, "macs": int(1e9),
            "flops": int(2e9), "params": 1_000_000, "paper": "A paper" if source == "seed" else "",
            "measured_at": "2026-12-02T10:00:00+00:00", "torch_version": "2.11.0", **extra}


def results() -> pd.DataFrame:
    rows = [_row(m, "count") for m in NETS + SEEDS]
    rows += [_row(m, "count", "detection") for m in DETECTORS + [SEED_DET]]
    rows += [_row(m, "latency", p50=10.0 * (i + 1), mem_cpu_rss_growth_bytes=RSS[i]) for i, m in enumerate(NETS)]
    rows += [_row(m, "latency", machine=H200, config="eager", p50=1.0 + i, energy_j_per_sample=0.1 * (i + 1),
                  mem_gpu_max_allocated_bytes=(i + 1) * 100 * 2**20) for i, m in enumerate(NETS[:3])]
    rows += [_row(m, "latency", machine=INTEL, p50=5.0 + i, mem_cpu_rss_growth_bytes=0) for i, m in enumerate(SEEDS)]
    rows += [_row(m, "latency", "detection", H200, "eager", p50=20.0 + i) for i, m in enumerate(DETECTORS)]
    rows += [_row(SEED_DET, "latency", "detection", H200, "cuda", p50=3.0)]
    return cache.normalise(pd.DataFrame(rows))


def accuracy() -> pd.DataFrame:
    rows = [(m, "imagenet-1k", "top1", 70.0 + i) for i, m in enumerate(NETS)]
    rows += [(m, "coco-val2017", "box_map", 30.0 + i) for i, m in enumerate(DETECTORS)]
    return pd.DataFrame([{"model": m, "dataset": d, "metric": k, "value": v, "higher_is_better": True,
                          "img_size": 224, "crop_pct": 0.875, "interpolation": "bicubic", "source": "test",
                          "param_count_m": 1.0} for m, d, k, v in rows])


def claimed() -> pd.DataFrame:
    """The seed architectures' papers' claims (the shape of efficiency.ui.seed_claims.claimed_accuracy)."""
    return pd.DataFrame([{"model": m, "paper": "A paper", "variant": "s", "dataset": "imagenet-1k", "metric": "top1",
                          "claimed": 80.0 + i, "paper_metric": "top1", "source_url": "https://arxiv.org/abs/0000.00000",
                          "table": "Table 1"} for i, m in enumerate(SEEDS)], columns=CLAIMED_COLUMNS)


def _notes(view, level=None) -> list[str]:
    return [text for lvl, text in view.notes if level is None or lvl == level]


# --------------------------------------------------------------------------- F1: memory on a CPU

def test_cpu_memory_is_named_a_lower_bound_counts_its_zeros_and_draws_no_front():
    v = build_view(results(), accuracy(), replace(CPU, x="memory"))
    assert v.x_label.startswith("RSS growth (MiB; a lower bound of peak memory) on AMD EPYC")
    assert "Peak memory" not in v.x_label
    assert v.front.empty and not v.points["on_front"].any()
    assert sorted(v.points["model"]) == [NETS[1], NETS[3]]            # log x: the two zeros are not drawn ...
    warning = " ".join(_notes(v, "warning"))
    assert "2 of 4 models with latency read 0 and are not drawn on this log axis" in warning   # ... and it says so
    assert "No Pareto front is drawn on a lower bound" in warning
    assert "no Pareto front: the x values are lower bounds" in v.caption
    linear = build_view(results(), accuracy(), replace(CPU, x="memory", log_x=False))
    assert len(linear.points) == 4 and "2 of 4 models with latency read 0 and sit at 0" in " ".join(_notes(linear))
    assert linear.front.empty
    # where peak memory proper is measured: the GPU configuration with it, offered as a switch
    assert v.switch is not None and v.switch[0].device == "cuda" and v.switch[1] == 3
    # the figure (and its exports) say it too: title, and the marker-area key when memory sizes the markers
    from efficiency.ui.figures import build_figure, caption_text

    fig = build_figure(replace(v, state=replace(v.state, bubble="memory")))
    assert "RSS growth (lower bound)" in fig.layout.title.text and "Peak memory" not in fig.layout.title.text
    assert "marker area proportional to RSS growth (MiB; a lower bound" in caption_text(
        replace(v, state=replace(v.state, bubble="memory")))


def test_gpu_memory_is_peak_memory_with_a_front():
    v = build_view(results(), accuracy(), replace(DEFAULT, x="memory", mode="eager"))
    assert v.x_label.startswith("Peak memory (MiB") and len(v.front) >= 1 and v.switch is None
    assert not any("lower bound" in n for n in _notes(v))


# --------------------------------------------------------------------------- F2: energy on a CPU

def test_cpu_energy_says_one_thing_with_no_command_and_offers_the_gpu():
    v = build_view(results(), accuracy(), replace(CPU, x="energy_sample"))
    warnings = _notes(v, "warning")
    assert len(warnings) == 1 and "Energy is measured on CUDA GPUs only" in warnings[0]
    assert not any("refresh" in n or "No latency" in n or "have no latency" in n for n in _notes(v))
    assert "measured on CUDA GPUs only: none here" in v.x_label
    assert v.switch is not None and v.switch[0].device == "cuda" and v.switch[1] == 3   # the 3 nets with energy
    box = budget_gap_text(v, "AMD EPYC")
    assert "CUDA GPUs only" in box and "refresh" not in box and "No latency" not in box


# --------------------------------------------------------------------------- F9: commands and landing

def test_commands_are_scoped_to_the_views_task_or_its_missing_models():
    det = replace(DEFAULT, task="detection")
    assert "--task detection" in measure_hint(det) and "'*'" not in measure_hint(det)
    assert "--models 'torchvision/det1.COCO_V1@800'" in measure_hint(det, DETECTORS[:1])
    many = [f"timm/m{i}" for i in range(20)]
    assert "--task classification" in measure_hint(DEFAULT, many) and "m19" not in measure_hint(DEFAULT, many)
    v = build_view(results(), accuracy(), replace(det, y_dataset="coco-val2017", y_metric="box_map",
                                                  x="latency_p50"))
    assert v.lat_have == 0 and not v.points.shape[0]
    assert all("--models '*'" not in n for n in _notes(v))
    assert any("--models 'torchvision/det1.COCO_V1@800' 'torchvision/det2.COCO_V1@800'" in n for n in _notes(v))


def test_configurations_are_counted_over_what_the_view_can_plot():
    res, acc = results(), accuracy()
    det = replace(DEFAULT, task="detection", y_dataset="coco-val2017", y_metric="box_map")
    models = plottable_models(count_table(res), acc, det)
    assert models == set(DETECTORS)                                   # the seed detector has no accuracy
    options, scoped = scoped_coverage(res, "detection", models)
    assert scoped and [(c.mode, n) for c, n in options.items()] == [("eager", 3)]   # no CUDA graph: seed only
    options, scoped = scoped_coverage(res, "detection", set())
    assert not scoped and {c.mode for c in options} == {"eager", "cuda_graph"}      # nothing to scope to


@pytest.fixture()
def audit_env(tmp_path, monkeypatch):
    use_tables(tmp_path, monkeypatch, results(), accuracy())


def _app(query: dict) -> AppTest:
    return run_app(query)


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("info", "warning", "caption", "markdown") for e in getattr(at, kind))


def test_detection_lands_on_the_configuration_that_measured_its_detectors(audit_env):
    at = _app({"task": "detection"})                                  # the default configuration: CUDA graph
    assert at.sidebar.segmented_control(key="w_mode").value == "eager"
    assert at.query_params["mode"] == "eager"
    text = _texts(at) + " ".join(str(e.value) for e in at.sidebar.caption)
    assert "No latency" not in text and "'*'" not in text
    assert "3 of 3 plottable models have latency for CUDA, batch 1, bf16, eager" in text
    # the Models page shows the same view: it lands there too; other pages keep the task's configurations
    assert _app({"task": "detection", "page": "models"}).query_params["mode"] == "eager"


# --------------------------------------------------------------------------- F10: machines

def test_a_machine_that_measured_only_seed_architectures_is_not_offered_without_their_claims():
    res, acc = results(), accuracy()
    counts = count_table(res)
    rows = config_rows(res, "cpu", 1, "fp32", "eager")
    task = set(counts.loc[counts["task"] == "classification", "model"])
    plain = machine_counts(rows, task, plottable_models(counts, acc, CPU))
    assert [m.hardware for m in plain.plottable] == [AMD[0]]          # Intel measured no plottable model
    assert {m.hardware: m.models for m in plain.task} == {AMD[0]: 4, INTEL[0]: 2}
    seeded = machine_counts(rows, task, plottable_models(counts, acc, replace(CPU, seed_claims=True), claimed()))
    assert [(m.hardware, m.models) for m in seeded.plottable] == [(AMD[0], 4), (INTEL[0], 2)]


def test_choosing_it_falls_back_and_says_why():
    v = build_view(results(), accuracy(), replace(CPU, x="latency_p50", hw_id=INTEL[0]))
    assert len(v.points) == 4                                         # the automatic machine's latency
    info = " ".join(_notes(v, "info"))
    assert f"{INTEL[1]} measured 2 models of this task" in info and "none with the chosen accuracy" in info
    assert "Turn on 'seed claims'" in info
    assert not any("No latency rows for" in n for n in _notes(v))


def test_with_seed_claims_its_triangles_have_a_legend_and_the_notes_are_true():
    state = replace(CPU, x="latency_p50", hw_id=INTEL[0], seed_claims=True)
    v = build_view(results(), accuracy(), state, claimed())
    assert v.points.empty and len(v.seed) == 2
    warnings = _notes(v, "warning")
    assert len(warnings) == 1 and "measured none of the models with published accuracy" in warnings[0]
    assert "only seed architectures" in warnings[0] and "refresh" not in warnings[0]
    assert "only seed architectures" in budget_gap_text(v, x_label(state, v.device_name))
    trace = overlays.seed_trace(v)
    assert trace.showlegend is True and "(2)" in trace.name
    assert json.loads(trace.to_json())["showlegend"] is True          # alone in a figure, plotly keeps its key


def test_the_pareto_page_offers_only_machines_with_plottable_models(audit_env, monkeypatch):
    monkeypatch.setattr("efficiency.ui.hw_sidebar.claimed_accuracy", claimed)     # this cache's seed claims
    monkeypatch.setattr("efficiency.ui.seed_claims.claimed_accuracy", claimed)
    link = {"x": "latency_p50", "dev": "cpu", "dtype": "fp32", "mode": "eager"}
    at = _app(link)
    assert not [b for b in at.sidebar.selectbox if b.key == "w_hw"]  # one machine can plot: nothing to choose
    at = _app({**link, "hw": INTEL[0]})                               # an old link to the seed-only machine
    said = " ".join(i.value for i in at.sidebar.info)
    assert "none with the chosen accuracy" in said and "automatic choice" in said
    assert "No latency rows" not in _texts(at)
    at = _app({**link, "seedacc": "1", "hw": INTEL[0]})              # with the claims, Intel can plot two
    box = at.sidebar.selectbox(key="w_hw")
    assert box.value == INTEL[0] and [box.format_func(o) for o in box.options][1:] == [
        f"{AMD[1]} (4 models)", f"{INTEL[1]} (2 models)"]
    assert "measured none of the models with published accuracy" in " ".join(w.value for w in at.warning)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    seed = [t for t in spec["data"] if t.get("meta") == "seed-claims"]
    assert len(seed) == 1 and seed[0]["showlegend"] is True


# --------------------------------------------------------------------------- F11, F13

def test_the_plot_command_carries_every_setting_the_cli_has():
    from efficiency.ui.commands import plot_command, plot_command_gaps
    from efficiency.ui.plot_cli import _parser, state_from_args
    import shlex
    state = replace(CPU, x="latency_p50", hw_id=AMD[0], search="net*", sources=("timm", "seed"), families=("net1",),
                    seed_only=True, log_x=False, log_y=True, claims=False, labels=False, seed_claims=True,
                    color="source", highlight="resnet 5*", bubble="params")
    argv = shlex.split(plot_command(state))
    back = state_from_args(_parser().parse_args(argv[3:]))
    fields = ("x", "y_dataset", "y_metric", "task", "device", "batch", "dtype", "mode", "hw_id", "search", "sources",
              "families", "seed_only", "log_x", "log_y", "claims", "labels", "seed_claims", "color", "highlight",
              "bubble")
    assert {f: getattr(back, f) for f in fields} == {f: getattr(state, f) for f in fields}
    plain = shlex.split(plot_command(CPU))[3:]
    assert state_from_args(_parser().parse_args(plain)) == replace(CPU, page=DEFAULT.page)   # the defaults: nothing added
    assert plot_command_gaps(CPU) == []
    assert plot_command_gaps(replace(CPU, acc_min=70.0, show_test=True, budget_ms=2.0)) == [
        "the accuracy and cost bounds", "timm's test networks shown", "the latency budget"]


def test_the_notes_account_for_every_model_not_plotted():
    res = pd.concat([results(), cache.normalise(pd.DataFrame([_row("timm/test_vit.r160_in1k@160", "count")]))],
                    ignore_index=True)
    acc = pd.concat([accuracy(), accuracy().iloc[:1].assign(model="timm/test_vit.r160_in1k@160"),
                     accuracy().iloc[:1].assign(model=SEEDS[0], value=float("nan"))], ignore_index=True)
    v = build_view(res, acc, DEFAULT)
    notes = " ".join(_notes(v))
    assert "2 of 7 models have no ImageNet-1k top-1 and" in notes           # the seed without any, the NaN one
    assert "1 of timm's test networks" in notes and len(v.points) == 4   # 7 - 2 - 1


# --------------------------------------------------------------------------- F4: the front's top

def test_an_incomplete_front_top_is_named_with_the_best_unmeasured_model():
    from efficiency.ui.view_notes import incomplete_top_notes

    pts = pd.DataFrame({"model": ["small", "big", "bigger", "mid"], "y": [70.0, 90.0, 91.5, 80.0],
                        "x": [1.0, float("nan"), float("nan"), 2.0], "arch": ["s", "b", "bb", "m"],
                        "family": ["s", "b", "bb", "m"]})
    lat = replace(DEFAULT, x="latency_p50")
    (level, text), = incomplete_top_notes(lat, pts, True)
    assert level == "warning" and "2 models beat the best one measured here (80)" in text and "bigger (91.5)" in text
    assert incomplete_top_notes(replace(DEFAULT, x="gmacs"), pts, True) == []       # no hardware axis
    # lower is better (an error metric): the unmeasured 70 and 80 would have to be below 1.0 to count
    low = pts.assign(y=[1.0, 2.0, 0.5, 3.0])
    (_, text), = incomplete_top_notes(lat, low, False)
    assert "1 model beats the best one measured here (1)" in text and "bigger (0.5)" in text
    assert incomplete_top_notes(lat, pts.assign(x=[1.0, 2.0, 3.0, 4.0]), True) == []   # everything timed
    # a hidden timm test network (made-up accuracy) is never named; shown on request it counts
    test = pts.assign(arch=["s", "b", "test_vit", "m"], family=["s", "b", "test", "m"])
    (_, text), = incomplete_top_notes(lat, test, True)
    assert "1 model beats" in text and "big (90)" in text
    assert "bigger (91.5)" in incomplete_top_notes(replace(lat, show_test=True), test, True)[0][1]
