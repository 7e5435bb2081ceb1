"""The dashboard's machine choice: a cache holding two CPUs and two GPUs measured in the same
configurations offers each machine by its readable name with its number of models, a view plots the
chosen machine's latency (never another's), the choice survives a link, an unknown or garbled id falls
back to the automatic machine with a note, and the Pareto page's sidebar chooser works end to end."""
from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from streamlit.testing.v1 import AppTest

from efficiency.store import cache
from efficiency.ui.explorer import build_view
from efficiency.ui.machines import AUTOMATIC, machine_options, resolve
from efficiency.ui.state import DEFAULT, parse_query, to_query
from conftest import run_app, use_tables

ROOT = Path(__file__).resolve().parent.parent

# (identity, readable name) as the measuring side writes them (efficiency.measure.environment)
ZEN3 = ("cpu/AuthenticAMD/25-1/avx2/2c", "AMD EPYC, family 25 model 1, avx2, 2 cores")
ZEN4 = ("cpu/AuthenticAMD/25-17/avx2+avx512f/2c", "AMD EPYC, family 25 model 17, avx2 avx512f, 2 cores")
H200 = ("gpu/NVIDIA H200/140GiB/700W", "NVIDIA H200, 140 GiB, 700 W limit")
NVL = ("gpu/NVIDIA H200 NVL/140GiB/600W", "NVIDIA H200 NVL, 140 GiB, 600 W limit")
MODELS = [f"timm/net{i}.a1_in1k@224" for i in range(1, 5)]
# p50 (ms) per machine and model: ZEN3 measured all four, ZEN4 three (faster), the H200 three, the NVL two
P50 = {ZEN3: [100.0, 200.0, 300.0, 400.0], ZEN4: [10.0, 20.0, 30.0], H200: [1.0, 2.0, 3.0], NVL: [0.5, 0.7]}
CPU = replace(DEFAULT, x="latency_p50", device="cpu", dtype="fp32", mode="eager", batch=1)
GPU = replace(DEFAULT, x="latency_p50")          # cuda, batch 1, bf16, CUDA graph


def _row(model: str, kind: str, machine=("any", "any machine"), device="cpu", p50=None) -> dict:
    arch = model.split("/")[1].split(".")[0]
    dtype, mode = {"count": ("fp32", "count"), "cpu": ("fp32", "eager"), "cuda": ("bf16", "cuda_graph")}[
        "count" if kind == "count" else device]
    return {"model": model, "source": "timm", "arch": arch, "weights": "a1_in1k", "family": arch,
            "task": "classification", "input_size": "3x224x224", "kind": kind, "batch_size": 1, "device": device,
            "dtype": dtype, "mode": mode, "channels_last": False, "hardware": machine[0],
            "hardware_name": machine[1], "device_name": machine[1].split(",")[0], "latency_ms_p50": p50,
            "latency_ms_p90": p50, "throughput": None if p50 is None else 1e3 / p50, "error": "",
            "noisy": False, "macs": int((MODELS.index(model) + 1) * 1e9), "flops": int(2 * (MODELS.index(model) + 1) * 1e9),
            "params": 1_000_000, "measured_at": "2026-12-02T10:00:00+00:00", "torch_version": "2.11.0"}


def results() -> pd.DataFrame:
    rows = [_row(m, "count") for m in MODELS]
    for machine, p50s in P50.items():
        device = "cpu" if machine[0].startswith("cpu/") else "cuda"
        rows += [_row(m, "latency", machine, device, p) for m, p in zip(MODELS, p50s)]
    return cache.normalise(pd.DataFrame(rows))


def accuracy() -> pd.DataFrame:
    return pd.DataFrame({"model": MODELS, "dataset": "imagenet-1k", "metric": "top1",
                         "value": [70.0, 75.0, 78.0, 80.0], "higher_is_better": True, "img_size": 224,
                         "crop_pct": 0.875, "interpolation": "bicubic", "source": "test", "param_count_m": 1.0})


def _plotted(view) -> dict[str, float]:
    return dict(zip(view.points["model"], view.points["x"]))


# --------------------------------------------------------------------------- the options

def test_options_are_the_configurations_machines_by_name_with_their_model_counts():
    res = results()
    cpu = machine_options(res, CPU, MODELS)
    assert [m.hardware for m in cpu] == [ZEN3[0], ZEN4[0]]                 # most models first
    assert [m.label for m in cpu] == [f"{ZEN3[1]} (4 models)", f"{ZEN4[1]} (3 models)"]
    gpu = machine_options(res, GPU, MODELS)
    assert [m.label for m in gpu] == [f"{H200[1]} (3 models)", f"{NVL[1]} (2 models)"]   # no CPU in a GPU view
    one = machine_options(res, CPU, MODELS[:1])                           # counted over the view's models
    assert [(m.hardware, m.label) for m in one] == [(ZEN3[0], f"{ZEN3[1]} (1 model)"), (ZEN4[0], f"{ZEN4[1]} (1 model)")]
    assert machine_options(res, replace(CPU, batch=256), MODELS) == []     # a configuration nobody measured


