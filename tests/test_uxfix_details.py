"""UX audit 3, defects 5, 10 and 11: the Models page's headers and grid for language models, the decode
axis at batch 1, readable accuracy names in the notes, the language speed table's order and rounding,
and one message (not two) where a detail has one batch size per configuration."""
from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from conftest import ROOT, run_app
from efficiency.store import cache
from efficiency.ui import curves
from efficiency.ui import data as uidata
from efficiency.ui import language_detail as ld
from efficiency.ui import models_table as mt
from efficiency.ui.axes import x_label
from efficiency.ui.state import DEFAULT
from efficiency.ui.view_notes import data_notes
from language_fixture import MMLU, MMLU_METRIC, write_language_fixture


@pytest.fixture(scope="module")
def lang_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lang")
    return folder, write_language_fixture(folder)


# --------------------------------------------------------------------------- Models page (defects 5, 11)

def test_language_headers_name_the_prefill_and_the_decode_step_vision_keeps_its_own():
    vision, lang = mt.headers("acc"), mt.headers("acc", language=True)
    assert vision["gmacs"] == "GMACs / sample (1 multiply-add = 1 MAC)"
    assert "prefill" in lang["gmacs"] and "512-token" in lang["gmacs"] and "/ sample" not in lang["gmacs"]
    assert "decode step" in lang["lat_p50_ms"] and "tokens" in lang["throughput_sps"]
    assert len(set(lang.values())) == len(lang)          # no two columns under one header (the rename)
    csv = mt.csv_bytes(mt.models_table(pd.DataFrame({"model": ["hf/x"], "gmacs": [1.0]})), "acc", language=True)
    assert b"prefill GMACs, 512-token prompt" in csv.splitlines()[0]
    assert mt.screen_labels(True)["gmacs"] == "prefill GMACs @512" and mt.screen_labels()["gmacs"] == "GMACs / sample"


def test_grid_height_fits_its_rows_and_is_capped():
    assert mt.grid_height(10) == 35 * 11 + 3            # 10 rows under the header, no empty rows beneath
    assert mt.grid_height(0) == mt.grid_height(1) and mt.grid_height(5000) == 560


def test_id_column_fits_the_longest_id_up_to_a_cap():
    long_id = "timm/eva02_large_patch14_448.mim_m38m_ft_in22k_in1k@448"     # 55 characters
    assert mt.id_width([long_id, "timm/resnet50.a1_in1k@224"]) >= 7 * len(long_id)
    assert mt.id_width(["hf/gemma-2-2b"]) == 160 and mt.id_width(["x" * 200]) == 400


def test_the_default_chips_fit_one_row_at_1440():
    # a chip row does not wrap at 1440 px (980 px of content): ~7 px a character plus ~40 px of chip chrome
    for chosen in (mt.DEFAULT_OPTIONAL, mt.DEFAULT_LANGUAGE_OPTIONAL):
        assert sum(7 * len(mt.CHIP_LABELS[c]) + 40 for c in chosen) < 900
    assert "(" not in "".join(mt.CHIP_LABELS.values())   # units live in the table's headers


def test_language_models_page_shows_prefill_headers(lang_dir, monkeypatch):
    _, env = lang_dir
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(ROOT)
    at = run_app({"task": "language", "ds": MMLU, "metric": MMLU_METRIC}, page="models")
    df = at.dataframe[0]
    assert mt.headers("", language=True)["gmacs"] in df.value.columns
    assert mt.headers("")["gmacs"] not in df.value.columns
    columns = json.loads(df.proto.columns)          # the page's column config: short label, full header on hover
    shown = {c.get("label"): c.get("help") for c in columns.values()}
    assert shown["prefill GMACs @512"] == mt.headers("", language=True)["gmacs"]


# --------------------------------------------------------------------------- wording (defect 11)

def test_decode_axis_is_singular_at_batch_one():
    state = replace(DEFAULT, task="language", x="decode_tps")
    one, eight = x_label(replace(state, batch=1)), x_label(replace(state, batch=8))
    assert "(1 sequence;" in one and "sequences" not in one
    assert "all 8 sequences together" in eight


