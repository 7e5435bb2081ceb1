"""The Pareto figure's content and the efficiency.plot command line."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from efficiency.ui import figures as plot
from efficiency.ui import data as uidata
from efficiency.ui.claims_view import claims_overlay
from efficiency.ui.explorer import build_view, view_key
from efficiency.ui.hardware import hardware_table, speedups
from efficiency.ui.state import ViewState

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
ENV = {**os.environ, "EFFICIENCY_RESULTS": str(FIX / "results.parquet"),
       "EFFICIENCY_ACCURACY": str(FIX / "accuracy.parquet"), "EFFICIENCY_CLAIMS": str(FIX / "paper_claims.csv")}
HAVE_CHROMIUM = Path(os.environ.get("BROWSER_PATH", "/usr/bin/chromium")).exists() or shutil.which("chromium")


@pytest.fixture(scope="module")
def tables():
    res = uidata.read_results(FIX / "results.parquet").df
    acc = uidata.read_accuracy(FIX / "accuracy.parquet", res).df
    claims = uidata.read_claims(FIX / "paper_claims.csv").df
    return res, acc, uidata.claimed_vs_measured(claims, res, acc)


def _traces(fig, meta):
    return [t for t in fig.data if t.meta == meta]


def test_figure_content(tables):
    res, acc, cvm = tables
    v = build_view(res, acc, ViewState())
    fig = plot.build_figure(v, claims_overlay(cvm, v.state))
    pts = _traces(fig, "points")
    xs = sorted(x for t in pts for x in t.x)
    assert xs == sorted(v.points["x"])
    front = _traces(fig, "front")[0]
    assert front.line.shape == "hv"
    assert list(front.x) == list(v.front["x"]) and list(front.y) == list(v.front["y"])
    assert fig.layout.xaxis.title.text == "GMACs per sample (1 multiply-add = 1 MAC)"
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.yaxis.title.text == "ImageNet-1k top-1 (%)"
    caption = fig.layout.annotations[0].text
    assert "GFLOPs = 2 x GMACs" in caption and "NVIDIA H200" in caption
    hover = plot.fill_hover(pts[0].hovertemplate, pts[0].customdata[0])
    assert pts[0].customdata[0][0] in set(v.points["model"])   # a click selects customdata[0]
    assert "ImageNet-1k top-1 (%): <b>" in hover and "%{" not in hover
    for unit in ("GMACs", "GFLOPs", "(= 2 x MACs)", "M", "ms", "samples/s", "MiB"):
        assert unit in hover
    claims = _traces(fig, "claims")[0]
    assert claims.marker.symbol == "diamond-open"
    # ViT-B/16 claims 35.1 true GFLOPs -> plotted at 17.55 GMACs
    assert any(abs(x - 17.55) < 1e-6 for x in claims.x)
    assert any("2 FLOPs per multiply-add" in h.replace("<br>", " ") for h in claims.hovertext)


def test_many_families_share_a_grey_other_beneath_the_named_ones(tables, monkeypatch):
    res, acc, _ = tables
    v = build_view(res, acc, ViewState())
    n_fam = v.points["family"].nunique()
    assert n_fam > 3, "the fixture needs several families"
    monkeypatch.setattr(plot, "MAX_GROUPS", 3)
    pts = _traces(plot.build_figure(v), "points")
    assert len(pts) == 3                      # 2 named + other
    other = pts[0]                            # drawn first: beneath the named groups
    assert other.name.startswith("other (") and other.marker.color == plot.OTHER_COLOR
    assert other.legendrank > max(t.legendrank for t in pts[1:])   # listed last
    assert len({t.marker.color for t in pts}) == 3
    assert sum(len(t.x) for t in pts) == len(v.points)


def test_gflops_axis_doubles(tables):
    res, acc, cvm = tables
    v = build_view(res, acc, replace(ViewState(), x="gflops"))
    assert (v.points["x"] == 2 * v.points["gmacs"]).all()
    claims = claims_overlay(cvm, v.state)
    assert any(abs(x - 35.1) < 1e-6 for x in claims["x"])
    assert "(= 2 x MACs)" in v.x_label


def test_latency_axis_names_hardware(tables):
    res, acc, _ = tables
    v = build_view(res, acc, replace(ViewState(), x="latency_p50", batch=256))
    assert "batch of 256" in v.x_label and "NVIDIA H200" in v.x_label
    assert "torchvision/densenet121.IMAGENET1K_V1" not in set(v.points["model"])   # no cuda rows
    assert any("no latency" in n for _, n in v.notes)
    v = build_view(res, acc, replace(ViewState(), x="latency_p50", device="cpu", dtype="fp32", mode="eager"))
    # the fixture's rows predate the hardware identity: the axis says so, as the Hardware page does
    assert "Intel(R) Xeon(R) Platinum 8480+ (machine not recorded), 16 threads, batch 1, fp32, eager" in v.x_label


def test_empty_view_figure(tables):
    res, acc, _ = tables
    v = build_view(res, acc, replace(ViewState(), search="no-such-model"))
    fig = plot.build_figure(v)
    assert v.points.empty and any("no data" in a.text for a in fig.layout.annotations)


def _cli(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "efficiency.plot", *args], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=180)


def test_cli_help():
    out = subprocess.run([sys.executable, "-m", "efficiency.plot", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0
    assert "1 MAC = 1 multiply-add" in out.stdout and "--models PATTERN" in out.stdout


def test_cli_csv_matches_view(tmp_path, tables):
    res, acc, _ = tables
    out = _cli(tmp_path, "--out", str(tmp_path / "f.csv"), "--models", "resnet*")
    assert out.returncode == 0, out.stderr
    df = pd.read_csv(tmp_path / "f.csv")
    v = build_view(res, acc, replace(ViewState(), search="resnet*"))
    assert sorted(df["model (zoo id)"]) == sorted(v.points["model"])
    assert df["on Pareto front"].sum() == len(v.front)
    assert "x: GMACs per sample (1 multiply-add = 1 MAC)" in df.columns


def test_cli_html(tmp_path):
    out = _cli(tmp_path, "--out", str(tmp_path / "f.html"), "--x", "latency_p50", "--batch", "256")
    assert out.returncode == 0, out.stderr
    html = (tmp_path / "f.html").read_text()
    assert "plotly" in html.lower() and "Pareto front" in html


def test_cli_bad_extension(tmp_path):
    assert _cli(tmp_path, "--out", str(tmp_path / "f.txt")).returncode == 2


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium at /usr/bin/chromium: kaleido cannot render PNG/SVG")
@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_cli_static(tmp_path, fmt, magic):
    out = _cli(tmp_path, "--out", str(tmp_path / f"f.{fmt}"))
    assert out.returncode == 0, out.stderr
    data = (tmp_path / f"f.{fmt}").read_bytes()
    assert magic in data[:200]


def test_view_key_drops_only_what_the_view_ignores(tables):
    res, acc, _ = tables
    a = replace(ViewState(), x="gflops", search="res")
    b = replace(a, page="compare", selection=("torchvision/resnet18.IMAGENET1K_V1",), budget_ms=3.0,
                table_filter="res", table_columns=("gmacs",), table_sort="gmacs", claims_show="off",
                claims_flagged=True)
    assert view_key(a) == view_key(b) == replace(a, page=ViewState().page)
    va, vb = build_view(res, acc, a), build_view(res, acc, b)
    pd.testing.assert_frame_equal(va.points, vb.points)
    assert va.x_label == vb.x_label and va.caption == vb.caption
    assert view_key(replace(a, x="gmacs")) != view_key(a)   # view fields still count


def test_speedups_compare_one_dtype_per_side_and_say_so(tables):
    res, _, _ = tables
    hw = hardware_table(res)
    s = ViewState()   # GPU, bf16, cuda_graph, batch 1
    (l1, cpu_gpu), (l2, eager_graph), (l3, gain) = speedups(hw, s)
    assert "CPU fp32" in l1 and "GPU bf16 cuda_graph" in l1 and "batch 1" in l1
    m = cpu_gpu.index[0]

    def p50(**cfg):
        r = hw[(hw["model"] == m)]
        for k, v in cfg.items():
            r = r[r[k] == v]
        return float(r["lat_p50_ms"].min())

    # the fixture's CPU has fp32 and bf16 rows: only fp32 may enter the ratio
    assert cpu_gpu[m] == pytest.approx(p50(device="cpu", dtype="fp32")
                                       / p50(device="cuda", batch_size=1, dtype="bf16", mode="cuda_graph"))
    assert eager_graph[m] == pytest.approx(p50(device="cuda", batch_size=1, mode="eager")
                                           / p50(device="cuda", batch_size=1, mode="cuda_graph"))
    assert gain[m] == pytest.approx(256 * p50(device="cuda", batch_size=1, mode="cuda_graph")
                                    / p50(device="cuda", batch_size=256, mode="cuda_graph"))
    assert "256 x p50(b1) / p50(b256)" in l3 and "bf16" in l2


def test_cli_carries_the_dashboards_chart_options():
    from efficiency.ui.plot_cli import _parser, state_from_args

    a = _parser().parse_args(["--highlight", "resnet5*", "--no-labels", "--bubble", "params", "--seed-claims"])
    s = state_from_args(a)
    assert (s.highlight, s.labels, s.bubble, s.seed_claims) == ("resnet5*", False, "params", True)
    d = state_from_args(_parser().parse_args([]))
    assert (d.highlight, d.labels, d.bubble, d.seed_claims) == ("", True, "none", False)   # the dashboard's defaults


def test_cli_highlight_keeps_the_rest_of_the_zoo(tmp_path, tables):
    res, acc, _ = tables
    out = _cli(tmp_path, "--out", str(tmp_path / "h.csv"), "--highlight", "resnet*")
    assert out.returncode == 0, out.stderr
    everything = build_view(res, acc, ViewState())
    assert len(pd.read_csv(tmp_path / "h.csv")) == len(everything.points)   # highlight is not a filter


def test_claim_hover_names_the_baseline_of_a_delta_claim():
    # a "-0.76 points on ResNet-50" claim is plotted at its baseline's accuracy - 0.76: the hover says which
    # baseline, so the point does not read as the paper's own number (shipped tables: the fixtures hold no delta)
    from efficiency.reference.claims import claimed_vs_measured
    from efficiency.reference.papers import load_claims
    from efficiency.store.query import load_accuracy, load_results
    res = load_results()
    acc = load_accuracy(results=res)
    v = build_view(res, acc, ViewState())
    fig = plot.build_figure(v, claims_overlay(claimed_vs_measured(load_claims(), res, acc), v.state))
    hov = [h for t in _traces(fig, "claims") for h in t.hovertext if "MaskSparsity" in h]
    assert len(hov) == 1 and "75.40 = timm/resnet50.tv_in1k@224 76.16 - 0.76" in hov[0], hov


@pytest.mark.parametrize("args,code,words", [
    (["--out", "{tmp}/no/such/f.svg"], 2, "does not exist"),                       # checked before drawing
    (["--task", "clasification"], 2, "invalid choice"),
    (["--batch", "0"], 2, "at least 1"),
    (["--y", "imagenet-1k:top7"], 2, "imagenet-1k:top1"),                           # lists the task's accuracies
    (["--results", "{tmp}/none.parquet"], 2, "--cache {tmp}/none.parquet"),        # advice for that very file
    (["--models", "zzz-no-such-model"], 2, "matches 'zzz-no-such-model'"),         # as refresh refuses it (F7)
    (["--family", "zzz-no-such-family"], 1, "nothing to plot"),
], ids=["missing-folder", "unknown-task", "batch-0", "unknown-metric", "missing-results", "nothing-matches",
        "nothing-to-plot"])
def test_cli_refuses_what_cannot_give_a_figure(tmp_path, tables, args, code, words):
    """Each of these exited 0 with an empty figure or a traceback (CLICHECK F4-F6): a non-zero exit, one
    clear line naming the option, and no output file."""
    out_file = tmp_path / "f.csv"
    args = [a.format(tmp=tmp_path) for a in args]
    out = _cli(tmp_path, *(["--out", str(out_file)] if "--out" not in args else []), *args)
    assert out.returncode == code, out.stderr
    assert words.format(tmp=tmp_path) in out.stderr and "Traceback" not in out.stderr
    assert not out_file.exists() and not (tmp_path / "no").exists()
