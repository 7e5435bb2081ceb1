"""FOLLOW1: Compare's latency-versus-resolution chart on a phone, as Model detail's (UX13B).

At 390 px its two plots side by side were 115 px wide each (Chromium, three compared models), their tick
labels turned on end over each other and the right plot's y title over the left plot. The page now draws
the chart through efficiency.ui.phone_charts.twin_chart: narrow, a twin with the plots one above the other.
Compare's legend (one line per model, each name on two lines) is taller on a phone than the margin
legend_below sizes for a desktop: the stacked twin makes room for it, or plotly took the difference from
the plots (163 px high each, not 190).
"""
from __future__ import annotations

import json

import pytest

from conftest import ROOT, run_app
from efficiency.ui import data as uidata
from efficiency.ui.chart_view import DESKTOP_CHART_PX, X_AXIS_PX, legend_below, legend_height
from efficiency.ui.curves import resolution_curves
from efficiency.ui.detail import resolution_figure
from efficiency.ui.log_ticks import label_log_axes
from efficiency.ui.phone_charts import STACK_GAP_PX, STACK_PLOT_PX, phone_legend_px, stacked

# three weights the H100 timed at 9 or 10 input sizes (cuda, bf16, cuda graph, batch 1: the sidebar's default)
MODELS = ["timm/convnext_tiny.fb_in1k@224", "timm/efficientnet_b0.ra_in1k@224", "timm/mobilenetv3_large_100.ra_in1k@224"]
QUERY = {"sel": ",".join(MODELS), "dev": "cuda", "dtype": "bf16", "mode": "cuda_graph", "bs": "1"}


@pytest.fixture(scope="module")
def shipped_rows():
    loaded = uidata.read_results(ROOT / "data" / "results.parquet")
    return uidata.with_sweep(loaded.df, loaded.sweep)


def _figure(rows, models):
    curves = resolution_curves(rows, models, "cuda", "bf16", "cuda_graph", 1)
    return legend_below(label_log_axes(resolution_figure(curves, "CUDA, batch 1, bf16, cuda graph")), 320)


def _names(fig):
    return [t.name for t in fig.data if t.showlegend is not False and t.name]


def test_the_stacked_twin_holds_a_phone_legend_and_keeps_its_plots_190_px(shipped_rows):
    wide = _figure(shipped_rows, MODELS)
    names = _names(wide)
    assert len(names) == 4 and all("<br>" in n for n in names if n != "this model"), names
    assert phone_legend_px(wide) == legend_height(names) - legend_height(names, DESKTOP_CHART_PX) > 0
    narrow = stacked(wide)
    lay = narrow.layout
    assert lay.height - lay.margin.t - lay.margin.b == 2 * STACK_PLOT_PX + STACK_GAP_PX
    assert lay.margin.b >= X_AXIS_PX + legend_height(names)        # the phone's legend rows below the x axis
    assert wide.layout.margin.b < X_AXIS_PX + legend_height(names)  # the desktop figure's margin would not hold them


def test_a_legend_of_one_row_on_both_keeps_the_twin_as_it_was(shipped_rows):
    # Model detail's chart of one model: the same rows on a phone as on a desktop, so nothing added
    wide = _figure(shipped_rows, MODELS[:1])
    assert phone_legend_px(wide) == 0
    assert stacked(wide).layout.margin.b == wide.layout.margin.b


def test_compare_draws_the_resolution_chart_and_its_narrow_twin(shipped_env):
    at = run_app(QUERY, "compare", timeout=180)
    charts = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]
    res = [c for c in charts if "Input resolution" in json.dumps(c.get("xaxis2", {}))]
    assert len(res) == 2, [list(c) for c in charts]
    side, upright = sorted(res, key=lambda c: c["xaxis"]["domain"][1])
    assert side["xaxis"]["domain"][1] < side["xaxis2"]["domain"][0]               # desktop: side by side
    assert upright["xaxis"]["domain"] == upright["xaxis2"]["domain"] == [0, 1]    # phone: one above the other
    assert upright["yaxis"]["domain"][0] > upright["yaxis2"]["domain"][1]
    assert "ms/batch" in upright["yaxis"]["title"]["text"]                        # the twin's short titles
    css = " ".join(str(h.proto.body) for h in at.get("html"))
    assert "@container compare_latency_vs_resolution_box (max-width: 640px)" in css


RES_PLOTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(p => p.getBoundingClientRect().width > 0 && ((p.querySelector('.g-x2title') || {}).textContent || '').includes('resolution'))
  .map(p => Array.from(p.querySelectorAll('.draglayer .nsewdrag')).map(r => r.getBoundingClientRect())
  .map(b => ({w: Math.round(b.width), h: Math.round(b.height), top: Math.round(b.top), left: Math.round(b.left)})))"""


def test_compare_resolution_plots_stack_full_width_at_390_px(shipped_url):
    from urllib.parse import urlencode

    from test_browser import browser_page, wait_for
    with browser_page(width=390, height=844) as page:
        page.goto(f"{shipped_url}/compare?{urlencode(QUERY)}")
        # wait for the settled layout (under load a first frame can show the plots before their final size)
        shown = wait_for(page, RES_PLOTS, lambda v: len(v) == 1 and len(v[0]) == 2
                         and min(p["w"] for p in v[0]) >= 250 and min(p["h"] for p in v[0]) >= STACK_PLOT_PX - 2,
                         timeout_s=150)
        assert len(shown) == 1, shown                     # one of the twins in view, the other hidden
        a, b = shown[0]                                   # 115 x 316 px each, side by side, before
        assert a["w"] >= 250 and b["w"] >= 250 and abs(a["left"] - b["left"]) <= 1 and b["top"] > a["top"], shown
        assert min(a["h"], b["h"]) >= STACK_PLOT_PX - 2, shown      # the legend took none of their height
