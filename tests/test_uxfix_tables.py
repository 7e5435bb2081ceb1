"""UXCHECK3 items 3, 4 and 9: the Compare table's key numbers first and rounded, with short headers; the
Hardware page's speed-ups with the ratio first and rounded, its latency table rounded, no "0 models measured"
configuration line, and roofline labels short enough for a phone."""
from __future__ import annotations

import json
import math

import pandas as pd

from conftest import run_app
from efficiency.ui import language_detail as ld
from efficiency.ui.detail import COMPARE_COLUMNS, compare_order, compare_shown
from efficiency.ui.hardware import failed_only, failed_only_note, speedup_frame
from efficiency.ui.models_table import round_sig

AUDIT_COMPARE = ",".join(["timm/mobilenetv3_small_050.lamb_in1k@224", "timm/tinynet_e.in1k@106",
                          "torchvision/shufflenet_v2_x0_5.IMAGENET1K_V1"])     # the audit's default selection


def _rounded(values, digits: int = 3) -> bool:
    """Every finite value equals itself to ``digits`` significant digits."""
    return all(v == round_sig(v, digits) for v in pd.to_numeric(pd.Series(values), errors="coerce").dropna()
               if math.isfinite(v))


# --------------------------------------------------------------------------- Compare (item 4)

def test_compare_order_puts_the_key_numbers_first_and_words_last():
    assert compare_order(COMPARE_COLUMNS)[:7] == ["model", "acc", "gmacs", "params_m", "lat_p50_ms",
                                                  "throughput_sps", "mem_mib"]
    assert compare_order(COMPARE_COLUMNS)[-3:] == ["family", "arch", "source"]
    lang = compare_order(ld.COMPARE_COLUMNS)
    assert lang[:4] == ["model", "acc", "ttft_ms", "decode_tps"]
    assert sorted(lang) == sorted(ld.COMPARE_COLUMNS)          # reordered, nothing lost


def test_compare_shown_rounds_and_drops_what_the_id_says():
    t = pd.DataFrame({"model": ["timm/a.w@224"], "acc": [57.918], "gmacs": [0.024214], "params_m": [1.5932],
                      "throughput_sps": [1724.9946], "mem_mib": [107.7412], "family": ["a"], "arch": ["a"],
                      "source": ["timm"]})
    got = compare_shown(t)
    assert list(got.columns) == ["model", "acc", "gmacs", "params_m", "throughput_sps", "mem_mib", "family"]
    assert got.iloc[0][["acc", "gmacs", "params_m", "throughput_sps", "mem_mib"]].tolist() == [
        57.92, 0.0242, 1.59, 1720.0, 108.0]


def test_compare_page_shows_key_numbers_first_rounded_with_short_headers(shipped_env):
    at = run_app({"sel": AUDIT_COMPARE, "dev": "cuda", "mode": "cuda_graph", "bs": "1"}, "compare", timeout=120)
    table = at.dataframe[0].value
    cols = list(table.columns)
    assert cols[1].startswith("ImageNet-1k top-1") and cols[2:6] == [
        "GMACs", "params (M)", "latency p50 (ms)", "samples/s"], cols
    assert cols[6].startswith("peak memory") and "arch" not in cols and "source" not in cols
    assert all(len(c) <= 40 for c in cols), cols                  # no header names the machine
    assert _rounded(table[cols[1]] * 100, 4)                       # accuracy: 2 decimals (57.92)
    for c in cols[2:7]:
        assert _rounded(table[c]), (c, table[c].tolist())
    assert table[cols[5]].notna().all()                            # all three were timed on the H200
    captions = " ".join(str(c.value) for c in at.caption)
    assert "NVIDIA H200, 140 GiB, 700 W limit, batch 1, bf16, cuda graph" in captions   # the hardware, said once


def test_language_compare_shows_accuracy_ttft_and_decode_speed_first(shipped_env):
    at = run_app({"task": "language"}, "compare", timeout=120)
    table = at.dataframe[0].value
    cols = list(table.columns)
    assert cols[2:4] == [ld.COMPARE_HEADERS["ttft_ms"], ld.COMPARE_HEADERS["decode_tps"]], cols
    assert "(%)" in cols[1]                                        # the accuracy, right after the id
    for c in cols[2:-1]:
        assert _rounded(table[c]), (c, table[c].tolist())


# --------------------------------------------------------------------------- Hardware (items 3 and 9)

def test_speedup_frame_puts_a_rounded_ratio_first_largest_first():
    r = pd.Series([7.2712, 14.0562, 38.7416], index=["timm/a", "timm/b", "timm/c"], name="ratio (x)")
    got = speedup_frame(r)
    assert list(got.columns) == ["ratio (x)", "model"]
    assert got["ratio (x)"].tolist() == [38.7, 14.1, 7.27] and got["model"].tolist() == ["timm/c", "timm/b", "timm/a"]


def test_failed_only_configurations_are_named_not_counted_as_machines():
    configs = pd.DataFrame({"hardware_name": ["GPU not recorded", "NVIDIA H200"], "device": ["cuda", "cuda"],
                            "dtype": ["bf16", "bf16"], "mode": ["cuda_graph", "eager"], "batch_size": [1, 1],
                            "models": [0, 12], "failed_rows": [6, 2]})
    assert failed_only(configs).tolist() == [True, False]
    note = failed_only_note(configs)
    assert "failed runs only" in note and "GPU not recorded" in note and "6 failed rows" in note
    assert "NVIDIA H200" not in note
    assert failed_only_note(configs.iloc[1:]) == ""


def test_hardware_page_tables_are_rounded_and_lead_with_the_ratio(shipped_env):
    at = run_app({}, "hardware", timeout=120)
    configs = next(d.value for d in at.dataframe if "models measured" in d.value.columns)
    assert (configs["models measured"] > 0).all()                 # the 6 capture errors: no "0 models" line
    assert "GPU not recorded" not in set(configs["machine"])
    assert any("failed runs only" in str(c.value) and "GPU not recorded" in str(c.value) for c in at.caption)
    ratios = [d.value for d in at.dataframe if "ratio (x)" in d.value.columns]
    assert len(ratios) == 3
    for r in ratios:
        assert list(r.columns) == ["ratio (x)", "model"] and _rounded(r["ratio (x)"])
    pivot = next(d.value for d in at.dataframe if d.value.index.name == "model")
    assert all(_rounded(pivot[c]) for c in pivot.columns)
    roofline = json.loads(at.get("plotly_chart")[0].proto.spec)
    for a in roofline["layout"].get("annotations", []):
        # a phone's plot is ~250 px wide: each line of a peak's label fits it (12 px text: ~6 px a letter)
        assert max(len(line) for line in a["text"].split("<br>")) <= 40, a["text"]
