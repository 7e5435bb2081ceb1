"""Real browser: every entry of the Pareto figure's legend is visible, on a phone (390 px) and on a desktop.

At 390 px a long entry ("best within 5 ms p50: vit_base_patch16_224 (85.10)") ran past the chart's
right edge and was cut, and a legend taller than half the figure scrolled inside it, hiding entries
(efficiency.ui.chart_view.for_screen). Reads each entry's box from the drawn SVG and checks it lies
inside the legend's box and the figure, and that the legend has no scroll bar. Screenshots of the
chart go to tests/artifacts/.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from test_browser import ART, CHROMIUM, browser_page, read_figure, streamlit_server, wait_for

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")

LEGEND_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const bg = gd && gd.querySelector('.legend .bg');
  if (!bg || !gd._fullLayout) return null;
  const box = r => { const b = r.getBoundingClientRect(); return {l: b.left, r: b.right, t: b.top, b: b.bottom}; };
  const bar = gd.querySelector('.legend .scrollbar');
  return {svg: box(gd.querySelector('.main-svg')), legend: box(bg), plotw: gd._fullLayout._size.w,
          ploth: gd._fullLayout._size.h, scrollbar: bar ? bar.getBoundingClientRect().height : 0,
          items: Array.from(gd.querySelectorAll('.legend .traces')).map(
            t => ({name: t.querySelector('.legendtext').textContent, ...box(t)}))};
}"""


@pytest.fixture(scope="module")
def base_url():
    with streamlit_server() as base:
        yield base


def hidden_entries(legend: dict) -> list[str]:
    """The entries whose box reaches outside the legend's box or the figure (cut off when drawn)."""
    lim = {"l": max(legend["legend"]["l"], legend["svg"]["l"]), "r": min(legend["legend"]["r"], legend["svg"]["r"]),
           "t": max(legend["legend"]["t"], legend["svg"]["t"]), "b": min(legend["legend"]["b"], legend["svg"]["b"])}
    return [i["name"] for i in legend["items"]
            if i["l"] < lim["l"] - 0.5 or i["r"] > lim["r"] + 0.5 or i["t"] < lim["t"] - 0.5 or i["b"] > lim["b"] + 0.5]


@pytest.mark.parametrize("width, query, shot", [
    (390, "budget=5", "legend_390px.png"),                                    # a long budget entry
    (390, "budget=5&color=paper&claims=1&seedacc=1", "legend_390px_paper.png"),  # long names, many entries
    (1440, "budget=5&color=paper&claims=1&seedacc=1", "legend_1440px_paper.png"),
])
def test_every_legend_entry_is_visible(base_url, width, query, shot):
    with browser_page(width=width, height=1400) as page:
        page.goto(f"{base_url}/?{query}")
        data = read_figure(page)
        legend = wait_for(page, LEGEND_JS, lambda v: len(v["items"]) > 0)
        page.wait_for_timeout(800)                  # the legend is redrawn once the chart has its width
        legend = page.evaluate(LEGEND_JS)
        named = [t for t in data if t["name"] and t["meta"] in ("points", "front", "claims", "budget-best", "budget")]
        assert len(legend["items"]) >= len(named)
        assert any("best within 5 ms" in i["name"] for i in legend["items"])
        assert hidden_entries(legend) == [], legend
        assert legend["scrollbar"] == 0, legend         # nothing hidden behind a scroll either
        assert legend["plotw"] > 250 and legend["ploth"] > 250, legend   # and the plot keeps its size
        ART.mkdir(exist_ok=True)
        page.locator(".js-plotly-plot").screenshot(path=str(ART / shot))
