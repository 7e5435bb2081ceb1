"""The Hardware page's p50 and decode tables (AUDIT8 F6, L3): noisy rows marked in words, numbers to 3
significant digits, headers short enough for a phone; the decode table keeps one model's rows together."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from efficiency.store.query import load_results
from efficiency.ui.hw_tables import (NOISY_TINT, decode_rows, decode_view, marked, number_text, p50_pivot,
                                     short_config, symbols, tiny_names)
from conftest import run_app
from test_ui_machine_choice import H200

H100 = ("gpu/NVIDIA H100 80GB HBM3/79GiB/700W", "NVIDIA H100 80GB HBM3, 79 GiB, 700 W limit")


def _rows() -> pd.DataFrame:
    """Two models; m1 on both GPUs (its H100 eager row noisy, measured twice), m2 on the H200 only."""
    cells = [(H100, "m1", "eager", 4.3563, True), (H100, "m1", "eager", 4.9, False),
             (H200, "m1", "eager", 8.4929, False),
             (H100, "m1", "cuda_graph", 1.2943, False), (H200, "m2", "cuda_graph", 28297.3488, None)]
    return pd.DataFrame([{"model": m, "device": "cuda", "dtype": "bf16", "mode": mode, "batch_size": 1,
                          "channels_last": False, "hardware": h[0], "hardware_name": h[1],
                          "device_name": h[1].split(",")[0], "lat_p50_ms": p, "noisy": n}
                         for h, m, mode, p, n in cells])


def test_short_headers_name_machine_batch_dtype_and_mode():
    assert short_config(_rows()).tolist()[:4] == ["H100 · b1 bf16 eager", "H100 · b1 bf16 eager",
                                                  "H200 · b1 bf16 eager", "H100 · b1 bf16 graph"]
    assert short_config(_rows(), decode=True).iloc[3] == "H100 · b1 bf16 CUDA graph (static KV cache)"


def test_p50_cells_are_the_fastest_row_rounded_and_its_noisy_flag_marks_the_cell():
    p50, noisy = p50_pivot(_rows())
    assert p50.loc["m1", "H100 · b1 bf16 eager"] == 4.36 and p50.loc["m1", "H200 · b1 bf16 eager"] == 8.49
    assert p50.loc["m2", "H200 · b1 bf16 graph"] == 28300.0 and np.isnan(p50.loc["m2", "H200 · b1 bf16 eager"])
    assert noisy.sum().sum() == 1 and noisy.loc["m1", "H100 · b1 bf16 eager"]      # the 4.36 row's flag
    html = marked(p50, noisy).to_html()
    assert "4.36 noisy" in html and "8.49 noisy" not in html and "28,300" in html and "1.29<" in html
    assert html.count(NOISY_TINT.split(": ")[1]) == 1
    assert [number_text(v) for v in (28297.3488, 0.23178, 12.04, float("nan"))] == ["28,300", "0.232", "12", ""]


def test_decode_view_rounds_and_says_each_steps_stability():
    rows = _rows().assign(decode_tps=[230.0, 204.1, 117.7456, 772.6160, 28297.3488], bound_tps=11600.0,
                          bound_fraction=0.0198765, weight_bytes_bf16=248_879_616, ttft_ms=5.21, energy_j_token=0.6)
    view = decode_view(decode_rows(rows))
    assert view["decode tokens/s (whole batch)"].tolist() == [773.0, 230.0, 204.0, 118.0, 28300.0]
    assert view["weights bf16 (GiB)"].iloc[1] == 0.232 and view["fraction of bound"].iloc[1] == 0.0199
    assert view["stability (step)"].tolist() == ["stable", "noisy", "stable", "stable", "not assessed"]
    assert view["model"].tolist() == ["m1"] * 4 + ["m2"]            # one model's rows together, by mode then machine
    assert symbols(decode_rows(rows)) == ["circle", "circle-open", "circle", "circle", "circle"]


def test_language_hardware_page_marks_noisy_rows_and_rounds(shipped_env):
    at = run_app({"task": "language", "sel": "hf/gpt2,hf/llama-3.2-1b"}, "hardware", timeout=240)
    decode = next(d.value for d in at.dataframe if "stability (step)" in d.value.columns)
    tps = decode["decode tokens/s (whole batch)"]
    assert len(decode) == 16 and all(float(f"{v:.3g}") == v for v in tps)
    gpt2 = decode[decode["model"] == "hf/gpt2"]
    assert set(gpt2.loc[gpt2["configuration"].str.contains("eager"), "stability (step)"]) == {"noisy"}
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bound = next(c for c in charts if "bandwidth bound" in c["layout"]["yaxis"]["title"]["text"])
    assert "circle-open" in {s for tr in bound["data"] for s in tr["marker"]["symbol"]}
    assert not any(c.value.startswith("CPU") for c in at.markdown)       # no CPU side: no language CPU rows
    captions = " ".join(c.value for c in at.caption)
    assert "Task: language" in captions and "this page has no such box" in captions
    configs = next(d.value for d in at.dataframe if "models measured" in d.value.columns)
    res = load_results("data/results.parquet")
    lat = res[(res["kind"] == "latency") & (res["error"].fillna("") == "") & (res["task"] == "language")]
    # the language models only: the H100's b1 cuda_graph line had read 239 = 225 classification + 14 language
    assert configs["models measured"].sum() == len(lat.drop_duplicates(
        ["hardware", "device", "dtype", "mode", "batch_size", "model"]))


def test_tiny_machine_names_fall_back_where_two_machines_would_share_one():
    rows = _rows()
    other = rows.iloc[:1].assign(hardware="gpu/NVIDIA H100 94GB HBM2e/94GiB/700W",
                                 hardware_name="NVIDIA H100 94GB HBM2e, 94 GiB, 700 W limit",
                                 device_name="NVIDIA H100 94GB HBM2e")
    assert set(tiny_names(rows)) == {"H100", "H200"}
    assert set(tiny_names(pd.concat([rows, other]))) == {"NVIDIA H100 80GB HBM3", "NVIDIA H100 94GB HBM2e",
                                                        "NVIDIA H200"}
