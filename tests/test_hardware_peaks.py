"""The roofline's peaks come only from vendor pages that were read: every :data:`PEAK_TFLOPS` entry carries an
https URL and the quote stating its number, a GPU without one (the H200: NVIDIA's page could not be read)
gets no peak and no % of peak, and the Hardware page says so beside the chart, or names the source of the
peak it draws. Synthetic cache: test_ui_machine_choice's four models, measured on an H100 SXM and an H200."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from efficiency.store import cache
from efficiency.ui.hardware import (PEAK_TFLOPS, DatasheetPeak, hardware_table, measured_matmul_peaks, peak_notes,
                                   peak_source, peak_tflops, read_measured_peaks)
from efficiency.vocab import DTYPES
from test_ui_machine_choice import MODELS, _row, accuracy
from conftest import run_app, use_tables

ROOT = Path(__file__).resolve().parent.parent
H100 = ("gpu/NVIDIA H100 80GB HBM3/79GiB/700W", "NVIDIA H100 80GB HBM3, 79 GiB, 700 W limit")
H200 = ("gpu/NVIDIA H200/140GiB/700W", "NVIDIA H200, 140 GiB, 700 W limit")


def test_every_peak_has_an_https_source_and_a_quote_stating_its_number():
    assert PEAK_TFLOPS, "an empty table would make this test vacuous: drop the test with the last entry"
    for p in PEAK_TFLOPS:
        assert isinstance(p, DatasheetPeak) and dataclasses.is_dataclass(p)
        assert re.match(r"https://[^\s/]+\.[a-z]+/\S+$", p.url), p.url
        assert p.quote.strip() and f"{p.tflops:g}" in p.quote, (p.tflops, p.quote)
        assert re.search(rf"(?<![\d.]){re.escape(f'{p.tflops:g}')}(?![\d.])", p.quote)   # the number, not a part
        assert p.dtype in DTYPES and p.tflops > 0 and p.gpu and p.contains
    with pytest.raises(dataclasses.FrozenInstanceError):
        PEAK_TFLOPS[0].tflops = 1.0                                            # type: ignore[misc]


def test_peaks_only_for_the_part_and_dtype_the_source_names():
    assert peak_tflops("NVIDIA H100 80GB HBM3", "bf16") == 989.0
    assert peak_source("NVIDIA H100 80GB HBM3", "bf16").url.startswith("https://github.com/NVIDIA/")
    for name, dtype in (("NVIDIA H100 80GB HBM3", "fp16"), ("NVIDIA H100 80GB HBM3", "fp32"),
                        ("NVIDIA H100 PCIe", "bf16"), ("NVIDIA H100 NVL", "bf16"),     # other clocks, other peaks
                        ("NVIDIA H200", "bf16"), ("NVIDIA H200 NVL", "bf16"),         # no readable source
                        ("AMD EPYC", "fp32"), (None, "bf16"), (float("nan"), "bf16")):
        assert peak_tflops(name, dtype) is None and peak_source(name, dtype) is None, (name, dtype)


def gpu_results() -> pd.DataFrame:
    rows = [_row(m, "count") for m in MODELS]
    rows += [_row(m, "latency", H100, "cuda", p) for m, p in zip(MODELS, (0.5, 1.0))]
    rows += [_row(m, "latency", H200, "cuda", p) for m, p in zip(MODELS, (0.4, 0.8, 1.2))]
    return cache.normalise(pd.DataFrame(rows))


def test_hardware_table_has_no_peak_where_none_is_recorded():
    hw = hardware_table(gpu_results())
    h100, h200 = hw[hw["device_name"] == "NVIDIA H100 80GB HBM3"], hw[hw["device_name"] == "NVIDIA H200"]
    assert len(h100) == 2 and len(h200) == 3
    assert (h100["peak_tflops"] == 989.0).all()
    assert np.allclose(h100["pct_of_peak"], 100 * h100["achieved_tflops"] / 989.0)
    assert h200["peak_tflops"].isna().all() and h200["pct_of_peak"].isna().all()
    assert h200["achieved_tflops"].notna().all()                     # the achieved figure still stands
    notes = peak_notes(hw)
    assert notes[0].startswith("NVIDIA H100 80GB HBM3 bf16 peak: 989 TFLOP/s dense") and PEAK_TFLOPS[0].url in notes[0]
    assert notes[1] == ("No datasheet peak recorded for NVIDIA H200 (bf16): no dashed peak line and no % of the "
                        "vendor's peak for its rows.")
    assert peak_notes(hw[hw["device"] == "cpu"]) == [] and peak_notes(hw.iloc[0:0]) == []


def test_hardware_page_draws_only_the_sourced_peak_and_names_its_source(tmp_path, monkeypatch):
    use_tables(tmp_path, monkeypatch, gpu_results(), accuracy())
    at = run_app({}, "hardware", timeout=120)
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    roof = next(c for c in charts if "achieved TFLOP/s" in c["layout"]["yaxis"]["title"]["text"])
    peaks = [s["y0"] for s in roof["layout"].get("shapes", []) if s.get("line", {}).get("dash") == "dash"]
    assert peaks == [989.0]                                           # the H100's; none for the H200
    labels = [a["text"].replace("<br>", " ") for a in roof["layout"]["annotations"] if "dense peak" in a["text"]]
    assert len(labels) == 1 and labels[0].startswith("NVIDIA H100 80GB HBM3 bf16 dense peak, 989 TFLOP/s")
    captions = " ".join(c.value for c in at.caption)
    assert "No datasheet peak recorded for NVIDIA H200 (bf16)" in captions
    assert PEAK_TFLOPS[0].url in captions and PEAK_TFLOPS[0].quote in captions
    hover = " ".join(t for tr in roof["data"] for t in tr.get("hovertext", []))
    assert "% of the 989 TFLOP/s peak" in hover and hover.count("TFLOP/s peak") == 2     # the two H100 rows only


def test_measured_matmul_peak_is_the_latest_run_of_each_machine_for_its_bf16_gpu_rows(tmp_path):
    peaks = pd.DataFrame({"what": ["matmul_peak_bf16", "matmul_peak_bf16", "sdpa_flash", "matmul_peak_bf16"],
                          "tflops": [700.0, 750.0, 300.0, 600.0],
                          "hardware": [H200[0], H200[0], H200[0], H100[0]],
                          "measured_at": ["2026-12-02T10:00", "2026-12-03T10:00", "2026-12-04T10:00",
                                          "2026-12-01T10:00"]})
    measured = measured_matmul_peaks(peaks)
    assert measured == {H200[0]: 750.0, H100[0]: 600.0}                 # the later H200 run; attention rows are no peak
    hw = hardware_table(gpu_results(), measured={H200[0]: 750.0})
    h100, h200 = hw[hw["device_name"] == "NVIDIA H100 80GB HBM3"], hw[hw["device_name"] == "NVIDIA H200"]
    assert (h200["measured_peak_tflops"] == 750.0).all() and h100["measured_peak_tflops"].isna().all()
    assert np.allclose(h200["pct_of_measured_peak"], 100 * h200["achieved_tflops"] / 750.0)
    notes = peak_notes(hw)
    assert any(n.startswith("NVIDIA H200, 140 GiB, 700 W limit bf16: the dotted line, 750 TFLOP/s") for n in notes)
    # no file, an unreadable one or one without the columns: no measured peak, never an error
    bad = tmp_path / "peaks.parquet"
    bad.write_text("not parquet")
    for table in (read_measured_peaks(tmp_path / "absent.parquet"), read_measured_peaks(bad),
                  pd.DataFrame({"x": [1]})):
        assert measured_matmul_peaks(table) == {}


def test_hardware_page_draws_the_matmul_peak_measured_on_the_h200(tmp_path, monkeypatch):
    shipped = measured_matmul_peaks(read_measured_peaks())
    assert H200[0] in shipped, "data/gpu_peaks.parquet lost the H200's measured matmul peak"
    use_tables(tmp_path, monkeypatch, gpu_results(), accuracy())
    at = run_app({}, "hardware", timeout=120)
    roof = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if "achieved TFLOP/s" in json.loads(c.proto.spec)["layout"]["yaxis"]["title"]["text"])
    dotted = [s["y0"] for s in roof["layout"].get("shapes", []) if s.get("line", {}).get("dash") == "dot"]
    assert dotted == [shipped[H200[0]]]
    hover = " ".join(t for tr in roof["data"] for t in tr.get("hovertext", []))
    assert hover.count("matmul peak measured here") == 3                 # the three H200 rows
    assert any("is the bf16 matmul peak measured on this machine" in c.value for c in at.caption)
