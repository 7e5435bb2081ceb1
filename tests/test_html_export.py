"""Issue 13 #2: the HTML export of the figure is the paper figure at the PNG/SVG's size (export_static_figure:
1100 px wide, as tall as its caption needs), not plotly's default width of 100 %, which stretched it to a 1440 px
window (1424 px) and squeezed it into a 390 px phone (a 374 px figure whose plot sat under its legend, the labels
over each other, the caption cut). A narrower window or iframe scales the whole figure down, like an image,
without overflowing; nothing is downloaded when the file is opened (plotly.js is inline)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest

from efficiency.ui import chart_view
from efficiency.ui import data as uidata
from efficiency.ui import figures as plot
from efficiency.ui import plot_cli
from efficiency.ui.explorer import build_view
from efficiency.ui.state import ViewState

FIX = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
MEASURE = """() => { const g = document.querySelector('.js-plotly-plot'), r = g.getBoundingClientRect();
  return {w: r.width, h: r.height, layout_w: g._fullLayout.width, layout_h: g._fullLayout.height,
          page_w: document.documentElement.scrollWidth, window_w: document.documentElement.clientWidth}; }"""


@pytest.fixture(scope="module")
def printed() -> go.Figure:
    """The explorer's export path (pages/pareto.py, printed): the screen figure back to paper, with a caption
    of 9 lines, which grows the figure beyond plot.HEIGHT."""
    res = uidata.read_results(FIX / "results.parquet").df
    fig = plot.build_figure(build_view(res, uidata.read_accuracy(FIX / "accuracy.parquet", res).df, ViewState()))
    next(a for a in fig.layout.annotations if a.name == "caption").text = "<br>".join(["caption line"] * 9)
    return chart_view.for_print(go.Figure(chart_view.for_screen(fig, dark=False).to_dict()))


def _layout_size(html: str) -> tuple:
    """The width and height of the layout handed to ``Plotly.newPlot(id, data, layout, config)``."""
    rest, args = html[html.index("Plotly.newPlot(") + len("Plotly.newPlot("):], []
    for _ in range(3):              # the div's id, the data, the layout
        value, end = json.JSONDecoder().raw_decode(rest.lstrip())
        args.append(value)
        rest = rest.lstrip()[end:].lstrip().removeprefix(",")
    return args[2].get("width"), args[2].get("height")


def test_the_html_has_the_size_of_the_png(printed):
    html = plot.figure_bytes(printed, "html").decode()
    static = plot.export_static_figure(printed)
    assert static.layout.height > plot.HEIGHT                              # the caption's room is kept
    assert _layout_size(html) == (plot.WIDTH, static.layout.height) == (static.layout.width, static.layout.height)
    assert '"responsive": false' in html                                   # plotly keeps that size on a resize


def test_the_html_downloads_nothing(printed):
    html = plot.figure_bytes(printed, "html").decode()
    assert not re.search(r"<script[^>]*\ssrc=", html) and not re.search(r"<link[^>]*\shref=", html)
    assert "plotly.js v" in html[:20000] and "window.PlotlyConfig = {MathJaxConfig: 'local'}" in html


def test_the_command_line_html_has_the_same_size(tmp_path):
    out = tmp_path / "f.html"
    assert plot_cli.main(["--results", str(FIX / "results.parquet"), "--accuracy", str(FIX / "accuracy.parquet"),
                          "--claims-file", str(FIX / "paper_claims.csv"), "--out", str(out)]) == 0
    assert _layout_size(out.read_text())[0] == plot.WIDTH


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
def test_in_chromium_it_keeps_its_size_and_scales_down_whole(printed, tmp_path):
    from playwright.sync_api import sync_playwright

    f = tmp_path / "figure.html"
    f.write_bytes(plot.figure_bytes(printed, "html"))
    W, H = plot.WIDTH, plot.export_static_figure(printed).layout.height
    host = tmp_path / "host.html"
    host.write_text('<!DOCTYPE html><html><body><iframe src="figure.html" width="360" height="500"></iframe></body></html>')
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            asked = []
            page.on("request", lambda r: asked.append(r.url))
            page.goto(f.as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg")
            wide = page.evaluate(MEASURE)
            assert (wide["w"], wide["h"]) == (W, H) and wide["page_w"] == 1440        # was 1424 px wide
            page.set_viewport_size({"width": 390, "height": 844})                      # a phone: scaled, not reflowed
            page.wait_for_timeout(200)
            narrow = page.evaluate(MEASURE)
            assert (narrow["layout_w"], narrow["layout_h"]) == (W, H)
            assert narrow["w"] == pytest.approx(390, abs=1) and narrow["h"] == pytest.approx(H * 390 / W, abs=1)
            assert narrow["page_w"] == narrow["window_w"] == 390                       # nothing overflows
            assert asked == [f.as_uri()]                                               # the file itself only
            page.goto(host.as_uri())
            frame = page.frames[1]
            frame.wait_for_selector(".js-plotly-plot .main-svg")
            inside = frame.evaluate(MEASURE)
            assert inside["w"] == pytest.approx(inside["window_w"], abs=1) and inside["page_w"] == inside["window_w"]
            assert inside["layout_w"] == W
        finally:
            browser.close()
