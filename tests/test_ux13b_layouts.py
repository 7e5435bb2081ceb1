"""UX13B (issue 13 leftovers) #2 and #3: Model detail's latency-versus-resolution chart on a phone, and Compare's
long ids on a desktop.

#2: at 390 px the chart's two plots side by side were 115 px wide each, their tick labels turned on end over
each other and the right plot's y title over the left plot. Narrow, the page now draws a twin with the plots
one above the other (efficiency.ui.phone_charts.stacked / twin_chart), each the full width.
#3: Compare's grid broke a long id inside a word ("...sbb2_e200_in" / "12k_ft_in1k@384"): the id cells now
reach the grid as lines cut between the id's parts (efficiency.ui.compare_table.id_break / drawn), before
the weight tag where that takes no more lines; the cells' values stay the ids.
"""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from conftest import run_app
from efficiency.ui import compare_table as ct
from efficiency.ui import curves
from efficiency.ui import phone_charts    # stacked, spaced_ticks and their sizes
from efficiency.ui.chart_view import legend_below
from efficiency.ui.detail import resolution_figure
from efficiency.ui.log_ticks import label_log_axes
from test_ui_curves import _zoo

DETAIL = {"sel": "timm/convnext_tiny.fb_in1k@224"}      # timed at 10 sizes, 128 to 512 px, on the H100
LONG = ["timm/vit_mediumd_patch16_reg4_gap_384.sbb2_e200_in12k_ft_in1k@384",
        "timm/swinv2_large_window12to16_192to256.ms_in22k_ft_in1k@256",
        "timm/mobilenetv4_conv_aa_large.e230_r384_in12k_ft_in1k@384"]


# --------------------------------------------------------------------------- #2 the resolution chart's twin

def _figure():
    got = curves.resolution_curves(_zoo(), ["timm/net.w1@224"], "cuda", "bf16", "eager", 1)
    return legend_below(label_log_axes(resolution_figure(got, "CUDA, batch 1, bf16, eager on NVIDIA H200, "
                                                              "140 GiB, 700 W limit")), 320)


def test_the_phone_twin_stacks_the_plots_full_width_with_short_titles():
    wide = _figure()
    before = wide.to_plotly_json()
    fig = phone_charts.stacked(wide)
    assert wide.to_plotly_json() == before                            # a copy: the desktop figure as it was
    lay = fig.layout
    assert list(lay.xaxis.domain) == list(lay.xaxis2.domain) == [0, 1]
    assert lay.yaxis.domain[0] > lay.yaxis2.domain[1]                  # latency above GMACs, apart
    assert lay.xaxis.matches == "x2" and lay.xaxis.showticklabels is False
    assert "log scale" not in lay.yaxis.title.text and "(ms/batch; log)" in lay.yaxis.title.text
    assert all(len(line) <= 28 for a in (lay.yaxis, lay.yaxis2) for line in a.title.text.split("<br>"))
    assert "<br>on NVIDIA H200" in lay.title.text                      # the machine on a line of its own
    plot_px = lay.height - lay.margin.t - lay.margin.b
    assert plot_px == 2 * phone_charts.STACK_PLOT_PX + phone_charts.STACK_GAP_PX
    # the traces keep their axes: latency on (x, y), GMACs on (x2, y2)
    assert {t.yaxis for t in fig.data if t.meta == "curve"} == {"y", "y2"}


def test_phone_ticks_keep_both_ends_and_stay_apart():
    ticks = [128, 160, 192, 224, 256, 288, 320, 384, 448, 512]
    kept = phone_charts.spaced_ticks(ticks)
    assert kept[0] == 128 and kept[-1] == 512 and set(kept) < set(ticks)
    at = [math.log(t / 128) / math.log(4) * phone_charts.PLOT_PX for t in kept]
    assert min(b - a for a, b in zip(at, at[1:])) >= phone_charts.TICK_GAP_PX


def test_detail_draws_the_chart_and_its_narrow_twin(shipped_env):
    at = run_app(DETAIL, "detail", timeout=180)
    charts = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]
    res = [c for c in charts if "Input resolution" in json.dumps(c.get("xaxis2", {}))]
    assert len(res) == 2, [list(c) for c in charts]
    side, stacked = sorted(res, key=lambda c: c["xaxis"]["domain"][1])
    assert side["xaxis"]["domain"][1] < side["xaxis2"]["domain"][0]           # desktop: side by side
    assert stacked["xaxis"]["domain"] == stacked["xaxis2"]["domain"] == [0, 1]
    css = " ".join(str(h.proto.body) for h in at.get("html"))
    assert "@container detail_latency_vs_resolution_box (max-width: 640px)" in css


