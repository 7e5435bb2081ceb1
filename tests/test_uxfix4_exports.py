"""UXCHECK4 #5, #6, #8: the exports. The PNG/SVG/HTML figure holds every line of its caption (the
language caption lost its last 1.5 lines); the points CSV says which hardware configuration its
latency columns come from and names a language view's quantities as the Models page does; every
export's file name says what view it is (efficiency.ui.export_names)."""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import plotly.graph_objects as go
import pytest

from efficiency.ui import chart_view
from efficiency.ui import data as uidata
from efficiency.ui import figures as plot
from efficiency.ui import models_table as mt
from efficiency.ui.explorer import build_view
from efficiency.ui.export_names import (CONFIG_HEADERS, MAX_STEM, export_file_name, export_stem, points_frame)
from efficiency.ui.state import DEFAULT, ViewState, from_query
from language_fixture import MMLU, MMLU_METRIC, write_language_fixture

FIX = Path(__file__).resolve().parent / "fixtures"
HAVE_CHROMIUM = Path(os.environ.get("BROWSER_PATH", "/usr/bin/chromium")).exists() or shutil.which("chromium")
LANG = replace(DEFAULT, task="language", x="decode_gflops_512", y_dataset=MMLU, y_metric=MMLU_METRIC)
SAFE = re.compile(r"^[a-z0-9][a-z0-9._-]*[a-z0-9]$")


@pytest.fixture(scope="module")
def vision():
    res = uidata.read_results(FIX / "results.parquet").df
    return res, uidata.read_accuracy(FIX / "accuracy.parquet", res).df


