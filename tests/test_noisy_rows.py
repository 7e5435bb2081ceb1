"""Latency rows' stability and memory in the views (out/notes/AUDIT2.md D3, D4, D6, D8): a noisy row is
marked wherever its latency is shown (the explorer's points, hover and markers, the budget answer, the
Models table, model detail), a row with no flag is "not assessed", never "stable"; a CPU row's memory
is RSS growth (a lower bound) under every label; language decode modes name their KV cache; TTFT is
labelled eager; p90 / p99 are blank under 10 timed calls; the language decode measurement stores the
noisy flag by the vision rule (checked on the CPU with a fake timer)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from efficiency.store import cache
from efficiency.ui import language, models_table as mt
from efficiency.ui.budget import answer_lines, budget_answer
from efficiency.ui.explorer import build_view, join_points, view_x_label
from efficiency.ui.figures import build_figure, fill_hover, points_frame
from efficiency.ui.latency_rows import latency_display, model_latencies
from efficiency.ui.state import DEFAULT
from efficiency.ui.tables import MIN_SAMPLES_TAIL, latency_derived, latency_table, stability, stability_text

from conftest import run_app, use_tables

H200 = ("gpu/NVIDIA H200/140GiB/700W", "NVIDIA H200, 140 GiB, 700 W limit")
EPYC = ("cpu/AuthenticAMD/25-1/avx2/2c", "AMD EPYC, family 25 model 1, avx2, 2 cores")
NETS = [f"timm/net{i}.a1_in1k@224" for i in range(1, 5)]
# net1 is the fastest and least accurate (on the front) and noisy: IQR 20 % of p50; net3 noisy by its
# clock (IQR 1 %); net4 timed 3 calls only
P50 = [1.0, 2.0, 3.0, 4.0]
IQR = [0.2, 0.02, 0.03, 0.04]
NOISY = [True, False, True, False]
N_SAMPLES = [50, 50, 50, 3]
GPU = replace(DEFAULT, device="cuda", dtype="bf16", mode="eager", batch=1, x="latency_p50")
CPU = replace(GPU, device="cpu", dtype="fp32")


def _row(model: str, kind: str, machine=H200, **extra) -> dict:
    arch = model.split("/")[1].split(".")[0]
    cpu = machine is EPYC
    return {"model": model, "source": "timm", "arch": arch, "weights": "a1_in1k", "family": arch,
            "task": "classification", "input_size": "3x224x224", "kind": kind, "batch_size": 1,
            "device": "cpu" if cpu else "cuda", "dtype": "fp32" if cpu or kind == "count" else "bf16",
            "mode": "count" if kind == "count" else "eager", "channels_last": False, "hardware": machine[0],
            "hardware_name": machine[1], "device_name": machine[1].split(",")[0], "error": "", "macs": int(1e9),
            "flops": int(2e9), "params": 1_000_000, "measured_at": "2026-12-02T10:00:00+00:00",
            "torch_version": "2.11.0", **extra}


def _latency(i: int, machine=H200) -> dict:
    p50 = P50[i]
    return _row(NETS[i], "latency", machine, latency_ms_p50=p50, latency_ms_p90=1.2 * p50, latency_ms_p99=1.3 * p50,
                latency_ms_iqr=IQR[i], n_samples=N_SAMPLES[i], throughput=1e3 / p50, noisy=NOISY[i],
                mem_gpu_max_allocated_bytes=None if machine is EPYC else (i + 1) * 100 * 2**20,
                mem_cpu_rss_growth_bytes=0 if machine is EPYC else None)


def results() -> pd.DataFrame:
    rows = [_row(m, "count") for m in NETS]
    rows += [_latency(i) for i in range(4)] + [_latency(i, EPYC) for i in range(4)]
    return cache.normalise(pd.DataFrame(rows))


def accuracy() -> pd.DataFrame:
    return pd.DataFrame([{"model": m, "dataset": "imagenet-1k", "metric": "top1", "value": 70.0 + i,
                          "higher_is_better": True, "img_size": 224, "crop_pct": 0.875, "interpolation": "bicubic",
                          "source": "test", "param_count_m": 1.0} for i, m in enumerate(NETS)])


def _card(view, model: str) -> str:
    fig = build_figure(view)
    for t in fig.data:
        if t.meta == "points":
            for values in t.customdata:
                if values[0] == model:
                    return fill_hover(t.hovertemplate, values)
    raise AssertionError(f"{model} not drawn")


# --------------------------------------------------------------------------- D3: the flag reaches the views

def test_joined_points_carry_the_latency_rows_noisy_flag_unsuffixed():
    res = results()
    lat = latency_table(res, "cuda", 1, "bf16", "eager")
    counts = res[res["kind"] == "count"]      # a count row carries noisy / channels_last too (NA)
    pts = join_points(counts, lat, accuracy().rename(columns={"value": "acc"})[["model", "acc"]], "latency_p50")
    assert not [c for c in pts.columns if c.endswith(("_x", "_y"))]
    assert pts.set_index("model")["noisy"].astype(bool).to_dict() == dict(zip(NETS, NOISY))
    assert stability(pts).tolist() == ["noisy", "stable", "noisy", "stable"]


def test_a_noisy_front_point_is_hollow_and_says_why_in_its_hover(tmp_path, monkeypatch):
    v = build_view(results(), accuracy(), GPU)
    assert NETS[0] in set(v.front["model"])
    assert "noisy row: IQR 20.0 % of p50" in _card(v, NETS[0])
    assert "clock, power or energy window" in _card(v, NETS[2])     # IQR 1 %: another part of the rule fired
    assert "noisy" not in _card(v, NETS[1]) and "stability" not in _card(v, NETS[1])
    fig = build_figure(v)
    assert _symbols(fig) == {NETS[0]: "circle-open", NETS[1]: "circle", NETS[2]: "circle-open", NETS[3]: "circle"}
    assert [t.name for t in fig.data if t.meta == "noisy"] == ["hollow: noisy latency row (2)"]
    # on a count axis a noisy row does not move the point: drawn filled, still said in the hover
    counts = build_figure(build_view(results(), accuracy(), replace(GPU, x="gmacs")))
    assert not [t for t in counts.data if t.meta == "noisy"] and set(_symbols(counts).values()) == {"circle"}


def _symbols(fig) -> dict[str, str]:
    """model -> its marker's symbol (a trace's one symbol, or its per-point list)."""
    out = {}
    for t in (t for t in fig.data if t.meta == "points"):
        sym = t.marker.symbol
        out.update(zip([c[0] for c in t.customdata], [sym] * len(t.customdata) if isinstance(sym, str) else sym))
    return out


def test_the_budget_answer_and_the_models_table_mark_a_noisy_row():
    v = build_view(results(), accuracy(), GPU)
    lines = answer_lines(budget_answer(v, 1.5), "H200", "top-1")
    assert NETS[0] in lines[0] and "**noisy row: IQR 20.0 % of p50**" in lines[0]
    assert any(line.startswith("A noisy row failed the stability rule") for line in lines)
    clean = answer_lines(budget_answer(v, 2.5), "H200", "top-1")      # the best is net2, stable ...
    assert "noisy" not in clean[0] and "noisy" in clean[1]             # ... the runner-up net1 is not
    table = mt.models_table(v.points).set_index("model")
    assert table["noisy"].to_dict() == {NETS[0]: "noisy", NETS[1]: "stable", NETS[2]: "noisy", NETS[3]: "stable"}
    assert "noisy" in mt.DEFAULT_OPTIONAL and "noisy" in mt.DEFAULT_LANGUAGE_OPTIONAL
    assert points_frame(v).set_index("model (zoo id)")["latency stability (noisy / stable / not assessed)"][NETS[0]] == "noisy"


def test_models_page_shows_the_noisy_column(tmp_path, monkeypatch):
    use_tables(tmp_path, monkeypatch, results(), accuracy())
    at = run_app({"dev": "cuda", "dt": "bf16", "mode": "eager", "x": "latency_p50"}, page="models")
    df = at.dataframe[0].value.set_index("model (zoo id)")
    assert df[mt.headers("")["noisy"]][NETS[0]] == "noisy"


def test_a_row_without_a_flag_is_not_assessed_never_stable():
    rows = pd.DataFrame({"lat_p50_ms": [1.0, 1.0, float("nan")], "noisy": [pd.NA, None, pd.NA]})
    assert stability(rows).tolist() == ["not assessed", "not assessed", None]
    assert stability_text({"lat_p50_ms": 2.0, "noisy": pd.NA, "lat_iqr_pct": 1.0}).startswith(
        "latency stability not assessed")
    assert stability_text({"lat_p50_ms": 2.0, "noisy": False}) == ""


# --------------------------------------------------------------------------- D4: CPU memory is RSS growth

def test_cpu_memory_is_rss_growth_in_hover_table_csv_and_detail():
    v = build_view(results(), accuracy(), CPU)
    card = _card(v, NETS[1])
    assert "RSS growth (lower bound of peak memory): 0 MiB" in card and "Peak memory" not in card
    assert "Peak memory (allocated)" in _card(build_view(results(), accuracy(), GPU), NETS[1])
    assert mt.headers("acc", "cpu")["mem_mib"] == "RSS growth, lower bound (MiB)"
    assert mt.headers("acc")["mem_mib"] == "peak memory allocated (MiB)"
    assert "RSS growth, lower bound (MiB)" in points_frame(v) and "peak memory allocated (MiB)" not in points_frame(v)
    assert b"RSS growth, lower bound (MiB)" in mt.csv_bytes(mt.models_table(v.points), "acc", "cpu")
    shown = latency_display(model_latencies(results(), NETS[1])).set_index("device")
    assert shown.loc["cpu", "CPU: RSS growth, lower bound (MiB)"] == 0
    assert pd.isna(shown.loc["cpu", "GPU: peak memory allocated (MiB)"])
    assert shown.loc["cuda", "GPU: peak memory allocated (MiB)"] == 200 and pd.isna(
        shown.loc["cuda", "CPU: RSS growth, lower bound (MiB)"])


# --------------------------------------------------------------------------- D8: p90 / p99 under 10 calls

def test_tails_are_blank_under_ten_timed_calls_and_the_card_says_why():
    lat = latency_derived(results().query("kind == 'latency' and device == 'cuda'")).set_index("model")
    assert MIN_SAMPLES_TAIL == 10
    assert lat.loc[NETS[3], ["lat_p90_ms", "lat_p99_ms"]].isna().all() and lat.loc[NETS[3], "lat_p50_ms"] == 4.0
    assert lat.loc[NETS[2], "lat_p90_ms"] == pytest.approx(3.6)
    assert "p90: 4 / not shown (3 timed calls)" in _card(build_view(results(), accuracy(), GPU), NETS[3])
    shown = latency_display(model_latencies(results(), NETS[3]))
    assert shown["p99 (ms/batch; blank under 10 timed calls)"].isna().all()
    v = build_view(results(), accuracy(), replace(GPU, x="latency_p90"))
    assert NETS[3] not in set(v.points["model"])
    assert any("fewer than 10 calls" in text for _, text in v.notes)


# --------------------------------------------------------------------------- D6, D8: language labels

def test_language_modes_name_their_kv_cache_and_ttft_is_labelled_eager():
    assert language.mode_label("cuda_graph") == "CUDA graph (static KV cache)"
    assert language.mode_label("eager") == "eager (dynamic KV cache)"
    lang = replace(DEFAULT, task="language", x="ttft", mode="cuda_graph", batch=64)
    label = view_x_label(lang, "NVIDIA H200")
    assert label.endswith("batch 1, bf16, eager") and "cuda graph" not in label
    assert "cuda graph" in view_x_label(replace(lang, x="decode_tps"), "NVIDIA H200")


def test_language_speed_rows_without_a_flag_say_not_assessed(tmp_path):
    from efficiency.ui import language_detail as ld
    from language_fixture import write_language_fixture

    write_language_fixture(tmp_path)
    res = cache.read(tmp_path / "results.parquet")
    res = res.assign(noisy=res["noisy"].mask(res["task"] == "language"))   # as the shipped rows: no flag
    speed = ld.speed_table(res, "hf/llama-3.2-1b")
    assert set(speed["mode"]) == {"CUDA graph (static KV cache)", "eager (dynamic KV cache)"}
    # no flag and no stored spread (the fixture stores neither std nor IQR): still never "stable" (LLMUI: the
    # spread rule is tests/test_llmui_stability.py's)
    assert set(speed["stability (step)"]) == {"not assessed"}
    from efficiency.ui import data as uidata
    from efficiency.ui.hardware import hardware_table
    from language_fixture import MMLU, MMLU_METRIC

    from efficiency.ui.hw_tables import decode_rows
    configs = decode_rows(hardware_table(res, ["hf/llama-3.2-1b"]))["config"]
    assert configs.str.endswith((" bf16 CUDA graph (static KV cache)", " bf16 eager (dynamic KV cache)")).all()
    acc = uidata.read_accuracy(tmp_path / "accuracy.parquet", res).df
    v = build_view(res, acc, replace(DEFAULT, task="language", x="decode_tps", y_dataset=MMLU, y_metric=MMLU_METRIC))
    assert "static cache" in v.caption and "stability not assessed for" in v.caption
    assert "not assessed" in _card(v, "hf/llama-3.2-1b")


# --------------------------------------------------------------------------- the decode measurement's flag

def _decode(samples: list[float], clock=(None, None), window=None, limit=None):
    from efficiency.measure import llm_latency

    it = iter(samples)
    stats = llm_latency.time_steps(lambda: None, len(samples), 0, 1, timer=lambda step: next(it))
    return llm_latency.decode_row(llm_latency.DecodeResult(
        "eager", 1, stats, stats.throughput, 1000.0, 8e9, None, None, 1, 2, clock[0], clock[1], window, 10, limit),
        bandwidth_gb_s=4000.0, prompt_len=512, new_tokens=128)


def test_decode_rows_store_iqr_and_noisy_by_the_vision_rule():
    pytest.importorskip("torch")
    from efficiency.measure.energy import Energy

    steady = _decode([2.0] * 40)
    assert steady["noisy"] is False and steady["latency_ms_iqr"] == 0.0
    jitter = _decode([2.0] * 20 + [3.0] * 20)               # IQR 1 ms on a p50 of 2.5 ms: 40 %
    assert jitter["noisy"] is True and jitter["latency_ms_iqr"] == pytest.approx(1.0)
    assert _decode([2.0] * 40, clock=(1980.0, 1700.0))["noisy"] is True        # the clock fell 14 %
    assert _decode([2.0] * 40, clock=(1980.0, 1900.0))["noisy"] is False
    # a window of 100 decodes of 10 steps in 2.0 s: 2.0 ms a step, as p50; 900 W on a 700 W board
    over = _decode([2.0] * 40, window=Energy(0.5, 900.0, 100, 2.0), limit=700.0)
    assert over["noisy"] is True and over["energy_noisy"] is True and over["energy_j_per_token"] == 0.5
    assert _decode([2.0] * 40, window=Energy(0.5, 600.0, 100, 2.0), limit=700.0)["noisy"] is False
    assert _decode([2.0] * 40, window=Energy(0.5, 600.0, 100, 3.0), limit=700.0)["noisy"] is True   # 3 ms a step