VISIBLE_PLOTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(p => p.getBoundingClientRect().width > 0 && (p.querySelector('.g-x2title') || {}).textContent)
  .map(p => Array.from(p.querySelectorAll('.draglayer .nsewdrag')).map(r => r.getBoundingClientRect())
  .map(b => ({w: Math.round(b.width), h: Math.round(b.height), top: Math.round(b.top), left: Math.round(b.left)})))"""


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
def test_resolution_plots_are_wide_on_a_phone_and_side_by_side_on_a_desktop(shipped_url, width, height):
    from test_browser import ART, browser_page, wait_for
    with browser_page(width=width, height=height) as page:
        page.goto(f"{shipped_url}/detail?sel=timm%2Fconvnext_tiny.fb_in1k%40224")
        # the settled layout: under load a first frame can show the plots before their final size
        settled = ((lambda p: min(x["w"] for x in p) >= 250 and p[0]["top"] != p[1]["top"]) if width < 640 else
                   (lambda p: p[0]["top"] == p[1]["top"] and min(x["w"] for x in p) >= 300))
        shown = wait_for(page, VISIBLE_PLOTS, lambda v: len(v) == 1 and len(v[0]) == 2 and settled(v[0]),
                         timeout_s=150)
        assert len(shown) == 1, shown                     # one of the twins in view, the other hidden
        (a, b) = shown[0]
        if width < 640:       # one above the other, each the phone's width less the y axis (115 px each before)
            assert a["w"] >= 250 and b["w"] >= 250 and abs(a["left"] - b["left"]) <= 1 and a["top"] != b["top"], shown
            page.locator(".js-plotly-plot:visible").nth(1).screenshot(path=str(ART / "ux13b_resolution_390px.png"))
        else:
            assert a["top"] == b["top"] and a["left"] != b["left"] and a["w"] >= 300, shown


# --------------------------------------------------------------------------- #3 Compare's long ids

def test_a_long_id_breaks_before_its_weight_tag_never_inside_a_part():
    assert ct.id_break(LONG[0], 320) == ["timm/vit_mediumd_patch16_reg4_gap_384", ".sbb2_e200_in12k_ft_in1k@384"]
    assert ct.id_break("hf/llama-3.1-8b", 320) == ["hf/llama-3.1-8b"]
    for text, px in ((LONG[0], 150), (LONG[1], 200), ("hf/some-long-name-with-dashes.v2@224", 90)):
        lines = ct.id_break(text, px)
        assert "".join(lines) == text and all(ct.text_px(line) <= px for line in lines), lines
        ends = {len("".join(lines[:i + 1])) for i in range(len(lines) - 1)}
        cuts = {0, len(text)} | {i for i, c in enumerate(text) if c in ".@"} | \
            {i + 1 for i, c in enumerate(text) if c in "/_-"}
        assert ends <= cuts, (lines, ends - cuts)


def test_long_ids_reach_the_grid_in_lines_and_numbers_read_as_before():
    frame = pd.DataFrame({"model": LONG, "top-1 (%)": [87.44, 86.93, 84.31], "GMACs": [43.6, 47.7, 7.01],
                          "samples/s": [561.0, None, 1720.0], "family": ["vit", "swinv2", None]})
    lay = ct.layout(frame, {"top-1 (%)": "%.2f"})
    assert lay.row_height is not None                 # these ids wrap at the cap
    styler = ct.drawn(frame, lay)
    assert styler.data is frame                       # the cells' values: the ids, unchanged
    text = styler.to_string(delimiter="|").splitlines()
    assert any(line.startswith("0|timm/vit_mediumd_patch16_reg4_gap_384") for line in text), text
    assert ".sbb2_e200_in12k_ft_in1k@384|87.44|43.6|561|vit" in text
    assert ".e230_r384_in12k_ft_in1k@384|84.31|7.01|1720|" in text    # missing: blank, never "nan"
    assert ct.id_lines(frame, "model", lay.id_px) == 2
    short = frame.assign(model=["timm/a.w@224", "timm/b.w@224", "timm/c.w@224"])
    assert ct.drawn(short, ct.layout(short)) is short    # nothing wraps: the frame itself


def test_auto_number_is_the_grids_own_format():
    assert [ct.auto_number(v) for v in (0, 1.78, 561.0, 0.0484, 1720.0, 12345678.0, 0.123456, float("nan"))] == \
        ["0", "1.78", "561", "0.0484", "1720", "12345678", "0.1235", ""]