@pytest.fixture(scope="module")
def language(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lang")
    write_language_fixture(folder)
    res = uidata.read_results(folder / "results.parquet").df
    return res, uidata.read_accuracy(folder / "accuracy.parquet", res).df


# --------------------------------------------------------------------------- #5 the caption fits

def _with_caption(fig: go.Figure, lines: int) -> go.Figure:
    cap = next(a for a in fig.layout.annotations if a.name == "caption")
    cap.text = "<br>".join(f"caption line {i + 1} of {lines}" for i in range(lines))
    return fig


def _printed(vision, lines: int) -> go.Figure:
    """The page's export path: the screen figure, back to paper (pages/pareto.py: for_print)."""
    fig = _with_caption(plot.build_figure(build_view(*vision, ViewState())), lines)
    return chart_view.for_print(go.Figure(chart_view.for_screen(fig, dark=False).to_dict()))


def _plot_px(fig: go.Figure) -> float:
    return fig.layout.height - fig.layout.margin.t - fig.layout.margin.b


@pytest.mark.parametrize("lines", [1, 2, 4, 6, 9, 15])
def test_the_export_grows_by_what_the_caption_needs_and_the_plot_keeps_its_size(vision, lines):
    printed = _printed(vision, lines)
    out = plot.export_static_figure(printed)
    assert out.layout.margin.b >= plot.caption_bottom_px(out) > 0        # every line inside the figure
    assert _plot_px(out) == pytest.approx(_plot_px(printed))              # the plot is not squeezed
    assert out.layout.height >= plot.HEIGHT and out.layout.width == plot.WIDTH
    if lines <= 2:     # a short caption leaves the publication size as it was
        assert out.layout.height == plot.HEIGHT and out.layout.margin.b == printed.layout.margin.b


def test_more_lines_need_more_room(vision):
    b = [plot.caption_bottom_px(plot.export_static_figure(_printed(vision, n))) for n in (4, 6, 9)]
    assert b[0] < b[1] < b[2] and b[2] - b[1] == pytest.approx(3 * 1.3 * 11, abs=1)


def test_the_html_export_fits_its_caption_too(vision):
    html = plot.figure_bytes(_printed(vision, 9), "html").decode()
    height = int(re.search(r'"height":\s*(\d+)', html).group(1))
    assert height > plot.HEIGHT


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium: kaleido cannot render SVG")
def test_the_rendered_svg_holds_the_last_caption_line(vision):
    """Measured in the SVG kaleido draws: the caption's box ends inside the image."""
    svg = plot.figure_bytes(_printed(vision, 9), "svg").decode()
    height = float(re.search(r'<svg[^>]*height="([\d.]+)"', svg).group(1))
    head = svg[:svg.index("caption line 9 of 9")]
    top, box = re.findall(r'translate\([\d.]+,([\d.]+)\)"><rect class="bg" x="[\d.]+" y="[\d.]+" '
                          r'width="[\d.]+" height="([\d.]+)"', head)[-1]
    assert float(top) + float(box) <= height


# --------------------------------------------------------------------------- #6 the points CSV

def test_the_csv_names_the_hardware_configuration_of_its_latency(vision):
    state = replace(ViewState(), x="latency_p50", device="cpu", dtype="fp32", mode="eager")
    v = build_view(*vision, state)
    df = points_frame(v)
    assert len(df) and not df.columns.duplicated().any()
    config = {CONFIG_HEADERS[k]: df[CONFIG_HEADERS[k]].unique().tolist() for k in CONFIG_HEADERS}
    assert config == {"latency machine": [v.device_name], "latency device": ["cpu"], "latency batch size": [1],
                      "latency dtype": ["fp32"], "latency mode": ["eager"]}
    assert v.device_name and "RSS growth, lower bound (MiB)" in df     # a CPU row's memory figure


def test_vision_headers_are_the_models_pages(vision):
    v = build_view(*vision, ViewState())
    df = points_frame(v)
    shown = mt.headers(v.y_label, "cuda")
    for key in ("model", "gmacs", "gflops", "params_m", "lat_p50_ms", "lat_p90_ms", "throughput_sps", "mem_mib",
                "on_front", "family", "source", "paper"):
        assert shown[key] in df, key
    assert df[shown["on_front"]].sum() == len(v.front)


def test_language_csv_speaks_of_prefill_and_decode_without_duplicates(language):
    v = build_view(*language, replace(LANG, x="decode_tps"))
    df = points_frame(v)
    shown = mt.headers(v.y_label, "cuda", language=True)
    assert not df.columns.duplicated().any()
    for header in ("prefill GMACs, 512-token prompt (1 multiply-add = 1 MAC)",
                   "prefill GFLOPs, 512-token prompt (= 2 × GMACs)", "decode step p50 (ms)",
                   "decode step p90 (ms; blank under 10 timed calls)", shown["decode_tps"]):
        assert header in df, header
    vision_words = set(mt.headers(v.y_label, "cuda").values()) - set(shown.values())
    assert not vision_words & set(df)           # no "GMACs / sample", "latency p50 (ms / batch)", ...
    assert not any("samples" in c for c in df)   # the throughput copy of decode tokens/s is gone
    assert df["latency machine"].eq("NVIDIA H200").all() and df["latency batch size"].eq(1).all()


def test_seed_rows_keep_their_kind_and_stay_off_the_front(language):
    df = points_frame(build_view(*language, replace(DEFAULT, seed_claims=True)))
    seed = df[df["accuracy kind"] != "reference table"]
    assert len(seed) == 2 and not seed["on Pareto front"].any()


# --------------------------------------------------------------------------- #8 the file names

H200 = "NVIDIA H200"


def test_default_names():
    assert export_stem(DEFAULT) == "pareto_classification_imagenet-1k-top1_vs_gmacs"
    assert export_file_name(DEFAULT, "png") == "pareto_classification_imagenet-1k-top1_vs_gmacs.png"
    assert export_file_name(DEFAULT, "csv") == "pareto_classification_imagenet-1k-top1_vs_gmacs_points.csv"
    assert export_stem(DEFAULT, H200) == export_stem(DEFAULT)      # no hardware on a compute axis


def test_a_hardware_axis_names_its_configuration():
    s = replace(DEFAULT, x="latency_p50", batch=256, dtype="fp16", mode="compile")
    assert export_stem(s, H200) == "pareto_classification_imagenet-1k-top1_vs_latency-p50_nvidia-h200_b256_fp16_compile"
    assert export_stem(s).endswith("_vs_latency-p50_cuda_b256_fp16_compile")
    cpu = replace(DEFAULT, x="memory", device="cpu", dtype="fp32", mode="eager")
    assert export_stem(cpu, "AMD EPYC (machine not recorded), 1 thread").endswith(
        "_vs_memory_amd-epyc-1-thread_b1_fp32_eager")
    # time to first token is measured at batch 1 whatever the batch shown
    assert "_b1_" in export_stem(replace(LANG, x="ttft", batch=64), H200)
    assert "_b64_" in export_stem(replace(LANG, x="decode_tps", batch=64), H200)


def test_views_that_differ_get_different_names():
    states = [DEFAULT, replace(DEFAULT, x="gflops"), replace(DEFAULT, y_dataset="imagenet-real"),
              replace(DEFAULT, x="latency_p50"), replace(DEFAULT, x="latency_p50", batch=8),
              replace(DEFAULT, x="latency_p50", device="cpu"), LANG, replace(LANG, x="decode_tps"),
              replace(LANG, x="decode_tps", mode="eager")]
    # the machine the view names (View.device_name): a CPU view's is a CPU; unknown, the device is named
    machine = {"cuda": H200, "cpu": "AMD EPYC (machine not recorded), 1 thread"}
    assert len({export_stem(s, machine[s.device]) for s in states}) == len(states)
    assert len({export_stem(s) for s in states}) == len(states)


@pytest.mark.parametrize("query", [
    {"task": "language", "ds": "arc_challenge-25shot-base-qwen2.5-blog", "metric": "score", "x": "decode_tps"},
    {"ds": "x" * 64, "metric": "y" * 64, "x": "energy_sample"},
    {"task": "..", "ds": "a/b", "metric": "macro_avg/acc_char", "x": "latency_p90"},
])
def test_names_are_safe_and_short_whatever_the_url(query):
    s = from_query(query)
    for machine in (None, H200, "AMD EPYC 9654 96-Core Processor (family 25, model 17), 192 threads / x"):
        stem = export_stem(s, machine)
        assert SAFE.match(stem) and len(stem) <= MAX_STEM and "__" not in stem, stem
        assert f"_vs_{s.x.replace('_', '-')}" in stem        # the axis survives any shortening


def test_a_long_accuracy_is_cut_at_a_word():
    s = replace(LANG, y_dataset="arc_challenge-25shot-base-qwen2.5-blog", y_metric="score", x="decode_tps")
    stem = export_stem(s, H200)
    assert len(stem) <= MAX_STEM and "_arc-challenge-25shot-base-qwen2.5" in stem
    assert stem.endswith("_vs_decode-tps_nvidia-h200_b1_bf16_cuda-graph")
