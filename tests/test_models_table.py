"""The Models page's table (efficiency.ui.models_table) and the page itself under AppTest."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efficiency.ui import models_table as mt
from conftest import models_page
from efficiency.ui.state import DEFAULT

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"


def points() -> pd.DataFrame:
    """Three view points: measured, unmeasured (no latency, no paper), and no accuracy."""
    return pd.DataFrame({
        "model": ["timm/resnet50.a1_in1k@224", "torchvision/resnet50.IMAGENET1K_V2", "timm/caformer_s18.sail_in1k@224"],
        "source": ["timm", "torchvision", "timm"], "arch": ["resnet50", "resnet50", "caformer_s18"],
        "weights": ["a1_in1k", "IMAGENET1K_V2", "sail_in1k"], "task": ["classification"] * 3,
        "family": ["resnet", "resnet", "caformer"], "paper": ["", None, "MetaFormer Baselines for Vision"],
        "acc": [80.1049, 80.858, np.nan], "gmacs": [4.11892, 4.0897, 2.0],
        "gflops": [8.23784, 8.1794, 4.0], "params_m": [25.557032, 25.557032, 26.3],
        "lat_p50_ms": [1.23456, np.nan, 0.98765], "lat_p90_ms": [1.3, np.nan, 1.0],
        "throughput_sps": [810.04, np.nan, 1012.5], "mem_mib": [98.7654, np.nan, 120.0],
        "on_front": [False, True, False],
    })


def test_key_columns_lead_in_order():
    t = mt.models_table(points())
    assert list(t.columns[:len(mt.KEY_COLUMNS)]) == list(mt.KEY_COLUMNS)
    assert list(t.columns) == list(mt.KEY_COLUMNS) + list(mt.OPTIONAL_COLUMNS)
    assert mt.KEY_COLUMNS[0] == "model" and mt.KEY_COLUMNS[1] == "acc"


def test_numbers_are_rounded_to_meaningful_digits():
    t = mt.models_table(points()).set_index("model")
    r = t.loc["timm/resnet50.a1_in1k@224"]
    shown = (r["gmacs"], r["params_m"], r["lat_p50_ms"], r["throughput_sps"], r["mem_mib"])
    assert shown == (4.12, 25.6, 1.23, 810.0, 98.8)
    assert r["acc"] == 80.10                       # accuracy keeps 2 decimals, not 3 digits
    assert t.loc["torchvision/resnet50.IMAGENET1K_V2", "acc"] == 80.86


def test_the_csv_table_keeps_full_precision():
    t = mt.models_table(points(), rounded=False).set_index("model")
    r = t.loc["timm/resnet50.a1_in1k@224"]
    assert (r["gmacs"], r["params_m"], r["lat_p50_ms"], r["acc"]) == (4.11892, 25.557032, 1.23456, 80.1049)
    assert r["gflops"] == 2 * 4.11892
    assert list(t.reset_index().columns) == list(mt.models_table(points()).columns)


def test_gflops_are_twice_the_shown_gmacs():
    t = mt.models_table(points())
    assert (t["gflops"] == 2 * t["gmacs"]).all()
    assert t.loc[t["model"] == "timm/resnet50.a1_in1k@224", "gflops"].item() == 8.24


def test_missing_values_stay_missing_and_blank_in_csv():
    t = mt.models_table(points()).set_index("model")
    tv = t.loc["torchvision/resnet50.IMAGENET1K_V2"]
    assert math.isnan(tv["lat_p50_ms"]) and math.isnan(tv["mem_mib"])
    assert tv["paper"] is None and t.loc["timm/resnet50.a1_in1k@224", "paper"] is None   # "" and None alike
    text = mt.csv_bytes(t.reset_index(), "ImageNet-1k top-1 (%)").decode()
    assert "nan" not in text.lower() and "None" not in text
    header, *lines = text.splitlines()
    assert header.startswith("model (zoo id),ImageNet-1k top-1 (%),GMACs / sample (1 multiply-add = 1 MAC)")
    assert any(",," in line for line in lines)     # the blanks are empty cells


def test_rows_best_accuracy_first_missing_last():
    assert mt.models_table(points())["model"].tolist() == [
        "torchvision/resnet50.IMAGENET1K_V2", "timm/resnet50.a1_in1k@224", "timm/caformer_s18.sail_in1k@224"]


def test_links_per_kind():
    t = mt.models_table(points()).set_index("model")
    assert t.loc["timm/resnet50.a1_in1k@224", "card"] == "https://huggingface.co/timm/resnet50.a1_in1k"
    assert t.loc["torchvision/resnet50.IMAGENET1K_V2", "card"].endswith("torchvision.models.resnet50.html")
    assert t.loc["timm/caformer_s18.sail_in1k@224", "arxiv"] == "https://arxiv.org/abs/2210.13452"
    assert t["code"].isna().all()                   # the rows name no module: no guessed source link


def test_empty_points_give_an_empty_table_with_the_columns():
    t = mt.models_table(points().iloc[:0])
    assert t.empty and list(t.columns) == list(mt.KEY_COLUMNS) + list(mt.OPTIONAL_COLUMNS)


def test_headers_name_units_and_conventions():
    h = mt.headers("ImageNet-1k top-1 (%)")
    assert set(h) >= set(mt.KEY_COLUMNS) | set(mt.OPTIONAL_COLUMNS)
    assert "1 multiply-add = 1 MAC" in h["gmacs"] and "2 × GMACs" in h["gflops"]
    assert "(ms" in h["lat_p50_ms"] and "(M)" in h["params_m"] and "(MiB)" in h["mem_mib"]
    assert h["acc"] == "ImageNet-1k top-1 (%)"
    assert len(set(h.values())) == len(h)           # shown names must be unique to be columns


def test_shown_columns_key_first_once_in_table_order():
    assert mt.shown_columns([]) == list(mt.KEY_COLUMNS)
    assert mt.shown_columns(["arxiv", "model", "nonsense", "gflops"]) == list(mt.KEY_COLUMNS) + ["gflops", "arxiv"]


def test_text_filter_matches_id_family_and_paper_case_insensitively():
    t = mt.models_table(points())
    assert set(mt.text_filter(t, "CAFORMER")["model"]) == {"timm/caformer_s18.sail_in1k@224"}
    assert len(mt.text_filter(t, "metaformer")) == 1
    assert len(mt.text_filter(t, "resnet")) == 2
    assert len(mt.text_filter(t, "  ")) == 3 and mt.text_filter(t, "zzz").empty
    assert len(mt.text_filter(t, "resnet50.*")) == 0   # plain text, not a pattern


def test_active_filters_say_what_narrows_the_view():
    assert mt.active_filters(DEFAULT) == []
    s = replace(DEFAULT, families=("resnet", "vit"), search="res*", acc_min=75.0, seed_only=True)
    text = "; ".join(mt.active_filters(s))
    assert "families: resnet, vit" in text and "'res*'" in text and "accuracy ≥ 75 %" in text and "seed" in text


@pytest.mark.parametrize("value, expected", [(0.0123456, 0.0123), (123456.0, 123000.0), (-4.5678, -4.57),
                                             (0.0, 0.0), (1.0, 1.0), (999.6, 1000.0)])
def test_round_sig_examples(value, expected):
    assert mt.round_sig(value) == expected


@pytest.mark.parametrize("value", [None, math.nan, math.inf, "abc", pd.NA])
def test_round_sig_missing_is_nan(value):
    assert math.isnan(mt.round_sig(value))


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=1e-12, max_value=1e12, allow_nan=False), st.integers(1, 6))
def test_round_sig_is_close_and_short(value, digits):
    r = mt.round_sig(value, digits)
    assert abs(r - value) <= 0.5 * 10 ** (math.floor(math.log10(value)) - digits + 1) * (1 + 1e-9)
    mantissa = f"{r:.{digits + 3}e}".split("e")[0].replace(".", "").rstrip("0")
    assert len(mantissa) <= digits                  # no digits beyond the requested ones


# --------------------------------------------------------------------------- the page

_models_page = models_page   # tests/conftest.py


def test_models_page_shows_the_views_models_with_key_columns(fixture_env):
    at = _models_page()
    assert not at.exception, at.exception
    assert at.title[0].value == "Models"
    df = at.dataframe[0].value
    h = mt.headers("ImageNet-1k top-1 (%)")
    assert list(df.columns[:len(mt.KEY_COLUMNS)]) == [h[c] for c in mt.KEY_COLUMNS]
    assert len(df) == 18                            # the explorer plots 18 models of the fixture
    assert "timm/mobilenetv3_large_100.ra_in1k@224" in set(df[h["model"]])


def test_models_page_follows_the_explorer_filters_and_its_own(fixture_env):
    at = _models_page({"fam": "resnet"})
    assert not at.exception, at.exception
    assert set(at.dataframe[0].value["card / docs"].dropna().str.contains("resnet")) == {True}
    assert any("families: resnet" in c.value for c in at.caption)
    at.text_input(key="w_models_filter").set_value("a1_in1k").run()
    models = at.dataframe[0].value["model (zoo id)"].tolist()
    assert models and all("a1_in1k" in m for m in models)
    assert at.query_params["tf"] == ["a1_in1k"] or at.query_params["tf"] == "a1_in1k"   # the link carries it ...
    again = _models_page({"fam": "resnet", "tf": "a1_in1k"})                            # ... and restores it
    assert again.text_input(key="w_models_filter").value == "a1_in1k"
    assert again.dataframe[0].value["model (zoo id)"].tolist() == models


def test_models_page_column_chooser_keeps_key_columns(fixture_env):
    at = _models_page()
    at.multiselect(key="w_models_cols").set_value([]).run()
    h = mt.headers("ImageNet-1k top-1 (%)")
    assert list(at.dataframe[0].value.columns) == [h[c] for c in mt.KEY_COLUMNS]


def test_models_page_opens_a_models_detail(fixture_env):
    at = _models_page()
    target = "timm/resnet50.a1_in1k@224"
    at.selectbox(key="w_models_pick").set_value(target).run()
    next(b for b in at.button if b.label == "Open its detail").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Model detail"
    assert at.selectbox(key="w_model").value == target


def test_html_table_escapes_rounds_and_blanks():
    """The explorer's front table (HTML, neither a data grid nor markdown: first paint): text
    escaped, numbers to meaningful digits and right-aligned, missing values blank, booleans in words."""
    df = pd.DataFrame({"model": ["timm/a_b|c*d<i>", "x"], "GMACs": [0.024189, 123456.7],
                       "top-1 (%)": [57.918, np.nan], "on front": [True, False]})
    out = mt.html_table(df, {"top-1 (%)": 2})
    body = out[out.index("<tbody>"):]
    rows = body.split("<tr>")[1:]
    assert rows[0] == ('<td>timm/a_b|c*d&lt;i&gt;</td><td class="num">0.0242</td><td class="num">57.92</td>'
                       "<td>yes</td></tr>")
    assert rows[1].startswith('<td>x</td><td class="num">123,000</td><td class="num"></td><td>no</td></tr>')
    assert '<th class="num">GMACs</th>' in out and "<th>on front</th>" in out
    assert "max-height" not in out and "max-height: 420px" in mt.html_table(df, max_height_px=420)

def test_html_table_writes_huge_numbers_with_an_exponent():
    # the language front table printed training FLOPs as "31,399,999,999,999,997,902,848" (UXCHECK3 2)
    table = pd.DataFrame({"training_flops": [3.14e22, 3.33e23], "gmacs": [123456.0, 0.5]})
    html = mt.html_table(table)
    assert "3.14e+22" in html and "3.33e+23" in html and "999,999" not in html
    assert "123,000" in html and ">0.5<" in html     # below 1e15: grouped digits, as before


def test_language_views_do_not_repeat_decode_tokens_per_s():
    """UXCHECK4: a language view's key throughput column is the decode tokens/s; the optional
    "decode tokens/s" column showed the same numbers again (Models page and its CSV)."""
    assert "decode_tps" not in mt.shown_columns(["decode_tps", "ttft_ms"], language=True)
    assert "decode_tps" in mt.shown_columns(["decode_tps"])                # a vision or mixed view keeps it
    assert "decode_tps" not in mt.column_options(language=True) and "decode_tps" in mt.column_options()
    assert set(mt.DEFAULT_LANGUAGE_OPTIONAL) <= set(mt.column_options(language=True))
    h = mt.headers("acc", language=True)
    assert h["lat_p90_ms"].startswith("decode step p90") and h["lat_p50_ms"].startswith("decode step p50")


def test_active_filters_give_the_bounds_units():
    """UXCHECK4 #4: "cost in [, 0.5]" on the Models page did not say GMACs or ms; the explorer's caption
    and the Models page now word the bounds alike (mt.bound_words)."""
    assert mt.active_filters(replace(DEFAULT, cost_max=0.5)) == ["cost ≤ 0.5 GMACs"]
    assert mt.active_filters(replace(DEFAULT, x="latency_p50", cost_max=0.5)) == ["cost ≤ 0.5 ms"]
    assert mt.active_filters(replace(DEFAULT, acc_min=75.0)) == ["accuracy ≥ 75 %"]
    assert mt.active_filters(replace(DEFAULT, cost_min=0.1, cost_max=0.5)) == ["0.1 ≤ cost ≤ 0.5 GMACs"]
    epe = replace(DEFAULT, task="optical_flow", y_dataset="sintel-clean", y_metric="epe", acc_max=2.0)
    assert mt.active_filters(epe) == ["accuracy ≤ 2 px"]