def test_choosing_the_second_machine_plots_its_latency_not_the_first_ones():
    res, acc = results(), accuracy()
    auto = build_view(res, acc, CPU)
    assert _plotted(auto) == dict(zip(MODELS, P50[ZEN3]))                  # automatic: the machine with most models
    chosen = build_view(res, acc, replace(CPU, hw_id=ZEN4[0]))
    assert _plotted(chosen) == dict(zip(MODELS, P50[ZEN4]))                # ZEN4's rows only; net4 not from ZEN3
    notes = " ".join(text for _, text in chosen.notes)
    assert f"Latency is from the chosen machine, {ZEN4[1]}" in notes
    assert f"1 model measured in this configuration only on another ({ZEN3[1]})" in notes
    gpu = build_view(res, acc, replace(GPU, hw_id=NVL[0]))
    assert _plotted(gpu) == dict(zip(MODELS, P50[NVL]))
    # the latency budget, hover and Models page read the same points, whatever the x axis
    on_gmacs = build_view(res, acc, replace(CPU, x="gmacs", hw_id=ZEN4[0]))
    lat = on_gmacs.points.set_index("model")["lat_p50_ms"]
    assert lat.dropna().to_dict() == dict(zip(MODELS, P50[ZEN4])) and np.isnan(lat[MODELS[3]])   # net4: no ZEN4 row


# --------------------------------------------------------------------------- the link

def test_the_machine_survives_a_link():
    for machine in (ZEN3, ZEN4, H200, NVL):
        s = replace(CPU if machine[0].startswith("cpu/") else GPU, hw_id=machine[0])
        q = to_query(s)
        assert q["hw"] == machine[0]
        back, problems = parse_query(dict(parse_qsl(urlencode(q))))     # through the URL's text
        assert back == s and problems == []
    assert "hw" not in to_query(CPU)                                      # automatic: the link stays short


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200).filter(lambda s: s.isprintable() and s == s.strip()))
def test_any_printable_identity_round_trips(hw_id):
    s = replace(GPU, hw_id=hw_id)
    assert parse_query(dict(parse_qsl(urlencode(to_query(s))))) == (s, [])


@pytest.mark.parametrize("raw", ["x\x00y", "a" * 201, " gpu/NVIDIA H200/140GiB/700W", "gpu\nx"])
def test_a_garbled_machine_in_a_link_is_ignored_and_reported(raw):
    s, problems = parse_query({"hw": raw, "dev": "cpu"})
    assert s.hw_id == AUTOMATIC and s.device == "cpu"
    assert len(problems) == 1 and problems[0].startswith("hw=")


def test_an_unknown_machine_falls_back_to_the_automatic_one_with_a_note():
    res, acc = results(), accuracy()
    for hw_id in ("gpu/No Such GPU/1GiB/1W", H200[0]):                   # unknown; a GPU in a CPU view
        v = build_view(res, acc, replace(CPU, hw_id=hw_id))
        assert _plotted(v) == dict(zip(MODELS, P50[ZEN3]))
        assert any("No latency rows come from the chosen machine" in text for _, text in v.notes)
    assert resolve(replace(CPU, hw_id="*bold*"), [])[1].count("\\*") == 2   # shown escaped, not as markdown
    assert resolve(CPU, []) == (None, "")


# --------------------------------------------------------------------------- the Pareto page

@pytest.fixture()
def machines_env(tmp_path, monkeypatch):
    use_tables(tmp_path, monkeypatch, results(), accuracy())


def _app(query: dict) -> AppTest:
    return run_app(query)


def _array(v) -> list:
    """A plotly JSON array: a list, or the typed base64 form plotly writes numeric arrays in."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def _chart_points(at: AppTest) -> dict[str, float]:
    out = {}
    for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]:
        if trace.get("meta") == "points" and trace.get("x") is not None:
            out.update({cd[0]: x for cd, x in zip(_array(trace["customdata"]), _array(trace["x"]))})
    return out


CPU_LINK = {"x": "latency_p50", "dev": "cpu", "dtype": "fp32", "mode": "eager", "bs": "1"}


def test_pareto_page_chooses_the_second_machine(machines_env):
    at = _app(CPU_LINK)
    box = at.sidebar.selectbox(key="w_hw")
    assert box.options == ["Automatic: " + ZEN3[1], f"{ZEN3[1]} (4 models)", f"{ZEN4[1]} (3 models)"]
    assert _chart_points(at) == dict(zip(MODELS, P50[ZEN3]))
    box.set_value(ZEN4[0]).run()
    assert not at.exception, at.exception
    assert _chart_points(at) == dict(zip(MODELS, P50[ZEN4]))
    assert at.query_params["hw"] == ZEN4[0]
    assert any(f"Latency is from the chosen machine, {ZEN4[1]}" in i.value for i in at.info)
    at.sidebar.selectbox(key="w_hw").set_value(AUTOMATIC).run()          # and back
    assert _chart_points(at) == dict(zip(MODELS, P50[ZEN3])) and "hw" not in at.query_params


def test_pareto_page_restores_the_machine_from_a_link_and_falls_back_from_an_unknown_one(machines_env):
    at = _app({**CPU_LINK, "hw": ZEN4[0]})
    assert at.sidebar.selectbox(key="w_hw").value == ZEN4[0]
    assert _chart_points(at) == dict(zip(MODELS, P50[ZEN4]))
    at = _app({**CPU_LINK, "hw": "gpu/No Such GPU/1GiB/1W"})
    assert at.sidebar.selectbox(key="w_hw").value == AUTOMATIC
    assert any("The chosen machine has no latency rows" in i.value for i in at.sidebar.info)
    assert _chart_points(at) == dict(zip(MODELS, P50[ZEN3]))


def test_the_chooser_shows_on_every_axis_with_two_machines(machines_env):
    # the front table, the budget answer and the Models page show latency on the GMACs axis too (UXCHECK6 #2)
    box = _app({**CPU_LINK, "x": "gmacs"}).sidebar.selectbox(key="w_hw")
    assert box.options == ["Automatic: " + ZEN3[1], f"{ZEN3[1]} (4 models)", f"{ZEN4[1]} (3 models)"]
    at = _app({**CPU_LINK, "x": "gmacs", "hw": ZEN4[0]})
    assert at.sidebar.selectbox(key="w_hw").value == ZEN4[0]
    assert at.query_params["hw"] == ZEN4[0]