def test_missing_accuracy_note_names_the_accuracy_as_the_chart_does():
    coco = replace(DEFAULT, task="detection", y_dataset="coco-val2017", y_metric="box_map")
    (level, text), = data_notes(coco, 19, 11, True)
    assert text == "8 of 19 models have no COCO val2017 box mAP and are not plotted."
    group = replace(DEFAULT, task="language", y_dataset="arc_challenge-25shot-base-qwen2.5-blog", y_metric="score")
    (_, text), = data_notes(group, 34, 10, True, acc_label="ARC-Challenge 25-shot score (%)")
    assert text == "24 of 34 models have no ARC-Challenge 25-shot score and are not plotted."


# --------------------------------------------------------------------------- language detail (defect 10)

def test_speed_table_leads_with_the_key_columns_in_three_digits(lang_dir):
    folder, _ = lang_dir
    res = uidata.read_results(folder / "results.parquet").df
    speed = ld.speed_table(res, "hf/llama-3.2-1b")
    # LLMUI (AUDIT7 L2): TTFT's flag, then memory, stability and the "does not fit" note before the long tail
    assert list(speed.columns[:9]) == ["batch", "mode", "decode tokens/s", "TTFT p50 (ms)", "TTFT flag",
                                       "step p50 (ms)", "peak allocated (MiB)", "stability (step)", "notes"]
    assert max(len(c) for c in speed.columns) <= 35                   # the conventions are in the caption
    for key in ld.SPEED_NUMBERS:
        values = speed[ld.SPEED_HEADERS[key]].dropna()
        assert all(v == mt.round_sig(v) for v in values), key         # 0.433 beside 0.195, not 0.1945
    assert speed["step p50 (ms)"].notna().all() and speed["TTFT p50 (ms)"].notna().any()
    for word in ("TTFT p50", "step p50", "bound", "3 significant digits"):
        assert word in ld.SPEED_CAPTION


# --------------------------------------------------------------------------- detail batch section (defect 11)

def _lat(batch: int, p50: float, mode: str = "eager") -> dict:
    return {"model": "timm/a.w@224", "source": "timm", "arch": "a", "weights": "w", "task": "classification",
            "input_size": "3x224x224", "kind": "latency", "batch_size": batch, "device": "cuda", "dtype": "bf16",
            "mode": mode, "channels_last": False, "hardware": "h200", "hardware_name": "NVIDIA H200",
            "device_name": "NVIDIA H200", "latency_ms_p50": p50, "latency_ms_p90": p50, "error": "",
            "noisy": False, "measured_at": "2026-12-02T10:00:00+00:00", "torch_version": "2.11.0"}


def _curves(rows):
    return curves.by_config(curves.batch_curves(cache.normalise(pd.DataFrame(rows)), ["timm/a.w@224"]))


def test_one_batch_size_is_said_once():
    box, notes = curves.batch_messages(_curves([_lat(1, 2.0), _lat(1, 4.0, mode="cuda_graph")]))
    assert notes == [] and box.startswith(curves.NO_CURVE)
    assert box.count("no curve to draw") == 1
    assert "bf16, eager: only batch 1 measured (500 samples/s)." in box
    box, notes = curves.batch_messages(_curves([_lat(1, 2.0), _lat(8, 4.0), _lat(1, 4.0, mode="cuda_graph")]))
    assert box is None and notes == ["bf16, cuda graph: only batch 1 measured (250 samples/s); no curve to draw."]


def test_language_models_page_drops_a_repeated_chip_kept_from_a_vision_view(lang_dir, monkeypatch):
    """The optional decode tokens/s column repeats a language view's key throughput (UXCHECK4): a
    choice of it kept from a vision view is dropped, not refused with an error, and not shown."""
    _, env = lang_dir
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(ROOT)
    at = run_app({"task": "language", "ds": MMLU, "metric": MMLU_METRIC}, page="models")
    at.multiselect(key="w_models_cols").set_value(["decode_tps", "ttft_ms"])  # as if chosen on a vision view
    at.run()
    assert not at.exception, at.exception
    cols = at.dataframe[0].value.columns
    assert mt.headers("", language=True)["throughput_sps"] in cols
    assert mt.headers("", language=True)["decode_tps"] not in cols and mt.headers("")["ttft_ms"] in cols
